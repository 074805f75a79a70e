"""The published notices (通报) of closed evaluation rounds, shown on /results: ranking, the numbers behind it, the
printable PDF, and each office's record across rounds. Public; only closed rounds are shown."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.format import DASH, percent, rank_text
from portal.shell.i18n import t, t_fmt
from portal.shell.layout import TAP
from portal.evaluations import queries
from portal.shell.args import checked


class Choice(TypedDict):
    value: str
    label: str


class NoticeRowView(TypedDict):
    rank: str
    label: str
    sup: str
    sup_n: str
    assigned: str
    res: str
    res_n: str
    combined: str
    talk: bool


class RecordView(TypedDict):
    round: str
    closed: str
    label: str
    combined: str
    rank: str
    of: str
    talk: bool


def _score(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


class EvaluationNoticeState(rx.State):
    rounds: list[Choice] = []
    round_id: str = ""
    title: str = ""
    region: str = ""
    period_start: str = ""
    period_end: str = ""
    closed: str = ""
    ws: str = ""
    wr: str = ""
    pdf_url: str = ""
    xlsx_url: str = ""
    rows: list[NoticeRowView] = []
    offices: list[str] = []
    office: str = ""
    record: list[RecordView] = []

    @rx.event
    def load(self):
        published = queries.open_public_notices()
        self.offices = published.offices
        self.rounds = [Choice(value=str(r.id), label=f"{r.title} ({r.closed_on})") for r in published.rounds]
        if self.round_id not in [c["value"] for c in self.rounds]:
            self.round_id = self.rounds[0]["value"] if self.rounds else ""
        if self.office not in self.offices:
            self.office = self.offices[0] if self.offices else ""
        self._show_round()
        self._show_record()

    def _show_round(self) -> None:
        n = queries.open_notice(int(self.round_id)) if self.round_id.isdigit() else None
        if n is None:
            self.rows, self.title = [], ""
            return
        self.title, self.region, self.closed = n.title, n.region_name, n.closed_on.isoformat()
        self.period_start, self.period_end = n.period_start.isoformat(), n.period_end.isoformat()
        self.ws, self.wr = str(n.weight_supervisors), str(n.weight_residents)
        self.pdf_url = routes.evaluation_notice_pdf(n.round_id)
        self.xlsx_url = routes.evaluation_results_xlsx(n.round_id)
        self.rows = [NoticeRowView(rank=rank_text(r.rank), label=r.label, sup=_score(r.supervisor_score),
                                   sup_n=str(r.submitted), assigned=str(r.assigned), res=percent(r.resident_rate),
                                   res_n=str(r.resident_count), combined=_score(r.combined), talk=r.talk_flag)
                     for r in n.rows]

    def _show_record(self) -> None:
        if not self.office:
            self.record = []
            return
        lines = queries.open_office_record(self.office)
        self.record = [RecordView(round=x.round_title, closed=x.closed_on.isoformat(), label=x.label,
                                  combined=_score(x.combined), rank=rank_text(x.rank), of=str(x.of), talk=x.talk_flag)
                       for x in lines]

    @rx.event
    @checked
    def set_round(self, value: str):
        self.round_id = str(value)[:12]
        self._show_round()

    @rx.event
    @checked
    def set_office(self, value: str):
        self.office = str(value)[:120] if value in self.offices else self.office
        self._show_record()


def _row(r: NoticeRowView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(r["rank"]),
        rx.el.td(r["label"], rx.cond(r["talk"], rx.el.span(t("eval.notice.talk"), class_name="talk-badge"))),
        rx.el.td(rx.el.strong(r["combined"])),
        rx.el.td(r["sup"], rx.el.br(), rx.el.small(t_fmt("eval.notice.sup_n", s=r["sup_n"], a=r["assigned"]))),
        rx.el.td(r["res"], rx.el.br(), rx.el.small(t_fmt("eval.notice.res_n", n=r["res_n"]))),
        class_name="notice-row",
    )


def _record(x: RecordView) -> rx.Component:
    return rx.el.li(
        rx.text(x["round"], " · ", x["closed"], size="2", color_scheme="gray"),
        rx.text(x["label"]),
        rx.text(t("eval.notice.combined"), " ", x["combined"], " · ",
                t_fmt("eval.notice.record_line", rank=x["rank"], of=x["of"]),
                rx.cond(x["talk"], rx.el.span(t("eval.notice.talk"), class_name="talk-badge")), size="2"),
        class_name="record-line",
    )


def evaluation_notices() -> rx.Component:
    s = EvaluationNoticeState
    return rx.el.section(
        rx.heading(t("eval.notice.heading"), size="5", as_="h2", margin_top="24px"),
        rx.cond(
            s.rounds.length() > 0,
            rx.vstack(
                rx.el.select(rx.foreach(s.rounds, lambda c: rx.el.option(c["label"], value=c["value"])),
                             value=s.round_id, on_change=s.set_round, class_name="plain-select",
                             aria_label="round", id="notice-round"),
                rx.text(t_fmt("eval.notice.meta", region=s.region, start=s.period_start, end=s.period_end,
                              closed=s.closed), size="2", color_scheme="gray"),
                rx.text(t_fmt("eval.notice.formula", ws=s.ws, wr=s.wr), size="2", weight="medium"),
                rx.text(t("eval.notice.rule"), size="1", color_scheme="gray"),
                rx.box(rx.el.table(
                    rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                        "eval.notice.rank", "eval.notice.target", "eval.notice.combined", "eval.notice.sup",
                        "eval.notice.res")])),
                    rx.el.tbody(rx.foreach(s.rows, _row)),
                    class_name="results-table notice-table", id="notice-table"), class_name="table-scroll"),
                rx.link(rx.icon("file-down", size=18), t("eval.notice.pdf"), href=s.pdf_url, is_external=True,
                        min_height=TAP, display="flex", align_items="center", gap="6px", id="notice-pdf"),
                rx.link(rx.icon("sheet", size=18), t("eval.notice.xlsx"), href=s.xlsx_url, is_external=True,
                        min_height=TAP, display="flex", align_items="center", gap="6px", id="notice-xlsx"),
                rx.heading(t("eval.notice.records"), size="4", as_="h3", margin_top="12px"),
                rx.el.select(rx.foreach(s.offices, lambda o: rx.el.option(o, value=o)), value=s.office,
                             on_change=s.set_office, class_name="plain-select", aria_label="office",
                             id="record-office"),
                rx.el.ul(rx.foreach(s.record, _record), class_name="eval-list", id="office-record"),
                spacing="2", width="100%", align="start",
            ),
            rx.text(t("eval.notice.none"), color_scheme="gray"),
        ),
        id="evaluation-notices", on_mount=s.load, class_name="evaluation-notices",
    )
