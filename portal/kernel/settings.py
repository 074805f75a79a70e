"""Configuration from environment variables, with defaults that work on a laptop.

Read once per process (`get_settings()`); nothing here imports reflex, so services, the CLI and
rxconfig.py can all use it.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the repository (this file is portal/kernel/settings.py)


def _data_dir() -> Path:
    path = Path(os.environ.get("PORTAL_DATA_DIR", PROJECT_ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(data_dir: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once and kept under data/ (never committed)."""
    if key := os.environ.get("PORTAL_SECRET_KEY"):
        return key
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


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

    @property
    def cookie_secure(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def private_upload_dir(self) -> Path:
        path = self.data_dir / "private_uploads"
        path.mkdir(parents=True, exist_ok=True)
        return path


@functools.cache
def get_settings() -> Settings:
    data_dir = _data_dir()
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portal.kernel.db'}",
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=_secret_key(data_dir),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://localhost:3000").rstrip("/"),
        session_hours=int(os.environ.get("PORTAL_SESSION_HOURS", "8")),
        login_max_failures_account=int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES_ACCOUNT", "5")),
        login_max_failures_client=int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES_CLIENT", "20")),
        login_window_minutes=int(os.environ.get("PORTAL_LOGIN_WINDOW_MINUTES", "15")),
    )
