"""Schema migrations with Alembic, run from Python: `migrate(url)` brings a database to head.

The revisions live in hub/store/migrations/versions/ inside the package, so an installed hub
can upgrade its database without a checkout or an alembic.ini. `open_existing()` is how every
command but `hub db upgrade` and `hub demo` opens the store: a database that is not there, has
no hub schema, or is at another revision is an operator's error with the command to run, never
a new empty store and never a crash halfway through a batch. Only `migrate()` given a URL
creates a SQLite file (hub.store.engine explains why).

Developers write a new revision with `python -m hub.store.migrate revision "what changed"`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from hub.store.engine import (
    DEFAULT_BUSY_TIMEOUT_MS,
    Store,
    StoreError,
    database_failure,
    missing_store,
    shown_url,
)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """The Alembic configuration of the store, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision the code expects."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "hub/store/migrations/versions has no revision"
    return head


def current_revision(store: Store) -> str | None:
    """The revision the database is at (None: never migrated).

    Raises:
        StoreError: the database cannot be reached or read (not a database, refused, ...).
    """
    try:
        with store.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.DBAPIError as exc:
        raise database_failure(store.url, exc) from None


def migrate(target: str | sa.URL | Store, revision: str = "head") -> None:
    """Upgrade the database at `target` (a URL or an open Store) to `revision`.

    Given a URL, a SQLite file that does not exist is created with its folder: this is the
    function `hub db upgrade` and `hub demo` create a store with. Runs in one transaction: on
    SQLite and PostgreSQL alike a failed upgrade leaves the database as it was. Safe to call
    on an up-to-date database (it does nothing).

    Raises:
        StoreError: the URL is malformed, or the database cannot be reached or upgraded.
    """
    store = target if isinstance(target, Store) else Store(target, create=True)
    try:
        with store.engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    except sa.exc.DBAPIError as exc:
        raise database_failure(store.url, exc) from None
    finally:
        if store is not target:
            store.dispose()


def open_existing(url: str | sa.URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Store:
    """The store at `url`, refused unless it exists with this hub's schema revision.

    Raises:
        StoreError: the URL is malformed; no SQLite file is there (nothing is created); the
            database cannot be reached, is not a database, has no hub schema, or is at another
            revision. Each message names the URL (password masked) and what to run.
    """
    store = Store(url, busy_timeout_ms=busy_timeout_ms)
    try:
        check_schema(store)
    except BaseException:
        store.dispose()
        raise
    return store


def check_schema(store: Store) -> None:
    """Refuse to work on a database whose schema is not the one this hub expects.

    Raises:
        StoreError: the database cannot be read, was never migrated, or is at another
            revision; the message names the command that fixes it.
    """
    current, head = current_revision(store), head_revision()
    if current == head:
        return
    if current is None:
        raise missing_store(store.url, empty=True)
    url = shown_url(store.url)
    raise StoreError(
        f"Cơ sở dữ liệu {url} đang ở phiên bản lược đồ {current}, hub cần {head}. "
        f"Hãy chạy `hub db upgrade` (sao lưu trước).",
        f"The database {url} is at schema revision {current}, the hub needs {head}. "
        f"Run `hub db upgrade` (back it up first).",
    )


def _write_revision(message: str) -> None:
    """Autogenerate a revision against a scratch SQLite database at head (developers only)."""
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(f"sqlite:///{scratch}/scratch.sqlite3", create=True)
        try:
            migrate(store)
            with store.engine.begin() as connection:
                command.revision(alembic_config(connection), message=message, autogenerate=True)
        finally:
            store.dispose()


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m hub.store.migrate revision "what changed"')
    _write_revision(sys.argv[2])
