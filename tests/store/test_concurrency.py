"""Two processes writing one SQLite store at once lose nothing (WAL + BEGIN IMMEDIATE)."""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa

from hub.store import (
    RecordIn,
    RecordState,
    StateChange,
    Store,
    advance,
    migrate,
    open_batch,
    records_in,
    start_run,
    upsert_records,
)

ROUNDS = 150


def _increment_receipts(url: str, rounds: int) -> None:
    # Read-modify-write in Python across two statements: the pattern that loses updates when
    # two transactions read the same value before either writes.
    store = Store(url)
    try:
        for _ in range(rounds):
            with store.write() as session:
                rows = session.execute(sa.text("SELECT id, receipt FROM records")).all()
                for record_id, receipt in rows:
                    session.execute(
                        sa.text("UPDATE records SET receipt = :r WHERE id = :id"),
                        {"r": str(int(receipt) + 1), "id": record_id},
                    )
    finally:
        store.dispose()


def _advance_half(url: str, ids: list[int]) -> None:
    store = Store(url)
    try:
        for record_id in ids:
            with store.write() as session:
                advance(
                    session,
                    [
                        StateChange(
                            record_id,
                            RecordState.EXTRACTED,
                            RecordState.MAPPED,
                            {"transcript_id": "x"},
                        )
                    ],
                )
    finally:
        store.dispose()


def _prepare(url: str, learners: int) -> list[int]:
    store = Store(url, create=True)
    migrate(store)
    with store.write() as session:
        batch = open_batch(session, start_run(session, {}), "01000001", "2024-2025", "s")
        got = upsert_records(
            session, batch, [RecordIn(f"HS{i}", "k", "h") for i in range(learners)]
        )
        session.execute(sa.text("UPDATE records SET receipt = '0'"))
    store.dispose()
    return [u.record_id for u in got]


def test_two_processes_updating_records_lose_no_update(sqlite_url: str) -> None:
    _prepare(sqlite_url, 3)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_increment_receipts, args=(sqlite_url, ROUNDS)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    store = Store(sqlite_url)
    with store.read() as session:
        receipts = [r.receipt for r in records_in(session)]
    store.dispose()
    assert receipts == [str(2 * ROUNDS)] * 3


def test_two_processes_moving_records_each_move_their_own(sqlite_url: str) -> None:
    ids = _prepare(sqlite_url, 200)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_advance_half, args=(sqlite_url, half))
        for half in (ids[::2], ids[1::2])
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    store = Store(sqlite_url)
    with store.read() as session:
        records = records_in(session)
    store.dispose()
    assert {(r.state, r.transcript_id) for r in records} == {(RecordState.MAPPED, "x")}
    assert len(records) == 200
