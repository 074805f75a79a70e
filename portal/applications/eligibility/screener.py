"""The eligibility screener (/eligibility): at most 10 questions with ranges, judged by the one engine.

A range is judged at both ends (lowest income and savings, then highest): when both ends give the same outcome the
answer is firm; otherwise the result says it depends on the exact figures and gives the range of the estimate.
Questions and their choices are data here, so the page only renders them and tests can walk every path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.applications.eligibility import rules as el
from portal.kernel.money import trimmed

# Choice ranges, yuan per month (income) and yuan (savings): (value, low, high)
INCOME_RANGES = (("none", 0, 0), ("lt500", 1, 499), ("500_1000", 500, 999), ("1000_2000", 1000, 1999),
                 ("2000_3000", 2000, 2999), ("3000_5000", 3000, 4999), ("gt5000", 5000, 20000))
SAVINGS_RANGES = (("lt10k", 0, 9999), ("10k_30k", 10000, 29999), ("30k_60k", 30000, 59999),
                  ("60k_100k", 60000, 99999), ("gt100k", 100000, 1000000))
SIZES = tuple(str(n) for n in range(1, 9))


@dataclass(frozen=True)
class Question:
    name: str
    choices: tuple[str, ...]  # message keys are f"screen.{name}.{choice}"


QUESTIONS: tuple[Question, ...] = (
    Question("township", ()),  # chosen from the region list
    Question("residence", el.RESIDENCES),
    Question("size", SIZES),
    Question("income", tuple(r[0] for r in INCOME_RANGES)),
    Question("savings", tuple(r[0] for r in SAVINGS_RANGES)),
    Question("vehicle", ("no", "yes")),
    Question("houses", ("0", "1", "2")),
    Question("business", ("no", "yes")),
    Question("severe", ("no", "yes")),
    Question("hardship", ("no", "yes")),
)
QUESTION_NAMES = tuple(q.name for q in QUESTIONS)
CHOICE_KEYS = [f"screen.{q.name}.{c}" for q in QUESTIONS for c in q.choices]
assert len(QUESTIONS) <= 10  # DOMAIN.md: a screener takes at most 10 questions

# What to bring (keys); the disability certificate only when someone is severely disabled or ill.
DOCUMENTS = ("screen.doc.id", "screen.doc.hukou", "screen.doc.income", "screen.doc.property")
DOCUMENT_SEVERE = "screen.doc.disability"


# Reasons the screener leaves out: housing area is not asked (it is checked on the application).
UNASKED_LINES = ("elig.line.asset_area",)


# The engine's lines that state a figure the resident never gave (the screener asks ranges): the screener says what
# was chosen instead ("您选择了…"), and the range's verdict, in `_said_as_chosen`.
INCOME_DETAIL_LINES = ("elig.line.income_wage", "elig.line.income_counted", "elig.line.income_excluded",
                       "elig.line.income_never_counted", "elig.line.rounded")


@dataclass(frozen=True)
class ScreenResult:
    outcome: str
    firm: bool  # False: the range straddles a boundary, exact figures decide
    amount_low_fen: int
    amount_high_fen: int
    assessment: el.Assessment  # judged at the low end of the ranges (the most favourable)
    documents: tuple[str, ...]
    worst: el.Assessment | None = None  # judged at the high end
    answers: Mapping[str, str] | None = None

    @property
    def lines(self) -> tuple[el.Line, ...]:
        """The reasons in the resident's own terms: what they chose, the rule it was held against, and whether the
        whole chosen range passes, fails or depends on the exact figures (ok None)."""
        if self.worst is None or self.answers is None:
            return tuple(line for line in self.assessment.lines if line.key not in UNASKED_LINES)
        return _said_as_chosen(self.answers, self.assessment, self.worst, self.amount_low_fen, self.amount_high_fen)


def _verdict(best: el.Line, worst: el.Line | None) -> bool | None:
    return best.ok if worst is None or worst.ok == best.ok else None


def _near_poor_at(a: el.Assessment) -> bool | None:
    """Is the household's counted income below the low-income edge line (standard × multiple) at this end?"""
    param = next((p for p in a.params_used if p.key == el.NEAR_POOR_PERMILLE), None)
    if param is None:
        return None
    return a.counted_income_fen * 1000 < a.standard_fen * int(param.value) * a.household_size  # type: ignore[arg-type]


def _said_as_chosen(answers: Mapping[str, str], best: el.Assessment, worst: el.Assessment, low_fen: int,
                    high_fen: int) -> tuple[el.Line, ...]:
    at_worst = {line.key.removesuffix("_fail"): line for line in worst.lines}
    out: list[el.Line] = []
    deduction: el.Line | None = None  # said after the income line it explains
    for line in best.lines:
        key, p = line.key, line.params
        if key in UNASKED_LINES or key in INCOME_DETAIL_LINES:
            if key == "elig.line.income_wage" and str(p.get("deduction", "0.00")) != "0.00":
                # The full deduction: at the low end of a small range the wage may be less than it.
                high = at_worst.get(key)
                shown = high.params["deduction"] if high is not None else p["deduction"]
                deduction = el.Line("screen.line.deduction", {"deduction": trimmed(shown), "doc": p["doc"]})
            continue
        base = key.removesuffix("_fail")
        ok = _verdict(line, at_worst.get(base))
        cite = {"doc": p.get("doc", ""), "since": p.get("since", "")}
        if base == "elig.line.income_test":
            verdict = {True: "below", False: "above", None: "either"}[ok]
            out.append(el.Line(f"screen.line.income_{verdict}", {
                "choice": f"screen.income.{answers['income']}", "size": p["size"], "residence": p["residence"],
                "standard": trimmed(p["standard"]), **cite}, ok))
            if deduction is not None:
                out.append(deduction)
        elif base == "elig.line.asset_deposits":
            verdict = {True: "within", False: "over", None: "either"}[ok]
            out.append(el.Line(f"screen.line.savings_{verdict}", {
                "choice": f"screen.savings.{answers['savings']}", "limit": trimmed(p["limit"]),
                "per_member": trimmed(p["per_member"]), "size": p["size"], "doc": p["doc"]}, ok))
        elif base in ("elig.line.asset_vehicles", "elig.line.asset_houses", "elig.line.asset_business"):
            question = {"elig.line.asset_vehicles": "vehicle", "elig.line.asset_houses": "houses",
                        "elig.line.asset_business": "business"}[base]
            out.append(el.Line(f"screen.line.{question}", {
                "choice": f"screen.{question}.{answers[question]}", "limit": p["limit"], "doc": p["doc"]}, ok))
        elif base == "elig.line.near_poor":
            # The income against the edge line at both ends, whatever else (savings) changes between them.
            low, high = _near_poor_at(best), _near_poor_at(worst)
            ok = low if low == high else None
            verdict = {True: "below", False: "above", None: "either"}[ok]
            out.append(el.Line(f"screen.line.near_poor_{verdict}", {
                "line": trimmed(p["line"]), "multiple": p["multiple"], **cite}, ok))
        elif base == "elig.line.single_over":
            out.append(el.Line("screen.line.single_over", {"member": p["member"], "standard": trimmed(p["standard"]),
                                                           **cite}, line.ok))
        elif base == "elig.line.single":
            out.append(el.Line("screen.line.single", {"member": p["member"], "standard": trimmed(p["standard"]),
                                                      **cite}, line.ok))
        elif base == "elig.line.amount_gap":
            if low_fen and low_fen != high_fen:
                out.append(el.Line("screen.line.amount_range", {"low": el.yuan(low_fen, trim=True),
                                                               "high": el.yuan(high_fen, trim=True)}))
            else:
                out.append(el.Line("screen.line.amount_upto" if not low_fen else "screen.line.amount_one",
                                   {"amount": el.yuan(high_fen, trim=True)}))
        else:
            out.append(line)
    return tuple(out)


def complete(answers: Mapping[str, str]) -> bool:
    return all(valid(q.name, answers.get(q.name, "")) for q in QUESTIONS if q.choices)


def valid(name: str, value: str) -> bool:
    question = next((q for q in QUESTIONS if q.name == name), None)
    return question is not None and (not question.choices or value in question.choices)


def _range(table, value: str) -> tuple[int, int]:
    for name, low, high in table:
        if name == value:
            return low * 100, high * 100
    raise ValueError(value)


def household(answers: Mapping[str, str], high: bool) -> el.Household:
    """The household at one end of the answered ranges."""
    size = int(answers["size"])
    income = _range(INCOME_RANGES, answers["income"])[1 if high else 0]
    savings = _range(SAVINGS_RANGES, answers["savings"])[1 if high else 0]
    severe = answers["severe"] == "yes"
    members = [el.Member("@0", "applicant", 45, 1 if severe and size == 1 else 0,
                         incomes=(el.Income("wage", income),) if income else ())]
    members += [el.Member(f"@{i}", "other", 45, 1 if severe and i == 1 else 0) for i in range(1, size)]
    # Housing area is not asked (checked on the application): the screener passes it.
    return el.Household(tuple(members), answers["residence"], savings, 1 if answers["vehicle"] == "yes" else 0,
                        int(answers["houses"]), 0, 1 if answers["business"] == "yes" else 0,
                        answers["hardship"] == "yes")


def screen(answers: Mapping[str, str], params: el.PolicyParams) -> ScreenResult:
    """Judge the answers at both ends of their ranges. Raises ValueError when an answer is missing or invalid."""
    if not complete(answers):
        raise ValueError("incomplete answers")
    best = el.assess(household(answers, high=False), params)
    worst = el.assess(household(answers, high=True), params)
    docs = DOCUMENTS + ((DOCUMENT_SEVERE,) if answers["severe"] == "yes" else ())
    return ScreenResult(outcome=best.outcome, firm=best.outcome == worst.outcome,
                        amount_low_fen=worst.monthly_amount_fen if worst.outcome == best.outcome else 0,
                        amount_high_fen=best.monthly_amount_fen, assessment=best, documents=docs, worst=worst,
                        answers=dict(answers))


# --- with the database: the township's parameters and windows ----------------------------------------------------

@dataclass(frozen=True)
class WindowInfo:
    code: str
    name: str
    office: str
    address: str = ""
    phone: str = ""
    tel: str = ""
    hours: str = ""


@dataclass(frozen=True)
class TownshipChoice:
    code: str
    name: str  # "county · township"


def townships(session) -> list[TownshipChoice]:
    """Every township (乡镇/街道) a resident can choose, labelled with its county."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from portal.regions.models import Region, RegionLevel

    county = aliased(Region)
    rows = session.execute(select(Region.code, Region.name, county.name).join(county, county.id == Region.parent_id)
                           .where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.path))
    return [TownshipChoice(code, f"{county_name} · {name}") for code, name, county_name in rows]


def windows_for(session, township_code: str) -> list[WindowInfo]:
    """Active windows of the township and of its county (where a resident can apply in person)."""
    from sqlalchemy import select

    from portal.regions.models import ServiceWindow
    from portal.regions import services as regions

    township = regions.by_code(session, township_code)
    if township is None:
        return []
    ids = [township.id] + ([township.parent_id] if township.parent_id else [])
    rows = session.execute(select(ServiceWindow).where(ServiceWindow.region_id.in_(ids), ServiceWindow.active)
                           .order_by(ServiceWindow.code)).scalars()
    contacts = [(w, regions.contact_of_window(w)) for w in rows]
    return [WindowInfo(w.code, w.name, c.office, c.address, c.phone, c.tel, c.hours) for w, c in contacts]


def params_for_township(session, township_code: str, on) -> el.PolicyParams | None:
    from portal.applications.eligibility import services as eligibility_params
    from portal.regions import services as regions

    township = regions.by_code(session, township_code)
    if township is None:
        return None
    return eligibility_params.params_for(session, township.path, on)
