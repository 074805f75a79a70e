"""Performance scores and the reward pool (以奖代补).

A county's score is computed from the portal's own data for a year, term by term (`rules.TERMS`), with the weight
set in force at the year's end (dated rows with their document number). A city's score comes from its counties
(weighted by recipients). The province's reward pool is shared among counties scoring at least the floor by
`rules.allocate` (largest remainder, exact to the fen), decided by one person with every score and term frozen in the
decision, then approved (published) or rejected with a reason by a second person. Every step is audited.
A term with nothing to measure (no ratings, no recipients, no month due) scores 0 points and says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.kernel import audit
from portal.kernel.base import utcnow
from portal.kernel.permissions import Actor, authorize
from portal.kernel.workdays import CHINA_TZ, china_date
from portal.payments import rules as pay_rules
from portal.payments.models import PaymentBatch
from portal.ratings.models import Rating, RatingStatus
from portal.regions import services as regions
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.register.models import STATUS_ACTIVE, Household, Member
from portal.reporting import rules
from portal.reporting.models import (APPROVED, DECIDED, REJECTED, STANDING, STANDING_POOL_INDEX, RewardPool,
                                     ScoreWeight)
from portal.reports.models import Report, ReportOutcome

NOWHERE = "/nonexistent/"
POOL_STATUSES = (DECIDED, APPROVED, REJECTED)
MAX_DOCUMENT = 80

ACTION_WEIGHTS = "reporting.set_weights"
ACTION_DECIDE = "reporting.pool_decide"
ACTION_APPROVE = "reporting.pool_approve"
ACTION_REJECT = "reporting.pool_reject"


class ReportingError(DomainError):
    """A refused reporting action."""


def _province(session: Session, actor: Actor | None, code: str, roles) -> Region:
    region = regions.by_code(session, (code or "")[:20])
    ok = region is not None and region.level == RegionLevel.PROVINCE
    authorize(actor, roles, region.path if ok else NOWHERE)
    assert region is not None
    return region


def set_weights(session: Session, actor: Actor | None, province_code: str, weights: dict[str, int],
                effective_from: date, document_no: str, *, now: datetime | None = None) -> list[ScoreWeight]:
    """A new weight set for the province's scores, from a date, under a document number (a provincial admin's or
    officer's act). Append-only: a later set replaces the whole set from its date; none is edited."""
    now = now or utcnow()
    province = _province(session, actor, province_code, (Role.ADMIN, Role.OFFICER))
    assert actor is not None
    try:
        rules.check_weights(weights)
    except ValueError:
        raise ReportingError("reporting.err_weights") from None
    document_no = " ".join((document_no or "").split())
    if not 2 <= len(document_no) <= MAX_DOCUMENT:
        raise ReportingError("reporting.err_document")
    rows = [ScoreWeight(region_path=province.path, term=term, weight_permille=weights[term],
                        effective_from=effective_from, document_no=document_no, created_by=actor.username,
                        created_at=now) for term in rules.TERMS]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, ACTION_WEIGHTS, "score_weight", f"{province.code}:{effective_from}",
                 region_code=province.code, at=now, after={"weights": weights, "document_no": document_no})
    return rows


@dataclass(frozen=True)
class WeightSet:
    effective_from: date
    document_no: str
    weights: dict[str, int]
    set_by: str
    set_at: datetime


def weight_sets(session: Session, actor: Actor | None, province_code: str) -> list[WeightSet]:
    """Every weight set of the province, newest date first (rows of one date and document are one set)."""
    province = _province(session, actor, province_code, (Role.ADMIN, Role.OFFICER))
    sets: dict[tuple[date, str], WeightSet] = {}
    for row in session.execute(select(ScoreWeight).where(ScoreWeight.region_path == province.path)
                               .order_by(ScoreWeight.effective_from.desc(), ScoreWeight.id)).scalars():
        key = (row.effective_from, row.document_no)
        if key not in sets:
            sets[key] = WeightSet(row.effective_from, row.document_no, {}, row.created_by, row.created_at)
        sets[key].weights[row.term] = row.weight_permille
    return list(sets.values())


def province_codes(actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the provinces where the actor may set weights and decide or approve pools."""
    return sorted({(g.region_code, g.region_name) for g in actor.grants
                   if g.role in (Role.ADMIN, Role.OFFICER) and g.region_path.count("/") == 2})


def scores_for(session: Session, actor: Actor | None, province_code: str, year: int, *,
               today: date) -> tuple[list[CountyScore], str] | None:
    """Every county's score for `year` as a decision now would compute it (weights in force at the year's end, or
    today for the running year), with the weights' document; None when no weights are set yet."""
    province = _province(session, actor, province_code, (Role.ADMIN, Role.OFFICER))
    found = weights_on(session, province.path, min(today, date(year, 12, 31)))
    if found is None:
        return None
    weights, document_no = found
    return county_scores(session, province, year, weights, as_of=today), document_no


def pools(session: Session, actor: Actor | None, province_code: str) -> list[RewardPool]:
    """The province's pool decisions in every status, newest first."""
    province = _province(session, actor, province_code, (Role.ADMIN, Role.OFFICER))
    return list(session.execute(select(RewardPool).where(RewardPool.region_path == province.path)
                                .order_by(RewardPool.id.desc())).scalars())


def weights_on(session: Session, province_path: str, on: date) -> tuple[dict[str, int], str] | None:
    """The weight set in force on `on` and its document number; None when none has been set yet."""
    latest = session.execute(select(func.max(ScoreWeight.effective_from)).where(
        ScoreWeight.region_path == province_path, ScoreWeight.effective_from <= on)).scalar()
    if latest is None:
        return None
    rows = session.execute(select(ScoreWeight).where(ScoreWeight.region_path == province_path,
                                                     ScoreWeight.effective_from == latest)
                           .order_by(ScoreWeight.id)).scalars().all()
    return {r.term: r.weight_permille for r in rows}, rows[-1].document_no


@dataclass(frozen=True)
class TermView:
    key: str
    part: int  # the measure's numerator (satisfied ratings, substantiated reports, months on time)
    whole: int  # its denominator (ratings, recipients, months due)
    points_milli: int
    measured: bool
    weight_permille: int
    contribution_milli: int


@dataclass(frozen=True)
class CountyScore:
    code: str
    name: str
    recipients: int
    score_milli: int
    terms: list[TermView]


def _range(column, path: str):
    return and_(column >= path, column < path + "~")


def _measures(session: Session, county: Region, year: int, as_of: date) -> dict[str, tuple[int, int, int | None]]:
    start = datetime(year, 1, 1, tzinfo=CHINA_TZ)  # the year as lived in China, not in UTC
    end = datetime(year + 1, 1, 1, tzinfo=CHINA_TZ)
    total, good = session.execute(
        select(func.count(Rating.id), func.coalesce(func.sum(case((Rating.level >= 4, 1), else_=0)), 0))
        .join(ServiceWindow, ServiceWindow.id == Rating.window_id).join(Region, Region.id == ServiceWindow.region_id)
        .where(_range(Region.path, county.path), Rating.status == RatingStatus.COUNTED,
               Rating.created_at >= start, Rating.created_at < end)).one()
    substantiated = session.execute(
        select(func.count(Report.id)).join(Region, Region.id == Report.region_id)
        .where(_range(Region.path, county.path), Report.outcome == ReportOutcome.SUBSTANTIATED,
               Report.concluded_at >= start, Report.concluded_at < end)).scalar_one()
    recipients = session.execute(
        select(func.count(Member.id)).join(Household, Household.id == Member.household_id)
        .where(_range(Household.region_path, county.path), Household.status == STATUS_ACTIVE)).scalar_one()
    last_month = 12 if as_of.year > year else (as_of.month - 1 if as_of.year == year else 0)
    due = [f"{year:04d}-{m:02d}" for m in range(1, last_month + 1)]
    paid = session.execute(select(PaymentBatch.period, PaymentBatch.paid_on).where(
        PaymentBatch.county_id == county.id, PaymentBatch.status == pay_rules.BATCH_PAID,
        PaymentBatch.period.in_(due))).all() if due else []
    on_time = sum(1 for period, paid_on in paid if paid_on is not None and paid_on <= pay_rules.period_end(period))
    return {
        rules.TERM_SATISFACTION: (int(good), int(total), rules.share_points(int(good), int(total))),
        rules.TERM_SUBSTANTIATED: (int(substantiated), int(recipients),
                                   rules.substantiated_points(int(substantiated), int(recipients))),
        rules.TERM_PAID_ON_TIME: (on_time, len(due), rules.share_points(on_time, len(due))),
    }


def county_scores(session: Session, region: Region, year: int, weights: dict[str, int], *,
                  as_of: date) -> list[CountyScore]:
    """Every county under `region` (a province, a city or one county), scored term by term."""
    counties = session.execute(select(Region).where(_range(Region.path, region.path),
                                                    Region.level == RegionLevel.COUNTY)
                               .order_by(Region.path)).scalars().all()
    out = []
    for county in counties:
        measures = _measures(session, county, year, as_of)
        terms = []
        for key in rules.TERMS:
            part, whole, points = measures[key]
            term = rules.Term(key, points or 0, weights[key])
            terms.append(TermView(key, part, whole, points or 0, points is not None, weights[key],
                                  term.contribution_milli))
        score = rules.score([rules.Term(t.key, t.points_milli, t.weight_permille) for t in terms])
        out.append(CountyScore(county.code, county.name, measures[rules.TERM_SUBSTANTIATED][1], score, terms))
    return out


def decide_pool(session: Session, actor: Actor | None, province_code: str, year: int, pool_fen: int,
                floor_milli: int, *, now: datetime | None = None) -> RewardPool:
    """Score every county of the province for `year` with the weights in force at the year's end (or today, for the
    running year) and share the pool among those at or above the floor; the decision freezes scores and shares."""
    now = now or utcnow()
    province = _province(session, actor, province_code, (Role.ADMIN, Role.OFFICER))
    assert actor is not None
    if not isinstance(pool_fen, int) or not 0 < pool_fen <= 10**13:
        raise ReportingError("reporting.err_pool")
    if not isinstance(floor_milli, int) or not 0 <= floor_milli <= 100_000:
        raise ReportingError("reporting.err_floor")
    if not isinstance(year, int) or not 2000 <= year <= china_date(now).year:
        raise ReportingError("reporting.err_year")
    live = session.execute(select(RewardPool.id).where(RewardPool.region_path == province.path,
                                                       RewardPool.year == year,
                                                       RewardPool.status.in_(STANDING))).first()
    if live is not None:
        raise ReportingError("reporting.err_pool_exists")  # one pool a year: reject the standing one first
    today = china_date(now)
    as_of = min(today, date(year, 12, 31))
    found = weights_on(session, province.path, as_of)
    if found is None:
        raise ReportingError("reporting.err_no_weights")
    weights, document_no = found
    scores = county_scores(session, province, year, weights, as_of=today)
    shares = rules.allocate(pool_fen, {s.code: s.score_milli for s in scores}, floor_milli)
    if not any(shares.values()):
        raise ReportingError("reporting.pool_unallocated")
    frozen = [{"code": s.code, "name": s.name, "recipients": s.recipients, "score_milli": s.score_milli,
               "terms": [asdict(t) for t in s.terms], "share_fen": shares[s.code]} for s in scores]
    pool = RewardPool(region_id=province.id, region_path=province.path, year=year, pool_fen=pool_fen,
                      floor_milli=floor_milli, status=DECIDED, shares=frozen, weights_document=document_no,
                      decided_by=actor.user_id, decided_at=now)
    session.add(pool)
    try:
        session.flush()
    except IntegrityError as exc:
        # Someone decided the year's pool between the look-up above and this insert (the unique index on standing
        # pools). The transaction is spent; the runner rolls it back and shows why. Any other constraint is a bug.
        if STANDING_POOL_INDEX not in str(exc.orig) and "reward_pool.region_id, reward_pool.year" not in str(exc.orig):
            raise
        raise ReportingError("reporting.err_pool_taken") from None
    audit.record(session, actor, ACTION_DECIDE, "reward_pool", pool.id, region_code=province.code, at=now,
                 after={"year": year, "pool_fen": pool_fen, "floor_milli": floor_milli, "weights": document_no,
                        "shares": {s["code"]: s["share_fen"] for s in frozen}})
    return pool


def approve_pool(session: Session, actor: Actor | None, pool_id: int, approve: bool, reason: str = "", *,
                 now: datetime | None = None) -> RewardPool:
    """Two-person rule: someone other than the decider approves (publishes) or rejects with a reason."""
    now = now or utcnow()
    pool = session.get(RewardPool, int(pool_id))
    authorize(actor, (Role.ADMIN, Role.OFFICER), pool.region_path if pool else NOWHERE)
    assert pool is not None and actor is not None
    if pool.status != DECIDED:
        raise ReportingError("reporting.err_wrong_state")
    if actor.user_id == pool.decided_by:
        raise ReportingError("reporting.err_same_person")
    if not approve:
        reason = " ".join((reason or "").split())
        if not 4 <= len(reason) <= 500:
            raise ReportingError("reporting.err_reason")
        pool.rejection = reason
    pool.status = APPROVED if approve else REJECTED
    pool.approved_by, pool.approved_at = actor.user_id, now
    session.flush()
    audit.record(session, actor, ACTION_APPROVE if approve else ACTION_REJECT, "reward_pool", pool.id,
                 region_code=pool.region_path.strip("/").split("/")[-1], at=now, before={"status": DECIDED},
                 after={"status": pool.status, "reason": pool.rejection})
    return pool


def published_pools(session: Session, year: int | None = None) -> list[RewardPool]:
    """Approved pools, newest first: what `/results` publishes with the scores behind them."""
    stmt = select(RewardPool).where(RewardPool.status == APPROVED)
    if year is not None:
        stmt = stmt.where(RewardPool.year == year)
    return list(session.execute(stmt.order_by(RewardPool.year.desc(), RewardPool.id.desc())).scalars())
