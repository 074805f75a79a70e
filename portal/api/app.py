"""The Starlette app mounted in front of Reflex (`api_transformer`): everything under /api/."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from portal.api import auth, health

api = Starlette(routes=[
    Route("/api/health", health.health, methods=["GET"]),
    Route("/api/auth/login", auth.login, methods=["POST"]),
    Route("/api/auth/logout", auth.logout, methods=["POST"]),
    Route("/api/auth/me", auth.me, methods=["GET"]),
])
