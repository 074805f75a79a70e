"""Every comparison rule at its boundaries: the DuckDB SQL gives exactly the plain-Python reference's hits, and
both give the hits expected by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from portal.applications.eligibility.rules import ParamRow
from portal.verification import rules as vr
from portal.verification.rules import Hit
from portal.verification.services import HH_VIEW, _params_table

COUNTY = "/13/1301/130102/"
OTHER_COUNTY = "/13/1301/130104/"  # no parameters there: no rule runs
H = {f: None for f in ()}


def hh(hid: str, size: int = 1, deposits: int = 0, vehicles: int = 0, houses: int = 0, county: str = COUNTY) -> dict:
    return {"household_id": hid, "region_path": county + "130102001/130102001001/", "township_code": "130102001",
            "size": size, "declared_deposits_fen": deposits, "declared_vehicles": vehicles, "declared_houses": houses,
            "county_path": county, "county_code": county.strip("/").split("/")[-1]}


def mem(hid: str, who: str, income: int = 0) -> dict:
    return {"household_id": hid, "id_hash": who, "declared_income_fen": income}


PARAMS = {
    "deposits": {"asset_limit_per_member_fen": 1000},
    "vehicles": {"max_vehicles": 0, "exempt_types": ["disability_adapted"], "motorcycle_value_limit_fen": 300000},
    "real_estate": {"max_dwellings": 1},
    "business": {"capital_limit_fen": 100000, "roles": ["legal_rep"]},
    "income": {"tolerance_fen": 100},
    "dead": {},
    "duplicate": {},
    "public_staff": {"roles": ["public_employee", "village_cadre"]},
}

# (households, members, records, expected hits) per rule
CASES: dict[str, tuple[list[dict], list[dict], list[dict], set[Hit]]] = {
    "deposits": (
        [hh("at_limit", 2, 500), hh("over", 2), hh("no_records"), hh("two_members_size_one", 1),
         hh("elsewhere", 1, county=OTHER_COUNTY)],
        [mem("at_limit", "a1"), mem("at_limit", "a2"), mem("over", "b1"), mem("no_records", "c1"),
         mem("two_members_size_one", "d1"), mem("two_members_size_one", "d2"), mem("elsewhere", "e1")],
        [{"id_hash": "a1", "account_ref": "acc-a1", "asset_type": "deposit", "balance_fen": 1500},
         {"id_hash": "a2", "account_ref": "acc-a2", "asset_type": "security", "balance_fen": 500},
         {"id_hash": "b1", "account_ref": "acc-b1", "asset_type": "deposit", "balance_fen": 2001},
         {"id_hash": "d1", "account_ref": "acc-d1", "asset_type": "deposit", "balance_fen": 600},
         {"id_hash": "d2", "account_ref": "acc-d2", "asset_type": "security", "balance_fen": 600},
         {"id_hash": "e1", "account_ref": "acc-e1", "asset_type": "deposit", "balance_fen": 10**9}],
        {Hit("over", "", "0", "2001", "acc-b1"), Hit("two_members_size_one", "", "0", "1200", "acc-d1|acc-d2")},
    ),
    "vehicles": (
        [hh("exempt"), hh("moto_over", vehicles=1), hh("car")],
        [mem("exempt", "a"), mem("moto_over", "b"), mem("car", "c")],
        [{"id_hash": "a", "plate": "A1", "vehicle_type": "motorcycle", "value_fen": 300000},
         {"id_hash": "a", "plate": "A2", "vehicle_type": "disability_adapted", "value_fen": 9000000},
         {"id_hash": "b", "plate": "B1", "vehicle_type": "motorcycle", "value_fen": 300001},
         {"id_hash": "c", "plate": "C1", "vehicle_type": "car", "value_fen": 1},
         {"id_hash": "c", "plate": "C2", "vehicle_type": "disability_adapted", "value_fen": 1}],
        {Hit("moto_over", "", "1", "1", "B1"), Hit("car", "", "0", "1", "C1")},
    ),
    "real_estate": (
        [hh("one_home", houses=1), hh("two_homes", houses=1), hh("shop")],
        [mem("one_home", "a"), mem("two_homes", "b1"), mem("two_homes", "b2"), mem("shop", "c")],
        [{"id_hash": "a", "property_ref": "P1", "use": "residential", "area_m2": 60},
         {"id_hash": "b1", "property_ref": "P2", "use": "residential", "area_m2": 60},
         {"id_hash": "b2", "property_ref": "P3", "use": "residential", "area_m2": None},
         {"id_hash": "c", "property_ref": "P4", "use": "commercial", "area_m2": 20}],
        {Hit("two_homes", "", "1", "residential=2;commercial=0", "P2|P3"),
         Hit("shop", "", "0", "residential=0;commercial=1", "P4")},
    ),
    "business": (
        [hh("h")],
        [mem("h", "at"), mem("h", "over"), mem("h", "shareholder")],
        [{"id_hash": "at", "company_ref": "C1", "role": "legal_rep", "registered_capital_fen": 100000},
         {"id_hash": "over", "company_ref": "C2", "role": "legal_rep", "registered_capital_fen": 100001},
         {"id_hash": "over", "company_ref": "C3", "role": "legal_rep", "registered_capital_fen": 50},
         {"id_hash": "shareholder", "company_ref": "C4", "role": "shareholder", "registered_capital_fen": 10**9}],
        {Hit("h", "over", "", "100001", "C2")},
    ),
    "income": (
        [hh("h")],
        [mem("h", "within", 1000), mem("h", "over", 1000), mem("h", "two_payers", 1000), mem("h", "base", 1000),
         mem("h", "nothing", 0)],
        [{"id_hash": "within", "payer_ref": "W1", "income_kind": "wage", "monthly_fen": 1100},
         {"id_hash": "over", "payer_ref": "W2", "income_kind": "wage", "monthly_fen": 1101},
         {"id_hash": "two_payers", "payer_ref": "W3", "income_kind": "wage", "monthly_fen": 600},
         {"id_hash": "two_payers", "payer_ref": "P1", "income_kind": "pension", "monthly_fen": 600},
         {"id_hash": "base", "payer_ref": "S1", "income_kind": "social_insurance", "monthly_fen": 2000},
         {"id_hash": "base", "payer_ref": "F1", "income_kind": "housing_fund", "monthly_fen": 1500},
         {"id_hash": "base", "payer_ref": "W4", "income_kind": "wage", "monthly_fen": 500}],
        {Hit("h", "over", "1000", "1101", "W2"), Hit("h", "two_payers", "1000", "1200", "P1|W3"),
         Hit("h", "base", "1000", "2000", "F1|S1|W4")},
    ),
    "dead": (
        [hh("h")],
        [mem("h", "alive"), mem("h", "dead"), mem("h", "dead_no_date")],
        [{"id_hash": "alive", "record_ref": "R1", "status": "alive", "death_date": None},
         {"id_hash": "dead", "record_ref": "R2", "status": "dead", "death_date": date(2026, 3, 1)},
         {"id_hash": "dead_no_date", "record_ref": "R3", "status": "dead", "death_date": None}],
        {Hit("h", "dead", "", "2026-03-01", "R2"), Hit("h", "dead_no_date", "", "dead", "R3")},
    ),
    "duplicate": (
        [hh("h1"), hh("h2"), hh("h3")],
        [mem("h1", "twice"), mem("h2", "twice"), mem("h3", "once"), mem("h1", "once_h1")],
        [],
        {Hit("h1", "twice", "", "h2", "h2"), Hit("h2", "twice", "", "h1", "h1")},
    ),
    "public_staff": (
        [hh("h1"), hh("h2")],
        [mem("h1", "cadre"), mem("h2", "farmer")],
        [{"id_hash": "cadre", "staff_ref": "S1", "staff_role": "village_cadre", "employer": "村委会"},
         {"id_hash": "cadre", "staff_ref": "S2", "staff_role": "public_employee", "employer": None}],
        {Hit("h1", "cadre", "", "public_employee|village_cadre", "S1|S2")},
    ),
}


def sql_hits(rule: str, households: list[dict], members: list[dict], records: list[dict],
             params: dict[str, dict]) -> set[Hit]:
    con = duckdb.connect()
    base = [{k: v for k, v in h.items() if k not in ("county_path", "county_code")} for h in households]
    hh_arrow = pa.Table.from_pylist(base)
    mem_arrow = pa.Table.from_pylist(members)
    con.register("hh_raw", hh_arrow)
    con.execute("CREATE VIEW hh AS " + HH_VIEW.replace("read_parquet('{path}')", "hh_raw"))
    con.register("mem", mem_arrow)
    con.register("mem_all", mem_arrow)
    if records:
        con.register("src", pa.Table.from_pylist(records))
    rp = {path: vr.RuleParams(1, "doc", v) for path, v in params.items()}
    con.register("p", _params_table(rule, rp))
    rows = con.execute(f"SELECT household_id, id_hash, declared, found, refs FROM ({vr.rule_sql(rule)})").fetchall()
    return {Hit(*r) for r in rows}


@pytest.mark.parametrize("rule", list(vr.RULES))
def test_sql_equals_reference_at_the_boundaries(rule: str):
    households, members, records, expected = CASES[rule]
    params = {COUNTY: vr.check_params(rule, PARAMS[rule])}
    ref = vr.reference(rule, households, members, records, params)
    assert ref == expected
    assert sql_hits(rule, households, members, records, params) == expected


def test_every_rule_has_a_case():
    assert set(CASES) == set(vr.RULES)


def test_fingerprint_sql_equals_python():
    hit = Hit("h1", "abc", "1", "2001", "a|b")
    con = duckdb.connect()
    got = con.execute("SELECT " + vr.FINGERPRINT_SQL.format(rule="'deposits'") + " FROM (SELECT ? AS household_id, "
                      "? AS id_hash, ? AS found, ? AS refs)", [hit.household_id, hit.id_hash, hit.found,
                                                               hit.refs]).fetchone()[0]
    assert got == vr.fingerprint("deposits", hit)


def test_params_are_checked():
    with pytest.raises(ValueError):
        vr.check_params("deposits", {})
    with pytest.raises(ValueError):
        vr.check_params("deposits", {"asset_limit_per_member_fen": -1})
    with pytest.raises(ValueError):
        vr.check_params("vehicles", {"max_vehicles": 0, "exempt_types": ["boat"], "motorcycle_value_limit_fen": 1})
    assert vr.check_params("public_staff", {"roles": ["village_cadre", "public_employee", "village_cadre"]}) == {
        "roles": ["public_employee", "village_cadre"]}


def test_county_rule_overrides_the_province_and_dates_apply():
    rows = [ParamRow("deposits", {"asset_limit_per_member_fen": 1}, date(2025, 1, 1), "省文1", "/13/", "", 1),
            ParamRow("deposits", {"asset_limit_per_member_fen": 2}, date(2025, 1, 1), "县文1", COUNTY, "", 2),
            ParamRow("deposits", {"asset_limit_per_member_fen": 3}, date(2026, 1, 1), "县文2", COUNTY, "", 3)]
    got = vr.params_by_county(rows, [COUNTY, OTHER_COUNTY], date(2025, 6, 1))["deposits"]
    assert got[COUNTY] == vr.RuleParams(2, "县文1", {"asset_limit_per_member_fen": 2})
    assert got[OTHER_COUNTY].rule_row_id == 1
    assert vr.params_by_county(rows, [COUNTY], date(2026, 1, 1))["deposits"][COUNTY].document_no == "县文2"
    assert vr.params_by_county(rows, [COUNTY], date(2024, 1, 1)) == {}


def test_id_number_check_digit():
    assert vr.id_number_ok("11010519491231002X")
    assert not vr.id_number_ok("110105194912310021")
    assert not vr.id_number_ok("11010519491231002")
