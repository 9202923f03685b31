"""Building the sandbox from its configuration, and running it with uvicorn on loopback.

`serve` blocks (the CLI); `running` starts it in a thread on a free port and stops it on exit
(tests, benchmarks, demos):

    with running(config) as sandbox:
        client = MinistryClient(sandbox.endpoint, ...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hub.addresses import is_loopback
from hub.errors import UsageError
from hub.sandbox.app import SandboxApp
from hub.sandbox.auth import Accounts
from hub.sandbox.checks import DocumentChecks
from hub.sandbox.faults import FaultInjector, FaultPlan
from hub.sandbox.limits import AccountLimits
from hub.sandbox.operations import Service
from hub.sandbox.processor import Processor
from hub.sandbox.roster import Roster
from hub.sandbox.store import Store
from hub.serving import ThreadedServer, bind_socket, serve_in_thread, uvicorn_server
from hub.signing.trust import TrustStore


@dataclass
class SandboxConfig:
    """Everything the sandbox is started with (secrets are already read, from the env).

    Attributes:
        state: the SQLite file (created when absent; kept across restarts).
        roster: the sector database, or the roster.json to read it from.
        trust: the trust folder (roots, intermediates, CRLs), or the store read from it.
        accounts: who may call.
        faults: the fault plan at start.
        processing_delay: seconds before a received submission is processed.
        admin_token: bearer token of /admin/; None disables the admin endpoint.
        path: the SOAP endpoint's path.
    """

    state: Path
    roster: Roster | Path
    trust: TrustStore | Path
    accounts: Accounts
    faults: FaultPlan = field(default_factory=FaultPlan)
    processing_delay: float = 0.0
    admin_token: str | None = None
    path: str = "/ketnoi"


def build_app(config: SandboxConfig) -> SandboxApp:
    """The ASGI app for `config`; the document worker starts with the app's lifespan.

    Raises:
        UsageError: the roster or the trust folder cannot be read.
    """
    roster = config.roster if isinstance(config.roster, Roster) else Roster.from_json(config.roster)
    trust = (
        config.trust
        if isinstance(config.trust, TrustStore)
        else TrustStore.from_folder(config.trust)
    )
    checks = DocumentChecks(trust, roster)
    store = Store(config.state)
    faults = FaultInjector(config.faults)
    processor = Processor(store, checks, faults, delay=config.processing_delay)
    service = Service(store, roster, on_received=processor.notify)
    return SandboxApp(
        store=store,
        service=service,
        processor=processor,
        accounts=config.accounts,
        faults=faults,
        limits=AccountLimits(),
        path=config.path,
        admin_token=config.admin_token,
    )


def check_loopback(host: str) -> None:
    """Refuse to serve beyond this machine: the sandbox speaks plain HTTP with test accounts."""
    if not is_loopback(host):
        raise UsageError(
            f"Sandbox chỉ chạy trên loopback (127.0.0.1, ::1), không trên {host}.",
            f"The sandbox serves on loopback only (127.0.0.1, ::1), not on {host}.",
        )


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve until interrupted (Ctrl-C)."""
    check_loopback(host)
    app = build_app(config)
    server = uvicorn_server(app)
    server.config.host, server.config.port = host, port
    server.run()


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread; `stop()` ends it (idempotent)."""

    app: SandboxApp
    path: str
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
    def endpoint(self) -> str:
        """The SOAP endpoint's URL (the WSDL is at endpoint + "?wsdl")."""
        return self.base_url + self.path

    def stop(self) -> None:
        """Stop serving and the document worker; what is processing resumes at the next start."""
        self._served.stop()


def start(config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Serve the sandbox from a thread on `port` (0: a free one); returns once it listens."""
    check_loopback(host)
    app = build_app(config)
    served = serve_in_thread(uvicorn_server(app), bind_socket(host, port), what="the sandbox")
    return RunningSandbox(app, config.path, served)


@contextmanager
def running(
    config: SandboxConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Run the sandbox in a thread until the block ends."""
    sandbox = start(config, host, port)
    try:
        yield sandbox
    finally:
        sandbox.stop()
