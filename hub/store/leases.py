"""Leases: one holder at a time for a piece of work on the store, and safe take-over of the dead.

A sync (or a retry, a correction) takes the lease "sync" before it touches a record and keeps it
to its end. A second contender is refused with who holds it (host, process, since when, last
heartbeat), instead of racing the first and failing half-way on a record the other moved.

A holder renews its lease (`renew`, from a heartbeat thread) every `HEARTBEAT` seconds. A lease
is taken over when its holder is dead: at once when it ran on this machine and its process is
gone (kill -9, a crash), and otherwise when it has not renewed for `TIMEOUT` seconds (a lost
machine). Take-over is a compare-and-set on the holder's token, so two contenders racing for a
dead holder's lease cannot both win. Taking over a dead holder's work is safe because every step
of the work is idempotent (hub.pipeline.push: content-derived batch keys; hub.store.records:
one current record per learner).
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.store.engine import Store, StoreError, rowcount
from hub.store.tables import Lease, table_of, utcnow

_LEASES = table_of(Lease)

SYNC = "sync"
"""The lease every run that moves records holds (one runner per store)."""

HEARTBEAT = 30.0
"""Seconds between a holder's renewals."""

TIMEOUT = 300.0
"""Seconds without a renewal after which a holder on another machine counts as dead."""


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds a lease, as an operator reads it (no personal data: a host and a process)."""

    name: str
    host: str
    pid: int
    run_id: int | None
    since: datetime
    renewed_at: datetime

    def describe_vi(self, now: datetime) -> str:
        ago = int((now - self.renewed_at).total_seconds())
        run = f"lượt chạy {self.run_id}, " if self.run_id is not None else ""
        return (
            f"{run}tiến trình {self.pid} trên máy {self.host}, từ {_clock(self.since)} "
            f"(báo còn sống {ago} giây trước)"
        )

    def describe_en(self, now: datetime) -> str:
        ago = int((now - self.renewed_at).total_seconds())
        run = f"run {self.run_id}, " if self.run_id is not None else ""
        return (
            f"{run}process {self.pid} on host {self.host}, since {_clock(self.since)} "
            f"(last heartbeat {ago} s ago)"
        )


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


class LeaseHeld(StoreError):
    """Another live process holds the lease: wait for it to finish, or stop it."""

    def __init__(self, holder: LeaseHolder, now: datetime) -> None:
        self.holder = holder
        super().__init__(
            f"Một tiến trình khác đang làm việc trên kho dữ liệu này ({holder.describe_vi(now)}). "
            f"Chờ nó xong rồi chạy lại, hoặc dừng nó; nếu nó đã chết, hub tự nhận lại việc sau "
            f"{int(TIMEOUT)} giây không báo còn sống (ngay lập tức nếu cùng máy).",
            f"Another process is working on this store ({holder.describe_en(now)}). Wait for "
            f"it to finish and run again, or stop it; if it died, the hub takes its work over "
            f"after {int(TIMEOUT)} s without a heartbeat (at once on the same machine).",
        )


def _alive_here(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _dead(row: Lease, now: datetime, host: str) -> bool:
    if row.host == host and row.pid != os.getpid() and not _alive_here(row.pid):
        return True
    return now - row.renewed_at > timedelta(seconds=TIMEOUT)


def _insert(store: Store) -> sa.Insert:
    if store.engine.dialect.name == "postgresql":
        return postgresql.insert(_LEASES).on_conflict_do_nothing()
    return sqlite.insert(_LEASES).on_conflict_do_nothing()


_HELD: dict[tuple[int, str], HeldLease] = {}
"""The leases this process holds, by store object and name: taking one again through the same
store nests (a retry's sync runs under the retry's lease)."""


def _key(store: Store, name: str) -> tuple[int, str]:
    return (id(store), name)


class HeldLease:
    """A lease this process holds; renewed by a daemon thread until released.

    Use `acquire(store, name)` to get one, as a context manager or with `release()`. Taken
    again by the same process, the same lease is handed out and only the outermost release
    gives it back.
    """

    def __init__(self, store: Store, name: str, holder: str) -> None:
        self.store, self.name, self.holder = store, name, holder
        self._depth = 1
        _HELD[_key(store, name)] = self
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{name}", daemon=True)
        self._thread.start()

    def set_run(self, run_id: int) -> None:
        """Name the run working under this lease (what a contender is told)."""
        c = _LEASES.c
        with self.store.write() as session:
            session.execute(
                sa.update(_LEASES)
                .where(c.name == self.name, c.holder == self.holder)
                .values(run_id=run_id)
            )

    def renew(self) -> bool:
        """Heartbeat; False when the lease was taken over (this holder was thought dead)."""
        c = _LEASES.c
        with self.store.write() as session:
            result = session.connection().execute(
                sa.update(_LEASES)
                .where(c.name == self.name, c.holder == self.holder)
                .values(renewed_at=utcnow())
            )
            return rowcount(result) == 1

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            try:
                self.renew()
            except Exception:  # noqa: S112 - a missed beat is retried; the work goes on
                continue

    def release(self) -> None:
        """Give the lease back (only if still ours); a nested hold only unwinds one level."""
        self._depth -= 1
        if self._depth > 0:
            return
        if _HELD.get(_key(self.store, self.name)) is self:
            del _HELD[_key(self.store, self.name)]
        self._stop.set()
        self._thread.join(timeout=5)
        c = _LEASES.c
        with self.store.write() as session:
            session.execute(sa.delete(_LEASES).where(c.name == self.name, c.holder == self.holder))

    def __enter__(self) -> HeldLease:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.release()
        except Exception:
            if exc is None:
                raise  # a failing release after a failure must not hide the failure


def acquire(store: Store, name: str = SYNC) -> HeldLease:
    """Take the lease `name`, or take it over from a dead holder.

    Raises:
        LeaseHeld: a live process holds it.
    """
    mine = _HELD.get(_key(store, name))
    if mine is not None:
        mine._depth += 1
        return mine
    token = secrets.token_hex(16)
    host, pid = socket.gethostname()[:255], os.getpid()
    c = _LEASES.c
    for _ in range(3):  # the holder may release between our insert and our look
        now = utcnow()
        values = {"holder": token, "host": host, "pid": pid, "run_id": None}
        values |= {"since": now, "renewed_at": now}
        with store.write() as session:
            # RETURNING says whether the row went in (psycopg reports no rowcount for an
            # INSERT ... ON CONFLICT DO NOTHING).
            inserted = session.connection().execute(
                _insert(store).values(name=name, **values).returning(c.name)
            )
            if inserted.first() is not None:
                return HeldLease(store, name, token)
            row = session.get(Lease, name)
            if row is None:
                continue
            if not _dead(row, now, host):
                raise LeaseHeld(_holder(row), now)
            taken = session.connection().execute(
                sa.update(_LEASES).where(c.name == name, c.holder == row.holder).values(**values)
            )
            if rowcount(taken) == 1:
                return HeldLease(store, name, token)
    found = holder_of(store, name)
    if found is None:  # pragma: no cover - three releases in a row between our statements
        raise StoreError(
            f"Không lấy được quyền làm việc {name!r} trên kho dữ liệu; chạy lại.",
            f"Could not take the lease {name!r} on the store; run again.",
        )
    raise LeaseHeld(found, utcnow())


def holder_of(store: Store, name: str = SYNC) -> LeaseHolder | None:
    """Who holds `name` now, if anyone (even a holder that may be dead)."""
    with store.read() as session:
        row = session.get(Lease, name)
        return _holder(row) if row is not None else None


def _holder(row: Lease) -> LeaseHolder:
    return LeaseHolder(row.name, row.host, row.pid, row.run_id, row.since, row.renewed_at)
