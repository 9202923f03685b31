"""The vnEdu partner API over HTTP (httpx): token, pacing, retries — and nothing about learners.

    VneduClient.get_json(path, params)   → Answer(body, server_time, shown)
    VneduClient.get_document(path, params) → bytes | None (404: not signed yet)

What each answer can be, and what the client does with it:

    200, a well-formed body         returned
    401                             the token is renewed once, transparently, and the request
                                    sent again; a 401 to a token just renewed counts as a
                                    failed attempt (the next attempt renews again)
    429                             wait `Retry-After` (seconds or an HTTP date), send again;
                                    not counted against the retries
    5xx, a network error, a         retried `retries` times with exponential back-off and
    truncated or malformed body     jitter, then `VneduUnavailable` (the caller reports it)
    404 (a transcript)              None: the school has not finished signing
    any other 4xx                   `VneduRefused`, not retried (a request vnEdu will not take)

Every request of one client — the token's too — starts at least 1/rate s after the one
before, so a read stays within vnEdu's 5 requests/s in every one-second window whatever the
answers' timing (a server's answer is never waited for to pace the next: the pace is of
request starts, the only thing a limiter counts).

The token request is the first of every read: a wrong `client_secret` (401/400 from
`POST /oauth/token`), a missing secret variable, or a server that cannot be reached there is
a `UsageError` naming `base_url` and the variable, the one message the operator needs.
The secret and the token never reach a log line, a message or `repr()`.
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from lxml import etree

from hub.api import ProviderConfigError, UsageError, read_secret
from hub_vnedu.config import Settings

log = logging.getLogger("hub_vnedu")

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled each time
BACKOFF_CAP = 30.0
MAX_THROTTLED = 30  # 429s one request may get before it is reported (Retry-After each)
TOKEN_MARGIN = 30.0  # renew a token this long before it expires (a tenth of a short one's life)
PACE_MARGIN = 0.02  # 1/rate stretched 2 %: a limiter counting a closed one-second window sees ≤ 5
RETRY_AFTER_CAP = 300.0  # a longer Retry-After is waited in steps of this, each a new 429

_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class VneduUnavailable(Exception):
    """A request still failed after its retries (5xx, network, bad body): reported, not fatal.

    Attributes:
        shown: the request as a person reads it (``GET /v2/…?nam_hoc=…``), no secret in it.
        cause: the last failure, in English (the status, the error's kind).
    """

    def __init__(self, shown: str, cause: str, attempts: int) -> None:
        super().__init__(f"{shown}: {cause} (after {attempts} attempts)")
        self.shown = shown
        self.cause = cause
        self.attempts = attempts


class VneduRefused(Exception):
    """vnEdu answered a 4xx the client cannot fix by retrying (400, 403, a page's 404)."""

    def __init__(self, shown: str, status: int, detail: str) -> None:
        super().__init__(f"{shown}: HTTP {status} {detail}")
        self.shown = shown
        self.status = status
        self.detail = detail


class BadBody(Exception):
    """An answer whose body is cut short or is not what the spec says."""


@dataclass
class ClientState:
    """What outlives one client: the token and the pace (a source keeps one for its reads and
    its `document` calls, so that they share the token and stay within 5/s together).

    Attributes:
        requests: requests sent, the token's included (tests and the bench read it).
    """

    token: str | None = None
    token_expires: float = 0.0
    last_start: float | None = None
    requests: int = 0

    def __repr__(self) -> str:  # the token is a secret
        return f"ClientState(requests={self.requests})"


@dataclass(frozen=True, slots=True)
class Answer:
    """A JSON answer: its body, the server's clock when it answered, the request shown."""

    body: Any
    server_time: datetime | None
    shown: str


Check = Callable[[Any], None]


def _check_object(body: Any) -> None:
    if not isinstance(body, dict):
        raise BadBody("the body is not a JSON object")


class VneduClient:
    """One read's connection to vnEdu (a context manager: `with VneduClient(...) as c:`).

    Args:
        settings: the source's options.
        transport: an httpx transport (tests give `httpx.MockTransport`); the network if None.
        sleep, clock, jitter: time.sleep, time.monotonic and random.random unless a test
            gives a fake clock, so that back-off and pacing are measured without waiting.
        state: the token and pace to share with other clients of the same source.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        state: ClientState | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._interval = (1.0 + PACE_MARGIN) / settings.rate
        self.state = ClientState() if state is None else state
        verify: ssl.SSLContext | bool = True
        if settings.ca_bundle:
            verify = ssl.create_default_context(cafile=settings.ca_bundle)
        self._http = httpx.Client(
            base_url=settings.base_url,
            timeout=settings.timeout,
            verify=verify,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"VneduClient({self.settings.base_url!r}, client_id={self.settings.client_id!r})"

    def __enter__(self) -> VneduClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the two kinds of reads ---------------------------------------------------------------

    def get_json(
        self, path: str, params: Mapping[str, str], check: Check = _check_object
    ) -> Answer:
        """GET `path` → its JSON body (checked by `check`) and the server's `Date`."""

        def body_of(response: httpx.Response) -> Any:
            try:
                body = json.loads(response.content)
            except ValueError as exc:
                raise BadBody(f"the body is not JSON ({exc.__class__.__name__})") from exc
            check(body)
            return body

        response, body = self._get(path, params, body_of, absent_ok=False)
        assert response is not None
        return Answer(body, server_time(response), shown(path, params))

    def get_document(self, path: str, params: Mapping[str, str]) -> bytes | None:
        """GET a signed document: its exact bytes, or None when vnEdu answers 404.

        A body that is not well-formed XML is retried like a truncated one; if it is still not
        after the retries it is returned as it is, so that the receiver's checks reject it
        with their own code (HB001) instead of the hub guessing.
        """
        kept: list[bytes] = []

        def body_of(response: httpx.Response) -> bytes:
            content = response.content
            try:
                etree.fromstring(content, _XML)
            except etree.XMLSyntaxError as exc:
                kept[:] = [content]
                raise BadBody(f"the document is not well-formed XML ({exc})") from exc
            return content

        try:
            response, body = self._get(
                path, params, body_of, absent_ok=True, accept="application/xml"
            )
        except VneduUnavailable as exc:
            if kept and exc.cause.startswith("the document is not well-formed"):
                return kept[0]
            raise
        return None if response is None else body

    # -- the request loop ---------------------------------------------------------------------

    def _get(
        self,
        path: str,
        params: Mapping[str, str],
        body_of: Callable[[httpx.Response], Any],
        *,
        absent_ok: bool,
        accept: str = "application/json",
    ) -> tuple[httpx.Response | None, Any]:
        """One GET with the whole policy of the module docstring; (None, None) for a 404."""
        what = shown(path, params)
        failures = 0
        throttled = 0
        renewed = False
        while True:
            token = self._current_token()
            try:
                response = self._send(
                    "GET",
                    path,
                    params=dict(params),
                    headers={"Authorization": f"Bearer {token}", "Accept": accept},
                )
                status = response.status_code
                if status == 401:
                    self.state.token = None
                    if not renewed:
                        renewed = True  # renewed once, transparently: not a failure
                        continue
                    raise _Retry("HTTP 401 to a token just renewed")
                renewed = False
                if status == 429:
                    throttled += 1
                    if throttled > MAX_THROTTLED:
                        raise VneduUnavailable(what, "HTTP 429 (rate limit) each time", throttled)
                    self._wait_retry_after(response, what)
                    continue
                if status == 404 and absent_ok:
                    return None, None
                if status >= 500:
                    raise _Retry(f"HTTP {status}")
                if status >= 400:
                    raise VneduRefused(what, status, _detail(response))
                if status != 200:
                    raise _Retry(f"HTTP {status} (expected 200)")
                return response, body_of(response)
            except (_Retry, BadBody, httpx.TransportError) as exc:
                failures += 1
                cause = _cause(exc)
                if failures > self.settings.retries:
                    raise VneduUnavailable(what, cause, failures) from exc
                self._back_off(failures, what, cause)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, paced, its body read in full (a cut-short body raises here)."""
        self._pace()
        self.state.requests += 1
        return self._http.request(method, path, **kwargs)

    def _pace(self) -> None:
        if self.state.last_start is not None:
            while (wait := self.state.last_start + self._interval - self._clock()) > 0:
                self._sleep(wait)
        self.state.last_start = self._clock()

    def _back_off(self, failures: int, what: str, cause: str) -> None:
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1)) * (0.5 + self._jitter())
        log.warning(
            "vnEdu %s: %s; retry %d/%d in %.1f s",
            what,
            cause,
            failures,
            self.settings.retries,
            delay,
        )
        self._sleep(delay)

    def _wait_retry_after(self, response: httpx.Response, what: str) -> None:
        delay = min(RETRY_AFTER_CAP, retry_after(response))
        log.info("vnEdu %s: HTTP 429, waiting %.1f s (Retry-After)", what, delay)
        self._sleep(delay)

    # -- the token ----------------------------------------------------------------------------

    def _current_token(self) -> str:
        if self.state.token is None or self._clock() >= self.state.token_expires:
            self.state.token = self._renew()
        return self.state.token

    def _renew(self) -> str:
        """POST /oauth/token with the client credentials; errors an operator can act on.

        The credentials go as OAuth 2's form (RFC 6749 §4.4); a server that answers a form
        with 400/415/422 but not an OAuth credentials error (it reads JSON bodies) is asked
        once more with the same fields as JSON, before the answer counts as a refusal.
        """
        s = self.settings
        fields = {
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": self._secret(),
        }
        failures = 0
        as_json = False
        while True:
            try:
                body: dict[str, Any] = {"json": fields} if as_json else {"data": fields}
                response = self._send("POST", "/oauth/token", **body)
                if response.status_code == 429:
                    self._wait_retry_after(response, "POST /oauth/token")
                    continue
                if not as_json and _wants_json(response):
                    as_json = True
                    continue
                if response.status_code in (400, 401, 403, 415, 422):
                    raise self._refused_credentials(response)
                if response.status_code != 200:
                    raise _Retry(f"HTTP {response.status_code}")
                return self._token_of(response)
            except (_Retry, BadBody, httpx.TransportError) as exc:
                failures += 1
                cause = _cause(exc)
                if failures > s.retries:
                    raise self._unreachable(cause) from exc
                self._back_off(failures, "POST /oauth/token", cause)

    def _secret(self) -> str:
        """The client secret, from the variable `client_secret_env` names (or its _FILE twin)."""
        s = self.settings
        try:
            secret = read_secret(
                s.client_secret_env,
                f"nguồn vnedu ({s.base_url}), tùy chọn `client_secret_env`",
                f"vnedu source ({s.base_url}), option `client_secret_env`",
            )
        except ProviderConfigError as exc:  # a source's error, not a signing key's (exit 2)
            raise UsageError(exc.message_vi, exc.message_en) from None
        if not secret:
            raise UsageError(
                f"nguồn vnedu ({s.base_url}): biến môi trường {s.client_secret_env} (tùy chọn "
                "`client_secret_env`) rỗng; đặt nó bằng client_secret vnEdu cấp rồi chạy lại",
                f"vnedu source ({s.base_url}): the environment variable {s.client_secret_env} "
                "(option `client_secret_env`) is empty; set it to the client_secret vnEdu "
                "issued and run again",
            )
        return secret

    def _token_of(self, response: httpx.Response) -> str:
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise BadBody("the token answer is not JSON") from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise BadBody("the token answer has no access_token")
        lifetime = body.get("expires_in", 3600)
        if not isinstance(lifetime, int | float) or isinstance(lifetime, bool):
            lifetime = 3600
        margin = min(TOKEN_MARGIN, float(lifetime) / 10)
        self.state.token_expires = self._clock() + max(1.0, float(lifetime) - margin)
        return token

    def _refused_credentials(self, response: httpx.Response) -> UsageError:
        s = self.settings
        error = _detail(response)
        return UsageError(
            f"vnEdu tại {s.base_url} từ chối thông tin đăng nhập ({error}): kiểm tra client_id "
            f"{s.client_id!r} và client_secret trong biến môi trường {s.client_secret_env} "
            "(tùy chọn `client_secret_env`), rồi chạy lại",
            f"vnEdu at {s.base_url} refused the client credentials ({error}): check client_id "
            f"{s.client_id!r} and the client_secret in the environment variable "
            f"{s.client_secret_env} (option `client_secret_env`), then run again",
        )

    def _unreachable(self, cause: str) -> UsageError:
        s = self.settings
        hint_vi = " hoặc tệp ca_bundle" if "certificate" in cause.lower() else ""
        hint_en = " or the ca_bundle file" if "certificate" in cause.lower() else ""
        return UsageError(
            f"không kết nối được vnEdu tại {s.base_url} ({cause}) sau {s.retries + 1} lần thử: "
            f"kiểm tra base_url, mạng{hint_vi}, rồi chạy lại",
            f"cannot reach vnEdu at {s.base_url} ({cause}) after {s.retries + 1} attempts: "
            f"check base_url, the network{hint_en}, then run again",
        )


class _Retry(Exception):
    """An answer worth sending the request again for (5xx, a 401 to a fresh token)."""


_CREDENTIAL_ERRORS = {"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"}


def _wants_json(response: httpx.Response) -> bool:
    """A 400/415/422 to the token form that is not an OAuth error about the credentials."""
    if response.status_code not in (400, 415, 422):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return True
    return not (isinstance(body, dict) and body.get("error") in _CREDENTIAL_ERRORS)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, httpx.TransportError):
        text = str(exc) or exc.__class__.__name__
        return f"{exc.__class__.__name__}: {text[:160]}"
    return str(exc)[:200]


def _detail(response: httpx.Response) -> str:
    """A 4xx's `error` (OAuth's `invalid_client`) or its status, never the body at large."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f"HTTP {response.status_code} {body['error'][:60]}"
    return f"HTTP {response.status_code}"


def shown(path: str, params: Mapping[str, str]) -> str:
    """``GET /v2/schools/56000001/students?nam_hoc=2024-2025&cursor=…`` (no secret in it)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"GET {path}" + (f"?{query}" if query else "")


def server_time(response: httpx.Response) -> datetime | None:
    """The server's clock when it answered (HTTP `Date`), or None when it sent none."""
    header = response.headers.get("date")
    if not header:
        return None
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def retry_after(response: httpx.Response, default: float = 1.0) -> float:
    """`Retry-After` in seconds (a number, or an HTTP date against the answer's `Date`)."""
    header = (response.headers.get("retry-after") or "").strip()
    if not header:
        return default
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        until = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return default
    now = server_time(response) or datetime.now(UTC)
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return max(0.0, (until - now).total_seconds())
