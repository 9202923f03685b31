"""The firings of the schedules, kept in the store: what each submitted and how its jobs ended.

    record_firing     the scheduler, when a schedule fires: one row, its slot and job count
    dropped           the scheduler, for a piece the dispatcher did not take (already queued)
    record_outcome    whoever ran a job (the in-process pool, a worker): done / failed / stopped
    interrupt_open    `hub serve` at start: firings a stopped or killed service left open
    last_runs         `hub status` and the scheduler's catch-up: each schedule's newest firing

A firing is finished when every job it submitted has ended; its outcome is then `ok`,
`failed` (some job failed), `interrupted` (some job was asked to stop, or the service ended
before its jobs did), `empty` (no piece matched) or `skipped` (every piece was queued or
running already). Every count is changed by one UPDATE of the row, so jobs ending at once on
several threads or machines never lose a count. No personal data: schedule names, counts,
and the one-line summaries jobs return (hub.jobs.operations).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hub.jobs.operations import JobOutcome, JobRequest
from hub.store.engine import Store, rowcount
from hub.store.tables import ScheduleRun, table_of, utcnow

_RUNS = table_of(ScheduleRun)


class Outcome(enum.StrEnum):
    """How a firing ended (the `outcome` column)."""

    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    EMPTY = "empty"  # no piece matched the schedule's filters
    SKIPPED = "skipped"  # every piece was queued or running already (a long job)


@dataclass(frozen=True, slots=True)
class LastRun:
    """A schedule's newest firing, as `hub status` shows it."""

    schedule: str
    firing: int
    slot: datetime
    fired_at: datetime
    jobs: int
    done: int
    failed: int
    finished_at: datetime | None
    outcome: Outcome | None  # None: its jobs are still running
    summary: str | None

    @property
    def duration(self) -> timedelta | None:
        return None if self.finished_at is None else self.finished_at - self.fired_at


def record_firing(store: Store, schedule: str, slot: datetime, jobs: int) -> int:
    """A schedule fired for `slot` with `jobs` jobs to submit; returns the firing's id.

    The count is written before the jobs are submitted, so a job that ends at once never
    finds a firing that thinks it has no jobs left. A firing with no job ends here (`empty`).
    """
    now = utcnow()
    with store.write() as session:
        firing = ScheduleRun(schedule=schedule, slot=slot, fired_at=now, jobs=jobs)
        if jobs == 0:
            firing.finished_at, firing.outcome = now, Outcome.EMPTY
            firing.summary = "no piece of work matched the schedule's filters"
        session.add(firing)
        session.flush()
        assert firing.id is not None
        return firing.id


def record_unplanned(store: Store, schedule: str, slot: datetime, reason: str) -> int:
    """A schedule fired but its pieces could not be listed (a source misconfigured): the
    firing is kept, failed with the reason, so `hub status` shows it instead of a log line."""
    now = utcnow()
    with store.write() as session:
        firing = ScheduleRun(schedule=schedule, slot=slot, fired_at=now, jobs=0, failed=1)
        firing.finished_at, firing.outcome, firing.summary = now, Outcome.FAILED, reason
        session.add(firing)
        session.flush()
        assert firing.id is not None
        return firing.id


def dropped(store: Store, firing: int, note: str) -> None:
    """One of the firing's jobs was not submitted (its piece is queued or running already)."""
    with store.write() as session:
        session.execute(
            sa.update(_RUNS)
            .where(_RUNS.c.id == firing)
            .values(
                jobs=_RUNS.c.jobs - 1,
                summary=sa.func.coalesce(_RUNS.c.summary, f"skipped: {note}"),
            )
        )
        _finish_if_ended(session, firing)


def record_outcome(
    store: Store, request: JobRequest, outcome: JobOutcome, started: datetime, ended: datetime
) -> None:
    """A job of a firing ended: count it; finish the firing when it was the last.

    A job typed by hand (no `schedule_run`) belongs to no firing: nothing to count. The
    first failure's summary is kept as the firing's (the later ones are in the log).

    Args:
        store: the store the firing is in.
        request: the job (its `schedule_run` names the firing).
        outcome: how it ended; `details["stopped"]` marks a job asked to stop early.
        started: when it began (UTC).
        ended: when it ended (UTC).
    """
    if request.schedule_run is None:
        return
    stopped = bool(outcome.details.get("stopped"))
    values: dict[str, object] = {}
    if outcome.ok:
        values["done"] = _RUNS.c.done + 1
    else:
        values["failed"] = _RUNS.c.failed + 1
        line = f"{request.describe()}: {outcome.summary}"[:500]
        values["summary"] = sa.func.coalesce(_RUNS.c.summary, line)
    if stopped:
        values["stopped"] = _RUNS.c.stopped + 1
    with store.write() as session:
        session.execute(sa.update(_RUNS).where(_RUNS.c.id == request.schedule_run).values(values))
        _finish_if_ended(session, request.schedule_run, ended)


def _finish_if_ended(session: Session, firing: int, when: datetime | None = None) -> None:
    c = _RUNS.c
    outcome = sa.case(
        (c.stopped > 0, Outcome.INTERRUPTED.value),
        (c.failed > 0, Outcome.FAILED.value),
        (c.jobs == 0, Outcome.SKIPPED.value),
        else_=Outcome.OK.value,
    )
    session.execute(
        sa.update(_RUNS)
        .where(c.id == firing, c.finished_at.is_(None), c.done + c.failed >= c.jobs)
        .values(finished_at=when or utcnow(), outcome=outcome)
    )


def interrupt_open(store: Store) -> int:
    """Firings whose jobs never all ended (the service stopped or was killed): interrupted.

    Returns how many. Called by `hub serve` at start, before it compares slots, so the
    schedule of such a firing runs once more and finishes the work.
    """
    with store.write() as session:
        result = session.execute(
            sa.update(_RUNS)
            .where(_RUNS.c.finished_at.is_(None))
            .values(
                finished_at=utcnow(),
                outcome=Outcome.INTERRUPTED.value,
                summary=sa.func.coalesce(
                    _RUNS.c.summary, "the service stopped before the firing's jobs ended"
                ),
            )
        )
        return rowcount(result)


def last_runs(session: Session) -> dict[str, LastRun]:
    """Each schedule's newest firing, by schedule name."""
    newest = sa.select(sa.func.max(_RUNS.c.id)).group_by(_RUNS.c.schedule)
    rows = session.scalars(sa.select(ScheduleRun).where(_RUNS.c.id.in_(newest)))
    return {
        row.schedule: LastRun(
            row.schedule,
            row.id or 0,
            row.slot,
            row.fired_at,
            row.jobs,
            row.done,
            row.failed,
            row.finished_at,
            Outcome(row.outcome) if row.outcome else None,
            row.summary,
        )
        for row in rows
    }


def last_successes(session: Session) -> dict[str, datetime]:
    """When each schedule's newest successful firing ended (/metrics: an alert on its age)."""
    c = _RUNS.c
    query = (
        sa.select(c.schedule, sa.func.max(c.finished_at))
        .where(c.outcome == Outcome.OK.value)
        .group_by(c.schedule)
    )
    found: dict[str, datetime] = {}
    for name, when in session.execute(query):
        if when is not None:
            found[name] = when if when.tzinfo else when.replace(tzinfo=UTC)
    return found
