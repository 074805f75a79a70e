"""Admin: the audit log, read-only (审计日志) — filters by actor, action, object and date in a side column, a page of
rows at a time, newest first. Each look is itself written to the log by `accounts.services.view_audit_log`."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import TypedDict

import reflex as rx

from portal.accounts import services as accounts
from portal.kernel.permissions import Role
from portal.kernel.workdays import CHINA_TZ
from portal.shell.account import guarded
from portal.shell.args import checked
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, page, pager
from portal.shell.session import SignedInState

ERRORS = ["audit.bad_date", "auth.forbidden"]
DETAIL_CHARS = 240


class AuditRowView(TypedDict):
    id: int
    at: str
    actor: str
    action: str
    target: str
    region: str
    details: str


def _details(before, after) -> str:
    def short(value) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)[:DETAIL_CHARS] if value is not None else ""
    parts = [p for p in (short(before), short(after)) if p]
    return " → ".join(parts)


def _day(value: str) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


class AdminAuditState(SignedInState):
    f_actor: str = ""
    f_action: str = ""
    f_target: str = ""
    f_from: str = ""
    f_to: str = ""
    page_no: int = 1
    has_next: bool = False
    rows: list[AuditRowView] = []
    error_key: str = ""

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        self.page_no, self.error_key = 1, ""
        self._refresh()
        return None

    def _refresh(self) -> None:
        try:
            start, end = _day(self.f_from), _day(self.f_to)
        except ValueError:
            self.error_key, self.rows, self.has_next = "audit.bad_date", [], False
            return

        def moment(d: date | None, shift: int = 0) -> datetime | None:
            return datetime.combine(d + timedelta(days=shift), time(), CHINA_TZ) if d else None
        flt = accounts.AuditFilter(actor=self.f_actor, action=self.f_action, target=self.f_target,
                                   date_from=moment(start), date_to=moment(end, 1))
        found: list = []
        actor, key = self._perform(Role.ADMIN, lambda session, who: found.append(
            accounts.view_audit_log(session, who, flt, page=self.page_no)))
        if actor is None or key:
            self.error_key, self.rows, self.has_next = key or "auth.forbidden", [], False
            return
        lines = found[0]
        self.error_key, self.has_next = "", len(lines) > accounts.AUDIT_PAGE
        self.rows = [AuditRowView(id=r.id, at=r.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
                                  if r.at.tzinfo else r.at.strftime("%Y-%m-%d %H:%M:%S"),
                                  actor=r.actor, action=r.action, target=f"{r.target_type}:{r.target_id}",
                                  region=r.region_code, details=_details(r.before, r.after))
                     for r in lines[:accounts.AUDIT_PAGE]]

    @rx.event
    @checked
    def apply(self, form: dict):
        self.f_actor = str(form.get("actor", "")).strip()[:80]
        self.f_action = str(form.get("action", "")).strip()[:64]
        self.f_target = str(form.get("target", "")).strip()[:100]
        self.f_from = str(form.get("from", "")).strip()[:10]
        self.f_to = str(form.get("to", "")).strip()[:10]
        self.page_no = 1
        self._refresh()

    @rx.event
    def clear(self):
        self.f_actor = self.f_action = self.f_target = self.f_from = self.f_to = ""
        self.page_no = 1
        self._refresh()
        return rx.call_script("document.getElementById('audit-filters')?.reset()")

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page_no += 1
            self._refresh()

    @rx.event
    def prev_page(self):
        if self.page_no > 1:
            self.page_no -= 1
            self._refresh()


def _field(label_key: str, name: str, value, kind: str = "text") -> rx.Component:
    return rx.el.label(rx.text(t(label_key), size="2"),
                       rx.el.input(name=name, type=kind, default_value=value, class_name="eval-input",
                                   id=f"audit-{name}", max_length=100),
                       class_name="eval-field")


def _filters() -> rx.Component:
    s = AdminAuditState
    return rx.card(rx.el.form(
        rx.heading(t("audit.filters"), size="4", as_="h2"),
        _field("audit.actor", "actor", s.f_actor),
        _field("audit.action", "action", s.f_action),
        _field("audit.target", "target", s.f_target),
        _field("audit.from", "from", s.f_from, "date"),
        _field("audit.to", "to", s.f_to, "date"),
        rx.hstack(rx.button(t("audit.apply"), type="submit", min_height=TAP, id="audit-apply"),
                  rx.button(t("audit.clear"), type="button", on_click=s.clear, variant="outline", min_height=TAP,
                            id="audit-clear"), spacing="2", wrap="wrap"),
        on_submit=s.apply, id="audit-filters", class_name="eval-form-col"), width="100%")


def _table() -> rx.Component:
    s = AdminAuditState
    head = ["#", t("audit.at"), t("audit.actor"), t("audit.action_col"), t("audit.object"), t("audit.region"),
            t("audit.details")]
    return rx.box(rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h) for h in head])),
        rx.el.tbody(rx.foreach(s.rows, lambda r: rx.el.tr(
            rx.el.td(r["id"]), rx.el.td(r["at"], white_space="nowrap"), rx.el.td(r["actor"]),
            rx.el.td(rx.code(r["action"])), rx.el.td(r["target"]), rx.el.td(r["region"]),
            rx.el.td(r["details"], class_name="audit-details", font_size="12px", word_break="break-all"),
            class_name="audit-row"))),
        class_name="results-table", id="audit-table"), width="100%", overflow_x="auto")


def admin_audit() -> rx.Component:
    s = AdminAuditState
    return page(
        guarded(
            s,
            rx.text(t("audit.note"), size="2", color_scheme="gray"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERRORS), color_scheme="red", role="alert",
                                                  icon="triangle-alert", width="100%", id="audit-error")),
            rx.flex(
                rx.box(_filters(), flex="0 0 280px", min_width="260px"),
                rx.vstack(
                    rx.cond(s.rows.length() > 0, _table(),
                            rx.text(t("audit.none"), color_scheme="gray", id="audit-none")),
                    rx.cond((s.page_no > 1) | s.has_next,
                            pager(s.page_no, s.has_next, s.prev_page, s.next_page, "audit")),
                    spacing="3", flex="1", min_width="0", width="100%"),
                gap="24px", wrap="wrap", width="100%", align="start"),
        ),
        title_key="audit.title", wide=True, tables=True,
    )
