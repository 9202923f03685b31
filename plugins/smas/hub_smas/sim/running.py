"""The simulator in a background thread on a free loopback port, for tests and the bench.

with running(world, faults) as sim:
    sim.base_url            # http://127.0.0.1:<port>
    sim.app.requests        # answered so far
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn

from hub_smas.sim.app import SmasSimulator
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import World


def server(app: SmasSimulator) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app, lifespan="on", log_level="warning", access_log=False, timeout_keep_alive=30
        )
    )


@dataclass
class RunningSimulator:
    app: SmasSimulator
    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread | None = field(repr=False)
    _socket: socket.socket = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        self._thread = None


def start(world: World, faults: FaultPlan | None = None, port: int = 0) -> RunningSimulator:
    """Serve `world` from a thread on 127.0.0.1:`port` (0: a free one); returns once listening."""
    app = SmasSimulator(world, faults)
    sock = socket.socket(socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    uv = server(app)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("the SMAS simulator did not start (see the log)")
        threading.Event().wait(0.01)
    return RunningSimulator(app, "127.0.0.1", sock.getsockname()[1], uv, thread, sock)


@contextmanager
def running(
    world: World, faults: FaultPlan | None = None, port: int = 0
) -> Iterator[RunningSimulator]:
    sim = start(world, faults, port)
    try:
        yield sim
    finally:
        sim.stop()
