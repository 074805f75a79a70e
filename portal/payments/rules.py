"""Pure rules of the payments domain: periods, the bank file written for a batch and the return file read back.

The file layout is documented in docs/payments.md. Both files are CSV (UTF-8, comma, LF) with a header record, one
record per payment and a trailer carrying the record count and the total in fen, so a bank (or a person) can tell a
truncated or altered file from a whole one. Amounts are integers in fen everywhere: no floats touch money.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from portal.kernel.errors import DomainError

# Payment (one household, one month) statuses.
SCHEDULED = "scheduled"
PAID = "paid"
RETURNED = "returned"
STOPPED = "stopped"
PAYMENT_STATUSES = (SCHEDULED, PAID, RETURNED, STOPPED)

# Batch statuses: prepared by one officer, approved (or rejected) by a second, then marked paid with the bank's ref.
PREPARED = "prepared"
APPROVED = "approved"
REJECTED = "rejected"
BATCH_PAID = "paid"
BATCH_STATUSES = (PREPARED, APPROVED, REJECTED, BATCH_PAID)

PAY_FILE = "SDDB-PAY"
RETURN_FILE = "SDDB-RET"
FILE_VERSION = "1"
MAX_RETURN_BYTES = 20 * 1024 * 1024
MAX_REASON = 200
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_BANK_REF = re.compile(r"^[A-Za-z0-9\-_/]{4,40}$")


class FileError(DomainError):
    """A file refused as a whole; `key` is a catalog key, `line` the 1-based line it was found on (0: the file)."""

    def __init__(self, key: str, line: int = 0, detail: str = "") -> None:
        super().__init__(key, f"{key} line {line}: {detail}")
        self.line, self.detail = line, detail


def parse_period(text: str) -> tuple[int, int]:
    """'2026-04' → (2026, 4); ValueError otherwise."""
    found = _PERIOD.match((text or "").strip())
    if not found:
        raise ValueError("period")
    return int(found.group(1)), int(found.group(2))


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_period(period: str) -> str:
    year, month = parse_period(period)
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def period_end(period: str) -> date:
    """The last day of the month: a household admitted on or before it is paid for the month."""
    year, month = parse_period(period)
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def valid_bank_ref(text: str) -> bool:
    return bool(_BANK_REF.match(text or ""))


def payment_ref(payment_id: int) -> str:
    """The per-payment reference written to the bank file and expected back in the return file."""
    return f"P{payment_id:010d}"


@dataclass(frozen=True)
class Line:
    ref: str
    household_code: str
    payee: str
    amount_fen: int


def _csv_line(fields: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


def write_pay_file(batch_no: str, county_code: str, period: str, lines: list[Line]) -> bytes:
    """The bank file: H header, D detail lines (sequence, reference, household code, payee, amount in fen), T trailer
    with the count and the total. Every field is quoted by the CSV rules when it needs to be."""
    total = sum(line.amount_fen for line in lines)
    parts = [_csv_line(["H", PAY_FILE, FILE_VERSION, batch_no, county_code, period, len(lines), total])]
    parts += [_csv_line(["D", n, line.ref, line.household_code, line.payee, line.amount_fen])
              for n, line in enumerate(lines, start=1)]
    parts.append(_csv_line(["T", len(lines), total]))
    return "".join(parts).encode("utf-8")


@dataclass(frozen=True)
class ReturnLine:
    ref: str
    amount_fen: int
    reason: str
    line: int = 0  # where it was read, for an error that names the line


@dataclass(frozen=True)
class ReturnFile:
    batch_no: str
    lines: tuple[ReturnLine, ...]

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


def _int_field(text: str, line: int) -> int:
    if not re.fullmatch(r"\d{1,12}", text or ""):
        raise FileError("payments.err_file_number", line, text[:20])
    return int(text)


def parse_return_file(data: bytes) -> ReturnFile:
    """Read a bank's return file whole, or refuse it whole: the header names the batch, each R line a payment reference,
    the amount in fen and the bank's reason, and the trailer must agree with the lines (count and total). Duplicate
    references are refused. Nothing about the batch is checked here (that is the service's job)."""
    if len(data) > MAX_RETURN_BYTES:
        raise FileError("payments.err_file_size")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError("payments.err_file_encoding", 0, str(exc)[:80]) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileError("payments.err_file_layout", 0, str(exc)[:80]) from None
    rows = [(n, row) for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise FileError("payments.err_file_empty")
    n, head = rows[0]
    if len(head) != 4 or head[0] != "H" or head[1] != RETURN_FILE or head[2] != FILE_VERSION or not head[3].strip():
        raise FileError("payments.err_file_header", n)
    n_last, trailer = rows[-1]
    if len(rows) < 2 or len(trailer) != 3 or trailer[0] != "T":
        raise FileError("payments.err_file_trailer", n_last)
    lines: list[ReturnLine] = []
    seen: set[str] = set()
    for n, row in rows[1:-1]:
        if len(row) != 4 or row[0] != "R":
            raise FileError("payments.err_file_layout", n)
        ref, amount, reason = row[1].strip(), _int_field(row[2].strip(), n), row[3].strip()
        if not re.fullmatch(r"P\d{10}", ref):
            raise FileError("payments.err_file_ref", n, ref[:20])
        if ref in seen:
            raise FileError("payments.err_file_duplicate", n, ref)
        if not reason or len(reason) > MAX_REASON:
            raise FileError("payments.err_file_reason", n)
        seen.add(ref)
        lines.append(ReturnLine(ref, amount, reason, n))
    count, total = _int_field(trailer[1].strip(), n_last), _int_field(trailer[2].strip(), n_last)
    result = ReturnFile(head[3].strip(), tuple(lines))
    if count != len(lines) or total != result.total_fen:
        raise FileError("payments.err_file_totals", n_last, f"{count}/{total} vs {len(lines)}/{result.total_fen}")
    return result


def write_return_file(batch_no: str, lines: list[ReturnLine]) -> bytes:
    """The return layout, written (for tests, the demo and a bank that wants an example)."""
    parts = [_csv_line(["H", RETURN_FILE, FILE_VERSION, batch_no])]
    parts += [_csv_line(["R", line.ref, line.amount_fen, line.reason]) for line in lines]
    parts.append(_csv_line(["T", len(lines), sum(line.amount_fen for line in lines)]))
    return "".join(parts).encode("utf-8")


# Public figures: nothing is shown for fewer households than this (a small group could be recognised).
MIN_HOUSEHOLDS = 5


def suppressed(households: int) -> bool:
    return households < MIN_HOUSEHOLDS
