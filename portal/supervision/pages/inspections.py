"""/inspections: special inspections (专项督察) for inspectors, and the rectification items an office must answer.

An inspector opens an inspection of a region on a topic; the sample is drawn from a seed printed on the page (and
in the audit), findings are recorded per case, rectifications are set with a deadline, findings are referred for
accountability; the office's officers answer here; the inspector accepts and closes. Desk width.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.kernel.permissions import PermissionDenied, Role
from portal.shell.account import guarded, whoami
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.supervision import queries, rules, services
from portal.supervision.components import RefView, outcome_form, outcome_use_case, ref_view, referral_outcome

ROLES = (Role.INSPECTOR, Role.OFFICER)
TOPIC_KEYS = [f"sup.topic.{x}" for x in rules.TOPICS]
VERDICT_KEYS = [f"sup.verdict.{x}" for x in rules.VERDICTS]
STATUS_KEYS = ["sup.ins_status.open", "sup.ins_status.closed", "sup.rect_status.open", "sup.rect_status.answered",
               "sup.rect_status.closed"]
ERROR_KEYS = ["sup.err_topic", "sup.err_sample_size", "sup.err_office", "sup.err_deadline", "sup.err_unanswered",
              "sup.err_inspection_open", "sup.err_referral", "sup.err_outcome", "sup.err_outcome_text",
              "sup.err_closed", "sup.err_self", "sup.err_decided_on", "sup.err_decision_no", "sup.err_decided_by",
              "auth.forbidden", "common.bad_argument"]
FIELD = {"min_height": TAP, "font_size": "16px", "padding": "8px", "border": "1px solid var(--gray-7)",
         "border_radius": "6px", "background": "var(--color-panel)", "box_sizing": "border-box", "width": "100%"}


class Opt(TypedDict):
    code: str
    name: str


class InsView(TypedDict):
    id: int
    region: str
    topic_key: str
    seed: str
    population: int
    size: int
    status_key: str
    opened: str


class CaseView(TypedDict):
    id: int
    position: int
    ref: str
    verdict_key: str
    finding: str


class RectView(TypedDict):
    id: int
    office: str
    demand: str
    due: str
    status: str
    answer: str


def _ins(r) -> InsView:
    return InsView(id=r.id, region=r.region, topic_key=f"sup.topic.{r.topic}", seed=r.seed, population=r.population,
                   size=r.sample_size, status_key=f"sup.ins_status.{r.status}", opened=r.opened)


class InspectionsState(SignedInState):
    is_inspector: bool = False
    regions: list[Opt] = []
    inspections: list[InsView] = []
    selected: int = 0
    head: InsView = InsView(id=0, region="", topic_key="sup.topic.funds", seed="", population=0, size=0,
                            status_key="sup.ins_status.open", opened="")
    cases: list[CaseView] = []
    rects: list[RectView] = []
    refs: list[RefView] = []
    offices: list[Opt] = []
    mine: list[RectView] = []
    error_key: str = ""
    notice_key: str = ""
    report_url: str = ""

    def _fill(self, actor) -> None:
        self.is_inspector = actor.has_role(Role.INSPECTOR)
        if self.is_inspector:
            regions, rows, detail = queries.inspections_for(actor, self.selected or None)
            self.regions = [Opt(code=r.code, name=r.name) for r in regions]
            self.inspections = [_ins(r) for r in rows]
            if detail is None:
                self.selected, self.cases, self.rects, self.refs, self.offices = 0, [], [], [], []
            else:
                self.head = _ins(detail.head)
                self.report_url = routes.inspection_report_pdf(detail.head.id)
                self.cases = [CaseView(id=i, position=p, ref=ref, verdict_key=f"sup.verdict.{v}" if v else "",
                                       finding=f) for i, p, ref, v, f in detail.cases]
                self.rects = [RectView(id=i, office=o, demand=d, due=due, status=f"sup.rect_status.{s}", answer=a)
                              for i, o, d, due, s, a in detail.rectifications]
                self.refs = [ref_view(r) for r in detail.referrals]
                self.offices = [Opt(code=o.code, name=o.name) for o in detail.offices]
        self.mine = [RectView(id=i, office=o, demand=d, due=due, status=f"sup.rect_status.{s}", answer="")
                     for i, o, d, due, s in queries.rectifications_for_office(actor)]

    def _act(self, roles, fn, *args) -> None:
        actor, key = self._perform(roles, fn, *args)
        self.error_key, self.notice_key = key, "" if key else "sup.ins_done"
        if actor is not None:
            self._fill(actor)

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        self.error_key, self.notice_key = "", ""
        try:
            self._fill(actor)
        except PermissionDenied:
            self._refuse_page()

    @rx.event
    @checked
    def open_inspection(self, form: dict):
        size = str(form.get("size", "")).strip()[:6]
        seed = str(form.get("seed", "")).strip()[:19]
        if (size and not size.isdigit()) or (seed and not seed.isdigit()):
            self.error_key = "sup.err_sample_size"
            return
        opened: list[int] = []

        def run(session, actor):
            opened.append(services.open_inspection(session, actor, str(form.get("region", ""))[:20],
                                                   str(form.get("topic", ""))[:20], size=int(size) if size else None,
                                                   seed=int(seed) if seed else None).id)
        actor, key = self._perform(Role.INSPECTOR, run)
        self.error_key, self.notice_key = key, "" if key else "sup.ins_done"
        if opened:
            self.selected = opened[0]
        if actor is not None:
            self._fill(actor)

    @rx.event
    @checked
    def select(self, inspection_id: int):
        actor = self._guard(Role.INSPECTOR)
        if actor is None:
            return
        self.selected, self.error_key, self.notice_key = row_id(inspection_id), "", ""
        self._fill(actor)

    @rx.event
    @checked
    def save_finding(self, form: dict):
        self._act(Role.INSPECTOR, services.record_finding, row_id(form.get("case", "")),
                  str(form.get("verdict", ""))[:10], str(form.get("finding", ""))[:services.MAX_TEXT + 1])

    @rx.event
    @checked
    def add_rectification(self, form: dict):
        days = str(form.get("days", "")).strip()[:3]
        if not days.isdigit():
            self.error_key = "sup.err_deadline"
            return
        self._act(Role.INSPECTOR, services.set_rectification, self.selected, str(form.get("office", ""))[:20],
                  str(form.get("demand", ""))[:services.MAX_TEXT + 1], int(days))

    @rx.event
    @checked
    def close_rectification(self, rect_id: int):
        self._act(Role.INSPECTOR, services.close_rectification, row_id(rect_id))

    @rx.event
    @checked
    def answer(self, form: dict):
        self._act(Role.OFFICER, services.answer_rectification, row_id(form.get("rect", "")),
                  str(form.get("answer", ""))[:services.MAX_TEXT + 1])

    @rx.event
    @checked
    def refer(self, form: dict):
        inspection = self.selected

        def run(session, actor):
            services.refer(session, actor, target=str(form.get("target", ""))[:121],
                           grounds=str(form.get("grounds", ""))[:services.MAX_TEXT + 1],
                           body=str(form.get("body", ""))[:121], inspection_id=inspection)
        self._act(Role.INSPECTOR, run)

    @rx.event
    @checked
    def record_outcome(self, form: dict):
        try:
            run = outcome_use_case(form)
        except ValueError:
            self.error_key, self.notice_key = "sup.err_decided_on", ""
            return
        self._act(Role.INSPECTOR, run)

    @rx.event
    def close_inspection(self):
        self._act(Role.INSPECTOR, services.close_inspection, self.selected)


def _label(key: str, for_id: str) -> rx.Component:
    return rx.el.label(t(key), html_for=for_id, class_name="rt-Text rt-r-size-2")


def _open_form() -> rx.Component:
    s = InspectionsState
    return rx.card(rx.form(rx.vstack(
        rx.heading(t("sup.ins_new"), size="4", as_="h2"),
        _label("sup.ins_region", "ins-region"),
        rx.el.select(rx.foreach(s.regions, lambda o: rx.el.option(o["name"], value=o["code"])), name="region",
                     id="ins-region", style=FIELD),
        _label("sup.ins_topic", "ins-topic"),
        rx.el.select(*[rx.el.option(t(f"sup.topic.{x}"), value=x) for x in rules.TOPICS], name="topic",
                     id="ins-topic", style=FIELD),
        _label("sup.ins_size", "ins-size"),
        rx.el.input(name="size", id="ins-size", input_mode="numeric", style=FIELD),
        _label("sup.ins_seed", "ins-seed"),
        rx.el.input(name="seed", id="ins-seed", input_mode="numeric", style=FIELD),
        rx.button(t("sup.ins_open"), type="submit", min_height=TAP, id="ins-open"),
        spacing="2", width="100%"), on_submit=s.open_inspection, reset_on_submit=False, width="100%"),
        width="100%")


def _ins_row(r: InsView) -> rx.Component:
    return rx.button(
        rx.hstack(rx.text(r["opened"]), rx.text(t_var(r["topic_key"], TOPIC_KEYS)), rx.text(r["region"]),
                  rx.spacer(), rx.badge(t_var(r["status_key"], STATUS_KEYS)), width="100%", spacing="2"),
        on_click=InspectionsState.select(r["id"]), variant="ghost", width="100%", min_height=TAP,
        id="ins-" + r["id"].to_string())


def _case_row(c: CaseView) -> rx.Component:
    s = InspectionsState
    return rx.table.row(
        rx.table.cell(c["position"]), rx.table.cell(c["ref"], class_name="ins-ref"),
        rx.table.cell(rx.cond(c["verdict_key"] != "", rx.vstack(
            rx.badge(t_var(c["verdict_key"], VERDICT_KEYS)), rx.text(c["finding"], size="2"), spacing="1"),
            rx.form(rx.hstack(
                rx.el.input(type="hidden", name="case", value=c["id"].to_string()),
                rx.el.select(*[rx.el.option(t(f"sup.verdict.{x}"), value=x) for x in rules.VERDICTS],
                             name="verdict", style={**FIELD, "width": "140px"},
                             id="verdict-" + c["position"].to_string()),
                rx.el.input(name="finding", placeholder=t("sup.ins_finding"), style=FIELD,
                            id="finding-" + c["position"].to_string()),
                rx.button(t("sup.ins_save"), type="submit", min_height=TAP, id="save-" + c["position"].to_string()),
                spacing="2", width="100%"), on_submit=s.save_finding, width="100%"))),
    )


def _rect_row(r: RectView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["office"]), rx.table.cell(r["demand"]), rx.table.cell(r["due"]),
        rx.table.cell(t_var(r["status"], STATUS_KEYS), class_name="rect-status"), rx.table.cell(r["answer"]),
        rx.table.cell(rx.cond(r["status"] == "sup.rect_status.answered",
                              rx.button(t("sup.rect_close"), size="2", min_height=TAP,
                                        on_click=InspectionsState.close_rectification(r["id"]),
                                        id="rect-close-" + r["id"].to_string()))),
    )


def _ref_row(r: RefView) -> rx.Component:
    s = InspectionsState
    return rx.table.row(
        rx.table.cell(r["target"]), rx.table.cell(r["body"]), rx.table.cell(r["referred"]),
        rx.table.cell(rx.cond(r["outcome_key"] != "", referral_outcome(r),
                              rx.cond(r["recordable"], outcome_form(r["id"], s.record_outcome, prefix="ref")))),
    )


def _table(headers: list[str], rows, render, table_id: str) -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h) if h else "") for h in headers])),
        rx.table.body(rx.foreach(rows, render)), size="1", width="100%", id=table_id), overflow_x="auto", width="100%")


def _detail() -> rx.Component:
    s = InspectionsState
    h = s.head
    return rx.cond(s.selected > 0, rx.card(rx.vstack(
        rx.heading(t_fmt("sup.ins_head", topic=t_var(h["topic_key"], TOPIC_KEYS).to(str), region=h["region"],
                         seed=h["seed"], n=h["population"], k=h["size"]), size="4", as_="h2", id="ins-head"),
        rx.text(t("sup.ins_redraw"), size="2", color_scheme="gray"),
        rx.link(rx.icon("file-down", size=18), t("sup.rep.download"), href=s.report_url, is_external=True,
                min_height=TAP, display="flex", align_items="center", gap="6px", id="ins-report-pdf"),
        _table(["sup.ins_no", "sup.ins_case", "sup.ins_verdict"], s.cases, _case_row, "ins-cases"),
        rx.heading(t("sup.ins_rect"), size="3", as_="h3"),
        _table(["sup.ins_office", "sup.ins_demand", "sup.drill_due", "sup.status", "sup.rect_answer", ""],
               s.rects, _rect_row, "ins-rects"),
        rx.form(rx.flex(
            rx.el.select(rx.foreach(s.offices, lambda o: rx.el.option(o["name"], value=o["code"])), name="office",
                         style={**FIELD, "width": "200px"}, id="rect-office", aria_label="office"),
            rx.el.input(name="demand", placeholder=t("sup.ins_demand"), style={**FIELD, "flex": "1",
                                                                                "min_width": "240px"},
                        id="rect-demand"),
            rx.el.input(name="days", placeholder=t("sup.ins_days"), input_mode="numeric",
                        style={**FIELD, "width": "210px"}, id="rect-days"),
            rx.button(t("sup.ins_rect_add"), type="submit", min_height=TAP, id="rect-add"),
            gap="8px", wrap="wrap", width="100%"), on_submit=s.add_rectification, reset_on_submit=True, width="100%"),
        rx.heading(t("sup.ins_refer"), size="3", as_="h3"),
        _table(["sup.ref_target", "sup.ref_body", "sup.ref_on", "sup.ref_outcome"], s.refs, _ref_row,
               "ins-refs"),
        rx.form(rx.flex(
            rx.el.input(name="target", placeholder=t("sup.ref_target"), style={**FIELD, "width": "220px"},
                        id="ref-target"),
            rx.el.input(name="grounds", placeholder=t("sup.ref_grounds"), style={**FIELD, "flex": "1",
                                                                                  "min_width": "240px"},
                        id="ref-grounds"),
            rx.el.input(name="body", placeholder=t("sup.ref_body"), style={**FIELD, "width": "200px"},
                        id="ref-body"),
            rx.button(t("sup.ins_refer"), type="submit", min_height=TAP, id="ref-add"),
            gap="8px", wrap="wrap", width="100%"), on_submit=s.refer, reset_on_submit=True, width="100%"),
        rx.button(t("sup.ins_close"), on_click=s.close_inspection, variant="outline", min_height=TAP,
                  id="ins-close"),
        spacing="3", width="100%"), width="100%", id="ins-detail"))


def _mine() -> rx.Component:
    s = InspectionsState
    return rx.cond(s.mine.length() > 0, rx.card(rx.vstack(
        rx.heading(t("sup.rect_mine"), size="4", as_="h2"),
        rx.foreach(s.mine, lambda r: rx.form(rx.vstack(
            rx.text(r["office"], " · ", r["due"], weight="bold", size="2"), rx.text(r["demand"], size="2"),
            rx.el.input(type="hidden", name="rect", value=r["id"].to_string()),
            rx.el.textarea(name="answer", rows=2, style=FIELD, id="answer-" + r["id"].to_string(),
                           aria_label="answer"),
            rx.button(t("sup.rect_answer"), type="submit", min_height=TAP, id="answer-send-" + r["id"].to_string()),
            spacing="1", width="100%"), on_submit=s.answer, width="100%")),
        spacing="3", width="100%"), width="100%", id="rect-mine"))


def inspections_page() -> rx.Component:
    s = InspectionsState
    messages = rx.fragment(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert", color_scheme="red",
                                              role="alert", id="ins-error", width="100%")),
        rx.cond(s.notice_key != "", rx.callout(t("sup.ins_done"), icon="check", color_scheme="green",
                                               id="ins-notice", width="100%")),
    )
    inspector = rx.cond(s.is_inspector, rx.vstack(
        rx.grid(_open_form(), rx.card(rx.vstack(
            rx.heading(t("sup.ins_list"), size="4", as_="h2"),
            rx.foreach(s.inspections, _ins_row),
            rx.cond(s.inspections.length() == 0, rx.text(t("sup.ins_none"), color_scheme="gray")),
            spacing="1", width="100%"), width="100%"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        _detail(), spacing="4", width="100%"))
    to_notices = rx.link(t("sup.notice.title_page"), href=routes.NOTICES, min_height=TAP, display="flex",
                         align_items="center", id="go-notices")
    return page(guarded(s, messages, _mine(), inspector, to_notices, whoami(s)), title_key="sup.ins_title", wide=True)
