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

A store is created only on purpose. SQLite makes an empty file on the first connection to a
path that does not exist, so a typo in the URL would give a new, empty store, and a sync would
send the whole province again as if it had never been sent. `Store(url)` therefore refuses a
SQLite file that is not there, before connecting; only `Store(url, create=True)` (what
`hub db upgrade`, `hub demo` and `migrate(url)` use) may make the file and its folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hub.errors import ExitCode, HubError

DEFAULT_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another process's write to finish before giving up."""

_READONLY = "hub_readonly"  # execution option marking the reader engine's connections


class StoreError(HubError):
    """The store cannot be opened or used as asked (bad URL, old schema, a lost race)."""

    exit_code = ExitCode.STORE


class StaleStateError(StoreError):
    """A state change found the record no longer in the state it expected.

    Another process moved it first (two runners on one batch), or the caller's view is stale.
    The transaction is rolled back; nothing was changed.
    """


_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def shown_url(url: str | sa.URL) -> str:
    """A database URL as a message may show it: any password replaced by `***`.

    A URL SQLAlchemy cannot parse is masked by pattern (`scheme://user:secret@` loses the
    secret), since a malformed URL is exactly the one an error message quotes.
    """
    if isinstance(url, sa.URL):
        return url.render_as_string(hide_password=True)
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return _URL_PASSWORD.sub(r"\1***@", url)


def sqlite_file(url: sa.URL) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL, an in-memory or a `file:` URI database."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def missing_store(url: str | sa.URL, *, empty: bool = False) -> StoreError:
    """The refusal of a store that does not exist (or, `empty`, has no hub schema)."""
    shown = shown_url(url)
    if empty:
        what_vi = f"Cơ sở dữ liệu {shown} chưa có lược đồ của hub (chưa chạy `hub db upgrade`)."
        what_en = f"The database {shown} has no hub schema (`hub db upgrade` never ran on it)."
    else:
        what_vi = f"Không có cơ sở dữ liệu của hub tại {shown}."
        what_en = f"There is no hub database at {shown}."
    return StoreError(
        f"{what_vi} Nếu đây là lần cài đặt đầu tiên, `hub db upgrade` tạo nó; nếu không, hãy "
        f"kiểm tra [database] url trong config.toml và HUB_DATABASE_URL (một địa chỉ gõ sai cho "
        f"một kho trống, và lần đồng bộ sau sẽ gửi lại mọi học sinh).",
        f"{what_en} On a first installation `hub db upgrade` creates it; otherwise check "
        f"[database] url in config.toml and HUB_DATABASE_URL (a mistyped URL gives an empty "
        f"store, and the next sync would send every learner again).",
    )


# What the drivers say most often, in Vietnamese; other messages are shown in English only.
_DRIVER_SAYS: tuple[tuple[str, str], ...] = (
    ("file is not a database", "tệp này không phải là cơ sở dữ liệu SQLite"),
    ("unable to open database file", "không mở được tệp cơ sở dữ liệu (thư mục, quyền truy cập)"),
    ("database is locked", "cơ sở dữ liệu đang bị một tiến trình khác khóa"),
    ("readonly database", "cơ sở dữ liệu chỉ đọc được, không ghi được"),
    ("connection refused", "máy chủ từ chối kết nối (PostgreSQL có đang chạy không?)"),
    ("does not exist", "cơ sở dữ liệu hoặc vai trò không có trên máy chủ"),
    ("password authentication failed", "xác thực thất bại (mật khẩu, .pgpass)"),
    ("timeout", "hết thời gian chờ máy chủ"),
)


def database_failure(url: str | sa.URL | None, exc: sa.exc.DBAPIError) -> StoreError:
    """A driver's error while opening or using the store, as an operator's message.

    The driver's own text goes in the English line only; the Vietnamese line says the same in
    Vietnamese when it is one of the common causes, so that no library English sits in it.
    """
    said = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
    folded = said.lower()
    cause_vi = next((vi for en, vi in _DRIVER_SAYS if en in folded), None)
    where = f" {shown_url(url)}" if url is not None else ""
    return StoreError(
        f"Không dùng được cơ sở dữ liệu{where}: "
        + (cause_vi or "trình điều khiển báo lỗi (nguyên văn ở dòng tiếng Anh)")
        + ".",
        f"The database{where} cannot be used: {said}.",
    )


def normalise_url(url: str | sa.URL) -> sa.URL:
    """Parse a database URL, defaulting PostgreSQL to psycopg 3.

    Raises:
        StoreError: the URL cannot be parsed or names a database the hub does not support.
    """
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = shown_url(url)
        raise StoreError(
            f"Địa chỉ cơ sở dữ liệu {shown!r} không đúng dạng; cần ví dụ "
            f"sqlite:///var/hub.sqlite3 hoặc postgresql+psycopg://hub@localhost/hub.",
            f"The database URL {shown!r} is malformed; expected e.g. sqlite:///var/hub.sqlite3 "
            f"or postgresql+psycopg://hub@localhost/hub.",
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        backend, shown = parsed.get_backend_name(), shown_url(parsed)
        raise StoreError(
            f"{shown}: cơ sở dữ liệu {backend!r} không được hỗ trợ; dùng sqlite hoặc postgresql.",
            f"{shown}: database {backend!r} is not supported; use sqlite or postgresql.",
        )
    return parsed


def make_engine(
    url: str | sa.URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, create: bool = False
) -> Engine:
    """Create the engine for `url` with the settings described in this module's docstring.

    Create one engine per process: a pooled connection must never cross a fork.

    Args:
        url: the database URL.
        busy_timeout_ms: SQLite only: how long a writer waits for the lock.
        create: SQLite only: make the file (and its folder) on first use instead of refusing
            a file that is not there.

    Raises:
        StoreError: the URL is malformed or unsupported; a SQLite file is absent and `create`
            is false (checked before connecting, so nothing is made on disk).
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
    path = sqlite_file(parsed)
    if path is not None:
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                shown = shown_url(parsed)
                raise StoreError(
                    f"Không tạo được thư mục {path.parent} cho cơ sở dữ liệu {shown} "
                    f"(lỗi hệ thống {exc.errno}).",
                    f"Cannot create the folder {path.parent} of the database {shown}: "
                    f"{exc.strerror}.",
                ) from None
        elif not path.is_file():
            raise missing_store(parsed)
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
        create: SQLite only: make a missing file and its folder (`hub db upgrade`, `hub demo`,
            `migrate(url)`); by default a missing file is refused (see the module docstring).

    Use `write()` for anything that changes rows (on SQLite it holds the write lock from its
    first statement to its commit, so keep it short) and `read()` for queries only (it never
    blocks a writer). The schema is made by `hub.store.migrate(url)`, not here; a command opens
    an existing store with `hub.store.open_existing(url)`, which also checks the schema.

    Raises:
        StoreError: as `make_engine`.
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        create: bool = False,
    ):
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, create=create)
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
