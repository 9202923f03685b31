"""Learners whose vendor signs their documents itself (vnEdu): waiting, and the document kept.

    await_vendor(s, [Waiting(id, state, transcript_json, url)])   # content None: the learner waits
    waiting_learners(s, "vnedu", school_code=..., not_worked_by=run_id)   # the next sync asks again
    mark_vendor_signed(s, [SignedDocument(id, ma_ho_so, signers, content)])   # verified, compared

A waiting learner keeps, in `vendor_waits`, the transcript its data mapped to (canonical JSON):
the vendor's document is compared with it when it comes, and an incremental source does not
read an unchanged learner again. The document that came is stored as the vendor served it,
byte for byte, in `documents`, as the hub's own signed documents are; the audit log says
`verified` (who signed it, as the certificates name them), never `signed`: the hub signed
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import RecordState
from hub.store import bulk
from hub.store.records import CHUNK, StateChange, advance, mark_worked
from hub.store.submissions import SignedDocument, store_signed
from hub.store.tables import (
    AuditKind,
    Batch,
    Record,
    VendorWait,
    table_of,
    utcnow,
)

_RECORDS = table_of(Record)
_BATCHES = table_of(Batch)
_WAITS = table_of(VendorWait)
_AWAITING = RecordState.AWAITING_VENDOR


@dataclass(frozen=True, slots=True)
class Waiting:
    """A learner whose vendor has not finished signing: moved to (or kept in) the wait.

    Attributes:
        record_id: the learner's record.
        expected: its state now (any state before `signed` on the vendor's route).
        transcript: the canonical JSON of the transcript the learner's data mapped to.
        location: where the vendor serves the document (no secret), for the report.
    """

    record_id: int
    expected: RecordState
    transcript: str
    location: str | None = None


def await_vendor(session: Session, waits: Sequence[Waiting]) -> None:
    """Move learners to `awaiting_vendor` (or keep them there), with the data to compare."""
    if not waits:
        return
    moves = [StateChange(w.record_id, w.expected, _AWAITING) for w in waits]
    advance(session, [m for m in moves if m.expected is not _AWAITING])
    ids = [w.record_id for w in waits]
    asked = _asks(session, ids)
    _forget(session, ids)
    now = utcnow()
    rows = [
        {
            "record_id": w.record_id,
            "transcript": w.transcript,
            "location": w.location,
            "asks": asked.get(w.record_id, 0) + 1,
            "asked_at": now,
        }
        for w in waits
    ]
    if bulk.on_postgres(session):
        bulk.copy_rows(session, _WAITS, rows)
    else:
        session.execute(sa.insert(_WAITS), rows)


def still_waiting(session: Session, record_ids: Sequence[int], run_id: int) -> None:
    """The vendor was asked again and has still not signed: count the ask, name the run."""
    c = _WAITS.c
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        session.execute(
            sa.update(_WAITS)
            .where(c.record_id.in_(chunk))
            .values(asks=c.asks + 1, asked_at=utcnow())
        )
    mark_worked(session, run_id, record_ids)


@dataclass(frozen=True, slots=True)
class WaitingLearner:
    """A learner in `awaiting_vendor`, with what asking the vendor again needs."""

    record_id: int
    batch_id: int
    ma_ho_so: str
    learner_key: str  # the source's key (RawRecord.key) that the vendor is asked by
    school_code: str
    school_year: str
    source_ref: str | None
    transcript: str  # canonical JSON of the mapped transcript
    location: str | None
    asks: int


def waiting_learners(
    session: Session,
    source: str,
    *,
    school_code: str | None = None,
    school_year: str | None = None,
    not_worked_by: int | None = None,
) -> list[WaitingLearner]:
    """The learners of a source (its configured name) still waiting for their vendor.

    Args:
        source: the batches' `source`.
        school_code, school_year: only these.
        not_worked_by: leave out the learners this run already took (read again this sync).
    """
    r, b, w = _RECORDS.c, _BATCHES.c, _WAITS.c
    query = (
        sa.select(
            r.id,
            r.batch_id,
            r.ma_ho_so,
            r.learner_key,
            r.school_code,
            r.school_year,
            r.source_ref,
            w.transcript,
            w.location,
            w.asks,
        )
        .select_from(_RECORDS.join(_BATCHES, b.id == r.batch_id).join(_WAITS, w.record_id == r.id))
        .where(r.is_current, r.state == _AWAITING, b.source == source)
        .order_by(r.id)
    )
    if school_code is not None:
        query = query.where(r.school_code == school_code)
    if school_year is not None:
        query = query.where(r.school_year == school_year)
    if not_worked_by is not None:
        query = query.where(sa.or_(r.worked_by_run.is_(None), r.worked_by_run != not_worked_by))
    return [WaitingLearner(*row) for row in session.execute(query)]


def mark_vendor_signed(session: Session, documents: Sequence[SignedDocument]) -> None:
    """Move waiting learners to `signed`: the vendor's bytes as served, their MaBam, evidence.

    The audit entry is `verified`: the document passed the receiver's checks and agrees with
    the learner's data; `signatures` names the certificates that signed it (fingerprint,
    serial, issuer), not people.
    """
    if not documents:
        return
    store_signed(session, documents, _AWAITING, AuditKind.VERIFIED, with_key=True)
    _forget(session, [d.record_id for d in documents])


def forget_waits(session: Session, record_ids: Sequence[int]) -> None:
    """Drop the waits of learners that left `awaiting_vendor` (failed, superseded)."""
    _forget(session, record_ids)


def _asks(session: Session, record_ids: Sequence[int]) -> dict[int, int]:
    c = _WAITS.c
    found: dict[int, int] = {}
    for start in range(0, len(record_ids), CHUNK):
        query = sa.select(c.record_id, c.asks).where(
            c.record_id.in_(record_ids[start : start + CHUNK])
        )
        found.update({int(rid): int(n) for rid, n in session.execute(query)})
    return found


def _forget(session: Session, record_ids: Sequence[int]) -> None:
    c = _WAITS.c
    for start in range(0, len(record_ids), CHUNK):
        session.execute(sa.delete(_WAITS).where(c.record_id.in_(record_ids[start : start + CHUNK])))
