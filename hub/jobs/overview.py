"""What `hub status` shows of the schedules and the job queues, from the store alone.

`hub status` runs without the service, so it reads the schedules' firings from the store
(hub.jobs.history) and computes their next slots from config.toml; the queue's depth comes
from where the jobs wait: nowhere on SQLite (the in-process pool lives and dies with `hub
serve`), the queue's tables on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.config import HubConfig
from hub.jobs.dispatch import QueueState
from hub.jobs.history import LastRun, last_runs
from hub.jobs.scheduler import trigger_of
from hub.store.engine import Store


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    """One schedule: its newest firing (None: never fired) and its next slot (UTC)."""

    name: str
    job: str
    cron: str
    timezone: str
    last: LastRun | None
    next_fire: datetime | None

    def as_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "name": self.name,
            "job": self.job,
            "cron": self.cron,
            "timezone": self.timezone,
            "next_fire": self.next_fire.isoformat() if self.next_fire else None,
            "last": None
            if last is None
            else {
                "slot": last.slot.isoformat(),
                "fired_at": last.fired_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "outcome": last.outcome.value if last.outcome else "running",
                "duration_s": last.duration.total_seconds() if last.duration else None,
                "jobs": last.jobs,
                "done": last.done,
                "failed": last.failed,
                "summary": last.summary,
            },
        }


def schedules_status(
    config: HubConfig, session: Session, now: datetime | None = None
) -> list[ScheduleStatus]:
    """Every [[schedules]] entry with its last firing and its next slot, in the file's order."""
    moment = now or datetime.now(UTC)
    runs = last_runs(session)
    found = []
    for schedule in config.schedules:
        upcoming = trigger_of(schedule).get_next_fire_time(None, moment)
        found.append(
            ScheduleStatus(
                schedule.name,
                schedule.job,
                schedule.cron,
                schedule.timezone,
                runs.get(schedule.name),
                upcoming.astimezone(UTC) if upcoming is not None else None,
            )
        )
    return found


NO_QUEUE = ("không có hàng đợi (chạy trong hub serve)", "no queue (in-process)")


def queues_status(store: Store) -> list[QueueState] | None:
    """The job queues' depths; None on SQLite, where jobs wait in `hub serve` itself."""
    if store.is_sqlite:
        return None
    from hub.jobs.queue import QUEUE
    from hub.jobs.queue_db import queue_depths, queue_installed

    if not queue_installed(store):
        return []  # `hub db upgrade` installs it; until then nothing can wait in it
    return [queue_depths(store, QUEUE)]
