"""The sandbox as an ASGI application: the SOAP endpoint, its WSDL, and the admin endpoint.

A bare ASGI callable (with Starlette's Request and Response for the plumbing) rather than a
routed Starlette app, because one fault needs the raw ASGI channel: a dropped connection is a
response that starts and is never finished, which makes the server close the connection with
no answer the client can read.

    POST <path>            a SOAP 1.1 request (hub/sandbox/soap.py, hub/sandbox/operations.py)
    GET  <path>?wsdl       the WSDL, with this endpoint as its address
    GET|PUT|DELETE /admin/faults   the fault plan (JSON, hub/sandbox/faults.py)
    GET  /admin/stats      rows stored, faults fired
The admin endpoint answers only on loopback and only with `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from hub.ministry.contract import (
    MAX_CONCURRENT_REQUESTS,
    MAX_REQUESTS_PER_SECOND,
    MAX_SUBMISSION_BYTES,
    FaultCode,
    wsdl_for,
)
from hub.sandbox.auth import Accounts
from hub.sandbox.faults import FaultInjector, FaultPlan
from hub.sandbox.limits import AccountLimits
from hub.sandbox.operations import Service
from hub.sandbox.processor import Processor
from hub.sandbox.soap import (
    ServiceFault,
    envelope,
    fault_envelope,
    parse_request,
    server_error_envelope,
)
from hub.sandbox.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = MAX_SUBMISSION_BYTES * 4 // 3 + 4 * 1024 * 1024
"""20 MB of documents in base64 plus room for the envelope; a larger body is not read."""
SOAP_MEDIA_TYPE = "text/xml; charset=utf-8"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class SandboxApp:
    """The ministry sandbox's ASGI application.

    Args:
        store, service, processor: the state, the operations and the document worker.
        accounts: who may call.
        faults: the live fault plan.
        limits: per-account request limits.
        path: the SOAP endpoint's path.
        admin_token: the bearer token of the admin endpoint; None disables it.
    """

    def __init__(
        self,
        *,
        store: Store,
        service: Service,
        processor: Processor,
        accounts: Accounts,
        faults: FaultInjector,
        limits: AccountLimits,
        path: str = "/ketnoi",
        admin_token: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.service = service
        self.processor = processor
        self.accounts = accounts
        self.faults = faults
        self.limits = limits
        self.path = path
        self._admin_token = admin_token
        self._clock = clock
        self.apply_plan(faults.plan)

    def apply_plan(self, plan: FaultPlan) -> None:
        """Install a fault plan (and the limits it tightens)."""
        self.faults.set_plan(plan, self._clock())
        if plan.rate_limit is not None:
            self.limits.configure(plan.rate_limit.rate, plan.rate_limit.concurrent)
        else:
            self.limits.configure(MAX_REQUESTS_PER_SECOND, MAX_CONCURRENT_REQUESTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not served
            return
        request = Request(scope, receive)
        path, method = request.url.path, request.method
        if path == self.path and method == "POST":
            await self._soap(request, send)
            return
        if path == self.path and method == "GET" and "wsdl" in request.query_params:
            address = str(request.url.replace(query=""))
            response: Response = Response(wsdl_for(address), media_type=SOAP_MEDIA_TYPE)
        elif path.startswith("/admin/"):
            response = await self._admin(request)
        else:
            response = PlainTextResponse("Không tìm thấy / Not found", status_code=404)
        await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.processor.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await run_in_threadpool(self.processor.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _soap(self, request: Request, send: Send) -> None:
        try:
            response = await self._answer(request, send)
        except ServiceFault as fault:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
            response = Response(
                fault_envelope(fault),
                status_code=fault.http_status,
                media_type=SOAP_MEDIA_TYPE,
                headers=headers,
            )
        except Exception:
            log.exception("The sandbox failed on a request")
            response = Response(server_error_envelope(), 500, media_type=SOAP_MEDIA_TYPE)
        if response is not None:
            await response(request.scope, request.receive, send)

    async def _answer(self, request: Request, send: Send) -> Response | None:
        retry_after = self.faults.maintenance_retry_after(self._clock())
        if retry_after is not None:
            raise ServiceFault(
                FaultCode.MAINTENANCE, "Hệ thống đang bảo trì.", retry_after=retry_after
            )
        body = await _read_capped(request)
        parsed = await run_in_threadpool(parse_request, body)
        operation = parsed.operation
        if self.faults.drop(operation):
            # Start an answer and never finish it: the server closes the connection.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1")],
                }
            )
            return None
        account = self.accounts.authenticate(parsed.security, self._clock())
        with self.limits.admit(account.username):
            delay = self.faults.latency(operation)
            if delay:
                await asyncio.sleep(delay)
            answer = await run_in_threadpool(self.service.handle, account, parsed.body)
        status = self.faults.error_after_store(operation)
        if status is not None:
            return PlainTextResponse("Internal Server Error", status_code=status)
        return Response(envelope(answer), media_type=SOAP_MEDIA_TYPE)

    async def _admin(self, request: Request) -> Response:
        client = request.client.host if request.client else ""
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if (
            self._admin_token is None
            or client not in LOOPBACK
            or not hmac.compare_digest(token.encode(), self._admin_token.encode())
        ):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        path, method = request.url.path, request.method
        if path == "/admin/faults" and method == "PUT":
            try:
                plan = FaultPlan.model_validate_json(await request.body())
            except ValidationError as exc:
                return JSONResponse({"error": json.loads(exc.json())}, status_code=400)
            self.apply_plan(plan)
        elif path == "/admin/faults" and method == "DELETE":
            self.apply_plan(FaultPlan())
        elif path == "/admin/stats" and method == "GET":
            counts = await run_in_threadpool(self.store.counts)
            return JSONResponse({"rows": counts, "faults": self.faults.snapshot()["fired"]})
        elif not (path == "/admin/faults" and method == "GET"):
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(self.faults.snapshot())


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> ServiceFault:
    return ServiceFault(
        FaultCode.TOO_LARGE,
        f"Yêu cầu vượt {MAX_REQUEST_BYTES // (1024 * 1024)} MB (tối đa 20 MB học bạ mỗi lô).",
    )
