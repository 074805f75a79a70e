"""Accountability referrals as the supervision pages show them, and the one form recording a referral's outcome
(the fixed list, the date, the decision's document number, the body that decided), shared by /monitor (referrals
of risk hits) and /inspections (referrals of an inspection's findings)."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP
from portal.supervision import rules, services

ACC_KEYS = [f"sup.acc.{x}" for x in rules.ACCOUNTABILITY]
FIELD = {"min_height": TAP, "font_size": "16px", "padding": "8px", "border": "1px solid var(--gray-7)",
         "border_radius": "6px", "background": "var(--color-panel)", "box_sizing": "border-box", "width": "100%"}


class RefView(TypedDict):
    id: int
    from_item: bool
    source_ref: str
    target: str
    grounds: str
    body: str
    referred: str
    outcome_key: str
    decided: str
    decision_no: str
    decided_by: str
    recordable: bool


def ref_view(r) -> RefView:
    """A `queries.ReferralRow` for a page."""
    return RefView(id=r.id, from_item=r.source == "item", source_ref=r.source_ref, target=r.target, grounds=r.grounds,
                   body=r.body, referred=r.referred_on, outcome_key=f"sup.acc.{r.outcome}" if r.outcome else "",
                   decided=r.decided_on, decision_no=r.decision_no, decided_by=r.decided_by,
                   recordable=r.recordable)


def outcome_use_case(form: dict):
    """The outcome form as a use case for the action runner: records the referral's outcome, date, document number
    and deciding body. ValueError for an id or a date no form of ours sends."""
    referral, outcome = int(str(form.get("ref", ""))[:10]), str(form.get("outcome", ""))[:12]
    decided = date.fromisoformat(str(form.get("decided", ""))[:10])
    number, decider = str(form.get("decision_no", ""))[:61], str(form.get("decided_by", ""))[:121]

    def run(session, actor):
        services.record_accountability(session, actor, referral, outcome, decided, decision_no=number,
                                       decided_by=decider)
    return run


def referral_outcome(r: RefView) -> rx.Component:
    """The recorded outcome: 通报批评 — 长安区纪委监委，长纪〔2026〕12号，2026-11-30."""
    return rx.vstack(
        rx.badge(t_var(r["outcome_key"], ACC_KEYS), color_scheme="orange", class_name="ref-outcome"),
        rx.text(t_fmt("sup.refs.decision", body=r["decided_by"], no=r["decision_no"], d=r["decided"]), size="1",
                color_scheme="gray"),
        spacing="1")


def outcome_form(ref_id, on_submit, on_cancel=None, prefix: str = "ref") -> rx.Component:
    """Outcome, date, document number and deciding body of referral `ref_id`; ids start with `prefix`."""
    buttons = [rx.button(t("sup.ref_record"), type="submit", min_height=TAP, id=f"{prefix}-record")]
    if on_cancel is not None:
        buttons.append(rx.button(t("roster.cancel"), type="button", variant="soft", on_click=on_cancel,
                                 min_height=TAP))
    return rx.form(rx.flex(
        rx.el.input(type="hidden", name="ref", value=ref_id.to_string()),
        rx.vstack(rx.el.label(t("sup.ref_outcome"), html_for=f"{prefix}-outcome", class_name="rt-Text rt-r-size-1"),
                  rx.el.select(*[rx.el.option(t(f"sup.acc.{x}"), value=x) for x in rules.ACCOUNTABILITY],
                               name="outcome", id=f"{prefix}-outcome", style={**FIELD, "width": "180px"}),
                  spacing="1"),
        rx.vstack(rx.el.label(t("sup.ref_decided"), html_for=f"{prefix}-decided", class_name="rt-Text rt-r-size-1"),
                  rx.el.input(type="date", name="decided", id=f"{prefix}-decided", required=True,
                              style={**FIELD, "width": "170px"}), spacing="1"),
        rx.vstack(rx.el.label(t("sup.ref_decision_no"), html_for=f"{prefix}-decision-no",
                              class_name="rt-Text rt-r-size-1"),
                  rx.el.input(name="decision_no", id=f"{prefix}-decision-no", required=True, max_length=60,
                              style={**FIELD, "width": "200px"}), spacing="1"),
        rx.vstack(rx.el.label(t("sup.ref_decided_by"), html_for=f"{prefix}-decided-by",
                              class_name="rt-Text rt-r-size-1"),
                  rx.el.input(name="decided_by", id=f"{prefix}-decided-by", required=True, max_length=120,
                              style={**FIELD, "width": "200px"}), spacing="1"),
        *buttons,
        gap="8px", align="end", wrap="wrap", width="100%"),
        on_submit=on_submit, reset_on_submit=False, width="100%", id=f"{prefix}-outcome-form")
