"""Bulk writes: PostgreSQL's COPY and one-statement updates write what SQLite's executemany does.

Each test runs on both back ends (the `store` fixture): on SQLite the store keeps its
executemany, on PostgreSQL it takes hub.store.bulk; the rows read back must be the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hub.findings import Severity
from hub.store import (
    Failure,
    ProblemIn,
    RecordIn,
    RecordState,
    SignedBy,
    SignedDocument,
    SourceLocation,
    Stage,
    StaleStateError,
    StateChange,
    Store,
    add_problems,
    advance,
    bulk,
    fail_records,
    load_documents,
    mark_signed,
    move_all,
    problems_of,
    records_in,
    upsert_records,
)
from hub.store.audit import verify_chain
from hub.store.tables import Record, Run, RunState, table_of

NewBatch = Callable[..., int]
S = RecordState
AWKWARD = "Nguyễn Thị Ánh \\N\ttab\nnewline \\ backslash, “quotes” 'single' ,;|"
SIGNER = SignedBy("HT", "ab" * 32, "1f", "CN=Sở Giáo dục và Đào tạo,C=VN")


def learners(count: int, prefix: str = "HS") -> list[RecordIn]:
    return [RecordIn(f"{prefix}{i:04d}", f"vn-{i}", f"h{i}", None) for i in range(count)]


def take_in(store: Store, batch: int, rows: list[RecordIn]) -> list[int]:
    with store.write() as session:
        return [u.record_id for u in upsert_records(session, batch, rows)]


def test_new_records_get_the_ids_the_store_holds_in_the_order_given(
    store: Store, new_batch: NewBatch
) -> None:
    batch = new_batch()
    rows = learners(700)  # more than one IN list of 500 on SQLite
    ids = take_in(store, batch, rows)
    with store.read() as session:
        held = {r.ma_ho_so: r.id for r in records_in(session, batch_id=batch)}
    assert ids == [held[row.ma_ho_so] for row in rows]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_a_records_columns_are_written_as_given(store: Store, new_batch: NewBatch) -> None:
    batch = new_batch()
    rows = [RecordIn("HS1", AWKWARD[:64], "c" * 64, AWKWARD), RecordIn("HS2", "k", "h", None)]
    take_in(store, batch, rows)
    c = table_of(Record).c
    with store.read() as session:
        got = session.execute(
            sa.select(c.ma_ho_so, c.learner_key, c.source_ref, c.state, c.is_current)
            .where(c.batch_id == batch)
            .order_by(c.ma_ho_so)
        ).all()
    assert [tuple(row) for row in got] == [
        ("HS1", AWKWARD[:64], AWKWARD, "extracted", True),
        ("HS2", "k", None, "extracted", True),
    ]


def test_problems_keep_vietnamese_text_nulls_and_order(store: Store, new_batch: NewBatch) -> None:
    batch = new_batch()
    problems = [
        ProblemIn(
            f"HB10{i % 5}",
            Severity.ERROR if i % 2 else Severity.WARNING,
            f"Lỗi thứ {i}: {AWKWARD}",
            f"Problem {i}: {AWKWARD}",
            Stage.CHECK,
            xpath=f"/HocBaSo/DLHocBa[{i}]" if i % 3 else None,
            source=SourceLocation("lớp 6A.xlsx", "Lớp 6A", f"D{i}", row=i)
            if i % 2
            else SourceLocation(),
            learner_key=None if i % 4 else f"k{i}",
            found="" if i % 5 == 0 else None,  # empty text and NULL stay apart
            expected=AWKWARD if i % 5 == 1 else None,
        )
        for i in range(40)
    ]
    with store.write() as session:
        add_problems(session, batch, problems)
    with store.read() as session:
        stored = problems_of(session, batch_id=batch)
    assert [
        (
            p.code,
            p.severity,
            p.message_vi,
            p.message_en,
            p.xpath,
            p.source_file,
            p.source_sheet,
            p.source_cell,
            p.source_row,
            p.learner_key,
            p.found,
            p.expected,
        )
        for p in stored
    ] == [
        (
            p.code,
            p.severity,
            p.message_vi,
            p.message_en,
            p.xpath,
            p.source.file,
            p.source.sheet,
            p.source.cell,
            p.source.row,
            p.learner_key,
            p.found,
            p.expected,
        )
        for p in problems
    ]
    assert all(p.created_at.tzinfo is not None for p in stored)


def test_documents_keep_every_byte_and_the_audit_chain_holds(
    store: Store, new_batch: NewBatch
) -> None:
    batch = new_batch()
    ids = take_in(store, batch, learners(3))
    bodies = [bytes(range(256)) * 3, b"\\x00\\\\N\t\n\r" + "Văn bản".encode(), b""]
    with store.write() as session:
        move_all(session, ids, S.EXTRACTED, S.MAPPED)
        mark_signed(
            session,
            [
                SignedDocument(rid, f"HS{i:04d}", [SIGNER], body)
                for i, (rid, body) in enumerate(zip(ids, bodies, strict=True))
            ],
            walked_from=dict.fromkeys(ids, S.MAPPED),
        )
    with store.read() as session:
        assert load_documents(session, ids) == dict(zip(ids, bodies, strict=True))
        assert {r.state for r in records_in(session, batch_id=batch)} == {S.SIGNED}
        assert verify_chain(session).ok


def test_a_walk_through_states_makes_every_move_it_names(store: Store, new_batch: NewBatch) -> None:
    batch = new_batch()
    [rid] = take_in(store, batch, learners(1))
    with pytest.raises(ValueError, match="may not move"), store.write() as session:
        # extracted → checked skips `mapped`: refused like the two moves one by one would be
        advance(session, [StateChange(rid, S.EXTRACTED, S.BUILT, through=(S.CHECKED,))])
    with store.write() as session:
        advance(session, [StateChange(rid, S.EXTRACTED, S.BUILT, through=(S.MAPPED, S.CHECKED))])
    with store.read() as session:
        assert [r.state for r in records_in(session, batch_id=batch)] == [S.BUILT]


def test_a_stale_change_in_a_bulk_update_changes_nothing(store: Store, new_batch: NewBatch) -> None:
    batch = new_batch()
    ids = take_in(store, batch, learners(5))
    with store.write() as session:
        move_all(session, ids[:1], S.EXTRACTED, S.MAPPED)  # another process moved the first
    changes = [StateChange(rid, S.EXTRACTED, S.MAPPED) for rid in ids]
    with pytest.raises(StaleStateError), store.write() as session:
        advance(session, changes)
    with pytest.raises(StaleStateError), store.write() as session:
        move_all(session, ids, S.EXTRACTED, S.MAPPED)
    failures = [Failure(rid, S.EXTRACTED, Stage.MAP) for rid in ids]
    with pytest.raises(StaleStateError), store.write() as session:
        fail_records(session, batch, failures)
    with store.read() as session:
        states = {r.id: r.state for r in records_in(session, batch_id=batch)}
    assert states == {ids[0]: S.MAPPED} | dict.fromkeys(ids[1:], S.EXTRACTED)


def test_values_set_by_a_bulk_update_include_nulls(store: Store, new_batch: NewBatch) -> None:
    batch = new_batch()
    ids = take_in(store, batch, learners(2))
    with store.write() as session:
        advance(
            session,
            [
                StateChange(
                    ids[0], S.EXTRACTED, S.EXTRACTED, {"replaces": "HB-1", "receipt": None}
                ),
                StateChange(ids[1], S.EXTRACTED, S.EXTRACTED, {"replaces": None, "receipt": None}),
            ],
        )
        failures = [Failure(rid, S.EXTRACTED, Stage.MAP) for rid in ids]
        fail_records(session, batch, failures)
    c = table_of(Record).c
    with store.read() as session:
        got = session.execute(
            sa.select(c.replaces, c.state, c.failed_stage).where(c.batch_id == batch).order_by(c.id)
        ).all()
    assert [tuple(row) for row in got] == [("HB-1", "failed", "map"), (None, "failed", "map")]


def test_a_unique_index_refuses_a_copied_row_and_the_chunk_is_rolled_back(
    store: Store, new_batch: NewBatch
) -> None:
    first, second = new_batch(), new_batch()
    take_in(store, first, learners(1))
    # A second current record of the same learner (two runners racing): the partial unique
    # index refuses it, through COPY on PostgreSQL as through INSERT on SQLite.
    row = {
        "batch_id": second,
        "ma_ho_so": "HS0000",
        "school_code": "01000001",
        "school_year": "2024-2025",
        "learner_key": "x",
        "is_current": True,
        "state": S.EXTRACTED,
        "content_hash": "h",
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }
    with pytest.raises(sa.exc.IntegrityError), store.write() as session:  # noqa: PT012
        upsert_records(session, second, learners(3, prefix="NEW"))
        if bulk.on_postgres(session):
            bulk.copy_rows(session, table_of(Record), [row])
        else:
            session.execute(sa.insert(table_of(Record)), [row])
    with store.read() as session:
        assert records_in(session, batch_id=second) == []


def test_a_value_too_long_for_its_column_is_refused_not_cut(
    store: Store, new_batch: NewBatch
) -> None:
    if store.is_sqlite:
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    batch = new_batch()
    [rid] = take_in(store, batch, learners(1))
    with pytest.raises(sa.exc.DataError), store.write() as session:
        advance(session, [StateChange(rid, S.EXTRACTED, S.MAPPED, {"ma_bam": "f" * 65})])


def test_copy_writes_json_enums_times_and_nulls_as_an_insert_would(store: Store) -> None:
    if store.is_sqlite:
        pytest.skip("COPY is PostgreSQL's")
    started = datetime(2025, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)
    parameters = {"school": "Trường THCS Lê Quý Đôn", "years": ["2024-2025"], "full": None}
    with store.write() as session:
        bulk.copy_rows(
            session,
            table_of(Run),
            [
                {
                    "state": RunState.INTERRUPTED,
                    "parameters": parameters,
                    "started_at": started,
                    "finished_at": None,
                    "rows_in": 3,
                    "unchanged": 0,
                    "accepted": 1,
                    "rejected": 1,
                    "failed": 1,
                }
            ],
        )
    with store.read() as session:
        [run] = session.scalars(sa.select(Run)).all()
        raw_state = session.execute(sa.text("SELECT state FROM runs")).scalar_one()
    assert (run.state, run.parameters, run.started_at, run.finished_at) == (
        RunState.INTERRUPTED,
        parameters,
        started,
        None,
    )
    assert raw_state == "interrupted"  # the enum's value, not its name
