"""The queue's rules, with a job body standing in for run_job: dedupe, retries, reasons, sweep.

Workers run in-process here (`run_worker_async(wait=False)`: until the queue holds nothing
runnable); `hub worker` as a process is tested in test_worker.py and test_cluster.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import procrastinate
import pytest
import sqlalchemy as sa

from hub.config import load_config
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.queue import QUEUE, QueueDispatcher, QueueSettings, make_app
from hub.jobs.queue_db import list_jobs
from hub.jobs.queue_retry import HubRetry
from hub.jobs.queue_worker import sweep_stalled
from hub.store import Store
from hub.store.tables import utcnow

pytestmark = pytest.mark.postgres

STOPPED = JobOutcome(False, "stopped on request", retryable=True, details={"stopped": True})
FAST = QueueSettings(stalled_s=2, max_attempts=3, backoff_s=0)


def request(school: str = "T1", kind: JobKind = JobKind.SYNC) -> JobRequest:
    return JobRequest(kind, Piece("vnedu", school, "2024-2025"), schedule="nightly")


@pytest.fixture
def dispatcher(
    pg_url: str, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[QueueDispatcher]:
    monkeypatch.setenv("HUB_DATABASE_URL", pg_url)
    made = QueueDispatcher(load_config(config_file), settings=FAST)
    try:
        yield made
    finally:
        made.close(1.0)


def work(pg_url: str, store: Store, body: Callable[[JobRequest, threading.Event], JobOutcome],
         settings: QueueSettings = FAST) -> None:  # fmt: skip
    """Run a worker in this process until nothing runnable is left."""
    app = make_app(pg_url, store, body=body, settings=settings)

    async def run() -> None:
        async with app.open_async():
            await app.run_worker_async(queues=[QUEUE], wait=False, install_signal_handlers=False)

    asyncio.run(run())


def test_a_piece_is_queued_once(dispatcher: QueueDispatcher) -> None:
    first = dispatcher.submit(request("T1"))
    again = dispatcher.submit(request("T1", JobKind.RETRY_REJECTED))
    other = dispatcher.submit(request("T2"))
    assert first.job_id is not None
    assert other.job_id is not None
    assert again.job_id is None
    assert "already queued" in again.note
    (state,) = dispatcher.queues()
    assert (state.name, state.running, state.waiting) == (QUEUE, 0, 2)
    assert state.oldest_waiting is not None


def test_a_retryable_outcome_retries_with_back_off(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    submitted = dispatcher.submit(request())
    calls: list[JobRequest] = []

    def flaky(req: JobRequest, stop: threading.Event) -> JobOutcome:
        calls.append(req)
        if len(calls) == 1:
            return JobOutcome(False, "ministry unreachable", retryable=True)
        return JobOutcome(True, "run 7: read 3, accepted 3")

    slow = QueueSettings(stalled_s=2, max_attempts=3, backoff_s=600)
    before = utcnow()
    work(pg_url, pg_store, flaky, slow)
    assert len(calls) == 1  # the retry waits its back-off
    (job,) = list_jobs(pg_store, QUEUE)
    assert (job.state, job.attempts, job.reason) == ("todo", 1, "ministry unreachable")
    with pg_store.read() as session:
        when = session.execute(sa.text("SELECT scheduled_at FROM procrastinate_jobs")).scalar()
    assert when > before + timedelta(seconds=500)
    with pg_store.write() as session:  # the back-off elapses
        session.execute(sa.text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
    work(pg_url, pg_store, flaky, slow)
    (job,) = list_jobs(pg_store, QUEUE)
    assert (job.id, job.state, job.reason) == (int(submitted.job_id or 0), "succeeded",
                                               "run 7: read 3, accepted 3")  # fmt: skip
    assert calls == [request(), request()]


def test_the_back_off_doubles() -> None:
    retry = HubRetry(max_attempts=4, backoff_s=30)
    assert [retry.delay(n) for n in range(3)] == [30, 60, 120]
    assert [retry.will_retry(n) for n in range(4)] == [True, True, True, False]


def test_retries_stop_at_max_attempts_with_the_reason(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher.submit(request())
    calls: list[JobRequest] = []
    ended: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        "hub.jobs.queue._job_ended",
        lambda store, req, outcome, started, end, *, final: ended.append((outcome.summary, final)),
    )

    def down(req: JobRequest, stop: threading.Event) -> JobOutcome:
        calls.append(req)
        return JobOutcome(False, f"ministry unreachable ({len(calls)})", retryable=True)

    work(pg_url, pg_store, down)
    (job,) = list_jobs(pg_store, QUEUE)
    assert len(calls) == FAST.max_attempts
    assert (job.state, job.reason) == ("failed", "ministry unreachable (3)")
    assert ended == [(f"ministry unreachable ({n})", n == 3) for n in (1, 2, 3)]


def test_a_fatal_outcome_fails_at_once_with_its_reason(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    dispatcher.submit(request())
    calls: list[JobRequest] = []

    def misconfigured(req: JobRequest, stop: threading.Event) -> JobOutcome:
        calls.append(req)
        return JobOutcome(False, "config.toml: [[sources]] vnedu: no such plugin")

    work(pg_url, pg_store, misconfigured)
    (job,) = list_jobs(pg_store, QUEUE)
    assert len(calls) == 1
    assert (job.state, job.piece, job.kind) == ("failed", "vnedu/T1/2024-2025", "sync")
    assert job.reason == "config.toml: [[sources]] vnedu: no such plugin"


def _fetch_as_dead_worker(pg_url: str, pg_store: Store) -> int:
    """Fetch the waiting job as a worker that then stops heart-beating; its id."""
    app = make_app(pg_url, pg_store, settings=FAST)

    async def fetch() -> int:
        async with app.open_async():
            worker = await app.job_manager.register_worker()
            job = await app.job_manager.fetch_job(queues=[QUEUE], worker_id=worker)
            assert job is not None
            assert job.id is not None
            return job.id

    job_id = asyncio.run(fetch())
    with pg_store.write() as session:
        session.execute(
            sa.text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
        )
    return job_id


def _sweep(pg_url: str, pg_store: Store) -> list[int]:
    app: procrastinate.App = make_app(pg_url, pg_store, settings=FAST)

    async def sweep() -> list[int]:
        async with app.open_async():
            return await sweep_stalled(app, pg_store, FAST.stalled_s)

    return asyncio.run(sweep())


def test_the_sweep_requeues_a_stalled_job_and_a_worker_finishes_it(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    dispatcher.submit(request())
    job_id = _fetch_as_dead_worker(pg_url, pg_store)
    assert [j.state for j in list_jobs(pg_store, QUEUE)] == ["doing"]
    assert _sweep(pg_url, pg_store) == [job_id]
    (job,) = list_jobs(pg_store, QUEUE)
    assert (job.state, job.reason) == ("todo", "its worker stopped heart-beating; queued again")
    assert _sweep(pg_url, pg_store) == []  # once only
    work(pg_url, pg_store, lambda req, stop: JobOutcome(True, "done"))
    assert [(j.id, j.state) for j in list_jobs(pg_store, QUEUE)] == [(job_id, "succeeded")]


def test_a_live_workers_job_is_not_swept(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    dispatcher.submit(request())
    _fetch_as_dead_worker(pg_url, pg_store)
    with pg_store.write() as session:
        session.execute(sa.text("UPDATE procrastinate_workers SET last_heartbeat = now()"))
    assert _sweep(pg_url, pg_store) == []


def test_a_stalled_job_whose_piece_waits_again_is_failed_with_the_reason(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    dispatcher.submit(request())
    job_id = _fetch_as_dead_worker(pg_url, pg_store)
    waiting = dispatcher.submit(request())  # the scheduler fired again meanwhile
    assert waiting.job_id is not None
    assert _sweep(pg_url, pg_store) == [job_id]
    states = {j.id: (j.state, j.reason) for j in list_jobs(pg_store, QUEUE)}
    assert states[job_id] == (
        "failed", f"its worker stopped heart-beating; job {waiting.job_id} waits for the piece"
    )  # fmt: skip
    assert states[int(waiting.job_id)] == ("todo", None)


def test_a_stopped_job_is_retried_at_once(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    (job_id,) = [dispatcher.submit(request()).job_id]
    calls: list[JobRequest] = []

    def stopped_once(req: JobRequest, stop: threading.Event) -> JobOutcome:
        calls.append(req)
        if len(calls) == 1:
            return STOPPED  # what run_job returns once SIGTERM set its stop event
        return JobOutcome(True, "run 2: read 5, accepted 5")

    slow = QueueSettings(stalled_s=2, max_attempts=3, backoff_s=600)  # no back-off for a stop
    work(pg_url, pg_store, stopped_once, slow)
    (job,) = list_jobs(pg_store, QUEUE)
    assert len(calls) == 2
    assert (str(job.id), job.state, job.attempts) == (job_id, "succeeded", 2)


def test_a_stopped_job_whose_piece_waits_again_is_failed_not_retried(
    dispatcher: QueueDispatcher, pg_url: str, pg_store: Store
) -> None:
    first = dispatcher.submit(request()).job_id
    later: list[str | None] = []

    def stopped_while_queued_again(req: JobRequest, stop: threading.Event) -> JobOutcome:
        if not later:
            later.append(dispatcher.submit(request()).job_id)  # a firing while it runs
            return STOPPED
        return JobOutcome(True, "run 2: read 5, accepted 5")

    work(pg_url, pg_store, stopped_while_queued_again)
    states = {str(j.id): (j.state, j.reason) for j in list_jobs(pg_store, QUEUE)}
    assert states == {
        first: ("failed", f"the worker was asked to stop; job {later[0]} waits for the piece"),
        later[0]: ("succeeded", "run 2: read 5, accepted 5"),
    }
