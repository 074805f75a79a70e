"""Notices of praise and criticism (通报表扬 / 通报批评).

`/notices` (inspectors and officers, desk width): draft a notice for a region and period, naming offices and
individuals (masked when published), optionally resting on accountability referrals and inspection findings; another
inspector or officer of the region or above approves (and so publishes) it or returns it with a reason.

`notices_section()` is the public part of `/results` (phone first): each published notice with its document number,
the masked text frozen at publication, the offices named, the findings and accountability it rests on, and its PDF.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.kernel.permissions import PermissionDenied
from portal.shell.account import guarded, whoami
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.supervision import queries, rules, services

KIND_KEYS = [f"sup.notice.kind.{k}" for k in rules.NOTICE_KINDS]
STATUS_KEYS = [f"sup.notice.status.{s}" for s in rules.NOTICE_STATUSES]
ACC_KEYS = [f"sup.acc.{x}" for x in rules.ACCOUNTABILITY] + ["sup.rep.pending"]
TOPIC_KEYS = [f"sup.topic.{x}" for x in rules.TOPICS]
VERDICT_KEYS = [f"sup.verdict.{x}" for x in rules.VERDICTS]
ERROR_KEYS = ["sup.err_notice_kind", "sup.err_notice_period", "sup.err_notice_title", "sup.err_notice_body",
              "sup.err_notice_persons", "sup.err_notice_link", "sup.err_notice_state", "sup.err_notice_self",
              "sup.err_office", "sup.err_outcome_text", "auth.forbidden", "common.bad_argument"]
SEPARATORS = (",", chr(0xFF0C), chr(0x3001))  # names typed on one line: comma, full-width comma, 、
FIELD = {"min_height": TAP, "font_size": "16px", "padding": "8px", "border": "1px solid var(--gray-7)",
         "border_radius": "6px", "background": "var(--color-panel)", "box_sizing": "border-box", "width": "100%"}


class Opt(TypedDict):
    value: str
    label: str
    key: str  # "" or a catalog key shown after the label


class DeskView(TypedDict):
    id: int
    kind_key: str
    region: str
    period: str
    title: str
    status_key: str
    drafter: str
    preview: str
    offices: str
    reason: str
    number: str


def _desk(n: queries.DeskNotice) -> DeskView:
    return DeskView(id=n.id, kind_key=f"sup.notice.kind.{n.kind}", region=n.region, period=n.period, title=n.title,
                    status_key=f"sup.notice.status.{n.status}", drafter=n.drafter, preview=n.preview,
                    offices=n.offices, reason=n.return_reason, number=n.number)


def _date(value) -> date:
    return date.fromisoformat(str(value or "")[:10])


class NoticeDeskState(SignedInState):
    regions: list[Opt] = []
    offices: list[Opt] = []
    referrals: list[Opt] = []
    findings: list[Opt] = []
    to_approve: list[DeskView] = []
    mine: list[DeskView] = []
    published: list[DeskView] = []
    error_key: str = ""
    notice_key: str = ""

    def _fill(self, actor) -> None:
        d = queries.notice_desk(actor)
        self.regions = [Opt(value=r.code, label=r.name, key="") for r in d.regions]
        self.offices = [Opt(value=r.code, label=r.name, key="") for r in d.offices]
        self.referrals = [Opt(value=str(r.id), label=r.label, key=r.key) for r in d.referrals]
        self.findings = [Opt(value=str(c.id), label=c.label, key=c.key) for c in d.findings]
        self.to_approve = [_desk(n) for n in d.to_approve]
        self.mine = [_desk(n) for n in d.mine]
        self.published = [_desk(n) for n in d.published]

    def _act(self, fn, *args) -> None:
        actor, key = self._perform(services.NOTICE_ROLES, fn, *args)
        self.error_key, self.notice_key = key, "" if key else "sup.notice.done"
        if actor is not None:
            self._fill(actor)

    @rx.event
    def load(self):
        actor = self._open_page(services.NOTICE_ROLES)
        if actor is None:
            return self._refused()
        self.error_key, self.notice_key = "", ""
        try:
            self._fill(actor)
        except PermissionDenied:
            self._refuse_page()

    @rx.event
    @checked
    def draft(self, form: dict):
        try:
            start, end = _date(form.get("start")), _date(form.get("end"))
        except ValueError:
            self.error_key, self.notice_key = "sup.err_notice_period", ""
            return
        picked = lambda prefix: tuple(str(k)[len(prefix):] for k, v in form.items()  # noqa: E731
                                      if str(k).startswith(prefix) and v)
        raw = str(form.get("persons", ""))[:2000]
        for comma in SEPARATORS:
            raw = raw.replace(comma, "\n")
        persons = tuple(p for p in raw.splitlines() if p.strip())
        draft = services.NoticeDraft(
            region_code=str(form.get("region", ""))[:20], kind=str(form.get("kind", ""))[:12],
            title=str(form.get("title", ""))[:services.MAX_TITLE + 1],
            body=str(form.get("body", ""))[:services.MAX_TEXT + 1], period_start=start, period_end=end,
            offices=tuple(c[:20] for c in picked("office_"))[:50], persons=persons[:services.MAX_PERSONS + 1],
            referral_ids=tuple(row_id(i) for i in picked("ref_"))[:50],
            case_ids=tuple(row_id(i) for i in picked("case_"))[:50])
        self._act(services.draft_notice, draft)

    @rx.event
    @checked
    def approve(self, notice_id: int):
        self._act(services.approve_notice, row_id(notice_id))

    @rx.event
    @checked
    def send_back(self, form: dict):
        self._act(services.return_notice, row_id(form.get("notice", "")),
                  str(form.get("reason", ""))[:services.MAX_TEXT + 1])


def _label(key: str, for_id: str) -> rx.Component:
    return rx.el.label(t(key), html_for=for_id, class_name="rt-Text rt-r-size-2")


def _checks(items, prefix: str, box_id: str) -> rx.Component:
    return rx.box(rx.foreach(items, lambda o: rx.el.label(
        rx.el.input(type="checkbox", name=prefix + o["value"], id=box_id + "-" + o["value"],
                    style={"width": "20px", "height": "20px"}),
        rx.text(o["label"], rx.cond(o["key"] != "", rx.fragment(" · ", t_var(o["key"], ACC_KEYS))), size="2",
                as_="span"),
        style={"display": "flex", "gap": "8px", "align_items": "center", "min_height": TAP})),
        id=box_id, max_height="220px", overflow_y="auto", width="100%")


def _draft_form() -> rx.Component:
    s = NoticeDeskState
    return rx.card(rx.form(rx.vstack(
        rx.heading(t("sup.notice.new"), size="4", as_="h2"),
        _label("sup.notice.region", "notice-region"),
        rx.el.select(rx.foreach(s.regions, lambda o: rx.el.option(o["label"], value=o["value"])), name="region",
                     id="notice-region", style=FIELD),
        _label("sup.notice.kind", "notice-kind"),
        rx.el.select(*[rx.el.option(t(f"sup.notice.kind.{k}"), value=k) for k in rules.NOTICE_KINDS], name="kind",
                     id="notice-kind", style=FIELD),
        _label("sup.notice.title", "notice-title"),
        rx.el.input(name="title", id="notice-title", style=FIELD),
        rx.grid(rx.vstack(_label("sup.notice.start", "notice-start"),
                          rx.el.input(type="date", name="start", id="notice-start", style=FIELD), width="100%"),
                rx.vstack(_label("sup.notice.end", "notice-end"),
                          rx.el.input(type="date", name="end", id="notice-end", style=FIELD), width="100%"),
                columns="2", spacing="2", width="100%"),
        _label("sup.notice.text", "notice-body"),
        rx.el.textarea(name="body", id="notice-body", rows=5, style=FIELD),
        rx.text(t("sup.notice.office_pick"), size="2"),
        _checks(s.offices, "office_", "notice-offices"),
        _label("sup.notice.persons", "notice-persons"),
        rx.el.textarea(name="persons", id="notice-persons", rows=2, style=FIELD),
        rx.cond(s.referrals.length() > 0, rx.vstack(rx.text(t("sup.notice.link_refs"), size="2"),
                                                    _checks(s.referrals, "ref_", "notice-refs"), width="100%")),
        rx.cond(s.findings.length() > 0, rx.vstack(rx.text(t("sup.notice.link_cases"), size="2"),
                                                   _checks(s.findings, "case_", "notice-cases"), width="100%")),
        rx.button(t("sup.notice.save"), type="submit", min_height=TAP, id="notice-save"),
        spacing="2", width="100%"), on_submit=s.draft, reset_on_submit=False, width="100%"), width="100%")


def _card(n: DeskView, actions: rx.Component | None = None) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.badge(t_var(n["kind_key"], KIND_KEYS), color_scheme="red"),
                  rx.badge(t_var(n["status_key"], STATUS_KEYS), variant="outline"),
                  rx.text(n["number"], size="2"), spacing="2", wrap="wrap"),
        rx.text(n["title"], weight="bold"),
        rx.text(n["region"], " · ", n["period"], " · ", t_fmt("sup.notice.drafter", who=n["drafter"]), size="2",
                color_scheme="gray"),
        rx.text(t("sup.notice.preview"), size="1", color_scheme="gray"),
        rx.text(n["preview"], size="2", white_space="pre-wrap"),
        rx.text(t("sup.notice.offices"), t("sup.colon"), n["offices"], size="2"),
        rx.cond(n["reason"] != "", rx.text(t("sup.notice.return_reason"), t("sup.colon"), n["reason"], size="2",
                                           color_scheme="red")),
        *([actions] if actions is not None else []),
        spacing="1", width="100%"), width="100%", class_name="desk-notice", id="desk-notice-" + n["id"].to_string())


def _approve_actions(n: DeskView) -> rx.Component:
    s = NoticeDeskState
    return rx.vstack(
        rx.button(t("sup.notice.approve"), on_click=s.approve(n["id"]), min_height=TAP,
                  id="notice-approve-" + n["id"].to_string()),
        rx.form(rx.hstack(
            rx.el.input(type="hidden", name="notice", value=n["id"].to_string()),
            rx.el.input(name="reason", placeholder=t("sup.notice.return_reason"), style=FIELD,
                        id="notice-reason-" + n["id"].to_string()),
            rx.button(t("sup.notice.return"), type="submit", variant="outline", min_height=TAP,
                      id="notice-return-" + n["id"].to_string()),
            width="100%"), on_submit=s.send_back, width="100%"),
        width="100%", spacing="2")


def notices_desk_page() -> rx.Component:
    s = NoticeDeskState
    messages = rx.fragment(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="notice-error", width="100%")),
        rx.cond(s.notice_key != "", rx.callout(t("sup.notice.done"), icon="check", color_scheme="green",
                                               id="notice-done", width="100%")),
    )
    lists = rx.vstack(
        rx.heading(t("sup.notice.to_approve"), size="4", as_="h2"),
        rx.foreach(s.to_approve, lambda n: _card(n, _approve_actions(n))),
        rx.cond(s.to_approve.length() == 0, rx.text(t("sup.notice.none_waiting"), color_scheme="gray")),
        rx.heading(t("sup.notice.mine"), size="4", as_="h2"),
        rx.foreach(s.mine, lambda n: _card(n)),
        rx.heading(t("sup.notice.published"), size="4", as_="h2"),
        rx.foreach(s.published, lambda n: _card(n)),
        spacing="2", width="100%", id="notice-lists")
    body = rx.grid(_draft_form(), lists, columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%")
    return page(guarded(s, messages, body, whoami(s)), title_key="sup.notice.title_page", wide=True)


# --- the public section of /results ------------------------------------------------------------------------------

class RefLine(TypedDict):
    target: str
    body: str
    outcome_key: str
    decided: str


class FindingLine(TypedDict):
    topic_key: str
    position: str
    verdict_key: str
    finding: str


class PublicNotice(TypedDict):
    id: int
    number: str
    kind_key: str
    criticism: bool
    region: str
    start: str
    end: str
    published: str
    title: str
    body: str
    offices: list[str]
    referrals: list[RefLine]
    findings: list[FindingLine]
    pdf_url: str


class PublicNoticesState(rx.State):
    notices: list[PublicNotice] = []

    @rx.event
    def load(self):
        self.notices = [PublicNotice(
            id=n.id, number=n.number, kind_key=f"sup.notice.kind.{n.kind}", criticism=n.kind == "criticism",
            region=n.region, start=n.period_start, end=n.period_end, published=n.published_on, title=n.title,
            body=n.body, offices=list(n.offices),
            referrals=[RefLine(target=r["target"], body=r["body"],
                               outcome_key=f"sup.acc.{r['outcome']}" if r["outcome"] else "sup.rep.pending",
                               decided=r["decided_on"]) for r in n.referrals],
            findings=[FindingLine(topic_key=f"sup.topic.{f['topic']}", position=str(f["position"]),
                                  verdict_key=f"sup.verdict.{f['verdict']}" if f["verdict"] else "sup.rep.pending",
                                  finding=f["finding"]) for f in n.findings],
            pdf_url=routes.notice_pdf(n.id)) for n in queries.published_notices()]


def _public_card(n: PublicNotice) -> rx.Component:
    return rx.el.article(
        rx.hstack(rx.cond(n["criticism"], rx.badge(t("sup.notice.kind.criticism"), color_scheme="red", size="2"),
                          rx.badge(t("sup.notice.kind.praise"), color_scheme="green", size="2")),
                  rx.text(n["number"], size="1", color_scheme="gray"), spacing="2", wrap="wrap", align="center"),
        rx.heading(n["title"], size="3", as_="h3", margin_y="6px"),
        rx.text(t_fmt("sup.notice.meta", region=n["region"], start=n["start"], end=n["end"],
                      published=n["published"]), size="1", color_scheme="gray"),
        rx.text(n["body"], size="2", white_space="pre-wrap", margin_y="6px", class_name="notice-body"),
        rx.text(rx.el.strong(t("sup.notice.offices"), t("sup.colon")),
                rx.foreach(n["offices"], lambda o: rx.el.span(o, " ")), size="2", class_name="notice-offices"),
        rx.cond(n["findings"].length() > 0, rx.el.ul(rx.foreach(n["findings"], lambda f: rx.el.li(
            t_var(f["topic_key"], TOPIC_KEYS), " #", f["position"], " · ",
            t_var(f["verdict_key"], [*VERDICT_KEYS, "sup.rep.pending"]), t("sup.colon"), f["finding"])),
            class_name="eval-list notice-findings", style={"font_size": "14px"})),
        rx.cond(n["referrals"].length() > 0, rx.el.ul(rx.foreach(n["referrals"], lambda r: rx.el.li(
            r["target"], " → ", r["body"], " · ", t_var(r["outcome_key"], ACC_KEYS), " ", r["decided"])),
            class_name="eval-list notice-referrals", style={"font_size": "14px"})),
        rx.link(rx.icon("file-down", size=18), t("sup.notice.pdf"), href=n["pdf_url"], is_external=True,
                min_height=TAP, display="flex", align_items="center", gap="6px",
                id="notice-pdf-" + n["id"].to_string()),
        class_name="public-notice", id="public-notice-" + n["id"].to_string(),
        style={"border": "1px solid var(--gray-6)", "border_radius": "8px", "padding": "12px", "width": "100%",
               "box_sizing": "border-box", "overflow_wrap": "anywhere"},
    )


def notices_section() -> rx.Component:
    s = PublicNoticesState
    return rx.el.section(
        rx.heading(t("sup.notice.heading"), size="5", as_="h2", margin_top="24px"),
        rx.text(t("sup.notice.intro"), size="2", color_scheme="gray"),
        rx.cond(s.notices.length() > 0,
                rx.vstack(rx.foreach(s.notices, _public_card), spacing="3", width="100%", margin_top="8px"),
                rx.text(t("sup.notice.none"), color_scheme="gray")),
        id="public-notices", on_mount=s.load, class_name="public-notices",
    )
