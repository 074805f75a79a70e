"""Demo register: one household per standing-roster line of the demo (so the public roster shows what the register
holds), each with members and well-formed ID numbers, and one person listed in two active households (a child
entered by both parents' households) so the duplicate flag has something to show. Idempotent: skipped when any
household exists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.workdays import china_today
from portal.regions.models import Region
from portal.register import rules
from portal.register import services as register
from portal.register.models import Household

GIVEN = ("秀兰", "建华", "小红", "子轩", "雨桐", "国庆", "桂芝")
RELATIONS = ("spouse", "child", "parent", "child", "grandchild", "sibling", "other")
AGES = (40, 12, 70, 9, 5, 38, 30)


def _number(village_code: str, age: int, serial: int, sex_odd: bool) -> str:
    born = date(china_today().year - age - 1, serial % 12 + 1, serial % 28 + 1)
    seq = serial % 500 * 2 + (1 if sex_odd else 0)
    return rules.make_number(f"{village_code[:6]}{born:%Y%m%d}{seq:03d}")


def load(session: Session, by_code: dict[str, Region], rows: Sequence[tuple[str, str, int, int]],
         officer_for: Callable[[Session, Region], object]) -> int:
    """rows: (head name, village code, household size, monthly yuan). Returns the households added."""
    if session.execute(select(Household.id).limit(1)).first() is not None:
        return 0
    added = 0
    shared: str | None = None
    for n, (head, village_code, size, yuan) in enumerate(rows, start=1):
        village = by_code.get(village_code)
        actor = officer_for(session, village) if village is not None else None
        if actor is None:
            continue
        members = [register.NewMember(head, "head", _number(village_code, 45 + n % 20, n * 10, n % 2 == 1))]
        for k in range(1, size):
            members.append(register.NewMember(head[0] + GIVEN[(n + k) % len(GIVEN)], RELATIONS[k - 1],
                                              _number(village_code, AGES[k - 1], n * 10 + k, k % 2 == 0)))
        if head == "张小明" and size > 1:
            # Both 张小明 households list the same child: the first keeps its number, the second reuses it.
            if shared is None:
                shared = members[1].id_number
            else:
                members[1] = register.NewMember(members[1].name, "child", shared)
        register.admit(session, actor, register.Admission(
            f"DEMO-{n:04d}", None, village_code, head, yuan * 100, date(china_today().year, 1, 1),
            tuple(members)))
        added += 1
    return added
