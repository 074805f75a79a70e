"""A department's search API, asked for the records of a list of people (DCI social-registry search style).

Civil affairs asks another department (public security, housing, vehicles, tax, social insurance …) over HTTP:
one `search` request per chunk of people and page, carrying the pull's transaction id and a reference id per page,
the people as `id_hash` values (the register's keyed hash: the department holds the exchange key and indexes its
records by it), and the page wanted. The answer echoes both ids and carries the page's records and the total count.

    POST {url}  Authorization: Bearer <token>   X-Signature: hex HMAC-SHA256(body, key)   (either or both)
    {"header": {"version": "1.0.0", "message_id": ..., "message_ts": ..., "action": "search",
                "sender_id": "dibao", "receiver_id": <source>},
     "message": {"transaction_id": ..., "search_request": [{"reference_id": ..., "timestamp": ...,
                 "search_criteria": {"reg_type": <source>, "query_type": "idtype-value",
                                     "query": {"type": "id_hash", "value": [...]},
                                     "pagination": {"page_size": n, "page_number": p}}}]}}
    → {"header": {"action": "on-search", "status": "succ", ...},
       "message": {"transaction_id": ..., "search_response": [{"reference_id": ..., "status": "succ",
                   "data": {"reg_records": [{"id_hash": ..., <the source's columns>}, ...]},
                   "pagination": {"page_size": n, "page_number": p, "total_count": t}}]}}

Every answer is checked (status, JSON shape, both ids, page number); a bad one counts as a failed attempt. Time-outs,
connection errors, 5xx, 429 and bad answers are retried with exponential backoff; 401/403 stop at once
(`AuthRefused`); requests are spaced to the configured rate. The connector only fetches: `services.pull` keeps the
checkpoint, and the records become a batch through the same validation as a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

SENDER = "dibao"


@dataclass(frozen=True)
class DepartmentConfig:
    source: str
    url: str
    token: str = ""  # bearer token
    key: str = ""  # shared signing key: X-Signature over the request body
    timeout_s: float = 10.0
    retries: int = 3  # attempts after the first, per page
    backoff_s: float = 0.5  # doubled per retry
    rate_per_s: float = 5.0  # requests per second at most
    page_size: int = 500  # records per page
    chunk: int = 1000  # people per search

    @classmethod
    def from_env(cls, source: str, env: dict[str, str] | None = None) -> DepartmentConfig | None:
        """PORTAL_DEPT_<SOURCE>_URL (required), _TOKEN, _KEY; shared PORTAL_DEPT_TIMEOUT_S, _RETRIES, _BACKOFF_S,
        _RATE_PER_S, _PAGE_SIZE, _CHUNK. None when the source has no URL configured."""
        env = dict(os.environ if env is None else env)
        prefix = f"PORTAL_DEPT_{source.upper()}_"
        url = env.get(prefix + "URL", "").strip()
        if not url:
            return None
        if not (url.startswith("https://") or url.startswith("http://127.0.0.1") or url.startswith("http://localhost")):
            raise ValueError(f"{prefix}URL must be https:// (plain http only on loopback)")

        def num(name: str, default: float) -> float:
            return float(env.get("PORTAL_DEPT_" + name, default))

        return cls(source, url, env.get(prefix + "TOKEN", ""), env.get(prefix + "KEY", ""),
                   num("TIMEOUT_S", 10.0), int(num("RETRIES", 3)), num("BACKOFF_S", 0.5), num("RATE_PER_S", 5.0),
                   int(num("PAGE_SIZE", 500)), int(num("CHUNK", 1000)))


class DepartmentError(Exception):
    """A page could not be fetched after its retries; `reason` is short and safe to store."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class AuthRefused(DepartmentError):
    pass


@dataclass(frozen=True)
class Page:
    records: list[dict]
    total: int  # records matching the whole search (all pages)
    attempts: int


def signature(body: bytes, key: str) -> str:
    return hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()



# A search's total_count sets how many pages are asked for: beyond these it is a bad answer, not hours of paging.
MAX_TOTAL = 10_000_000  # records matching one search (a chunk of at most `chunk` people)
MAX_RECORDS_PER_PERSON = 1_000  # the online check of one case: records about one member, at most


def parse_answer(response: httpx.Response, transaction_id: str, reference_id: str, page: int) -> Page:
    """One answer checked whole: status, JSON shape, both ids echoed and the page asked for; else DepartmentError."""
    if response.status_code in (401, 403):
        raise AuthRefused(f"http {response.status_code}")
    if response.status_code != 200:
        raise DepartmentError(f"http {response.status_code}")
    try:
        doc = response.json()
        msg = doc["message"]
        if msg["transaction_id"] != transaction_id:
            raise DepartmentError("wrong transaction_id")
        answer = msg["search_response"][0]
        if answer["reference_id"] != reference_id:
            raise DepartmentError("wrong reference_id")
        if answer.get("status") != "succ":
            # The reason is stored (the circuit, the waiting case, an audit row) and shown on the case page: only
            # the status's plain letters, never what else a department wrote there (a number, markup).
            raise DepartmentError(f"status {_plain(answer.get('status'))}")
        records = answer["data"]["reg_records"]
        paging = answer["pagination"]
        total, number = int(paging["total_count"]), int(paging["page_number"])
    except DepartmentError:
        raise
    except (ValueError, KeyError, IndexError, TypeError):
        raise DepartmentError("malformed answer") from None
    if number != page or not isinstance(records, list) or not all(isinstance(r, dict) for r in records) \
            or not 0 <= total <= MAX_TOTAL:
        raise DepartmentError("malformed answer")
    return Page(records, total, 1)


def _plain(value) -> str:
    return "".join(ch for ch in str(value)[:40] if ch.isascii() and (ch.isalpha() or ch in "_-"))[:20] or "?"


class Department:
    """One department's endpoint. `sleep` and `clock` are injectable so tests of the backoff need not wait."""

    def __init__(self, config: DepartmentConfig, *, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.client = client or httpx.Client(timeout=config.timeout_s)
        self.sleep, self.clock = sleep, clock
        self._last = -1e9
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def _pace(self) -> None:
        gap = 1.0 / self.config.rate_per_s if self.config.rate_per_s > 0 else 0.0
        wait = self._last + gap - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()

    def _body(self, transaction_id: str, reference_id: str, people: list[str], page: int) -> bytes:
        now = datetime.now(timezone.utc).isoformat()
        return json.dumps({
            "header": {"version": "1.0.0", "message_id": uuid.uuid4().hex, "message_ts": now, "action": "search",
                       "sender_id": SENDER, "receiver_id": self.config.source},
            "message": {"transaction_id": transaction_id, "search_request": [{
                "reference_id": reference_id, "timestamp": now,
                "search_criteria": {"reg_type": self.config.source, "query_type": "idtype-value",
                                    "query": {"type": "id_hash", "value": people},
                                    "pagination": {"page_size": self.config.page_size, "page_number": page}}}]},
        }, separators=(",", ":")).encode("utf-8")

    def _request(self, transaction_id: str, reference_id: str, people: list[str], page: int
                 ) -> tuple[bytes, dict[str, str]]:
        body = self._body(transaction_id, reference_id, people, page)
        headers = {"Content-Type": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        if self.config.key:
            headers["X-Signature"] = signature(body, self.config.key)
        return body, headers

    def _once(self, transaction_id: str, reference_id: str, people: list[str], page: int) -> Page:
        body, headers = self._request(transaction_id, reference_id, people, page)
        self._pace()
        self.requests += 1
        try:
            response = self.client.post(self.config.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DepartmentError("timeout") from None
        except httpx.HTTPError as exc:
            raise DepartmentError(f"connection: {type(exc).__name__}") from None
        return parse_answer(response, transaction_id, reference_id, page)

    def search(self, transaction_id: str, reference_id: str, people: list[str], page: int) -> Page:
        """One page of the search, retried with backoff; DepartmentError after the last attempt, AuthRefused at once."""
        attempt = 0
        while True:
            try:
                result = self._once(transaction_id, reference_id, people, page)
                return Page(result.records, result.total, attempt + 1)
            except AuthRefused:
                raise
            except DepartmentError:
                if attempt >= self.config.retries:
                    raise
                self.sleep(self.config.backoff_s * (2 ** attempt))
                attempt += 1


class AsyncDepartment(Department):
    """The same exchange on the event loop (the online check of one case at acceptance): httpx's async client, so a
    slow department never holds a server worker; `sleep` is awaited."""

    def __init__(self, config: DepartmentConfig, *, client: httpx.AsyncClient | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.aclient = client or httpx.AsyncClient(timeout=config.timeout_s)
        self.asleep, self.clock = sleep, clock
        self._last = -1e9
        self.requests = 0

    async def aclose(self) -> None:
        await self.aclient.aclose()

    async def _apace(self) -> None:
        gap = 1.0 / self.config.rate_per_s if self.config.rate_per_s > 0 else 0.0
        wait = self._last + gap - self.clock()
        if wait > 0:
            await self.asleep(wait)
        self._last = self.clock()

    async def _aonce(self, transaction_id: str, reference_id: str, people: list[str], page: int) -> Page:
        body, headers = self._request(transaction_id, reference_id, people, page)
        await self._apace()
        self.requests += 1
        try:
            response = await self.aclient.post(self.config.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DepartmentError("timeout") from None
        except httpx.HTTPError as exc:
            raise DepartmentError(f"connection: {type(exc).__name__}") from None
        return parse_answer(response, transaction_id, reference_id, page)

    async def asearch(self, transaction_id: str, reference_id: str, people: list[str], page: int) -> Page:
        """One page, retried with backoff like `search`."""
        attempt = 0
        while True:
            try:
                result = await self._aonce(transaction_id, reference_id, people, page)
                return Page(result.records, result.total, attempt + 1)
            except AuthRefused:
                raise
            except DepartmentError:
                if attempt >= self.config.retries:
                    raise
                await self.asleep(self.config.backoff_s * (2 ** attempt))
                attempt += 1

    async def records_of(self, transaction_id: str, people: list[str]) -> list[dict]:
        """Every record about `people` (chunked, every page); DepartmentError as soon as one page fails for good."""
        out: list[dict] = []
        for c in range(0, max(1, len(people)), self.config.chunk):
            chunk = people[c:c + self.config.chunk]
            page, pages = 1, 1
            while page <= pages:
                got = await self.asearch(transaction_id, f"{transaction_id}-{c // self.config.chunk}-{page}", chunk,
                                         page)
                if got.total > len(chunk) * MAX_RECORDS_PER_PERSON:
                    raise DepartmentError("malformed answer")
                pages = max(1, -(-got.total // self.config.page_size))
                out.extend(got.records)
                page += 1
        return out


def configured_sources(env: dict[str, str] | None = None) -> dict[str, DepartmentConfig]:
    """Every source with a department API configured (PORTAL_DEPT_<SOURCE>_URL)."""
    from portal.verification.rules import SOURCES

    out = {}
    for source in SOURCES:
        config = DepartmentConfig.from_env(source, env)
        if config is not None:
            out[source] = config
    return out


@dataclass(frozen=True)
class BreakerConfig:
    failures: int = 3  # consecutive failed searches that open the circuit
    open_s: float = 300.0  # how long it stays open before one probe is let through

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BreakerConfig:
        env = dict(os.environ if env is None else env)
        return cls(max(1, int(env.get("PORTAL_DEPT_BREAKER_FAILURES", 3))),
                   float(env.get("PORTAL_DEPT_BREAKER_OPEN_S", 300)))
