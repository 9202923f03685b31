"""The cluster on PostgreSQL: a scheduler, three `hub worker` processes, a 30-school province
through the ministry sandbox, workers killed with SIGKILL at five random moments and restarted.

At the end every learner is accepted exactly once; no piece was worked by two holders at once,
checked on the queue (sampled running jobs, and the attempts' start and end per piece, which
must not overlap) and on the store's leases (a lease held by a live worker is always on a
piece the queue runs); every job ended done, or failed with its reason. Also: SIGTERM to a
worker during a job stops it within its bound, and the next worker finishes the work.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.cli import exits
from hub.jobs.queue import QUEUE, QueueDispatcher
from hub.jobs.queue_db import list_jobs
from hub.store import Store
from hub.store.tables import ScheduleRun

from .cluster import (
    Cluster,
    ClusterFactory,
    Monitor,
    attempt_intervals,
    build,
    expected_ids,
    piece_of_lease,
    province_settings,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCHOOLS, WORKERS, KILLS = 30, 3, 5
FINAL = ("succeeded", "failed", "cancelled")
QUEUE_ENV = {
    "HUB_QUEUE_STALLED_S": "3",  # a killed worker's job is queued again 3-5 s after the kill
    "HUB_QUEUE_MAX_ATTEMPTS": "8",
    "HUB_QUEUE_BACKOFF_S": "0.25",
}


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = province_settings(SCHOOLS)
    return build(tmp_path_factory.mktemp("cluster") / "p", settings), settings


@pytest.fixture
def clusters(
    province,  # type: ignore[no-untyped-def]
    postgres_database: sa.URL,
    tmp_path: Path,
) -> Iterator[ClusterFactory]:
    with ExitStack() as stack:
        built, settings = province
        yield ClusterFactory(built, settings, postgres_database, tmp_path, stack)


def _ended(store: Store) -> int:
    return sum(job.state in FINAL for job in list_jobs(store, QUEUE))


def _assert_one_holder_at_a_time(monitor: Monitor, killed: set[int]) -> None:
    """In every sample: a piece runs in one job at most, and a lease held by a live worker
    is on a piece the queue runs (a worker takes its lease after fetching the job and gives
    it back before ending it; a killed worker's lease stays until taken over)."""
    assert monitor.samples, "the monitor took no sample"
    seen = [n for sample in monitor.samples for n, _, _ in sample.leases if piece_of_lease(n)]
    assert seen, "the monitor never saw a piece's lease"
    for sample in monitor.samples:
        pieces = [piece for _, piece in sample.doing]
        assert len(pieces) == len(set(pieces)), f"a piece ran twice at once: {sample}"
        for name, _, pid in sample.leases:
            if pid in killed:
                continue
            piece = piece_of_lease(name)
            if piece is None:  # a lease on several pieces: someone holds it, so a job runs
                assert pieces, f"lease {name} held by {pid} while no job ran: {sample}"
            else:
                assert piece in pieces, f"lease {name} held by {pid} off the queue: {sample}"


def _assert_attempts_never_overlap(store: Store) -> None:
    for piece, attempts in attempt_intervals(store).items():
        attempts.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(attempts):
            assert end <= start, f"{piece}: jobs {first} and {second} overlapped"


def _firing(cluster: Cluster, firing: int) -> tuple[int, str | None]:
    """A firing's jobs and outcome, as `hub status` reads them."""
    store = cluster.store()
    try:
        with store.read() as session:
            run = session.get(ScheduleRun, firing)
            assert run is not None
            return run.jobs, run.outcome
    finally:
        store.dispose()


def _assert_exactly_once(cluster: Cluster) -> None:
    expected = expected_ids(cluster.settings)
    accepted = cluster.accepted()
    assert set(accepted) == expected, (
        f"missing {sorted(expected - set(accepted))[:5]}, "
        f"unexpected {sorted(set(accepted) - expected)[:5]}"
    )
    assert max(accepted.values()) == 1
    received = cluster.documents_received()
    assert max(received.values()) == 1, [m for m, n in received.items() if n > 1][:5]


def test_three_workers_killed_at_random_moments_work_every_piece_once(
    clusters: ClusterFactory,
) -> None:
    cluster = clusters.make(**QUEUE_ENV)
    first = cluster.schedule()
    again = cluster.schedule()  # a second firing: every piece already queued, none added
    assert _firing(cluster, first)[:2] == (SCHOOLS, None)
    assert _firing(cluster, again) == (0, "skipped")
    rng = random.Random(19)
    moments = sorted(rng.sample(range(1, SCHOOLS - WORKERS), KILLS))  # jobs ended before each
    store = cluster.store()
    assert len(list_jobs(store, QUEUE)) == SCHOOLS
    killed: set[int] = set()
    try:
        with Monitor(store) as monitor:
            live = [cluster.start_worker() for _ in range(WORKERS)]
            for moment in moments:
                wait_until(lambda m=moment: _ended(store) >= m, 120, f"{moment} jobs ended")
                time.sleep(rng.uniform(0.0, 1.5))
                victim = live.pop(rng.randrange(len(live)))
                killed.add(victim.pid)
                cluster.kill(victim)
                live.append(cluster.start_worker())
            wait_until(lambda: _ended(store) == SCHOOLS, 180, "every job to end")
        jobs = list_jobs(store, QUEUE)
        failed = [(j.piece, j.reason) for j in jobs if j.state != "succeeded"]
        assert not failed, f"{failed}\n{cluster.worker_logs()}"
        assert all(j.reason for j in jobs)
        _assert_one_holder_at_a_time(monitor, killed)
        _assert_attempts_never_overlap(store)
        _assert_exactly_once(cluster)
        # The workers counted each job's last attempt in the firing, which ended with them.
        wait_until(lambda: _firing(cluster, first) == (SCHOOLS, "ok"), 10, "the firing's end")
        print(f"{SCHOOLS} pieces, {len(killed)} workers killed, {len(monitor.samples)} samples")
    finally:
        store.dispose()


def test_sigterm_stops_a_worker_within_its_bound_and_the_next_finishes(
    clusters: ClusterFactory,
) -> None:
    bound = 20
    cluster = clusters.make(HUB_WORKER_STOP_S=str(bound), **QUEUE_ENV)
    request = cluster.requests()[0]
    dispatcher = QueueDispatcher(cluster.config)
    try:
        job_id = int(dispatcher.submit(request).job_id or 0)
    finally:
        dispatcher.close(1.0)
    store = cluster.store()
    try:
        worker = cluster.start_worker()
        running_run = sa.text("SELECT count(*) FROM runs WHERE state = 'running'")

        def a_run_works() -> bool:
            with store.read() as session:
                return bool(session.execute(running_run).scalar())

        wait_until(a_run_works, 60, "the job's sync to start")
        os.kill(worker.pid, signal.SIGTERM)
        assert worker.wait(timeout=bound + 15) == exits.OK, cluster.worker_logs()
        (job,) = list_jobs(store, QUEUE)
        assert (job.id, job.state) == (job_id, "todo"), cluster.worker_logs()
        assert job.reason == "the worker was asked to stop; the next worker takes the job over"
        with store.read() as session:
            states = session.execute(sa.text("SELECT state FROM runs")).scalars().all()
        assert list(states) == ["interrupted"]
        cluster.start_worker()
        wait_until(lambda: _ended(store) == 1, 120, "the next worker to finish the job")
        (job,) = list_jobs(store, QUEUE)
        assert job.state == "succeeded", (job, cluster.worker_logs())
        school = request.piece.school
        expected = {m for m in expected_ids(cluster.settings) if m.startswith(f"{school}-")}
        accepted = cluster.accepted()
        assert set(accepted) == expected
        assert max(accepted.values()) == 1
    finally:
        store.dispose()
