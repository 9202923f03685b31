"""Every route of `hub serve` has a rule, and each rule holds: a test per row of the route table."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.responses import PlainTextResponse

from hub.web.app import ROUTES, Face, RouteRule, build_app
from hub.web.auth import RULES, Access

TOKEN = "s3cret-token-of-the-test"
FACE = Face(
    health=lambda: {"schedules": {"nightly": None}, "queues": []},
    metrics=lambda: PlainTextResponse("hub_up 1\n"),
)
IDS = [r.path for r in ROUTES]


def _call(host: str, token: str | None, method: str, path: str, **headers: Any) -> httpx.Response:
    """One request to the app as if from `host` (httpx's ASGI transport sets the client)."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(build_app(FACE, Access(token)), client=(host, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.request(method, path, headers=headers)

    return asyncio.run(call())


def _get(route: RouteRule, host: str, token: str | None, **headers: Any) -> int:
    return _call(host, token, route.methods[0], route.path, **headers).status_code


def test_every_route_names_a_known_rule() -> None:
    assert ROUTES
    assert all(route.rule in RULES for route in ROUTES)
    assert len({r.path for r in ROUTES}) == len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_loopback_is_open_without_a_token(route: RouteRule, host: str) -> None:
    assert route.rule == "loopback_or_token"
    assert _get(route, host, None) == 200
    assert _get(route, host, TOKEN) == 200


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_off_loopback_the_token_is_required(route: RouteRule) -> None:
    assert _get(route, "192.0.2.7", TOKEN, authorization=f"Bearer {TOKEN}") == 200
    assert _get(route, "192.0.2.7", TOKEN) == 401
    assert _get(route, "192.0.2.7", TOKEN, authorization="Bearer wrong") == 401
    assert _get(route, "192.0.2.7", TOKEN, authorization=f"Basic {TOKEN}") == 401


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_off_loopback_with_no_token_configured_everything_is_refused(route: RouteRule) -> None:
    assert _get(route, "192.0.2.7", None) == 401
    assert _get(route, "192.0.2.7", None, authorization="Bearer ") == 401
    assert _get(route, "192.0.2.7", None, authorization="Bearer None") == 401


def test_a_refusal_says_what_to_do_in_both_languages() -> None:
    answer = _call("192.0.2.7", TOKEN, "GET", "/healthz")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    body = answer.json()
    assert "HUB_SERVE_TOKEN" in body["message_en"]
    assert "HUB_SERVE_TOKEN" in body["message_vi"]


def test_healthz_and_metrics_answer_from_the_service() -> None:
    health = _call("127.0.0.1", None, "GET", "/healthz").json()
    assert health == {"status": "ok", "schedules": {"nightly": None}, "queues": []}
    assert _call("127.0.0.1", None, "GET", "/metrics").text == "hub_up 1\n"
