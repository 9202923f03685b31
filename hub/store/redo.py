"""Putting finished learners back to work (`hub retry`), and failing those a redo cannot find.

A redo puts the current records an operator chose back to the state before a stage, in one
transaction: their failed attempt's problems go (and a rejected one's submission key, receipt
and document), their batches re-open, and the next run resumes them. Every reset names the
state it expects of each record and is a move `hub.lifecycle` allows, so a record another
process moved meanwhile stops the whole reset (nothing changes), and an accepted transcript is
never redone in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from hub.findings import Severity
from hub.lifecycle import WORK_STATES, RecordState, Stage, allowed
from hub.store.batches import batch_accounting, close_batch
from hub.store.engine import StaleStateError, rowcount
from hub.store.problems import ProblemIn
from hub.store.queries import RecordRef
from hub.store.records import CHUNK, Failure, fail_records, forget_documents, mark_worked
from hub.store.tables import Batch, BatchState, Problem, Record, table_of, utcnow

_RECORDS = table_of(Record)
_BATCHES = table_of(Batch)
_PROBLEMS = table_of(Problem)


def reset_records(session: Session, refs: Sequence[RecordRef], restart: RecordState) -> set[int]:
    """Put finished records back to `restart`; returns the batches re-opened.

    Raises:
        ValueError: a record's state may not go back to `restart` (hub.lifecycle).
        StaleStateError: a record is no longer current or in the state it was selected in.
    """
    for ref in refs:
        if not allowed(ref.state, restart):
            raise ValueError(f"record {ref.id}: {ref.state} may not go back to {restart}")
    c = _RECORDS.c
    statement = (
        sa.update(_RECORDS)
        .where(c.id == sa.bindparam("rid"), c.state == sa.bindparam("expected"), c.is_current)
        .values(
            state=restart,
            failed_stage=None,
            batch_key=None,
            receipt=None,
            transcript_id=None,
            document_path=None,
            ma_bam=None,
            updated_at=utcnow(),
        )
    )
    params = [{"rid": ref.id, "expected": ref.state} for ref in refs]
    if params and rowcount(session.execute(statement, params)) != len(params):
        raise StaleStateError(
            "Có hồ sơ vừa được một tiến trình khác xử lý; không thay đổi gì, hãy chạy lại.",
            "A record was just moved by another process; nothing was changed, run again.",
        )
    ids = [ref.id for ref in refs]
    forget_documents(session, ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(sa.delete(_PROBLEMS).where(_PROBLEMS.c.record_id.in_(chunk)))
    batches = {ref.batch_id for ref in refs}
    if batches:
        session.execute(
            sa.update(_BATCHES)
            .where(_BATCHES.c.id.in_(sorted(batches)))
            .values(state=BatchState.OPEN, closed_at=None)
        )
    return batches


def fail_not_found(session: Session, refs: Sequence[RecordRef], run_id: int) -> list[int]:
    """After the redo's run: the chosen records it never met again (gone from the source) fail
    at `extract`, counted as the run's, so that their batches add up and close; their ids.

    A record the run met was marked with its id (`worked_by_run`); one still in a work state
    without that mark was not in the source any more.
    """
    c = _RECORDS.c
    ids = [ref.id for ref in refs]
    still: list[tuple[int, int, RecordState]] = []
    for start in range(0, len(ids), CHUNK):
        query = sa.select(c.id, c.batch_id, c.state).where(
            c.id.in_(ids[start : start + CHUNK]),
            c.state.in_([state.value for state in WORK_STATES]),
            sa.or_(c.worked_by_run.is_(None), c.worked_by_run != run_id),
        )
        still.extend((int(i), int(b), RecordState(s)) for i, b, s in session.execute(query))
    by_batch: dict[int, list[Failure]] = {}
    for record_id, batch_id, state in still:
        problem = ProblemIn(
            "NOT_IN_SOURCE",
            Severity.ERROR,
            "Lần chạy lại không tìm thấy học sinh này trong nguồn nữa; kiểm tra tệp hoặc hệ "
            "thống nguồn.",
            "The retry did not find this learner in the source any more; check the file or "
            "the source system.",
            Stage.EXTRACT,
            record_id=record_id,
        )
        by_batch.setdefault(batch_id, []).append(
            Failure(record_id, state, Stage.EXTRACT, [problem])
        )
    for batch_id, failures in by_batch.items():
        fail_records(session, batch_id, failures)
        if batch_accounting(session, batch_id).in_flight == 0:
            close_batch(session, batch_id)
    gone = [record_id for record_id, _, _ in still]
    mark_worked(session, run_id, gone)
    return gone
