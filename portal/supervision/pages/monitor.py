"""/monitor: the live monitoring board of a county, city or province (desktop width; a duty-room screen).

Overdue steps by office, open risk hits by rule, the last 24 hours' acts, the weekly trend; every number drills
down to its cases; the board reloads itself every 30 seconds. Reads through `supervision.queries` (which checks
role + region again); closing an item goes through the one action runner.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel.permissions import PermissionDenied, Role
from portal.shell.account import guarded, whoami
from portal.shell.args import checked, one_of, row_id, short_text
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.shell.ui import UIState
from portal.supervision import queries, rules, services
from portal.supervision.components import RefView, outcome_form, outcome_use_case, ref_view, referral_outcome

ROLES = (Role.OFFICER, Role.INSPECTOR, Role.ADMIN)
KINDS = queries.OVERDUE_KINDS
KIND_KEYS = [f"sup.kind.{k}" for k in KINDS]
RULE_KEYS = [f"sup.rule.{r.key}" for r in rules.RISK_RULES]
OUTCOME_KEYS = [f"sup.outcome.{o}" for o in rules.OUTCOMES]
ERROR_KEYS = ["sup.err_self", "sup.err_closed", "sup.err_outcome", "sup.err_outcome_text", "auth.forbidden",
              "common.bad_argument", "sup.err_referral", "sup.err_decided_on", "sup.err_decision_no",
              "sup.err_decided_by"]
NOTICE_KEYS = ["sup.closed_ok", "sup.refs.recorded"]
POWER_NAMES = {p.key: (p.name_zh, p.name_en) for p in rules.POWERS}
REFRESH_MS = 30_000
FIELD_STYLE = {"min_height": TAP, "font_size": "16px", "padding": "8px", "border": "1px solid var(--gray-7)",
               "border_radius": "6px", "background": "var(--color-panel)", "box_sizing": "border-box"}


class Choice(TypedDict):
    code: str
    name: str


class OverdueView(TypedDict):
    kind_key: str
    kind: str
    office_id: str
    office: str
    count: int


class CountView(TypedDict):
    key: str
    label_zh: str
    label_en: str
    count: int


class WeekView(TypedDict):
    week: str
    acts: int
    hits: int


class VolumeView(TypedDict):
    week: str
    applications: int
    reports: int


class OfficeBarView(TypedDict):
    office: str
    step: int
    report: int
    followup: int
    evaluation: int
    total: int


class DrillView(TypedDict):
    ref: str
    what: str
    when: str
    due: str
    note: str
    item_id: int
    closable: bool


class MonitorState(SignedInState):
    regions: list[Choice] = []
    region: str = ""
    region_name: str = ""
    as_of: str = ""
    overdue: list[OverdueView] = []
    overdue_total: int = 0
    hits: list[CountView] = []
    acts: list[CountView] = []
    acts_total: int = 0
    trend: list[WeekView] = []
    volumes: list[VolumeView] = []
    office_bars: list[OfficeBarView] = []
    drill_kind: str = ""
    drill_key: str = ""
    drill_title_zh: str = ""
    drill_title_en: str = ""
    drill_rows: list[DrillView] = []
    closing_id: int = 0
    referring_id: int = 0
    refs: list[RefView] = []
    recording_id: int = 0
    error_key: str = ""
    notice_key: str = ""

    def _fill(self, actor, code: str) -> None:
        try:
            choices, b = queries.board_for(actor, code)
        except PermissionDenied:
            self._refuse_page()
            return
        self.regions = [Choice(code=c.code, name=c.name) for c in choices]
        self.region, self.region_name, self.as_of = b.region_code, b.region_name, b.as_of
        self.overdue = [OverdueView(kind_key=f"sup.kind.{r.kind}", kind=r.kind, office_id=str(r.office_id),
                                    office=r.office, count=r.count) for r in b.overdue]
        self.overdue_total = sum(r.count for r in b.overdue)
        self.office_bars = [OfficeBarView(office=o.office, total=o.total, **o.by_kind)
                            for o in queries.overdue_per_office(b.overdue)]
        self.hits = [CountView(key=k, label_zh="", label_en="", count=n) for k, n in b.hits]
        self.acts = [CountView(key=k, label_zh=POWER_NAMES[k][0], label_en=POWER_NAMES[k][1], count=n)
                     for k, n in b.acts_24h]
        self.acts_total = b.acts_24h_total
        self.trend = [WeekView(week=w, acts=a, hits=h) for w, a, h in b.trend]
        self.volumes = [VolumeView(week=w, applications=a, reports=r) for w, a, r in b.volumes]
        self.refs = [ref_view(r) for r in queries.referrals_for(actor, b.region_code)]
        if self.drill_kind:
            self._drill(actor)

    def _drill(self, actor) -> None:
        try:
            rows = queries.drill_for(actor, self.region, self.drill_kind, self.drill_key)
        except PermissionDenied:
            self.drill_rows = []
            return
        ids = [r.item_id for r in rows if r.item_id]
        closable = queries.closable(actor, ids)
        self.drill_rows = [DrillView(ref=r.ref, what=r.what, when=r.when, due=r.due, note=r.note, item_id=r.item_id,
                                     closable=r.item_id in closable) for r in rows]

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        self._fill(actor, str(self.router.url.query_parameters.get("region") or self.region or "")[:20])

    @rx.event
    @checked
    def refresh(self, _moment: str = ""):
        actor = self._guard(ROLES)
        if actor is None:
            return
        self._fill(actor, self.region)

    @rx.event
    @checked
    def choose(self, code: str):
        actor = self._guard(ROLES)
        if actor is None:
            return
        self.drill_kind, self.drill_key, self.drill_rows, self.closing_id, self.referring_id = "", "", [], 0, 0
        self._fill(actor, short_text(code, 20))

    @rx.event
    @checked
    def open_drill(self, kind: str, key: str, label_zh: str, label_en: str):
        actor = self._guard(ROLES)
        if actor is None:
            return
        self.drill_kind = one_of(kind, (*KINDS, "rule", "power"))
        self.drill_key = short_text(key, 40)
        self.drill_title_zh, self.drill_title_en = short_text(label_zh, 120), short_text(label_en, 120)
        self.closing_id, self.referring_id, self.error_key, self.notice_key = 0, 0, "", ""
        self._drill(actor)

    @rx.event
    def close_drill(self):
        self.drill_kind, self.drill_key, self.drill_rows, self.closing_id, self.referring_id = "", "", [], 0, 0

    @rx.event
    @checked
    def start_close(self, item_id: int):
        self.closing_id, self.referring_id, self.error_key, self.notice_key = row_id(item_id), 0, "", ""

    @rx.event
    def cancel_close(self):
        self.closing_id, self.referring_id = 0, 0

    @rx.event
    @checked
    def start_refer(self, item_id: int):
        self.referring_id, self.closing_id, self.error_key, self.notice_key = row_id(item_id), 0, "", ""

    @rx.event
    @checked
    def refer_item(self, form: dict):
        if not self.referring_id:
            return
        item_id = self.referring_id

        def run(session, actor):
            services.refer_item(session, actor, item_id, target=str(form.get("target", ""))[:121],
                                grounds=str(form.get("grounds", ""))[:services.MAX_TEXT + 1],
                                body=str(form.get("body", ""))[:121])
        actor, key = self._perform(ROLES, run)
        if actor is None or key:
            self.error_key = key or "auth.forbidden"
            return
        self.referring_id, self.error_key, self.notice_key = 0, "", "sup.closed_ok"
        self._fill(actor, self.region)

    @rx.event
    @checked
    def start_record(self, referral_id: int):
        self.recording_id, self.error_key, self.notice_key = row_id(referral_id), "", ""

    @rx.event
    def cancel_record(self):
        self.recording_id = 0

    @rx.event
    @checked
    def record_outcome(self, form: dict):
        try:
            run = outcome_use_case(form)
        except ValueError:
            self.error_key, self.notice_key = "sup.err_decided_on", ""
            return
        actor, key = self._perform(ROLES, run)
        if actor is None or key:
            self.error_key, self.notice_key = key or "auth.forbidden", ""
            return
        self.recording_id, self.error_key, self.notice_key = 0, "", "sup.refs.recorded"
        self._fill(actor, self.region)

    @rx.event
    @checked
    def close_item(self, form: dict):
        if not self.closing_id:
            return
        outcome = str(form.get("outcome", ""))[:20]
        text = str(form.get("text", ""))[: services.MAX_OUTCOME_TEXT + 1]
        actor, key = self._perform(ROLES, services.close_item, self.closing_id, outcome, text)
        if actor is None or key:
            self.error_key = key or "auth.forbidden"
            return
        self.closing_id, self.error_key, self.notice_key = 0, "", "sup.closed_ok"
        self._fill(actor, self.region)


def _lang(zh, en):
    return rx.cond(UIState.lang == "en", en, zh)


def _number_button(label: rx.Component, count, on_click, button_id) -> rx.Component:
    return rx.button(
        rx.hstack(rx.box(label, flex="1", text_align="left"), rx.text(count, weight="bold", size="4"),
                  rx.icon("chevron-right", size=16), width="100%", align="center", spacing="2"),
        on_click=on_click, variant="ghost", width="100%", min_height=TAP, id=button_id, class_name="board-number",
    )


def _panel(title, body, panel_id: str) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), body, spacing="2", width="100%"),
                   width="100%", id=panel_id)


def _overdue_row(r: OverdueView) -> rx.Component:
    kind = t_var(r["kind_key"], KIND_KEYS)
    return _number_button(rx.hstack(rx.badge(kind, variant="soft"), rx.text(r["office"]), spacing="2", wrap="wrap"),
                          r["count"], MonitorState.open_drill(r["kind"], r["office_id"], r["office"], r["office"]),
                          "overdue-" + r["kind"] + "-" + r["office_id"])


def _hit_row(r: CountView) -> rx.Component:
    label = t_var("sup.rule." + r["key"], RULE_KEYS)
    return _number_button(rx.text(label), r["count"],
                          MonitorState.open_drill("rule", r["key"], "", ""), "hit-" + r["key"])


def _act_row(r: CountView) -> rx.Component:
    return _number_button(rx.text(_lang(r["label_zh"], r["label_en"])), r["count"],
                          MonitorState.open_drill("power", r["key"], r["label_zh"], r["label_en"]),
                          "act-" + r["key"].replace(".", "-"))


def _empty(items) -> rx.Component:
    return rx.cond(items.length() == 0, rx.text(t("sup.none"), color_scheme="gray", size="2"))


def _trend() -> rx.Component:
    s = MonitorState
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="week"),
        rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.bar(data_key="acts", fill="var(--red-9)", name=t("sup.trend_acts")),
        rx.recharts.bar(data_key="hits", fill="var(--orange-9)", name=t("sup.trend_hits")),
        rx.recharts.legend(),
        data=s.trend, width="100%", height=220,
    )
    table = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell(t("sup.trend_week")),
                                     rx.table.column_header_cell(t("sup.trend_acts")),
                                     rx.table.column_header_cell(t("sup.trend_hits")))),
        rx.table.body(rx.foreach(s.trend, lambda w: rx.table.row(
            rx.table.cell(w["week"]), rx.table.cell(w["acts"]), rx.table.cell(w["hits"])))),
        size="1", id="trend-table",
    )
    return rx.flex(rx.box(chart, flex="2", min_width="280px"), rx.box(table, flex="1", min_width="220px"),
                   gap="16px", wrap="wrap", width="100%")


def _volumes() -> rx.Component:
    s = MonitorState
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="week"),
        rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.bar(data_key="applications", fill="var(--blue-9)", name=t("sup.volume_applications")),
        rx.recharts.bar(data_key="reports", fill="#30a46c", name=t("sup.volume_reports")),
        rx.recharts.legend(),
        data=s.volumes, width="100%", height=220, margin={"top": 10},
    )
    table = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell(t("sup.trend_week")),
                                     rx.table.column_header_cell(t("sup.volume_applications")),
                                     rx.table.column_header_cell(t("sup.volume_reports")))),
        rx.table.body(rx.foreach(s.volumes, lambda w: rx.table.row(
            rx.table.cell(w["week"]), rx.table.cell(w["applications"]), rx.table.cell(w["reports"])))),
        size="1", id="volume-table",
    )
    return rx.flex(rx.box(chart, flex="2", min_width="280px"), rx.box(table, flex="1", min_width="220px"),
                   gap="16px", wrap="wrap", width="100%")


# The page's theme defines no --violet-9 or --grass-9 (the bars drew black): hex for those two.
KIND_FILLS = {"step": "var(--red-9)", "report": "var(--orange-9)", "followup": "var(--amber-9)",
              "evaluation": "#6e56cf"}


def _office_bars() -> rx.Component:
    """Overdue per office as stacked horizontal bars, each office one bar; the table beside holds the same sums."""
    s = MonitorState
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(type_="number", allow_decimals=False),
        rx.recharts.y_axis(data_key="office", type_="category", width=110),
        *[rx.recharts.bar(data_key=k, stack_id="overdue", fill=KIND_FILLS[k], name=t(f"sup.kind.{k}"))
          for k in KINDS],
        rx.recharts.legend(),
        layout="vertical", data=s.office_bars, width="100%",
        # One bar a row of the table, plus the axis and legend.
        height=s.office_bars.length() * 36 + 90,
    )
    table = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell(t("sup.office_overdue_office")),
                                     *[rx.table.column_header_cell(t(f"sup.kind.{k}")) for k in KINDS],
                                     rx.table.column_header_cell(t("sup.office_overdue_total")))),
        rx.table.body(rx.foreach(s.office_bars, lambda o: rx.table.row(
            rx.table.row_header_cell(o["office"], white_space="nowrap"), *[rx.table.cell(o[k]) for k in KINDS],
            rx.table.cell(rx.text(o["total"], weight="bold")), class_name="office-bar-row"))),
        size="1", id="office-overdue-table",
    )
    return rx.cond(s.office_bars.length() > 0,
                   rx.flex(rx.box(chart, flex="3", min_width="320px"), rx.box(table, flex="2", min_width="320px"),
                           gap="16px", wrap="wrap", width="100%"),
                   _empty(s.office_bars))


def _close_form() -> rx.Component:
    s = MonitorState
    return rx.form(
        rx.vstack(
            rx.el.label(t("sup.outcome_label"), html_for="close-outcome", class_name="rt-Text rt-r-size-2"),
            rx.el.select(*[rx.el.option(t(f"sup.outcome.{o}"), value=o) for o in rules.OUTCOMES],
                         name="outcome", id="close-outcome", style=FIELD_STYLE),
            rx.el.label(t("sup.outcome_text"), html_for="close-text", class_name="rt-Text rt-r-size-2"),
            rx.el.textarea(name="text", id="close-text", rows=3, required=True, max_length=services.MAX_OUTCOME_TEXT,
                           style={**FIELD_STYLE, "width": "100%"}),
            rx.hstack(rx.button(t("sup.close"), type="submit", min_height=TAP, id="close-submit"),
                      rx.button(t("roster.cancel"), type="button", variant="soft", on_click=s.cancel_close,
                                min_height=TAP),
                      spacing="2"),
            spacing="2", width="100%", max_width="560px",
        ),
        on_submit=s.close_item, reset_on_submit=False, width="100%", id="close-form",
    )


def _refer_form() -> rx.Component:
    """移送问责 straight from a risk hit: the item is closed as referred with the grounds as its outcome."""
    s = MonitorState
    field = {**FIELD_STYLE, "width": "100%"}
    return rx.form(
        rx.vstack(
            rx.heading(t("sup.ins_refer"), size="3", as_="h3"),
            rx.el.label(t("sup.ref_target"), html_for="refer-target", class_name="rt-Text rt-r-size-2"),
            rx.el.input(name="target", id="refer-target", required=True, style=field),
            rx.el.label(t("sup.ref_grounds"), html_for="refer-grounds", class_name="rt-Text rt-r-size-2"),
            rx.el.textarea(name="grounds", id="refer-grounds", rows=3, required=True, style=field),
            rx.el.label(t("sup.ref_body"), html_for="refer-body", class_name="rt-Text rt-r-size-2"),
            rx.el.input(name="body", id="refer-body", required=True, style=field),
            rx.text(t("sup.refer_closes"), size="1", color_scheme="gray"),
            rx.hstack(rx.button(t("sup.ins_refer"), type="submit", min_height=TAP, id="refer-submit"),
                      rx.button(t("roster.cancel"), type="button", variant="soft", on_click=s.cancel_close,
                                min_height=TAP),
                      spacing="2"),
            spacing="2", width="100%", max_width="560px",
        ),
        on_submit=s.refer_item, reset_on_submit=False, width="100%", id="refer-form",
    )


def _drill_row(r: DrillView) -> rx.Component:
    s = MonitorState
    what = rx.cond(r["what"].startswith("sup.rule."), t_var(r["what"], RULE_KEYS), r["what"])
    return rx.table.row(
        rx.table.cell(r["ref"]), rx.table.cell(what), rx.table.cell(r["when"]), rx.table.cell(r["due"]),
        rx.table.cell(r["note"], class_name="drill-note"),
        rx.table.cell(rx.cond(r["item_id"] > 0, rx.cond(
            r["closable"],
            rx.hstack(rx.button(t("sup.close"), size="2", min_height=TAP, on_click=s.start_close(r["item_id"]),
                                id="close-" + r["item_id"].to_string()),
                      rx.button(t("sup.ins_refer"), size="2", variant="outline", min_height=TAP,
                                on_click=s.start_refer(r["item_id"]), id="refer-" + r["item_id"].to_string()),
                      spacing="2"),
            rx.text(t("sup.not_yours"), size="1", color_scheme="gray")))),
        class_name="drill-row",
    )


def _drill() -> rx.Component:
    s = MonitorState
    title = rx.cond(s.drill_kind == "rule", t_var("sup.rule." + s.drill_key, RULE_KEYS),
                    _lang(s.drill_title_zh, s.drill_title_en))
    return rx.cond(s.drill_kind != "", rx.card(rx.vstack(
        rx.hstack(rx.heading(t("sup.drill_title"), t("sup.colon"), title, size="4", as_="h2"), rx.spacer(),
                  rx.button(rx.icon("x", size=16), variant="soft", on_click=s.close_drill, min_height=TAP,
                            aria_label="close"), width="100%", align="center"),
        rx.cond(s.drill_rows.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(k)) for k in (
                "sup.drill_ref", "sup.drill_what", "sup.drill_when", "sup.drill_due", "sup.drill_note")],
                rx.table.column_header_cell(""))),
            rx.table.body(rx.foreach(s.drill_rows, _drill_row)), size="1", width="100%"),
            overflow_x="auto", width="100%"),
            rx.text(t("sup.drill_empty"), color_scheme="gray")),
        rx.cond(s.closing_id > 0, _close_form()),
        rx.cond(s.referring_id > 0, _refer_form()),
        spacing="3", width="100%"), width="100%", id="drill"))


def _ref_row(r: RefView) -> rx.Component:
    s = MonitorState
    source = rx.cond(r["from_item"], rx.vstack(rx.badge(t("sup.refs.from_item"), variant="soft"),
                                               rx.text(t_var("sup.rule." + r["source_ref"], RULE_KEYS), size="1"),
                                               spacing="1"),
                     rx.badge(t_fmt("sup.refs.from_inspection", n=r["source_ref"]), variant="soft"))
    outcome = rx.cond(
        r["outcome_key"] != "", referral_outcome(r),
        rx.cond(r["recordable"],
                rx.button(t("sup.ref_record"), size="2", min_height=TAP, on_click=MonitorState.start_record(r["id"]),
                          id="ref-start-" + r["id"].to_string()),
                rx.text(t("sup.refs.pending"), size="1", color_scheme="gray")))
    return rx.table.row(rx.table.cell(source), rx.table.cell(r["target"]), rx.table.cell(r["grounds"]),
                        rx.table.cell(r["body"]), rx.table.cell(r["referred"]), rx.table.cell(outcome),
                        class_name="ref-row", id="ref-" + r["id"].to_string(),
                        background=rx.cond(s.recording_id == r["id"], "var(--accent-3)", "transparent"))


def _referrals() -> rx.Component:
    s = MonitorState
    heads = ("sup.refs.source", "sup.ref_target", "sup.ref_grounds", "sup.ref_body", "sup.ref_on", "sup.ref_outcome")
    return _panel(t("sup.refs.title"), rx.vstack(
        rx.cond(s.refs.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(k)) for k in heads])),
            rx.table.body(rx.foreach(s.refs, _ref_row)), size="1", width="100%"), overflow_x="auto", width="100%"),
            rx.text(t("sup.refs.none"), color_scheme="gray", size="2")),
        rx.cond(s.recording_id > 0, outcome_form(s.recording_id, s.record_outcome, s.cancel_record, "board-ref")),
        spacing="2", width="100%"), "panel-referrals")


def _messages() -> rx.Component:
    s = MonitorState
    return rx.fragment(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="board-error", width="100%")),
        rx.cond(s.notice_key != "", rx.callout(t_var(s.notice_key, NOTICE_KEYS), icon="check", color_scheme="green",
                                               id="board-notice", width="100%")),
    )


def monitor_page() -> rx.Component:
    s = MonitorState
    head = rx.flex(
        rx.vstack(
            rx.el.label(t("sup.board_region"), html_for="board-region", class_name="rt-Text rt-r-size-2"),
            rx.el.select(rx.foreach(s.regions, lambda o: rx.el.option(o["name"], value=o["code"])),
                         value=s.region, on_change=s.choose, id="board-region", style=FIELD_STYLE),
            spacing="1"),
        rx.spacer(),
        rx.vstack(rx.text(t_fmt("sup.as_of", t=s.as_of), size="2", color_scheme="gray", id="board-as-of"),
                  rx.button(t("sup.refresh"), on_click=s.refresh(""), variant="soft", min_height=TAP,
                            id="board-refresh"),
                  align="end", spacing="1"),
        # The board reloads itself: this ticks every REFRESH_MS and asks the server for fresh figures.
        rx.moment(interval=REFRESH_MS, on_change=s.refresh, display="none"),
        width="100%", align="end", gap="12px", wrap="wrap",
    )
    panels = rx.grid(
        _panel(rx.hstack(t("sup.overdue_title"), rx.badge(s.overdue_total, color_scheme="red", size="3")),
               rx.vstack(rx.foreach(s.overdue, _overdue_row), _empty(s.overdue), spacing="1", width="100%"),
               "panel-overdue"),
        _panel(t("sup.hits_title"), rx.vstack(rx.foreach(s.hits, _hit_row), _empty(s.hits), spacing="1",
                                              width="100%"), "panel-hits"),
        _panel(rx.hstack(t("sup.acts_title"), rx.text(t_fmt("sup.acts_total", n=s.acts_total), size="2",
                                                      color_scheme="gray")),
               rx.vstack(rx.foreach(s.acts, _act_row), _empty(s.acts), spacing="1", width="100%"), "panel-acts"),
        columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%",
    )
    return page(
        guarded(s, head, _messages(), panels, _drill(),
                _panel(t("sup.office_overdue_title"), _office_bars(), "panel-office-overdue"), _referrals(),
                _panel(t("sup.trend_title"), _trend(), "panel-trend"),
                _panel(t("sup.volume_title"), _volumes(), "panel-volumes"), whoami(s)),
        title_key="sup.monitor_title", wide=True, tables=True,
    )
