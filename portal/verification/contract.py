"""What the verification engine reads about the households it verifies: two Parquet files (the input contract).

The engine never queries the register's tables; a `RegisterSnapshot` writes the active households and their
members as Parquet, and DuckDB joins them with the department batches. Columns (docs/verification.md):

  households.parquet  household_id VARCHAR, region_path VARCHAR (the village's or township's materialised path,
                      "/13/1301/130102/130102001/..."), township_code VARCHAR, size INTEGER,
                      declared_deposits_fen BIGINT, declared_vehicles INTEGER, declared_houses INTEGER
  members.parquet     household_id VARCHAR, id_hash VARCHAR (the register's keyed hash of the ID number, 64 hex),
                      declared_income_fen BIGINT (the member's declared monthly income)

Only active households belong in the snapshot. The recipient register provides the production snapshot; until
it exists, `ApplicationsSnapshot` reads approved applications and `ParquetSnapshot` takes files made elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.applications.services import APPROVED

HOUSEHOLDS = pa.schema([("household_id", pa.string()), ("region_path", pa.string()), ("township_code", pa.string()),
                        ("size", pa.int32()), ("declared_deposits_fen", pa.int64()),
                        ("declared_vehicles", pa.int32()), ("declared_houses", pa.int32())])
MEMBERS = pa.schema([("household_id", pa.string()), ("id_hash", pa.string()), ("declared_income_fen", pa.int64())])
HOUSEHOLDS_FILE = "households.parquet"
MEMBERS_FILE = "members.parquet"


def id_hash(id_number: str, key: str) -> str:
    """The keyed hash members and department records are joined on (HMAC-SHA256 of the upper-cased number).
    The register must hash with the same function and key, or no record will match."""
    return hmac.new(key.encode(), id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


class SnapshotError(ValueError):
    pass


class RegisterSnapshot(Protocol):
    def write(self, directory: Path) -> None:
        """Write HOUSEHOLDS_FILE and MEMBERS_FILE (schemas above) into `directory`."""


def check_schema(path: Path, schema: pa.Schema) -> None:
    have = pq.read_schema(path)
    missing = [f.name for f in schema if f.name not in have.names]
    if missing:
        raise SnapshotError(f"{path.name}: missing columns {', '.join(missing)}")


class ParquetSnapshot:
    """Households and members already written as Parquet (by the register's export, or by the benchmark)."""

    def __init__(self, households: Path, members: Path) -> None:
        self.households, self.members = Path(households), Path(members)

    def write(self, directory: Path) -> None:
        check_schema(self.households, HOUSEHOLDS)
        check_schema(self.members, MEMBERS)
        for src, name in ((self.households, HOUSEHOLDS_FILE), (self.members, MEMBERS_FILE)):
            target = directory / name
            try:
                target.hardlink_to(src)
            except OSError:
                shutil.copyfile(src, target)


class ApplicationsSnapshot:
    """Approved applications as households, until the register exists. Members count only when the application
    recorded their ID number (`id_number` in the member's answers); the others cannot be matched."""

    def __init__(self, session: Session, key: str) -> None:
        self.session, self.key = session, key

    def write(self, directory: Path) -> None:
        hh: dict[str, list] = {f.name: [] for f in HOUSEHOLDS}
        mem: dict[str, list] = {f.name: [] for f in MEMBERS}
        apps = self.session.execute(select(Application).where(Application.status == APPROVED,
                                                              Application.region_path.is_not(None))).scalars()
        for app in apps:
            answers = app.answers or {}
            members = answers.get("members") or []
            assets = answers.get("assets") or {}
            township = [p for p in app.region_path.split("/") if p][3:4]  # type: ignore[union-attr]
            row = {"household_id": app.number, "region_path": app.region_path,
                   "township_code": township[0] if township else "", "size": len(members),
                   "declared_deposits_fen": int(assets.get("deposits") or 0),
                   "declared_vehicles": int(assets.get("vehicles") or 0),
                   "declared_houses": int(assets.get("houses") or 0)}
            for k, v in row.items():
                hh[k].append(v)
            for m in members:
                if not m.get("id_number"):
                    continue
                mem["household_id"].append(app.number)
                mem["id_hash"].append(id_hash(str(m["id_number"]), self.key))
                mem["declared_income_fen"].append(sum(int(v or 0) for v in (m.get("incomes") or {}).values()))
        pq.write_table(pa.table(hh, schema=HOUSEHOLDS), directory / HOUSEHOLDS_FILE)
        pq.write_table(pa.table(mem, schema=MEMBERS), directory / MEMBERS_FILE)
