"""Pure rules of the annual and periodic reports: periods, the figure set and its roll-up, the narrative sections,
the workflow's statuses and who reviews whom, and the document number. No database, no Reflex.

Figures are a nested dict of whole numbers only (counts, fen, working-day sums, scores in thousandths), so a city's
figures are exactly the sum of its counties' (`add`), and every average or share is derived when shown (`table`),
never summed.

>>> period_bounds(2026, 0)
(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
>>> period_bounds(2026, 4)
(datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
>>> add({"a": 1, "m": {"x": 2}}, {"a": 3, "m": {"y": 1}})
{'a': 4, 'm': {'x': 2, 'y': 1}}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# --- the workflow ---------------------------------------------------------------------------------------------

DRAFT, SUBMITTED, RETURNED, ACCEPTED, ISSUED = "draft", "submitted", "returned", "accepted", "issued"
STATUSES = (DRAFT, SUBMITTED, RETURNED, ACCEPTED, ISSUED)
EDITABLE = (DRAFT, RETURNED)  # figures recomputable, sections editable, may be submitted
REPORTING_LEVELS = ("county", "city", "province")  # who drafts; counties and cities submit, the province issues
REVIEWER_LEVEL = {"county": "city", "city": "province"}
# The province has nobody above it in the portal: its report is issued (印发), numbered and frozen, and goes to the
# provincial government and the ministry on paper. Issued and accepted reports are final.
FINAL = (ACCEPTED, ISSUED)

# --- the narrative the office writes (the Qinghai notice's five contents, then measures and plans) --------------

SECTIONS = ("policy", "management", "funds", "incidents", "supervision", "plans")
REQUIRED_SECTIONS = SECTIONS[:5]
MAX_SECTION = 5000
MIN_REASON, MAX_REASON = 4, 500


def clean_sections(texts: dict) -> dict[str, str]:
    """Every section as plain text (only the known keys, trimmed, line breaks kept); ValueError when too long."""
    out = {}
    for key in SECTIONS:
        value = texts.get(key, "") if isinstance(texts, dict) else ""
        value = "\n".join(line.rstrip() for line in str(value or "").replace("\r\n", "\n").split("\n")).strip()
        if len(value) > MAX_SECTION:
            raise ValueError(key)
        out[key] = value
    return out


def missing_sections(texts: dict[str, str]) -> list[str]:
    """Required sections still empty (a submission needs each of them)."""
    return [k for k in REQUIRED_SECTIONS if len((texts.get(k) or "").strip()) < 2]


def clean_reason(reason: str) -> str | None:
    reason = " ".join(str(reason or "").split())
    return reason if MIN_REASON <= len(reason) <= MAX_REASON else None


# --- periods --------------------------------------------------------------------------------------------------

def check_period(year: int, quarter: int) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValueError("year")
    if not isinstance(quarter, int) or not 0 <= quarter <= 4:
        raise ValueError("quarter")


def period_bounds(year: int, quarter: int) -> tuple[date, date]:
    """[first day, day after the last) of a year (quarter 0) or of one quarter."""
    check_period(year, quarter)
    if quarter == 0:
        return date(year, 1, 1), date(year + 1, 1, 1)
    first = date(year, 3 * quarter - 2, 1)
    return first, (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1))


def period_months(year: int, quarter: int) -> list[str]:
    months = range(1, 13) if quarter == 0 else range(3 * quarter - 2, 3 * quarter + 1)
    return [f"{year:04d}-{m:02d}" for m in months]


def document_no(template: str, kind: str, region_code: str, year: int, revision: int) -> str:
    """The report's number as filed, from the catalog's template and kind (`annual.document_no`, `annual.kind_*`):
    region, year, the kind of report and the submission's ordinal.

    >>> document_no("{code}({year}){kind}{n}", "Y", "130102", 2026, 1)
    '130102(2026)Y1'
    """
    return template.format(code=region_code, year=year, kind=kind, n=revision)


# --- due dates ------------------------------------------------------------------------------------------------

def _month_day(year: int, mmdd: int, fallback: date) -> date:
    try:
        return date(year, mmdd // 100, mmdd % 100)
    except ValueError:
        return fallback


def working_days_before(cal, day: date, n: int) -> date:
    """The working day `n` working days before `day` (`day` itself counts from the working day on or before it)."""
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    for _ in range(n):
        day -= timedelta(days=1)
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
    return day


def due_dates(year: int, quarter: int, cal, *, city_mmdd: int, county_lead: int,
              province_lag: int) -> dict[str, date]:
    """When each level's report for the period is due. The Qinghai notice has cities report to the province by the
    year's end: the city's annual report is due on the calendar day `city_mmdd` (MMDD, default 1231) of the year,
    a quarter's on the quarter's last day. A county's is due `county_lead` working days before, so the city can
    review and roll it up; the province issues its own `province_lag` working days after the cities' date, once it
    has reviewed theirs. `cal` is the one working-day calendar."""
    first, after = period_bounds(year, quarter)
    last = after - timedelta(days=1)
    city = _month_day(year, city_mmdd, last) if quarter == 0 else last
    return {"county": working_days_before(cal, city, max(0, county_lead)), "city": city,
            "province": cal.add_working_days(city, max(0, province_lag))}


DUE, OVERDUE, ON_TIME, LATE = "due", "overdue", "on_time", "late"
TIMELINESS = (DUE, OVERDUE, ON_TIME, LATE)


def timeliness(due: date, sent_on: date | None, today: date) -> str:
    """Where a report stands against its due date: sent on time or late (by the day it was submitted or issued);
    not yet sent and still due, or overdue."""
    if sent_on is not None:
        return ON_TIME if sent_on <= due else LATE
    return OVERDUE if today > due else DUE


# --- the figure set -------------------------------------------------------------------------------------------

REGISTER_COUNTERS = ("households_start", "members_start", "households_end", "members_end", "admitted_households",
                 "admitted_members", "stopped_households", "stopped_members")
APPLICATION_COUNTERS = ("received", "approved", "refused")
REPORT_COUNTERS = ("received", "concluded", "substantiated", "partly", "rewards_paid", "rewards_fen")
RATING_COUNTERS = ("total", "satisfied")
EVALUATION_COUNTERS = ("results", "scored", "score_milli", "combined_count", "combined_milli", "talks")
SUPERVISION_COUNTERS = ("inspections", "cases_checked", "problems", "rectifications", "rectified", "items_opened",
                    "items_closed", "referrals")
VERIFICATION_COUNTERS = ("findings", "resolved")


def empty(months: list[str]) -> dict:
    """The figure set with every counter at zero (so a quiet county still shows each line, and sums line up)."""
    return {
        "register": dict.fromkeys(REGISTER_COUNTERS, 0), "stop_reasons": {},
        "applications": dict.fromkeys(APPLICATION_COUNTERS, 0), "steps": {},
        "payments": {m: {"fen": 0, "households": 0, "people": 0} for m in months},
        "reports": dict.fromkeys(REPORT_COUNTERS, 0), "ratings": dict.fromkeys(RATING_COUNTERS, 0),
        "evaluations": dict.fromkeys(EVALUATION_COUNTERS, 0), "supervision": dict.fromkeys(SUPERVISION_COUNTERS, 0),
        "accountability": {}, "verification": dict.fromkeys(VERIFICATION_COUNTERS, 0),
    }


def add(a: dict, b: dict) -> dict:
    """The sum of two figure sets, key by key at every depth (a key missing on one side counts as zero)."""
    out: dict = {}
    for key in list(a) + [k for k in b if k not in a]:
        x, y = a.get(key), b.get(key)
        if isinstance(x, dict) or isinstance(y, dict):
            out[key] = add(x or {}, y or {})
        else:
            out[key] = int(x or 0) + int(y or 0)
    return out


def total(figure_sets: list[dict], months: list[str]) -> dict:
    out = empty(months)
    for f in figure_sets:
        out = add(out, f)
    return out


# --- the table every output shows (page, PDF, workbook) ---------------------------------------------------------

INT, YUAN, PERCENT, DAYS, SCORE = "int", "yuan", "percent", "days", "score"
TABLE_SECTIONS = ("register", "applications", "steps", "payments", "reports", "ratings", "evaluations",
                  "supervision", "verification")


@dataclass(frozen=True)
class Row:
    key: str  # catalog key of the line's label: annual.row.<…>
    value: float | int | None  # None: nothing to measure ("—")
    kind: str = INT
    arg: str = ""  # fills {x} in the label: a month, a stop reason
    arg_key: str = ""  # or a catalog key whose text fills {x} (a step's name, an accountability outcome)


@dataclass(frozen=True)
class Section:
    key: str  # annual.fig.<key>
    rows: list[Row]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mean(total_: int, count: int, scale: int = 1) -> float | None:
    return total_ / count / scale if count else None


def table(f: dict, step_kinds: tuple[str, ...] = ()) -> list[Section]:
    """The figure set as labelled lines, section by section; derived values (averages, shares) computed here."""
    f = add(empty(sorted(f.get("payments", {}))), f)
    r, a, rep, rt, ev, sv, vf = (f["register"], f["applications"], f["reports"], f["ratings"], f["evaluations"],
                                 f["supervision"], f["verification"])
    register = [Row(f"annual.row.{k}", r[k]) for k in REGISTER_COUNTERS]
    register += [Row("annual.row.stop_reason", n, arg=reason) for reason, n in
                 sorted(f["stop_reasons"].items(), key=lambda kv: (-kv[1], kv[0]))]
    applications = [Row(f"annual.row.app_{k}", a[k]) for k in APPLICATION_COUNTERS]
    applications.append(Row("annual.row.approval_rate", share(a["approved"], a["approved"] + a["refused"]), PERCENT))
    steps = []
    kinds = [k for k in step_kinds if k in f["steps"]] + sorted(k for k in f["steps"] if k not in step_kinds)
    done = days = overdue = 0
    for kind in kinds:
        s = {"done": 0, "days": 0, "overdue": 0, **f["steps"][kind]}
        done, days, overdue = done + s["done"], days + s["days"], overdue + s["overdue"]
        steps += [Row("annual.row.step_done", s["done"], arg_key=f"apply.step.{kind}"),
                  Row("annual.row.step_days", mean(s["days"], s["done"]), DAYS, arg_key=f"apply.step.{kind}"),
                  Row("annual.row.step_overdue", share(s["overdue"], s["done"]), PERCENT,
                      arg_key=f"apply.step.{kind}")]
    steps = [Row("annual.row.steps_done", done), Row("annual.row.steps_days", mean(days, done), DAYS),
             Row("annual.row.steps_overdue", share(overdue, done), PERCENT)] + steps
    payments = []
    for month in sorted(f["payments"]):
        p = f["payments"][month]
        payments.append(Row("annual.row.paid_month", p["fen"], YUAN, arg=month))
        payments.append(Row("annual.row.paid_households", p["households"], arg=month))
    payments.append(Row("annual.row.paid_total", sum(p["fen"] for p in f["payments"].values()), YUAN))
    reports = [Row(f"annual.row.rep_{k}", rep[k], YUAN if k == "rewards_fen" else INT) for k in REPORT_COUNTERS]
    ratings = [Row("annual.row.ratings_total", rt["total"]), Row("annual.row.ratings_satisfied", rt["satisfied"]),
               Row("annual.row.satisfaction", share(rt["satisfied"], rt["total"]), PERCENT)]
    evaluations = [Row("annual.row.eval_results", ev["results"]),
                   Row("annual.row.eval_score", mean(ev["score_milli"], ev["scored"], 1000), SCORE),
                   Row("annual.row.eval_combined", mean(ev["combined_milli"], ev["combined_count"], 1000), SCORE),
                   Row("annual.row.eval_talks", ev["talks"])]
    supervision = [Row(f"annual.row.sup_{k}", sv[k]) for k in SUPERVISION_COUNTERS]
    supervision += [Row("annual.row.accountability", n, arg_key=f"sup.acc.{k}")
                    for k, n in sorted(f["accountability"].items())]
    verification = [Row("annual.row.ver_findings", vf["findings"]), Row("annual.row.ver_resolved", vf["resolved"])]
    return [Section(k, rows) for k, rows in zip(TABLE_SECTIONS, (
        register, applications, steps, payments, reports, ratings, evaluations, supervision, verification))]


def shown(row: Row) -> str:
    """A value as the page and the PDF print it (the workbook keeps typed cells instead)."""
    v = row.value
    if v is None:
        return "—"
    if row.kind == YUAN:
        fen = int(v)
        return f"¥{fen // 100:,}.{fen % 100:02d}"
    if row.kind == PERCENT:
        return f"{v * 100:.1f}%"
    if row.kind in (DAYS, SCORE):
        return f"{v:.1f}"
    return f"{int(v):,}"
