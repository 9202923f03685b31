"""Stopping a worker's running jobs at SIGTERM the way `hub sync` stops at Ctrl-C.

procrastinate runs a synchronous task in a thread of its event loop's executor, but Python
delivers signals to the main thread only, where `hub sync`'s SIGTERM handler raises
StopRequested inside the run. A worker's handler instead asks each running job's thread to
raise it (`PyThreadState_SetAsyncExc`): the run then stops as `hub sync` does, at the next
bytecode of its thread (after the chunk in flight comes back from the pool, or the ministry
call in progress returns), closes its run as interrupted and releases its lease. What was
committed stands; the job is retried at once by the next worker (hub.jobs.queue_retry).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hub.errors import StopRequested


class WorkerStopping(StopRequested):
    """StopRequested raised in a job's thread (the worker's main thread caught the signal)."""


class RunningJobs:
    """The threads running a job body now, so that a stop reaches each of them once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: set[int] = set()
        self.stopping = False

    @contextmanager
    def running(self) -> Iterator[None]:
        """Run a job body in this thread as stoppable (refused at once when already stopping)."""
        me = threading.get_ident()
        with self._lock:
            if self.stopping:
                raise WorkerStopping
            self._threads.add(me)
        try:
            yield
        finally:
            with self._lock:
                self._threads.discard(me)

    def stop(self) -> int:
        """Ask every running job to stop; returns how many were running."""
        with self._lock:
            self.stopping = True
            for ident in self._threads:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(ident), ctypes.py_object(WorkerStopping)
                )
            return len(self._threads)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._threads)
