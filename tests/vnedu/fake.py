"""A small vnEdu written from sources.md alone, for the adapter's tests (not the simulator).

`FakeVnedu` answers as the spec says — `POST /oauth/token`, `GET /v2/schools`, the students'
cursor pages with `updated_since`, `GET /v2/transcripts/{vnedu_id}` (404 while unsigned) —
with an HTTP `Date` from its own clock (`now`, which tests move), and a script of faults to
answer first (`fail(path, response, ...)`). `transport()` is an httpx.MockTransport over it;
`serve()` runs it on 127.0.0.1 for what opens its own connections (the conformance kit).

It is the in-test stand-in until the plugin's simulator (hub_vnedu.sim) lands.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

Answer = Callable[[httpx.Request], httpx.Response] | httpx.Response


@dataclass
class FakeVnedu:
    client_id: str = "hub-test"
    secret: str = "s3cret"
    year: str = "2024-2025"
    now: datetime = field(default_factory=lambda: datetime(2025, 6, 1, 3, 0, tzinfo=UTC))
    schools: list[dict[str, Any]] = field(default_factory=list)
    students: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    faults: list[tuple[str, Answer]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    any_secret: bool = False  # the kit sets the secret to its canary: take any
    send_date: bool = True
    strictly_after: bool = False  # list updated_at > updated_since, not >= (spec leaves it open)
    on_page: Callable[[str, int], None] | None = None  # (school, page number) before answering

    def add_school(self, code: str, name: str, level: str) -> None:
        self.schools.append({"ma_truong": code, "ten_truong": name, "cap_hoc": level})
        self.students.setdefault(code, [])

    def fail(self, path: str, *answers: Answer) -> None:
        """Answer the next requests whose path starts with `path` with `answers`, in turn
        (a `path` ending in "$" is the whole path)."""
        self.faults.extend((path, a) for a in answers)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def count(self, prefix: str) -> int:
        return sum(1 for _m, p, _q in self.requests if p.startswith(prefix))

    # -- answering ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        self.requests.append((request.method, path, query))
        for index, (prefix, answer) in enumerate(self.faults):
            exact = prefix.endswith("$")
            if (path == prefix[:-1]) if exact else path.startswith(prefix):
                del self.faults[index]
                return answer(request) if callable(answer) else answer
        if request.method == "POST" and path == "/oauth/token":
            return self._token(request)
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return self._json(401, {"error": "invalid_token"})
        if path == "/v2/schools":
            return self._json(200, {"items": self.schools})
        if path.startswith("/v2/schools/") and path.endswith("/students"):
            return self._page(path.split("/")[3], query)
        if path.startswith("/v2/transcripts/"):
            found = self.documents.get(path.rsplit("/", 1)[1])
            if found is None:
                return self._json(404, {"error": "not_found"})
            return httpx.Response(200, content=found, headers=self._headers("application/xml"))
        return self._json(404, {"error": "not_found"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        good = form.get("client_id") == self.client_id and (
            self.any_secret or form.get("client_secret") == self.secret
        )
        if form.get("grant_type") != "client_credentials" or not good:
            return self._json(401, {"error": "invalid_client"})
        token = f"tok-{len(self.tokens) + len(self.requests)}"
        self.tokens.add(token)
        return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _page(self, school: str, query: dict[str, str]) -> httpx.Response:
        if school not in self.students:
            return self._json(404, {"error": "not_found"})
        items = sorted(self.students[school], key=lambda i: str(i.get("vnedu_id")))
        since = query.get("updated_since")
        if since:
            floor = datetime.fromisoformat(since)
            if self.strictly_after:
                items = [i for i in items if datetime.fromisoformat(i["updated_at"]) > floor]
            else:
                items = [i for i in items if datetime.fromisoformat(i["updated_at"]) >= floor]
        start = int(query.get("cursor") or 0)
        limit = min(int(query.get("limit") or 200), 200)
        if self.on_page is not None:
            self.on_page(school, start // limit + 1)
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return self._json(
            200, {"items": chunk, "next_cursor": str(start + limit) if more else None}
        )

    def _headers(self, kind: str) -> dict[str, str]:
        headers = {"Content-Type": kind}
        if self.send_date:
            headers["Date"] = format_datetime(self.now, usegmt=True)
        return headers

    def _json(self, status: int, body: Any) -> httpx.Response:
        data = json.dumps(body, ensure_ascii=False).encode()
        return httpx.Response(status, content=data, headers=self._headers("application/json"))

    def tick(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def serve(fake: FakeVnedu) -> Iterator[str]:
    """`fake` on http://127.0.0.1:<free port> until the block ends; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = httpx.Request(
                self.command,
                f"http://fake{self.path}",
                headers=dict(self.headers.items()),
                content=body,
            )
            response = fake.handle(request)
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in {"content-length", "date", "server"}:
                    self.send_header(key, value)
            if "date" in response.headers:
                self.send_header("Date", response.headers["date"])
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def send_response(self, code: int, message: str | None = None) -> None:
            self.log_request(code)
            self.send_response_only(code, message)  # no automatic Server/Date headers

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
