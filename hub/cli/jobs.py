"""`hub jobs list|retry|cancel`: the cluster's job queue as an operator sees it (PostgreSQL).

`list` shows each job's state (todo: waiting, doing: running, succeeded, failed, cancelled,
aborted), its piece (source/school/year), its attempts, when it was queued and why its last
attempt ended. `retry` puts a failed job back in the queue; `cancel` takes a waiting one out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from hub.cli import exits
from hub.cli.operator_common import config_option
from hub.cli.sync import run_guarded

T = TypeVar("T")

STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")


def _on_queue(config_path: Path | None, action: Callable[..., T]) -> T:
    """Run `action(store)` on the configured store's queue; refused on SQLite."""
    from hub.config import load_config
    from hub.jobs.queue import queue_url
    from hub.jobs.queue_db import check_installed
    from hub.store import open_existing

    def work() -> T:
        store = open_existing(queue_url(load_config(config_path)))
        try:
            check_installed(store)
            return action(store)
        finally:
            store.dispose()

    return run_guarded(work)


def _line(job: object) -> str:
    from hub.jobs.queue_db import QueuedJob

    assert isinstance(job, QueuedJob)
    queued = job.queued_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if job.queued_at else "-"
    reason = job.reason or ""
    return (
        f"{job.id:>7}  {job.state:<9}  {job.kind:<14}  {job.piece:<32}  {job.attempts:>3}  "
        f"{queued}  {reason}"
    ).rstrip()


_HEADER = (
    f"{'id':>7}  {'state':<9}  {'kind':<14}  {'piece':<32}  {'try':>3}  "
    f"{'queued at':<19}  reason / lý do"
)


@click.group("jobs")
def jobs_group() -> None:
    """Hàng đợi công việc / the cluster's job queue (PostgreSQL)."""


@jobs_group.command("list")
@config_option
@click.option("--state", type=click.Choice(STATES), help="Chỉ trạng thái này / only this state.")
@click.option("--limit", type=click.IntRange(1, 10000), default=200, show_default=True)
def list_command(config_path: Path | None, state: str | None, limit: int) -> None:
    """Liệt kê công việc / list the jobs, newest first."""
    from hub.jobs.queue import QUEUE
    from hub.jobs.queue_db import list_jobs

    jobs = _on_queue(config_path, lambda store: list_jobs(store, QUEUE, state=state, limit=limit))
    if not jobs:
        click.echo("Hàng đợi trống / the queue holds no job.")
        raise SystemExit(exits.OK)
    click.echo(_HEADER)
    for job in jobs:
        click.echo(_line(job))
    raise SystemExit(exits.OK)


@jobs_group.command("retry")
@config_option
@click.argument("job_id", type=int)
def retry_command(config_path: Path | None, job_id: int) -> None:
    """Chạy lại một công việc đã thất bại / put a failed job back in the queue."""
    from hub.jobs.queue_admin import retry_job

    job = _on_queue(config_path, lambda store: retry_job(store, job_id))
    click.echo(f"Đã đưa lại vào hàng đợi / queued again: {_line(job)}")
    raise SystemExit(exits.OK)


@jobs_group.command("cancel")
@config_option
@click.argument("job_id", type=int)
def cancel_command(config_path: Path | None, job_id: int) -> None:
    """Hủy một công việc đang chờ / take a waiting job out of the queue."""
    from hub.jobs.queue_admin import cancel_job

    job = _on_queue(config_path, lambda store: cancel_job(store, job_id))
    click.echo(f"Đã hủy / cancelled: {_line(job)}")
    raise SystemExit(exits.OK)
