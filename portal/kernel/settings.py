"""Configuration from environment variables, with defaults that work on a laptop.

Read once per process (`get_settings()`); nothing here imports reflex, so services, the CLI and
rxconfig.py can all use it.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the repository (this file is portal/kernel/settings.py)


def _data_dir() -> Path:
    path = Path(os.environ.get("PORTAL_DATA_DIR", PROJECT_ROOT / "data"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _secret_key(data_dir: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once and kept under data/ (never committed)."""
    if key := os.environ.get("PORTAL_SECRET_KEY"):
        return key
    key_file = data_dir / "secret_key"
    try:
        # Created owner-only in one step (no moment when another local account could read it); a second process
        # starting at the same time reads the first one's key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    for _ in range(50):  # the other process may not have written its key yet
        if key := key_file.read_text().strip():
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{key_file} is empty: remove it and start again")


DEFAULT_PUBLIC_BASE_URL = "http://localhost:3000"


def origin_of(url: str) -> str:
    """'https://dibao.example.cn/r/x' → 'https://dibao.example.cn': the form browsers send in the Origin header."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def is_private_address(url: str) -> bool:
    """Whether ``url`` points at this machine or a private network, which a resident's phone cannot open:
    localhost, *.localhost, *.local, a bare host name without a dot, and loopback, private, link-local or
    unspecified IP addresses. ``http://127.0.0.1:3000`` → True; ``https://dibao.example.cn`` → False."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    if not host or host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved


def public_origin_from_env() -> str:
    """The portal's own origin, read without touching the data dir (rxconfig.py needs it at import time)."""
    return origin_of(os.environ.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    public_base_url: str
    session_hours: int
    # Sign-in throttling: failures allowed per account / per client address inside the window.
    login_max_failures_account: int
    login_max_failures_client: int
    login_window_minutes: int
    # Heavy work (image intake, PDF/QR drawing): jobs running at once, and jobs that may wait for a slot.
    heavy_workers: int = 2
    heavy_queue: int = 8
    # Largest request body accepted on the upload endpoint (Reflex's /_upload), and on every other path.
    max_upload_bytes: int = 64 * 1024 * 1024  # one upload event takes up to 5 photos of 10 MB
    max_body_bytes: int = 1024 * 1024
    # The sweep: unattached photos older than this are removed; drafts idle this long are removed with theirs.
    sweep_unfiled_hours: int = 24
    sweep_draft_days: int = 30
    # Reverse proxies whose X-Forwarded-For is believed (ip_network entries); empty: use the direct peer.
    trusted_proxies: tuple = ()
    # QR posters for a loopback or private PUBLIC_BASE_URL are refused (residents' phones cannot open it) unless
    # this is set: the demo on one machine and the end-to-end tests set it.
    allow_local_poster_url: bool = False
    # The province's own line for 低保 complaints and reports (the footer's 12345 is the general government line).
    complaint_line: str = ""
    # A real site (PORTAL_PRODUCTION=1): no demo data, and the server does not start until preflight passes.
    production: bool = False

    @property
    def complaint_tel(self) -> str:
        """The complaint line's `tel:` link ("" when none is set)."""
        digits = "".join(c for c in self.complaint_line if c.isdigit() or c == "+")
        return "tel:" + digits if digits else ""

    @property
    def poster_url_refused(self) -> bool:
        """Posters would send residents to an address their phones cannot reach, and nobody allowed that."""
        return is_private_address(self.public_base_url) and not self.allow_local_poster_url

    @property
    def public_origin(self) -> str:
        """The only origin allowed to use the sign-in cookie across the websocket and /api/ (CORS)."""
        return origin_of(self.public_base_url)

    @property
    def cookie_secure(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def private_upload_dir(self) -> Path:
        path = self.data_dir / "private_uploads"
        path.mkdir(parents=True, exist_ok=True)
        return path


def parse_networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """'10.0.0.1, 172.16.0.0/12' → networks. A typo must stop the start, not silently trust nobody (or everybody)."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec.split(",") if item.strip())


@functools.cache
def get_settings() -> Settings:
    data_dir = _data_dir()
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}",
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=_secret_key(data_dir),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/"),
        session_hours=int(os.environ.get("PORTAL_SESSION_HOURS", "8")),
        login_max_failures_account=int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES_ACCOUNT", "5")),
        login_max_failures_client=int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES_CLIENT", "20")),
        login_window_minutes=int(os.environ.get("PORTAL_LOGIN_WINDOW_MINUTES", "15")),
        heavy_workers=int(os.environ.get("PORTAL_HEAVY_WORKERS", "2")),
        heavy_queue=int(os.environ.get("PORTAL_HEAVY_QUEUE", "8")),
        max_upload_bytes=int(float(os.environ.get("PORTAL_MAX_UPLOAD_MB", "64")) * 1024 * 1024),
        max_body_bytes=int(float(os.environ.get("PORTAL_MAX_BODY_KB", "1024")) * 1024),
        sweep_unfiled_hours=int(os.environ.get("PORTAL_SWEEP_UNFILED_HOURS", "24")),
        sweep_draft_days=int(os.environ.get("PORTAL_SWEEP_DRAFT_DAYS", "30")),
        trusted_proxies=parse_networks(os.environ.get("PORTAL_TRUSTED_PROXIES", "")),
        allow_local_poster_url=os.environ.get("PORTAL_ALLOW_LOCAL_POSTER_URL", "").strip().lower() in
        ("1", "true", "yes"),
        production=os.environ.get("PORTAL_PRODUCTION", "").strip().lower() in ("1", "true", "yes"),
        complaint_line=re.sub(r"[^0-9+() -]", "", os.environ.get("PORTAL_COMPLAINT_LINE", ""))[:32].strip(),
    )
