"""`hub db upgrade` migrates the configured database and is safe to run twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.store import Store, check_schema
from hub.store.migrate import head_revision

CONFIG = '[ministry]\nunit = "SO01"\nusername = "SO01"\n'


def test_upgrade_migrates_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade", "--config", str(config)])
    assert first.exit_code == 0, first.output
    head = head_revision()
    assert f"∅ → {head}" in first.output
    again = runner.invoke(main, ["db", "upgrade", "--config", str(config)])
    assert f"already at revision {head}" in again.output
    store = Store(f"sqlite:///{tmp_path / 'var' / 'hub.sqlite3'}")
    try:
        check_schema(store)
    finally:
        store.dispose()


def test_a_bad_database_url_exits_with_the_store_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "mysql://hub@db/hub")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(main, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 3
    assert "not supported" in result.output
