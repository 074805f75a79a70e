"""Administrator home: what the system holds, and the audit chain check."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal.accounts import queries as accounts_queries
from portal.accounts import services as accounts
from portal.shell.account import guarded, whoami
from portal.shell.i18n import t, t_fmt
from portal.kernel import routes
from portal.shell.layout import TAP, nav_card, page
from portal.kernel.permissions import Role
from portal.shell.session import SignedInState


class AdminHomeState(SignedInState):
    region_count: int = 0
    window_count: int = 0
    user_count: int = 0
    audit_ok: bool = True
    audit_rows: int = -1
    audit_broken_id: int = 0

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        found: list[accounts_queries.SystemCounts] = []
        actor, key = self._perform(Role.ADMIN, lambda session, who: found.append(
            accounts_queries.system_counts(session, who)))
        if actor is None or key:
            return None
        counts = found[0]
        self.region_count, self.window_count, self.user_count = counts.regions, counts.windows, counts.users

    @rx.event
    async def verify_audit(self):
        actor = self._guard(Role.ADMIN)
        if actor is None:
            return
        # Walking the whole chain takes seconds on a year of rows: in a thread, never on the event loop.
        report = await asyncio.to_thread(accounts.verify_audit_chain_now, actor)
        self.audit_ok, self.audit_rows, self.audit_broken_id = report.ok, report.rows, report.first_broken_id or 0


def _stat(key: str, value) -> rx.Component:
    return rx.card(rx.vstack(rx.text(t(key), size="2", color_scheme="gray"), rx.heading(value, size="6"),
                             spacing="1"), flex="1", min_width="100px")


def admin_home() -> rx.Component:
    """At a desk: who is signed in, the counts and the audit-chain check in the side column; the admin's pages in two
    columns beside it. One column on a phone."""
    s = AdminHomeState
    side = rx.el.aside(
        whoami(s),
        rx.hstack(_stat("admin.regions", s.region_count), _stat("admin.windows", s.window_count),
                  _stat("admin.users", s.user_count), spacing="2", width="100%", wrap="wrap"),
        rx.card(
            rx.vstack(
                rx.heading(t("admin.audit"), size="4", as_="h2"),
                rx.button(t("admin.audit_verify"), on_click=s.verify_audit, min_height=TAP, id="verify-audit"),
                rx.cond(s.audit_rows >= 0,
                        rx.cond(s.audit_ok,
                                rx.callout(t_fmt("admin.audit_ok", n=s.audit_rows), color_scheme="green",
                                           icon="shield-check", id="audit-result"),
                                rx.callout(t_fmt("admin.audit_broken", id=s.audit_broken_id),
                                           color_scheme="red", icon="shield-x", id="audit-result"))),
                spacing="3", align="start",
            ),
            width="100%",
        ),
        class_name="desk-side",
    )
    main = rx.el.div(
        nav_card("accounts.title", "accounts.link_desc", routes.ADMIN_ACCOUNTS, "users", "go-accounts"),
        nav_card("audit.title", "audit.link_desc", routes.ADMIN_AUDIT, "scroll-text", "go-audit"),
        nav_card("admin.cal_link", "admin.cal_intro", routes.ADMIN_CALENDAR, "calendar-days", "go-calendar"),
        nav_card("eval.admin.link", "eval.admin.link_intro", routes.ADMIN_EVALUATIONS, "clipboard-check",
                 "go-evaluations"),
        nav_card("reporting.desk_title", "reporting.desk_link", routes.OFFICER_REWARD_POOL, "hand-coins",
                 "go-reward-pool"),
        nav_card("elig.admin_title", "elig.admin_link_desc", routes.ADMIN_ELIGIBILITY, "scale", "go-admin-eligibility"),
        nav_card("verify.rules_title", "verify.rules_link_desc", routes.ADMIN_VERIFICATION_RULES, "list-checks",
                 "go-admin-verification-rules"),
        nav_card("sup.admin.title", "sup.admin.link_desc", routes.ADMIN_SUPERVISION, "landmark", "go-admin-supervision"),
        class_name="desk-cards",
    )
    return page(
        guarded(s, rx.el.div(side, main, class_name="desk-grid")),
        title_key="admin.home_title", desk=True,
    )
