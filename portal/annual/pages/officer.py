"""/officer/annual-reports (年度报告): the reports an officer may see, by region and year with their status; one
opened with its figures, the narrative sections (kept as typed when an action is refused), and only the actions the
signed-in office may take: save, recompute and submit for the office's own draft or returned report, accept or return
(with a reason) for the level above, issue for the province's own; each report's due date and whether it is on
time, and for a city or province office the reports due to it (missing, late); the PDF and the workbook as plain
downloads (/api/annual-reports/…).
Every action re-checks role + region in the service; the page holds display strings only."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.annual import queries, rules
from portal.annual import services as svc
from portal.i18n import MESSAGES
from portal.kernel import routes
from portal.kernel.permissions import PermissionDenied, Role
from portal.kernel.workdays import china_today
from portal.shell.account import guarded
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.shell.ui import UIState

ROLES = Role.OFFICER
STATUS_KEYS = [f"annual.status.{s}" for s in rules.STATUSES]
LEVEL_KEYS = [f"annual.level.{x}" for x in ("county", "city", "province")]
SECTION_KEYS = [f"annual.sec.{k}" for k in rules.SECTIONS]
ERROR_KEYS = [k for k in MESSAGES if k.startswith("annual.err_")] + ["auth.forbidden"]
DONE_KEYS = ["annual.done_draft", "annual.done_saved", "annual.done_recomputed", "annual.done_submitted",
             "annual.done_accepted", "annual.done_returned", "annual.done_issued"]
WHEN_KEYS = [f"annual.when.{w}" for w in rules.TIMELINESS]
WHEN_COLORS = {rules.DUE: "gray", rules.OVERDUE: "red", rules.ON_TIME: "green", rules.LATE: "orange"}


class Choice(TypedDict):
    value: str
    label: str


class ReportRow(TypedDict):
    id: int
    region: str
    level_key: str
    period_zh: str
    period_en: str
    status: str
    status_key: str
    document: str
    updated: str
    due: str
    when_key: str
    when_color: str


class BelowRow(TypedDict):
    key: str
    name: str
    report_id: int
    status_key: str
    sent: str
    due: str
    when_key: str
    when_color: str


class BelowView(TypedDict):
    office: str
    year: str
    count: str
    lines: list[BelowRow]


class LineView(TypedDict):
    head: bool
    zh: str
    en: str
    value: str


class SectionView(TypedDict):
    key: str
    title_key: str
    text: str
    missing: bool


def _pick(zh, en):
    return rx.cond(UIState.lang == "en", en, zh)


class AnnualReportsState(SignedInState):
    year: str = ""  # the list's filter ("" = every year)
    years: list[str] = []
    rows: list[ReportRow] = []
    offices: list[Choice] = []
    new_office: str = ""
    new_year: str = ""
    new_quarter: str = "0"
    open_id: int = 0
    o_region: str = ""
    o_level_key: str = ""
    o_period_zh: str = ""
    o_period_en: str = ""
    o_status: str = ""
    o_document: str = ""
    o_computed: str = ""
    o_reason: str = ""
    o_due: str = ""
    o_when_key: str = ""
    o_when_color: str = "gray"
    o_sources: list[str] = []
    o_pending: list[str] = []
    can_edit: bool = False
    can_review: bool = False
    below: list[BelowView] = []
    lines: list[LineView] = []
    sections: list[SectionView] = []
    return_reason: str = ""
    error_key: str = ""
    done_key: str = ""

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        this_year = china_today().year
        self.years = [str(y) for y in range(this_year, this_year - 5, -1)]
        self.new_year = self.new_year or str(this_year)
        self.offices = [Choice(value=o.code, label=o.name) for o in queries.offices(actor)]
        if self.new_office not in [o["value"] for o in self.offices]:
            self.new_office = self.offices[0]["value"] if self.offices else ""
        self.error_key, self.done_key = "", ""
        self._refresh(actor)
        if self.open_id:
            self._open(actor, self.open_id)

    def _refresh(self, actor) -> None:
        year = int(self.year) if self.year.isdigit() else None
        self.rows = [ReportRow(id=r.id, region=r.region, level_key=f"annual.level.{r.level}", period_zh=r.period_zh,
                               period_en=r.period_en, status=r.status, status_key=f"annual.status.{r.status}",
                               document=r.document_no, updated=r.updated, due=r.due,
                               when_key=f"annual.when.{r.timeliness}", when_color=WHEN_COLORS[r.timeliness])
                     for r in queries.listing(actor, year)]
        self.below = [BelowView(office=b.office, year=str(b.year), count=str(len(b.lines)), lines=[
            BelowRow(key=x.code, name=x.name, report_id=x.report_id,
                     status_key=f"annual.status.{x.status}" if x.status else "annual.not_sent", sent=x.sent,
                     due=x.due, when_key=f"annual.when.{x.timeliness}", when_color=WHEN_COLORS[x.timeliness])
            for x in b.lines]) for b in queries.below(actor, year or china_today().year)]

    def _open(self, actor, report_id: int, keep_texts: bool = False) -> None:
        try:
            d = queries.detail(actor, report_id)
        except PermissionDenied:
            self._close()
            self.error_key = "auth.forbidden"
            return
        typed = {s["key"]: s["text"] for s in self.sections} if keep_texts else {}
        self.open_id, self.o_region, self.o_level_key = d.id, d.region, f"annual.level.{d.level}"
        self.o_period_zh, self.o_period_en, self.o_status = d.period_zh, d.period_en, d.status
        self.o_document, self.o_computed, self.o_reason = d.document_no, d.computed, d.return_reason
        self.can_edit, self.can_review = d.can_edit, d.can_review
        self.o_due, self.o_when_key, self.o_when_color = d.due, f"annual.when.{d.timeliness}", WHEN_COLORS[d.timeliness]
        self.o_sources, self.o_pending = d.sources, d.pending
        self.lines = [LineView(head=x.head, zh=x.zh, en=x.en, value=x.value) for x in d.lines]
        self.sections = [SectionView(key=k, title_key=f"annual.sec.{k}", text=typed.get(k, d.sections.get(k, "")),
                                     missing=False) for k in rules.SECTIONS]

    def _close(self) -> None:
        self.open_id, self.lines, self.sections, self.can_edit, self.can_review = 0, [], [], False, False
        self.return_reason = ""

    @rx.event
    @checked
    def open_report(self, report_id: int):
        actor = self._guard(ROLES)
        if actor is None:
            return
        self.error_key, self.done_key, self.return_reason = "", "", ""
        self._open(actor, row_id(report_id))

    @rx.event
    def close_report(self):
        self._close()

    @rx.event
    @checked
    def set_year(self, year: str):
        self.year = str(year)[:4] if str(year).isdigit() else ""
        actor = self._guard(ROLES)
        if actor is not None:
            self._refresh(actor)

    @rx.event
    @checked
    def set_new_office(self, code: str):
        self.new_office = str(code)[:20]

    @rx.event
    @checked
    def set_new_year(self, year: str):
        self.new_year = str(year)[:4]

    @rx.event
    @checked
    def set_new_quarter(self, quarter: str):
        self.new_quarter = str(quarter)[:1]

    @rx.event
    @checked
    def set_section(self, key: str, value: str):
        key, value = str(key), str(value)[: rules.MAX_SECTION + 100]
        self.sections = [SectionView(key=s["key"], title_key=s["title_key"], text=value if s["key"] == key
                                     else s["text"], missing=s["missing"] and s["key"] != key)
                         for s in self.sections]

    @rx.event
    @checked
    def set_return_reason(self, value: str):
        self.return_reason = str(value)[:600]

    def _texts(self) -> dict[str, str]:
        return {s["key"]: s["text"] for s in self.sections}

    def _act(self, done: str, fn, *args, reopen: int | None = None) -> bool:
        actor, key = self._perform(ROLES, fn, *args)
        if actor is None:
            self.error_key = "auth.forbidden"
            return False
        self.error_key, self.done_key = key, "" if key else done
        self._refresh(actor)
        report_id = reopen or self.open_id
        if report_id:
            self._open(actor, report_id, keep_texts=bool(key))  # refused: what was typed stays
        if key == "annual.err_missing":
            missing = set(rules.missing_sections(rules.clean_sections(self._texts())))
            self.sections = [SectionView(key=s["key"], title_key=s["title_key"], text=s["text"],
                                         missing=s["key"] in missing) for s in self.sections]
        return not key

    @rx.event
    def draft_new(self):
        if not (self.new_year.isdigit() and self.new_quarter.isdigit()):
            self.error_key = "annual.err_period"
            return
        made: dict[str, int] = {}

        def act(session, actor, code, year, quarter):
            made["id"] = svc.draft(session, actor, code, year, quarter).id

        self._act("annual.done_draft", act, self.new_office, int(self.new_year), int(self.new_quarter))
        if made:
            actor = self._guard(ROLES)
            if actor is not None:
                self._open(actor, made["id"])

    @rx.event
    def save(self):
        self._act("annual.done_saved", svc.save_sections, self.open_id, self._texts())

    @rx.event
    def recompute(self):
        texts = self._texts()
        if self._act("annual.done_recomputed", svc.recompute, self.open_id):
            self.sections = [SectionView(key=s["key"], title_key=s["title_key"], text=texts.get(s["key"], ""),
                                         missing=False) for s in self.sections]

    @rx.event
    def submit(self):
        self._act("annual.done_submitted", svc.submit, self.open_id, self._texts())

    @rx.event
    def issue(self):
        self._act("annual.done_issued", svc.issue, self.open_id, self._texts())

    @rx.event
    def accept(self):
        self._act("annual.done_accepted", svc.review, self.open_id, True, "")

    @rx.event
    def return_report(self):
        reason = self.return_reason
        if self._act("annual.done_returned", svc.review, self.open_id, False, reason):
            self.return_reason = ""


def _row(r: ReportRow) -> rx.Component:
    s = AnnualReportsState
    return rx.el.tr(
        rx.el.td(r["region"]), rx.el.td(t_var(r["level_key"], LEVEL_KEYS)), rx.el.td(_pick(r["period_zh"],
                                                                                         r["period_en"])),
        rx.el.td(rx.badge(t_var(r["status_key"], STATUS_KEYS), class_name="annual-status")),
        rx.el.td(r["document"]),
        rx.el.td(r["due"], " ", rx.badge(t_var(r["when_key"], WHEN_KEYS), color_scheme=r["when_color"],
                                         class_name="annual-when")),
        rx.el.td(r["updated"]),
        rx.el.td(rx.button(t("annual.open"), on_click=s.open_report(r["id"]), variant="soft", min_height=TAP,
                           class_name="annual-open")),
        id="annual-row-" + r["id"].to_string(),
    )


def _below_row(x: BelowRow) -> rx.Component:
    s = AnnualReportsState
    return rx.el.tr(
        rx.el.td(x["name"]), rx.el.td(t_var(x["status_key"], [*STATUS_KEYS, "annual.not_sent"])),
        rx.el.td(x["sent"]), rx.el.td(x["due"]),
        rx.el.td(rx.badge(t_var(x["when_key"], WHEN_KEYS), color_scheme=x["when_color"])),
        rx.el.td(rx.cond(x["report_id"] > 0, rx.button(t("annual.open"), on_click=s.open_report(x["report_id"]),
                                                      variant="soft", min_height=TAP))),
        id="below-" + x["key"],
    )


def _below(b: BelowView) -> rx.Component:
    return rx.vstack(
        rx.heading(t_fmt("annual.below_title", year=b["year"]), size="4", as_="h2"),
        rx.text(t_fmt("annual.below_office", office=b["office"], n=b["count"]), size="2"),
        rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                "annual.col.region", "annual.col.status", "annual.col.sent", "annual.col.due", "annual.col.when")],
                rx.el.th(""))),
            rx.el.tbody(rx.foreach(b["lines"], _below_row)), class_name="results-table"),
            class_name="table-scroll", width="100%"),
        width="100%", align="start", spacing="2", class_name="annual-below",
    )


def _line(x: LineView) -> rx.Component:
    return rx.cond(
        x["head"],
        rx.el.tr(rx.el.th(_pick(x["zh"], x["en"]), col_span=2), class_name="annual-head"),
        rx.el.tr(rx.el.td(_pick(x["zh"], x["en"])), rx.el.td(x["value"], style={"text_align": "right", "white_space": "nowrap"})),
    )


def _section(sec: SectionView) -> rx.Component:
    s = AnnualReportsState
    return rx.vstack(
        rx.text(t_var(sec["title_key"], SECTION_KEYS), weight="bold"),
        rx.cond(
            s.can_edit,
            rx.text_area(value=sec["text"], on_change=lambda v: s.set_section(sec["key"], v), rows="5",
                         width="100%", max_length=rules.MAX_SECTION, id="section-" + sec["key"],
                         aria_invalid=rx.cond(sec["missing"], "true", "false")),
            rx.text(rx.cond(sec["text"] != "", sec["text"], "—"), white_space="pre-wrap", size="2",
                    id="section-" + sec["key"]),
        ),
        rx.cond(sec["missing"], rx.text(t("annual.required"), color_scheme="red", size="1",
                                        class_name="annual-missing")),
        spacing="1", width="100%", align="start",
    )


def _opened() -> rx.Component:
    s = AnnualReportsState
    base = routes.API_ANNUAL_REPORT_PDF.split("{")[0]  # /api/annual-reports/
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading(s.o_region, " · ", _pick(s.o_period_zh, s.o_period_en), size="5", as_="h2"),
            rx.badge(t_var(s.o_level_key, LEVEL_KEYS)),
            rx.badge(t_var("annual.status." + s.o_status, STATUS_KEYS), id="open-status"),
            rx.spacer(),
            rx.text(s.o_document, size="2", id="open-document"),
            rx.button(t("annual.close"), on_click=s.close_report, variant="ghost", min_height=TAP),
            width="100%", align="center", wrap="wrap",
        ),
        rx.hstack(
            rx.link(rx.icon("file-down", size=18), t("annual.download_pdf"), href=base + s.open_id.to_string() + ".pdf",
                    is_external=True, min_height=TAP, display="flex", align_items="center", gap="6px",
                    id="download-pdf"),
            rx.link(rx.icon("sheet", size=18), t("annual.download_xlsx"), href=base + s.open_id.to_string() + ".xlsx",
                    is_external=True, min_height=TAP, display="flex", align_items="center", gap="6px",
                    id="download-xlsx"),
            spacing="5",
        ),
        rx.hstack(rx.text(t_fmt("annual.due_line", due=s.o_due), size="2"),
                  rx.badge(t_var(s.o_when_key, WHEN_KEYS), color_scheme=s.o_when_color, id="open-when"),
                  align="center"),
        rx.cond(s.o_level_key == "annual.level.province", rx.vstack(
            rx.text(t("annual.province_note"), size="2", color_scheme="gray"),
            rx.cond(s.o_sources.length() > 0, rx.vstack(
                rx.text(t("annual.province_sources"), size="2"),
                rx.el.ul(rx.foreach(s.o_sources, lambda x: rx.el.li(x))), spacing="1")),
            rx.cond(s.o_pending.length() > 0, rx.vstack(
                rx.callout(t("annual.province_pending"), color_scheme="orange", width="100%"),
                rx.hstack(rx.foreach(s.o_pending, lambda x: rx.badge(x, color_scheme="orange")), wrap="wrap"),
                width="100%", spacing="2", id="province-pending")),
            spacing="2", width="100%", align="start", id="province-block")),
        rx.cond(s.o_reason != "", rx.callout(t_fmt("annual.returned_reason", reason=s.o_reason),
                                             color_scheme="orange", id="return-reason", width="100%")),
        rx.grid(
            rx.vstack(
                rx.heading(t("annual.figures"), size="4", as_="h3"),
                rx.text(t_fmt("annual.computed", when=s.o_computed), size="1", color_scheme="gray"),
                rx.cond((s.o_status == rules.SUBMITTED) | (s.o_status == rules.ACCEPTED) | (s.o_status == rules.ISSUED),
                        rx.text(t("annual.frozen"), size="1", color_scheme="gray")),
                rx.el.table(rx.el.thead(rx.el.tr(rx.el.th(t("annual.col.item")),
                                                     rx.el.th(t("annual.col.value"), style={"text_align": "right"}))),
                            rx.el.tbody(rx.foreach(s.lines, _line)), class_name="results-table",
                            id="annual-figures"),
                width="100%", align="start",
            ),
            rx.vstack(
                rx.heading(t("annual.narrative"), size="4", as_="h3"),
                rx.foreach(s.sections, _section),
                rx.cond(s.can_edit, rx.hstack(
                    rx.button(t("annual.save"), on_click=s.save, variant="soft", min_height=TAP, id="annual-save"),
                    rx.button(t("annual.recompute"), on_click=s.recompute, variant="soft", min_height=TAP,
                              id="annual-recompute"),
                    rx.cond(s.o_level_key == "annual.level.province",
                            rx.button(t("annual.issue"), on_click=s.issue, min_height=TAP, id="annual-issue"),
                            rx.button(t("annual.submit"), on_click=s.submit, min_height=TAP, id="annual-submit")),
                    spacing="3", wrap="wrap")),
                rx.cond(s.can_review, rx.vstack(
                    rx.button(t("annual.accept"), on_click=s.accept, min_height=TAP, color_scheme="green",
                              id="annual-accept"),
                    rx.text_area(value=s.return_reason, on_change=s.set_return_reason, rows="2", width="100%",
                                 placeholder=t("annual.return_reason"), max_length=rules.MAX_REASON,
                                 id="annual-return-reason"),
                    rx.button(t("annual.return"), on_click=s.return_report, variant="soft", color_scheme="red",
                              min_height=TAP, id="annual-return"),
                    width="100%", align="start")),
                width="100%", align="start", spacing="3",
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%",
        ),
        spacing="3", width="100%", align="start",
    ), width="100%", id="annual-open")


def annual_reports() -> rx.Component:
    s = AnnualReportsState
    return page(
        guarded(
            s,
            rx.text(t("annual.intro"), size="2", color_scheme="gray"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), color_scheme="red", role="alert",
                                                  id="annual-error", width="100%")),
            rx.cond(s.done_key != "", rx.callout(t_var(s.done_key, DONE_KEYS), color_scheme="green",
                                                 id="annual-done", width="100%")),
            rx.cond(s.offices.length() > 0, rx.hstack(
                rx.text(t("annual.new"), weight="bold"),
                rx.el.select(rx.foreach(s.offices, lambda c: rx.el.option(c["label"], value=c["value"])),
                             value=s.new_office, on_change=s.set_new_office, class_name="plain-select",
                             aria_label="office", id="new-office"),
                rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.new_year,
                             on_change=s.set_new_year, class_name="plain-select", aria_label="year", id="new-year"),
                rx.el.select(rx.el.option(t("annual.whole_year"), value="0"),
                             *[rx.el.option(t_fmt("annual.quarter_n", q=rx.Var.create(str(q))), value=str(q))
                               for q in range(1, 5)],
                             value=s.new_quarter, on_change=s.set_new_quarter, class_name="plain-select",
                             aria_label="period", id="new-quarter"),
                rx.button(t("annual.new"), on_click=s.draft_new, min_height=TAP, id="annual-draft"),
                spacing="3", wrap="wrap", align="center", width="100%")),
            rx.cond(s.open_id > 0, _opened()),
            rx.foreach(s.below, _below),
            rx.hstack(
                rx.heading(t("annual.list"), size="5", as_="h2"),
                rx.spacer(),
                rx.el.select(rx.el.option(t("annual.all_years"), value=""),
                             rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.year,
                             on_change=s.set_year, class_name="plain-select", aria_label="year", id="filter-year"),
                width="100%", align="center",
            ),
            rx.cond(s.rows.length() > 0, rx.box(rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                    "annual.col.region", "annual.col.level", "annual.col.period", "annual.col.status",
                    "annual.col.document", "annual.col.due", "annual.col.updated")], rx.el.th(""))),
                rx.el.tbody(rx.foreach(s.rows, _row)), class_name="results-table", id="annual-list"),
                class_name="table-scroll", width="100%"),
                rx.text(t("annual.none"), color_scheme="gray", id="annual-none")),
        ),
        title_key="annual.title", desk=True, tables=True,
    )
