"""Leases per piece: overlapping pieces have one holder, others work side by side; a live holder
is named to the contender, a dead one replaced."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.store import Store
from hub.store.leases import (
    TIMEOUT,
    LeaseHeld,
    LeaseHolder,
    acquire,
    holder_of,
    holders,
    live_run_ids,
)
from hub.store.scope import EVERYTHING, Scope
from hub.store.tables import Lease, table_of, utcnow

_LEASES = table_of(Lease)
A = Scope(None, "36000001", None)
B = Scope(None, "36000002", None)


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
        assert holder.scope == EVERYTHING
        assert f"process {holder.pid} on host {holder.host}" in refused.value.message_en
        assert f"tiến trình {holder.pid} trên máy {holder.host}" in refused.value.message_vi
        assert "piece */*/*" in refused.value.message_en
    assert holder_of(store) is None  # released at the end of the block
    with acquire(other):
        pass
    other.dispose()


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        (Scope("vnedu", "36000001", "2024-2025"), Scope("vnedu", "36000001", "2024-2025"), True),
        (Scope("vnedu", "36000001", None), Scope("vnedu", "36000001", "2024-2025"), True),
        (EVERYTHING, Scope("smas", "36000002", "2023-2024"), True),
        (Scope(None, "36000001", None), Scope("vnedu", None, "2024-2025"), True),
        (Scope("vnedu", "36000001", None), Scope("vnedu", "36000002", None), False),
        (Scope("vnedu", None, None), Scope("smas", None, None), False),
        (Scope(None, "36000001", "2024-2025"), Scope(None, "36000001", "2023-2024"), False),
    ],
)
def test_pieces_that_overlap_exclude_each_other_and_others_work_side_by_side(
    store: Store, first: Scope, second: Scope, overlap: bool
) -> None:
    assert first.overlaps(second) is second.overlaps(first) is overlap
    other = Store(store.url)
    try:
        with acquire(store, first):
            if overlap:
                with pytest.raises(LeaseHeld) as refused:
                    acquire(other, second)
                assert refused.value.holder.scope == first
            else:
                with acquire(other, second):
                    assert {h.scope for h in holders(store)} == {first, second}
    finally:
        other.dispose()


def test_the_same_thread_taking_a_piece_it_covers_nests(store: Store) -> None:
    with acquire(store, A) as outer:
        with acquire(store, Scope("vnedu", A.school, "2024-2025")) as inner:
            assert inner is outer
        assert holder_of(store) is not None  # the inner release leaves the outer hold
        with pytest.raises(LeaseHeld):
            acquire(store)  # wider than what it holds: a contender like any other
    assert holder_of(store) is None


def test_another_thread_of_the_process_is_a_contender(store: Store) -> None:
    refused: list[LeaseHolder] = []

    def contend() -> None:
        try:
            acquire(store, A).release()
        except LeaseHeld as exc:
            refused.append(exc.holder)

    with acquire(store, A):
        thread = threading.Thread(target=contend)
        thread.start()
        thread.join()
    assert [h.scope for h in refused] == [A]


def test_contenders_racing_for_overlapping_pieces_get_one_holder(store: Store) -> None:
    scopes = [A, Scope("vnedu", A.school, None), Scope(None, A.school, "2024-2025"), EVERYTHING]
    stores = [Store(store.url) for _ in range(8)]
    start = threading.Barrier(len(stores))
    won: list[Scope] = []
    lost: list[Scope] = []

    def contend(store: Store, scope: Scope) -> None:
        start.wait()
        try:
            acquire(store, scope)
            won.append(scope)
        except LeaseHeld:
            lost.append(scope)

    threads = [
        threading.Thread(target=contend, args=(s, scopes[i % len(scopes)]))
        for i, s in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(won) == 1, won
        assert len(lost) == len(stores) - 1
        assert [h.scope for h in holders(stores[0])] == won
    finally:
        for store in stores:
            store.dispose()


def test_a_holder_whose_process_died_on_this_machine_is_taken_over_at_once(store: Store) -> None:
    elsewhere = Store(store.url)
    first = acquire(elsewhere, A)
    dead_pid = int(subprocess.check_output(["sh", "-c", "echo $$"]).decode())  # it has ended
    _set(store, pid=dead_pid)
    second = acquire(store, Scope("vnedu", A.school, None))  # an overlapping piece
    assert first.renew() is False  # the old holder learns it lost the lease
    first.release()  # and releasing it leaves the new holder's lease alone
    held = holders(store)
    assert [(h.scope, h.pid != dead_pid) for h in held] == [(Scope("vnedu", A.school), True)]
    second.release()
    elsewhere.dispose()


def test_only_the_dead_holders_lease_is_taken_over(store: Store) -> None:
    elsewhere, third = Store(store.url), Store(store.url)
    dead = acquire(elsewhere, A)
    alive = acquire(third, B)
    dead_pid = int(subprocess.check_output(["sh", "-c", "echo $$"]).decode())
    with store.write() as session:
        session.execute(sa.update(_LEASES).where(_LEASES.c.name == A.key).values(pid=dead_pid))
    with acquire(store, A):
        assert alive.renew() is True  # B's holder keeps its lease
        assert {h.scope for h in holders(store)} == {A, B}
    alive.release()
    dead.release()
    elsewhere.dispose()
    third.dispose()


def test_a_holder_elsewhere_is_taken_over_only_after_its_heartbeat_stops(store: Store) -> None:
    elsewhere = Store(store.url)
    first = acquire(elsewhere)
    _set(store, host="another-machine", pid=1)
    with pytest.raises(LeaseHeld):
        acquire(store, A)  # alive by its heartbeat
    _set(store, renewed_at=utcnow() - timedelta(seconds=TIMEOUT + 1))
    second = acquire(store, A)
    held = holder_of(store)
    assert held is not None
    assert held.host != "another-machine"
    second.release()
    first.release()
    elsewhere.dispose()


def test_a_contender_that_waits_takes_the_lease_once_it_is_free(store: Store) -> None:
    other = Store(store.url)
    held = acquire(store, A)
    told: list[LeaseHolder] = []

    def told_once(holder: LeaseHolder) -> None:
        told.append(holder)
        threading.Thread(target=held.release).start()  # the holder finishes meanwhile

    with acquire(other, A, wait=60, on_wait=told_once) as mine:
        assert [h.scope for h in holders(other)] == [A]
        assert holders(other)[0].name == mine.name
    assert [h.scope for h in told] == [A]
    other.dispose()


def test_a_contender_that_waits_in_vain_is_refused_with_the_holder(store: Store) -> None:
    other = Store(store.url)
    told: list[LeaseHolder] = []
    with acquire(store, A), pytest.raises(LeaseHeld) as refused:
        acquire(other, A, wait=1.2, on_wait=told.append)
    assert len(told) == 1
    assert refused.value.holder.scope == A
    assert "waited" in refused.value.message_en
    other.dispose()


def test_the_live_runs_are_those_whose_lease_is_renewed(store: Store) -> None:
    other = Store(store.url)
    with acquire(store, A) as first, acquire(other, B) as second:
        first.set_run(3)
        second.set_run(4)
        with store.read() as session:
            assert live_run_ids(session) == {3, 4}
        with store.write() as session:
            session.execute(
                sa.update(_LEASES)
                .where(_LEASES.c.name == B.key)
                .values(renewed_at=utcnow() - timedelta(seconds=TIMEOUT + 1))
            )
        with store.read() as session:
            assert live_run_ids(session) == {3}
    other.dispose()


def test_a_refusal_summary_names_the_piece_host_and_process_only(store: Store) -> None:
    other = Store(store.url)
    with acquire(store, A) as held:
        held.set_run(12)
        with pytest.raises(LeaseHeld) as refused:
            acquire(other, A)
    other.dispose()
    holder = refused.value.holder
    assert refused.value.summary() == (
        f"piece {A.key} held by process {holder.pid} on host {holder.host} run 12"
    )
