"""How the client's requests travel: keep-alive HTTP/1.1, one connection per worker thread.

The client asks one thing of a transport (httpx's `MockTransport` idea: one function is the
whole interface, so a test double is one function):

    transport(target, headers) -> (status, body)      raises TransportError: no answer

`HttpTransport` is the real one, on the standard library's `http.client`: each thread of the
fetch pool keeps its own connection to SMAS open, so a school's 1,800 requests cost no
handshakes (a kept-alive connection the server closed meanwhile is opened again, once,
for the same GET), and the per-request work stays small enough for the adapter to reach the
vendor's own ceiling (bench/bench_smas.py measured httpx at about half of it). TLS always
verifies the certificate and the host name, against the system's CAs or `ca_bundle`.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

Transport = Callable[[str, Mapping[str, str]], tuple[int, bytes]]
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class TransportError(Exception):
    """No answer: the connection failed, was closed or timed out (the client retries)."""


class HttpTransport:
    """`HttpTransport(base_url, ca_bundle, timeout)(target, headers)`; `close()` at the end."""

    def __init__(self, base_url: str, ca_bundle: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        self._timeout = timeout
        self._context = ssl.create_default_context(cafile=ca_bundle) if self._https else None
        self._local = threading.local()
        self._open: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpTransport({self._host}:{self._port})"

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it is new (never used)."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, False
        if self._context is not None:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=self._context
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        self._local.conn = conn
        with self._lock:
            self._open.append(conn)
        return conn, True

    def __call__(self, target: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        for _ in range(2):
            conn, new = self._connection()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except _STALE as exc:
                self._drop(conn)
                if new:  # a kept-alive connection the server closed meanwhile: once more
                    raise TransportError(type(exc).__name__) from exc
                continue
            except (OSError, http.client.HTTPException) as exc:
                self._drop(conn)
                raise TransportError(type(exc).__name__) from exc
            if response.will_close:
                self._drop(conn)
            return response.status, body
        raise TransportError("RemoteDisconnected")  # pragma: no cover - the loop returns

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        self._local.conn = None

    def close(self) -> None:
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()
