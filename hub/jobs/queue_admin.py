"""`hub jobs retry|cancel` as plain functions: what an operator may do to one queued job.

    retry   a failed (or cancelled, aborted) job goes back to the queue, to run now; refused
            while another job waits for the same piece (its queueing lock)
    cancel  a waiting job leaves the queue; a running one is not cancelled here: drain its
            worker with SIGTERM (docs/operations.md), and the job is retried elsewhere

Each refusal names the job, what it is and what to do instead, in Vietnamese and English.
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.errors import UsageError
from hub.jobs.queue import QUEUE
from hub.jobs.queue_db import QueuedJob, list_jobs, record_reason, waiting_job
from hub.store.engine import Store

RETRYABLE_STATES = frozenset({"failed", "cancelled", "aborted"})


def unknown_job(job_id: int) -> UsageError:
    return UsageError(
        f"Không có công việc số {job_id} trong hàng đợi {QUEUE!r}; xem `hub jobs list`.",
        f"No job {job_id} in the queue {QUEUE!r}; see `hub jobs list`.",
    )


def find_job(store: Store, job_id: int) -> QueuedJob:
    """The job `job_id` of the hub's queue.

    Raises:
        UsageError: no such job.
    """
    found = list_jobs(store, QUEUE, job_id=job_id, limit=1)
    if not found:
        raise unknown_job(job_id)
    return found[0]


def retry_job(store: Store, job_id: int) -> QueuedJob:
    """Put a failed job back in the queue to run now; the job as it is after.

    Raises:
        UsageError: no such job; it is not failed (waiting, running or done); another job
            already waits for its piece.
    """
    job = find_job(store, job_id)
    if job.state not in RETRYABLE_STATES:
        raise UsageError(
            f"Công việc {job_id} ({job.piece}) đang ở trạng thái {job.state!r}; chỉ chạy lại "
            "được công việc đã thất bại, bị hủy hoặc bị ngắt (failed, cancelled, aborted).",
            f"Job {job_id} ({job.piece}) is {job.state!r}; only a failed, cancelled or aborted "
            "job can be retried.",
        )
    waiting = waiting_job(store, job.piece, besides=job_id)
    if waiting is not None:
        raise UsageError(
            f"Công việc {waiting} đã chờ trong hàng đợi cho {job.piece}; không chạy lại {job_id}.",
            f"Job {waiting} already waits in the queue for {job.piece}; {job_id} not retried.",
        )
    with store.write() as session:
        if job.state == "failed":
            session.execute(
                sa.text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"),
                {"id": job_id},
            )
        else:  # procrastinate retries only failed or running jobs; cancelled ones are ours
            session.execute(
                sa.text(
                    "UPDATE procrastinate_jobs SET status = 'todo', scheduled_at = now() "
                    "WHERE id = :id"
                ),
                {"id": job_id},
            )
    record_reason(store, job_id, job.piece, job.attempts + 1, "retrying", "retried by hand")
    return find_job(store, job_id)


def cancel_job(store: Store, job_id: int) -> QueuedJob:
    """Take a waiting job out of the queue; the job as it is after.

    Raises:
        UsageError: no such job, or it is not waiting (running, done or failed).
    """
    job = find_job(store, job_id)
    if job.state != "todo":
        running = (
            " Để dừng nó, gửi SIGTERM cho worker đang chạy nó (hub jobs list cho biết)."
            if job.state == "doing"
            else ""
        )
        running_en = (
            " To stop it, send SIGTERM to the worker running it (drain the worker)."
            if job.state == "doing"
            else ""
        )
        raise UsageError(
            f"Công việc {job_id} ({job.piece}) đang ở trạng thái {job.state!r}; chỉ hủy được "
            f"công việc đang chờ (todo).{running}",
            f"Job {job_id} ({job.piece}) is {job.state!r}; only a waiting (todo) job can be "
            f"cancelled.{running_en}",
        )
    with store.write() as session:
        cancelled = session.execute(
            sa.text("SELECT procrastinate_cancel_job_v1(:id, false, false)"), {"id": job_id}
        ).scalar()
    if cancelled is None:  # it started between our look and our cancel
        return cancel_job(store, job_id)
    record_reason(store, job_id, job.piece, job.attempts, "cancelled", "cancelled by hand")
    return find_job(store, job_id)
