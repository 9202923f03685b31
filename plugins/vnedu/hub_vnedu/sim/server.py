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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from hub.api import UsageError, is_loopback
from hub_vnedu.sim.app import VneduSimulator
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
        state, client_secret, client_id=client_id, token_lifetime=token_lifetime, faults=faults
    )


def _server(simulator: VneduSimulator) -> uvicorn.Server:
    # The truncated-answer fault leaves responses unfinished on purpose; uvicorn reports each
    # as an error, which is the simulator working, not failing.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
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


def serve(simulator: VneduSimulator, host: str = "127.0.0.1", port: int = 8090) -> None:
    """Serve until interrupted."""
    check_loopback(host)
    server = _server(simulator)
    server.config.host, server.config.port = host, port
    server.run()


@dataclass
class RunningSimulator:
    """A simulator serving from a thread; `stop()` ends it (idempotent)."""

    simulator: VneduSimulator
    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread | None = field(repr=False)
    _socket: socket.socket = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def trust_dir(self) -> Path:
        """The trust folder its documents verify against (the hub's `[trust] folder`)."""
        return self.simulator.state.trust_dir

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        self._thread = None


def start_simulator(
    state_dir: Path,
    *,
    client_secret: str,
    host: str = "127.0.0.1",
    port: int = 0,
    client_id: str | None = None,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
) -> RunningSimulator:
    """Serve `state_dir` from a thread on `port` (0: a free one); returns once it listens."""
    check_loopback(host)
    simulator = build_simulator(
        state_dir,
        client_secret,
        client_id=client_id,
        token_lifetime=token_lifetime,
        faults=faults,
    )
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = _server(simulator)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("the vnEdu simulator did not start")
        threading.Event().wait(0.01)
    return RunningSimulator(simulator, host, sock.getsockname()[1], server, thread, sock)


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
) -> Iterator[RunningSimulator]:
    """Run the simulator of `state_dir` in a thread until the block ends (`.base_url`)."""
    running = start_simulator(
        state_dir,
        client_secret=client_secret,
        host=host,
        port=port,
        client_id=client_id,
        token_lifetime=token_lifetime,
        faults=faults,
    )
    try:
        yield running
    finally:
        running.stop()
