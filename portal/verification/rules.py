"""Comparison rules and department-file formats, as data and as SQL (pure: no database, no I/O).

Each rule is expressed twice: `rule_sql` gives the DuckDB query the engine runs over Parquet, and `reference`
is a plain-Python reading of the same rule that the unit tests run on small crafted data to cross-check the SQL.
Both produce `Hit` rows with the same text for the declared and found values, so they compare exactly.

Tables the SQL expects (set up by the engine, see docs/verification.md):
  hh(household_id, region_path, township_code, county_code, county_path, size, declared_deposits_fen,
     declared_vehicles, declared_houses)                -- the active households being verified
  mem(household_id, id_hash, declared_income_fen)        -- their members
  mem_all(household_id, id_hash)                         -- members of every active household (duplicate check)
  src                                                    -- the latest batch of the rule's source kind
  p(county_path, rule_row_id, document_no, <params>)     -- the rule's parameters in force per county
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.applications.eligibility.rules import ParamRow, resolve

# --- department files ----------------------------------------------------------------------------------------

MONEY = "money"  # yuan with at most 2 decimals in the file; stored as fen (BIGINT) in the batch
TEXT = "text"
ENUM = "enum"
DATE = "date"
INT = "int"

VEHICLE_TYPES = ("car", "truck", "motorcycle", "disability_adapted", "agricultural")
BUSINESS_ROLES = ("legal_rep", "shareholder")
STAFF_ROLES = ("public_employee", "village_cadre")
INCOME_KINDS = ("wage", "pension", "social_insurance", "housing_fund")
WAGE_KINDS = ("wage", "pension")  # paid amounts: they add up
BASE_KINDS = ("social_insurance", "housing_fund")  # contribution bases: each implies the wage it is based on


@dataclass(frozen=True)
class Column:
    name: str  # in the file
    kind: str
    choices: tuple[str, ...] = ()
    required: bool = True

    @property
    def stored(self) -> str:
        """The column's name in the stored batch (money columns become fen)."""
        return self.name[: -len("_yuan")] + "_fen" if self.kind == MONEY else self.name


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    ref: str  # the column naming the record (account, property, plate, company …): cited in findings
    columns: tuple[Column, ...]


# Every file also has the person: `id_number` (18 characters, GB 11643 check digit) or `id_hash` (already keyed).
SOURCES: dict[str, SourceSpec] = {s.kind: s for s in (
    SourceSpec("deposits", "account_ref", (Column("account_ref", TEXT), Column("asset_type", ENUM, ("deposit", "security")),
                                           Column("balance_yuan", MONEY))),
    SourceSpec("real_estate", "property_ref", (Column("property_ref", TEXT),
                                               Column("use", ENUM, ("residential", "commercial")),
                                               Column("area_m2", INT, required=False))),
    SourceSpec("vehicles", "plate", (Column("plate", TEXT), Column("vehicle_type", ENUM, VEHICLE_TYPES),
                                     Column("value_yuan", MONEY))),
    SourceSpec("business", "company_ref", (Column("company_ref", TEXT), Column("role", ENUM, BUSINESS_ROLES),
                                           Column("registered_capital_yuan", MONEY))),
    SourceSpec("hukou", "record_ref", (Column("record_ref", TEXT), Column("status", ENUM, ("alive", "dead")),
                                       Column("death_date", DATE, required=False))),
    SourceSpec("income", "payer_ref", (Column("payer_ref", TEXT), Column("income_kind", ENUM, INCOME_KINDS),
                                       Column("monthly_yuan", MONEY))),
    SourceSpec("public_staff", "staff_ref", (Column("staff_ref", TEXT), Column("staff_role", ENUM, STAFF_ROLES),
                                             Column("employer", TEXT, required=False))),
)}
PERSON_COLUMNS = ("id_number", "id_hash")
MAX_TEXT = 64
MAX_ERRORS_REPORTED = 200

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_ok(text: str) -> bool:
    """GB 11643: 17 digits and a check character (the weighted sum mod 11 → 1 0 X 9 8 7 6 5 4 3 2)."""
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        return False
    return ID_CHECK[sum(int(c) * w for c, w in zip(text[:17], ID_WEIGHTS)) % 11] == text[17]


def file_columns_problem(spec: SourceSpec, header: Iterable[str]) -> tuple[str, str] | None:
    """(reason key, detail) when the header is not this source's, else None."""
    header = [h.strip() for h in header]
    persons = [h for h in header if h in PERSON_COLUMNS]
    allowed = set(PERSON_COLUMNS) | {c.name for c in spec.columns}
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if len(persons) != 1:
        missing.insert(0, "id_number|id_hash")
    unknown = [h for h in header if h not in allowed]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append("missing: " + ", ".join(missing))
        if unknown:
            parts.append("unknown: " + ", ".join(unknown))
        if duplicated:
            parts.append("repeated: " + ", ".join(duplicated))
        return "verify.err_columns", "; ".join(parts)
    return None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _id_check_sql(col: str) -> str:
    terms = " + ".join(f"CAST(substr({col}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return f"substr({_q(ID_CHECK)}, (({terms}) % 11) + 1, 1) = substr({col}, 18, 1)"


def column_check_sql(col: Column | str, present: bool = True) -> str:
    """A SQL expression over a VARCHAR column giving the reason key of a bad value, or NULL when it is fine."""
    if isinstance(col, str):  # the person column
        c = f'"{col}"'
        if col == "id_hash":
            return (f"CASE WHEN {c} IS NULL OR trim({c}) = '' THEN 'verify.err_missing' "
                    f"WHEN NOT regexp_full_match({c}, '[0-9a-f]{{64}}') THEN 'verify.err_id_hash' END")
        return (f"CASE WHEN {c} IS NULL OR trim({c}) = '' THEN 'verify.err_missing' "
                f"WHEN NOT regexp_full_match({c}, '[0-9]{{17}}[0-9X]') THEN 'verify.err_id_format' "
                f"WHEN NOT ({_id_check_sql(c)}) THEN 'verify.err_id_check' END")
    if not present:
        return "NULL"
    c = f'"{col.name}"'
    empty = f"{c} IS NULL OR trim({c}) = ''"
    missing = "'verify.err_missing'" if col.required else "NULL"
    if col.kind == TEXT:
        bad = f"WHEN length({c}) > {MAX_TEXT} THEN 'verify.err_too_long'"
    elif col.kind == ENUM:
        bad = f"WHEN {c} NOT IN ({', '.join(_q(x) for x in col.choices)}) THEN 'verify.err_choice'"
    elif col.kind == MONEY:
        bad = f"WHEN NOT regexp_full_match(trim({c}), '[0-9]{{1,13}}(\\.[0-9]{{1,2}})?') THEN 'verify.err_money'"
    elif col.kind == INT:
        bad = f"WHEN NOT regexp_full_match(trim({c}), '[0-9]{{1,9}}') THEN 'verify.err_integer'"
    else:  # DATE
        bad = (f"WHEN NOT regexp_full_match(trim({c}), '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
               f"OR try_cast(trim({c}) AS DATE) IS NULL THEN 'verify.err_date'")
    return f"CASE WHEN {empty} THEN {missing} {bad} END"


def typed_column_sql(col: Column, present: bool = True) -> str:
    """The stored, typed value of a validated VARCHAR column."""
    if not present:
        return f"NULL AS {col.stored}"
    c = f'"{col.name}"'
    if col.kind == MONEY:
        return f"CAST(round(CAST(trim({c}) AS DECIMAL(18,2)) * 100) AS BIGINT) AS {col.stored}"
    if col.kind == INT:
        return f"CAST(NULLIF(trim({c}), '') AS INTEGER) AS {col.stored}"
    if col.kind == DATE:
        return f"CAST(NULLIF(trim({c}), '') AS DATE) AS {col.stored}"
    return f"trim({c}) AS {col.stored}"


# --- comparison rules ----------------------------------------------------------------------------------------

HIGH, MEDIUM = "high", "medium"
COUNTY, TOWNSHIP = "county", "township"

# Parameter types: money in fen, counts, and lists of codes.
P_MONEY, P_COUNT = "money", "count"


@dataclass(frozen=True)
class RuleSpec:
    key: str
    source: str | None  # None: the register itself
    severity: str
    routed_to: str
    params: Mapping[str, object]  # name → P_MONEY, P_COUNT or the tuple of allowed codes for a list


RULES: dict[str, RuleSpec] = {r.key: r for r in (
    RuleSpec("deposits", "deposits", HIGH, TOWNSHIP, {"asset_limit_per_member_fen": P_MONEY}),
    RuleSpec("vehicles", "vehicles", MEDIUM, TOWNSHIP, {"max_vehicles": P_COUNT, "exempt_types": VEHICLE_TYPES,
                                                         "motorcycle_value_limit_fen": P_MONEY}),
    RuleSpec("real_estate", "real_estate", MEDIUM, TOWNSHIP, {"max_dwellings": P_COUNT}),
    RuleSpec("business", "business", HIGH, TOWNSHIP, {"capital_limit_fen": P_MONEY, "roles": BUSINESS_ROLES}),
    RuleSpec("income", "income", MEDIUM, TOWNSHIP, {"tolerance_fen": P_MONEY}),
    RuleSpec("dead", "hukou", HIGH, TOWNSHIP, {}),
    RuleSpec("duplicate", None, HIGH, TOWNSHIP, {}),
    RuleSpec("public_staff", "public_staff", HIGH, COUNTY, {"roles": STAFF_ROLES}),
)}
MAX_PARAM_FEN = 10**13
# A dated row with exactly these parameters switches the rule off for its region from its date (history kept;
# switching it on again is a later row with parameters).
DISABLED = {"disabled": True}


def check_params(rule: str, params: object) -> dict:
    """The parameters normalised for storage, or ValueError (admins type these in)."""
    spec = RULES[rule]
    if params == DISABLED:
        return dict(DISABLED)
    if not isinstance(params, dict) or set(params) != set(spec.params):
        raise ValueError(rule)
    out: dict[str, object] = {}
    for name, kind in spec.params.items():
        value = params[name]
        if kind in (P_MONEY, P_COUNT):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PARAM_FEN:
                raise ValueError(name)
        else:
            if not isinstance(value, list) or any(v not in kind for v in value):  # type: ignore[operator]
                raise ValueError(name)
            value = sorted(set(value), key=kind.index)  # type: ignore[union-attr]
        out[name] = value
    return out


@dataclass(frozen=True)
class RuleParams:
    rule_row_id: int
    document_no: str
    values: Mapping[str, object]


def params_by_county(rows: Iterable[ParamRow], county_paths: Iterable[str], on: date) -> dict[str, dict[str, RuleParams]]:
    """rule → county path → the parameters in force there on `on` (the most specific region's latest row wins,
    as for the eligibility parameters). A county with no row for a rule, or whose row in force is DISABLED, is left
    out: the rule does not run there."""
    rows = list(rows)
    out: dict[str, dict[str, RuleParams]] = defaultdict(dict)
    for path in county_paths:
        for key, param in resolve(rows, path, on).values.items():
            # resolve() hands back the winning row's own value object: identity finds the row (and its id).
            row = next(r for r in rows if r.key == key and r.value is param.value)
            if param.value == DISABLED:
                continue
            out[key][path] = RuleParams(row.row_id, param.document_no, param.value)  # type: ignore[arg-type]
    return dict(out)


@dataclass(frozen=True, order=True)
class Hit:
    """One finding as a rule produces it, before the engine adds provenance."""

    household_id: str
    id_hash: str  # '' for a household-level finding
    declared: str
    found: str
    refs: str  # the cited records, sorted, joined with '|'


def fingerprint(rule: str, hit: Hit) -> str:
    raw = "\x1f".join((hit.household_id, hit.id_hash, rule, hit.found, hit.refs))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


FINGERPRINT_SQL = ("sha256(household_id || chr(31) || id_hash || chr(31) || {rule} || chr(31) || found || chr(31) "
                   "|| refs)")

_SELECT_HH = ("h.household_id, {member} AS id_hash, {declared} AS declared, {found} AS found, {refs} AS refs, "
              "h.township_code, h.county_code, p.rule_row_id, p.document_no")
_FROM = ("FROM hh h JOIN p ON p.county_path = h.county_path JOIN mem m ON m.household_id = h.household_id "
         "JOIN src r ON r.id_hash = m.id_hash")


def _select(member: str, declared: str, found: str, refs: str) -> str:
    return "SELECT " + _SELECT_HH.format(member=member, declared=declared, found=found, refs=refs)


def _agg(col: str) -> str:
    return f"string_agg(r.{col}, '|' ORDER BY r.{col})"


def rule_sql(rule: str) -> str:
    """The DuckDB query giving this rule's hits (columns of `Hit` plus township, county and the parameter row)."""
    if rule == "deposits":
        return (_select("''", "CAST(h.declared_deposits_fen AS VARCHAR)", "CAST(SUM(r.balance_fen) AS VARCHAR)",
                        _agg("account_ref")) + f" {_FROM} GROUP BY ALL "
                "HAVING SUM(r.balance_fen) > MAX(p.asset_limit_per_member_fen) * MAX(h.size)")
    if rule == "vehicles":
        return (_select("''", "CAST(h.declared_vehicles AS VARCHAR)", "CAST(COUNT(*) AS VARCHAR)", _agg("plate"))
                + f" {_FROM} WHERE NOT list_contains(p.exempt_types, r.vehicle_type) AND NOT "
                "(r.vehicle_type = 'motorcycle' AND r.value_fen <= p.motorcycle_value_limit_fen) "
                "GROUP BY ALL HAVING COUNT(*) > MAX(p.max_vehicles)")
    if rule == "real_estate":
        res = "SUM(CASE WHEN r.use = 'residential' THEN 1 ELSE 0 END)"
        com = "SUM(CASE WHEN r.use = 'commercial' THEN 1 ELSE 0 END)"
        return (_select("''", "CAST(h.declared_houses AS VARCHAR)",
                        f"'residential=' || CAST({res} AS VARCHAR) || ';commercial=' || CAST({com} AS VARCHAR)",
                        _agg("property_ref"))
                + f" {_FROM} GROUP BY ALL HAVING {res} > MAX(p.max_dwellings) OR {com} > 0")
    if rule == "business":
        return (_select("m.id_hash", "''", "CAST(MAX(r.registered_capital_fen) AS VARCHAR)", _agg("company_ref"))
                + f" {_FROM} WHERE r.registered_capital_fen > p.capital_limit_fen AND list_contains(p.roles, r.role) "
                "GROUP BY ALL")
    if rule == "income":
        implied = (f"GREATEST(SUM(CASE WHEN r.income_kind IN ('wage', 'pension') THEN r.monthly_fen ELSE 0 END), "
                   f"MAX(CASE WHEN r.income_kind IN ('social_insurance', 'housing_fund') THEN r.monthly_fen ELSE 0 END))")
        return (_select("m.id_hash", "CAST(m.declared_income_fen AS VARCHAR)", f"CAST({implied} AS VARCHAR)",
                        _agg("payer_ref"))
                + f" {_FROM} GROUP BY ALL HAVING {implied} > MAX(m.declared_income_fen) + MAX(p.tolerance_fen)")
    if rule == "dead":
        return (_select("m.id_hash", "''", "COALESCE(CAST(MIN(r.death_date) AS VARCHAR), 'dead')", _agg("record_ref"))
                + f" {_FROM} WHERE r.status = 'dead' GROUP BY ALL")
    if rule == "duplicate":
        others = "string_agg(DISTINCT o.household_id, '|' ORDER BY o.household_id)"
        return ("WITH multi AS (SELECT id_hash FROM mem_all GROUP BY id_hash HAVING COUNT(DISTINCT household_id) > 1) "
                + _select("m.id_hash", "''", others, others)
                + " FROM hh h JOIN p ON p.county_path = h.county_path JOIN mem m ON m.household_id = h.household_id "
                "JOIN multi ON multi.id_hash = m.id_hash "
                "JOIN mem_all o ON o.id_hash = m.id_hash AND o.household_id <> h.household_id GROUP BY ALL")
    if rule == "public_staff":
        return (_select("m.id_hash", "''", "string_agg(DISTINCT r.staff_role, '|' ORDER BY r.staff_role)",
                        _agg("staff_ref"))
                + f" {_FROM} WHERE list_contains(p.roles, r.staff_role) GROUP BY ALL")
    raise KeyError(rule)


# --- the plain-Python reading of the same rules (tests cross-check the SQL against it) ----------------------------

def reference(rule: str, households: list[dict], members: list[dict], records: list[dict],
              params: Mapping[str, Mapping[str, object]], all_members: list[dict] | None = None) -> set[Hit]:
    """The hits of `rule`; `params` maps a county path to the rule's parameter values (no entry: rule not in force).
    Rows are dicts with the columns named in the module docstring (records: the stored batch columns)."""
    all_members = members if all_members is None else all_members
    by_person: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        by_person[rec["id_hash"]].append(rec)
    members_of: dict[str, list[dict]] = defaultdict(list)
    for m in members:
        members_of[m["household_id"]].append(m)
    homes: dict[str, set[str]] = defaultdict(set)
    for m in all_members:
        homes[m["id_hash"]].add(m["household_id"])
    hits: set[Hit] = set()

    def refs(recs: list[dict], col: str) -> str:
        return "|".join(sorted(r[col] for r in recs))

    for h in households:
        p = params.get(h["county_path"])
        if p is None:
            continue
        hid = h["household_id"]
        mems = members_of[hid]
        recs = [r for m in mems for r in by_person[m["id_hash"]]]
        if rule == "deposits":
            total = sum(r["balance_fen"] for r in recs)
            if recs and total > p["asset_limit_per_member_fen"] * h["size"]:  # type: ignore[operator]
                hits.add(Hit(hid, "", str(h["declared_deposits_fen"]), str(total), refs(recs, "account_ref")))
        elif rule == "vehicles":
            counted = [r for r in recs if r["vehicle_type"] not in p["exempt_types"]  # type: ignore[operator]
                       and not (r["vehicle_type"] == "motorcycle"
                                and r["value_fen"] <= p["motorcycle_value_limit_fen"])]  # type: ignore[operator]
            if len(counted) > p["max_vehicles"]:  # type: ignore[operator]
                hits.add(Hit(hid, "", str(h["declared_vehicles"]), str(len(counted)), refs(counted, "plate")))
        elif rule == "real_estate":
            res = sum(r["use"] == "residential" for r in recs)
            com = sum(r["use"] == "commercial" for r in recs)
            if recs and (res > p["max_dwellings"] or com > 0):  # type: ignore[operator]
                hits.add(Hit(hid, "", str(h["declared_houses"]), f"residential={res};commercial={com}",
                             refs(recs, "property_ref")))
        else:
            for m in mems:
                own = by_person[m["id_hash"]]
                hit = _member_hit(rule, hid, m, own, p, homes, refs)
                if hit:
                    hits.add(hit)
    return hits


def _member_hit(rule: str, hid: str, m: dict, own: list[dict], p: Mapping[str, object], homes, refs) -> Hit | None:
    who = m["id_hash"]
    if rule == "business":
        big = [r for r in own if r["registered_capital_fen"] > p["capital_limit_fen"]  # type: ignore[operator]
               and r["role"] in p["roles"]]  # type: ignore[operator]
        if big:
            return Hit(hid, who, "", str(max(r["registered_capital_fen"] for r in big)), refs(big, "company_ref"))
    elif rule == "income":
        if own:
            paid = sum(r["monthly_fen"] for r in own if r["income_kind"] in WAGE_KINDS)
            base = max((r["monthly_fen"] for r in own if r["income_kind"] in BASE_KINDS), default=0)
            implied = max(paid, base)
            if implied > m["declared_income_fen"] + p["tolerance_fen"]:  # type: ignore[operator]
                return Hit(hid, who, str(m["declared_income_fen"]), str(implied), refs(own, "payer_ref"))
    elif rule == "dead":
        dead = [r for r in own if r["status"] == "dead"]
        if dead:
            dates = [r["death_date"] for r in dead if r.get("death_date")]
            return Hit(hid, who, "", min(dates).isoformat() if dates else "dead", refs(dead, "record_ref"))
    elif rule == "duplicate":
        others = sorted(homes[who] - {hid})
        if others:
            return Hit(hid, who, "", "|".join(others), "|".join(others))
    elif rule == "public_staff":
        staff = [r for r in own if r["staff_role"] in p["roles"]]  # type: ignore[operator]
        if staff:
            roles = "|".join(sorted({r["staff_role"] for r in staff}))
            return Hit(hid, who, "", roles, refs(staff, "staff_ref"))
    else:
        raise KeyError(rule)
    return None
