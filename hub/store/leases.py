"""Leases: one holder at a time per piece of the store's work, and safe take-over of the dead.

A run takes the lease of its scope (hub.store.scope: a source × school × year, each possibly
"all") before it touches a record and keeps it to its end: `hub sync --school A` holds
(*, A, *), `hub sync` holds everything. A contender whose scope overlaps a live lease is refused
with who holds it (host, process, since when, last heartbeat), instead of racing the holder and
failing half-way on a record the other moved; one on a piece that overlaps no lease works side
by side (two schools at once). The check and the insert are one transaction that contenders
take one at a time: SQLite's BEGIN IMMEDIATE, and on PostgreSQL a transaction-scoped advisory
lock (`LOCK_KEY`), so two contenders cannot both find the store free and both insert.

A holder renews its lease (`renew`, from a heartbeat thread) every `HEARTBEAT` seconds. A lease
is taken over when its holder is dead: at once when it ran on this machine and its process is
gone (kill -9, a crash), and otherwise when it has not renewed for `TIMEOUT` seconds (a lost
machine). Take-over is a compare-and-set on that lease's holder token, so the old holder's
release never removes the new holder's lease. Taking over a dead holder's work is safe because
every step of the work is idempotent (hub.pipeline.push: content-derived batch keys;
hub.store.records: one current record per learner).

A lease row holds a scope, a random token, a host name, a process id and times: no personal
data.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import sqlalchemy as sa
from sqlmodel import Session

from hub.store.engine import Store, StoreError, rowcount
from hub.store.scope import EVERYTHING, Scope
from hub.store.tables import Lease, table_of, utcnow

_LEASES = table_of(Lease)

HEARTBEAT = 30.0
"""Seconds between a holder's renewals."""

TIMEOUT = 300.0
"""Seconds without a renewal after which a holder on another machine counts as dead."""

LOCK_KEY = 0x4855_424C_4541_5345 & 0x7FFF_FFFF_FFFF_FFFF
"""PostgreSQL advisory lock ("HUBLEASE") that makes acquiring a lease one contender at a time."""

POLL = 1.0
"""Seconds between two tries of a contender that waits (`acquire(..., wait=...)`)."""


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds a lease, as an operator reads it (no personal data: a host and a process)."""

    name: str
    host: str
    pid: int
    run_id: int | None
    since: datetime
    renewed_at: datetime
    scope: Scope = EVERYTHING

    def describe_vi(self, now: datetime) -> str:
        ago = int((now - self.renewed_at).total_seconds())
        run = f"lượt chạy {self.run_id}, " if self.run_id is not None else ""
        return (
            f"{run}tiến trình {self.pid} trên máy {self.host}, phần việc {self.scope.key}, "
            f"từ {_clock(self.since)} (báo còn sống {ago} giây trước)"
        )

    def describe_en(self, now: datetime) -> str:
        ago = int((now - self.renewed_at).total_seconds())
        run = f"run {self.run_id}, " if self.run_id is not None else ""
        return (
            f"{run}process {self.pid} on host {self.host}, piece {self.scope.key}, "
            f"since {_clock(self.since)} (last heartbeat {ago} s ago)"
        )


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


class LeaseHeld(StoreError):
    """Another live process holds a lease that overlaps ours: wait for it, or stop it."""

    def __init__(self, holder: LeaseHolder, now: datetime, *, waited: float = 0.0) -> None:
        self.holder = holder
        waited_vi = f" (đã chờ {int(waited)} giây)" if waited else ""
        waited_en = f" (waited {int(waited)} s)" if waited else ""
        super().__init__(
            f"Một tiến trình khác đang làm việc trên phần này của kho dữ liệu{waited_vi} "
            f"({holder.describe_vi(now)}). Chờ nó xong rồi chạy lại (hoặc `--wait GIÂY`), "
            f"hoặc dừng nó; nếu nó đã chết, hub tự nhận lại việc sau {int(TIMEOUT)} giây "
            f"không báo còn sống (ngay lập tức nếu cùng máy).",
            f"Another process is working on this piece of the store{waited_en} "
            f"({holder.describe_en(now)}). Wait for it to finish and run again (or `--wait "
            f"SECONDS`), or stop it; if it died, the hub takes its work over after "
            f"{int(TIMEOUT)} s without a heartbeat (at once on the same machine).",
        )

    def summary(self) -> str:
        """One line for a job's outcome: the holder's host, process and run, nothing personal."""
        h = self.holder
        run = f" run {h.run_id}" if h.run_id is not None else ""
        return f"piece {h.scope.key} held by process {h.pid} on host {h.host}{run}"


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


_HELD: dict[tuple[int, int], list[HeldLease]] = {}
"""The leases this process holds, by store object and thread: taking a scope again through the
same store in the same thread nests when a held lease covers it (a retry's sync runs under the
retry's lease). Another thread of the process (a job of `hub serve`) is a contender like any
other."""


def _key(store: Store) -> tuple[int, int]:
    return (id(store), threading.get_ident())


class HeldLease:
    """A lease this process holds; renewed by a daemon thread until released.

    Use `acquire(store, scope)` to get one, as a context manager or with `release()`. Taken
    again by the same thread for a scope it covers, the same lease is handed out and only the
    outermost release gives it back.
    """

    def __init__(self, store: Store, scope: Scope, holder: str) -> None:
        self.store, self.scope, self.holder = store, scope, holder
        self.name = scope.key
        self._depth = 1
        self._owner = _key(store)
        _HELD.setdefault(self._owner, []).append(self)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self.name}", daemon=True)
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
        held = _HELD.get(self._owner, [])
        if self in held:
            held.remove(self)
            if not held:
                del _HELD[self._owner]
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


def _scope_of(row: Lease) -> Scope:
    return Scope(row.source, row.school, row.year)


def acquire(
    store: Store,
    scope: Scope = EVERYTHING,
    *,
    wait: float = 0.0,
    on_wait: Callable[[LeaseHolder], None] | None = None,
) -> HeldLease:
    """Take the lease of `scope`, taking over the leases of dead holders that overlap it.

    Args:
        store: the store.
        scope: the piece of work (EVERYTHING: the whole store).
        wait: seconds to keep trying (about every `POLL` s) while a live holder overlaps;
            0 refuses at once.
        on_wait: called once, with the holder, when the first try is refused and `wait` > 0
            (the command line says whom it waits for).

    Raises:
        LeaseHeld: a live process holds an overlapping lease (still, after `wait` seconds).
    """
    for mine in _HELD.get(_key(store), []):
        if mine.scope.covers(scope):
            mine._depth += 1
            return mine
    started = time.monotonic()
    told = False
    while True:
        try:
            return _try_acquire(store, scope)
        except LeaseHeld as refused:
            waited = time.monotonic() - started
            if waited >= wait:
                if wait <= 0:
                    raise
                raise LeaseHeld(refused.holder, utcnow(), waited=waited) from None
            if on_wait is not None and not told:
                on_wait(refused.holder)
            told = True
            time.sleep(min(POLL, max(0.0, wait - waited)))


def _try_acquire(store: Store, scope: Scope) -> HeldLease:
    token = secrets.token_hex(16)
    host, pid = socket.gethostname()[:255], os.getpid()
    c = _LEASES.c
    now = utcnow()
    with store.write() as session:
        connection = session.connection()
        if store.engine.dialect.name == "postgresql":
            # Contenders one at a time until this transaction ends: no two can both find the
            # piece free and both insert (SQLite's BEGIN IMMEDIATE already does this).
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
        overlapping = session.scalars(
            sa.select(Lease).where(scope.overlap_clause(c.source, c.school, c.year))
        ).all()
        for row in overlapping:
            if not _dead(row, now, host):
                raise LeaseHeld(_holder(row), now)
        for row in overlapping:  # every one dead: take each over (compare-and-set, its row only)
            connection.execute(sa.delete(_LEASES).where(c.name == row.name, c.holder == row.holder))
        session.expunge_all()
        connection.execute(
            sa.insert(_LEASES).values(
                name=scope.key,
                source=scope.source,
                school=scope.school,
                year=scope.year,
                holder=token,
                host=host,
                pid=pid,
                run_id=None,
                since=now,
                renewed_at=now,
            )
        )
    return HeldLease(store, scope, token)


def holder_of(store: Store, scope: Scope = EVERYTHING) -> LeaseHolder | None:
    """Who holds a lease overlapping `scope` now, if anyone (even a holder that may be dead)."""
    found = holders(store, scope)
    return found[0] if found else None


def holders(store: Store, scope: Scope = EVERYTHING) -> list[LeaseHolder]:
    """Every lease overlapping `scope` (all of them by default), oldest first."""
    c = _LEASES.c
    with store.read() as session:
        rows = session.scalars(
            sa.select(Lease)
            .where(scope.overlap_clause(c.source, c.school, c.year))
            .order_by(c.since, c.name)
        ).all()
        return [_holder(row) for row in rows]


def live_run_ids(session: Session, now: datetime | None = None) -> set[int]:
    """The runs whose lease is renewed within `TIMEOUT` now (the runs at work somewhere)."""
    c = _LEASES.c
    since = (now or utcnow()) - timedelta(seconds=TIMEOUT)
    query = sa.select(c.run_id).where(c.run_id.is_not(None), c.renewed_at >= since)
    return {int(run_id) for run_id in session.execute(query).scalars()}


def _holder(row: Lease) -> LeaseHolder:
    return LeaseHolder(
        row.name, row.host, row.pid, row.run_id, row.since, row.renewed_at, _scope_of(row)
    )
