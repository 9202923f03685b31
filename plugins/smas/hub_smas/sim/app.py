"""The simulator's ASGI app: SMAS's open API v1 over a `World`, as the spec words it.

Every request must carry `X-Api-Key` (a school's key), `X-Timestamp` within 300 s of the
server's clock and `X-Signature` = hex HMAC-SHA256 over ``GET\\n<path?query as sent>\\n<ts>``
with the key's secret; else 401 ``{"error": "invalid_signature" | "clock_skew",
"serverTime"}``. A key reads only its own school (another school's class is 404). Lists are
paged (`page`, `pageSize` ≤ 100, `totalPages`). A plain ASGI callable, no framework: the bench
measures the simulator's own ceiling, and it should be the client's to reach.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import World

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
WINDOW = 300
MAX_PAGE = 100


class Answer(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


class SmasSimulator:
    """`SmasSimulator(world, faults)` is an ASGI app; `requests` counts what it answered."""

    def __init__(self, world: World, faults: FaultPlan | None = None) -> None:
        self.world = world
        self.faults = faults or FaultPlan()
        self.requests = 0
        self._keys = {
            s["credentials"]["api_key"]: (code, s["credentials"]["secret"])
            for code, s in world.schools.items()
        }
        self._classes: dict[int, tuple[str, str]] = {}  # classId → (school, first year)
        for code, school in world.schools.items():
            for year, data in school["years"].items():
                for klass in data["classes"]:
                    self._classes[int(klass["classId"])] = (code, year)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        self.requests += 1
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = self.answer(scope["method"], scope["path"], query.decode(), target, headers)
            status = 200
            fault = self.faults.draw()
            if fault == "slow":
                await asyncio.sleep(self.faults.slow_seconds)
            elif fault == "error":
                raise Answer(500, {"error": "internal_error"})
            data = json.dumps(body, ensure_ascii=False).encode()
            if fault == "malformed":
                data = data[: max(1, len(data) // 2)]
        except Answer as answer:
            status, data = answer.status, json.dumps(answer.body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    def now(self) -> int:
        return int(time.time()) + self.faults.clock_offset

    def _school_of(self, method: str, target: str, headers: dict[str, str]) -> str:
        now = self.now()
        found = self._keys.get(headers.get("x-api-key", ""))
        stamp = headers.get("x-timestamp", "")
        refused = {"error": "invalid_signature", "serverTime": now}
        if found is None or not stamp.isdigit():
            raise Answer(401, refused)
        school, secret = found
        message = f"{method}\n{target}\n{stamp}".encode()
        expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("x-signature", "")):
            raise Answer(401, refused)
        if abs(int(stamp) - now) > WINDOW:
            raise Answer(401, {"error": "clock_skew", "serverTime": now})
        return school

    def answer(
        self, method: str, path: str, query: str, target: str, headers: dict[str, str]
    ) -> Any:
        school = self._school_of(method, target, headers)
        if method != "GET":
            raise Answer(405, {"error": "method_not_allowed"})
        params = dict(parse_qsl(query))
        parts = path.strip("/").split("/")
        if parts[:2] != ["api", "v1"]:
            raise Answer(404, {"error": "not_found"})
        rest = parts[2:]
        data = self.world.schools[school]
        if rest[:1] == ["schools"] and len(rest) >= 2:
            if rest[1] != school:
                raise Answer(404, {"error": "not_found"})
            if len(rest) == 2:
                return data["school"]
            if rest[2:] == ["leaders"]:
                year = data["years"].get(params.get("schoolYear", ""))
                return _page(year["leaders"] if year else [], params)
        if rest == ["classes"]:
            if params.get("schoolCode") != school:
                raise Answer(404, {"error": "not_found"})
            year = data["years"].get(params.get("schoolYear", ""))
            return _page(year["classes"] if year else [], params)
        if rest[:1] == ["classes"] and len(rest) == 3 and rest[1].isdigit():
            return self._class(school, int(rest[1]), rest[2], params)
        raise Answer(404, {"error": "not_found"})

    def _class(self, school: str, class_id: int, what: str, params: dict[str, str]) -> Any:
        owner = self._classes.get(class_id)
        if owner is None or owner[0] != school:
            raise Answer(404, {"error": "not_found"})
        if what == "markbook" and class_id in self.faults.failing_classes:
            raise Answer(500, {"error": "internal_error"})
        data = self.world.schools[school]["years"][owner[1]]["class_data"][str(class_id)]
        if what == "pupils":
            return _page(data["pupils"], params)
        if what == "subjects":
            return _page(data["subjects"], params)
        if what == "teachers":
            return data["teachers"]
        if what == "markbook":
            key = f"{params.get('subjectId')}:{params.get('semester')}"
            if key not in data["markbooks"] and params.get("semester") not in ("0", "1", "2"):
                raise Answer(400, {"error": "bad_semester"})
            return _page(data["markbooks"].get(key, []), params)
        if what == "results":
            return _page(data["results"].get(params.get("semester", ""), []), params)
        raise Answer(404, {"error": "not_found"})


def _page(items: list[Any], params: dict[str, str]) -> dict[str, Any]:
    try:
        page = max(1, int(params.get("page", "1")))
        size = int(params.get("pageSize", "20"))
    except ValueError:
        raise Answer(400, {"error": "bad_page"}) from None
    if not 1 <= size <= MAX_PAGE:
        raise Answer(400, {"error": "bad_page_size", "max": MAX_PAGE})
    pages = max(1, math.ceil(len(items) / size))
    start = (page - 1) * size
    return {
        "data": items[start : start + size],
        "page": page,
        "pageSize": size,
        "totalPages": pages,
    }
