"""SMAS's HTTP client: signed requests, pages, retries with back-off, and what a refusal means.

Every request carries the school's key and a signature (spec sources.md, SMAS section):

    X-Api-Key     the school's API key
    X-Timestamp   Unix time, whole seconds
    X-Signature   hex HMAC-SHA256(secret, method + "\\n" + path_with_query + "\\n" + X-Timestamp)

`path_with_query` is the request target exactly as sent, so the client builds it itself and
sends that very string. The errors, by what the caller does next:

    SmasError
     ├── AuthRefused        401 invalid_signature: this school's key or secret is wrong; stop
     │    └── ClockSkew     401 clock_skew: this machine's clock is off by N s; stop
     └── RequestFailed      a 500, a malformed body or no answer after every attempt, or
                            another 4xx: this request's class fails, the others go on

500s, transport errors and bodies that are not the JSON the spec promises are retried with
exponential back-off and full jitter (a fresh timestamp and signature each time); a 401 or
another 4xx is not (it will not change by asking again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from hub_smas.config import Options
from hub_smas.keys import SchoolKey
from hub_smas.transport import Transport, TransportError

Params = Sequence[tuple[str, str | int]]
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")  # what urlencode leaves as it is


def signature(secret: str, method: str, path_with_query: str, timestamp: str) -> str:
    """X-Signature: hex HMAC-SHA256 over method, path with query and timestamp, by lines."""
    message = f"{method}\n{path_with_query}\n{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SmasError(Exception):
    """A request SMAS did not answer as the spec says; messages in Vietnamese and English."""

    def __init__(self, target: str, message_vi: str, message_en: str, found: str = "") -> None:
        super().__init__(message_en)
        self.target = target  # "GET /api/v1/…", never a key or a secret
        self.message_vi = message_vi
        self.message_en = message_en
        self.found = found


class AuthRefused(SmasError):
    """SMAS refused the school's key or signature: nothing of this school can be read."""


class ClockSkew(AuthRefused):
    """SMAS refused the timestamp: the clocks differ by more than the 300 s it allows."""

    def __init__(self, target: str, offset: int) -> None:
        super().__init__(
            target,
            f"SMAS từ chối chữ ký vì lệch giờ: đồng hồ của máy chủ SMAS lệch với máy này "
            f"{offset} giây (cho phép 300 giây); chỉnh giờ máy này (NTP) rồi đồng bộ lại.",
            f"SMAS refused the request for clock skew: the server's clock differs from ours by "
            f"{offset} s (300 s allowed); set this machine's clock (NTP) and sync again.",
            found=f"{offset} s",
        )
        self.offset = offset


class RequestFailed(SmasError):
    """A request that still failed after its attempts (or may not be asked again)."""


@dataclass
class ClientMetrics:
    """What the client did (the bench and the tests read it); thread-safe."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests: int = 0, retries: int = 0, failures: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.failures += failures


class SmasClient:
    """One school's signed client over a shared transport (thread-safe)."""

    def __init__(
        self,
        options: Options,
        key: SchoolKey,
        http: Transport,
        metrics: ClientMetrics | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._options = options
        self._key = key
        self._http = http
        self._prefix = urlsplit(options.base_url).path.rstrip("/")
        self.metrics = metrics or ClientMetrics()
        self._clock = clock
        self._sleep = sleep
        self._jitter = random.Random()

    def __repr__(self) -> str:
        return f"SmasClient({self._options.base_url!r}, school={self._key.school!r})"

    @staticmethod
    def target(path: str, params: Params = ()) -> str:
        """The request target as sent and signed: path and query, in the order given.

        The same text as `urlencode(params)`; a pair of unreserved characters only (the
        adapter's own names and numbers, nearly every pair) is joined as it is, because
        `urlencode` quoting each one cost as much per request as decoding the answer.
        """
        if not params:
            return path
        pairs = []
        for name, value in params:
            text = str(value)
            if _UNRESERVED.fullmatch(name) and _UNRESERVED.fullmatch(text):
                pairs.append(f"{name}={text}")
            else:
                pairs.append(urlencode([(name, text)]))
        return f"{path}?{'&'.join(pairs)}"

    def get(self, path: str, params: Params = ()) -> Any:
        """The JSON body of ``GET path?params``, after retries; raises a SmasError."""
        target = self.target(path, params)
        sent = self._prefix + target
        shown = f"GET {target}"
        last: tuple[str, str, str] = ("", "", "")
        for attempt in range(self._options.attempts):
            if attempt:
                self.metrics.add(retries=1)
                self._sleep(self._backoff(attempt))
            self.metrics.add(requests=1)
            stamp = str(int(self._clock()))
            headers = {
                "X-Api-Key": self._key.api_key,
                "X-Timestamp": stamp,
                "X-Signature": signature(self._key.secret, "GET", sent, stamp),
                "Accept": "application/json",
            }
            try:
                status, body = self._http(sent, headers)
            except TransportError as exc:
                last = (str(exc), "không nhận được trả lời", "no answer")
                continue
            if status == 401:
                raise self._refused(shown, body, int(stamp))
            if status >= 500 or status == 429:
                last = (f"HTTP {status}", "máy chủ báo lỗi", "the server failed")
                continue
            if status != 200:
                self.metrics.add(failures=1)
                raise RequestFailed(
                    shown,
                    f"SMAS trả lời HTTP {status} (cần 200).",
                    f"SMAS answered HTTP {status} (expected 200).",
                    found=f"HTTP {status}",
                )
            try:
                return json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                last = ("malformed JSON", "nội dung không phải JSON", "the body is not JSON")
        self.metrics.add(failures=1)
        raise RequestFailed(
            shown,
            f"SMAS vẫn lỗi sau {self._options.attempts} lần thử ({last[1]}: {last[0]}); "
            f"lần đồng bộ sau sẽ đọc lại.",
            f"SMAS still failed after {self._options.attempts} attempts ({last[2]}: {last[0]}); "
            f"the next sync reads it again.",
            found=last[0],
        )

    def get_list(self, path: str, params: Params = ()) -> list[Any]:
        """Every item of a paged list (``{"data", "page", "pageSize", "totalPages"}``).

        A bare JSON array is taken as the whole list: the spec writes the leaders' answer as
        ``[{...}]`` beside "every list is {data, page, pageSize, totalPages}", and a server
        may follow either reading.
        """
        items: list[Any] = []
        page, pages = 1, 1
        while page <= pages:
            query = [*params, ("page", page), ("pageSize", self._options.page_size)]
            body = self.get(path, query)
            if isinstance(body, list) and page == 1:  # a bare list (the spec's leaders reads
                return body  # `[{...}]`): the whole list, in one answer
            if not _is_page(body):
                self.metrics.add(failures=1)
                raise RequestFailed(
                    f"GET {self.target(path, query)}",
                    'SMAS trả một danh sách không đúng dạng {"data": [...], "page", "pageSize", '
                    '"totalPages"}.',
                    'SMAS answered a list not shaped {"data": [...], "page", "pageSize", '
                    '"totalPages"}.',
                    found=_shape(body),
                )
            items.extend(body["data"])
            pages = int(body["totalPages"])
            page += 1
        return items

    def _backoff(self, attempt: int) -> float:
        longest = min(
            self._options.backoff_longest, self._options.backoff_first * 2 ** (attempt - 1)
        )
        return self._jitter.uniform(longest / 2, longest)

    def _refused(self, shown: str, raw: bytes, sent_at: int) -> AuthRefused:
        self.metrics.add(failures=1)
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = {}
        reason = body.get("error") if isinstance(body, dict) else None
        server = body.get("serverTime") if isinstance(body, dict) else None
        if reason == "clock_skew" and isinstance(server, int | float):
            return ClockSkew(shown, round(server) - sent_at)  # as SMAS compared them
        school = self._key.school
        return AuthRefused(
            shown,
            f"SMAS từ chối khóa API hoặc chữ ký của trường {school} (401 {reason}); kiểm tra "
            f'api_key và secret của [schools."{school}"] trong tệp khóa.',
            f"SMAS refused school {school}'s API key or signature (401 {reason}); check the "
            f'api_key and secret of [schools."{school}"] in the keys file.',
            found=f"401 {reason}",
        )


def _is_page(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("data"), list)
        and isinstance(body.get("totalPages"), int)
        and body["totalPages"] >= 0
    )


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        return "{" + ", ".join(sorted(map(str, body)))[:80] + "}"
    return type(body).__name__
