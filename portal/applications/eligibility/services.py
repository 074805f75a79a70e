"""Eligibility parameters as data (低保标准、资产限额 …): stored per city/county with effective date and 文号.

Rows are never updated or deleted: a change (or a correction) is a new row, audited, so the history stays and
`params_for(session, region, on)` gives exactly the values in force for any case date. A county value overrides
its city's; the city's applies to every county that has not set its own.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.applications.models import EligibilityParameter
from portal.regions.models import Region, RegionLevel
from portal.kernel import money
from portal.kernel import audit
from portal.applications.eligibility import rules as el
from portal.applications.eligibility.rules import PARAMETER_KEYS, ParamRow, PolicyParams, check_value, resolve
from portal.kernel.permissions import Actor, authorize

SETTABLE_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.PROVINCE)
MAX_DOCUMENT_NO = 80


class ParameterError(DomainError):
    """A refused eligibility parameter."""


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def rows_for(session: Session, region_path: str) -> list[ParamRow]:
    """Every stored row that can apply to `region_path` (rows of the region and its ancestors)."""
    stmt = (select(EligibilityParameter, Region.name).join(Region, Region.id == EligibilityParameter.region_id)
            .where(EligibilityParameter.region_path.in_(_ancestor_paths(region_path))))
    return [ParamRow(r.key, r.value, r.effective_from, r.document_no, r.region_path, name, r.id)
            for r, name in session.execute(stmt)]


def params_for(session: Session, region_path: str, on: date) -> PolicyParams:
    return resolve(rows_for(session, region_path), region_path, on)


def set_parameter(session: Session, actor: Actor, region: Region, key: str, value: object, effective_from: date,
                  document_no: str) -> EligibilityParameter:
    """Add a value (admin of the region). The previous value stays in the history. Audited."""
    authorize(actor, Role.ADMIN, region.path)
    if region.level not in SETTABLE_LEVELS:
        raise ParameterError("elig.err_param_level")
    if key not in PARAMETER_KEYS:
        raise ParameterError("elig.err_param_key")
    try:
        value = check_value(key, value)
    except (ValueError, KeyError):
        raise ParameterError("elig.err_param_value") from None
    document_no = " ".join((document_no or "").split())
    if not document_no or len(document_no) > MAX_DOCUMENT_NO:
        raise ParameterError("elig.err_param_document")
    before = resolve(rows_for(session, region.path), region.path, effective_from).values.get(key)
    row = EligibilityParameter(region_id=region.id, region_path=region.path, key=key, value=value,
                               effective_from=effective_from, document_no=document_no, created_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "eligibility.parameter_set", "eligibility_parameter", row.id,
                 region_code=region.code,
                 before={"value": before.value, "document_no": before.document_no,
                         "effective_from": before.effective_from.isoformat()} if before else None,
                 after={"key": key, "value": value, "document_no": document_no,
                        "effective_from": effective_from.isoformat()})
    return row


def set_parameter_at(session: Session, actor: Actor, region_code: str, key: str, text: str, effective_from: date,
                     document_no: str) -> EligibilityParameter:
    """The admin form: `text` as typed (`parse_input`) set at the region with this code (`set_parameter`). An unknown
    code is checked like a region nobody holds."""
    region = session.execute(select(Region).where(Region.code == region_code)).scalar_one_or_none()
    authorize(actor, Role.ADMIN, region.path if region else "/nonexistent/")
    assert region is not None
    return set_parameter(session, actor, region, key, parse_input(key, text), effective_from, document_no)


def history(session: Session, region: Region, key: str | None = None) -> list[EligibilityParameter]:
    """Every value ever set at `region` (newest effective date first)."""
    stmt = select(EligibilityParameter).where(EligibilityParameter.region_id == region.id)
    if key:
        stmt = stmt.where(EligibilityParameter.key == key)
    return list(session.execute(stmt.order_by(EligibilityParameter.effective_from.desc(),
                                              EligibilityParameter.id.desc())).scalars())


def seed(session: Session, region: Region, values: dict[str, object], effective_from: date, document_no: str,
         created_by: str = "system") -> int:
    """Load initial values (demo data, migrations of existing policy) without an actor; skips keys already set
    at this region with this date. Returns how many rows were added."""
    have = {(r.key, r.effective_from) for r in session.execute(
        select(EligibilityParameter).where(EligibilityParameter.region_id == region.id)).scalars()}
    added = 0
    for key, value in values.items():
        if (key, effective_from) in have:
            continue
        session.add(EligibilityParameter(region_id=region.id, region_path=region.path, key=key,
                                         value=check_value(key, value), effective_from=effective_from,
                                         document_no=document_no, created_by=created_by))
        added += 1
    session.flush()
    return added


# --- admin form input and display --------------------------------------------------------------------------------

MONEY_KEYS = (el.STANDARD_URBAN, el.STANDARD_RURAL, el.DEPOSIT_PER_MEMBER, el.WAGE_DEDUCTION)
COUNT_KEYS = (el.MAX_VEHICLES, el.MAX_HOUSES, el.AREA_PER_MEMBER, el.MAX_BUSINESSES)


def _yuan_to_fen(text: str) -> int:
    fen = money.parse_yuan(text)
    if fen is None or fen < 0:
        raise ParameterError("elig.err_param_value")
    return fen


def parse_input(key: str, text: str) -> object:
    """What an admin typed → the stored value. Money in yuan ('1015' or '1015.50'), the near-poor multiple as
    '1.5', excluded kinds as codes separated by commas, tiers as 'below:per_person' pairs in yuan ('300:800, 600:500'),
    rounding as 'yes'/'no'. Raises ParameterError."""
    text = (text or "").strip()
    try:
        if key in MONEY_KEYS:
            value: object = _yuan_to_fen(text)
        elif key in COUNT_KEYS:
            value = int(text)
        elif key == el.NEAR_POOR_PERMILLE:
            value = _yuan_to_fen(text) * 10
        elif key == el.EXCLUDED_KINDS:
            value = [part for part in text.replace(",", " ").split() if part]
        elif key == el.TIERS:
            value = []
            for pair in text.replace(",", " ").split():
                below, _, per = pair.partition(":")
                value.append({"below": _yuan_to_fen(below), "per_person": _yuan_to_fen(per)})
        elif key == el.ROUND_TO_YUAN:
            if text not in ("yes", "no"):
                raise ValueError(text)
            value = text == "yes"
        else:
            raise ParameterError("elig.err_param_key")
        return check_value(key, value)
    except (ValueError, KeyError, TypeError):
        raise ParameterError("elig.err_param_value") from None


def format_value(key: str, value: object) -> str:
    """A stored value as an admin types it (the inverse of `parse_input`)."""
    if key in MONEY_KEYS:
        return el.yuan(int(value)).replace(",", "")  # type: ignore[arg-type]
    if key == el.NEAR_POOR_PERMILLE:
        return f"{int(value) / 1000:g}"  # type: ignore[arg-type]
    if key == el.EXCLUDED_KINDS:
        return ", ".join(value)  # type: ignore[arg-type]
    if key == el.TIERS:
        return ", ".join(f"{el.yuan(t['below']).replace(',', '')}:{el.yuan(t['per_person']).replace(',', '')}"
                         for t in value)  # type: ignore[union-attr]
    if key == el.ROUND_TO_YUAN:
        return "yes" if value else "no"
    return str(value)
