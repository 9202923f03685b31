"""SQLite's settings for several processes, and the URL rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.store import Store, StoreError, migrate
from hub.store.engine import normalise_url


def _pragma(store: Store, name: str) -> object:
    with store.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    store = Store(sqlite_url, busy_timeout_ms=1234, create=True)
    try:
        assert _pragma(store, "journal_mode") == "wal"
        assert _pragma(store, "foreign_keys") == 1
        assert _pragma(store, "busy_timeout") == 1234
    finally:
        store.dispose()


def test_sqlite_enforces_foreign_keys(sqlite_url: str) -> None:
    store = Store(sqlite_url, create=True)
    migrate(store)
    try:
        with pytest.raises(sa.exc.IntegrityError), store.write() as session:
            session.execute(
                sa.text(
                    "INSERT INTO batches (run_id, school_code, school_year, source, state,"
                    " created_at, rows_in, unchanged, unkeyed, accepted, rejected, failed,"
                    " superseded) VALUES (99, 'x', '2024-2025', 's', 'open',"
                    " '2025-01-01', 0, 0, 0, 0, 0, 0, 0)"
                )
            )
    finally:
        store.dispose()


def test_a_sqlite_writer_holds_the_lock_from_its_first_statement(sqlite_url: str) -> None:
    # BEGIN IMMEDIATE: a write transaction that has only read so far already excludes other
    # writers (with the sqlite3 module's deferred BEGIN it would not, and two read-then-write
    # transactions could interleave and lose an update). Readers still get through.
    migrate(sqlite_url)
    first, second = Store(sqlite_url), Store(sqlite_url, busy_timeout_ms=50)
    try:
        with first.write() as session:
            session.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
            with pytest.raises(sa.exc.OperationalError, match="locked"), second.write() as other:
                other.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
            with second.read() as reader:
                assert reader.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == 0
    finally:
        first.dispose()
        second.dispose()


def test_a_bare_postgresql_url_means_psycopg_3() -> None:
    assert normalise_url("postgresql://hub@db/hub").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://hub@db/hub", "not a url"])
def test_other_databases_are_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(StoreError, match="sqlite"):
        normalise_url(url)


def test_the_sqlite_folder_is_created_when_the_store_is_created(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "var" / "nested"
    store = Store(f"sqlite:///{folder / 'hub.sqlite3'}", create=True)
    try:
        migrate(store)
        assert (folder / "hub.sqlite3").is_file()
    finally:
        store.dispose()
