"""The application wizard's rules (/apply): the order of its pages, what each page's form shows of the draft, and the
answers each form makes (names trimmed, numbers parsed, what was typed kept beside each figure so a wrong one is shown
back as typed). Pure: no database, no Reflex; `services` stores the answers, `queries` reads a page to show.

A draft's answers (`Application.answers`) are one dict: `village` (a region code), `residence`, `applicant` (name,
phone), `size_typed`, `members` (each with name, relationship, id_number, age, disability_grade, serious_illness,
student, incomes in fen and `typed`, the income boxes as typed), `assets` (deposits in fen and counts),
`assets_typed`, `related` (any, detail) and `consent` (the indexes of the adults who consented).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.applications.eligibility import rules as el
from portal.kernel import money
from portal.register import rules as id_rules

MAX_NAME = 32
MAX_ID_TYPED = 24  # 18 characters plus the spaces people type between groups
GRADES = ("0", "1", "2", "3", "4")
# Income kinds in the order a resident thinks of them: counted first, then what is usually not counted.
INCOME_FIELDS = tuple(el.INCOME_KINDS)
ASSET_FIELDS = ("deposits", "vehicles", "houses", "housing_area", "businesses")
CHECKED = ("yes", "on", True)  # what a ticked checkbox sends


# --- the pages, in order -----------------------------------------------------------------------------------------

def screens(n_members: int) -> list[str]:
    """Every wizard page for a household of `n_members`: a details page and an income page per member."""
    members = [f"member-{i}" for i in range(n_members)] + [f"income-{i}" for i in range(n_members)]
    return ["village", "residence", "applicant", "size", *members, "assets", "related", "consent", "documents",
            "check"]


def kind_of(screen: str) -> str:
    """'member-1' → 'member'."""
    return screen.split("-")[0]


def member_index(screen: str) -> int:
    """The member a member or income page is about ('income-1' → 1); 0 on any other page."""
    parts = screen.split("-")
    return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 0


def progress(n_members: int, screen: str) -> int:
    """How far through the wizard `screen` is, in percent (0 off the wizard's pages)."""
    order = screens(n_members)
    return (order.index(screen) + 1) * 100 // len(order) if screen in order else 0


def next_screen(n_members: int, screen: str, back_to_check: bool) -> str:
    """The page after a clean save: the check page again when the resident came from it to change an answer (except
    the household's size and its members, whose pages follow on), else the next page in order."""
    if back_to_check and screen != "size" and not screen.startswith("member-"):
        return "check"
    order = screens(n_members)
    i = order.index(screen) if screen in order else -1
    return order[min(i + 1, len(order) - 1)]


def previous_screen(n_members: int, screen: str) -> str:
    order = screens(n_members)
    i = order.index(screen) if screen in order else 0
    return order[max(0, i - 1)]


def anchor_for(field: str) -> str:
    """On the check page an error links to the row of the page that holds the field."""
    if field.startswith("member-"):
        parts = field.split("-")
        return f"{'income' if 'income' in parts else 'member'}-{parts[1]}"
    if field == "members":
        return "size"
    if field.startswith("applicant"):
        return "applicant"
    if field in ASSET_FIELDS:
        return "assets"
    return field.split("-")[0]


# --- numbers as residents type them ------------------------------------------------------------------------------

def parse_yuan(text: str) -> int | None:
    """A wizard amount: blank is 0; negative values come back so validation names them."""
    return money.parse_yuan(text, empty=0)


def parse_count(text: str) -> int | None:
    text = (text or "").strip()
    if text.startswith("-") and text[1:].isdigit():
        return -int(text[1:])
    return int(text) if text.isdigit() and len(text) <= 6 else None


def yuan_text(fen: object) -> str:
    """A stored amount as a resident would type it again: '600', '600.5' ('' when it is not an amount)."""
    if isinstance(fen, int) and not isinstance(fen, bool):
        return el.yuan(fen).replace(",", "") if fen % 100 else str(fen // 100)
    return ""


# --- the household in the answers --------------------------------------------------------------------------------

def members_of(answers: dict) -> list[dict]:
    return list((answers or {}).get("members") or [])


def adult_indexes(answers: dict) -> list[int]:
    """The members aged 18 or over (each must consent to the household economic check)."""
    out = []
    for i, m in enumerate(answers.get("members", [])):
        try:
            age = m.get("age", 0)
            if isinstance(age, bool):
                raise ValueError(age)
            if int(age) >= 18:
                out.append(i)
        except (TypeError, ValueError):
            continue
    return out


@dataclass(frozen=True)
class Adult:
    """One adult on the consent page."""

    index: int
    name: str
    consented: bool


def adults(answers: dict) -> list[Adult]:
    members = members_of(answers)
    consent = set(answers.get("consent") or [])
    return [Adult(i, str(members[i].get("name", "")), i in consent) for i in adult_indexes(answers)]


# --- what each page's form shows of the draft --------------------------------------------------------------------

def _residence_form(answers: dict, screen: str) -> dict[str, str]:
    return {"residence": str(answers.get("residence", ""))}


def _applicant_form(answers: dict, screen: str) -> dict[str, str]:
    applicant = answers.get("applicant") or {}
    return {"applicant-name": str(applicant.get("name", "")), "applicant-phone": str(applicant.get("phone", ""))}


def _size_form(answers: dict, screen: str) -> dict[str, str]:
    return {"size": str(answers.get("size_typed", len(members_of(answers)) or ""))}


def _member(answers: dict, screen: str) -> dict:
    i, members = member_index(screen), members_of(answers)
    return members[i] if i < len(members) else {}


def _member_form(answers: dict, screen: str) -> dict[str, str]:
    m = _member(answers, screen)
    return {"name": str(m.get("name", "")), "relationship": str(m.get("relationship", "")),
            "id_number": str(m.get("id_number", "")),
            "age": "" if m.get("age") in (None, "") else str(m.get("age")),
            "disability": str(m.get("disability_grade", 0)),
            "illness": "yes" if m.get("serious_illness") else "",
            "student": "yes" if m.get("student") else ""}


def _income_form(answers: dict, screen: str) -> dict[str, str]:
    m = _member(answers, screen)
    incomes, typed = m.get("incomes") or {}, m.get("typed") or {}
    return {f"income-{k}": str(typed.get(k, yuan_text(incomes.get(k)))) for k in INCOME_FIELDS}


def _assets_form(answers: dict, screen: str) -> dict[str, str]:
    assets, typed = answers.get("assets") or {}, answers.get("assets_typed") or {}
    return {k: str(typed.get(k, yuan_text(assets.get(k)) if k == "deposits" else assets.get(k, "")))
            for k in ASSET_FIELDS}


def _related_form(answers: dict, screen: str) -> dict[str, str]:
    related = answers.get("related") or {}
    return {"any": {True: "yes", False: "no"}.get(related.get("any"), ""),
            "related-detail": str(related.get("detail", ""))}


_FORMS = {"residence": _residence_form, "applicant": _applicant_form, "size": _size_form, "member": _member_form,
          "income": _income_form, "assets": _assets_form, "related": _related_form}


def form_for(answers: dict, screen: str) -> dict[str, str]:
    """The values a page's inputs start with, from the draft (the village page's comes from the region tree: see
    `queries.wizard_page`; the consent, documents and check pages have no inputs of their own)."""
    fill = _FORMS.get(kind_of(screen))
    return fill(answers or {}, screen) if fill else {}


def member_name(answers: dict, screen: str) -> str:
    """Whom a member or income page is about: the member's name, else their number ('2')."""
    if kind_of(screen) not in ("member", "income"):
        return ""
    return str(_member(answers or {}, screen).get("name", "")) or str(member_index(screen) + 1)


# --- what each page's form makes of the answers ------------------------------------------------------------------

def _name(value: object) -> str:
    return " ".join(str(value or "").split())[:MAX_NAME]


def applicant_answer(form: dict) -> dict:
    return {"name": _name(form.get("name", "")), "phone": str(form.get("phone", "")).strip()[:20]}


def with_applicant_named(members: list[dict], name: str) -> list[dict] | None:
    """The applicant is member 1: the members with that name filled in there when it is still empty (None when
    nothing changes)."""
    if not members or members[0].get("name"):
        return None
    return [{**members[0], "name": name}, *members[1:]]


def size_error(n: int | None) -> str:
    """Why a typed household size cannot be taken ('' when it can)."""
    if n is None:
        return "elig.err_number"
    if n < el.MIN_MEMBERS:
        return "elig.err_no_members"
    if n > el.MAX_MEMBERS:
        return "elig.err_too_many_members"
    return ""


def resized(answers: dict, n: int) -> list[dict]:
    """The members for a household of `n`: those already entered stay, in order; new ones are blank, and a first
    member is the applicant."""
    members = members_of(answers)[:n]
    applicant = answers.get("applicant") or {}
    while len(members) < n:
        members.append({"name": applicant.get("name", "") if not members else "",
                        "relationship": "applicant" if not members else "", "incomes": {}})
    return members


@dataclass(frozen=True)
class MemberAnswer:
    fields: dict  # what the page sets on the member
    age_not_a_number: bool  # something was typed for the age that is no number


def member_answer(form: dict) -> MemberAnswer:
    age_text = str(form.get("age", "")).strip()[:4]
    age = parse_count(age_text)
    grade = str(form.get("disability", "0"))
    return MemberAnswer({"name": _name(form.get("name", "")),
                         "relationship": str(form.get("relationship", ""))[:16],
                         "id_number": id_rules.normalize(str(form.get("id_number", "")))[:MAX_ID_TYPED],
                         "age": age if age is not None else -1,
                         "disability_grade": int(grade) if grade in GRADES else 0,
                         "serious_illness": form.get("illness") in CHECKED,
                         "student": form.get("student") in CHECKED},
                        age is None and bool(age_text))


@dataclass(frozen=True)
class Figures:
    """A page of figures: the numbers taken, every box as typed, and the boxes that hold no number."""

    values: dict[str, int]
    typed: dict[str, str]
    not_numbers: tuple[str, ...]


def incomes_answer(form: dict) -> Figures:
    """A member's monthly incomes in fen (blank and 0 left out); a box that is no number keeps its text only."""
    values, typed, bad = {}, {}, []
    for kind in INCOME_FIELDS:
        text = str(form.get(kind, "")).strip()[:16]
        fen = parse_yuan(text)
        if fen is None:
            bad.append(kind)
            typed[kind] = text
        elif fen:
            values[kind] = fen
            typed[kind] = text
    return Figures(values, typed, tuple(bad))


def assets_answer(form: dict) -> Figures:
    """Deposits in fen, the rest counts (blank is 0)."""
    values, typed, bad = {}, {}, []
    for name in ASSET_FIELDS:
        text = str(form.get(name, "")).strip()[:16]
        number = parse_yuan(text) if name == "deposits" else parse_count(text or "0")
        typed[name] = text
        if number is None:
            bad.append(name)
        else:
            values[name] = number
    return Figures(values, typed, tuple(bad))


def related_answer(form: dict) -> dict:
    return {"any": {"yes": True, "no": False}.get(str(form.get("any", ""))),
            "detail": str(form.get("detail", "")).strip()[:200]}
