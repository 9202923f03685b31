"""One scheduler per cluster: a `hub serve` that does not hold the lock stands by, fires
nothing, and takes over (catching up first) once the holder is gone. And where jobs run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hub.config import HubConfig, load_config
from hub.errors import UsageError
from hub.jobs.operations import JobOutcome
from hub.jobs.scheduler import Scheduler
from hub.jobs.scheduler_lock import SchedulerLock
from hub.service import choose_dispatcher
from hub.store import Store, migrate

from .clock import FakeClock, drive_apscheduler
from .test_scheduler import HCM, Recorder, by_source, firings_of

KEY = 0x6875625F74657374  # a key of this test's own, not the service's


def test_a_standby_fires_nothing_until_the_leader_lets_go(
    config: HubConfig, pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(datetime(2026, 12, 7, 1, 0, 5, tzinfo=HCM))
    drive_apscheduler(monkeypatch, clock)
    leader, standby = SchedulerLock(pg_store, KEY), SchedulerLock(pg_store, KEY)
    try:
        assert leader.try_take()
        assert not standby.try_take()
        recorder = Recorder()
        scheduler = Scheduler(
            config, pg_store, recorder, pieces=by_source, clock=clock, lock=standby
        )
        assert scheduler.fire("nightly") is None
        assert recorder.requests == []
        assert firings_of(pg_store) == []
        leader.release()  # the leader stopped (or its connection died with it)
        firing = scheduler.fire("nightly")
        assert standby.held
        assert firing is not None
        assert sorted(r.piece.source for r in recorder.requests) == ["smas", "vnedu"]
        assert [f.id for f in firings_of(pg_store)] == [firing]
    finally:
        leader.release()
        standby.release()


def test_queued_jobs_need_postgresql(tmp_path: Path, sqlite_url: str) -> None:
    migrate(sqlite_url)
    path = tmp_path / "config.toml"
    path.write_text(
        '[ministry]\nunit = "SO01"\nusername = "SO01"\n\n[serve]\njobs = "queue"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    store = Store(sqlite_url)
    try:
        with pytest.raises(UsageError) as refused:
            choose_dispatcher(config, store, lambda request, stop: JobOutcome(True, "-"))
        assert "PostgreSQL" in refused.value.message_en
        assert 'jobs = "queue"' in refused.value.message_vi
    finally:
        store.dispose()
