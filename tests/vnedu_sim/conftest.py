"""One simulated province per session (three schools: each has a test PKI, RSA keys are slow);
a test that changes the state works on its own copy (`state_copy`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_vnedu.sim import InitSettings, RunningSimulator, init_state, running_simulator

from .helpers import SECRET, Api

SETTINGS = InitSettings(
    schools=3,
    learners_per_school=12,
    seed=5,
    unsigned_share=0.25,
    foreign_share=0.15,
    exempt_share=0.05,
)


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's state folder: never changed by a test (copy it with `state_copy`)."""
    folder = tmp_path_factory.mktemp("vnedu") / "state"
    init_state(folder, SETTINGS)
    return folder


@pytest.fixture
def state_copy(state_dir: Path, tmp_path: Path) -> Path:
    """A copy of the state folder that this test may change (touch, sign)."""
    return Path(shutil.copytree(state_dir, tmp_path / "state"))


@pytest.fixture(scope="module")
def sim(state_dir: Path) -> Iterator[RunningSimulator]:
    """A simulator without faults whose rate limit no ordinary test reaches."""
    with running_simulator(state_dir, client_secret=SECRET, rate_limit=10_000) as running:
        yield running


@pytest.fixture
def api(sim: RunningSimulator) -> Iterator[Api]:
    client = Api(sim.base_url)
    client.login()
    yield client
    client.close()
