"""Leases: one holder per store; a live holder is named to the contender, a dead one replaced."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.store import Store
from hub.store.leases import TIMEOUT, LeaseHeld, acquire, holder_of
from hub.store.tables import Lease, table_of, utcnow

_LEASES = table_of(Lease)


def _set(store: Store, **values: object) -> None:
    with store.write() as session:
        session.execute(sa.update(_LEASES).values(**values))


def test_a_second_contender_is_told_who_holds_the_lease(store: Store) -> None:
    other = Store(store.url)  # another opener of the same database, as a second process is
    with acquire(store) as held:
        held.set_run(7)
        with pytest.raises(LeaseHeld) as refused:
            acquire(other)
        holder = refused.value.holder
        assert holder.run_id == 7
        assert f"process {holder.pid} on host {holder.host}" in refused.value.message_en
        assert f"tiến trình {holder.pid} trên máy {holder.host}" in refused.value.message_vi
    assert holder_of(store) is None  # released at the end of the block
    with acquire(other):
        pass
    other.dispose()


def test_the_same_store_taking_its_lease_again_nests(store: Store) -> None:
    with acquire(store) as outer:
        with acquire(store) as inner:
            assert inner is outer
        assert holder_of(store) is not None  # the inner release leaves the outer hold
    assert holder_of(store) is None


def test_a_holder_whose_process_died_on_this_machine_is_taken_over_at_once(store: Store) -> None:
    elsewhere = Store(store.url)
    first = acquire(elsewhere)
    dead_pid = int(subprocess.check_output(["sh", "-c", "echo $$"]).decode())  # it has ended
    _set(store, pid=dead_pid)
    second = acquire(store)
    assert first.renew() is False  # the old holder learns it lost the lease
    first.release()  # and releasing it leaves the new holder's lease alone
    held = holder_of(store)
    assert held is not None
    assert held.pid != dead_pid
    second.release()
    elsewhere.dispose()


def test_a_holder_elsewhere_is_taken_over_only_after_its_heartbeat_stops(store: Store) -> None:
    elsewhere = Store(store.url)
    first = acquire(elsewhere)
    _set(store, host="another-machine", pid=1)
    with pytest.raises(LeaseHeld):
        acquire(store)  # alive by its heartbeat
    _set(store, renewed_at=utcnow() - timedelta(seconds=TIMEOUT + 1))
    second = acquire(store)
    held = holder_of(store)
    assert held is not None
    assert held.host != "another-machine"
    second.release()
    first.release()
    elsewhere.dispose()
