"""The simulator in a background thread on a free loopback port, for tests and the bench.

with running(world, faults) as sim:
    sim.base_url            # http://127.0.0.1:<port>
    sim.app.requests        # answered so far

Served as the ministry sandbox is (hub.testing's `serve_in_thread`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from hub.testing import ThreadedServer, bind_socket, serve_in_thread, uvicorn_server
from hub_smas.sim.app import SmasSimulator
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import World


@dataclass
class RunningSimulator:
    app: SmasSimulator
    _served: ThreadedServer = field(repr=False)

    @property
    def host(self) -> str:
        return self._served.host

    @property
    def port(self) -> int:
        return self._served.port

    @property
    def base_url(self) -> str:
        return self._served.base_url

    def stop(self) -> None:
        self._served.stop()


def start(world: World, faults: FaultPlan | None = None, port: int = 0) -> RunningSimulator:
    """Serve `world` from a thread on 127.0.0.1:`port` (0: a free one); returns once listening."""
    app = SmasSimulator(world, faults)
    served = serve_in_thread(
        uvicorn_server(app), bind_socket("127.0.0.1", port), what="the SMAS simulator"
    )
    return RunningSimulator(app, served)


@contextmanager
def running(
    world: World, faults: FaultPlan | None = None, port: int = 0
) -> Iterator[RunningSimulator]:
    sim = start(world, faults, port)
    try:
        yield sim
    finally:
        sim.stop()
