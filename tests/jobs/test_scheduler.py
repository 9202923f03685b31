"""The scheduler: on time in its zone, missed windows coalesced, no job twice, catch-up at start.

APScheduler runs for real; its clock is the test's (clock.py), so each firing is reached by
setting the time, not by waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_MAX_INSTANCES

from hub.config import HubConfig
from hub.config_schedules import ScheduleConfig
from hub.jobs import history
from hub.jobs.dispatch import QueueState, Submitted
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.scheduler import Scheduler, previous_fire_time, trigger_of
from hub.store import Store
from hub.store.tables import ScheduleRun

from .clock import FakeClock, drive_apscheduler

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


class Recorder:
    """A dispatcher that keeps what it is given (and can be made to hold a submit)."""

    def __init__(self) -> None:
        self.requests: list[JobRequest] = []
        self.hold: threading.Event | None = None

    def submit(self, request: JobRequest) -> Submitted:
        if self.hold is not None:
            self.hold.wait(20)
        self.requests.append(request)
        return Submitted(f"r{len(self.requests)}", "recorded")

    def queues(self) -> list[QueueState]:
        return []

    def close(self, timeout: float) -> None:
        pass


def by_source(config: HubConfig, schedule: ScheduleConfig) -> list[Piece]:
    """One piece per selected source: the firing's shape without reading the sources' options
    (the test's vnedu and smas have none; hub.jobs.plan is tested in test_plan.py)."""
    names = [s.name for s in config.sources if not schedule.sources or s.name in schedule.sources]
    return [Piece(name) for name in names]


def firings_of(store: Store) -> list[ScheduleRun]:
    with store.read() as session:
        return list(session.scalars(sa.select(ScheduleRun).order_by(ScheduleRun.id)))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(datetime(2026, 12, 7, 0, 59, 50, tzinfo=HCM))  # a Monday
    drive_apscheduler(monkeypatch, fake)
    return fake


@pytest.fixture
def running(
    config: HubConfig, store: Store, clock: FakeClock
) -> Iterator[tuple[Scheduler, Recorder]]:
    recorder = Recorder()
    scheduler = Scheduler(config, store, recorder, pieces=by_source, clock=clock)
    scheduler.start()
    yield scheduler, recorder
    if recorder.hold is not None:
        recorder.hold.set()
    scheduler.shutdown()


def test_a_trigger_reads_cron_in_its_zone_and_sunday_is_zero(config: HubConfig) -> None:
    nightly, retry = config.schedules
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 19:00 in Ho Chi Minh City, a Monday
    assert trigger_of(nightly).get_next_fire_time(None, now) == datetime(
        2026, 12, 8, 1, 0, tzinfo=HCM
    )
    assert trigger_of(retry).get_next_fire_time(None, now) == datetime(
        2026, 12, 8, 7, 30, tzinfo=HCM
    )
    sunday = nightly.model_copy(update={"cron": "0 1 * * 0"})
    assert trigger_of(sunday).get_next_fire_time(None, now) == datetime(
        2026, 12, 13, 1, 0, tzinfo=HCM
    )
    assert previous_fire_time(trigger_of(sunday), now) == datetime(2026, 12, 6, 1, 0, tzinfo=HCM)
    assert previous_fire_time(trigger_of(nightly), now) == datetime(2026, 12, 7, 1, 0, tzinfo=HCM)


def test_schedules_fire_on_time(running, clock: FakeClock, store: Store) -> None:  # type: ignore[no-untyped-def]
    scheduler, recorder = running
    job = scheduler.aps.get_job("nightly")
    assert job.next_run_time == datetime(2026, 12, 7, 1, 0, tzinfo=HCM)
    assert recorder.requests == []
    clock.set(datetime(2026, 12, 7, 1, 0, 0, 200_000, tzinfo=HCM))
    scheduler.aps.wakeup()
    _eventually(lambda: len(recorder.requests) == 2, "the nightly firing")
    assert {r.piece for r in recorder.requests} == {Piece("vnedu"), Piece("smas")}
    assert {r.kind for r in recorder.requests} == {JobKind.SYNC}
    (firing,) = firings_of(store)
    assert (firing.schedule, firing.slot, firing.jobs) == (
        "nightly",
        datetime(2026, 12, 6, 18, 0, tzinfo=UTC),
        2,
    )
    assert all(r.schedule == "nightly" and r.schedule_run == firing.id for r in recorder.requests)
    _eventually(lambda: job.next_run_time == datetime(2026, 12, 8, 1, 0, tzinfo=HCM), "next slot")


def test_a_missed_window_is_coalesced_to_one_run(running, clock: FakeClock, store: Store) -> None:  # type: ignore[no-untyped-def]
    scheduler, recorder = running
    job = scheduler.aps.get_job("nightly")
    # Three nightly slots (7, 8, 9 December) pass while the scheduler is not woken.
    clock.set(datetime(2026, 12, 9, 1, 0, 30, tzinfo=HCM))
    scheduler.aps.wakeup()
    _eventually(lambda: job.next_run_time == datetime(2026, 12, 10, 1, 0, tzinfo=HCM), "next slot")
    _eventually(lambda: len(recorder.requests) >= 2, "the nightly firing")
    nightly = [f for f in firings_of(store) if f.schedule == "nightly"]
    assert [f.slot for f in nightly] == [datetime(2026, 12, 8, 18, 0, tzinfo=UTC)]
    assert sum(r.schedule == "nightly" for r in recorder.requests) == 2  # one per piece, once
    # The weekday retry's latest slot (8 December 07:30) is 17 h late, past the grace of 1 h:
    # skipped, and the retry waits for its next slot.
    retry = scheduler.aps.get_job("retry")
    _eventually(lambda: retry.next_run_time == datetime(2026, 12, 9, 7, 30, tzinfo=HCM), "skip")
    assert [f.schedule for f in firings_of(store)] == ["nightly"]


def test_a_firing_still_submitting_is_not_started_twice(
    running, clock: FakeClock, store: Store
) -> None:  # type: ignore[no-untyped-def]
    scheduler, recorder = running
    recorder.hold = threading.Event()
    refused = threading.Event()
    scheduler.aps.add_listener(lambda event: refused.set(), EVENT_JOB_MAX_INSTANCES)
    clock.set(datetime(2026, 12, 7, 1, 0, 1, tzinfo=HCM))
    scheduler.aps.wakeup()
    _eventually(lambda: len(firings_of(store)) == 1, "the first firing, held in its submit")
    clock.set(datetime(2026, 12, 8, 1, 0, 1, tzinfo=HCM))  # the next slot, the first still busy
    scheduler.aps.wakeup()
    assert refused.wait(20), "APScheduler's max_instances=1 refused the second run"
    recorder.hold.set()
    _eventually(lambda: len(recorder.requests) == 2, "the first firing's two jobs")
    assert len([f for f in firings_of(store) if f.schedule == "nightly"]) == 1


def test_a_long_job_does_not_start_twice(config: HubConfig, store: Store, clock: FakeClock) -> None:
    from hub.jobs.inprocess import InProcessDispatcher

    started: list[JobRequest] = []
    release = threading.Event()

    def run(request: JobRequest, stop: threading.Event) -> JobOutcome:
        started.append(request)
        release.wait(20)
        return JobOutcome(True, "done")

    def record(request: JobRequest, outcome: JobOutcome, began: datetime, ended: datetime) -> None:
        history.record_outcome(store, request, outcome, began, ended)

    dispatcher = InProcessDispatcher(run, record, concurrency=2)
    scheduler = Scheduler(config, store, dispatcher, pieces=by_source, clock=clock)
    try:
        clock.set(datetime(2026, 12, 7, 1, 0, 1, tzinfo=HCM))
        first = scheduler.fire("nightly")
        _eventually(lambda: len(started) == 2, "both pieces running")
        clock.set(datetime(2026, 12, 8, 1, 0, 1, tzinfo=HCM))
        second = scheduler.fire("nightly")  # both pieces still running
        release.set()
        _eventually(lambda: all(f.finished_at for f in firings_of(store)), "both firings ended")
    finally:
        release.set()
        dispatcher.close(20)
    assert len(started) == 2
    by_id = {f.id: f for f in firings_of(store)}
    assert (by_id[first].outcome, by_id[first].done) == ("ok", 2)
    assert (by_id[second].outcome, by_id[second].jobs) == ("skipped", 0)
    assert "already waiting or running" in (by_id[second].summary or "")


def test_a_run_missed_while_down_runs_once_at_start(
    config: HubConfig, store: Store, clock: FakeClock
) -> None:
    before = Recorder()
    clock.set(datetime(2026, 12, 7, 1, 0, 1, tzinfo=HCM))
    Scheduler(config, store, before, pieces=by_source, clock=clock).fire("nightly")
    assert len(before.requests) == 2
    # Down from 7 December 01:00 to 10 December 09:00: three nightly slots and two weekday
    # retries missed (the retry schedule had never fired: it starts at its next slot).
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=HCM))
    after = Recorder()
    scheduler = Scheduler(config, store, after, pieces=by_source, clock=clock)
    try:
        fired = scheduler.start()
    finally:
        scheduler.shutdown()
    assert len(fired) == 1
    latest = [f for f in firings_of(store) if f.id == fired[0]]
    assert [(f.schedule, f.slot) for f in latest] == [
        ("nightly", datetime(2026, 12, 9, 18, 0, tzinfo=UTC))
    ]
    assert [r.piece for r in after.requests] == [Piece("vnedu"), Piece("smas")]
    # Its jobs end; started again at once, nothing is missed any more.
    now = datetime.now(UTC)
    for request in after.requests:
        history.record_outcome(store, request, JobOutcome(True, "fine"), now, now)
    again = Scheduler(config, store, Recorder(), pieces=by_source, clock=clock)
    try:
        assert again.start() == []
    finally:
        again.shutdown()


def test_a_firing_the_service_left_open_runs_once_more_at_start(
    config: HubConfig, store: Store, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 7, 1, 0, 1, tzinfo=HCM))
    before = Scheduler(config, store, Recorder(), pieces=by_source, clock=clock)
    first = before.fire("nightly")  # its jobs never end
    clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=HCM))
    after = Recorder()
    scheduler = Scheduler(config, store, after, pieces=by_source, clock=clock)
    try:
        fired = scheduler.start()
    finally:
        scheduler.shutdown()
    by_id = {f.id: f for f in firings_of(store)}
    assert by_id[first].outcome == "interrupted"
    assert by_id[first].finished_at is not None
    assert len(fired) == 1
    assert by_id[fired[0]].slot == by_id[first].slot
    assert len(after.requests) == 2


def test_a_firing_counts_its_jobs_to_its_outcome(store: Store) -> None:
    slot = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    firing = history.record_firing(store, "nightly", slot, 3)
    now = datetime.now(UTC)
    ok = JobRequest(JobKind.SYNC, Piece("vnedu"), "nightly", firing)
    bad = JobRequest(JobKind.SYNC, Piece("smas"), "nightly", firing)
    history.record_outcome(store, ok, JobOutcome(True, "fine"), now, now)
    history.record_outcome(store, bad, JobOutcome(False, "ministry unreachable", True), now, now)
    with store.read() as session:
        assert history.last_runs(session)["nightly"].outcome is None  # one job still to end
    history.dropped(store, firing, "smas/*/*: already waiting or running")
    with store.read() as session:
        last = history.last_runs(session)["nightly"]
    assert (last.jobs, last.done, last.failed, last.outcome) == (2, 1, 1, history.Outcome.FAILED)
    assert last.summary == "sync smas/*/*: ministry unreachable"
    assert last.duration is not None
    history.record_outcome(
        store, JobRequest(JobKind.SYNC, Piece("smas")), JobOutcome(False, "x"), now, now
    )
    with store.read() as session:
        assert history.last_runs(session)["nightly"].failed == 1  # a job by hand is no firing's


def test_a_firing_whose_pieces_cannot_be_listed_is_kept_failed_with_the_reason(
    config: HubConfig, store: Store, clock: FakeClock
) -> None:
    recorder = Recorder()
    firing = Scheduler(config, store, recorder, clock=clock).fire("nightly")  # plans for real
    assert recorder.requests == []
    (run,) = firings_of(store)
    assert (run.id, run.jobs, run.outcome) == (firing, 0, "failed")
    assert run.summary is not None
    assert "base_url" in run.summary
    assert "vnedu" in run.summary
