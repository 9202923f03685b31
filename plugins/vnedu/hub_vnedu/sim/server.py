"""Running the simulator: `serve` blocks (the CLI), `running_simulator` runs it in a thread.

    with running_simulator(state_dir, client_secret="s3cret") as sim:
        sim.base_url          # "http://127.0.0.1:<free port>"
        sim.simulator.stats   # what it was asked (also GET /_sim/stats)

It listens on loopback only: it speaks plain HTTP with a test secret.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from hub.api import UsageError, is_loopback
from hub.testing import ThreadedServer, base_url_of, bind_socket, serve_in_thread
from hub_vnedu.sim.app import RATE_LIMIT, VneduSimulator
from hub_vnedu.sim.faults import FaultPlan
from hub_vnedu.sim.state import SimState

SECRET_ENV = "HUB_VNEDU_SECRET"  # noqa: S105 -- the variable's name, not a secret


def check_loopback(host: str) -> None:
    """Refuse to listen beyond this machine."""
    if not is_loopback(host):
        raise UsageError(
            f"Mô phỏng vnEdu chỉ chạy trên loopback (127.0.0.1, ::1), không trên {host}.",
            f"The vnEdu simulator serves on loopback only (127.0.0.1, ::1), not on {host}.",
        )


def build_simulator(
    state_dir: Path,
    client_secret: str,
    *,
    client_id: str | None = None,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
    rate_limit: int = RATE_LIMIT,
) -> VneduSimulator:
    """The simulator of a state folder (`hub vnedu-sim init`)."""
    try:
        state = SimState.load(Path(state_dir))
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(
            f"{state_dir}: không phải thư mục trạng thái của mô phỏng vnEdu ({exc}); tạo bằng "
            f"`hub vnedu-sim init --out DIR`.",
            f"{state_dir}: not a vnEdu simulator state folder ({exc}); make one with "
            f"`hub vnedu-sim init --out DIR`.",
        ) from None
    return VneduSimulator(
        state,
        client_secret,
        client_id=client_id,
        token_lifetime=token_lifetime,
        faults=faults,
        rate_limit=rate_limit,
    )


class _PlannedTruncation(logging.Filter):
    """Drops uvicorn's report of an unfinished answer: the truncated-body fault makes them on
    purpose, and each would look like the simulator failing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


_FILTER = _PlannedTruncation()


def _server(simulator: VneduSimulator) -> uvicorn.Server:
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return uvicorn.Server(
        uvicorn.Config(
            simulator.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            date_header=False,
            timeout_keep_alive=30,
        )
    )


def _bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (0: a free port), or a UsageError saying why not."""
    check_loopback(host)
    try:
        return bind_socket(host, port)
    except OSError as exc:
        raise UsageError(
            f"Không mở được cổng {port} trên {host} ({exc.strerror}); chọn cổng khác (--port).",
            f"Cannot listen on {host}:{port} ({exc.strerror}); choose another port (--port).",
        ) from None


def serve(
    simulator: VneduSimulator,
    host: str = "127.0.0.1",
    port: int = 8090,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted; `on_ready(base_url)` once it listens (the port it got).

    Raises:
        UsageError: not loopback, or the port cannot be had.
    """
    sock = _bind(host, port)
    server = _server(simulator)
    url = base_url_of(host, sock.getsockname()[1])

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started and on_ready is not None:
            on_ready(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@dataclass
class RunningSimulator:
    """A simulator serving from a thread; `stop()` ends it (idempotent)."""

    simulator: VneduSimulator
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

    @property
    def trust_dir(self) -> Path:
        """The trust folder its documents verify against (the hub's `[trust] folder`)."""
        return self.simulator.state.trust_dir

    def stop(self) -> None:
        self._served.stop()


def start_simulator(
    state_dir: Path,
    *,
    client_secret: str,
    host: str = "127.0.0.1",
    port: int = 0,
    client_id: str | None = None,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
    rate_limit: int = RATE_LIMIT,
) -> RunningSimulator:
    """Serve `state_dir` from a thread on `port` (0: a free one); returns once it listens."""
    simulator = build_simulator(
        state_dir,
        client_secret,
        client_id=client_id,
        token_lifetime=token_lifetime,
        faults=faults,
        rate_limit=rate_limit,
    )
    served = serve_in_thread(_server(simulator), _bind(host, port), what="the vnEdu simulator")
    return RunningSimulator(simulator, served)


@contextmanager
def running_simulator(
    state_dir: Path,
    *,
    client_secret: str,
    host: str = "127.0.0.1",
    port: int = 0,
    client_id: str | None = None,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
    rate_limit: int = RATE_LIMIT,
) -> Iterator[RunningSimulator]:
    """Run the simulator of `state_dir` in a thread until the block ends (`.base_url`).

    `rate_limit` is the spec's 5 requests a second per client unless a test needs another.
    """
    running = start_simulator(
        state_dir,
        client_secret=client_secret,
        host=host,
        port=port,
        client_id=client_id,
        token_lifetime=token_lifetime,
        faults=faults,
        rate_limit=rate_limit,
    )
    try:
        yield running
    finally:
        running.stop()
