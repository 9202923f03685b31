"""A run's summary counts what it did to each learner, and its exit code follows from that.

Including learners it resumed from older batches (a retry of a school, a run after a kill),
and counting learners read, not problems. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import time

import sqlalchemy as sa

from hub.cli import exits
from hub.cli.sync import report_and_exit_code
from hub.pipeline.retry import RetryScope, retry
from hub.store import AuditKind, RecordState, records_in
from hub.store.tables import AuditEntry

from .checks import assert_exactly_once
from .conftest import DefectKind, World, expected_ids, province_settings

SMALL = 36


def test_read_counts_learners_however_many_problems_each_has(make_world) -> None:  # type: ignore[no-untyped-def]
    defects = {DefectKind.SCORE_OUT_OF_RANGE: 0.3, DefectKind.TOO_FEW_REGULAR_SCORES: 0.3}
    world = make_world(province_settings(SMALL, seed=41, defects=defects))
    report = world.sync()
    assert report.read == len(expected_ids(world.settings))
    assert report.outcome.learners == report.read


def test_a_retry_of_a_school_counts_the_learners_it_sent_again(make_world, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(SMALL, seed=5, defects={DefectKind.ROSTER_NAME_DIFFERS: 0.2})
    world = make_world(settings)
    world.sync(look_up=False)  # the ministry is the one to find the names that differ
    store = world.store()
    try:
        with store.read() as session:
            rejected = records_in(session, states=[RecordState.REJECTED], current_only=True)
        school = sorted({r.ma_ho_so.split("-")[0] for r in rejected})[0]
        again = [r for r in rejected if r.ma_ho_so.startswith(school)]
        assert again
        # Nothing was fixed at the source: the learners are sent again and refused again.
        client = world.client()
        result = retry(world.config, store, client, RetryScope(school=school), progress=False)
    finally:
        store.dispose()
    report = result.report
    assert report is not None
    assert {r.ma_ho_so for r in result.chosen} == {r.ma_ho_so for r in again}
    assert report.outcome.rejected + report.outcome.failed == len(again)
    assert report.outcome.resumed == len(again)  # their records are the earlier batch's
    assert {b.batch_id for b in report.batches} >= {r.batch_id for r in again}
    assert report_and_exit_code(report) == exits.FINDINGS
    assert f"từ chối/rejected {report.outcome.rejected}" in capsys.readouterr().out


def _entries(world: World, kind: AuditKind) -> int:
    store = world.store()
    try:
        with store.read() as session:
            query = (
                sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.kind == kind)
            )
            return int(session.scalar(query) or 0)
    finally:
        store.dispose()


def test_the_run_after_a_kill_counts_the_learners_it_finished(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(SMALL * 2, seed=43)
    world = make_world(settings)
    process = world.hub_sync("--workers", "1")
    deadline = time.monotonic() + 120
    while process.poll() is None and _entries(world, AuditKind.SIGNED) < 10:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    before = _entries(world, AuditKind.SIGNED)
    assert before >= 10, "the kill came after the run had ended"
    report = world.sync()
    total = len(expected_ids(settings))
    assert report.outcome.accepted == total  # every learner, resumed ones included
    assert report.outcome.resumed >= 10  # the killed run's signed learners, finished here
    assert report.outcome.pending == 0
    assert report_and_exit_code(report) == exits.OK
    assert_exactly_once(world, expected_ids(settings))


def test_a_batch_line_tells_learners_awaiting_their_vendor_from_those_in_flight(capsys) -> None:  # type: ignore[no-untyped-def]
    from hub.pipeline import SyncReport
    from hub.store.batches import BatchAccounting

    waiting = BatchAccounting(7, 5, 0, 0, 2, 0, 0, 0, in_flight=3, awaiting_vendor=2)
    report_and_exit_code(SyncReport(run_id=1, batches=[waiting]))
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("lô/batch 7: vào/in 5")
    assert "đang xử lý/in flight 1" in line
    assert "chờ NCC ký/awaiting vendor 2" in line
