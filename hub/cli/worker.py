"""`hub worker`: run the cluster's queued jobs on this machine (PostgreSQL only).

Start as many as the machine's cores allow, on as many machines as needed; each fetches jobs
from the store's queue (hub.jobs.queue). SIGTERM drains it: no new job, the running one stops
after its current chunk and is retried by the next worker, and the process exits within
HUB_WORKER_STOP_S seconds (60 by default; docs/operations.md "Several machines").
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from hub.cli import exits
from hub.cli.operator_common import config_option
from hub.cli.sync import run_guarded


@click.command("worker")
@config_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Công việc chạy cùng lúc / jobs run at once by this process.",
)
def worker_command(config_path: Path | None, concurrency: int) -> None:
    """Chạy các công việc trong hàng đợi / run the queued jobs (PostgreSQL)."""
    from hub.config import load_config
    from hub.jobs.queue import QUEUE, queue_url
    from hub.jobs.queue_db import check_installed
    from hub.jobs.queue_worker import job_body, run_worker, stop_bound
    from hub.store import open_existing

    def prepare():  # type: ignore[no-untyped-def]
        config = load_config(config_path)
        url = queue_url(config)
        store = open_existing(url)
        try:
            check_installed(store)
        except BaseException:
            store.dispose()
            raise
        return config, url, store

    config, url, store = run_guarded(prepare)
    bound = stop_bound()
    click.echo(
        f"hub worker {socket.gethostname()}:{os.getpid()}: {concurrency} việc cùng lúc / "
        f"job(s) at once, hàng đợi / queue {QUEUE!r}; SIGTERM: dừng trong / stops within "
        f"{bound:g} s"
    )
    try:
        finished = run_worker(url, store, job_body(config, store), concurrency=concurrency)
    finally:
        store.dispose()
    if not finished:
        click.echo(
            f"Một công việc chưa dừng sau {bound:g} giây; bỏ lại, worker khác sẽ nhận lại. / "
            f"A job did not stop within {bound:g} s; left for another worker to take over.",
            err=True,
        )
        os._exit(exits.TERMINATED)
    click.echo("hub worker: đã dừng / stopped")
    raise SystemExit(exits.OK)
