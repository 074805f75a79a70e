"""Officer side of applications: /officer/applications (queue with filters and overdue flags) and
/officer/applications/<number> (the case: household, the engine's reasons, photos, steps with deadlines, and the
action the current step allows). Every handler re-checks role + region with `SignedInState._guard`; the services
check again (`authorize`) and write the audit log.

The case's household data stays in this signed-in page's state (signing in or out starts a fresh tab state,
`components/native_form`, and every load of the page empties it first), but the applicant's phone number never
enters a state var: `load` and every action send it once with `components/once.show_once`.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.account import guarded
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.once import show_once
from portal.i18n import MESSAGES
from portal.kernel.permissions import PermissionDenied, Role
from portal.applications.components import OUTCOME_KEYS, STATUS_KEYS, STEP_KEYS, StepRow, step_rows
from portal.applications.eligibility.components import Reason, reason_line, reasons_of
from portal.applications import queries
from portal.applications import services as svc
from portal.applications import crosscheck
from portal.applications.eligibility import rules as el
from portal.verification import rules as vr
from portal.shell.session import SignedInState
from portal.shell.args import checked

ERROR_KEYS = [k for k in MESSAGES if k.startswith(("apply.err_", "elig.err_", "roster.err_", "verify.err_"))] + [
    "auth.forbidden"]
NOTICE_KEYS = ["officer_apps.saved"]
MATERIAL_KEYS = [f"apply.material.{k}" for k in svc.MATERIAL_ITEMS]
DOC_KEYS = [f"apply.doc.{k}" for k in svc.DOCUMENT_KINDS]
REL_KEYS = [f"apply.rel.{r}" for r in el.RELATIONSHIPS]
GRADE_KEYS = [f"apply.grade.{g}" for g in range(5)]
OUTCOME_VERDICT_KEYS = [f"elig.outcome.{o}" for o in el.OUTCOMES]
QUEUE_STATUSES = [s for s in svc.STATUSES if s != svc.DRAFT]
RULE_KEYS = [f"verify.rule.{r}" for r in vr.RULES]
SOURCE_KEYS = [f"verify.source.{k}" for k in vr.SOURCES] + ["verify.source.register"]
RESOLUTION_KEYS = [f"verify.resolution.{r}" for r in svc.FINDING_RESOLUTIONS]


class QueueRowView(TypedDict):
    number: str
    applicant: str
    village: str
    status_key: str
    submitted: str
    next_due: str
    overdue: bool
    escalated: bool
    related: bool
    href: str


class MemberRow(TypedDict):
    name: str
    rel_key: str
    age: str
    grade_key: str
    ill: bool
    student: bool
    income: str
    id_masked: str  # '' for the holder of the case: the full number arrives once, outside the state
    id_el: str
    full: bool
    flag: str  # villages of other active register households that already list this person


class FindingRow(TypedDict):
    id: str
    rule_key: str
    severity: str
    county: bool  # routed to the county (关系保)
    member: str
    declared: str
    found: str
    refs: str
    source_key: str
    as_of: str
    document_no: str
    resolution_key: str  # '' when unresolved
    note: str
    answer: str  # the applicant's
    answer_due: str  # the applicant's last day to answer ('' when none)
    answer_lapsed: bool  # passed without an answer: the officer may refuse on it
    online: bool  # asked from the department's API at acceptance
    disputed: bool


class ReassessRow(TypedDict):
    finding: str
    rule_key: str
    member: str
    declared: str
    found: str
    weighed: bool  # False: the engine weighs nothing this finding is about


class DocView(TypedDict):
    id: int
    kind_key: str
    src: str


class OfficerApplicationsState(SignedInState):
    rows: list[QueueRowView] = []
    status_filter: str = ""
    overdue_only: bool = False
    overdue_count: int = 0

    def _refresh(self) -> None:
        found: list = []
        self._perform(Role.OFFICER, lambda s, a: found.append((
            svc.queue(s, a, status=self.status_filter, overdue_only=self.overdue_only), svc.count_overdue(s, a))))
        if not found:
            return
        rows, self.overdue_count = found[0]
        self.rows = [QueueRowView(number=r.number, applicant=r.applicant, village=r.village,
                                  status_key=f"apply.status.{r.status}", submitted=r.submitted_on,
                                  next_due=r.next_due, overdue=r.overdue, escalated=r.escalated, related=r.related,
                                  href=routes.officer_application(r.number)) for r in rows]

    @rx.var
    def export_href(self) -> str:
        return routes.api_applications_export(self.status_filter, self.overdue_only)

    @rx.event
    def load(self):
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        self._refresh()

    @rx.event
    @checked
    def set_status(self, value: str):
        self.status_filter = value if value in QUEUE_STATUSES else ""
        self._refresh()

    @rx.event
    @checked
    def toggle_overdue(self, _checked: bool = False):
        self.overdue_only = not self.overdue_only
        self._refresh()


class HistoryView(TypedDict):
    kind_key: str
    open: bool
    who: str
    office: str
    when: str
    due: str
    outcome_key: str
    note: str
    materials: list[str]  # catalog keys
    attachments: list[str]  # catalog keys


HISTORY_KIND_KEYS = ["apply.step.submitted"] + STEP_KEYS


def history_views(rows) -> list[HistoryView]:
    return [HistoryView(kind_key=f"apply.step.{h.kind}", open=h.state == "open", who=h.actor, office=h.office,
                        when=h.done_at or h.started_on, due=h.due_on,
                        outcome_key=f"apply.outcome.{h.outcome}" if h.outcome else "", note=h.note,
                        materials=[f"apply.material.{m}" for m in h.materials if m in svc.MATERIAL_ITEMS],
                        attachments=[f"apply.doc.{d}" for d in h.attachments if d in svc.DOCUMENT_KINDS])
            for h in rows]


class OfficerCaseState(SignedInState):
    number: str = ""
    found: bool = False
    applicant: str = ""
    place: str = ""
    status: str = ""
    status_key: str = ""
    county_powers: bool = False  # 审核确认, 延长时限 and the county visit are the county's forms
    can_extend: bool = False  # 30 → 45 WD, once, by the county
    can_approve: bool = False  # 同意 only after publicity
    related: bool = False
    related_detail: str = ""
    assessed_on: str = ""
    verdict_key: str = ""
    amount: str = ""
    members: list[MemberRow] = []
    assets: str = ""
    reasons: list[Reason] = []
    docs: list[DocView] = []
    findings: list[FindingRow] = []
    findings_open: int = 0
    findings_disputed: int = 0
    can_resolve: bool = False
    check_status: str = ""  # the online check at acceptance: '' none, pending, waiting, done
    check_sources: list[str] = []  # catalog keys of the departments it waits on
    check_reasons: str = ""
    check_attempts: int = 0
    check_next: str = ""  # when the sweep tries again (China time)
    check_busy: bool = False  # this tab is asking the departments now (the background event `run_check`)
    check_online: list[str] = []  # catalog keys of the departments the check asks online
    check_answered: list[str] = []  # … and of those that answered during this tab's check
    reassessed: bool = False  # accepted findings changed what the engine weighs
    reassess_before_key: str = ""
    reassess_before_amount: str = ""
    reassess_after_key: str = ""
    reassess_after_amount: str = ""
    reassess_by: str = ""
    reassess_at: str = ""
    reassess_changes: list[ReassessRow] = []
    steps: list[StepRow] = []
    history: list[HistoryView] = []
    open_kinds: list[str] = []
    missing_keys: list[str] = []
    missing_other: str = ""
    overall_due: str = ""
    overall_wd: int = 30
    error_key: str = ""
    notice_key: str = ""

    def _fill(self, d: queries.CaseDetail) -> list[rx.event.EventSpec]:
        """Show the case; returns the events that write the phone and full ID numbers into the page (never vars)."""
        a = d.answers
        self.found, self.number = True, d.app_number
        self.applicant, self.place = d.applicant, d.place
        self.status, self.status_key = d.status, f"apply.status.{d.status}"
        self.related, self.related_detail = d.related, d.related_detail
        self.county_powers, self.can_extend, self.can_approve = d.powers.county, d.powers.can_extend, \
            d.powers.can_approve
        self.assessed_on = d.assessed_on
        verdict = d.verdict
        self.verdict_key = f"elig.outcome.{verdict.outcome}" if verdict else ""
        self.amount = el.yuan(verdict.monthly_amount_fen) if verdict else ""
        self.reasons = reasons_of(verdict.lines) if verdict else []
        members = []
        ids = d.ids
        once = []
        for i, m in enumerate(a.get("members") or []):
            full = ids.full and i < len(ids.shown)
            if full:
                once.append(show_once(f"case-id-{i}", ids.shown[i]))
            incomes = m.get("incomes") or {}
            grade = m.get("disability_grade", 0)
            members.append(MemberRow(name=str(m.get("name", "")), rel_key=f"apply.rel.{m.get('relationship')}"
                                     if m.get("relationship") in el.RELATIONSHIPS else "apply.rel.other",
                                     age=str(m.get("age", "")),
                                     grade_key=f"apply.grade.{grade}" if grade in (0, 1, 2, 3, 4) else "apply.grade.0",
                                     ill=bool(m.get("serious_illness")), student=bool(m.get("student")),
                                     income=el.yuan(sum(v for v in incomes.values() if isinstance(v, int))),
                                     id_masked="" if full else (ids.shown[i] if i < len(ids.shown) else ""),
                                     id_el=f"case-id-{i}", full=full,
                                     flag=" · ".join(ids.flags[i]) if i < len(ids.flags) else ""))
        self.members = members
        assets = a.get("assets") or {}
        deposits = assets.get("deposits", 0)
        self.assets = "{} · {} · {} · {} m² · {}".format(
            el.yuan(deposits) if isinstance(deposits, int) else "?", assets.get("vehicles", 0),
            assets.get("houses", 0), assets.get("housing_area", 0), assets.get("businesses", 0))
        self.docs = [DocView(id=doc_id, kind_key=f"apply.doc.{kind}", src=routes.application_document(doc_id))
                     for doc_id, kind in d.documents]
        self.findings = [FindingRow(
            id=str(f.id), rule_key=f"verify.rule.{f.rule}", severity=f.severity, county=f.routed_to == "county",
            member=f.member, declared=f.declared, found=f.found, refs=f.refs, source_key=f"verify.source.{f.source}",
            as_of=f.as_of, document_no=f.document_no,
            resolution_key=f"verify.resolution.{f.resolution}" if f.resolution else "", note=f.note,
            answer=f.answer, answer_due=f.answer_due, answer_lapsed=f.answer_lapsed, online=f.online,
            disputed=f.resolution == "disputed") for f in d.findings]
        self.findings_open = sum(1 for f in self.findings if not f["resolution_key"])
        self.findings_disputed = sum(1 for f in self.findings if f["disputed"])
        check = d.check
        self.check_status = check.status if check is not None else ""
        waiting = check.waiting_on if check is not None and check.status == "waiting" else {}
        self.check_sources = [f"verify.source.{k}" for k in sorted(waiting) if k in vr.SOURCES]
        self.check_reasons = " · ".join(f"{k}: {v}" for k, v in sorted(waiting.items()))
        self.check_attempts = check.attempts if check is not None else 0
        self.check_next = check.next_try_local if check is not None else ""
        self.check_online = [f"verify.source.{k}" for k in (check.online if check is not None else ())
                             if k in vr.SOURCES]
        r = d.reassessment
        self.reassessed = r is not None
        if r is not None:
            self.reassess_before_key = f"elig.outcome.{r.before_outcome}" if r.before_outcome else ""
            self.reassess_before_amount = el.yuan(r.before_amount_fen)
            self.reassess_after_key = f"elig.outcome.{r.after_outcome}" if r.after_outcome else ""
            self.reassess_after_amount = el.yuan(r.after_amount_fen)
            self.reassess_by, self.reassess_at = r.by, r.at
            self.reassess_changes = [ReassessRow(finding=str(c.finding), rule_key=f"verify.rule.{c.rule}",
                                                 member=c.member, declared=c.declared, found=c.found,
                                                 weighed=c.weighed) for c in r.changes]
        self.can_resolve = d.can_resolve
        view = d.track
        self.steps = step_rows(view)
        self.history = history_views(d.history)
        self.open_kinds = [s.kind for s in view.steps if s.state == "open"]
        self.missing_keys = [f"apply.material.{k}" for k in view.missing]
        self.missing_other = view.missing_other
        self.overall_due, self.overall_wd = view.overall_due, view.overall_wd
        return [show_once("case-phone", d.phone), *once]

    def _empty(self) -> None:
        """Forget the previously shown case (household, incomes, reasons), whatever this load finds."""
        for name in ("number", "found", "applicant", "place", "status", "status_key", "county_powers", "can_extend",
                     "can_approve", "related", "related_detail", "assessed_on", "verdict_key", "amount", "members",
                     "assets", "reasons", "docs", "findings", "findings_open", "findings_disputed", "can_resolve", "check_status", "check_sources",
                     "check_reasons", "check_attempts", "check_next", "check_busy", "check_online", "check_answered",
                     "reassessed", "reassess_before_key", "reassess_before_amount", "reassess_after_key",
                     "reassess_after_amount", "reassess_by", "reassess_at", "reassess_changes", "steps", "history", "open_kinds", "missing_keys", "missing_other",
                     "overall_due", "overall_wd", "error_key", "notice_key"):
            field = self.get_fields()[name]
            setattr(self, name, field.default_factory() if field.default_factory is not None else field.default)

    def _read(self, number: str) -> tuple[queries.CaseDetail | None, str]:
        got: list[queries.CaseDetail] = []
        _actor, key = self._perform(Role.OFFICER, lambda s, a: got.append(queries.case_detail(s, a, number)))
        return (got[0] if got else None), key

    @rx.event
    def load(self):
        self._empty()
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        detail, key = self._read(str(self.router._page.params.get("number", ""))[:20])
        if detail is None:
            self.denied_key = key or "auth.forbidden"
            return
        return self._fill(detail)

    def _act(self, action):
        """Run one officer action on this case (the service checks role + region again and audits), then reload.
        A refusal keeps every form as typed; a success empties them."""
        actor, key = self._perform(Role.OFFICER, action)
        if actor is None:
            self._empty()  # signed out or no longer allowed: the case goes from the page
            self.error_key = "auth.forbidden"
            return
        if key:
            self.error_key, self.notice_key = key, ""
            return
        self.error_key, self.notice_key = "", "officer_apps.saved"
        detail, _ = self._read(self.number)
        if detail is None:
            self._empty()
            self.error_key = "auth.forbidden"
            return
        return [rx.call_script("document.querySelectorAll('#case-actions form').forEach(f => f.reset())"),
                *self._fill(detail)]

    @rx.event
    @checked
    def resolve_finding(self, form: dict):
        try:
            finding = int(str(form.get("finding", "")))
        except ValueError:
            self.error_key = "apply.err_finding_not_found"
            return
        resolution, note = str(form.get("resolution", ""))[:16], str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.resolve_finding(s, a, self.number, finding, resolution, note))

    def _then_check(self, events):
        """After acceptance or a retry committed: a check still to ask the departments runs as a background event,
        so this tab stays usable while they answer (or time out, retries included)."""
        if self.error_key or not self.found or self.check_status not in ("pending", "waiting"):
            return events
        return [*(events or []), OfficerCaseState.run_check]

    @rx.event
    def accept(self):
        return self._then_check(self._act(lambda s, a: svc.accept(s, a, self.number)))

    @rx.event
    def retry_check(self):
        return self._then_check(self._act(lambda s, a: svc.retry_online_check(s, a, self.number)))

    @rx.event(background=True)
    async def run_check(self):
        """Ask the departments about this case without holding the tab: the state is locked only to read who asks
        and to show each department that answered; the guard runs again under the lock before the result shows.
        Only catalog keys and the case number enter the state; ID numbers stay in the services."""
        async with self:
            if self.check_busy or not self.found:
                return
            actor = self._guard(Role.OFFICER)
            if actor is None:
                self._empty()
                return
            number = self.number
            self.check_busy, self.check_answered = True, []

        async def answered(source: str, reason: str) -> None:
            if reason or source not in vr.SOURCES:
                return
            async with self:
                if self.number == number:
                    self.check_answered = [*self.check_answered, f"verify.source.{source}"]

        try:
            await svc.run_online_check(actor, number, progress=answered)
        except (PermissionDenied, svc.ApplicationError):
            pass
        finally:
            async with self:
                self.check_busy = False
        async with self:
            if self.number != number:  # the tab opened another case meanwhile
                return
            actor = self._guard(Role.OFFICER)
            if actor is None:
                self._empty()
                return
            detail, _ = self._read(number)
            if detail is None:
                self._empty()
                self.error_key = "auth.forbidden"
                return
            events = self._fill(detail)
        for event in events:
            yield event

    @rx.event
    @checked
    def request_materials(self, form: dict):
        items = [k for k in svc.MATERIAL_ITEMS if form.get(f"m-{k}")]
        other = str(form.get("other", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.request_materials(s, a, self.number, items, other))

    @rx.event
    @checked
    def home_survey(self, form: dict):
        note = str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.record_home_survey(s, a, self.number, note))

    @rx.event
    @checked
    def cross_check(self, form: dict):
        outcome, note = str(form.get("outcome", "")), str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.record_cross_check(s, a, self.number, outcome, note))

    @rx.event
    @checked
    def recheck(self, form: dict):
        note = str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.record_recheck(s, a, self.number, note))

    @rx.event
    @checked
    def county_visit(self, form: dict):
        note = str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.record_county_visit(s, a, self.number, note))

    @rx.event
    @checked
    def preliminary(self, form: dict):
        approve, note = form.get("decision") == "approve", str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        if form.get("decision") not in ("approve", "refuse"):
            self.error_key = "elig.err_choose"
            return
        return self._act(lambda s, a: svc.preliminary_decision(s, a, self.number, approve, note))

    @rx.event
    @checked
    def extend(self, form: dict):
        note = str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        return self._act(lambda s, a: svc.extend_deadline(s, a, self.number, note))

    @rx.event
    @checked
    def county_decision(self, form: dict):
        approve, note = form.get("decision") == "approve", str(form.get("note", ""))[:svc.MAX_TEXT + 10]
        if form.get("decision") not in ("approve", "refuse"):
            self.error_key = "elig.err_choose"
            return
        return self._act(lambda s, a: svc.county_decision(s, a, self.number, approve, note))


# --- queue page --------------------------------------------------------------------------------------------------

def _queue_row(r: QueueRowView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.link(r["number"], href=r["href"], id="case-" + r["number"]),
                 rx.cond(r["related"], rx.badge(t("officer_apps.related_badge"), color_scheme="purple"))),
        rx.el.td(r["applicant"]),
        rx.el.td(r["village"]),
        rx.el.td(t_var(r["status_key"], STATUS_KEYS)),
        rx.el.td(r["submitted"]),
        rx.el.td(rx.cond(r["escalated"], rx.badge(t("officer_apps.escalated"), color_scheme="red"),
                         rx.cond(r["overdue"], rx.badge(t("apply.step_overdue"), color_scheme="red"))),
                 rx.el.span(r["next_due"])),
        class_name=rx.cond(r["overdue"], "queue-overdue overdue", ""),
    )


def officer_applications() -> rx.Component:
    s = OfficerApplicationsState
    side = rx.el.aside(
        rx.heading(t("officer_apps.filters"), size="3", as_="h2"),
        rx.el.label(t("officer_apps.h_status"), html_for="filter-status", class_name="wiz-label"),
        rx.el.select(rx.el.option(t("officer_apps.all_statuses"), value=""),
                     *[rx.el.option(t(f"apply.status.{st}"), value=st) for st in QUEUE_STATUSES],
                     value=s.status_filter, on_change=s.set_status, id="filter-status", class_name="screen-select"),
        rx.el.label(rx.el.input(type="checkbox", checked=s.overdue_only, on_change=s.toggle_overdue,
                                id="filter-overdue"), rx.text(t("officer_apps.overdue_only")), class_name="wiz-check"),
        # A plain document request (not the app's router): the API answers the file, or its refusal as a message.
        rx.link(t("officer_apps.export"), href=s.export_href, reload_document=True, id="queue-export",
                class_name="screen-next"),
        rx.el.button(t("officer_apps.print"), type="button", on_click=rx.call_script("window.print()"),
                     class_name="screen-back", id="queue-print"),
        rx.link(t("officer_apps.publish_batch_link"), href=routes.OFFICER_PUBLICITY, id="queue-publicity",
                class_name="tap-link"),
        class_name="desk-side",
    )
    return page(
        guarded(
            s,
            rx.cond(s.overdue_count > 0, rx.callout(t_fmt("officer_apps.overdue_count", n=s.overdue_count),
                                                    icon="alarm-clock", color_scheme="red", id="overdue-count",
                                                    width="100%")),
            rx.el.div(
                side,
                rx.cond(s.rows.length() > 0,
                        rx.el.table(rx.el.thead(rx.el.tr(
                            rx.el.th(t("officer_apps.h_number")), rx.el.th(t("officer_apps.h_applicant")),
                            rx.el.th(t("officer_apps.h_village")), rx.el.th(t("officer_apps.h_status")),
                            rx.el.th(t("officer_apps.h_submitted")), rx.el.th(t("officer_apps.h_due")))),
                            rx.el.tbody(rx.foreach(s.rows, _queue_row)), class_name="queue-table desk-table",
                            id="queue"),
                        rx.text(t("officer_apps.empty"), id="queue-empty")),
                class_name="desk-grid",
            ),
        ),
        title_key="officer_apps.title", desk=True, tables=True,
    )


# --- case page ---------------------------------------------------------------------------------------------------

def _note(form_id: str, label_key: str = "officer_apps.note", name: str = "note") -> rx.Component:
    return rx.vstack(rx.el.label(t(label_key), html_for=f"{form_id}-{name}", class_name="wiz-label"),
                     rx.el.textarea(name=name, id=f"{form_id}-{name}", rows="3", class_name="wiz-input"),
                     width="100%", spacing="1")


def _action_form(title_key: str, *fields: rx.Component, on_submit, form_id: str, button_key: str) -> rx.Component:
    return rx.card(
        rx.form(rx.vstack(rx.heading(t(title_key), size="3", as_="h3"), *fields,
                          rx.el.button(t(button_key), type="submit", class_name="screen-next", id=f"{form_id}-submit"),
                          width="100%", spacing="3"),
                on_submit=on_submit, reset_on_submit=False, id=form_id, width="100%"),
        width="100%",
    )


def _decision_radios(prefix: str, approvable=True) -> rx.Component:
    name = "decision"
    approve = rx.el.label(rx.el.input(type="radio", name=name, value="approve", id=f"f-{prefix}-approve"),
                          rx.text(t("officer_apps.approve")), class_name="wiz-check")
    return rx.vstack(
        rx.cond(approvable, approve,
                rx.text(t("officer_apps.approve_after_publicity"), size="2", id=f"f-{prefix}-no-approve")),
        rx.el.label(rx.el.input(type="radio", name=name, value="refuse", id=f"f-{prefix}-refuse"),
                    rx.text(t("officer_apps.refuse")), class_name="wiz-check"),
        width="100%", spacing="0",
    )


def _actions() -> rx.Component:
    s = OfficerCaseState
    return rx.vstack(
        rx.cond(s.status == svc.SUBMITTED, rx.vstack(
            rx.el.button(t("officer_apps.accept"), on_click=s.accept, type="button", class_name="screen-next",
                         id="act-accept"),
            _action_form("officer_apps.request_title",
                         rx.text(t("officer_apps.request_hint"), size="2"),
                         *[rx.el.label(rx.el.input(type="checkbox", name=f"m-{k}", id=f"f-m-{k}"),
                                       rx.text(t(f"apply.material.{k}")), class_name="wiz-check")
                           for k in svc.MATERIAL_ITEMS],
                         _note("act-materials", "officer_apps.other_material", "other"),
                         on_submit=s.request_materials, form_id="act-materials", button_key="officer_apps.request"),
            width="100%", spacing="3")),
        rx.cond(s.open_kinds.contains(svc.STEP_SURVEY), _action_form(
            "apply.step.home_survey", _note("act-survey", "officer_apps.findings"), on_submit=s.home_survey,
            form_id="act-survey",
            button_key="officer_apps.record")),
        rx.cond(s.open_kinds.contains(svc.STEP_CHECK), _action_form(
            "apply.step.cross_check",
            rx.text(t("officer_apps.check_hint"), size="2"),
            rx.el.select(*[rx.el.option(t(f"apply.check.{o}"), value=o) for o in crosscheck.OUTCOMES],
                         name="outcome", id="f-check-outcome", class_name="screen-select"),
            _note("act-check"), on_submit=s.cross_check, form_id="act-check", button_key="officer_apps.record")),
        rx.cond(s.open_kinds.contains(svc.STEP_RECHECK), _action_form(
            "apply.step.recheck", _note("act-recheck", "officer_apps.findings"), on_submit=s.recheck,
            form_id="act-recheck",
            button_key="officer_apps.record")),
        rx.cond(s.open_kinds.contains(svc.STEP_VISIT) & s.county_powers, _action_form(
            "apply.step.county_visit", _note("act-visit", "officer_apps.findings"), on_submit=s.county_visit,
            form_id="act-visit", button_key="officer_apps.record")),
        rx.cond(s.status == svc.PRELIMINARY, _action_form(
            "apply.step.preliminary", _decision_radios("prelim"), _note("act-preliminary", "officer_apps.reasons"),
            on_submit=s.preliminary,
            form_id="act-preliminary", button_key="officer_apps.decide")),
        rx.cond(s.status == svc.TO_PUBLISH, rx.vstack(
            rx.text(t("officer_apps.publish_batch_hint"), size="2"),
            rx.link(t("officer_apps.publish_batch_link"), href=routes.OFFICER_PUBLICITY, id="act-publish",
                    class_name="tap-link"),
            width="100%")),
        rx.cond(((s.status == svc.PUBLICITY) | (s.status == svc.COUNTY)) & ~s.county_powers,
                rx.callout(t("officer_apps.pending_county"), icon="info", id="case-county-only", width="100%")),
        rx.cond(((s.status == svc.PUBLICITY) | (s.status == svc.COUNTY)) & s.county_powers, _action_form(
            "apply.step.county_decision",
            rx.cond(s.findings_disputed > 0,
                    rx.callout(t_fmt("verify.disputed_count", n=s.findings_disputed), icon="scale",
                               color_scheme="purple", width="100%", id="county-disputed")),
            _reassessment("county-reassessed"),
            rx.text(t("officer_apps.county_hint"), size="2"),
            _decision_radios("county", s.can_approve),
            _note("act-county", "officer_apps.reasons"), on_submit=s.county_decision, form_id="act-county",
            button_key="officer_apps.decide")),
        rx.cond(s.can_extend,
                rx.el.details(rx.el.summary(t("officer_apps.extend_title"), class_name="action-summary"),
                              _action_form("officer_apps.extend_title", _note("act-extend", "officer_apps.reasons"),
                                           on_submit=s.extend, form_id="act-extend",
                                           button_key="officer_apps.extend"),
                              class_name="case-action")),
        width="100%", spacing="3", id="case-actions",
    )


def _finding(f: FindingRow) -> rx.Component:
    s = OfficerCaseState
    settle = rx.form(
        rx.el.input(type="hidden", name="finding", value=f["id"]),
        rx.hstack(
            rx.el.select(rx.el.option(t("verify.resolution.choose"), value=""),
                         *[rx.el.option(t(f"verify.resolution.{r}"), value=r) for r in svc.FINDING_RESOLUTIONS],
                         name="resolution", class_name="screen-select", id="finding-resolution-" + f["id"],
                         aria_label=t("verify.resolution.choose")),
            rx.el.input(name="note", class_name="wiz-input", id="finding-note-" + f["id"], flex="1",
                        placeholder=t("verify.resolution_note"), aria_label=t("verify.resolution_note")),
            rx.el.button(t("verify.resolve"), type="submit", class_name="screen-next finding-submit",
                         id="finding-submit-" + f["id"]),
            width="100%", wrap="wrap", align="center", spacing="2"),
        on_submit=s.resolve_finding, reset_on_submit=True, width="100%")
    return rx.el.tr(
        rx.el.td(rx.text(t_var(f["rule_key"], RULE_KEYS), weight="bold", size="2"),
                 rx.cond(f["member"] != "", rx.el.div(f["member"], class_name="finding-member")),
                 rx.cond(f["county"], rx.badge(t("verify.routed_county"), color_scheme="purple"))),
        rx.el.td(f["declared"], class_name="finding-declared"),
        rx.el.td(rx.el.strong(f["found"]), rx.cond(f["refs"] != "", rx.el.div(rx.el.small(f["refs"]))),
                 class_name="finding-found"),
        rx.el.td(t_var(f["source_key"], SOURCE_KEYS),
                 rx.cond(f["online"], rx.el.div(rx.el.small(t("verify.online_found")))),
                 rx.cond(f["as_of"] != "", rx.el.div(rx.el.small(t_fmt("verify.as_of", day=f["as_of"])))),
                 rx.cond(f["document_no"] != "", rx.el.div(rx.el.small(f["document_no"])))),
        rx.el.td(
            rx.cond(f["answer"] != "", rx.el.div(rx.el.small(t("verify.applicant_answered")), rx.el.br(),
                                                  f["answer"], class_name="finding-answer"),
                    rx.cond((f["answer_due"] != "") & (f["resolution_key"] == ""),
                            rx.el.div(rx.cond(f["answer_lapsed"],
                                              t_fmt("verify.answer_lapsed", due=f["answer_due"]),
                                              t_fmt("verify.answer_due", due=f["answer_due"])),
                                      class_name="finding-answer-due"))),
            rx.cond(f["resolution_key"] != "",
                    rx.vstack(rx.badge(t_var(f["resolution_key"], RESOLUTION_KEYS),
                                       color_scheme=rx.cond(f["disputed"], "purple", "green")),
                              rx.text(f["note"], size="2"),
                              rx.cond(s.can_resolve, rx.el.details(
                                  rx.el.summary(t("verify.resolve_again"), class_name="action-summary"), settle)),
                              spacing="1", align="start"),
                    rx.cond(s.can_resolve, settle, rx.badge(t("verify.unresolved"), color_scheme="orange")))),
        id="finding-" + f["id"], class_name=rx.cond(f["resolution_key"] == "", "finding-open",
                                                    rx.cond(f["disputed"], "finding-done finding-disputed",
                                                            "finding-done")),
    )


def _reassessment(box_id: str) -> rx.Component:
    """The verdict as first assessed against the one re-assessed with the accepted findings, and what changed it."""
    s = OfficerCaseState
    return rx.cond(s.reassessed, rx.callout(
        rx.vstack(
            rx.text(t("apply.reassess.title"), weight="bold", size="3"),
            rx.el.div(
                rx.el.div(rx.el.small(t("apply.reassess.before")), rx.el.br(),
                          t_var(s.reassess_before_key, OUTCOME_VERDICT_KEYS), " · ",
                          t_fmt("apply.reassess.amount", amount=s.reassess_before_amount),
                          class_name="reassess-before"),
                rx.el.div("→", class_name="reassess-arrow", aria_hidden="true"),
                rx.el.div(rx.el.small(t("apply.reassess.after")), rx.el.br(),
                          rx.el.strong(t_var(s.reassess_after_key, OUTCOME_VERDICT_KEYS), " · ",
                                       t_fmt("apply.reassess.amount", amount=s.reassess_after_amount)),
                          class_name="reassess-after"),
                class_name="reassess-compare"),
            rx.cond(s.reassess_changes.length() > 0,
                    rx.el.ul(rx.foreach(s.reassess_changes, lambda c: rx.el.li(
                        t_var(c["rule_key"], RULE_KEYS), rx.cond(c["member"] != "", " · " + c["member"], ""), " — ",
                        rx.cond(c["weighed"],
                                t_fmt("apply.reassess.change", declared=c["declared"], found=c["found"],
                                      finding=c["finding"]),
                                t_fmt("apply.reassess.not_weighed", finding=c["finding"])))),
                            class_name="screen-list"),
                    rx.text(t("apply.reassess.none"), size="2")),
            rx.text(t_fmt("apply.reassess.by", who=s.reassess_by, at=s.reassess_at), size="1",
                    color_scheme="gray"),
            spacing="2", align="start", width="100%"),
        icon="calculator", color_scheme="blue", width="100%", id=box_id))


def _online_check() -> rx.Component:
    s = OfficerCaseState
    return rx.fragment(
        rx.cond(s.check_busy, rx.callout(
            rx.vstack(
                rx.text(t("verify.check_asking"), weight="bold", size="3"),
                rx.el.ul(rx.foreach(s.check_online, lambda k: rx.el.li(
                    t_var(k, SOURCE_KEYS), " · ",
                    rx.cond(s.check_answered.contains(k), rx.el.strong(t("verify.check_answered")),
                            rx.el.span(t("verify.check_still_asking"))),
                    class_name=rx.cond(s.check_answered.contains(k), "check-answered", "check-asking"))),
                    class_name="screen-list"),
                rx.text(t("verify.check_asking_hint"), size="2"),
                spacing="2", align="start"),
            icon="loader", color_scheme="blue", width="100%", id="check-busy", role="status"),
            rx.cond(s.check_status == "pending",
                    rx.callout(t("verify.check_pending"), icon="loader", color_scheme="blue", width="100%",
                               id="check-pending"))),
        rx.cond(s.check_status == "waiting", rx.callout(
            rx.vstack(
                rx.text(t("verify.check_waiting"), weight="bold", size="3"),
                rx.el.ul(rx.foreach(s.check_sources, lambda k: rx.el.li(t_var(k, SOURCE_KEYS))),
                         class_name="screen-list"),
                rx.text(t_fmt("verify.check_waiting_detail", n=s.check_attempts, next=s.check_next), size="2"),
                rx.text(s.check_reasons, size="1", color_scheme="gray"),
                rx.cond(s.can_resolve & ~s.check_busy,
                        rx.el.button(t("verify.check_retry"), on_click=s.retry_check, type="button",
                                     class_name="screen-next", id="check-retry")),
                spacing="2", align="start"),
            icon="cloud-off", color_scheme="red", width="100%", id="check-waiting", role="status")),
    )


def _findings() -> rx.Component:
    s = OfficerCaseState
    return rx.cond(s.findings.length() > 0, rx.vstack(
        rx.heading(t("verify.case_findings"), size="4", as_="h2"),
        rx.cond(s.findings_open > 0,
                rx.callout(t_fmt("verify.findings_open", n=s.findings_open), icon="triangle-alert",
                           color_scheme="orange", width="100%", id="findings-open"),
                rx.callout(t("verify.findings_all_settled"), icon="check", color_scheme="green", width="100%")),
        rx.cond(s.findings_disputed > 0,
                rx.callout(t_fmt("verify.disputed_count", n=s.findings_disputed), icon="scale",
                           color_scheme="purple", width="100%", id="findings-disputed")),
        rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("verify.col_rule")), rx.el.th(t("verify.col_declared")),
                                 rx.el.th(t("verify.col_found")), rx.el.th(t("verify.col_source")),
                                 rx.el.th(t("verify.col_resolution")))),
            rx.el.tbody(rx.foreach(s.findings, _finding)), class_name="queue-table findings-table"),
            width="100%", overflow_x="auto"),
        width="100%", spacing="2", id="case-findings"))


def _member(m: MemberRow) -> rx.Component:
    return rx.el.tr(rx.el.td(m["name"], rx.el.br(), rx.el.small(t_var(m["rel_key"], REL_KEYS)), rx.el.br(),
                             # the holder's full number is written in by show_once: the span renders empty
                             rx.cond(m["full"], rx.el.span(id=m["id_el"], class_name="case-id"),
                                     rx.el.span(m["id_masked"], class_name="case-id")),
                             rx.cond(m["flag"] != "", rx.el.div(t_fmt("register.flag_other_household",
                                                                      villages=m["flag"]),
                                                                class_name="case-id-flag", role="note"))),
                    rx.el.td(m["age"]),
                    rx.el.td(t_var(m["grade_key"], GRADE_KEYS),
                             rx.cond(m["ill"], rx.el.div(t("apply.illness"))),
                             rx.cond(m["student"], rx.el.div(t("apply.student")))),
                    rx.el.td(m["income"]))


def _step(row: StepRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(t_var(row["kind_key"], STEP_KEYS), weight="bold"), rx.spacer(),
                  rx.cond(row["state"] == "overdue", rx.badge(t("apply.step_overdue"), color_scheme="red")),
                  width="100%"),
        rx.text(t_fmt("apply.step_office", office=row["office"]), size="2"),
        rx.cond(row["due"] != "", rx.text(t_fmt("apply.step_due", due=row["due"], start=row["started"]), size="2")),
        rx.cond(row["outcome_key"] != "", rx.text(t_var(row["outcome_key"], OUTCOME_KEYS), size="2")),
        class_name="step-row " + row["state"],
    )


def _history_row(h: HistoryView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(t_var(h["kind_key"], HISTORY_KIND_KEYS), class_name="history-kind"),
        rx.el.td(h["who"], rx.cond(h["office"] != "", rx.fragment(rx.el.br(), rx.el.small(h["office"])))),
        rx.el.td(h["when"], rx.cond(h["open"], rx.el.div(t_fmt("officer_apps.open_step", due=h["due"])))),
        rx.el.td(rx.el.span(t_var(h["outcome_key"], OUTCOME_KEYS))),
        rx.el.td(rx.foreach(h["materials"], lambda k: rx.el.div(t_var(k, MATERIAL_KEYS))),
                 rx.el.div(h["note"], class_name="history-note")),
        rx.el.td(rx.foreach(h["attachments"], lambda k: rx.el.div(t_var(k, DOC_KEYS))), class_name="nowrap"),
        class_name=rx.cond(h["open"], "history-open", ""),
    )


def case_history() -> rx.Component:
    s = OfficerCaseState
    return rx.vstack(
        rx.hstack(rx.heading(t("officer_apps.history_title"), size="4", as_="h2"), rx.spacer(),
                  rx.link(t("officer_apps.approval_form"), href=routes.api_application_form(s.number),
                          reload_document=True, is_external=True, id="case-approval-form",
                          class_name="no-print tap-link"),
                  width="100%", align="center"),
        rx.text(t("officer_apps.history_hint"), size="2", class_name="no-print"),
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("officer_apps.h_step")), rx.el.th(t("officer_apps.h_who")),
                                 rx.el.th(t("officer_apps.h_when")), rx.el.th(t("officer_apps.h_outcome")),
                                 rx.el.th(t("officer_apps.h_note")), rx.el.th(t("officer_apps.h_attachments")))),
            rx.el.tbody(rx.foreach(s.history, _history_row)), class_name="desk-table", id="case-history"),
        width="100%", spacing="2",
    )


def officer_case() -> rx.Component:
    s = OfficerCaseState
    main = rx.vstack(
        rx.card(
            rx.text(s.number, size="2", color_scheme="gray", id="case-number"),
            rx.hstack(rx.text(s.applicant, size="5", weight="bold"),
                      rx.text(size="5", weight="bold", id="case-phone"),  # show_once: never a state var
                      spacing="3", wrap="wrap"),
            rx.text(s.place, size="2"),
            rx.text(t_var(s.status_key, STATUS_KEYS), weight="bold", id="case-status"),
            rx.cond(s.overall_due != "",
                    rx.text(t_fmt("apply.overall_due", due=s.overall_due, wd=s.overall_wd), size="2")),
            rx.cond(s.related, rx.callout(t_fmt("officer_apps.related_note", detail=s.related_detail),
                                          icon="users", color_scheme="purple", id="case-related")),
            width="100%"),
        rx.cond(s.missing_keys.length() > 0, rx.box(
            rx.text(t("apply.missing_title"), weight="bold"),
            rx.el.ul(rx.foreach(s.missing_keys, lambda k: rx.el.li(t_var(k, MATERIAL_KEYS)))),
            rx.cond(s.missing_other != "", rx.text(s.missing_other, size="2")),
            class_name="wiz-summary", id="case-missing")),
        _online_check(),
        _findings(),
        case_history(),
        rx.heading(t("officer_apps.verdict"), size="4", as_="h2"),
        _reassessment("case-reassessed"),
        rx.text(t_var(s.verdict_key, OUTCOME_VERDICT_KEYS), weight="bold", id="case-verdict"),
        rx.text(t_fmt("officer_apps.verdict_amount", amount=s.amount, day=s.assessed_on), size="2"),
        rx.vstack(rx.foreach(s.reasons, reason_line), width="100%", spacing="2", id="case-reasons"),
        rx.heading(t("officer_apps.household"), size="4", as_="h2"),
        rx.el.table(rx.el.tbody(rx.foreach(s.members, _member)), class_name="queue-table desk-table",
                    id="case-members"),
        rx.text(t_fmt("officer_apps.assets_line", assets=s.assets), size="2"),
        rx.heading(t("apply.q.documents"), size="4", as_="h2"),
        rx.el.div(rx.foreach(s.docs, lambda d: rx.vstack(
            rx.text(t_var(d["kind_key"], DOC_KEYS), size="2"),
            rx.el.a(rx.el.img(src=d["src"], class_name="doc-thumb", alt=""), href=d["src"], target="_blank",
                    class_name="doc-link"),
            width="100%")), class_name="doc-grid", id="case-docs"),
        rx.heading(t("apply.steps_title"), size="4", as_="h2"),
        rx.vstack(rx.foreach(s.steps, _step), width="100%", spacing="2", id="case-steps"),
        width="100%", spacing="3", min_width="0",
    )
    return page(
        guarded(
            s,
            rx.link(t("officer_apps.back_to_queue"), href=routes.OFFICER_APPLICATIONS, min_height=TAP,
                    display="flex", align_items="center", class_name="no-print"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                                  color_scheme="red", role="alert", id="case-error", width="100%")),
            rx.cond(s.notice_key != "", rx.callout(t_var(s.notice_key, NOTICE_KEYS), icon="check",
                                                   color_scheme="green", id="case-notice", width="100%")),
            rx.el.div(main, rx.el.aside(_actions(), class_name="desk-side sticky"), class_name="desk-grid side-right"),
        ),
        title_key="officer_apps.case_title", desk=True, tables=True,
    )
