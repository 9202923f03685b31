"""`hub status` shows each schedule's last run and next slot, and the queue (none on SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import HubConfig
from hub.jobs import history
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece
from hub.store import Store


def _status(config: HubConfig, db_url: str, *extra: str) -> str:
    result = CliRunner().invoke(
        main, ["status", "--config", str(config.path), *extra], env={"HUB_DATABASE_URL": db_url}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_status_shows_the_last_run_and_the_next(
    config: HubConfig, store: Store, db_url: str
) -> None:
    slot = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    firing = history.record_firing(store, "nightly", slot, 1)
    began = datetime.now(UTC)
    request = JobRequest(JobKind.SYNC, Piece("vnedu"), "nightly", firing)
    history.record_outcome(store, request, JobOutcome(True, "ok"), began, began + timedelta(1))
    answer = json.loads(_status(config, db_url, "--format", "json"))
    nightly, retry = answer["schedules"]
    assert nightly["last"]["outcome"] == "ok"
    assert nightly["last"]["slot"] == slot.isoformat()
    assert (nightly["last"]["jobs"], nightly["last"]["done"]) == (1, 1)
    assert nightly["last"]["duration_s"] > 0
    next_fire = datetime.fromisoformat(nightly["next_fire"])
    assert (next_fire.hour, next_fire.minute) == (18, 0)  # 01:00 in Ho Chi Minh City
    assert next_fire > datetime.now(UTC)
    assert retry["last"] is None
    if store.is_sqlite:
        assert answer["queues"] is None
    table = _status(config, db_url)
    assert "Nothing yet" in table  # the schools' part as before
    assert "nightly" in table
    assert "2026-12-06 18:00" in table
    assert "retry" in table
    if store.is_sqlite:
        assert "no queue (in-process)" in table


def test_status_without_schedules_is_unchanged(tmp_path, store: Store, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not store.is_sqlite:
        pytest.skip("on PostgreSQL the queue's line is shown")
    path = tmp_path / "plain.toml"
    path.write_text('[ministry]\nunit = "SO01"\nusername = "SO01"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["status", "--config", str(path)], env={"HUB_DATABASE_URL": db_url}
    )
    if not store.is_sqlite:
        pytest.skip("on PostgreSQL the queue's line is shown")
    assert (
        result.output.strip()
        == "Chưa có dữ liệu; hãy chạy `hub sync`. / Nothing yet; run `hub sync`."
    )
