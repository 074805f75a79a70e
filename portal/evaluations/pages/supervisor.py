"""Volunteer supervisor home (监督员工作台): the open rounds, my targets and my progress."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.account import guarded, whoami
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, nav_card, page
from portal.kernel.permissions import Role
from portal.evaluations import queries
from portal.shell.session import SignedInState

STATUS_KEYS = [f"eval.status.{s}" for s in queries.ASSIGNMENT_STATUSES]


class TargetView(TypedDict):
    href: str
    label: str
    status_key: str
    done: bool


class RoundView(TypedDict):
    id: int
    title: str
    period: str
    due: str
    done: int
    total: int
    targets: list[TargetView]


class SupervisorHomeState(SignedInState):
    rounds: list[RoundView] = []

    @rx.event
    def load(self):
        self.rounds = []  # a previous account's targets never outlive a page load (shell/once.py)
        actor = self._open_page(Role.SUPERVISOR)
        if actor is None:
            return self._refused()
        mine = queries.open_my_rounds(actor)
        self.rounds = [RoundView(
            id=r.id, title=r.title, period=f"{r.period_start} ~ {r.period_end}", due=r.due_on.isoformat(),
            done=r.submitted, total=len(r.targets),
            targets=[TargetView(href=routes.supervisor_evaluate(x.assignment_id), label=x.label,
                                status_key=f"eval.status.{x.status}", done=x.status == "submitted")
                     for x in r.targets]) for r in mine]


def _target(x: TargetView) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(rx.cond(x["done"], "circle-check", "circle-dashed"), size=22,
                    color=rx.cond(x["done"], rx.color("green", 9), rx.color("gray", 9))),
            rx.vstack(rx.text(x["label"], weight="medium"),
                      rx.text(t_var(x["status_key"], STATUS_KEYS), size="2", color_scheme="gray",
                              class_name="eval-status"),
                      spacing="0", align="start", flex="1"),
            rx.icon("chevron-right", size=20),
            align="center", spacing="3", width="100%",
        ),
        href=x["href"], underline="none", class_name="eval-target", min_height=TAP, width="100%",
    )


def _round(r: RoundView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(r["title"], size="4", as_="h2"),
            rx.text(t("eval.sup.period"), ": ", r["period"], size="2", color_scheme="gray"),
            rx.text(t("eval.sup.due"), ": ", r["due"], size="2", weight="bold"),
            rx.progress(value=rx.cond(r["total"] > 0, r["done"] * 100 / r["total"], 0), width="100%"),
            rx.text(t_fmt("eval.sup.progress", done=r["done"], all=r["total"]), size="2", class_name="eval-progress"),
            rx.vstack(rx.foreach(r["targets"], _target), spacing="2", width="100%"),
            spacing="2", align="start", width="100%",
        ),
        width="100%", class_name="eval-round",
    )


def supervisor_home(*cards: rx.Component) -> rx.Component:
    """`cards`: the app's cards for supervisors (the to-do)."""
    s = SupervisorHomeState
    return page(
        guarded(s, whoami(s), *cards,
                rx.cond(s.rounds.length() > 0, rx.vstack(rx.foreach(s.rounds, _round), spacing="3", width="100%"),
                        rx.vstack(rx.callout(t("supervisor.intro"), icon="clipboard-check", color_scheme="blue",
                                             width="100%"),
                                  rx.text(t("eval.sup.none"), color_scheme="gray", id="eval-none"), width="100%")),
                nav_card("eval.sup.results_link", "eval.sup.results_intro", routes.RESULTS + "#evaluation-notices",
                         "megaphone", "go-results")),
        title_key="supervisor.home_title",
    )
