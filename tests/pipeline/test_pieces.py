"""Runs on pieces of the store: two schools side by side, one school with one holder at a time.

`hub sync --school A` and `hub sync --school B` hold leases that do not overlap: both run to
their end, neither marks the other interrupted nor takes over its batches or submissions. A
second run on the same school says who holds it (exit 3), or with --wait waits and then
finishes; a holder killed with SIGKILL is taken over at once by the next run on its machine.
Every case ends with exactly one accepted transcript per learner at the sandbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import sqlalchemy as sa

from hub.cli import exits
from hub.jobs.operations import JobKind, JobRequest, run_job
from hub.jobs.pieces import Piece
from hub.store import RunState, Store
from hub.store.leases import LeaseHolder, acquire, holders
from hub.store.scope import Scope
from hub.store.tables import Run

from .checks import assert_exactly_once
from .conftest import World, expected_ids, province_settings

LEARNERS = 300  # two schools: each run lasts long enough for the other to start beside it


def _schools(world: World) -> list[str]:
    return sorted(world.province.schools)


def _wait_for(world: World, process: subprocess.Popen[bytes], school: str) -> LeaseHolder:
    """The holder of `school`'s piece once its run is named (the run has started)."""
    store = world.store()
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None:
            assert time.monotonic() < deadline, f"no run took the lease of {school}"
            found = [h for h in holders(store, Scope(None, school)) if h.run_id is not None]
            if found:
                return found[0]
            time.sleep(0.05)
    finally:
        store.dispose()
    output = process.communicate()[0].decode()
    raise AssertionError(f"the sync of {school} ended before it could be watched: {output}")


def _runs(world: World) -> dict[int, tuple[RunState, str | None]]:
    store = world.store()
    try:
        with store.read() as session:
            return {r.id or 0: (r.state, r.school) for r in session.scalars(sa.select(Run))}
    finally:
        store.dispose()


def _finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output.decode()


def test_two_schools_sync_side_by_side_and_both_finish(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(LEARNERS, seed=41)
    world = make_world(settings)
    a, b = _schools(world)
    first = world.hub_sync("--school", a)
    held_a = _wait_for(world, first, a)
    second = world.hub_sync("--school", b)
    held_b = _wait_for(world, second, b)
    still = world.store()
    try:  # the first was still at work when the second took its own piece
        assert any(h.run_id == held_a.run_id for h in holders(still)), "the runs never met"
    finally:
        still.dispose()
    for process in (first, second):
        code, output = _finish(process)
        assert code == exits.OK, output
    runs = _runs(world)
    assert runs[held_a.run_id or 0] == (RunState.FINISHED, a)  # not "interrupted" by the other
    assert runs[held_b.run_id or 0] == (RunState.FINISHED, b)
    assert_exactly_once(world, expected_ids(settings))


def test_a_second_run_on_the_same_school_says_who_holds_it_or_waits(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(LEARNERS, seed=43)
    world = make_world(settings)
    school = _schools(world)[0]
    first = world.hub_sync("--school", school)
    holder = _wait_for(world, first, school)
    refused = world.hub_sync("--school", school)
    waiting = world.hub_sync("--school", school, "--wait", "600")
    code, text = _finish(refused)
    assert code == exits.STORE, text
    assert f"process {holder.pid} on host {holder.host}" in text
    assert f"tiến trình {holder.pid}" in text
    code, first_output = _finish(first)
    assert code == exits.OK, first_output
    code, text = _finish(waiting)
    assert code == exits.OK, text
    assert text.count(f"Waiting for run {holder.run_id}, process {holder.pid}") == 1, text
    assert text.count("Đang chờ") == 1
    everyone = world.hub_sync()  # the other school too, then every learner is in
    code, text = _finish(everyone)
    assert code == exits.OK, text
    assert_exactly_once(world, expected_ids(settings))


def test_a_holder_killed_on_this_machine_is_taken_over_at_once(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(LEARNERS, seed=47)
    world = make_world(settings)
    school = _schools(world)[0]
    first = world.hub_sync("--school", school)
    holder = _wait_for(world, first, school)
    time.sleep(1.0)  # into its work
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    after = world.hub_sync("--school", school)  # no --wait: the dead holder is no obstacle
    code, text = _finish(after)
    assert code == exits.OK, text
    assert _runs(world)[holder.run_id or 0][0] is RunState.INTERRUPTED
    code, text = _finish(world.hub_sync())
    assert code == exits.OK, text
    assert_exactly_once(world, expected_ids(settings))


def test_a_job_on_a_held_piece_is_retryable_and_names_the_holder(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(36, seed=31))
    school = _schools(world)[0]
    config = world.config
    source = config.sources[0].name
    holding, store = world.store(), world.store()
    try:
        with acquire(holding, Scope(None, school)) as lease:
            lease.set_run(99)
            request = JobRequest(JobKind.SYNC, Piece(source, school))
            outcome = run_job(config, request, service=world.client(), store=store)
        assert not outcome.ok
        assert outcome.retryable
        assert f"process {os.getpid()} on host" in outcome.summary
        assert "run 99" in outcome.summary
        assert outcome.details["holder"]["pid"] == os.getpid()
        with store.read() as session:  # refused before it started a run
            assert session.scalar(sa.select(sa.func.count()).select_from(Run)) == 0
    finally:
        holding.dispose()
        store.dispose()


def test_a_run_marks_interrupted_only_the_dead_runs_of_its_own_piece(make_world) -> None:  # type: ignore[no-untyped-def]
    from hub.store import start_run

    world = make_world(province_settings(36, seed=31))
    a, b = _schools(world)
    store: Store = world.store()
    try:
        with store.write() as session:  # two runs a kill left "running", one per school
            dead_a = start_run(session, {"school": a}, Scope(None, a))
            dead_b = start_run(session, {"school": b}, Scope(None, b))
    finally:
        store.dispose()
    report = world.sync(school=a)
    runs = _runs(world)
    assert runs[dead_a][0] is RunState.INTERRUPTED
    assert runs[dead_b][0] is RunState.RUNNING  # another piece: not this run's to judge
    assert runs[report.run_id] == (RunState.FINISHED, a)
    world.sync()  # the whole store overlaps it: now it is interrupted
    assert _runs(world)[dead_b][0] is RunState.INTERRUPTED
