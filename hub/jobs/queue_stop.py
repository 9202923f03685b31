"""Stopping a worker's running jobs at SIGTERM the way `hub serve` stops its own.

procrastinate runs a synchronous task in a thread of its event loop's executor, but Python
delivers signals to the main thread only. Each running job therefore gets a stop event of its
own, handed to `run_job(stop=...)`; the worker's signal handler sets them all. The sync then
stops after the chunk it is committing (hub.pipeline.runner `_stop_if_asked`), closes its run
as interrupted and releases its lease; the outcome says `details["stopped"]`. What was
committed stands; the job is retried at once by the next worker (hub.jobs.queue_retry).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hub.errors import StopRequested


class WorkerStopping(StopRequested):
    """A job handed to a worker that is already stopping: it does not start."""


class RunningJobs:
    """The stop events of the jobs running now, so that a stop reaches each of them once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: set[threading.Event] = set()
        self.stopping = False

    @contextmanager
    def running(self) -> Iterator[threading.Event]:
        """Run a job body as stoppable; yields its stop event (refused once stopping)."""
        event = threading.Event()
        with self._lock:
            if self.stopping:
                raise WorkerStopping
            self._events.add(event)
        try:
            yield event
        finally:
            with self._lock:
                self._events.discard(event)

    def stop(self) -> int:
        """Ask every running job to stop after its chunk; returns how many were running."""
        with self._lock:
            self.stopping = True
            for event in self._events:
                event.set()
            return len(self._events)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._events)
