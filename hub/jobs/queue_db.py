"""The queue's rows as the hub reads and writes them: procrastinate's jobs, the hub's reasons.

procrastinate owns `procrastinate_jobs` and `procrastinate_events` (installed by
`hub db upgrade`, hub.jobs.queue_schema); the hub adds `job_reasons` (why a job's last attempt
ended, hub.store.tables.JobReason). Everything here goes through the store's SQLAlchemy engine,
so `hub jobs` and the dispatcher need no second way into the database, and the command line
reads no table itself (import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from hub.jobs.dispatch import QueueState
from hub.store.engine import Store, StoreError, shown_url
from hub.store.tables import JobReason, table_of, utcnow

_REASONS = table_of(JobReason)


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """One job of the queue as `hub jobs list` shows it."""

    id: int
    state: str  # procrastinate's status: todo, doing, succeeded, failed, cancelled, aborted
    piece: str  # hub.jobs.pieces.Piece.key
    kind: str
    attempts: int  # attempts made so far (procrastinate counts the retries)
    queued_at: datetime | None
    reason: str | None  # the last attempt's summary, None before the first ends


def record_reason(
    store: Store, job_id: int, piece: str, attempt: int, outcome: str, reason: str
) -> None:
    """Keep why attempt `attempt` of job `job_id` ended as `outcome` (the last one wins)."""
    values = {"piece": piece, "attempt": attempt, "outcome": outcome}
    values |= {"reason": reason[:2000], "at": utcnow()}
    insert = postgresql.insert(_REASONS).values(job_id=job_id, **values)
    with store.write() as session:
        session.execute(insert.on_conflict_do_update(index_elements=["job_id"], set_=values))


def waiting_job(store: Store, piece: str, *, besides: int) -> int | None:
    """The id of a job other than `besides` waiting for `piece` (its queueing lock), if any."""
    query = sa.text(
        "SELECT id FROM procrastinate_jobs WHERE queueing_lock = :piece AND status = 'todo' "
        "AND id <> :besides LIMIT 1"
    )
    with store.read() as session:
        found = session.execute(query, {"piece": piece, "besides": besides}).scalar()
        return int(found) if found is not None else None


def mark_failed(store: Store, job_id: int) -> bool:
    """End a running job as failed (its worker is gone and another job holds its piece)."""
    query = sa.text(
        "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = :id AND status = 'doing'"
    )
    with store.write() as session:
        return bool(session.execute(query, {"id": job_id}).rowcount)  # type: ignore[attr-defined]


_LIST = """
SELECT j.id, j.status, j.queueing_lock, j.args ->> 'kind' AS kind, j.attempts,
       (SELECT min(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type = 'deferred') AS queued_at,
       r.reason
  FROM procrastinate_jobs j
  LEFT JOIN job_reasons r ON r.job_id = j.id
 WHERE j.queue_name = :queue AND (CAST(:state AS text) IS NULL OR j.status::text = :state)
   AND (CAST(:id AS bigint) IS NULL OR j.id = :id)
 ORDER BY j.id DESC
 LIMIT :limit
"""


def list_jobs(
    store: Store, queue: str, *, state: str | None = None, job_id: int | None = None,
    limit: int = 200,
) -> list[QueuedJob]:  # fmt: skip
    """The queue's jobs, newest first."""
    params = {"queue": queue, "state": state, "id": job_id, "limit": limit}
    with store.read() as session:
        rows = session.execute(sa.text(_LIST), params).all()
    return [
        QueuedJob(
            int(r.id),
            str(r.status),
            str(r.queueing_lock or ""),
            str(r.kind or ""),
            int(r.attempts),
            r.queued_at,
            r.reason,
        )
        for r in rows
    ]


def queue_depths(store: Store, queue: str) -> QueueState:
    """How many jobs of `queue` run and wait, and since when the oldest waits."""
    query = sa.text(
        "SELECT count(*) FILTER (WHERE status = 'doing') AS running, "
        "count(*) FILTER (WHERE status = 'todo') AS waiting, "
        "min(e.at) FILTER (WHERE status = 'todo') AS oldest "
        "FROM procrastinate_jobs j LEFT JOIN procrastinate_events e "
        "ON e.job_id = j.id AND e.type = 'deferred' "
        "WHERE j.queue_name = :queue AND j.status IN ('todo', 'doing')"
    )
    with store.read() as session:
        row = session.execute(query, {"queue": queue}).one()
    return QueueState(queue, int(row.running), int(row.waiting), row.oldest)


def queue_installed(store: Store) -> bool:
    """Whether procrastinate's tables are in this (PostgreSQL) database."""
    with store.read() as session:
        found = session.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    return found is not None


def check_installed(store: Store) -> None:
    """Refuse to run a worker or `hub jobs` on a database without the queue.

    Raises:
        StoreError: procrastinate's tables are not there (`hub db upgrade` installs them).
    """
    if not queue_installed(store):
        url = shown_url(store.url)
        raise StoreError(
            f"Cơ sở dữ liệu {url} chưa có hàng đợi công việc; hãy chạy `hub db upgrade`.",
            f"The database {url} has no job queue yet; run `hub db upgrade`.",
        )
