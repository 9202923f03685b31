"""The dispatcher of `hub serve` on one machine (SQLite): a small pool of threads in the service.

    submit(request)   taken unless a job for the same piece waits or runs (then Submitted(None))
    queues()          one QueueState "in-process": running, waiting, the oldest waiting
    close(timeout)    take no more; drop the waiting; ask the running to stop after their
                      chunk (the stop event run_job hands to the sync); wait up to `timeout`

Threads, not processes: a sync already fans its checks, builds and signatures out to worker
processes (hub.pipeline.pool), so a thread per job only waits on the store and the ministry.
`concurrency` ([serve] concurrency, 1 by default) bounds the jobs at once; on SQLite one
writer at a time makes more than a few pointless.

Each ended job is counted against its firing (`on_outcome`, hub.jobs.history.record_outcome
in `hub serve`) with when it started and ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.jobs.dispatch import QueueState, Submitted
from hub.jobs.operations import JobOutcome, JobRequest

log = logging.getLogger(__name__)

RunJob = Callable[[JobRequest, threading.Event], JobOutcome]
"""How a job runs: `run_job(config, request, stop=stop)` bound to the configuration."""

OnOutcome = Callable[[JobRequest, JobOutcome, datetime, datetime], None]
"""Told of every job that ended: the request, its outcome, when it started and ended (UTC)."""

QUEUE_NAME = "in-process"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Waiting:
    request: JobRequest
    job_id: str
    queued_at: datetime


class InProcessDispatcher:
    """Runs jobs on `concurrency` threads of this process; one job per piece at a time.

    Args:
        run: runs one job to its end (never raises for the job's own failures).
        on_outcome: told of each ended job (its errors are logged, never raised).
        concurrency: jobs at once.
    """

    def __init__(self, run: RunJob, on_outcome: OnOutcome, *, concurrency: int = 1) -> None:
        self._run, self._on_outcome = run, on_outcome
        self._changed = threading.Condition()
        self._waiting: deque[_Waiting] = deque()
        self._running: dict[str, JobRequest] = {}  # piece key → request
        self._stop = threading.Event()
        self._closed = False
        self._counter = 0
        # Daemon threads: a job still running when close() gives up must not hold the
        # process's exit (a ThreadPoolExecutor's threads are joined at exit).
        self._threads = [
            threading.Thread(target=self._work, name=f"hub-job-{i}", daemon=True)
            for i in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, request: JobRequest) -> Submitted:
        key = request.piece.key
        with self._changed:
            if self._closed:
                return Submitted(None, f"{request.describe()}: the service is stopping")
            if key in self._running or any(w.request.piece.key == key for w in self._waiting):
                return Submitted(None, f"{request.describe()}: already waiting or running")
            self._counter += 1
            job_id = f"inproc-{self._counter}"
            self._waiting.append(_Waiting(request, job_id, utcnow()))
            self._changed.notify()
        return Submitted(job_id, f"{request.describe()}: queued in-process as {job_id}")

    def _work(self) -> None:
        """One thread: take the oldest waiting job, run it, count it; until closed."""
        while True:
            with self._changed:
                while not (self._closed or self._waiting):
                    self._changed.wait()
                if self._closed:
                    return
                waiting = self._waiting.popleft()
                self._running[waiting.request.piece.key] = waiting.request
            self._one(waiting.request)

    def _one(self, request: JobRequest) -> None:
        started = utcnow()
        try:
            outcome = self._run(request, self._stop)
        except Exception as exc:  # a bug in a job, or a worker process killed: not the end
            log.exception("job %s raised", request.describe())
            outcome = JobOutcome(False, f"internal error: {type(exc).__name__}", retryable=True)
            # A SIGTERM sent to the whole group (Ctrl-C, KillMode=control-group) can kill a
            # sync's worker process still starting, before it sets SIGTERM aside, and break
            # the pool before the main thread has handled the same signal: wait a moment
            # for that stop before telling a crash from a stop.
            self._stop.wait(1.0)
        if self._stop.is_set() and not outcome.ok:
            # Failed while the service was stopping: counted as stopped, so the firing runs
            # again at the next start rather than waiting, failed, for its next slot.
            outcome.details["stopped"] = True
        try:
            self._on_outcome(request, outcome, started, utcnow())
        except Exception:
            log.exception("could not record the outcome of %s", request.describe())
        finally:
            with self._changed:
                self._running.pop(request.piece.key, None)
                self._changed.notify_all()

    def queues(self) -> list[QueueState]:
        with self._changed:
            oldest = self._waiting[0].queued_at if self._waiting else None
            return [QueueState(QUEUE_NAME, len(self._running), len(self._waiting), oldest)]

    def running(self) -> list[JobRequest]:
        with self._changed:
            return list(self._running.values())

    def close(self, timeout: float) -> None:
        """Take no more, drop the waiting, ask the running to stop; wait up to `timeout` s.

        The dropped jobs never started: their firing stays open and `hub serve`'s next start
        marks it interrupted and runs its schedule once. A job still running after `timeout`
        is left to the process's exit; what it committed stands (every step is crash-safe).
        """
        with self._changed:
            self._closed = True
            dropped = len(self._waiting)
            self._waiting.clear()
            self._changed.notify_all()
        if dropped:
            log.info("dropped %d waiting jobs; the next start runs their schedules", dropped)
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            log.warning("jobs still running after %.0f s: %s", timeout, self.running())
