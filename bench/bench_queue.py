"""The job queue's own cost per job against the sync of a 500-learner school, in one run.

    HUB_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_queue.py [--jobs 300] [--learners 500]

Goal (issue 19): the queue's cost per job ≤ 5 % of a 500-learner school's sync.

- **Queue cost per job**: what the cluster adds around a job, with a job body that does
  nothing: defer (`QueueDispatcher.submit`: one INSERT with its queueing lock), fetch
  (`FOR UPDATE SKIP LOCKED`), the job's reason kept in `job_reasons`, and procrastinate's
  status update at its end; one in-process worker, `--jobs` pieces, on the PostgreSQL of
  HUB_TEST_POSTGRES_URL (a scratch schema, dropped after). Wall time / jobs.
- **Sync of a school**: `run_sync` of one primary school of `--learners` learners, as
  bench/bench_sync.py measures it (child process, in-memory ministry double, SQLite store: a
  store on the same PostgreSQL would be slower, so the ratio printed is the less favourable).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_sync import measure_sync, prepare


def queue_cost(base_url: str, jobs: int) -> float:
    """Seconds of queue work per job (defer, fetch, reason, finish) with a no-op body."""
    import sqlalchemy as sa

    from hub.jobs.operations import JobKind, JobOutcome, JobRequest
    from hub.jobs.pieces import Piece
    from hub.jobs.queue import QUEUE, TASK, QueueSettings, make_app, request_args
    from hub.jobs.queue_db import list_jobs
    from hub.jobs.queue_schema import install_queue
    from hub.store import Store, migrate

    database = sa.make_url(base_url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = database.update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    try:
        migrate(url_text)
        install_queue(url_text)
        store = Store(url_text)
        settings = QueueSettings(stalled_s=30, max_attempts=1, backoff_s=0)
        app = make_app(
            url_text, store, body=lambda r, stop: JobOutcome(True, "no-op"), settings=settings
        )
        requests = [
            JobRequest(JobKind.SYNC, Piece("bench", f"{n:08d}", "2024-2025")) for n in range(jobs)
        ]

        async def work() -> None:
            async with app.open_async():
                await app.run_worker_async(
                    queues=[QUEUE], wait=False, install_signal_handlers=False
                )

        started = time.perf_counter()
        with app.open():
            for request in requests:
                key = request.piece.key
                task = app.configure_task(TASK, queue=QUEUE, lock=key, queueing_lock=key)
                task.defer(**request_args(request))
        asyncio.run(work())
        elapsed = time.perf_counter() - started
        done = list_jobs(store, QUEUE, state="succeeded", limit=jobs + 1)
        assert len(done) == jobs, f"{len(done)} of {jobs} jobs succeeded"
        store.dispose()
        return elapsed / jobs
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def school_settings(learners: int):  # type: ignore[no-untyped-def]
    """One primary school of about `learners` learners (5 grades of 4 classes)."""
    from hub.gen import GenSettings
    from hub.model import SchoolLevel

    per_class = max(1, math.ceil(learners / 20))
    return GenSettings(
        seed=7,
        levels=(SchoolLevel.PRIMARY,),
        schools=1,
        classes_per_grade=4,
        learners_per_class=per_class,
        foreign_rate=0.0,
        exempt_rate=0.0,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--learners", type=int, default=500)
    args = parser.parse_args(argv)
    base_url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not base_url:
        print("set HUB_TEST_POSTGRES_URL (a PostgreSQL the bench may add a schema to)")
        return 2
    from hub.cli.demo_province import DEFAULT_TEST_PASSWORD, MINISTRY_PASSWORD_ENV, PKI_PASSWORD_ENV

    os.environ[PKI_PASSWORD_ENV] = DEFAULT_TEST_PASSWORD
    os.environ[MINISTRY_PASSWORD_ENV] = "unused-by-the-double"
    os.environ.setdefault("HUB_LOAD_PLUGINS", "generic_excel")
    per_job = queue_cost(base_url, args.jobs)
    print(f"queue: {args.jobs} no-op jobs, {per_job * 1000:,.1f} ms per job", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        print(f"generating a school of {args.learners} learners…", flush=True)
        config_path, roster = prepare(Path(scratch) / "school", school_settings(args.learners))
        sync = measure_sync(config_path, roster)
    print(f"sync: {sync.learners} learners in {sync.seconds:,.2f} s (accepted {sync.accepted})")
    ratio = per_job / sync.seconds
    print(f"queue cost per job / school sync = {ratio:.2%} (goal ≤ 5 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
