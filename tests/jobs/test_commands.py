"""`hub jobs list|retry|cancel`, `hub worker` on SQLite, `hub db upgrade` and the queue,
and the scheduler's advisory lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.queue import QUEUE, QueueDispatcher
from hub.jobs.queue_db import list_jobs
from hub.jobs.scheduler_lock import scheduler_lock
from hub.store import Store

from .test_queue import FAST, work

SQLITE_REFUSAL_EN = "The job queue runs on PostgreSQL only"
SQLITE_REFUSAL_VI = "Hàng đợi công việc chỉ chạy trên PostgreSQL"


def hub(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args[:2], "--config", str(config), *args[2:]])
    return result.exit_code, result.output


@pytest.fixture
def sqlite_config(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    return config_file


@pytest.mark.parametrize(
    "command", [("worker",), ("jobs", "list"), ("jobs", "retry", "1"), ("jobs", "cancel", "1")]
)
def test_the_queue_commands_refuse_sqlite_with_one_message(
    sqlite_config: Path, command: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(main, [*command[:2], "--config", str(sqlite_config), *command[2:]])
    code, output = result.exit_code, result.output
    assert code == 2, output
    assert SQLITE_REFUSAL_VI in output
    assert SQLITE_REFUSAL_EN in output
    assert "hub.sqlite3" in output


@pytest.fixture
def pg_config(config_file: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATABASE_URL", pg_url)
    return config_file


def _queue(config: Path, *schools: str) -> list[str]:
    from hub.config import load_config

    dispatcher = QueueDispatcher(load_config(config), settings=FAST)
    try:
        ids = [
            dispatcher.submit(JobRequest(JobKind.SYNC, Piece("vnedu", s, "2024-2025"))).job_id
            for s in schools
        ]
    finally:
        dispatcher.close(1.0)
    return [str(i) for i in ids]


@pytest.mark.postgres
def test_list_shows_state_piece_attempts_queued_at_and_reason(
    pg_config: Path, pg_url: str, pg_store: Store
) -> None:
    code, output = hub(pg_config, "jobs", "list")
    assert (code, output.strip()) == (0, "Hàng đợi trống / the queue holds no job.")
    _queue(pg_config, "T1")
    work(pg_url, pg_store, lambda r, stop: JobOutcome(False, "config.toml: bad source"))
    code, output = hub(pg_config, "jobs", "list")
    assert code == 0, output
    header, row = output.strip().splitlines()
    assert header.split()[:6] == ["id", "state", "kind", "piece", "try", "queued"]
    assert row.split()[:5] == ["1", "failed", "sync", "vnedu/T1/2024-2025", "1"]
    assert row.endswith("config.toml: bad source")


@pytest.mark.postgres
def test_retry_puts_a_failed_job_back_and_it_runs(
    pg_config: Path, pg_url: str, pg_store: Store
) -> None:
    (job_id,) = _queue(pg_config, "T1")
    work(pg_url, pg_store, lambda r, stop: JobOutcome(False, "vendor refused the school"))
    code, output = hub(pg_config, "jobs", "retry", job_id)
    assert code == 0, output
    assert "queued again" in output
    assert [j.state for j in list_jobs(pg_store, QUEUE)] == ["todo"]
    work(pg_url, pg_store, lambda r, stop: JobOutcome(True, "run 2: read 4, accepted 4"))
    (job,) = list_jobs(pg_store, QUEUE)
    assert (job.state, job.reason) == ("succeeded", "run 2: read 4, accepted 4")


@pytest.mark.postgres
def test_retry_refuses_a_job_that_has_not_failed(pg_config: Path) -> None:
    (job_id,) = _queue(pg_config, "T1")
    code, output = hub(pg_config, "jobs", "retry", job_id)
    assert code == 2
    assert f"Job {job_id} (vnedu/T1/2024-2025) is 'todo'; only a failed" in output
    assert f"Công việc {job_id} (vnedu/T1/2024-2025) đang ở trạng thái 'todo'" in output


@pytest.mark.postgres
def test_cancel_takes_a_waiting_job_out(pg_config: Path, pg_url: str, pg_store: Store) -> None:
    first, second = _queue(pg_config, "T1", "T2")
    code, output = hub(pg_config, "jobs", "cancel", first)
    assert code == 0, output
    assert "cancelled" in output
    ran: list[JobRequest] = []
    work(pg_url, pg_store, lambda r, stop: ran.append(r) or JobOutcome(True, "ok"))
    assert [r.piece.school for r in ran] == ["T2"]
    states = {j.id: j.state for j in list_jobs(pg_store, QUEUE)}
    assert states == {int(first): "cancelled", int(second): "succeeded"}
    code, output = hub(pg_config, "jobs", "cancel", second)
    assert code == 2
    assert f"Job {second} (vnedu/T2/2024-2025) is 'succeeded'; only a waiting" in output


@pytest.mark.postgres
@pytest.mark.parametrize("verb", ["retry", "cancel"])
def test_an_unknown_job_id_is_refused_with_its_number(pg_config: Path, verb: str) -> None:
    code, output = hub(pg_config, "jobs", verb, "4242")
    assert code == 2
    assert "Không có công việc số 4242 trong hàng đợi 'hub'; xem `hub jobs list`." in output
    assert "No job 4242 in the queue 'hub'; see `hub jobs list`." in output


@pytest.mark.postgres
def test_db_upgrade_installs_the_queue_once(
    config_file: Path, postgres_database: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import procrastinate
    from pgschema import schema_url

    url = schema_url(postgres_database)  # type: ignore[arg-type]
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    code, output = hub(config_file, "db", "upgrade")
    assert code == 0, output
    assert f"job queue: procrastinate ∅ → {procrastinate.__version__}" in output
    code, output = hub(config_file, "db", "upgrade")
    assert code == 0, output
    assert f"job queue: procrastinate {procrastinate.__version__}" in output
    code, output = hub(config_file, "jobs", "list")
    assert code == 0, output


@pytest.mark.postgres
def test_one_scheduler_holds_the_lock(pg_url: str) -> None:
    one, two = Store(pg_url), Store(pg_url)
    try:
        with scheduler_lock(one) as first, scheduler_lock(two) as second:
            assert first.held
            assert not second.held
            assert not second.try_take()  # still held by the first
            first.release()
            assert second.try_take()  # a standby takes over
        with scheduler_lock(one) as again:
            assert again.held  # released at the end of the block
    finally:
        one.dispose()
        two.dispose()


def test_on_sqlite_the_scheduler_lock_is_always_held(sqlite_url: str) -> None:
    from hub.store import migrate

    migrate(sqlite_url)
    store = Store(sqlite_url)
    try:
        with scheduler_lock(store) as lock:
            assert lock.held
    finally:
        store.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("command", [("worker",), ("jobs", "list")])
def test_without_the_queue_installed_the_commands_say_to_upgrade(
    config_file: Path,
    postgres_database: object,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    from pgschema import schema_url

    from hub.store import migrate

    url = schema_url(postgres_database)  # type: ignore[arg-type]
    migrate(url)  # the hub's schema only, as before this version's `hub db upgrade`
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    result = CliRunner().invoke(main, [*command, "--config", str(config_file)])
    assert result.exit_code == 3, result.output
    assert "has no job queue yet; run `hub db upgrade`." in result.output
    assert "chưa có hàng đợi công việc; hãy chạy `hub db upgrade`." in result.output
