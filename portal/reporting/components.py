"""What the reward-pool desk and the public pool on /results both show of a county's score: its terms and shares."""

from __future__ import annotations

from typing import TypedDict

from portal.reporting import rules


class TermRow(TypedDict):
    key: str
    measure: str
    points: str
    weight: str
    contribution: str


class ShareRow(TypedDict):
    key: str
    name: str
    score: str
    share: str
    terms: list[TermRow]


def term_rows(terms) -> list[TermRow]:
    """A score's terms as shown: the measure (part / whole, or — when not measured), points × weight, contribution."""
    return [TermRow(key=f"reporting.term.{x.key}", measure=f"{x.part:,} / {x.whole:,}" if x.measured else "—",
                    points=rules.shown_points(x.points_milli), weight=f"{x.weight_permille}‰",
                    contribution=rules.shown_points(x.contribution_milli)) for x in terms]
