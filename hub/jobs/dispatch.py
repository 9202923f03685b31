"""Where a fired schedule sends its jobs: run here (SQLite, one machine) or queued (a cluster).

The scheduler does not know whether jobs run in its own process or on workers elsewhere; it
hands each `JobRequest` to a `Dispatcher`. `hub serve` on SQLite uses the in-process one (a
small pool of threads, one job per piece at a time); on PostgreSQL with workers, the queue's
(hub.jobs.queue), whose queueing lock keeps a piece from being queued twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.jobs.operations import JobRequest


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of a submitted job."""

    job_id: str | None  # None: a job for the same piece already waits, this one was not added
    note: str  # one line for the log, no personal data


@dataclass(frozen=True, slots=True)
class QueueState:
    """One queue as `hub status` and /metrics show it."""

    name: str
    running: int
    waiting: int
    oldest_waiting: datetime | None  # when the oldest waiting job was queued (UTC)


class Dispatcher(Protocol):
    """Runs or queues jobs; `hub serve` holds one for its life."""

    def submit(self, request: JobRequest) -> Submitted:
        """Run or queue `request`; never blocks on the job itself."""
        ...

    def queues(self) -> list[QueueState]:
        """The queues' depths now."""
        ...

    def close(self, timeout: float) -> None:
        """Stop taking jobs; wait up to `timeout` seconds for the running ones to end."""
        ...
