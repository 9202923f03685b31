"""A simulator of a remote signing service, for tests, demos and vendors' integration work.

It speaks `hub.signing.providers.remote_protocol` with real keys and certificates, one per
signer, and stands in for the teacher's phone with an approval policy: approve or deny after N
polls, let the request expire after N polls, or never answer (the request then expires after its
time to live, or the client gives up first). A policy is set per signer, or queued for the
next request of a signer, or a request is decided by hand (`POST /sim/requests/{id}/decision`,
what a demo's "phone" page would call).

    /sim/signers/{signer_id}/policy    PUT  {decision, after_polls}
    /sim/signers/{signer_id}/queue     POST {decision, after_polls}  (the next request only)
    /sim/requests/{request_id}/decision POST {decision: approve | deny}
    /sim/requests                      GET  every request and its state

The /sim/ endpoints need the same bearer token as the protocol. The simulator listens on
loopback only: its keys are test keys.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.signing.providers.base import ProviderConfigError
from hub.signing.providers.keys import SigningKey, algorithm_for, sign_with_key
from hub.signing.providers.remote_protocol import (
    DEFAULT_TOKEN_ENV,
    DIGEST_BYTES,
    MAX_DATA_BYTES,
    MAX_DESCRIPTION_CHARS,
    REQUESTS_PATH,
    SIGNERS_PATH,
    Status,
)
from hub.signing.providers.secrets import read_secret


class Decision(StrEnum):
    """What the simulated phone does with a request."""

    APPROVE = "approve"
    DENY = "deny"
    EXPIRE = "expire"  # the service declares it expired (as if its time to live had passed)
    NEVER = "never"  # nobody answers: pending until the time to live passes


@dataclass(frozen=True)
class Policy:
    """Decide after `after_polls` polls: the first `after_polls` polls still see pending."""

    decision: Decision = Decision.APPROVE
    after_polls: int = 0


@dataclass
class _Signer:
    key: SigningKey
    chain: list[x509.Certificate]
    policy: Policy
    queued: deque[Policy] = field(default_factory=deque)

    def chain_pem(self) -> str:
        return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in self.chain)


@dataclass
class _Request:
    request_id: str
    signer_id: str
    payload: bytes
    prehashed: bool
    description: str
    expires_at: datetime
    policy: Policy
    polls: int = 0
    status: Status = Status.PENDING
    signature: bytes | None = None


class _ApiError(Exception):
    def __init__(self, status_code: int, error: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.response = JSONResponse(
            {"error": error, "message_vi": message_vi, "message_en": message_en},
            status_code=status_code,
        )


class SigningSimulator:
    """The service's state and its Starlette app (`.app`), safe to drive from a test thread.

    Args:
        token_env: the environment variable holding the API token clients must present
            (read at each request, so a test may change it).
        ttl_seconds: how long a request waits for its signer before it expires.
    """

    def __init__(self, token_env: str = DEFAULT_TOKEN_ENV, ttl_seconds: float = 300.0) -> None:
        self.token_env = token_env
        self.ttl = timedelta(seconds=ttl_seconds)
        # The event loop's thread serves HTTP while a test thread sets policies: one lock.
        self._lock = threading.Lock()
        self._signers: dict[str, _Signer] = {}
        self._requests: dict[str, _Request] = {}
        self.app = Starlette(
            routes=[
                Route(REQUESTS_PATH, self._create, methods=["POST"]),
                Route(REQUESTS_PATH + "/{request_id}", self._get, methods=["GET"]),
                Route(REQUESTS_PATH + "/{request_id}", self._cancel, methods=["DELETE"]),
                Route(SIGNERS_PATH + "/{signer_id}", self._signer, methods=["GET"]),
                Route("/sim/signers/{signer_id}/policy", self._set_policy, methods=["PUT"]),
                Route("/sim/signers/{signer_id}/queue", self._queue_policy, methods=["POST"]),
                Route("/sim/requests/{request_id}/decision", self._decide, methods=["POST"]),
                Route("/sim/requests", self._list, methods=["GET"]),
            ]
        )

    # -- the Python API (tests, the serve command) ----------------------------------------------

    def add_signer(
        self,
        signer_id: str,
        key: SigningKey,
        chain: list[x509.Certificate],
        policy: Policy | None = None,
    ) -> None:
        """Register a signer with their key, certificate chain (signer first) and policy."""
        algorithm_for(chain[0], f"simulator signer {signer_id}")  # refuse keys the profile won't
        with self._lock:
            self._signers[signer_id] = _Signer(key, list(chain), policy or Policy())

    def set_policy(self, signer_id: str, policy: Policy) -> None:
        """The policy for every later request of `signer_id` (queued policies go first)."""
        with self._lock:
            self._signers[signer_id].policy = policy

    def queue_policy(self, signer_id: str, policy: Policy) -> None:
        """A policy for the next request of `signer_id` only (per-request policies for tests)."""
        with self._lock:
            self._signers[signer_id].queued.append(policy)

    def decide(self, request_id: str, decision: Decision) -> None:
        """Answer a pending request now, as the signer tapping their phone."""
        with self._lock:
            request = self._requests[request_id]
            if request.status is Status.PENDING:
                self._settle(request, decision)

    def requests(self) -> list[dict[str, Any]]:
        """Every request's id, signer, status and poll count (for tests and the demo page)."""
        with self._lock:
            return [
                {
                    "request_id": r.request_id,
                    "signer_id": r.signer_id,
                    "status": str(r.status),
                    "polls": r.polls,
                    "description": r.description,
                }
                for r in self._requests.values()
            ]

    # -- state changes, under self._lock --------------------------------------------------------

    def _settle(self, request: _Request, decision: Decision) -> None:
        if decision is Decision.APPROVE:
            signer = self._signers[request.signer_id]
            request.signature = sign_with_key(
                signer.key, request.payload, prehashed=request.prehashed
            )
            request.status = Status.APPROVED
        elif decision is Decision.DENY:
            request.status = Status.DENIED
        elif decision is Decision.EXPIRE:
            request.status = Status.EXPIRED

    def _advance(self, request: _Request) -> None:
        """One poll: let time and the policy move a pending request on."""
        if request.status is not Status.PENDING:
            return
        request.polls += 1
        if datetime.now(UTC) >= request.expires_at:
            request.status = Status.EXPIRED
        elif request.policy.decision is not Decision.NEVER and (
            request.polls > request.policy.after_polls
        ):
            self._settle(request, request.policy.decision)

    def _view(self, request: _Request) -> dict[str, Any]:
        body: dict[str, Any] = {
            "request_id": request.request_id,
            "signer_id": request.signer_id,
            "status": str(request.status),
            "expires_at": request.expires_at.isoformat(),
        }
        if request.status is Status.APPROVED and request.signature is not None:
            body["signature_b64"] = base64.b64encode(request.signature).decode("ascii")
            body["certificate_chain_pem"] = self._signers[request.signer_id].chain_pem()
        return body

    # -- HTTP ----------------------------------------------------------------------------------

    def _check_token(self, request: Request) -> None:
        try:
            expected = read_secret(self.token_env, "Mã truy cập của trình mô phỏng", "The token")
        except ProviderConfigError as exc:  # the simulator's own set-up, not the client's fault
            raise _ApiError(500, "misconfigured", exc.message_vi, exc.message_en) from None
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            raise _ApiError(
                401, "unauthorized", "Mã truy cập không hợp lệ.", "The API token is not valid."
            )

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _ApiError(
                400,
                "bad_request",
                "Thân yêu cầu phải là đối tượng JSON.",
                "The body must be a JSON object.",
            )
        return body

    def _signer_of(self, signer_id: str) -> _Signer:
        signer = self._signers.get(signer_id)
        if signer is None:
            raise _ApiError(
                404,
                "unknown_signer",
                f"Không có người ký {signer_id!r}.",
                f"No signer {signer_id!r}.",
            )
        return signer

    def _request_of(self, request_id: str) -> _Request:
        found = self._requests.get(request_id)
        if found is None:
            raise _ApiError(
                404,
                "unknown_request",
                f"Không có yêu cầu ký {request_id!r}.",
                f"No signing request {request_id!r}.",
            )
        return found

    async def _create(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            body = await self._body(request)
            payload, prehashed = _payload(body)
            description = body.get("description", "")
            if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS:
                raise _bad(
                    "description",
                    f"một chuỗi tối đa {MAX_DESCRIPTION_CHARS} ký tự",
                    f"a string of at most {MAX_DESCRIPTION_CHARS} characters",
                )
            signer_id = body.get("signer_id")
            if not isinstance(signer_id, str):
                raise _bad("signer_id", "một chuỗi", "a string")
            with self._lock:
                signer = self._signer_of(signer_id)
                algorithm = str(algorithm_for(signer.chain[0], signer_id))
                if body.get("algorithm") != algorithm:
                    raise _ApiError(
                        409,
                        "algorithm_mismatch",
                        f"Khóa của {signer_id} ký theo {algorithm}, không theo "
                        f"{body.get('algorithm')!r}.",
                        f"{signer_id}'s key makes {algorithm}, not {body.get('algorithm')!r}.",
                    )
                policy = signer.queued.popleft() if signer.queued else signer.policy
                created = _Request(
                    request_id=secrets.token_urlsafe(12),
                    signer_id=signer_id,
                    payload=payload,
                    prehashed=prehashed,
                    description=description,
                    expires_at=datetime.now(UTC) + self.ttl,
                    policy=policy,
                )
                self._requests[created.request_id] = created
                return JSONResponse(self._view(created), status_code=201)
        except _ApiError as exc:
            return exc.response

    async def _get(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            with self._lock:
                found = self._request_of(request.path_params["request_id"])
                self._advance(found)
                return JSONResponse(self._view(found))
        except _ApiError as exc:
            return exc.response

    async def _cancel(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            with self._lock:
                found = self._request_of(request.path_params["request_id"])
                if found.status is not Status.PENDING:
                    raise _ApiError(
                        409,
                        "not_pending",
                        f"Yêu cầu đã ở trạng thái {found.status}; không hủy được.",
                        f"The request is already {found.status}; it cannot be cancelled.",
                    )
                found.status = Status.CANCELLED
                return JSONResponse(self._view(found))
        except _ApiError as exc:
            return exc.response

    async def _signer(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            signer_id = request.path_params["signer_id"]
            with self._lock:
                signer = self._signer_of(signer_id)
                return JSONResponse(
                    {
                        "signer_id": signer_id,
                        "algorithm": str(algorithm_for(signer.chain[0], signer_id)),
                        "certificate_chain_pem": signer.chain_pem(),
                    }
                )
        except _ApiError as exc:
            return exc.response

    async def _set_policy(self, request: Request) -> JSONResponse:
        return await self._policy_endpoint(request, queue=False)

    async def _queue_policy(self, request: Request) -> JSONResponse:
        return await self._policy_endpoint(request, queue=True)

    async def _policy_endpoint(self, request: Request, *, queue: bool) -> JSONResponse:
        try:
            self._check_token(request)
            policy = _policy(await self._body(request))
            signer_id = request.path_params["signer_id"]
            with self._lock:
                signer = self._signer_of(signer_id)
                if queue:
                    signer.queued.append(policy)
                else:
                    signer.policy = policy
            return JSONResponse(
                {"decision": str(policy.decision), "after_polls": policy.after_polls}
            )
        except _ApiError as exc:
            return exc.response

    async def _decide(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            body = await self._body(request)
            decision = body.get("decision")
            if decision not in (Decision.APPROVE, Decision.DENY):
                raise _bad("decision", '"approve" hoặc "deny"', '"approve" or "deny"')
            with self._lock:
                found = self._request_of(request.path_params["request_id"])
                if found.status is Status.PENDING:
                    self._settle(found, Decision(decision))
                return JSONResponse(self._view(found))
        except _ApiError as exc:
            return exc.response

    async def _list(self, request: Request) -> JSONResponse:
        try:
            self._check_token(request)
            return JSONResponse(self.requests())
        except _ApiError as exc:
            return exc.response


def _bad(name: str, expected_vi: str, expected_en: str) -> _ApiError:
    return _ApiError(
        400,
        "bad_request",
        f"Trường {name!r} phải là {expected_vi}.",
        f"The field {name!r} must be {expected_en}.",
    )


def _payload(body: dict[str, Any]) -> tuple[bytes, bool]:
    """The bytes to sign and whether they are a digest, from `digest_b64` xor `data_b64`."""
    digest_b64, data_b64 = body.get("digest_b64"), body.get("data_b64")
    if (digest_b64 is None) == (data_b64 is None):
        raise _bad(
            "digest_b64",
            "có mặt, hoặc data_b64 (đúng một trong hai)",
            "present, or data_b64 (exactly one of them)",
        )
    text = digest_b64 if digest_b64 is not None else data_b64
    try:
        payload = base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except ValueError:
        payload = None
    if digest_b64 is not None:
        if payload is None or len(payload) != DIGEST_BYTES:
            raise _bad(
                "digest_b64",
                f"base64 của {DIGEST_BYTES} byte SHA-256",
                f"the base64 of a {DIGEST_BYTES}-byte SHA-256",
            )
        return payload, True
    if payload is None or len(payload) > MAX_DATA_BYTES:
        raise _bad(
            "data_b64",
            f"base64 của tối đa {MAX_DATA_BYTES} byte",
            f"the base64 of at most {MAX_DATA_BYTES} bytes",
        )
    return payload, False


def _policy(body: dict[str, Any]) -> Policy:
    decision, after_polls = body.get("decision"), body.get("after_polls", 0)
    if decision not in set(Decision):
        raise _bad("decision", "approve, deny, expire hoặc never", "approve, deny, expire or never")
    if not isinstance(after_polls, int) or isinstance(after_polls, bool) or after_polls < 0:
        raise _bad("after_polls", "một số nguyên không âm", "a non-negative integer")
    return Policy(Decision(decision), after_polls)
