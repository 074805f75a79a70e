"""Policy settings admins may change, with the defaults that apply until they do."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.policy_models import PolicySetting
from portal.kernel import version_models  # noqa: F401  (every write changes the settings token)
from portal.kernel import audit
from portal.kernel.permissions import Role, authorize_province

DEFAULTS: dict[str, object] = {
    "rating.cooldown_hours": 24,  # one rating per device per window in this time
    # 刷评: more than max(threshold, multiplier × the window's normal volume for that long) ratings at one window
    # inside burst_window_minutes; normal = median count of its active hours over the trailing baseline days.
    "rating.burst_window_minutes": 10,
    "rating.burst_threshold": 8,  # the floor: a window with little or no history
    "rating.burst_multiplier": 3,
    "rating.burst_baseline_days": 14,
    # Ratings one client address may leave at one window in 24 hours; later ones are held for an officer, not refused.
    "rating.max_per_address_day": 5,
    "rating.min_count_ranked": 5,  # fewer ratings in the period → not ranked (and never below k=5)
    "rating.comment_max_chars": 300,
    # Reports (举报) and reward-for-reporting (有奖举报).
    "report.max_per_device_day": 3,  # reports one device may file in 24 hours
    "report.max_per_client_day": 20,  # reports one client address may file in 24 hours
    "report.track_max_failures": 5,  # wrong secrets for one receipt inside the window, then the receipt waits
    "report.track_max_failures_client": 20,  # wrong receipts/secrets from one client address inside the window
    "report.track_window_minutes": 15,
    "report.conclude_working_days": 30,  # from filing to conclusion
    "report.reward_share_percent": 10,  # reward = this share of the money recovered ...
    "report.reward_floor_yuan": 200,  # ... but at least this ...
    "report.reward_cap_yuan": 5000,  # ... and at most this
    # Applications: wrong secrets when resuming or tracking with the application number.
    "apply.resume_max_failures": 5,  # wrong secrets for one application number inside the window
    "apply.resume_max_failures_client": 20,  # wrong numbers/secrets from one client address inside the window
    "apply.resume_window_minutes": 15,
    # Anonymous uploads and drafts per client address (a service hall's shared Wi-Fi must still fit).
    "upload.max_per_client_hour": 200,  # report and application photos
    "apply.max_drafts_per_client_day": 50,
    # A tab forgets the draft it holds after this many minutes without use (shared phones, kiosks).
    "apply.idle_minutes": 15,
    # 核对: working days the applicant has to answer a finding on their case before it may be refused on it.
    "verify.answer_working_days": 5,
    # 民主评议: combined score = weights × (supervisors' average, residents' satisfaction), relative to their sum.
    "evaluation.weight_supervisors": 60,
    "evaluation.weight_residents": 40,
    # Annual reports (年度报告): the Qinghai notice has cities report to the province by the year's end. The city's
    # annual report is due on this day of the year (MMDD); a county's so many working days before, the province's
    # own so many working days after (a quarter's: counted from the quarter's last day the same way).
    "annual.city_due_mmdd": 1231,
    "annual.county_lead_working_days": 10,
    "annual.province_lag_working_days": 15,
}


def get(session: Session, key: str) -> object:
    row = session.get(PolicySetting, key)
    return row.value if row is not None else DEFAULTS[key]


def get_int(session: Session, key: str) -> int:
    return int(get(session, key))  # type: ignore[arg-type]


def all_values(session: Session) -> dict[str, object]:
    """Every setting in one read: the stored value, or the default."""
    stored = {key: value for key, value in session.execute(select(PolicySetting.key, PolicySetting.value))}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def set_value(session: Session, actor, key: str, value: object) -> None:
    """Change a province-wide setting: only an admin with a grant at the province (PermissionDenied otherwise)."""
    authorize_province(actor, Role.ADMIN)
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(PolicySetting, key)
    before = row.value if row else DEFAULTS[key]
    if row is None:
        session.add(PolicySetting(key=key, value=value, updated_by=actor.username))
    else:
        row.value, row.updated_by = value, actor.username
    audit.record(session, actor, "policy.set", "policy_setting", key, before={"value": before}, after={"value": value})
