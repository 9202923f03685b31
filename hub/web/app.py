"""The HTTP app of `hub serve`: its route table (path → handler → who may call) and the app.

    /healthz   loopback_or_token   the service is up: its schedules' next firings, its queues
    /metrics   loopback_or_token   Prometheus text (hub.web.metrics; a placeholder until merged)

Every route is a row of `ROUTES` with its rule's name (hub.web.auth.RULES); `build_app` wraps
each handler in its rule, so no route is served unchecked, and the tests walk the table: a
row added without a test of its rule fails them. A refused request gets 401 with a bilingual
JSON body and never learns whether the route exists beyond that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.web.auth import RULES, Access

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Face:
    """What the routes read from the running service (hub.service fills it)."""

    health: Callable[[], dict[str, Any]]  # JSON-able, no personal data
    metrics: Callable[[], Response]


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One row of the route table."""

    path: str
    methods: tuple[str, ...]
    rule: str  # a key of hub.web.auth.RULES
    handler: Callable[[Face], Handler]


def _healthz(face: Face) -> Handler:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", **face.health()})

    return healthz


def _metrics(face: Face) -> Handler:
    async def metrics(request: Request) -> Response:
        return face.metrics()

    return metrics


ROUTES: tuple[RouteRule, ...] = (
    RouteRule("/healthz", ("GET",), "loopback_or_token", _healthz),
    RouteRule("/metrics", ("GET",), "loopback_or_token", _metrics),
)
"""Every route of `hub serve` and who may call it; later routes (seal agent, console) add rows."""


def _refused() -> Response:
    return JSONResponse(
        {
            "error": "unauthorised",
            "message_vi": "Cần gọi từ máy này hoặc kèm Authorization: Bearer <HUB_SERVE_TOKEN>.",
            "message_en": "Call from this machine or send Authorization: Bearer <HUB_SERVE_TOKEN>.",
        },
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _guarded(route: RouteRule, face: Face, access: Access) -> Handler:
    rule, handler = RULES[route.rule], route.handler(face)

    async def guarded(request: Request) -> Response:
        if not rule(request, access):
            return _refused()
        return await handler(request)

    return guarded


def build_app(face: Face, access: Access, routes: tuple[RouteRule, ...] = ROUTES) -> Starlette:
    """The app: each row of `routes` served behind its rule.

    Raises:
        KeyError: a row names a rule hub.web.auth does not have (a bug, found at start).
    """
    return Starlette(
        routes=[Route(r.path, _guarded(r, face, access), methods=list(r.methods)) for r in routes]
    )
