"""Read models of payments: an officer's batches, and the public money figures for `/results`.

Public figures count only paid payments of paid batches (a returned payment is money that did not arrive), per county
and month, from the totals each batch carries (one row per county and month). No row is shown from fewer than `rules.MIN_HOUSEHOLDS` households (it says so instead),
and the totals add up only the rows shown, so no suppressed figure can be recovered by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.applications.eligibility import rules as elig_rules
from portal.applications.eligibility import services as eligibility
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, region_paths_in_scope
from portal.payments import rules
from portal.payments.models import PaymentBatch
from portal.regions.models import Region, RegionLevel
from portal.reports.models import ReportReward, RewardStatus


@dataclass(frozen=True)
class CountyMonth:
    county_code: str
    county_name: str
    period: str
    suppressed: bool
    households: int = 0
    people: int = 0
    total_fen: int = 0
    per_person_fen: int = 0  # the month's average per person, cut to the fen
    standard_urban_fen: int | None = None
    standard_rural_fen: int | None = None


@dataclass(frozen=True)
class PublicFigures:
    year: int
    rows: list[CountyMonth]
    shown_households: int  # summed over the months shown (household-months)
    shown_total_fen: int
    suppressed_rows: int
    rewards_count: int
    rewards_total_fen: int
    rewards_suppressed: bool


def _standards(session: Session, county: Region, period: str,
               cache: dict[str, list]) -> tuple[int | None, int | None]:
    """The urban and rural standards in force at the month's end (one parameter read per county, not per month)."""
    if county.path not in cache:
        cache[county.path] = eligibility.rows_for(session, county.path)
    params = elig_rules.resolve(cache[county.path], county.path, rules.period_end(period))
    out = []
    for key in (elig_rules.STANDARD_URBAN, elig_rules.STANDARD_RURAL):
        try:
            out.append(params.int(key))
        except elig_rules.ParameterMissing:
            out.append(None)
    return out[0], out[1]


def public_figures(session: Session, year: int, region_path: str = "/") -> PublicFigures:
    """Per county and month of `year` (under `region_path`): households and people paid, total, average per person,
    and the local standard in force at the month's end; plus the year's paid reporting rewards."""
    prefix = f"{year:04d}-"
    # The batches' own totals: one row per county and month, never a pass over the payments themselves.
    grouped = session.execute(
        select(PaymentBatch.county_id, PaymentBatch.period,
               PaymentBatch.household_count - PaymentBatch.returned_count,
               PaymentBatch.people - PaymentBatch.returned_people, PaymentBatch.total_fen - PaymentBatch.returned_fen)
        .where(PaymentBatch.status == rules.BATCH_PAID, PaymentBatch.period >= prefix + "01",
               PaymentBatch.period <= prefix + "12", PaymentBatch.region_path >= region_path,
               PaymentBatch.region_path < region_path + "~")).all()
    counties = {r.id: r for r in session.execute(
        select(Region).where(Region.id.in_({g[0] for g in grouped}))).scalars()} if grouped else {}
    rows: list[CountyMonth] = []
    cache: dict[str, list] = {}
    for county_id, period, households, people, total in grouped:
        county = counties[county_id]
        if rules.suppressed(households):
            rows.append(CountyMonth(county.code, county.name, period, True))
            continue
        rows.append(CountyMonth(
            county.code, county.name, period, False, int(households), int(people), int(total),
            int(total) // max(1, int(people)), *_standards(session, county, period, cache)))
    rows.sort(key=lambda r: (r.county_code, r.period))
    shown = [r for r in rows if not r.suppressed]
    count, reward_total = session.execute(
        select(func.count(ReportReward.id), func.coalesce(func.sum(ReportReward.amount_fen), 0))
        .where(ReportReward.status == RewardStatus.PAID, ReportReward.paid_on >= date(year, 1, 1),
               ReportReward.paid_on <= date(year, 12, 31))).one()
    few = rules.suppressed(int(count)) and int(count) > 0
    return PublicFigures(year, rows, sum(r.households for r in shown), sum(r.total_fen for r in shown),
                         len(rows) - len(shown), 0 if few else int(count), 0 if few else int(reward_total), few)


@dataclass(frozen=True)
class BatchRow:
    id: int
    batch_no: str
    county_name: str
    period: str
    status: str
    households: int
    total_fen: int
    prepared_by: int
    bank_ref: str
    returned_count: int
    returned_fen: int


def batches_for(session: Session, actor: Actor, limit: int = 100) -> list[BatchRow]:
    """The batches of every county the officer (or finance) covers, newest first."""
    paths = region_paths_in_scope(actor, Role.OFFICER) + region_paths_in_scope(actor, Role.FINANCE)
    if not paths:
        return []
    scope = or_(*[(PaymentBatch.region_path >= p) & (PaymentBatch.region_path < p + "~") for p in paths])
    found = session.execute(
        select(PaymentBatch, Region.name).join(Region, Region.id == PaymentBatch.county_id).where(scope)
        .order_by(PaymentBatch.period.desc(), PaymentBatch.id.desc()).limit(limit)).all()
    return [BatchRow(b.id, b.batch_no, name, b.period, b.status, b.household_count, b.total_fen, b.prepared_by,
                     b.bank_ref or "", b.returned_count, b.returned_fen) for b, name in found]


def paid_years(session: Session) -> list[int]:
    """Years with at least one paid batch, newest first."""
    periods = session.execute(select(PaymentBatch.period).where(PaymentBatch.status == rules.BATCH_PAID)
                              .distinct()).scalars().all()
    return sorted({int(p[:4]) for p in periods}, reverse=True)


def public_view(year: int | None) -> tuple[list[int], PublicFigures | None]:
    """For the public page (which opens no session itself): the years on offer and the chosen (or latest) year's
    figures; None when nothing has been paid yet."""
    with session_scope() as session:
        years = paid_years(session)
        if not years:
            return [], None
        chosen = year if year in years else years[0]
        return years, public_figures(session, chosen)


@dataclass(frozen=True)
class OfficerView:
    counties: list[tuple[str, str]]  # (code, name) the officer may prepare batches for
    batches: list[BatchRow]


def officer_view(actor: Actor) -> OfficerView:
    """The officer's page in one read (the page opens no session itself): counties in scope and their batches."""
    with session_scope() as session:
        paths = region_paths_in_scope(actor, Role.OFFICER)
        counties: list[tuple[str, str]] = []
        if paths:
            scope = or_(*[(Region.path >= p) & (Region.path < p + "~") for p in paths])
            counties = [(r.code, r.name) for r in session.execute(
                select(Region).where(scope, Region.level == RegionLevel.COUNTY).order_by(Region.path)).scalars()]
        return OfficerView(counties, batches_for(session, actor))
