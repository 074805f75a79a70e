"""/officer/publicity (集中公示): the township's cases approved at 初审, grouped by township, ticked and published as
ONE roster batch per township or village. The entries come from the cases (name, household size, amount,
village): nobody retypes them. Reads and the publish action go through `SignedInState._perform`; the service checks
role + region again and audits.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel.permissions import Role
from portal.applications import queries
from portal.applications import services as svc
from portal.i18n import MESSAGES
from portal.kernel import money, routes
from portal.shell.account import guarded
from portal.shell.args import checked
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import page
from portal.shell.session import SignedInState

ERROR_KEYS = [k for k in MESSAGES if k.startswith(("apply.err_", "roster.err_", "name.err_"))] + ["auth.forbidden"]


class CandidateRow(TypedDict):
    number: str
    applicant: str
    village: str
    village_code: str
    household: int
    amount: str
    decided: str
    href: str


class GroupView(TypedDict):
    township: str
    code: str
    villages: list[list[str]]  # [code, name] of the villages with cases waiting
    cases: list[CandidateRow]


class PublicityState(SignedInState):
    groups: list[GroupView] = []
    error_key: str = ""
    published_n: int = 0
    batch_href: str = ""

    def _refresh(self) -> None:
        found: list[list[queries.PublicityGroup]] = []
        self._perform(Role.OFFICER, lambda s, a: found.append(queries.publicity_candidates(s, a)))
        groups = found[0] if found else []
        self.groups = [GroupView(
            township=g.township, code=g.township_code,
            villages=[[c, n] for c, n in dict((x.village_code, x.village) for x in g.cases).items()],
            cases=[CandidateRow(number=c.number, applicant=c.applicant, village=c.village,
                                village_code=c.village_code, household=c.household, amount=money.yuan(c.amount_fen),
                                decided=c.decided_on, href=routes.officer_application(c.number)) for c in g.cases])
            for g in groups]

    @rx.event
    def load(self):
        self.error_key, self.published_n, self.batch_href = "", 0, ""
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        self._refresh()

    @rx.event
    @checked
    def publish(self, form: dict):
        scope = str(form.get("scope", ""))[:24]
        numbers = [str(k)[2:22] for k, v in form.items() if str(k).startswith("c-") and v][:svc.MAX_BATCH_CASES + 1]
        made: list[int] = []
        actor, key = self._perform(Role.OFFICER, lambda s, a: made.append(svc.publish_cases(s, a, scope, numbers)))
        if actor is None or key:
            self.error_key, self.published_n = key or "auth.forbidden", 0
            return  # the ticks stay as they were: nothing typed is lost
        self.error_key, self.published_n = "", len(numbers)
        self.batch_href = routes.officer_roster_batch(made[0])
        self._refresh()
        return rx.call_script("document.querySelectorAll('form.publicity-group').forEach(f => f.reset())")


def _case_row(c: CandidateRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.input(type="checkbox", name="c-" + c["number"], id="pick-" + c["number"],
                             default_checked=True, aria_label=c["number"])),
        rx.el.td(rx.link(c["number"], href=c["href"])),
        rx.el.td(c["applicant"]),
        rx.el.td(c["village"]),
        rx.el.td(c["household"], class_name="num"),
        rx.el.td(c["amount"], class_name="num"),
        rx.el.td(c["decided"]),
    )


def _group(g: GroupView) -> rx.Component:
    s = PublicityState
    return rx.el.form(
        rx.heading(g["township"], size="4", as_="h2"),
        rx.hstack(
            rx.el.label(t("publicity.scope"), html_for="scope-" + g["code"], class_name="wiz-label"),
            rx.el.select(rx.el.option(t("publicity.whole_township"), value=g["code"]),
                         rx.foreach(g["villages"], lambda v: rx.el.option(v[1], value=v[0])),
                         name="scope", id="scope-" + g["code"], class_name="screen-select", style={"width": "320px",
                                                                                       "maxWidth": "100%"}),
            align="center", spacing="3", wrap="wrap"),
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(""), rx.el.th(t("officer_apps.h_number")),
                                 rx.el.th(t("officer_apps.h_applicant")), rx.el.th(t("officer_apps.h_village")),
                                 rx.el.th(t("officer_apps.h_household"), class_name="num"),
                                 rx.el.th(t("officer_apps.h_amount"), class_name="num"),
                                 rx.el.th(t("officer_apps.h_decided")))),
            rx.el.tbody(rx.foreach(g["cases"], _case_row)), class_name="desk-table"),
        rx.el.button(t("publicity.publish"), type="submit", class_name="screen-next", id="publish-" + g["code"],
                     style={"width": "320px", "maxWidth": "100%"}),
        on_submit=s.publish, reset_on_submit=False, class_name="publicity-group", id="group-" + g["code"],
        style={"width": "100%", "display": "flex", "flexDirection": "column", "gap": "12px"},
    )


def officer_publicity() -> rx.Component:
    s = PublicityState
    return page(
        guarded(
            s,
            rx.text(t("publicity.hint"), size="2"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                                  color_scheme="red", role="alert", id="publicity-error",
                                                  width="100%")),
            rx.cond(s.published_n > 0, rx.callout(
                rx.hstack(rx.text(t_fmt("publicity.published", n=s.published_n)),
                          rx.link(t("publicity.view_batch"), href=s.batch_href, id="publicity-batch-link")),
                icon="check", color_scheme="green", id="publicity-notice", width="100%")),
            rx.cond(s.groups.length() > 0,
                    rx.vstack(rx.foreach(s.groups, _group), width="100%", spacing="6", id="publicity-groups"),
                    rx.text(t("publicity.empty"), id="publicity-empty")),
        ),
        title_key="publicity.title", desk=True, tables=True,
    )
