"""One scheduler per cluster: a PostgreSQL session advisory lock held on its own connection.

Every `hub serve` of a cluster may start a scheduler; only the one holding the lock enqueues.
A session lock lives as long as its connection, so a scheduler killed outright (kill -9, a lost
machine) lets go of it when PostgreSQL notices the connection is gone, and a standby that calls
`try_take()` again takes over. On SQLite there is one machine and one store: the lock is always
held.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from hub.store.engine import Store

SCHEDULER_LOCK_KEY = 0x6875625F73636864  # "hub_schd": one bigint key the hub's other locks avoid


class SchedulerLock:
    """The advisory lock on one dedicated connection (SQLite: always held)."""

    def __init__(self, store: Store, key: int) -> None:
        self._key = key
        self._connection: sa.Connection | None = None
        self.held = store.is_sqlite
        if not store.is_sqlite:
            self._connection = store.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )

    def try_take(self) -> bool:
        """Take the lock if free (no wait); True when this scheduler holds it now."""
        if self.held or self._connection is None:
            return self.held
        query = sa.text("SELECT pg_try_advisory_lock(:key)")
        self.held = bool(self._connection.execute(query, {"key": self._key}).scalar())
        return self.held

    def release(self) -> None:
        """Let go of the lock and close the connection (a standby can take it)."""
        if self._connection is None:
            return
        try:
            if self.held:
                query = sa.text("SELECT pg_advisory_unlock(:key)")
                self._connection.execute(query, {"key": self._key})
        finally:
            self._connection.close()
            self._connection, self.held = None, False


@contextmanager
def scheduler_lock(store: Store, *, key: int = SCHEDULER_LOCK_KEY) -> Iterator[SchedulerLock]:
    """Try to become the cluster's scheduler for the block's life.

    Yields a SchedulerLock whose `held` says whether this process may enqueue; a standby calls
    `try_take()` now and then (e.g. at each firing) to take over from a scheduler that died.
    The lock is released when the block ends.
    """
    lock = SchedulerLock(store, key)
    try:
        lock.try_take()
        yield lock
    finally:
        lock.release()
