"""The simulated vnEdu partner API (sources.md, vnEdu v2) as an ASGI app, with its controls.

    POST /oauth/token                                  client credentials → access_token
    GET  /v2/schools?nam_hoc=                          {"items": [{ma_truong, ten_truong, cap_hoc}]}
    GET  /v2/schools/{ma_truong}/students?nam_hoc=&cursor=&limit=&updated_since=
                                                       {"items": [...], "next_cursor": … | null}
    GET  /v2/transcripts/{vnedu_id}?nam_hoc=           application/xml, or 404 while unsigned

Every answer carries an HTTP `Date` header (the server's clock, which an incremental reader
takes its next `updated_since` from). A client makes at most 5 requests a second (429 with
`Retry-After`), counted per client id over the /v2/ endpoints (the token endpoint is not
limited). Seeded faults come from a `FaultPlan` (sim.faults).

Controls for tests, from loopback only, never faulted or rate-limited:

    POST /_sim/learners/{vnedu_id}/touch   updated_at := now, the homeroom comment changes
                                           (JSON body {"nhan_xet_gvcn": "…"} optional)
    PATCH /_sim/learners/{vnedu_id}        set top-level values of the item (bad input for
                                           tests: {"ngay_sinh": "31/02/2012"}); updated_at
                                           := now unless given; documents unchanged
    POST /_sim/learners/{vnedu_id}/sign    a pending learner's document becomes available
    GET  /_sim/learners                    each learner's updated_at and document state
    GET  /_sim/stats                       requests by endpoint since start (or reset)
    POST /_sim/stats/reset
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api import is_loopback
from hub.testing import VendorKeys
from hub_vnedu.sim.faults import DocumentFault, Fault, FaultInjector, FaultPlan
from hub_vnedu.sim.state import VN, SimState

RATE_LIMIT = 5  # requests per second per client (sources.md)
MAX_LIMIT = 500
DEFAULT_LIMIT = 200


@dataclass
class Stats:
    """What the simulator was asked since it started or was last reset."""

    since: str = field(default_factory=lambda: datetime.now(VN).isoformat(timespec="seconds"))
    requests: Counter[str] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    first_pages: Counter[str] = field(default_factory=Counter)  # by MaTruong
    next_pages: Counter[str] = field(default_factory=Counter)
    transcripts: Counter[str] = field(default_factory=Counter)  # by vnedu_id
    rate_limited: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "requests": dict(self.requests),
            "status": dict(self.status),
            "faults": dict(self.faults),
            "students_pages": {
                code: {"first": self.first_pages[code], "next": self.next_pages[code]}
                for code in sorted(set(self.first_pages) | set(self.next_pages))
            },
            "transcripts_by_learner": dict(self.transcripts),
            "rate_limited": self.rate_limited,
        }


class RateLimiter:
    """At most `limit` requests in any second per client; `retry_after` when over."""

    def __init__(self, limit: int = RATE_LIMIT) -> None:
        self.limit = limit
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """None when the request may go (and counts it); else whole seconds to wait."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and now - seen[0] >= 1.0:
                seen.popleft()
            if len(seen) >= self.limit:
                return max(1, int(1.0 - (now - seen[0]) + 0.999))
            seen.append(now)
            return None


def _error(status: int, code: str, vi: str, en: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": code, "error_description": en, "mo_ta": vi}, status_code=status, headers=headers
    )


def _encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    after = value.get("after") if isinstance(value, dict) else None
    return after if isinstance(after, str) else None


class TruncatedResponse(Response):
    """An answer whose body stops halfway: Content-Length says the whole, then it closes."""

    def __init__(self, body: bytes, media_type: str) -> None:
        super().__init__(body, 200, media_type=media_type)
        self.whole = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", str(self.media_type).encode()),
            (b"content-length", str(len(self.whole)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        half = self.whole[: len(self.whole) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise ConnectionAbortedError("truncated on purpose (fault plan)")


class DateHeader:
    """Adds the HTTP `Date` header to every answer (RFC 9110), uvicorn's own turned off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"date"]
                headers.append((b"date", formatdate(usegmt=True).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_date)
        except ConnectionAbortedError:
            return  # a truncated answer: uvicorn closes the connection


class VneduSimulator:
    """The app's state: the learners, tokens, limits, faults and counts."""

    def __init__(
        self,
        state: SimState,
        client_secret: str,
        *,
        client_id: str | None = None,
        token_lifetime: int = 3600,
        faults: FaultPlan | None = None,
        rate_limit: int = RATE_LIMIT,
    ) -> None:
        self.state = state
        self.client_id = client_id or state.client_id
        self._secret = client_secret
        self.token_lifetime = token_lifetime
        self.faults = FaultInjector(faults or FaultPlan())
        self.limiter = RateLimiter(rate_limit)
        self.stats = Stats()
        self._tokens: dict[str, tuple[str, float]] = {}  # token → (client_id, expires at)
        self._documents: dict[str, bytes] = {}  # faulty documents, made on first request
        self._lock = threading.Lock()
        routes = [
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/v2/schools", self.schools, methods=["GET"]),
            Route("/v2/schools/{ma_truong}/students", self.students, methods=["GET"]),
            Route("/v2/transcripts/{vnedu_id}", self.transcript, methods=["GET"]),
            Route("/_sim/learners", self.control_learners, methods=["GET"]),
            Route("/_sim/learners/{vnedu_id}", self.control_patch, methods=["PATCH"]),
            Route("/_sim/learners/{vnedu_id}/touch", self.control_touch, methods=["POST"]),
            Route("/_sim/learners/{vnedu_id}/sign", self.control_sign, methods=["POST"]),
            Route("/_sim/stats", self.control_stats, methods=["GET"]),
            Route("/_sim/stats/reset", self.control_reset, methods=["POST"]),
        ]
        self.app = DateHeader(Starlette(routes=routes))

    def __repr__(self) -> str:
        return f"VneduSimulator(client_id={self.client_id!r}, schools={len(self.state.schools)})"

    # --- the token endpoint -------------------------------------------------------------

    async def _credentials(self, request: Request) -> tuple[str, str, str | None]:
        """(client_id, client_secret, grant_type) from a form, JSON or HTTP Basic."""
        body = await request.body()
        fields: dict[str, Any] = {}
        if "json" in request.headers.get("content-type", ""):
            try:
                loaded = json.loads(body or b"{}")
                fields = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                fields = {}
        else:
            parsed = parse_qs(body.decode("utf-8", "replace"))
            fields = {k: v[0] for k, v in parsed.items()}
        client, secret = str(fields.get("client_id", "")), str(fields.get("client_secret", ""))
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic ") and not client:
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                client, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        grant = fields.get("grant_type")
        return client, secret, str(grant) if grant is not None else None

    async def token(self, request: Request) -> Response:
        self.stats.requests["token"] += 1
        fault = self.faults.draw(token_endpoint=True)
        early = await self._early_fault(fault)
        if early is not None:
            return self._answer(early)
        client, secret, grant = await self._credentials(request)
        if grant is not None and grant != "client_credentials":
            return self._answer(
                _error(
                    400,
                    "unsupported_grant_type",
                    "Chỉ hỗ trợ grant_type=client_credentials.",
                    "Only grant_type=client_credentials is supported.",
                )
            )
        if client != self.client_id or not secrets.compare_digest(
            secret.encode(), self._secret.encode()
        ):
            return self._answer(
                _error(
                    401,
                    "invalid_client",
                    "client_id hoặc client_secret không đúng.",
                    "Wrong client_id or client_secret.",
                )
            )
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (client, time.time() + self.token_lifetime)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}
        return self._answer(self._json_or_fault(body, fault))

    # --- shared gates -------------------------------------------------------------------

    def _answer(self, response: Response) -> Response:
        self.stats.status[str(response.status_code)] += 1
        return response

    async def _early_fault(self, fault: Fault | None) -> Response | None:
        """A fault that replaces the answer (500) or delays it (slow: then None)."""
        if fault is None:
            return None
        self.stats.faults[fault.value] += 1
        if fault is Fault.SERVER_ERROR:
            return _error(
                500, "server_error", "Lỗi máy chủ (giả lập).", "Server error (simulated)."
            )
        if fault is Fault.SLOW:
            await asyncio.sleep(self.faults.plan.slow_seconds)
        return None

    def _json_or_fault(self, body: Any, fault: Fault | None) -> Response:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if fault is Fault.TRUNCATED:
            return TruncatedResponse(data, "application/json")
        if fault is Fault.MALFORMED_JSON:
            return Response(data[: max(1, len(data) // 3)] + b"\x00<html>", 200,
                            media_type="application/json")  # fmt: skip
        return Response(data, 200, media_type="application/json")

    def _client_of(self, request: Request) -> tuple[str | None, str | None]:
        """(the token, its client) when the request carries a live token."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return None, None
        token = header[7:].strip()
        with self._lock:
            found = self._tokens.get(token)
            if found is None:
                return token, None
            if found[1] <= time.time():
                del self._tokens[token]
                return token, None
        return token, found[0]

    async def _gate(
        self, request: Request, *, xml: bool = False
    ) -> tuple[Response | None, Fault | None]:
        """Rate limit, fault, then the token: an answer that ends the request, or the fault
        left for the body (truncated, malformed)."""
        token, client = self._client_of(request)
        host = request.client.host if request.client else "?"
        wait = self.limiter.retry_after(client or f"address:{host}")
        if wait is not None:
            self.stats.rate_limited += 1
            return self._answer(
                _error(
                    429,
                    "rate_limited",
                    f"Quá {self.limiter.limit} yêu cầu mỗi giây; thử lại sau {wait} giây.",
                    f"More than {self.limiter.limit} requests a second; retry after {wait} s.",
                    **{"Retry-After": str(wait)},
                )
            ), None
        fault = self.faults.draw(xml=xml)
        early = await self._early_fault(fault)
        if early is not None:
            return self._answer(early), None
        if fault is Fault.EXPIRED_TOKEN and token is not None:
            with self._lock:
                self._tokens.pop(token, None)
            client = None
        if client is None:
            return self._answer(
                _error(
                    401,
                    "invalid_token",
                    "Mã truy cập không hợp lệ hoặc đã hết hạn.",
                    "The access token is invalid or expired.",
                    **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            ), None
        return None, fault

    def _year(self, request: Request) -> Response | None:
        year = request.query_params.get("nam_hoc")
        if not year:
            return self._answer(
                _error(400, "invalid_request", "Thiếu nam_hoc.", "nam_hoc is required.")
            )
        return None

    # --- the API ------------------------------------------------------------------------

    async def schools(self, request: Request) -> Response:
        self.stats.requests["schools"] += 1
        stop, fault = await self._gate(request)
        if stop is not None:
            return stop
        bad = self._year(request)
        if bad is not None:
            return bad
        same_year = request.query_params["nam_hoc"] == self.state.nam_hoc
        items = list(self.state.schools) if same_year else []
        return self._answer(self._json_or_fault({"items": items}, fault))

    async def students(self, request: Request) -> Response:
        self.stats.requests["students"] += 1
        code = request.path_params["ma_truong"]
        cursor = request.query_params.get("cursor")
        (self.stats.next_pages if cursor else self.stats.first_pages)[code] += 1
        stop, fault = await self._gate(request)
        if stop is not None:
            return stop
        bad = self._year(request)
        if bad is not None:
            return bad
        if code not in self.state.items:
            return self._answer(
                _error(404, "not_found", f"Không có trường {code}.", f"No school {code}.")
            )
        try:
            limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return self._answer(
                _error(
                    400,
                    "invalid_request",
                    f"limit phải từ 1 đến {MAX_LIMIT}.",
                    f"limit must be 1..{MAX_LIMIT}.",
                )
            )
        since: datetime | None = None
        text = request.query_params.get("updated_since")
        if text:
            try:
                since = datetime.fromisoformat(text.replace(" ", "+"))
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                return self._answer(
                    _error(
                        400,
                        "invalid_request",
                        f"updated_since '{text}' không phải thời điểm ISO 8601 có múi giờ.",
                        f"updated_since '{text}' is not an ISO 8601 time with an offset.",
                    )
                )
        after = _decode_cursor(cursor) if cursor else None
        if cursor and after is None:
            return self._answer(
                _error(400, "invalid_cursor", "cursor không hợp lệ.", "The cursor is not valid.")
            )
        if request.query_params["nam_hoc"] != self.state.nam_hoc:
            return self._answer(self._json_or_fault({"items": [], "next_cursor": None}, fault))
        with self.state.lock:
            chosen = [
                item
                for item in self.state.items[code]
                if (after is None or item["vnedu_id"] > after)
                and (since is None or datetime.fromisoformat(item["updated_at"]) >= since)
            ]
            page = json.loads(json.dumps(chosen[:limit]))  # a copy, taken under the lock
        more = len(chosen) > limit
        next_cursor = _encode_cursor(page[-1]["vnedu_id"]) if more else None
        return self._answer(self._json_or_fault({"items": page, "next_cursor": next_cursor}, fault))

    async def transcript(self, request: Request) -> Response:
        self.stats.requests["transcripts"] += 1
        key = request.path_params["vnedu_id"]
        self.stats.transcripts[key] += 1
        stop, fault = await self._gate(request, xml=True)
        if stop is not None:
            return stop
        bad = self._year(request)
        if bad is not None:
            return bad
        document = None
        if request.query_params["nam_hoc"] == self.state.nam_hoc:
            document = self.document(key)
        if document is None:
            return self._answer(
                _error(
                    404,
                    "not_found",
                    f"Học bạ {key} chưa ký xong hoặc không có.",
                    f"The transcript {key} is not signed yet, or there is none.",
                )
            )
        if fault is Fault.TRUNCATED:
            return self._answer(TruncatedResponse(document, "application/xml"))
        return self._answer(Response(document, 200, media_type="application/xml"))

    def document(self, key: str) -> bytes | None:
        """The signed document vnEdu serves for `key` (faulty when the plan says), or None."""
        signed = self.state.signed_document(key)
        if signed is None:
            return None
        fault = self.faults.document_fault(key)
        if fault is None:
            return signed
        with self._lock:
            made = self._documents.get(key)
        if made is None:
            keys: VendorKeys = self.state.keys(self.state.school_of[key])
            unsigned = self.state.unsigned_document(key)
            made = (
                keys.bad_signature(unsigned)
                if fault is DocumentFault.BAD_SIGNATURE
                else keys.wrong_content(unsigned)
            )
            with self._lock:
                self._documents[key] = made
        return made

    def document_state(self, key: str) -> str:
        """ "pending", "signed", or the document's fault ("bad-signature", "wrong-content")."""
        if key not in self.state.signed:
            return "pending"
        fault = self.faults.document_fault(key)
        return fault.value if fault else "signed"

    # --- controls -----------------------------------------------------------------------

    @staticmethod
    def _local(request: Request) -> Response | None:
        host = request.client.host if request.client else ""
        if host in ("testclient", "testserver") or is_loopback(host):
            return None
        return _error(403, "forbidden", "Chỉ từ loopback.", "Loopback only.")

    async def control_learners(self, request: Request) -> Response:
        refused = self._local(request)
        if refused:
            return refused
        rows = [
            {
                "vnedu_id": item["vnedu_id"],
                "ma_truong": code,
                "updated_at": item["updated_at"],
                "document": self.document_state(item["vnedu_id"]),
            }
            for code, items in self.state.items.items()
            for item in items
        ]
        return JSONResponse({"items": rows})

    async def control_touch(self, request: Request) -> Response:
        refused = self._local(request)
        if refused:
            return refused
        key = request.path_params["vnedu_id"]
        body = await request.body()
        comment = None
        if body:
            try:
                comment = json.loads(body).get("nhan_xet_gvcn")
            except (ValueError, AttributeError):
                return _error(400, "invalid_request", "JSON không hợp lệ.", "Invalid JSON.")
        try:
            item = self.state.touch(key, datetime.now(VN), comment)
        except KeyError:
            return _error(404, "not_found", f"Không có học sinh {key}.", f"No learner {key}.")
        with self._lock:
            self._documents.pop(key, None)
        return JSONResponse({"vnedu_id": key, "updated_at": item["updated_at"]})

    async def control_patch(self, request: Request) -> Response:
        refused = self._local(request)
        if refused:
            return refused
        key = request.path_params["vnedu_id"]
        try:
            values = json.loads(await request.body())
        except ValueError:
            values = None
        if not isinstance(values, dict):
            return _error(
                400, "invalid_request", "Cần một đối tượng JSON.", "Expected a JSON object."
            )
        try:
            item = self.state.patch(key, values, datetime.now(VN))
        except KeyError:
            return _error(404, "not_found", f"Không có học sinh {key}.", f"No learner {key}.")
        return JSONResponse(item)

    async def control_sign(self, request: Request) -> Response:
        refused = self._local(request)
        if refused:
            return refused
        key = request.path_params["vnedu_id"]
        try:
            changed = self.state.sign(key)
        except KeyError:
            return _error(404, "not_found", f"Không có học sinh {key}.", f"No learner {key}.")
        return JSONResponse({"vnedu_id": key, "signed": True, "changed": changed})

    async def control_stats(self, request: Request) -> Response:
        refused = self._local(request)
        return refused or JSONResponse(self.stats.as_json())

    async def control_reset(self, request: Request) -> Response:
        refused = self._local(request)
        if refused:
            return refused
        self.stats = Stats()
        return JSONResponse(self.stats.as_json())
