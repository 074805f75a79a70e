"""A small register for the adapter, connector and casework tests: two townships of 长安区, households admitted
through the register's own service (so id_hash is the register's HMAC), grants, rules in force, a session factory."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.register import rules as id_rules
from portal.register import services as register
from portal.verification import services as vs
from tests import factories

KEY = "verification-world-key"
DOC = "冀民〔2026〕7号"


def number(serial: int, born: str = "19700101") -> str:
    return id_rules.make_number(f"130102{born}{serial:03d}")


def session_factory(engine):
    @contextmanager
    def scope():
        s = Session(engine, expire_on_commit=False)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
    return scope


class World:
    def __init__(self, session: Session, tmp: Path) -> None:
        self.s, self.tmp = session, tmp
        self.tree = factories.region_tree(session)
        self.county = self.tree["130102"]
        self.township = self.tree["130102001"]
        self.other_township = self.tree["130102002"]
        self.officer = factories.actor_with(session, (Role.OFFICER, self.township))
        self.stranger = factories.actor_with(session, (Role.OFFICER, self.other_township))
        self.county_officer = factories.actor_with(session, (Role.OFFICER, self.county))
        self.data = tmp / "data"
        self.sf = session_factory(session.get_bind())

    def admit(self, code: str, village: str, members: list[tuple[str, str, str]], *, grant: bool = True):
        actor = self.officer if village.startswith("130102001") else self.stranger
        hh = register.admit(self.s, actor, register.Admission(
            code, None, village, members[0][0], 800_00, date(2026, 1, 1),
            tuple(register.NewMember(*m) for m in members)))
        if grant:
            vs.record_grant(self.s, "tester", code, None, date(2026, 1, 1), len(members))
        return hh

    def rule(self, rule: str, params: dict, on: date = date(2026, 1, 1)) -> None:
        vs.add_rule(self.s, "admin", self.county.path, self.county.id, rule, params, on, DOC)

    def load(self, kind: str, text: str, as_of: date = date(2026, 6, 30)) -> vs.LoadResult:
        path = self.tmp / f"{kind}-{abs(hash(text))}.csv"
        path.write_text(text, encoding="utf-8")
        return vs.load_source(self.s, kind, path, as_of=as_of, loaded_by="tester", data_dir=self.data)
