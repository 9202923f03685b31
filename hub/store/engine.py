"""Opening the store: one engine per process, writers serialised, readers free.

SQLite (the default) is safe for several processes only with three settings, all made here on
every new connection:

- WAL journal: readers never block the writer nor the writer the readers;
- `BEGIN IMMEDIATE` for every write transaction: the write lock is taken when the transaction
  starts, so two processes cannot both read a row and then both write it (with the sqlite3
  module's deferred BEGIN, the second writer's update is lost or fails half-way);
- a busy timeout: a writer waits for the lock instead of failing at once.

The sqlite3 module's own transaction handling is switched off (`isolation_level = None`) and
SQLAlchemy's "begin" event emits our BEGIN instead: the recipe of SQLAlchemy's SQLite
documentation ("Enabling Non-Legacy SQLite Transactional Modes"), which works on Python 3.11.

PostgreSQL is chosen by URL (`postgresql+psycopg://user@host/db`); a bare `postgresql://` is
taken to mean psycopg 3, the driver the hub installs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hub.errors import HubError

DEFAULT_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another process's write to finish before giving up."""

_READONLY = "hub_readonly"  # execution option marking the reader engine's connections


class StoreError(HubError):
    """The store cannot be opened or used as asked (bad URL, old schema, a lost race)."""


class StaleStateError(StoreError):
    """A state change found the record no longer in the state it expected.

    Another process moved it first (two runners on one batch), or the caller's view is stale.
    The transaction is rolled back; nothing was changed.
    """


def normalise_url(url: str | sa.URL) -> sa.URL:
    """Parse a database URL, defaulting PostgreSQL to psycopg 3.

    Raises:
        StoreError: the URL cannot be parsed or names a database the hub does not support.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(
            "Địa chỉ cơ sở dữ liệu không đúng dạng (ví dụ: sqlite:///var/hub.sqlite3 hoặc "
            "postgresql+psycopg://hub@localhost/hub).",
            "The database URL is malformed (e.g. sqlite:///var/hub.sqlite3 or "
            "postgresql+psycopg://hub@localhost/hub).",
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        backend = parsed.get_backend_name()
        raise StoreError(
            f"Cơ sở dữ liệu {backend!r} không được hỗ trợ; dùng sqlite hoặc postgresql.",
            f"Database {backend!r} is not supported; use sqlite or postgresql.",
        )
    return parsed


def make_engine(url: str | sa.URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """Create the engine for `url` with the settings described in this module's docstring.

    A SQLite file's folder is created when missing, so that the default `./var/hub.sqlite3`
    works on a fresh checkout. Create one engine per process: a pooled connection must never
    cross a fork.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        # No server-side prepared statements: psycopg prepares a statement on its fifth run, and
        # PostgreSQL may then keep a generic plan made while `records` was still empty (a
        # sequential scan), which made look-ups of a growing run 20 times slower. Bulk
        # statements are few, so planning each one costs nothing measurable.
        return sa.create_engine(
            parsed, pool_pre_ping=True, connect_args={"prepare_threshold": None}
        )
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    _install_sqlite_hooks(engine, busy_timeout_ms)
    return engine


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module; on_begin() below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk before the next side effect (the promise of DESIGN.md),
            # even after a power cut; WAL keeps the cost to one fsync per transaction.
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        readonly = connection.get_execution_options().get(_READONLY, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class Store:
    """The store of one process: an engine, and sessions for writing and for reading.

    Args:
        url: `sqlite:///path` or `postgresql+psycopg://...`.
        busy_timeout_ms: SQLite only: how long a writer waits for the lock.

    Use `write()` for anything that changes rows (on SQLite it holds the write lock from its
    first statement to its commit, so keep it short) and `read()` for queries only (it never
    blocks a writer). The schema is made by `hub.store.migrate(url)`, not here.
    """

    def __init__(self, url: str | sa.URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS):
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self._reader = self.engine.execution_options(**{_READONLY: True})

    @property
    def url(self) -> sa.URL:
        return self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot; it must not write)."""
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close the pooled connections (at exit, and in a child process before it starts)."""
        self.engine.dispose()


def rowcount(result: sa.Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (summed over an executemany by both drivers)."""
    return cast("sa.CursorResult[Any]", result).rowcount
