"""An ASGI app served from a thread on a loopback port: the sandbox's and the simulators' way.

The ministry sandbox (hub.sandbox) and the vendors' simulators (`hub vnedu-sim`, `hub
smas-sim`) run in the process that tests them, benchmarks them or shows them (`hub demo`).
uvicorn's `Server.run()` blocks, so it runs in a daemon thread over a socket bound here first:
port 0 gives a free port that is known before the first request, and `stop()` ends the
server and closes the socket, once, however often it is called.

A leaf: the sandbox imports it, and plugins reach it through `hub.testing`.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import uvicorn


def uvicorn_server(app: Any) -> uvicorn.Server:
    """A quiet uvicorn server for `app`: warnings only, no access log, the app's lifespan."""
    return uvicorn.Server(
        uvicorn.Config(
            app, lifespan="on", log_level="warning", access_log=False, timeout_keep_alive=30
        )
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` (0: a free port), IPv6 when `host` is an IPv6 address.

    Raises:
        OSError: the port cannot be had (the caller says what to do).
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def base_url_of(host: str, port: int) -> str:
    """`http://host:port`, with an IPv6 address in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass
class ThreadedServer:
    """A server running in a thread; `stop()` ends it (idempotent)."""

    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread | None = field(repr=False)
    _socket: socket.socket = field(repr=False)

    @property
    def base_url(self) -> str:
        return base_url_of(self.host, self.port)

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        self._thread = None


def serve_in_thread(server: uvicorn.Server, sock: socket.socket, *, what: str) -> ThreadedServer:
    """Run `server` over the bound `sock` from a daemon thread; returns once it listens.

    Args:
        server: the app's server (`uvicorn_server(app)`, or one configured otherwise).
        sock: a socket from `bind_socket` (the caller has checked the host is loopback).
        what: how an error names the server ("the sandbox").

    Raises:
        RuntimeError: the server stopped before it listened (its log says why).
    """
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError(f"{what} did not start (see the log)")
        threading.Event().wait(0.01)
    host, port = sock.getsockname()[:2]
    return ThreadedServer(host, port, server, thread, sock)
