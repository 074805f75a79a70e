"""Eligibility engine (低保资格与补助测算): a household and the parameters in force → an outcome with its reasons.

Plain Python, no database: `assess(household, params)` is what the screener, the application and the officer's case
view all call, so a resident and an officer always see the same reasons. Money is in 分 (fen, int), never floats.

Rules (DOMAIN.md "Eligibility and benefit"):
* Counted income: wages (minus the local work-cost deduction), net business, property and transfer income.
  Awards, scholarships, social-assistance payments and residents' basic pension (`ALWAYS_EXCLUDED`) are never
  counted; the parameter `income.excluded_kinds` can only add kinds to them (an empty list excludes the four still).
  Each excluded item is shown with what excludes it (the national rule, or the local document).
* Income test: total counted income < standard × household size (strict: exactly at the standard is not eligible),
  i.e. the exact per-capita quotient against the standard. Shown figures are chosen by `compare` so that a
  comparison never reads as false ("1,522.51 below 1,522.51"): more digits, or "slightly below" / "slightly above".
* Asset tests: deposits (incl. securities, commercial insurance) ≤ limit per member × size, vehicles, houses, housing
  area per member, business registrations.
* Benefit (差额补助) = standard × size − counted income, or the local tier (分档) when tiers are set; optionally
  rounded down to whole yuan. A household can be eligible and still get ¥0 (tier of ¥0, or a gap under one yuan):
  that is a different outcome from "not eligible".
* 单人保: when the household fails the income test but is near-poor (counted income < multiple × standard × size)
  and within the asset limits, a member with disability grade 1–2 or a serious illness whose own counted income is
  below the standard may apply alone, for the standard minus their own income. A severe member at or above the
  standard cannot: with no member qualifying the household is a near miss (not eligible, routed), never "¥0".
* Near misses are routed: 低保边缘家庭 (near-poor), 医疗救助 (illness/disability), 临时救助 (sudden hardship).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from portal.kernel.money import yuan

# --- parameters ----------------------------------------------------------------------------------------------------

STANDARD_URBAN = "standard.urban"  # fen per person per month
STANDARD_RURAL = "standard.rural"
DEPOSIT_PER_MEMBER = "asset.deposit_per_member"  # fen
MAX_VEHICLES = "asset.max_vehicles"  # count (disability and farm vehicles are not counted)
MAX_HOUSES = "asset.max_houses"  # count
AREA_PER_MEMBER = "asset.area_per_member"  # m² of housing per member
MAX_BUSINESSES = "asset.max_businesses"  # business registrations
EXCLUDED_KINDS = "income.excluded_kinds"  # kinds a locality adds to ALWAYS_EXCLUDED
WAGE_DEDUCTION = "income.wage_deduction"  # fen per wage earner per month (就业成本)
NEAR_POOR_PERMILLE = "near_poor.multiple_permille"  # 1500 = 1.5 × standard
TIERS = "benefit.tiers"  # [] or [{"below": fen, "per_person": fen}, ...]
ROUND_TO_YUAN = "benefit.round_to_yuan"  # bool

PARAMETER_KEYS = (STANDARD_URBAN, STANDARD_RURAL, DEPOSIT_PER_MEMBER, MAX_VEHICLES, MAX_HOUSES, AREA_PER_MEMBER,
                  MAX_BUSINESSES, EXCLUDED_KINDS, WAGE_DEDUCTION, NEAR_POOR_PERMILLE, TIERS, ROUND_TO_YUAN)

INCOME_KINDS = ("wage", "business", "property", "transfer", "basic_pension", "award", "scholarship",
                "social_assistance", "disability_allowance")
# Never counted, whatever a locality's list says (DOMAIN.md: a locality can only add kinds).
ALWAYS_EXCLUDED = ("basic_pension", "award", "scholarship", "social_assistance")
RELATIONSHIPS = ("applicant", "spouse", "child", "parent", "grandchild", "sibling", "other")
RESIDENCES = ("urban", "rural")

# Outcomes
ELIGIBLE = "eligible"
ELIGIBLE_ZERO = "eligible_zero"
NOT_ELIGIBLE = "not_eligible"
SINGLE_PERSON = "single_person"  # 单人保
NEAR_MISS = "near_miss"
OUTCOMES = (ELIGIBLE, ELIGIBLE_ZERO, NOT_ELIGIBLE, SINGLE_PERSON, NEAR_MISS)

# Other help a household is routed to
ROUTE_EDGE = "edge_family"  # 低保边缘家庭
ROUTE_MEDICAL = "medical"  # 医疗救助
ROUTE_TEMPORARY = "temporary"  # 临时救助
ROUTES = (ROUTE_EDGE, ROUTE_MEDICAL, ROUTE_TEMPORARY)

# Plausibility limits for input (beyond these a figure is a typing error, not a household)
MIN_MEMBERS, MAX_MEMBERS = 1, 20
MAX_AGE = 120
MAX_MONTHLY_INCOME_FEN = 100_000_00  # 100,000 yuan a month per item
MAX_ASSET_FEN = 100_000_000_00  # 100 million yuan
MAX_COUNT = 50
MAX_AREA_M2 = 10_000


class ParameterMissing(LookupError):
    """No value in force for a parameter in this region on this date (an admin must set it)."""


@dataclass(frozen=True)
class Param:
    """One parameter value in force, with where it comes from (文号, effective date, region)."""

    key: str
    value: object
    effective_from: date
    document_no: str
    region_name: str = ""


@dataclass(frozen=True)
class PolicyParams:
    values: Mapping[str, Param]
    on: date

    def get(self, key: str) -> Param:
        try:
            return self.values[key]
        except KeyError:
            raise ParameterMissing(key) from None

    def int(self, key: str) -> int:
        return int(self.get(key).value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ParamRow:
    """A stored parameter row, reduced to what resolution needs (the DB layer builds these)."""

    key: str
    value: object
    effective_from: date
    document_no: str
    region_path: str
    region_name: str = ""
    row_id: int = 0


def resolve(rows: Iterable[ParamRow], region_path: str, on: date) -> PolicyParams:
    """The values in force for `region_path` on `on`: per key, the deepest region on the path that set the key,
    and there the latest effective date not after `on` (a correction on the same date: the later row wins)."""
    best: dict[str, tuple[tuple[int, date, int], ParamRow]] = {}
    for row in rows:
        if not region_path.startswith(row.region_path) or row.effective_from > on:
            continue
        rank = (len(row.region_path), row.effective_from, row.row_id)
        if row.key not in best or rank > best[row.key][0]:
            best[row.key] = (rank, row)
    return PolicyParams({k: Param(r.key, r.value, r.effective_from, r.document_no, r.region_name)
                         for k, (_, r) in best.items()}, on)


def check_value(key: str, value: object) -> object:
    """The value normalised for storage, or ValueError (admins type these in)."""
    if key in (STANDARD_URBAN, STANDARD_RURAL):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000_00:
            raise ValueError(key)
    elif key in (DEPOSIT_PER_MEMBER, WAGE_DEDUCTION):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ASSET_FEN:
            raise ValueError(key)
    elif key in (MAX_VEHICLES, MAX_HOUSES, AREA_PER_MEMBER, MAX_BUSINESSES):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AREA_M2:
            raise ValueError(key)
    elif key == NEAR_POOR_PERMILLE:
        if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value <= 3000:
            raise ValueError(key)
    elif key == EXCLUDED_KINDS:
        if not isinstance(value, list) or any(v not in INCOME_KINDS for v in value):
            raise ValueError(key)
        value = sorted(set(value), key=INCOME_KINDS.index)
    elif key == TIERS:
        if not isinstance(value, list):
            raise ValueError(key)
        tiers = []
        for tier in value:
            if not isinstance(tier, dict) or set(tier) != {"below", "per_person"}:
                raise ValueError(key)
            below, per = tier["below"], tier["per_person"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (below, per)):
                raise ValueError(key)
            tiers.append({"below": below, "per_person": per})
        value = sorted(tiers, key=lambda t: t["below"])
    elif key == ROUND_TO_YUAN:
        if not isinstance(value, bool):
            raise ValueError(key)
    else:
        raise KeyError(key)
    return value


# --- household -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Income:
    kind: str
    monthly_fen: int


@dataclass(frozen=True)
class Member:
    name: str
    relationship: str = "applicant"
    age: int = 40
    disability_grade: int = 0  # 0 none, 1 (most severe) … 4
    serious_illness: bool = False
    student: bool = False
    incomes: tuple[Income, ...] = ()

    @property
    def severe(self) -> bool:
        """Grade 1–2 disability or a serious illness: may apply alone (单人保) in a near-poor household."""
        return self.serious_illness or 1 <= self.disability_grade <= 2

    @property
    def adult(self) -> bool:
        return self.age >= 18


@dataclass(frozen=True)
class Household:
    members: tuple[Member, ...]
    residence: str = "urban"
    deposits_fen: int = 0  # deposits, securities, commercial insurance cash value
    vehicles: int = 0  # not counting disability or farm vehicles
    houses: int = 1
    housing_area_m2: int = 0
    businesses: int = 0
    sudden_hardship: bool = False  # accident, fire, sudden illness: 临时救助


@dataclass(frozen=True)
class FieldError:
    """One invalid input: `field` names the form field (for the error summary link), `key` the message."""

    field: str
    key: str


def validate(household: Household) -> list[FieldError]:
    """Every problem with the input, in form order; [] when the household can be assessed."""
    errors: list[FieldError] = []
    n = len(household.members)
    if n < MIN_MEMBERS:
        errors.append(FieldError("members", "elig.err_no_members"))
    elif n > MAX_MEMBERS:
        errors.append(FieldError("members", "elig.err_too_many_members"))
    if household.residence not in RESIDENCES:
        errors.append(FieldError("residence", "elig.err_choose"))
    for i, m in enumerate(household.members[:MAX_MEMBERS]):
        if not (m.name or "").strip():
            errors.append(FieldError(f"member-{i}-name", "elig.err_name"))
        if m.relationship not in RELATIONSHIPS:
            errors.append(FieldError(f"member-{i}-relationship", "elig.err_choose"))
        if not isinstance(m.age, int) or not 0 <= m.age <= MAX_AGE:
            errors.append(FieldError(f"member-{i}-age", "elig.err_age"))
        if m.disability_grade not in (0, 1, 2, 3, 4):
            errors.append(FieldError(f"member-{i}-disability", "elig.err_choose"))
        for inc in m.incomes:
            if inc.kind not in INCOME_KINDS:
                errors.append(FieldError(f"member-{i}-income-{inc.kind}", "elig.err_choose"))
            elif not isinstance(inc.monthly_fen, int) or inc.monthly_fen < 0:
                errors.append(FieldError(f"member-{i}-income-{inc.kind}", "elig.err_negative"))
            elif inc.monthly_fen > MAX_MONTHLY_INCOME_FEN:
                errors.append(FieldError(f"member-{i}-income-{inc.kind}", "elig.err_absurd"))
    for name, value, cap in (("deposits", household.deposits_fen, MAX_ASSET_FEN),
                             ("vehicles", household.vehicles, MAX_COUNT), ("houses", household.houses, MAX_COUNT),
                             ("housing_area", household.housing_area_m2, MAX_AREA_M2),
                             ("businesses", household.businesses, MAX_COUNT)):
        if not isinstance(value, int) or value < 0:
            errors.append(FieldError(name, "elig.err_negative"))
        elif value > cap:
            errors.append(FieldError(name, "elig.err_too_large"))
    return errors


# --- corrections: a declared value replaced by what a department's record shows ---------------------------------

# The household values a correction may replace (CORRECTION_FIELDS) and the member-level ones: a member's wage, and a
# member taken out of the household (registered dead).
CORRECTION_FIELDS = ("deposits_fen", "vehicles", "houses", "businesses")
MEMBER_WAGE = "member_wage"
MEMBER_REMOVED = "member_removed"


@dataclass(frozen=True)
class Correction:
    """One declared value replaced by a found one. `member` indexes `Household.members` for the member-level
    kinds; `value` is fen, a count, or unused (a removed member)."""

    field: str
    value: int = 0
    member: int | None = None


def corrected(household: Household, corrections: Iterable[Correction]) -> Household:
    """The household with each correction applied, in order (a later one on the same value wins). A member's wage
    becomes the found monthly figure (their other declared kinds stay: departments report wages, pensions and
    contribution bases, not business or property income); a removed member is no longer counted, so the household
    is smaller (a household left with nobody fails `validate`)."""
    values = {f: getattr(household, f) for f in CORRECTION_FIELDS}
    wages: dict[int, int] = {}
    removed: set[int] = set()
    for c in corrections:
        if c.field in CORRECTION_FIELDS:
            values[c.field] = c.value
        elif c.field == MEMBER_WAGE and c.member is not None:
            wages[c.member] = c.value
        elif c.field == MEMBER_REMOVED and c.member is not None:
            removed.add(c.member)
        else:
            raise ValueError(c.field)
    members = []
    for i, m in enumerate(household.members):
        if i in removed:
            continue
        if i in wages:
            kept = tuple(inc for inc in m.incomes if inc.kind != "wage")
            m = replace(m, incomes=(Income("wage", wages[i]), *kept))
        members.append(m)
    return replace(household, members=tuple(members), **values)


# --- assessment ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One reason, as a catalog key and its parameters (amounts already formatted as yuan strings).

    `ok` is True (passes), False (fails) or None (information)."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    ok: bool | None = None


@dataclass(frozen=True)
class Assessment:
    outcome: str
    monthly_amount_fen: int
    household_size: int
    counted_income_fen: int
    per_capita_fen: int
    standard_fen: int
    income_ok: bool
    assets_ok: bool
    lines: tuple[Line, ...]
    routes: tuple[str, ...]
    single_members: tuple[str, ...] = ()
    params_used: tuple[Param, ...] = ()

    @property
    def may_apply(self) -> bool:
        return self.outcome in (ELIGIBLE, ELIGIBLE_ZERO, SINGLE_PERSON)


# How two shown figures relate; the catalog words are f"elig.cmp.{relation}".
RELATIONS = ("below", "slightly_below", "equal", "above", "slightly_above")
MAX_PLACES = 4  # beyond 0.0001 yuan the wording says "slightly" instead of more digits


def compare(a: int, b: int, a_per: int = 1, b_per: int = 1) -> tuple[str, str, str]:
    """(shown a, relation, shown b) for the exact values a/a_per and b/b_per fen.

    The relation is the exact one; the figures get as many decimals as it takes for them to show it (2 when that
    is enough). When even MAX_PLACES decimals show them equal, the relation is "slightly below"/"slightly above"."""
    diff = a * b_per - b * a_per
    exact = "below" if diff < 0 else "above" if diff > 0 else "equal"
    if exact == "equal":
        return yuan(a, a_per), exact, yuan(b, b_per)
    for places in range(2, MAX_PLACES + 1):
        scale = 10 ** (places - 2)
        if a * scale // a_per != b * scale // b_per:  # cut at the same place the order never reverses
            return yuan(a, a_per, places), exact, yuan(b, b_per, places)
    return yuan(a, a_per), "slightly_" + exact, yuan(b, b_per)


def _cite(p: Param) -> dict[str, object]:
    return {"doc": p.document_no, "since": p.effective_from.isoformat()}


def _round(amount: int, params: PolicyParams, lines: list[Line]) -> int:
    if ROUND_TO_YUAN in params.values and params.get(ROUND_TO_YUAN).value and amount % 100:
        rounded = amount - amount % 100
        lines.append(Line("elig.line.rounded", {"before": yuan(amount), "after": yuan(rounded),
                                                **_cite(params.get(ROUND_TO_YUAN))}))
        return rounded
    return amount


def _benefit(total: int, size: int, standard: int, params: PolicyParams, lines: list[Line]) -> int:
    tiers = params.get(TIERS).value if TIERS in params.values else []
    if tiers:
        p = params.get(TIERS)
        for tier in tiers:  # sorted by "below"
            if total < tier["below"] * size:
                amount = tier["per_person"] * size
                lines.append(Line("elig.line.amount_tier", {"below": yuan(tier["below"]),
                                                            "per_person": yuan(tier["per_person"]), "size": size,
                                                            "amount": yuan(amount), **_cite(p)}))
                return _round(amount, params, lines)
        # Under the standard but above every tier bound: the plain gap applies.
    amount = standard * size - total
    # (standard − per capita) × size, written with the total so every shown figure is exact.
    lines.append(Line("elig.line.amount_gap", {"standard": yuan(standard), "size": size, "total": yuan(total),
                                               "amount": yuan(amount)}))
    return _round(amount, params, lines)


def assess(household: Household, params: PolicyParams) -> Assessment:
    """The outcome for a valid household (call `validate` first) under `params` (values in force on its date)."""
    if validate(household):
        raise ValueError("household fails validation")
    used: dict[str, Param] = {}

    def p(key: str) -> Param:
        used[key] = params.get(key)
        return used[key]

    lines: list[Line] = []
    members = household.members
    size = len(members)
    std_param = p(STANDARD_URBAN if household.residence == "urban" else STANDARD_RURAL)
    standard = int(std_param.value)  # type: ignore[arg-type]
    excluded_param = p(EXCLUDED_KINDS)
    local_excluded = set(excluded_param.value)  # type: ignore[arg-type]
    deduction_param = p(WAGE_DEDUCTION)
    deduction = int(deduction_param.value)  # type: ignore[arg-type]

    # 1. Income, item by item.
    own_income: dict[int, int] = {}
    for i, m in enumerate(members):
        counted = 0
        for inc in m.incomes:
            if inc.monthly_fen == 0:
                continue
            if inc.kind in local_excluded:
                lines.append(Line("elig.line.income_excluded", {"member": m.name, "kind": inc.kind,
                                                                "amount": yuan(inc.monthly_fen),
                                                                **_cite(excluded_param)}, None))
                continue
            if inc.kind in ALWAYS_EXCLUDED:
                lines.append(Line("elig.line.income_never_counted", {"member": m.name, "kind": inc.kind,
                                                                     "amount": yuan(inc.monthly_fen)}, None))
                continue
            amount = inc.monthly_fen
            if inc.kind == "wage" and deduction:
                net = max(0, amount - deduction)
                lines.append(Line("elig.line.income_wage", {"member": m.name, "amount": yuan(amount),
                                                            "deduction": yuan(amount - net), "net": yuan(net),
                                                            **_cite(deduction_param)}, None))
                amount = net
            else:
                lines.append(Line("elig.line.income_counted", {"member": m.name, "kind": inc.kind,
                                                               "amount": yuan(amount)}, None))
            counted += amount
        own_income[i] = counted
    total = sum(own_income.values())
    per_capita = total // size
    income_ok = total < standard * size
    shown_pc, relation, shown_std = compare(total, standard, size)
    lines.append(Line("elig.line.income_test" if income_ok else "elig.line.income_test_fail",
                      {"total": yuan(total), "size": size, "per_capita": shown_pc, "relation": relation,
                       "standard": shown_std, "residence": household.residence, **_cite(std_param)}, income_ok))

    # 2. Assets, test by test.
    assets_ok = True

    def asset(key: str, ok: bool, **values: object) -> None:
        nonlocal assets_ok
        assets_ok = assets_ok and ok
        lines.append(Line(key, values, ok))

    dep = p(DEPOSIT_PER_MEMBER)
    limit = int(dep.value) * size  # type: ignore[arg-type]
    asset("elig.line.asset_deposits", household.deposits_fen <= limit, amount=yuan(household.deposits_fen),
          limit=yuan(limit), per_member=yuan(int(dep.value)), size=size, **_cite(dep))  # type: ignore[arg-type]
    veh = p(MAX_VEHICLES)
    asset("elig.line.asset_vehicles", household.vehicles <= int(veh.value), count=household.vehicles,  # type: ignore[arg-type]
          limit=veh.value, **_cite(veh))
    houses = p(MAX_HOUSES)
    asset("elig.line.asset_houses", household.houses <= int(houses.value), count=household.houses,  # type: ignore[arg-type]
          limit=houses.value, **_cite(houses))
    area = p(AREA_PER_MEMBER)
    area_limit = int(area.value) * size  # type: ignore[arg-type]
    asset("elig.line.asset_area", household.housing_area_m2 <= area_limit, area=household.housing_area_m2,
          limit=area_limit, per_member=area.value, size=size, **_cite(area))
    biz = p(MAX_BUSINESSES)
    asset("elig.line.asset_business", household.businesses <= int(biz.value), count=household.businesses,  # type: ignore[arg-type]
          limit=biz.value, **_cite(biz))

    # 3. Outcome and amount.
    routes: list[str] = []
    single: tuple[str, ...] = ()
    amount = 0
    near_param = p(NEAR_POOR_PERMILLE)
    multiple = int(near_param.value)  # type: ignore[arg-type]
    near_poor = total * 1000 < standard * multiple * size
    if income_ok and assets_ok:
        if TIERS in params.values:
            used[TIERS] = params.get(TIERS)
        if ROUND_TO_YUAN in params.values:
            used[ROUND_TO_YUAN] = params.get(ROUND_TO_YUAN)
        amount = _benefit(total, size, standard, params, lines)
        outcome = ELIGIBLE if amount > 0 else ELIGIBLE_ZERO
        if outcome == ELIGIBLE_ZERO:
            lines.append(Line("elig.line.zero", {}, None))
    elif assets_ok and near_poor:
        shown_pc, relation, shown_line = compare(total, standard * multiple, size, 1000)
        lines.append(Line("elig.line.near_poor", {"line": shown_line, "multiple": f"{multiple / 1000:g}",
                                                  "per_capita": shown_pc, "relation": relation,
                                                  **_cite(near_param)}, True))
        if ROUND_TO_YUAN in params.values:
            used[ROUND_TO_YUAN] = params.get(ROUND_TO_YUAN)
        qualifying = []
        for i, m in enumerate(members):
            if not m.severe:
                continue
            shown_own, relation, shown_std = compare(own_income[i], standard)
            if own_income[i] >= standard:
                # At or above the standard alone: nothing to make up, so not a 单人保 case.
                lines.append(Line("elig.line.single_over", {"member": m.name, "own": shown_own,
                                                            "relation": relation, "standard": shown_std,
                                                            **_cite(std_param)}, False))
                continue
            qualifying.append(m.name)
            own = _round(standard - own_income[i], params, lines)
            amount += own
            lines.append(Line("elig.line.single", {"member": m.name, "amount": yuan(own), "standard": shown_std,
                                                   "own": shown_own, **_cite(std_param)}, True))
        if qualifying:
            outcome = SINGLE_PERSON
            single = tuple(qualifying)
            if amount == 0:
                lines.append(Line("elig.line.zero", {}, None))
        else:
            outcome = NEAR_MISS
            routes.append(ROUTE_EDGE)
    else:
        outcome = NOT_ELIGIBLE
    if outcome in (NEAR_MISS, NOT_ELIGIBLE) and any(m.serious_illness or m.disability_grade for m in members):
        routes.append(ROUTE_MEDICAL)
    if household.sudden_hardship:
        routes.append(ROUTE_TEMPORARY)
    return Assessment(outcome=outcome, monthly_amount_fen=amount, household_size=size, counted_income_fen=total,
                      per_capita_fen=per_capita, standard_fen=standard, income_ok=income_ok, assets_ok=assets_ok,
                      lines=tuple(lines), routes=tuple(routes), single_members=single,
                      params_used=tuple(used.values()))


# --- wording -------------------------------------------------------------------------------------------------------

def describe(line: Line, lang: str = "zh") -> str:
    """One reason in plain words, in `lang` (income kinds and residence translated too)."""
    from portal.i18n import text

    params = dict(line.params)
    member = str(params.get("member", ""))
    if member.startswith("@"):  # a stand-in name (the screener asks no names): "@0" → "the applicant" / "member 2"
        index = int(member[1:]) if member[1:].isdigit() else 0
        params["member"] = text("elig.member_applicant", lang) if index == 0 else \
            text("elig.member_n", lang, n=index + 1)
    if "kind" in params:
        params["kind"] = text(f"elig.kind.{params['kind']}", lang)
    if "residence" in params:
        params["residence"] = text(f"elig.residence.{params['residence']}", lang)
    if "relation" in params:
        params["relation"] = text(f"elig.cmp.{params['relation']}", lang)
    if "choice" in params:  # the screener's "您选择了…": the choice's own label
        params["choice"] = text(str(params["choice"]), lang)
    return text(line.key, lang, **params)
