"""SIGTERM to `hub serve` during a scheduled sync: it stops within its bound, and the next
start (the interrupted firing, run once) finishes the work, every learner accepted once.

A subprocess on the sandbox ministry and the generated province of tests/pipeline. The sync
starts at once because the schedule's last recorded firing is older than its latest slot: the
run missed while the service was down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pipeline.checks import assert_exactly_once
from pipeline.conftest import World, expected_ids, province_settings

from hub.jobs import history
from hub.store import RunState
from hub.store.tables import Record, Run

STOP_TIMEOUT_S = 30
BOUND_S = STOP_TIMEOUT_S + 10  # the documented bound, with room for the HTTP server's stop


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(world: World) -> subprocess.Popen[bytes]:
    hub = Path(sys.executable).parent / "hub"
    return subprocess.Popen(
        [str(hub), "serve", "--config", str(world.province.config_path)],
        env=world.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: SIGTERM reaches its workers, as systemd's does
    )


def _until(check, process: subprocess.Popen[bytes], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 300
    while not check():
        if process.poll() is not None:
            output = process.communicate()[0].decode(errors="replace")
            raise AssertionError(f"hub serve ended before {what}:\n{output}")
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], whole_group: bool) -> tuple[int, float, str]:
    """SIGTERM to the service only (systemd's KillMode=mixed), or to its whole process group
    (KillMode=control-group, Ctrl-C in a terminal: its sync's worker processes too)."""
    sent = time.monotonic()
    if whole_group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        os.kill(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError(f"hub serve still running {BOUND_S} s after SIGTERM") from None
    return process.returncode, time.monotonic() - sent, output.decode(errors="replace")


def _records(world: World) -> int:
    store = world.store()
    try:
        with store.read() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(Record)) or 0)
    finally:
        store.dispose()


def _last_firing(world: World) -> history.LastRun | None:
    store = world.store()
    try:
        with store.read() as session:
            return history.last_runs(session).get("nightly")
    finally:
        store.dispose()


@pytest.mark.parametrize("whole_group", [False, True], ids=["to-the-service", "to-the-group"])
def test_sigterm_stops_a_scheduled_sync_and_the_next_start_finishes_it(  # type: ignore[no-untyped-def]
    make_world, whole_group: bool
) -> None:
    settings = province_settings(300, seed=31)
    world = make_world(settings)
    with world.province.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[schedules]]\nname = "nightly"\ncron = "0 1 * * *"\njob = "sync"\n\n'
            f"[serve]\nport = {_free_port()}\nstop_timeout_s = {STOP_TIMEOUT_S}\n"
        )
    store = world.store()
    try:  # the last firing the service recorded, long before the latest slot
        history.record_firing(store, "nightly", datetime(2026, 1, 1, tzinfo=UTC), 0)
    finally:
        store.dispose()

    first = _serve(world)
    _until(lambda: _records(world) >= 64, first, "a committed chunk")
    code, took, output = _stop(first, whole_group)
    print(f"SIGTERM → exit in {took:.1f} s (bound {BOUND_S} s = stop_timeout_s + 10)")
    assert code == 0, output
    stopped = _last_firing(world)
    assert stopped is not None
    assert stopped.outcome is history.Outcome.INTERRUPTED, output
    store = world.store()
    try:
        with store.read() as session:
            runs = list(session.scalars(sa.select(Run)))
    finally:
        store.dispose()
    assert len(runs) == 1
    if not whole_group:  # the run closed in order (signalled too, a starting worker may die)
        assert runs[0].state is RunState.INTERRUPTED, output

    second = _serve(world)  # the interrupted firing runs once more and finishes
    _until(
        lambda: (
            (f := _last_firing(world)) is not None
            and f.firing != stopped.firing
            and f.finished_at is not None
        ),
        second,
        "the second firing's end",
    )
    code, _, output = _stop(second, whole_group)
    assert code == 0, output
    finished = _last_firing(world)
    assert finished is not None
    assert finished.outcome is history.Outcome.OK, finished.summary
    assert_exactly_once(world, expected_ids(settings))
