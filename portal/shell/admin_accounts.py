"""Admin: accounts and roles (账号与权限) on a desktop page — find an account, create one, disable or enable it,
add or withdraw a role over a region picked from the tree, reset a password. One-time passwords travel once
through `show_once` and never sit in the page's state. Every change goes through `accounts.services` (which checks
the admin's regions again and writes the audit log) via the one action runner."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.accounts import queries, services as accounts
from portal.kernel.permissions import Role
from portal.shell.account import guarded
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, page, pager
from portal.shell.once import show_once
from portal.shell.session import SignedInState

ROLE_KEYS = [f"role.{r.value}" for r in Role]
ERRORS = ["accounts.err.region", "accounts.err.username", "accounts.err.display_name", "accounts.err.role",
          "accounts.err.taken", "accounts.err.window", "accounts.err.duplicate", "accounts.err.self",
          "accounts.err.account_kind", "accounts.err.account_number", "accounts.err.change_waiting",
          "accounts.err.change_own", "accounts.err.change_closed", "auth.forbidden"]
NOTICES = ["accounts.done", "accounts.account_proposed"]
KIND_KEYS = [f"accounts.account_kind.{k}" for k in accounts.ACCOUNT_KINDS]
GRANTABLE = [Role.OFFICER, Role.WINDOW_STAFF, Role.SUPERVISOR, Role.FINANCE, Role.IDENTITY_VIEWER, Role.ADMIN]


class Choice(TypedDict):
    value: str
    label: str


class GrantView(TypedDict):
    id: int
    role_key: str
    region: str


class AccountView(TypedDict):
    id: int
    username: str
    display_name: str
    active: bool
    window_code: str
    grants: list[GrantView]
    kind_keys: list[str]
    waiting_keys: list[str]


class ChangeView(TypedDict):
    id: int
    account: str
    kind_key: str
    proposed_by: str
    proposed_at: str
    mine: bool


def _account_view(a: queries.AccountLine) -> AccountView:
    return AccountView(id=a.id, username=a.username, display_name=a.display_name, active=a.active,
                       window_code=a.window_code,
                       grants=[GrantView(id=g.id, role_key=f"role.{g.role}", region=f"{g.region_name} ({g.region_code})")
                               for g in a.grants],
                       kind_keys=[f"accounts.account_kind.{k}" for k in a.account_kinds],
                       waiting_keys=[f"accounts.account_kind.{k}" for k in a.waiting_kinds])


def _change_view(c: queries.WaitingChange) -> ChangeView:
    return ChangeView(id=c.id, account=f"{c.username} {c.display_name}", kind_key=f"accounts.account_kind.{c.kind}",
                      proposed_by=c.proposed_by, proposed_at=c.proposed_at, mine=c.mine)


class AdminAccountsState(SignedInState):
    search: str = ""
    page_no: int = 1
    has_next: bool = False
    accounts: list[AccountView] = []
    selected_id: int = 0
    regions: list[Choice] = []
    windows: list[Choice] = []
    changes: list[ChangeView] = []
    error_key: str = ""
    notice: bool = False
    notice_key: str = "accounts.done"
    # Whose one-time password the page is showing (the password itself only ever travels through show_once).
    password_for: str = ""

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        self.error_key, self.notice, self.password_for = "", False, ""
        found: list = []
        actor, key = self._perform(Role.ADMIN, lambda session, who: found.append(
            (queries.region_choices(session, who), queries.window_choices(session, who))))
        if actor is None or key:
            return None
        regions, windows = found[0]
        self.regions = [Choice(value=r.code, label="\u3000" * r.depth + f"{r.name} ({r.code})") for r in regions]
        self.windows = [Choice(value=w.code, label=f"{w.code} {w.name}") for w in windows]
        self._refresh()
        return None

    def _refresh(self) -> None:
        found: list = []
        actor, key = self._perform(Role.ADMIN, lambda session, who: found.append(
            (queries.find_accounts(session, who, self.search, page=self.page_no),
             queries.waiting_account_changes(session, who))))
        if actor is None or key:
            self.accounts, self.has_next, self.changes = [], False, []
            return
        rows, changes = found[0]
        self.changes = [_change_view(c) for c in changes]
        self.has_next = len(rows) > queries.USER_PAGE
        self.accounts = [_account_view(a) for a in rows[:queries.USER_PAGE]]

    @rx.event
    @checked
    def find(self, form: dict):
        self.search, self.page_no, self.selected_id = str(form.get("q", ""))[:64], 1, 0
        self._refresh()

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

    @rx.event
    @checked
    def select(self, user_id: int):
        self.selected_id = row_id(user_id)
        self.error_key, self.notice, self.password_for = "", False, ""

    def _act(self, fn, *args) -> bool:
        actor, key = self._perform(Role.ADMIN, fn, *args)
        self.error_key, self.notice, self.notice_key = key, not key, "accounts.done"
        if actor is None or key:
            return False
        self._refresh()
        return True

    @rx.event
    @checked
    def create(self, form: dict):
        out: list = []

        def run(session, actor):
            out.append(accounts.admin_create_user(
                session, actor, str(form.get("username", "")), str(form.get("display_name", "")),
                str(form.get("role", "")), str(form.get("region", "")), str(form.get("window", ""))))
        self.password_for = ""
        if not self._act(run):
            return None  # refused: the form keeps what was typed
        user, password = out[0]
        self.password_for, self.selected_id, self.notice = user.username, user.id, False
        return [show_once("once-password", password),
                rx.call_script("document.getElementById('create-form')?.reset()")]

    @rx.event
    @checked
    def set_active(self, user_id: int, active: bool):
        self.password_for = ""
        self._act(accounts.set_active, row_id(user_id), bool(active))

    @rx.event
    @checked
    def add_grant(self, form: dict):
        self.password_for = ""
        self._act(accounts.add_grant, self.selected_id, str(form.get("role", "")), str(form.get("region", "")),
                  str(form.get("window", "")))

    @rx.event
    @checked
    def remove_grant(self, grant_id: int):
        self.password_for = ""
        self._act(accounts.remove_grant, self.selected_id, row_id(grant_id))

    @rx.event
    @checked
    def set_account_number(self, form: dict):
        # The number goes straight from the form to its keyed hash: never into the page's state.
        self.password_for = ""
        out: list = []
        user_id, kind, number = self.selected_id, str(form.get("kind", ""))[:8], str(form.get("number", ""))[:40]
        if self._act(lambda session, actor: out.append(
                accounts.set_account_number(session, actor, user_id, kind, number))):
            if out[0] == accounts.PROPOSED:
                self.notice_key = "accounts.account_proposed"
            return rx.call_script("document.getElementById('account-number-form')?.reset()")
        return None

    @rx.event
    @checked
    def approve_change(self, change_id: int):
        self.password_for = ""
        self._act(accounts.approve_account_change, row_id(change_id))

    @rx.event
    @checked
    def reject_change(self, change_id: int):
        self.password_for = ""
        self._act(accounts.reject_account_change, row_id(change_id))

    @rx.event
    @checked
    def reset_password(self, user_id: int):
        out: list = []
        user_id = row_id(user_id)
        self.password_for = ""
        if not self._act(lambda session, actor: out.append(accounts.reset_password(session, actor, user_id))):
            return None
        self.password_for = next((a["username"] for a in self.accounts if a["id"] == user_id), "")
        self.notice = False
        return show_once("once-password", out[0])


# --- page -----------------------------------------------------------------------------------------------------

def _select(name: str, options, label_key: str, select_id: str, first: rx.Component | None = None) -> rx.Component:
    return rx.el.label(
        rx.text(t(label_key), size="2"),
        rx.el.select(*([first] if first is not None else []),
                     rx.foreach(options, lambda c: rx.el.option(c["label"], value=c["value"])),
                     name=name, class_name="plain-select", id=select_id, required=first is None),
        class_name="eval-field")


def _role_select(select_id: str) -> rx.Component:
    return rx.el.label(
        rx.text(t("accounts.role"), size="2"),
        rx.el.select(*[rx.el.option(t(f"role.{r.value}"), value=r.value) for r in GRANTABLE], name="role",
                     class_name="plain-select", id=select_id),
        class_name="eval-field")


def _create_form() -> rx.Component:
    s = AdminAccountsState
    return rx.card(rx.el.form(
        rx.heading(t("accounts.create"), size="4", as_="h2"),
        rx.el.label(rx.text(t("accounts.username"), size="2"),
                    rx.el.input(name="username", required=True, max_length=64, class_name="eval-input",
                                id="new-username", auto_complete="off"), class_name="eval-field"),
        rx.el.label(rx.text(t("accounts.display_name"), size="2"),
                    rx.el.input(name="display_name", required=True, max_length=64, class_name="eval-input",
                                id="new-display-name"), class_name="eval-field"),
        _role_select("new-role"),
        _select("region", s.regions, "accounts.region", "new-region"),
        _select("window", s.windows, "accounts.window", "new-window",
                first=rx.el.option(t("accounts.no_window"), value="")),
        rx.button(t("accounts.create_btn"), type="submit", min_height=TAP, id="create-submit"),
        on_submit=s.create, id="create-form", class_name="eval-form-col"), width="100%")


def _grant_row(g: GrantView) -> rx.Component:
    return rx.hstack(
        rx.badge(t_var(g["role_key"], ROLE_KEYS)), rx.text(g["region"], size="2"), rx.spacer(),
        rx.button(t("accounts.remove_grant"), on_click=AdminAccountsState.remove_grant(g["id"]), size="1",
                  variant="outline", color_scheme="red", min_height=TAP, class_name="remove-grant"),
        width="100%", align="center", class_name="grant-row")


def _manage(a: AccountView) -> rx.Component:
    s = AdminAccountsState
    return rx.vstack(
        rx.text(t("accounts.grants"), weight="bold", size="2"),
        rx.foreach(a["grants"], _grant_row),
        rx.el.form(
            _role_select("grant-role"),
            _select("region", s.regions, "accounts.region", "grant-region"),
            _select("window", s.windows, "accounts.window", "grant-window",
                    first=rx.el.option(t("accounts.no_window"), value="")),
            rx.button(t("accounts.add_grant"), type="submit", min_height=TAP, variant="soft", id="grant-submit"),
            on_submit=s.add_grant, class_name="eval-form-grid", id="grant-form"),
        rx.text(t("accounts.account_numbers"), weight="bold", size="2"),
        rx.hstack(rx.foreach(a["kind_keys"], lambda k: rx.badge(t_var(k, KIND_KEYS), variant="soft")),
                  rx.cond(a["kind_keys"].length() == 0, rx.text(t("accounts.account_none"), size="2",
                                                                 color_scheme="gray")),
                  spacing="2", wrap="wrap", id="account-kinds"),
        rx.cond(a["waiting_keys"].length() > 0, rx.hstack(
            rx.text(t("accounts.change_waiting_here"), size="2", color_scheme="amber"),
            rx.foreach(a["waiting_keys"], lambda k: rx.badge(t_var(k, KIND_KEYS), color_scheme="amber")),
            spacing="2", wrap="wrap", align="center", id="account-waiting")),
        rx.el.form(
            rx.el.label(rx.text(t("accounts.account_kind"), size="2"),
                        rx.el.select(*[rx.el.option(t(f"accounts.account_kind.{k}"), value=k)
                                       for k in accounts.ACCOUNT_KINDS], name="kind", class_name="plain-select",
                                     id="account-kind"), class_name="eval-field"),
            rx.el.label(rx.text(t("accounts.account_number"), size="2"),
                        rx.el.input(name="number", id="account-number", auto_complete="off", max_length=40,
                                    class_name="eval-input"), class_name="eval-field"),
            rx.button(t("accounts.account_save"), type="submit", min_height=TAP, variant="soft",
                      id="account-number-save"),
            on_submit=s.set_account_number, class_name="eval-form-grid", id="account-number-form"),
        rx.hstack(
            rx.cond(a["active"],
                    rx.button(t("accounts.disable"), on_click=s.set_active(a["id"], False), color_scheme="red",
                              variant="outline", min_height=TAP, id="account-disable"),
                    rx.button(t("accounts.enable"), on_click=s.set_active(a["id"], True), variant="outline",
                              min_height=TAP, id="account-enable")),
            rx.button(t("accounts.reset"), on_click=s.reset_password(a["id"]), variant="outline", min_height=TAP,
                      id="account-reset"),
            spacing="2", wrap="wrap"),
        spacing="2", width="100%", align="start", id="account-manage")


def _account_row(a: AccountView) -> rx.Component:
    s = AdminAccountsState
    return rx.card(rx.vstack(
        rx.hstack(
            rx.text(a["username"], weight="bold", class_name="account-username"),
            rx.text(a["display_name"], size="2"),
            rx.cond(a["active"], rx.badge(t("accounts.active"), color_scheme="green"),
                    rx.badge(t("accounts.disabled"), color_scheme="gray", class_name="account-disabled")),
            rx.cond(a["window_code"] != "", rx.badge(t("accounts.window_of"), " ", a["window_code"],
                                                     variant="outline")),
            rx.spacer(),
            rx.button(t("accounts.manage"), on_click=s.select(a["id"]), variant="soft", min_height=TAP,
                      class_name="account-manage-btn"),
            width="100%", align="center", wrap="wrap"),
        rx.hstack(rx.foreach(a["grants"], lambda g: rx.badge(t_var(g["role_key"], ROLE_KEYS), " · ", g["region"],
                                                              variant="surface")), wrap="wrap", spacing="1"),
        rx.cond(s.selected_id == a["id"], _manage(a)),
        spacing="2", width="100%", align="start"), width="100%", class_name="account-row",
        data_username=a["username"])


def _change_row(c: ChangeView) -> rx.Component:
    s = AdminAccountsState
    return rx.el.tr(
        rx.el.td(c["account"]), rx.el.td(t_var(c["kind_key"], KIND_KEYS)), rx.el.td(c["proposed_by"]),
        rx.el.td(c["proposed_at"]),
        rx.el.td(rx.cond(
            c["mine"],
            rx.hstack(rx.text(t("accounts.change_yours"), size="2", color_scheme="gray"),
                      rx.button(t("accounts.change_withdraw"), on_click=s.reject_change(c["id"]), size="1",
                                variant="outline", min_height=TAP, class_name="change-withdraw"),
                      spacing="2", align="center", wrap="wrap"),
            rx.hstack(rx.button(t("accounts.change_approve"), on_click=s.approve_change(c["id"]), size="1",
                                min_height=TAP, class_name="change-approve"),
                      rx.button(t("accounts.change_reject"), on_click=s.reject_change(c["id"]), size="1",
                                variant="outline", color_scheme="red", min_height=TAP, class_name="change-reject"),
                      spacing="2", wrap="wrap"))),
        class_name="change-row")


def _changes() -> rx.Component:
    s = AdminAccountsState
    return rx.card(rx.vstack(
        rx.heading(t("accounts.changes"), size="4", as_="h2"),
        rx.text(t("accounts.changes_note"), size="2", color_scheme="gray"),
        rx.cond(s.changes.length() > 0,
                rx.box(rx.el.table(
                    rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                        "accounts.change_account", "accounts.account_kind", "accounts.change_proposed_by",
                        "accounts.change_proposed_at")], rx.el.th(""))),
                    rx.el.tbody(rx.foreach(s.changes, _change_row)), class_name="results-table", id="changes"),
                    class_name="table-scroll", width="100%"),
                rx.text(t("accounts.changes_none"), size="2", color_scheme="gray", id="changes-none")),
        spacing="2", width="100%", align="start"), width="100%", id="account-changes")


def admin_accounts() -> rx.Component:
    s = AdminAccountsState
    return page(
        guarded(
            s,
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERRORS), color_scheme="red", role="alert",
                                                  icon="triangle-alert", width="100%", id="accounts-error")),
            rx.cond(s.notice, rx.callout(t_var(s.notice_key, NOTICES), color_scheme="green", icon="check",
                                         width="100%", id="accounts-notice")),
            rx.cond(s.password_for != "", rx.callout(
                rx.vstack(rx.text(t("accounts.reset_done"), weight="bold"),
                          rx.hstack(rx.text(s.password_for, weight="bold"),
                                    rx.code(id="once-password", size="5"), spacing="3", align="center"),
                          spacing="1", align="start"),
                icon="key-round", color_scheme="amber", width="100%", id="password-once")),
            rx.flex(
                rx.vstack(
                    _changes(),
                    rx.el.form(
                        rx.el.input(name="q", placeholder=t("accounts.search"), class_name="eval-input",
                                    id="account-search", default_value=s.search, max_length=64),
                        rx.button(rx.icon("search"), t("accounts.search_btn"), type="submit", min_height=TAP),
                        on_submit=s.find, class_name="eval-inline-form", id="search-form"),
                    rx.cond(s.accounts.length() > 0,
                            rx.vstack(rx.foreach(s.accounts, _account_row), width="100%", id="accounts"),
                            rx.text(t("accounts.none"), color_scheme="gray", id="accounts-none")),
                    rx.cond((s.page_no > 1) | s.has_next, pager(s.page_no, s.has_next, s.prev_page, s.next_page,
                                                                "accounts")),
                    spacing="3", flex="2", min_width="340px", width="100%"),
                rx.box(_create_form(), flex="1", min_width="300px", width="100%"),
                gap="24px", wrap="wrap", width="100%", align="start"),
        ),
        title_key="accounts.title", wide=True,
    )
