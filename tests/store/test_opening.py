"""A store is created only on purpose: every command refuses one that is not there.

A typo in the database URL used to give a new, empty SQLite store (folders included), and
`hub sync` then sent the whole province again. Now only `hub db upgrade` (and `hub demo`, which
makes its own) create a store; every other command refuses a missing file before connecting,
a database without the hub's schema, a file that is not a database and a malformed URL, with
the store's exit code (3) and the URL named, its password masked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import exits, main
from hub.store import Store, StoreError, check_schema, migrate, open_existing
from hub.store.engine import shown_url
from hub.store.migrate import head_revision

CONFIG = '[ministry]\nunit = "SO01"\nusername = "SO01"\n'


def _config(tmp_path: Path, database: str | None = None) -> Path:
    path = tmp_path / "config.toml"
    extra = f"[database]\nurl = {database!r}\n" if database is not None else ""
    path.write_text(extra + CONFIG, encoding="utf-8")
    return path


def _hub(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = {"HUB_DATABASE_URL": "", "HUB_MINISTRY_ENDPOINT": "", **(env or {})}
    return CliRunner().invoke(main, [*args, "--config", str(config)], env=environment)


def test_a_missing_sqlite_file_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    with pytest.raises(StoreError, match="hub db upgrade") as refused:
        Store(f"sqlite:///{folder / 'hub.sqlite3'}")
    assert str(folder / "hub.sqlite3") in refused.value.message_vi
    assert not (tmp_path / "nonexistent").exists()


def test_a_store_is_created_only_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "nested"
    url = f"sqlite:///{folder / 'hub.sqlite3'}"
    migrate(url)  # what `hub db upgrade` does
    assert (folder / "hub.sqlite3").is_file()
    store = open_existing(url)
    try:
        check_schema(store)
    finally:
        store.dispose()


def test_a_database_without_the_hub_schema_is_refused_on_each_back_end(db_url: str) -> None:
    made = Store(db_url, create=True)
    with made.engine.connect():  # reachable (SQLite: the file now exists), never migrated
        pass
    made.dispose()
    with pytest.raises(StoreError, match="hub db upgrade") as refused:
        open_existing(db_url)
    assert "lược đồ của hub" in refused.value.message_vi
    assert "no hub schema" in refused.value.message_en


def test_an_empty_sqlite_file_has_no_hub_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    with pytest.raises(StoreError, match="no hub schema"):
        open_existing(f"sqlite:///{empty}")


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite3"
    text.write_text("ghi chú, không phải cơ sở dữ liệu\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as refused:
        open_existing(f"sqlite:///{text}")
    assert "không phải là cơ sở dữ liệu SQLite" in refused.value.message_vi
    assert "file is not a database" in refused.value.message_en
    assert "file is not" not in refused.value.message_vi  # no driver English in Vietnamese


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://hub:s3cret@db/hub", "postgresql://hub:***@db/hub"),
        ("postgresql://hub:s3cret@db:port/hub", "postgresql://hub:***@db:port/hub"),
        ("not a url", "not a url"),
    ],
)
def test_a_url_in_a_message_never_shows_its_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_a_malformed_url_names_itself_without_its_password() -> None:
    with pytest.raises(StoreError, match="malformed") as refused:
        Store("postgresql://hub:s3cret@db:port/hub")
    assert "s3cret" not in refused.value.message_vi + refused.value.message_en
    assert "hub:***@db:port" in refused.value.message_en


OPENING_COMMANDS = [
    ["status"],
    ["batches", "list"],
    ["batches", "show", "1"],
    ["report", "--out", "REPORT"],
    ["retry", "--school", "01000001", "--dry-run"],
    ["audit", "verify"],
    ["signers", "list"],
    ["withdraw", "HB0000001", "--reason", "x"],
    ["replace", "01000001-2024-2025-0000000001", "--reason", "x"],
    ["sync", "--quiet"],
]


@pytest.mark.parametrize("command", OPENING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_refuses_a_missing_store_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'nonexistent' / 'dir' / 'hub.sqlite3'}"
    args = [str(tmp_path / "report") if a == "REPORT" else a for a in command]
    env = {
        "HUB_MINISTRY_ENDPOINT": "http://127.0.0.1:9/ketnoi",  # a sync gets past the client
        "HUB_MINISTRY_PASSWORD": "x",
    }
    result = _hub(_config(tmp_path, url), *args, env=env)
    assert result.exit_code == exits.STORE, result.output
    assert "hub db upgrade" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_status_does_not_create_the_configured_file(tmp_path: Path) -> None:
    result = _hub(_config(tmp_path, "sqlite:///var/hub.sqlite3"), "status")
    assert result.exit_code == exits.STORE
    assert f"Không có cơ sở dữ liệu của hub tại sqlite:///{tmp_path}/var/hub.sqlite3" in (
        result.output
    )
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    "url", ["garbage", "postgresql://h:port/db", "mysql://hub@db/hub"], ids=str
)
@pytest.mark.parametrize("where", ["config", "environment"])
def test_a_bad_url_is_a_store_error_not_a_traceback(tmp_path: Path, url: str, where: str) -> None:
    if where == "config":
        result = _hub(_config(tmp_path, url), "status")
    else:
        result = _hub(_config(tmp_path), "status", env={"HUB_DATABASE_URL": url})
    assert result.exit_code == exits.STORE, result.output
    assert url.split(":")[0] in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_file_that_is_not_a_database_exits_with_the_store_code(tmp_path: Path) -> None:
    text = tmp_path / "hub.sqlite3"
    text.write_text("not a database\n" * 200, encoding="utf-8")
    result = _hub(_config(tmp_path, f"sqlite:///{text}"), "status")
    assert result.exit_code == exits.STORE
    assert "không phải là cơ sở dữ liệu SQLite" in result.output
    upgrade = _hub(_config(tmp_path, f"sqlite:///{text}"), "db", "upgrade")
    assert upgrade.exit_code == exits.STORE
    assert "file is not a database" in upgrade.output


def test_db_upgrade_creates_the_store_and_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite:///var/new/hub.sqlite3")
    first = _hub(config, "db", "upgrade")
    assert first.exit_code == exits.OK, first.output
    assert f"created a new, empty database: sqlite:///{tmp_path}/var/new/hub.sqlite3" in (
        first.output
    )
    assert f"∅ → {head_revision()}" in first.output
    again = _hub(config, "db", "upgrade")
    assert "created" not in again.output
    assert _hub(config, "status").exit_code == exits.OK


def test_db_upgrade_that_cannot_make_the_folder_says_so(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("", encoding="utf-8")
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'afile' / 'sub' / 'hub.sqlite3'}")
    result = _hub(config, "db", "upgrade")
    assert result.exit_code == exits.STORE
    assert f"Không tạo được thư mục {tmp_path / 'afile' / 'sub'}" in result.output
    assert "Traceback" not in result.output
