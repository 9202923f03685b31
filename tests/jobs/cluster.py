"""A province of one-school sources, a ministry sandbox, a queue, and `hub worker` processes.

Each school's spreadsheets are their own generic_excel source (`s<MaTruong>`, folder
excel/<MaTruong>), so the scheduler can queue one job per (source, school, year), as it would
for a source that lists its schools.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from pgschema import schema_url

from hub.cli.demo_province import (
    DEFAULT_TEST_PASSWORD,
    MINISTRY_PASSWORD_ENV,
    PKI_PASSWORD_ENV,
    Province,
    build_province,
)
from hub.config import HubConfig, load_config
from hub.gen import GenSettings, generate
from hub.jobs.operations import JobKind, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.queue import QUEUE, QueueDispatcher
from hub.jobs.scheduler import Scheduler
from hub.jobs.scheduler_lock import scheduler_lock
from hub.model import SchoolLevel
from hub.pipeline.runner import ENDPOINT_ENV
from hub.sandbox import RunningSandbox, running
from hub.store import Store


def province_settings(schools: int, seed: int = 19) -> GenSettings:
    """`schools` primary schools of one learner per class (5 grades: 5 learners each)."""
    return GenSettings(
        seed=seed,
        levels=(SchoolLevel.PRIMARY,),
        schools=schools,
        classes_per_grade=1,
        learners_per_class=1,
        foreign_rate=0.0,
        exempt_rate=0.0,
    )


def expected_ids(settings: GenSettings) -> set[str]:
    """MaHoSo of every learner, as generic_excel's mapping forms it (school-year-learner)."""
    return {
        f"{t.header.school_code}-{t.header.school_year}-{t.learner.learner_code}"
        for t in (item.transcript for item in generate(settings))
    }


def build(directory: Path, settings: GenSettings) -> Province:
    """The province with one source per school."""
    province = build_province(directory, settings, database_url="sqlite:///unused.sqlite3")
    text = province.config_path.read_text(encoding="utf-8")
    head, _, _ = text.partition("[[sources]]")
    for code in province.schools:  # a province folder of one school each
        one = directory / "schools" / code
        one.mkdir(parents=True)
        (one / code).symlink_to(province.school_folder(code).resolve(), target_is_directory=True)
    sources = [
        f'[[sources]]\nname = "s{code}"\nplugin = "generic_excel"\n'
        f'options = {{ folder = "schools/{code}" }}\n'
        for code in province.schools
    ]
    nightly = '[[schedules]]\nname = "nightly"\ncron = "0 1 * * *"\njob = "sync"\n'
    province.config_path.write_text(head + "\n".join([*sources, nightly]), encoding="utf-8")
    return province


@dataclass
class Cluster:
    """One test's copy of the province, its sandbox, its queue, and its worker processes."""

    province: Province
    settings: GenSettings
    db_url: str
    sandbox: RunningSandbox
    password: str
    logs: Path
    queue_env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _outputs: list[IO[bytes]] = field(default_factory=list)

    @property
    def config(self) -> HubConfig:
        return load_config(self.province.config_path)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HUB_DATABASE_URL": self.db_url,
            ENDPOINT_ENV: self.sandbox.endpoint,
            PKI_PASSWORD_ENV: DEFAULT_TEST_PASSWORD,
            MINISTRY_PASSWORD_ENV: self.password,
            "HUB_LOAD_PLUGINS": "generic_excel",
            **self.queue_env,
        }

    def requests(self) -> list[JobRequest]:
        year = self.settings.school_year
        return [
            JobRequest(JobKind.SYNC, Piece(f"s{code}", code, year), schedule="nightly")
            for code in self.province.schools
        ]

    def schedule(self) -> int:
        """A firing of `hub serve`'s scheduler under the cluster's lock: one job per piece
        (hub.jobs.plan); returns the firing's id (hub.jobs.history)."""
        store = Store(self.db_url)
        dispatcher = QueueDispatcher(self.config)
        try:
            with scheduler_lock(store) as lock:
                assert lock.held
                firing = Scheduler(self.config, store, dispatcher, lock=lock).fire("nightly")
                assert firing is not None
                return firing
        finally:
            dispatcher.close(1.0)
            store.dispose()

    def start_worker(self) -> subprocess.Popen[bytes]:
        """A `hub worker` in its own process group (a kill reaches its pool's processes)."""
        hub = Path(sys.executable).parent / "hub"
        output = (self.logs / f"worker-{len(self._outputs)}.log").open("wb")
        self._outputs.append(output)
        process = subprocess.Popen(
            [str(hub), "worker", "--config", str(self.province.config_path)],
            env=self.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9 of the worker and its pool, as a lost machine."""
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                self.kill(process)
        for output in self._outputs:
            output.close()

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))

    def store(self) -> Store:
        return Store(self.db_url)

    def sandbox_rows(self, query: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.province.directory / "sandbox.sqlite3") as conn:
            return list(conn.execute(query))

    def accepted(self) -> Counter[str]:
        """Issued transcripts per MaHoSo at the sandbox."""
        return Counter(
            ma for (ma,) in self.sandbox_rows(
                "SELECT ma_ho_so FROM transcript WHERE withdrawn_at IS NULL"
            )
        )  # fmt: skip

    def documents_received(self) -> Counter[str]:
        return Counter(ma for (ma,) in self.sandbox_rows("SELECT ma_ho_so FROM document"))


@dataclass
class Sample:
    at: float
    doing: list[tuple[int, str]]  # (job id, piece) running
    leases: list[tuple[str, str, int]]  # (name, holder token, pid)


class Monitor:
    """Samples, every few milliseconds, the queue's running jobs and the store's leases."""

    def __init__(self, store: Store, period: float = 0.05) -> None:
        self.store, self.period = store, period
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        # One statement, one snapshot: read apart, a job starting (or ending) between the two
        # reads would show its lease without its job.
        query = sa.text(
            "SELECT 'doing', id::text, lock, 0 FROM procrastinate_jobs "
            "WHERE status = 'doing' AND queue_name = :queue "
            "UNION ALL SELECT 'lease', holder, name, pid FROM leases"
        )
        while not self._stop.wait(self.period):
            try:
                with self.store.read() as session:
                    rows = session.execute(query, {"queue": QUEUE}).all()
            except sa.exc.DBAPIError:
                continue
            doing = [(int(i), str(piece)) for kind, i, piece, _ in rows if kind == "doing"]
            leases = [(str(n), str(h), int(p)) for kind, h, n, p in rows if kind == "lease"]
            self.samples.append(Sample(time.monotonic(), doing, leases))


def attempt_intervals(store: Store) -> dict[str, list[tuple[datetime, datetime, int]]]:
    """Per piece, each attempt's (started, ended, job id) from procrastinate's events.

    An attempt ends at the job's next event after its start (succeeded, failed, deferred for
    retry: by its worker, or by the sweep when its worker was killed).
    """
    query = sa.text(
        "SELECT j.lock, e.job_id, e.type::text, e.at FROM procrastinate_events e "
        "JOIN procrastinate_jobs j ON j.id = e.job_id ORDER BY e.job_id, e.at, e.id"
    )
    with store.read() as session:
        rows = session.execute(query).all()
    found: dict[str, list[tuple[datetime, datetime, int]]] = {}
    started: dict[int, datetime] = {}
    for piece, job_id, kind, at in rows:
        if kind == "started":
            started[job_id] = at
        elif job_id in started and kind in ("succeeded", "failed", "deferred_for_retry", "aborted"):
            found.setdefault(piece, []).append((started.pop(job_id), at, job_id))
    for job_id, at in started.items():  # still running: must not happen at the end
        raise AssertionError(f"job {job_id} started at {at} never ended")
    return found


@dataclass
class ClusterFactory:
    province: Province
    settings: GenSettings
    database: sa.URL
    tmp_path: Path
    stack: ExitStack

    def make(self, **queue_env: str) -> Cluster:
        folder = self.tmp_path / "province"
        shutil.copytree(self.province.directory, folder)
        province = dataclasses.replace(
            self.province,
            directory=folder,
            config_path=folder / "hub.toml",
            roster_path=folder / "roster.json",
            trust_dir=folder / "trust",
        )
        password = secrets.token_urlsafe(12)
        sandbox = self.stack.enter_context(running(province.sandbox_config(password)))
        url = schema_url(self.database)
        from hub.jobs.queue_schema import install_queue
        from hub.store import migrate

        migrate(url)
        install_queue(url)
        config = province.config_path.read_text(encoding="utf-8")
        config = config.replace('url = "sqlite:///unused.sqlite3"', f"url = {json.dumps(url)}")
        province.config_path.write_text(config, encoding="utf-8")
        logs = self.tmp_path / "logs"
        logs.mkdir(exist_ok=True)
        cluster = Cluster(province, self.settings, url, sandbox, password, logs, queue_env)
        self.stack.callback(cluster.stop_all)
        return cluster


def piece_of_lease(name: str) -> str | None:
    """The piece a lease is named after ("source/school/year", hub.store.scope); None for a
    lease on more than one piece (a `*` in its name: "*/*/*" is the whole store)."""
    found = re.fullmatch(r"[^/\s*]+/[^/\s*]+/[^/\s*]+", name)
    return found.group(0) if found else None


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


__all__ = ["Cluster", "ClusterFactory", "Iterator", "Monitor", "attempt_intervals"]
