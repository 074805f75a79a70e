"""Policy settings admins may change, with the defaults that apply until they do."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models.settings import PolicySetting
from portal.services import audit

DEFAULTS: dict[str, object] = {
    "rating.cooldown_hours": 24,  # one rating per device per window in this time
    "rating.burst_window_minutes": 10,  # 刷评: more than `threshold` ratings at one window inside this window
    "rating.burst_threshold": 30,
    "rating.min_count_ranked": 5,  # fewer ratings in the period → not ranked (and never below k=5)
    "rating.comment_max_chars": 300,
    # 民主评议: combined score = weights × (supervisors' average, residents' satisfaction), relative to their sum.
    "evaluation.weight_supervisors": 60,
    "evaluation.weight_residents": 40,
}


def get(session: Session, key: str) -> object:
    row = session.get(PolicySetting, key)
    return row.value if row is not None else DEFAULTS[key]


def get_int(session: Session, key: str) -> int:
    return int(get(session, key))  # type: ignore[arg-type]


def set_value(session: Session, actor, key: str, value: object) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(PolicySetting, key)
    before = row.value if row else DEFAULTS[key]
    if row is None:
        session.add(PolicySetting(key=key, value=value, updated_by=actor.username))
    else:
        row.value, row.updated_by = value, actor.username
    audit.record(session, actor, "policy.set", "policy_setting", key, before={"value": before}, after={"value": value})
