"""A `hub worker` process: procrastinate's worker over the hub's task, a sweep, a clean stop.

start     prune workers that stopped heart-beating, register, beat every stalled_s / 4
run       fetch a job when a slot is free (`concurrency` slots), run it in a thread
sweep     every stalled_s / 2: put back in the queue the jobs of workers that stopped
          heart-beating (`sweep_stalled`; every worker sweeps, a job is re-queued once)
SIGTERM   take no more jobs; each running job stops after its chunk (hub.jobs.queue_stop)
(SIGINT)  and is retried at once by the next worker; exit when they have stopped, at most
          `stop_bound` seconds later (HUB_WORKER_STOP_S, default 60): a job still running
          then (a thread stuck in a call that does not return) is abandoned, and another
          worker's sweep re-queues it stalled_s later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

import procrastinate
from procrastinate import exceptions as pq_exceptions

from hub.errors import UsageError
from hub.jobs.operations import JobOutcome, JobRequest, run_job
from hub.jobs.queue import QUEUE, JobBody, QueueSettings, make_app
from hub.jobs.queue_db import mark_failed, record_reason, waiting_job
from hub.jobs.queue_stop import RunningJobs
from hub.store.engine import Store

if TYPE_CHECKING:
    from hub.config import HubConfig

log = logging.getLogger(__name__)

STOP_ENV = "HUB_WORKER_STOP_S"
DEFAULT_STOP_BOUND = 60.0


def stop_bound(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a stopping worker waits for its running jobs (HUB_WORKER_STOP_S)."""
    env = os.environ if environ is None else environ
    try:
        return max(1.0, float(env.get(STOP_ENV) or DEFAULT_STOP_BOUND))
    except ValueError:
        return DEFAULT_STOP_BOUND


async def sweep_stalled(app: procrastinate.App, store: Store, stalled_s: float) -> list[int]:
    """Re-queue the running jobs of workers silent for `stalled_s` seconds; their ids.

    A stalled job whose piece already has a waiting job (queued again by the scheduler while
    it ran) is failed instead, with that reason: the waiting job does the work.
    """
    done: list[int] = []
    stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_s)
    for job in stalled:
        assert job.id is not None
        piece = job.lock or ""
        waiting = waiting_job(store, piece, besides=job.id)
        try:
            if waiting is None:
                await app.job_manager.retry_job(job)
                reason = "its worker stopped heart-beating; queued again"
                outcome = "requeued"
            elif mark_failed(store, job.id):
                reason = f"its worker stopped heart-beating; job {waiting} waits for the piece"
                outcome = "failed"
            else:
                continue
        except pq_exceptions.ConnectorException:  # another sweeper was first
            continue
        record_reason(store, job.id, piece, job.attempts + 1, outcome, reason)
        log.warning("job %s (%s): %s", job.id, piece, reason)
        done.append(job.id)
    return done


async def _sweep_forever(app: procrastinate.App, store: Store, stalled_s: float) -> None:
    while True:
        await asyncio.sleep(max(0.5, stalled_s / 2))
        try:
            await sweep_stalled(app, store, stalled_s)
        except Exception:  # a failed sweep is tried again at the next tick
            log.exception("sweep of stalled jobs failed")


def run_worker(
    url: str,
    store: Store,
    body: JobBody,
    *,
    concurrency: int = 1,
    settings: QueueSettings | None = None,
    bound: float | None = None,
) -> bool:
    """Run a worker until SIGTERM or SIGINT; True when every running job stopped in time.

    Args:
        url: the store's PostgreSQL URL.
        store: the open store the jobs and the reasons use.
        body: runs one request (`run_job` on the configuration and `store`).
        concurrency: jobs run at once by this process.
        settings: the queue's knobs; from the environment when None.
        bound: seconds to wait for running jobs once stopping; HUB_WORKER_STOP_S when None.
    """
    settings = settings or QueueSettings.from_env()
    bound = stop_bound() if bound is None else bound
    running = RunningJobs()
    app = make_app(
        url, store, body=body, settings=settings, running=running, pool_size=concurrency + 3
    )
    loop = asyncio.new_event_loop()
    try:
        finished = loop.run_until_complete(_main(app, store, running, concurrency, settings, bound))
        if finished:  # else a job's thread is stuck: waiting for the executor would hang
            loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    return finished


async def _main(
    app: procrastinate.App,
    store: Store,
    running: RunningJobs,
    concurrency: int,
    settings: QueueSettings,
    bound: float,
) -> bool:
    loop = asyncio.get_running_loop()
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                name=f"{socket.gethostname()}:{os.getpid()}",
                concurrency=concurrency,
                install_signal_handlers=False,
                update_heartbeat_interval=settings.heartbeat_s,
                stalled_worker_timeout=settings.stalled_s,
                shutdown_graceful_timeout=bound,
                fetch_job_polling_interval=1.0,
                abort_job_polling_interval=5.0,
            )
        )
        sweep = asyncio.create_task(_sweep_forever(app, store, settings.stalled_s))

        def stop(signum: int) -> None:
            if running.stopping:
                return
            stopped = running.stop()
            log.warning("signal %s: stopping %s running job(s), taking no more", signum, stopped)
            worker.cancel()  # procrastinate then stops fetching and waits up to `bound`

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        try:
            await worker
        except asyncio.CancelledError:
            pass
        finally:
            sweep.cancel()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    return running.count == 0


def job_body(config: HubConfig, store: Store) -> JobBody:
    """What a worker runs for a request: `run_job` with a ministry client of its own."""

    def body(request: JobRequest, stop: threading.Event) -> JobOutcome:
        from hub.pipeline.runner import ministry_client

        try:
            client = ministry_client(config)
        except UsageError as exc:
            return JobOutcome(False, exc.message_en)
        try:
            return run_job(config, request, service=client, store=store, stop=stop)
        finally:
            client.close()

    return body
