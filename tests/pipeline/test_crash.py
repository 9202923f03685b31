"""Crash safety: `hub sync` killed with SIGKILL at random moments, restarted each time.

At the end the sandbox holds exactly one accepted transcript per learner (no duplicate, none
missing) and every batch adds up, on SQLite and on PostgreSQL. The size comes from
HUB_TEST_SYNC_LEARNERS (default 500; the issue's acceptance run uses 5,000).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from hub.cli import exits
from hub.store.tables import AuditEntry

from .checks import assert_exactly_once
from .conftest import CRASH_SIZE_ENV, expected_ids, province_settings

KILLS = 10


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The whole group: the sync and its worker processes, as a power cut would.
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def _audit_entries(world) -> int:  # type: ignore[no-untyped-def]
    """Evidence written so far: one entry per signed learner, per submission sent and settled."""
    store = world.store()
    try:
        with store.read() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0)
    finally:
        store.dispose()


def _run_until(process: subprocess.Popen[bytes], moment: Callable[[], bool]) -> bool:
    """Kill the run when `moment()` turns true; False when it ended by itself first."""
    while process.poll() is None:
        if moment():
            _kill_group(process)
            return True
        time.sleep(0.05)
    return False


def _after_seconds(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() > deadline


def _after_evidence(world, entries: int) -> Callable[[], bool]:  # type: ignore[no-untyped-def]
    return lambda: _audit_entries(world) >= entries


@pytest.mark.slow
def test_sync_killed_at_random_moments_ends_exactly_once(make_world) -> None:  # type: ignore[no-untyped-def]
    learners = int(os.environ.get(CRASH_SIZE_ENV, "500"))
    settings = province_settings(learners, seed=23)
    world = make_world(settings)
    rng = random.Random(learners)
    # Moments: some in the first seconds (start-up, extraction, the first chunks), the others
    # at a random point of the evidence the run writes (signing, sending, settling), so the
    # kills fall in every phase whatever the machine's speed.
    total = learners + 2 * (learners // 500 + 4)
    kills, runs = 0, 0
    while kills < KILLS:
        runs += 1
        process = world.hub_sync()
        if rng.random() < 0.3:
            moment = _after_seconds(rng.uniform(0.5, 4.0))
        else:
            done = _audit_entries(world)
            moment = _after_evidence(
                world, done + max(1, int(rng.uniform(0.05, 0.4) * max(1, total - done)))
            )
        if _run_until(process, moment):
            kills += 1
            continue
        output, _ = process.communicate()
        assert process.returncode in (exits.OK, exits.FINDINGS), output.decode()
    started = time.monotonic()
    final = world.hub_sync()
    output, _ = final.communicate(timeout=3600)
    assert final.returncode == exits.OK, output.decode()
    last = time.monotonic() - started
    print(f"{learners} learners: {kills} kills in {runs} runs; the last run took {last:.1f} s")
    assert_exactly_once(world, expected_ids(settings))
