"""Signed documents and submissions: the steps whose side effects leave the hub.

Exactly-once sending rests on the order of commits (DESIGN.md promise 1):

1. `mark_signed`: the signed bytes and MaBam are stored (and an audit entry) before anything
   is sent;
2. `prepare_submission`: the submission's key (MaLoGui, derived from its content by the runner)
   and its documents are fixed and committed *before* the request goes out;
3. `mark_sent`: the receipt is stored when NopHocBa answers.

A crash between 2 and 3 leaves a `prepared` submission: `open_submissions` finds it and the
runner sends the same documents under the same key again; the ministry answers with the
original receipt if the first attempt landed. `record_results` then settles each document.
Every function here writes in the caller's transaction and appends its audit entries to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import RecordState, Stage, work_walk
from hub.store import audit, bulk
from hub.store.engine import StaleStateError, StoreError, rowcount
from hub.store.problems import ProblemIn, add_problems
from hub.store.records import CHUNK, StateChange, advance
from hub.store.scope import EVERYTHING, Scope
from hub.store.tables import (
    OPEN_SUBMISSION_STATES,
    AuditKind,
    Batch,
    Record,
    RecordDocument,
    Submission,
    SubmissionState,
    table_of,
    utcnow,
)

_RECORDS = table_of(Record)
_DOCUMENTS = table_of(RecordDocument)
_SUBMISSIONS = table_of(Submission)
_BATCHES = table_of(Batch)


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """A record's signed document: its bytes (or where they are kept) and who signed it."""

    record_id: int
    ma_ho_so: str
    signatures: Sequence[audit.SignedBy]
    document: bytes | None = None
    document_path: str | None = None
    ma_bam: str | None = None  # required with document_path; computed from `document`

    def digest(self) -> str:
        if self.document is not None:
            computed = hashlib.sha256(self.document).hexdigest()
            if self.ma_bam is not None and self.ma_bam != computed:
                raise ValueError(f"record {self.record_id}: ma_bam does not match the bytes")
            return computed
        if self.ma_bam is None or self.document_path is None:
            raise ValueError(f"record {self.record_id}: give the document, or its path and MaBam")
        return self.ma_bam


def mark_signed(
    session: Session,
    signed: Sequence[SignedDocument],
    *,
    walked_from: Mapping[int, RecordState] | None = None,
) -> None:
    """Move built records to `signed`, storing each document and an audit entry for it.

    `walked_from`: record id → the state it is in now when that is before `built` (the workers
    checked, built and signed it since): it walks the work states to `signed` in one change.
    """
    store_signed(session, signed, RecordState.BUILT, AuditKind.SIGNED, walked_from=walked_from)


def store_signed(
    session: Session,
    signed: Sequence[SignedDocument],
    expected: RecordState,
    kind: AuditKind,
    *,
    with_key: bool = False,
    walked_from: Mapping[int, RecordState] | None = None,
) -> None:
    """Move records from `expected` to `signed`: each document, its MaBam, an audit entry.

    Args:
        kind: the audit entry's kind: `signed` (the hub signed) or `verified` (the vendor did).
        with_key: store each document's MaHoSo in its record too (a vendor's document is sent
            under the vendor's key, hub.pipeline.map).
        walked_from: record id → its state now when it is not `expected` but a work state
            before it: the record walks to `expected` and on to `signed` in one change.
    """
    changes, entries, bodies = [], [], []
    walked_from = walked_from or {}
    for doc in signed:
        digest = doc.digest()
        values: dict[str, str | None] = {"document_path": doc.document_path, "ma_bam": digest}
        if with_key:
            values["ma_ho_so"] = doc.ma_ho_so
        start = walked_from.get(doc.record_id, expected)
        through = work_walk(start, expected)
        changes.append(
            StateChange(doc.record_id, start, RecordState.SIGNED, values, through=through)
        )
        if doc.document is not None:
            bodies.append({"record_id": doc.record_id, "body": doc.document})
        entries.append(
            (
                kind,
                {
                    "record_id": doc.record_id,
                    "ma_ho_so": doc.ma_ho_so,
                    "digest": digest,
                    "signatures": [s.as_payload() for s in doc.signatures],
                },
            )
        )
    advance(session, changes)
    if bodies and bulk.on_postgres(session):
        bulk.copy_rows(session, _DOCUMENTS, bodies)
    elif bodies:
        session.execute(sa.insert(_DOCUMENTS), bodies)
    audit.append_many(session, entries)


@dataclass(frozen=True, slots=True)
class SubmissionRef:
    id: int
    batch_id: int
    batch_key: str
    state: SubmissionState
    documents: int
    receipt: str | None


def _ref(submission: Submission) -> SubmissionRef:
    assert submission.id is not None
    return SubmissionRef(
        submission.id,
        submission.batch_id,
        submission.batch_key,
        submission.state,
        submission.documents,
        submission.receipt,
    )


def _submission(session: Session, batch_key: str) -> Submission:
    found = session.scalars(
        sa.select(Submission).where(_SUBMISSIONS.c.batch_key == batch_key)
    ).first()
    if found is None:
        raise StoreError(f"Không có lô gửi {batch_key}.", f"No submission {batch_key}.")
    return found


def _member_ids(session: Session, batch_key: str) -> set[int]:
    query = sa.select(_RECORDS.c.id).where(_RECORDS.c.batch_key == batch_key)
    return set(session.scalars(query))


def prepare_submission(
    session: Session, batch_id: int, batch_key: str, record_ids: Sequence[int], size_bytes: int
) -> SubmissionRef:
    """Fix a submission's key and documents (signed records of `batch_id`) before sending.

    Idempotent: the same key with the same records returns the existing submission.

    Raises:
        StoreError: the key exists with other records (a key must name one content for ever,
            as the ministry's E_LO_TRUNG says).
        StaleStateError: a record is not signed, not in the batch, or already in a submission.
    """
    existing = session.scalars(
        sa.select(Submission).where(_SUBMISSIONS.c.batch_key == batch_key)
    ).first()
    if existing is not None:
        if _member_ids(session, batch_key) != set(record_ids):
            raise StoreError(
                f"Mã lô gửi {batch_key} đã dùng cho các hồ sơ khác.",
                f"Batch key {batch_key} is already used for other records.",
            )
        return _ref(existing)
    submission = Submission(
        batch_id=batch_id, batch_key=batch_key, documents=len(record_ids), size_bytes=size_bytes
    )
    session.add(submission)
    session.flush()
    c = _RECORDS.c
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        result = session.execute(
            sa.update(_RECORDS)
            .where(
                c.id.in_(chunk),
                c.batch_id == batch_id,
                c.state == RecordState.SIGNED,
                c.batch_key.is_(None),
            )
            .values(batch_key=batch_key, updated_at=utcnow())
        )
        if rowcount(result) != len(chunk):
            raise StaleStateError(
                f"Lô gửi {batch_key}: có hồ sơ chưa ký, khác lô, hoặc đã thuộc lô gửi khác.",
                f"Submission {batch_key}: a record is not signed, belongs to another batch, "
                f"or is already in another submission.",
            )
    return _ref(submission)


def mark_sent(session: Session, batch_key: str, receipt: str, received_at: datetime) -> bool:
    """Store the receipt of a sent submission; its records become `submitted`.

    Returns:
        False when the submission was already marked sent with this receipt (a resend that
        got the original receipt back), True when this call changed it.

    Raises:
        StoreError: the submission is unknown, finished, or has another receipt.
    """
    submission = _submission(session, batch_key)
    if submission.state is SubmissionState.SENT and submission.receipt == receipt:
        return False
    if submission.state is not SubmissionState.PREPARED:
        raise StoreError(
            f"Lô gửi {batch_key} đang ở trạng thái {submission.state}, không nhận biên nhận "
            f"{receipt}.",
            f"Submission {batch_key} is {submission.state}; cannot take receipt {receipt}.",
        )
    submission.state, submission.receipt = SubmissionState.SENT, receipt
    submission.received_at = received_at
    session.add(submission)
    c = _RECORDS.c
    session.execute(
        sa.update(_RECORDS)
        .where(c.batch_key == batch_key, c.state == RecordState.SIGNED)
        .values(state=RecordState.SUBMITTED, receipt=receipt, updated_at=utcnow())
    )
    audit.append(
        session,
        AuditKind.SENT,
        {
            "batch_key": batch_key,
            "receipt": receipt,
            "received_at": received_at.isoformat(),
            "documents": submission.documents,
        },
    )
    return True


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """The ministry's answer for one document (TraCuuKetQua)."""

    ma_ho_so: str
    transcript_id: str | None  # MaDinhDanhHocBa when accepted
    problems: Sequence[ProblemIn] = ()  # each Loi, traced back to its source, when rejected

    @property
    def accepted(self) -> bool:
        return self.transcript_id is not None


def record_results(session: Session, batch_key: str, results: Sequence[DocumentResult]) -> bool:
    """Settle every document of a sent submission: accepted with its id, or rejected.

    Returns:
        False when the results were already recorded (a repeated poll), True otherwise.

    Raises:
        StoreError: the submission was not sent, or the results do not cover exactly its
            documents (the answer belongs to another submission, or is incomplete).
    """
    submission = _submission(session, batch_key)
    if submission.state is SubmissionState.DONE:
        return False
    if submission.state is not SubmissionState.SENT:
        raise StoreError(
            f"Lô gửi {batch_key} chưa được gửi; không ghi kết quả.",
            f"Submission {batch_key} was not sent; cannot record results.",
        )
    c = _RECORDS.c
    members: dict[str, int] = {
        row.ma_ho_so: row.id
        for row in session.execute(sa.select(c.ma_ho_so, c.id).where(c.batch_key == batch_key))
    }
    if {r.ma_ho_so for r in results} != set(members) or len(results) != len(members):
        raise StoreError(
            f"Kết quả của lô gửi {batch_key} không khớp các hồ sơ đã gửi.",
            f"The results of submission {batch_key} do not match the documents sent.",
        )
    advance(
        session,
        [
            StateChange(
                members[r.ma_ho_so],
                RecordState.SUBMITTED,
                RecordState.ACCEPTED if r.accepted else RecordState.REJECTED,
                {"transcript_id": r.transcript_id} if r.accepted else {},
            )
            for r in results
        ],
    )
    add_problems(
        session,
        submission.batch_id,
        [p.for_record(members[r.ma_ho_so], Stage.PUSH) for r in results for p in r.problems],
    )
    submission.state, submission.finished_at = SubmissionState.DONE, utcnow()
    session.add(submission)
    accepted = [[r.ma_ho_so, r.transcript_id] for r in results if r.accepted]
    rejected = [
        [r.ma_ho_so, sorted({p.code for p in r.problems})] for r in results if not r.accepted
    ]
    entries: list[tuple[AuditKind, dict[str, object]]] = []
    for kind, settled in ((AuditKind.ACCEPTED, accepted), (AuditKind.REJECTED, rejected)):
        if settled:
            key = "accepted" if kind is AuditKind.ACCEPTED else "rejected"
            entries.append(
                (kind, {"batch_key": batch_key, "receipt": submission.receipt, key: settled})
            )
    audit.append_many(session, entries)
    return True


def refuse_submission(session: Session, batch_key: str, problem: ProblemIn) -> None:
    """A fault for the whole request that a person must fix: its records fail at `push`."""
    submission = _submission(session, batch_key)
    if submission.state is not SubmissionState.PREPARED:
        raise StoreError(
            f"Lô gửi {batch_key} đang ở trạng thái {submission.state}.",
            f"Submission {batch_key} is {submission.state}.",
        )
    c = _RECORDS.c
    ids = list(
        session.scalars(
            sa.select(c.id).where(c.batch_key == batch_key, c.state == RecordState.SIGNED)
        )
    )
    session.execute(
        sa.update(_RECORDS)
        .where(c.batch_key == batch_key, c.state == RecordState.SIGNED)
        .values(state=RecordState.FAILED, failed_stage=Stage.PUSH, updated_at=utcnow())
    )
    add_problems(session, submission.batch_id, [problem.for_record(i, Stage.PUSH) for i in ids])
    submission.state, submission.finished_at = SubmissionState.REFUSED, utcnow()
    session.add(submission)


def open_submissions(
    session: Session, batch_id: int | None = None, scope: Scope = EVERYTHING
) -> list[SubmissionRef]:
    """Submissions to resume: `prepared` ones to (re)send, `sent` ones to poll.

    Only those of batches in `scope`: a run resumes its own piece's, never a submission of
    another piece that a run beside it may be sending now.
    """
    s, b = _SUBMISSIONS.c, _BATCHES.c
    query = (
        sa.select(Submission)
        .join(_BATCHES, b.id == s.batch_id)
        .where(
            s.state.in_(OPEN_SUBMISSION_STATES),
            scope.within_clause(b.source, b.school_code, b.school_year),
        )
        .order_by(s.id)
    )
    if batch_id is not None:
        query = query.where(s.batch_id == batch_id)
    return [_ref(found) for found in session.scalars(query)]


@dataclass(frozen=True, slots=True)
class SubmissionDocument:
    record_id: int
    ma_ho_so: str
    ma_bam: str
    document: bytes | None
    document_path: str | None


def submission_documents(session: Session, batch_key: str) -> list[SubmissionDocument]:
    """A submission's documents in a fixed order (by MaHoSo), to send or send again."""
    c, d = _RECORDS.c, _DOCUMENTS.c
    query = (
        sa.select(c.id, c.ma_ho_so, c.ma_bam, d.body, c.document_path)
        .select_from(_RECORDS.outerjoin(_DOCUMENTS, d.record_id == c.id))
        .where(c.batch_key == batch_key)
        .order_by(c.ma_ho_so)
    )
    return [SubmissionDocument(*row) for row in session.execute(query)]


def mark_submission_worked(session: Session, run_id: int, batch_key: str) -> None:
    """Name `run_id` as the run that resumed this submission's records (hub.store.run_outcome)."""
    c = _RECORDS.c
    session.execute(
        sa.update(_RECORDS).where(c.batch_key == batch_key).values(worked_by_run=run_id)
    )
