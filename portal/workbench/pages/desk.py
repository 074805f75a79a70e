"""/todo (今日待办) and /search: the workbench's two pages, for officers, window staff and finance.

States call `workbench.queries` through `SignedInState._perform` (the guard, one unit of work); they hold only what
the table shows. The search box's text is not kept after the answer: ID numbers never stay in the tab's state.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.i18n import MESSAGES
from portal.kernel.permissions import Role
from portal.shell.account import guarded
from portal.shell.args import checked
from portal.shell.i18n import t, t_fmt, t_var
from portal.kernel import routes
from portal.shell.layout import nav_card, page
from portal.shell.session import SignedInState
from portal.workbench import queries

ROLES = (Role.OFFICER, Role.WINDOW_STAFF, Role.FINANCE, Role.SUPERVISOR)
KIND_KEYS = [f"workbench.kind.{k}" for k in (*queries.KINDS, "household", "rating", "window")]
STEP_KEYS = [k for k in MESSAGES if k.startswith(("apply.step.", "report.status.", "workbench.step."))]
STATUS_KEYS = [k for k in MESSAGES if k.startswith(("apply.status.", "report.status.", "workbench.household.",
                                                   "workbench.rating_level."))]
FILTERS = ("all", "overdue", "below")


class TodoRow(TypedDict):
    kind_key: str
    ref: str
    title: str
    step_key: str
    place: str
    due: str
    overdue: bool
    below: bool
    count: int
    href: str


class TodoState(SignedInState):
    rows: list[TodoRow] = []
    total: int = 0
    overdue: int = 0
    below: int = 0
    show: str = "all"

    def _refresh(self) -> None:
        got: list[list[queries.TodoItem]] = []
        self._perform(ROLES, lambda s, a: got.append(queries.todo(s, a)))
        items = got[0] if got else []
        c = queries.counts(items)
        self.total, self.overdue, self.below = c.total, c.overdue, c.below
        if self.show == "overdue":
            items = [i for i in items if i.overdue]
        elif self.show == "below":
            items = [i for i in items if i.overdue and not i.mine]
        self.rows = [TodoRow(kind_key=f"workbench.kind.{i.kind}", ref=i.ref, title=i.title, step_key=i.step,
                             place=i.place, due=i.due_on.isoformat() if i.due_on else "", overdue=i.overdue,
                             below=not i.mine, count=i.count, href=i.href) for i in items]

    @rx.event
    def load(self):
        self.show = "all"
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        self._refresh()

    @rx.event
    @checked
    def set_show(self, value: str):
        self.show = value if value in FILTERS else "all"
        self._refresh()


def _todo_row(r: TodoRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(t_var(r["kind_key"], KIND_KEYS)),
        rx.el.td(rx.cond(r["href"] != "", rx.link(r["ref"], href=r["href"]), r["ref"])),
        rx.el.td(r["title"]),
        rx.el.td(t_var(r["step_key"], STEP_KEYS),
                 rx.cond(r["count"] > 1, rx.el.span(" · ", t_fmt("workbench.count_n", n=r["count"])))),
        rx.el.td(r["place"]),
        rx.el.td(r["due"], " ",
                 rx.cond(r["overdue"], rx.badge(t("workbench.overdue"), color_scheme="red")),
                 rx.cond(r["below"], rx.badge(t("workbench.below"), color_scheme="orange"))),
        class_name=rx.cond(r["overdue"], "overdue", ""),
    )


def _filter(value: str, key: str) -> rx.Component:
    s = TodoState
    return rx.el.label(rx.el.input(type="radio", name="todo-show", value=value, checked=s.show == value,
                                   on_change=lambda _v: s.set_show(value), id=f"todo-show-{value}"),
                       rx.text(t(key)), class_name="wiz-check")


def todo_page() -> rx.Component:
    s = TodoState
    return page(
        guarded(
            s,
            rx.hstack(rx.text(t_fmt("workbench.todo_counts", total=s.total, overdue=s.overdue), weight="bold",
                              id="todo-counts"),
                      rx.cond(s.below > 0, rx.badge(t_fmt("workbench.todo_below", n=s.below), color_scheme="orange",
                                                    id="todo-below")),
                      spacing="3", align="center", wrap="wrap"),
            rx.el.div(
                rx.el.aside(rx.heading(t("officer_apps.filters"), size="3", as_="h2"),
                            _filter("all", "workbench.todo_filter_all"),
                            _filter("overdue", "workbench.todo_filter_overdue"),
                            _filter("below", "workbench.todo_filter_below"),
                            rx.el.button(t("officer_apps.print"), type="button", class_name="screen-back",
                                         on_click=rx.call_script("window.print()"), id="todo-print"),
                            class_name="desk-side"),
                rx.cond(s.rows.length() > 0,
                        rx.el.table(rx.el.thead(rx.el.tr(
                            rx.el.th(t("workbench.h_kind")), rx.el.th(t("workbench.h_ref")),
                            rx.el.th(t("workbench.h_title")), rx.el.th(t("workbench.h_step")),
                            rx.el.th(t("workbench.h_place")), rx.el.th(t("workbench.h_due")))),
                            rx.el.tbody(rx.foreach(s.rows, _todo_row)), class_name="desk-table", id="todo-table"),
                        rx.text(t("workbench.todo_empty"), id="todo-empty")),
                class_name="desk-grid",
            ),
        ),
        title_key="workbench.todo_title", desk=True, tables=True,
    )


class HitRow(TypedDict):
    kind_key: str
    ref: str
    title: str
    place: str
    status_key: str
    href: str


class SearchState(SignedInState):
    hits: list[HitRow] = []
    searched: bool = False

    @rx.event
    def load(self):
        self.hits, self.searched = [], False
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()

    @rx.event
    @checked
    def search(self, form: dict):
        needle = str(form.get("q", ""))[:40]
        got: list[list[queries.Hit]] = []
        actor, _key = self._perform(Role.OFFICER, lambda s, a: got.append(queries.search(s, a, needle)))
        if actor is None:
            self.hits, self.searched = [], False
            return
        self.searched = True
        self.hits = [HitRow(kind_key=f"workbench.kind.{h.kind}", ref=h.ref, title=h.title, place=h.place,
                            status_key=h.status, href=h.href) for h in (got[0] if got else [])]


def _hit_row(h: HitRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(t_var(h["kind_key"], KIND_KEYS)),
        rx.el.td(rx.cond(h["href"] != "", rx.link(h["ref"], href=h["href"], id="hit-" + h["ref"]), h["ref"])),
        rx.el.td(h["title"]),
        rx.el.td(h["place"]),
        rx.el.td(rx.el.span(t_var(h["status_key"], STATUS_KEYS))),
    )


def search_page() -> rx.Component:
    s = SearchState
    return page(
        guarded(
            s,
            rx.el.div(
                rx.el.aside(
                    rx.form(rx.vstack(
                        rx.el.label(t("workbench.search_label"), html_for="search-q", class_name="wiz-label"),
                        rx.el.input(name="q", id="search-q", class_name="wiz-input", max_length=40,
                                    auto_complete="off"),
                        rx.el.button(t("workbench.search_button"), type="submit", class_name="screen-next",
                                     id="search-submit"),
                        rx.text(t("workbench.search_hint"), size="1", color_scheme="gray"),
                        width="100%", spacing="2"),
                        on_submit=s.search, reset_on_submit=False, width="100%"),
                    class_name="desk-side"),
                rx.cond(s.hits.length() > 0,
                        rx.el.table(rx.el.thead(rx.el.tr(
                            rx.el.th(t("workbench.h_kind")), rx.el.th(t("workbench.h_ref")),
                            rx.el.th(t("workbench.h_title")), rx.el.th(t("workbench.h_place")),
                            rx.el.th(t("workbench.h_status")))),
                            rx.el.tbody(rx.foreach(s.hits, _hit_row)), class_name="desk-table", id="search-hits"),
                        rx.cond(s.searched, rx.text(t("workbench.search_none"), id="search-none"),
                                rx.text(t("workbench.search_desc"), size="2"))),
                class_name="desk-grid",
            ),
        ),
        title_key="workbench.search_title", desk=True, tables=True,
    )


class TodoCardState(SignedInState):
    """The counts on the home page's to-do card."""

    total: int = 0
    overdue: int = 0

    @rx.event
    def load(self):
        got: list[list[queries.TodoItem]] = []
        self._perform(ROLES, lambda s, a: got.append(queries.todo(s, a)))
        c = queries.counts(got[0] if got else [])
        self.total, self.overdue = c.total, c.overdue


def todo_card() -> rx.Component:
    """The to-do card with its counts, for every home page whose people have a to-do (load TodoCardState)."""
    s = TodoCardState
    return rx.link(rx.card(rx.hstack(
        rx.icon("list-todo", size=28, color=rx.color("red", 9)),
        rx.vstack(rx.text(t("workbench.todo_title"), weight="bold", size="4"),
                  rx.text(t_fmt("workbench.todo_counts", total=s.total, overdue=s.overdue), size="2",
                          color_scheme=rx.cond(s.overdue > 0, "red", "gray"), id="home-todo-counts"),
                  spacing="1", align="start"),
        rx.spacer(), rx.icon("chevron-right", size=20), align="center", spacing="3", width="100%"),
        width="100%"), href=routes.TODO, underline="none", width="100%", id="go-todo")


def workbench_cards() -> list[rx.Component]:
    return [todo_card(),
            nav_card("workbench.search_title", "workbench.search_desc", routes.SEARCH, "search", "go-search")]
