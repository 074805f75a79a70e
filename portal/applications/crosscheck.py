"""The registry cross-check seam (家庭经济状况核对): declared income and assets against department records.

Today an officer runs the check on the provincial platform and records its outcome (`ManualRegistryCheck`).
A later issue plugs in an automated provider that calls the registries (httpx) and returns the mismatches side by
side; the application workflow only talks to `RegistryCheck`, so nothing else changes when it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

MATCH = "match"  # records agree with the declaration
EXPLAINED = "explained"  # mismatches found and explained by the applicant
DISPUTED = "disputed"  # the applicant disputes a finding: a recheck (复查) step follows
OUTCOMES = (MATCH, EXPLAINED, DISPUTED)


@dataclass(frozen=True)
class Mismatch:
    """One finding: what was declared, what the registry holds, where and when it was read."""

    item: str
    declared: str
    found: str
    source: str
    read_on: str


@dataclass(frozen=True)
class CrossCheckRequest:
    application_number: str
    region_code: str
    answers: dict  # the household as declared (members, incomes, assets)
    consenting_members: tuple[str, ...]


@dataclass(frozen=True)
class CrossCheckReport:
    outcome: str
    mismatches: tuple[Mismatch, ...] = field(default_factory=tuple)
    note: str = ""


class RegistryCheck(Protocol):
    """Asked when the cross-check step opens; None means "no automated result: an officer records it"."""

    def request(self, req: CrossCheckRequest) -> CrossCheckReport | None: ...


class ManualRegistryCheck:
    """No automated registry access yet: the officer records the platform's outcome by hand."""

    def request(self, req: CrossCheckRequest) -> CrossCheckReport | None:
        return None


def provider() -> RegistryCheck:
    """The configured provider (the automated one replaces this return value)."""
    return ManualRegistryCheck()
