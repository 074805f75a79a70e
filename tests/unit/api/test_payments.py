"""/api/payments: the bank file for the batch's own region only, and the return file taken whole or refused whole
over HTTP (422 naming the line, nothing changed)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.db import make_engine
from portal.payments import rules
from portal.payments.models import Payment, PaymentBatch
from tests.unit.api.conftest import PASSWORD

ORIGIN = {"Origin": "http://testserver"}


def login(client, username: str) -> None:
    r = client.post("/api/auth/login", data={"username": username, "password": PASSWORD},
                    headers={"Accept": "application/json", **ORIGIN})
    assert r.status_code == 200, r.text


def _latest(db_file) -> tuple[PaymentBatch, list[Payment]]:
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        batch = s.execute(select(PaymentBatch).order_by(PaymentBatch.period.desc())).scalars().first()
        rows = s.execute(select(Payment).where(Payment.batch_id == batch.id).order_by(Payment.id)).scalars().all()
        s.expunge_all()
    engine.dispose()
    return batch, rows


def test_bank_file_only_for_the_region(client, db_file):
    batch, rows = _latest(db_file)
    url = f"/api/payments/batches/{batch.id}.csv"
    assert client.get(url).status_code == 401
    login(client, "officer_qingyuan")  # a township officer of the county: not the county's batch
    assert client.get(url).status_code == 404
    login(client, "officer_county")
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0][:4] == ["H", "SDDB-PAY", "1", batch.batch_no]
    assert lines[-1] == ["T", str(len(rows)), str(sum(p.amount_fen for p in rows))]
    assert client.get("/api/payments/batches/999999.csv").status_code == 404


def test_return_file_over_http_all_or_nothing(client, db_file):
    batch, rows = _latest(db_file)
    url = f"/api/payments/batches/{batch.id}/returns"
    good = [rules.ReturnLine(rules.payment_ref(rows[0].id), rows[0].amount_fen, "account closed")]
    bad = good + [rules.ReturnLine(rules.payment_ref(rows[1].id), rows[1].amount_fen + 1, "x")]
    login(client, "officer_county")
    cross = client.post(url, content=rules.write_return_file(batch.batch_no, good),
                        headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403  # a page on another site cannot post a return file with the officer's cookie
    r = client.post(url, content=rules.write_return_file(batch.batch_no, bad), headers=ORIGIN)
    assert r.status_code == 422 and r.json()["error"] == "payments.err_file_amount" and r.json()["line"] == 3
    assert "没有任何记录被修改" in r.json()["message"]
    assert _latest(db_file)[0].returned_count == 0
    r = client.post(url, content=rules.write_return_file(batch.batch_no, good), headers=ORIGIN)
    assert r.status_code == 200 and r.json()["returned"] == 1
    assert _latest(db_file)[1][0].status == rules.RETURNED
