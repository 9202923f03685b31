"""procrastinate's tables installed beside the hub's, and upgraded with the hub (`hub db upgrade`).

procrastinate ships its whole schema (schema.sql) for a new database and one SQL file per change
(sql/migrations/<version>_<nn>_<what>.sql) for an existing one, and leaves tracking to its
users. The hub tracks it in a comment on `procrastinate_jobs` naming the version installed:
absent table → install schema.sql; an older version → apply, in order, the migrations above it
up to the installed procrastinate's; the same version → nothing. Running it again is harmless.
"""

from __future__ import annotations

import re
from importlib import resources

import procrastinate
import psycopg
import sqlalchemy as sa

from hub.jobs.queue import conninfo

_MARK = "procrastinate "
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def _version(text: str) -> tuple[int, int, int]:
    found = _VERSION.match(text)
    if found is None:
        return (0, 0, 0)
    major, minor, patch = found.groups()
    return (int(major), int(minor), int(patch))


def installed_version(connection: psycopg.Connection) -> str | None:
    """The procrastinate version the database's queue is at; None: not installed."""
    row = connection.execute(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL, "
        "obj_description(to_regclass('procrastinate_jobs'), 'pg_class')"
    ).fetchone()
    if row is None or not row[0]:
        return None
    comment = row[1] or ""
    return comment.removeprefix(_MARK) if comment.startswith(_MARK) else procrastinate.__version__


def install_queue(url: str | sa.URL) -> tuple[str | None, str]:
    """Install or upgrade procrastinate's schema; returns (version before, version now)."""
    target = procrastinate.__version__
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        before = installed_version(connection)
        sql = resources.files("procrastinate.sql")
        if before is None:
            with connection.transaction():
                connection.execute((sql / "schema.sql").read_text(encoding="utf-8"))
        elif _version(before) < _version(target):
            names = sorted(
                p.name for p in (sql / "migrations").iterdir() if p.name.endswith(".sql")
            )
            for name in names:
                if _version(before) < _version(name) <= _version(target):
                    text = (sql / "migrations" / name).read_text(encoding="utf-8")
                    connection.execute(text)
        connection.execute(f"COMMENT ON TABLE procrastinate_jobs IS '{_MARK}{target}'")
    return before, target
