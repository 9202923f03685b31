"""Fixtures: the generated world (session), a real sandbox on a free loopback port, clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.ministry.client import Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.sandbox import Account, Accounts, FaultPlan, Roster, RunningSandbox, SandboxConfig
from hub.sandbox import start as start_sandbox
from hub.sandbox.roster import Enrolment
from hub.signing.trust import TrustStore

from .world import World, make_world

USER, PASSWORD = "so36", "mat-khau-thu-nghiem"
OTHER_USER, OTHER_PASSWORD = "so01", "mat-khau-khac"
ADMIN_TOKEN = "admin-token-thu-nghiem"


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def trust(world: World) -> TrustStore:
    return TrustStore.from_folder(world.pki.trust_dir)


def accounts() -> Accounts:
    return Accounts(
        [
            Account.with_password(USER, PASSWORD, ["SO36"]),
            Account.with_password(OTHER_USER, OTHER_PASSWORD, ["SO01"]),
        ]
    )


SandboxFactory = Callable[..., RunningSandbox]


@pytest.fixture
def make_sandbox(
    world: World, trust: TrustStore, tmp_path: Path
) -> Iterator[Callable[..., RunningSandbox]]:
    """Start a sandbox (state in this test's tmp_path); several may run, all stop at the end."""
    started: list[RunningSandbox] = []

    def start(
        *,
        roster: list[dict[str, str | None]] | None = None,
        faults: FaultPlan | None = None,
        delay: float = 0.0,
        state: Path | None = None,
    ) -> RunningSandbox:
        rows = world.roster if roster is None else roster
        config = SandboxConfig(
            state=state or tmp_path / "sandbox.db",
            roster=Roster(Enrolment.model_validate(r) for r in rows),
            trust=trust,
            accounts=accounts(),
            faults=faults or FaultPlan(),
            processing_delay=delay,
            admin_token=ADMIN_TOKEN,
        )
        started.append(start_sandbox(config))
        return started[-1]

    yield start
    for sandbox in reversed(started):
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> RunningSandbox:
    return make_sandbox()


FAST_RETRY = RetryPolicy(attempts=6, total_seconds=60.0, backoff_first=0.05, backoff_longest=0.5)
FAST_POLL = PollPolicy(first=0.05, factor=1.5, longest=0.5, timeout=120.0)


def make_client(sandbox: RunningSandbox, **options: object) -> MinistryClient:
    """The real client against `sandbox`, with short back-offs (the policy is what differs)."""
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("poll", FAST_POLL)
    options.setdefault("seed", 1)
    return MinistryClient(sandbox.endpoint, Credentials(USER, PASSWORD), **options)  # type: ignore[arg-type]


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[MinistryClient]:
    with make_client(sandbox) as real:
        yield real
