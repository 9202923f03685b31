"""Records: taking learners in, moving them through the states, finding what is left to do.

The runner's loop, in store calls (each `with store.write()` block is one committed step):

    upserted = upsert_records(s, batch_id, rows)     # which learners need work, and from where
    advance(s, [StateChange(id, EXTRACTED, MAPPED)])  # after each stage, before the next one
    fail_records(s, [Failure(id, state, Stage.CHECK, problems)])
    ... prepare / send / results: hub.store.submissions

Writes are bulk (SQLAlchemy Core executemany: about ten times the ORM's rate, DESIGN.md) and
guarded: a state change names the state it expects, and `StaleStateError` rolls the whole
transaction back when another process got there first.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import ANSWERED_STATES, TERMINAL_STATES, RecordState, Stage, allowed
from hub.store import bulk
from hub.store.engine import StaleStateError, StoreError, rowcount
from hub.store.problems import ProblemIn, add_problems
from hub.store.tables import Batch, Problem, Record, RecordDocument, table_of, utcnow

CHUNK = 500  # keys per IN (...) list: well under every back end's parameter limit
_RECORDS = table_of(Record)
_SETTABLE = frozenset(
    # ma_ho_so: a document its vendor signed is sent under the vendor's MaHoSo
    {"document_path", "ma_bam", "ma_ho_so", "receipt", "transcript_id", "replaces", "batch_key"}
)


@dataclass(frozen=True, slots=True)
class RecordIn:
    """One learner as a source gave it, before any work.

    Attributes:
        ma_ho_so: MaHoSo, the sender's stable key for learner × year × school.
        learner_key: the source's own key (vnedu_id, SMAS pupil id, MaHocSinh); never a
            personal ID number.
        content_hash: a hash of everything the document will be built from (the source row
            and the mapping's version), so that an unchanged learner is skipped next time.
        source_ref: where the row came from (file/sheet/rows or API URL), for reports.
    """

    ma_ho_so: str
    learner_key: str
    content_hash: str
    source_ref: str | None = None


class Change(StrEnum):
    """What `upsert_records` found, phrased as what the runner does next."""

    NEW = "new"  # first time seen: work from `extracted`
    CHANGED = "changed"  # new content: work from `extracted` (a new record, or reset in place)
    RETRY = "retry"  # same content, last attempt failed (or redo asked): work from `extracted`
    RESUME = "resume"  # an unfinished record with this content: continue from its state
    DONE = "done"  # already finished in this very batch (a resumed run): nothing to do
    UNCHANGED = "unchanged"  # finished in an earlier batch with this content: skip, count
    LATE = "late"  # changed after it went into a submission: skip; the next sync takes it


WORK = frozenset({Change.NEW, Change.CHANGED, Change.RETRY, Change.RESUME})


@dataclass(frozen=True, slots=True)
class Upserted:
    """The answer for one learner: which record stands for it now, and what to do with it."""

    record_id: int
    ma_ho_so: str
    change: Change
    state: RecordState  # the state of `record_id` now
    batch_id: int  # the batch `record_id` belongs to (an earlier one for RESUME/UNCHANGED)
    previous_state: RecordState | None = None  # of the learner's record before this call
    previous_transcript_id: str | None = None  # MaDinhDanhHocBa, if it was accepted before

    @property
    def needs_work(self) -> bool:
        return self.change in WORK


@dataclass(frozen=True, slots=True)
class _Current:
    id: int
    batch_id: int
    state: RecordState
    content_hash: str
    batch_key: str | None
    transcript_id: str | None


def upsert_records(
    session: Session,
    batch_id: int,
    rows: Sequence[RecordIn],
    *,
    retry_failed: bool = True,
    redo: bool = False,
) -> list[Upserted]:
    """Take a chunk of a source's learners into `batch_id`; say for each what work is left.

    Idempotent for a resumed run: extracting the same rows into the same batch again returns
    RESUME or DONE instead of new records. A learner must appear once per extraction pass
    (the runner reports duplicates in the source as problems before calling this).

    Args:
        session: a write session.
        batch_id: the batch (school × year × source run) the rows belong to.
        rows: the learners, in any order; no MaHoSo twice.
        retry_failed: a learner whose last record failed is tried again even if its content
            did not change (the failure may have been the signer, the network, a mapping).
        redo: work again even on unchanged learners (`hub retry` of a batch).

    Returns:
        One `Upserted` per row, in the order of `rows`.
    """
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise StoreError(f"Không có lô {batch_id}.", f"No batch {batch_id}.")
    keys = [row.ma_ho_so for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("upsert_records: a MaHoSo appears twice in one call")
    current = _current_records(session, batch.school_year, keys)
    now = utcnow()
    out: list[Upserted | None] = [None] * len(rows)
    retire: list[dict[str, Any]] = []  # earlier records that stop standing for their learner
    reset: list[dict[str, Any]] = []  # records of this batch reset in place to new content
    insert: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(rows):
        prev = current.get(row.ma_ho_so)
        same = prev is not None and prev.content_hash == row.content_hash
        if prev is None:
            insert.append((i, _new_row(batch, row, now)))
            continue
        answer = _Answer(prev, row)
        if prev.batch_id == batch_id:
            if same:
                done = prev.state in TERMINAL_STATES
                out[i] = answer(Change.DONE if done else Change.RESUME)
            elif prev.batch_key is None and prev.state not in ANSWERED_STATES:
                reset.append(_reset_values(prev.id, row, now))
                out[i] = answer(Change.CHANGED, state=RecordState.EXTRACTED)
            else:
                out[i] = answer(Change.LATE)
        elif prev.state not in TERMINAL_STATES:
            if same:
                out[i] = answer(Change.RESUME)
            elif prev.batch_key is None:
                retire.append({"rid": prev.id, "state": RecordState.SUPERSEDED, "now": now})
                insert.append((i, _new_row(batch, row, now)))
            else:
                out[i] = answer(Change.LATE)
        elif same and not redo and not (retry_failed and prev.state is RecordState.FAILED):
            out[i] = answer(Change.UNCHANGED)
        else:
            retire.append({"rid": prev.id, "state": prev.state, "now": now})
            insert.append((i, _new_row(batch, row, now)))
    _write_upserts(session, retire, reset)
    resumed = [a.record_id for a in out if a is not None and a.change is Change.RESUME]
    mark_worked(session, batch.run_id, resumed)
    if insert:
        new_ids = _insert_records(session, batch_id, [rows[i].ma_ho_so for i, _ in insert], insert)
        for i, _ in insert:
            prev = current.get(rows[i].ma_ho_so)
            out[i] = Upserted(
                new_ids[rows[i].ma_ho_so],
                rows[i].ma_ho_so,
                _change_for_new(prev, rows[i]),
                RecordState.EXTRACTED,
                batch_id,
                prev.state if prev else None,
                prev.transcript_id if prev else None,
            )
    return [answer for answer in out if answer is not None]


class _Answer:
    def __init__(self, prev: _Current, row: RecordIn) -> None:
        self.prev, self.row = prev, row

    def __call__(self, change: Change, *, state: RecordState | None = None) -> Upserted:
        prev = self.prev
        return Upserted(
            prev.id,
            self.row.ma_ho_so,
            change,
            state or prev.state,
            prev.batch_id,
            prev.state,
            prev.transcript_id,
        )


def _insert_records(
    session: Session, batch_id: int, keys: list[str], insert: list[tuple[int, dict[str, Any]]]
) -> dict[str, int]:
    """Insert new records; their ids by MaHoSo."""
    if bulk.on_postgres(session):
        # COPY, with ids taken from the sequence first (COPY returns none).
        ids = bulk.allocate_ids(session, _RECORDS, len(insert))
        numbered = [{"id": rid} | values for rid, (_, values) in zip(ids, insert, strict=True)]
        bulk.copy_rows(session, _RECORDS, numbered)
        return dict(zip(keys, ids, strict=True))
    # A plain executemany and one look-up of the new ids: INSERT ... RETURNING in order
    # makes SQLAlchemy send SQLite one statement per row (ten times slower).
    session.execute(sa.insert(_RECORDS), [values for _, values in insert])
    return _ids_in_batch(session, batch_id, keys)


def _change_for_new(prev: _Current | None, row: RecordIn) -> Change:
    if prev is None:
        return Change.NEW
    return Change.RETRY if prev.content_hash == row.content_hash else Change.CHANGED


def _current_records(session: Session, school_year: str, keys: list[str]) -> dict[str, _Current]:
    c = _RECORDS.c
    found: dict[str, _Current] = {}
    for start in range(0, len(keys), CHUNK):
        query = sa.select(
            c.ma_ho_so, c.id, c.batch_id, c.state, c.content_hash, c.batch_key, c.transcript_id
        ).where(
            c.school_year == school_year,
            c.is_current,  # as the partial index's predicate: see tables.Record
            c.ma_ho_so.in_(keys[start : start + CHUNK]),
        )
        for row in session.execute(query):
            found[row.ma_ho_so] = _Current(*row[1:])
    return found


def _ids_in_batch(session: Session, batch_id: int, keys: list[str]) -> dict[str, int]:
    c = _RECORDS.c
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        query = sa.select(c.ma_ho_so, c.id).where(
            c.batch_id == batch_id, c.ma_ho_so.in_(keys[start : start + CHUNK])
        )
        found.update({row.ma_ho_so: row.id for row in session.execute(query)})
    return found


def _new_row(batch: Batch, row: RecordIn, now: Any) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        "ma_ho_so": row.ma_ho_so,
        "school_code": batch.school_code,
        "school_year": batch.school_year,
        "learner_key": row.learner_key,
        "source_ref": row.source_ref,
        "is_current": True,
        "state": RecordState.EXTRACTED,
        "content_hash": row.content_hash,
        "worked_by_run": batch.run_id,
        "created_at": now,
        "updated_at": now,
    }


def _reset_values(record_id: int, row: RecordIn, now: Any) -> dict[str, Any]:
    return {
        "rid": record_id,
        "learner_key": row.learner_key,
        "source_ref": row.source_ref,
        "content_hash": row.content_hash,
        "now": now,
    }


def _write_upserts(
    session: Session, retire: list[dict[str, Any]], reset: list[dict[str, Any]]
) -> None:
    c = _RECORDS.c
    postgres = bulk.on_postgres(session)
    if retire and postgres and bulk.distinct([values["rid"] for values in retire]):
        # before the inserts: the partial unique index allows one current record
        bulk.update_rows(
            session,
            _RECORDS,
            retire,
            where={"id": "rid"},
            values={"state": "state", "updated_at": "now"},
            fixed={"is_current": False},
        )
    elif retire:  # before the inserts: the partial unique index allows one current record
        session.execute(
            sa.update(_RECORDS)
            .where(c.id == sa.bindparam("rid"))
            .values(is_current=False, state=sa.bindparam("state"), updated_at=sa.bindparam("now")),
            retire,
        )
    if reset:
        session.execute(
            sa.update(_RECORDS)
            .where(c.id == sa.bindparam("rid"))
            .values(
                learner_key=sa.bindparam("learner_key"),
                source_ref=sa.bindparam("source_ref"),
                content_hash=sa.bindparam("content_hash"),
                state=RecordState.EXTRACTED,
                failed_stage=None,
                document_path=None,
                ma_bam=None,
                updated_at=sa.bindparam("now"),
            ),
            reset,
        )
        ids = [values["rid"] for values in reset]
        forget_documents(session, ids)
        problems = table_of(Problem)
        for start in range(0, len(ids), CHUNK):
            session.execute(
                sa.delete(problems).where(problems.c.record_id.in_(ids[start : start + CHUNK]))
            )


def mark_worked(session: Session, run_id: int, record_ids: Sequence[int]) -> None:
    """Name `run_id` as the run that took these records forward (resumed from older batches).

    A run's summary (`run_outcome`) counts what it did to each learner by this mark, so a
    learner resumed from a killed run's batch is counted by the run that finished it.
    """
    c = _RECORDS.c
    if bulk.on_postgres(session):
        bulk.update_where_in(session, _RECORDS, "id", record_ids, fixed={"worked_by_run": run_id})
        return
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        session.execute(sa.update(_RECORDS).where(c.id.in_(chunk)).values(worked_by_run=run_id))


def forget_documents(session: Session, record_ids: Sequence[int]) -> None:
    """Delete the stored documents of records that go back to before `signed`."""
    documents = table_of(RecordDocument)
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        session.execute(sa.delete(documents).where(documents.c.record_id.in_(chunk)))


@dataclass(frozen=True, slots=True)
class StateChange:
    """Move one record from `expected` to `new`, setting `values` (document, ma_bam, ...).

    `through` names the states the record passes on the way, in order, when one change
    stands for several moves made in one transaction: a learner the workers checked, built
    and signed is one row version, not three (on PostgreSQL each version of a row costs an
    entry in every index of `records`). Each move of the walk must be one `hub.lifecycle`
    allows, as if made one by one.
    """

    record_id: int
    expected: RecordState
    new: RecordState
    values: Mapping[str, Any] = field(default_factory=dict)
    through: tuple[RecordState, ...] = ()


def advance(session: Session, changes: Sequence[StateChange]) -> None:
    """Apply state changes in bulk; all or none.

    Raises:
        StaleStateError: some record was not in its expected state (another process moved
            it); the caller's transaction must be rolled back (leaving `store.write()` by
            this exception does that).
        ValueError: a value names a column a state change may not set, or the move is not
            one `hub.lifecycle` allows.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    now = utcnow()
    for change in changes:
        walk = (change.expected, *change.through, change.new)
        for old, new in itertools.pairwise(walk):
            _check_move(old, new)
        unknown = set(change.values) - _SETTABLE
        if unknown:
            raise ValueError(f"advance() cannot set {sorted(unknown)}")
        keys = tuple(sorted(change.values))
        params: dict[str, Any] = {"rid": change.record_id, "now": now}
        params |= {"expected": change.expected, "new": change.new}
        params |= {f"v_{key}": change.values[key] for key in keys}
        groups.setdefault(keys, []).append(params)
    c = _RECORDS.c
    for keys, rows in groups.items():
        if bulk.on_postgres(session) and bulk.distinct([row["rid"] for row in rows]):
            matched = bulk.update_rows(
                session,
                _RECORDS,
                rows,
                where={"id": "rid", "state": "expected"},
                values={"state": "new", **{key: f"v_{key}" for key in keys}},
                fixed={"updated_at": now},
            )
            _expect(matched, len(rows))
            continue
        statement = (
            sa.update(_RECORDS)
            .where(c.id == sa.bindparam("rid"), c.state == sa.bindparam("expected"))
            .values(
                state=sa.bindparam("new"),
                updated_at=sa.bindparam("now"),
                **{key: sa.bindparam(f"v_{key}") for key in keys},
            )
        )
        _expect_rows(session.execute(statement, rows), len(rows))


def move_all(
    session: Session, record_ids: Sequence[int], expected: RecordState, new: RecordState
) -> None:
    """Move many records that share one change (no per-record values) in few statements."""
    _check_move(expected, new)
    c = _RECORDS.c
    if bulk.on_postgres(session):
        # The guard as a join filter, not `state = :expected` beside `id = ANY(...)`: with the
        # latter, statistics older than a growing sync make the planner scan every record in
        # that state instead of looking 500 ids up. A listed id matches once, as with IN.
        params = [{"rid": rid, "expected": expected} for rid in record_ids]
        fixed = {"state": new, "updated_at": utcnow()}
        where = {"id": "rid", "state": "expected"}
        _expect(
            bulk.update_rows(session, _RECORDS, params, where=where, values={}, fixed=fixed),
            len(record_ids),
        )
        return
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        statement = (
            sa.update(_RECORDS)
            .where(c.id.in_(chunk), c.state == expected)
            .values(state=new, updated_at=utcnow())
        )
        _expect_rows(session.execute(statement), len(chunk))


def _check_move(old: RecordState, new: RecordState) -> None:
    if not allowed(old, new):
        raise ValueError(f"a record may not move from {old} to {new} (hub.lifecycle)")


def _expect_rows(result: sa.Result[Any], expected: int) -> None:
    _expect(rowcount(result), expected)


def _expect(matched: int, expected: int) -> None:
    if matched != expected:
        raise StaleStateError(
            f"{expected - matched} hồ sơ không còn ở trạng thái mong đợi "
            f"(một tiến trình khác đã xử lý); không thay đổi gì.",
            f"{expected - matched} record(s) were no longer in the expected state "
            f"(another process moved them); nothing was changed.",
        )


@dataclass(frozen=True, slots=True)
class Failure:
    """A record that stops at `stage`, with the problems that say why."""

    record_id: int
    expected: RecordState
    stage: Stage
    problems: Sequence[ProblemIn] = ()


def fail_records(session: Session, batch_id: int, failures: Sequence[Failure]) -> None:
    """Mark records failed at their stage and store their problems, in the caller's transaction."""
    c = _RECORDS.c
    for f in failures:
        _check_move(f.expected, RecordState.FAILED)
    params = [
        {"rid": f.record_id, "expected": f.expected, "stage": f.stage, "now": utcnow()}
        for f in failures
    ]
    if params and bulk.on_postgres(session) and bulk.distinct([p["rid"] for p in params]):
        matched = bulk.update_rows(
            session,
            _RECORDS,
            params,
            where={"id": "rid", "state": "expected"},
            values={"failed_stage": "stage", "updated_at": "now"},
            fixed={"state": RecordState.FAILED},
        )
        _expect(matched, len(params))
    elif params:
        statement = (
            sa.update(_RECORDS)
            .where(c.id == sa.bindparam("rid"), c.state == sa.bindparam("expected"))
            .values(
                state=RecordState.FAILED,
                failed_stage=sa.bindparam("stage"),
                updated_at=sa.bindparam("now"),
            )
        )
        _expect_rows(session.execute(statement, params), len(params))
    add_problems(
        session,
        batch_id,
        [problem.for_record(f.record_id, f.stage) for f in failures for problem in f.problems],
    )
