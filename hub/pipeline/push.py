"""Stage 6, push: submissions of ≤ 500 documents and ≤ 20 MB, sent exactly once, then polled.

A submission's key (MaLoGui) is derived from its content: SHA-256 of the unit, school, year
and the sorted (MaHoSo, MaBam) list. The ministry identifies a submission by (unit, key) for
ever and answers a repeat of the same content with the original receipt, so the order of
commits below makes sending exactly-once whatever happens between two steps:

    prepare_submission   key and members committed        (crash → resend the same content)
    NopHocBa             the side effect                  (5xx, dropped: resend, same answer)
    mark_sent            receipt committed                (crash → poll, never resend)
    TraCuuKetQua         poll with back-off
    record_results       each document accepted or rejected, with the ministry's codes traced
                         back to the source cell

On start, `resume()` finishes what a killed run left: a `prepared` submission is sent again
with its stored documents (same key, same content), a `sent` one is polled.

Failures follow their family (hub.ministry.errors): a retryable one that outlasts the client's
policy stops sending for this run and leaves everything resumable (nothing lost, nothing sent
twice: run again later); a refusal a person must fix (E_DU_LIEU, E_KICH_THUOC, E_LO_TRUNG)
fails that submission's learners at `push` with the fault as their problem; credentials
refused or an answer outside the contract stop the run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC

from hub.findings import Severity
from hub.ministry import MinistryService
from hub.ministry.contract import MAX_DOCUMENTS_PER_SUBMISSION, MAX_SUBMISSION_BYTES
from hub.ministry.errors import (
    BadRequest,
    BatchKeyReused,
    GaveUp,
    MinistryError,
    Retryable,
    StillProcessing,
    TooLarge,
)
from hub.ministry.messages import Document, Submission, SubmissionResult
from hub.pipeline.commit import Signed
from hub.pipeline.trace import locate
from hub.store import (
    BatchState,
    DocumentResult,
    ProblemIn,
    RecordState,
    Stage,
    Store,
    SubmissionState,
    batches,
    document_sizes,
    mark_sent,
    mark_submission_worked,
    mark_worked,
    open_submissions,
    prepare_submission,
    record_results,
    records_in,
    records_to_resume,
    refuse_submission,
    submission_documents,
)
from hub.store.records import CHUNK
from hub.store.scope import EVERYTHING, Scope
from hub.store.tables import Batch

log = logging.getLogger(__name__)

MEANINGS_EN = {
    "HB001": "not well-formed, has a DTD or entity, or over 2 MB",
    "HB002": "not valid against the transcript schema",
    "HB003": "a signature is outside the profile",
    "HB004": "a digest or signature value does not verify",
    "HB005": "a certificate is untrusted, expired, revoked or has the wrong key usage",
    "HB006": "a required signature role is missing, duplicated or out of order, or the seal is "
    "not the school's",
    "HB101": "no SoDinhDanh for a Vietnamese learner, or no documents for a foreign one",
    "HB102": "SoDinhDanh malformed or inconsistent with NgaySinh / GioiTinh",
    "HB103": "MaHocSinh is not in the sector database",
    "HB104": "identity differs from the sector database",
    "HB105": "the learner is not enrolled at this school in this year",
    "HB201": "a stated value disagrees with the assessment rules",
    "HB202": "too few scores, a score out of range, or a subject not allowed",
    "HB301": "a transcript for this learner, school and year is already issued",
    "HB302": "ThayTheCho names a transcript that does not exist or is not withdrawn",
}


def batch_key(unit: str, school: str, year: str, members: Iterable[tuple[str, str]]) -> str:
    """MaLoGui of a submission: the same documents always give the same key."""
    digest = hashlib.sha256(f"{unit}\n{school}\n{year}\n".encode())
    for ma_ho_so, ma_bam in sorted(members):
        digest.update(f"{ma_ho_so} {ma_bam}\n".encode())
    return f"HUB-{digest.hexdigest()[:48]}"


@dataclass
class _Queue:
    school: str
    year: str
    items: list[Signed] = field(default_factory=list)
    size: int = 0


@dataclass
class PushCounts:
    submissions_sent: int = 0
    documents_sent: int = 0
    documents_settled: int = 0


class Pusher:
    """Groups signed learners of each batch into submissions, sends them, settles them.

    Args:
        store: the hub's store.
        service: the ministry (hub.ministry.client.MinistryClient, or a fake).
        unit: MaDonViGui.
        run_id: the run sending (resumed learners are counted as its own).
        scope: the piece the run holds: it resumes only that piece's submissions and signed
            learners (another piece's may be in a run beside it).
        on_sent, on_settled: progress callbacks, with a number of documents.
        on_known: progress callback: learners found waiting to be sent (first argument) or
            only to be settled (second), so the bars' totals include resumed work.
        max_documents, max_bytes: the submission limits (the ministry's by default).
    """

    def __init__(
        self,
        store: Store,
        service: MinistryService,
        unit: str,
        *,
        run_id: int | None = None,
        scope: Scope = EVERYTHING,
        on_sent: Callable[[int], None] = lambda n: None,
        on_settled: Callable[[int], None] = lambda n: None,
        on_known: Callable[[int, int], None] = lambda to_send, to_settle: None,
        max_documents: int = MAX_DOCUMENTS_PER_SUBMISSION,
        max_bytes: int = MAX_SUBMISSION_BYTES,
    ) -> None:
        self.store, self.service, self.unit = store, service, unit
        self.run_id, self.scope = run_id, scope
        self._on_sent, self._on_settled, self._on_known = on_sent, on_settled, on_known
        self.max_documents, self.max_bytes = max_documents, max_bytes
        self._queues: dict[int, _Queue] = {}
        self._to_poll: list[tuple[str, str, int]] = []  # (batch key, receipt, batch id)
        self.counts = PushCounts()
        self.stopped: MinistryError | None = None  # a retryable failure that outlasted retries
        self.unsettled: list[str] = []  # receipts still processing at the end

    # Queueing and cutting ---------------------------------------------------------------------

    def queue(self, signed: Signed) -> None:
        """Add a signed learner; send the batch's submission as soon as one is full."""
        box = self._queues.get(signed.batch_id)
        if box is None:
            school, year = self._school_year(signed.batch_id)
            box = self._queues[signed.batch_id] = _Queue(school, year)
        if box.items and (
            len(box.items) >= self.max_documents or box.size + signed.size > self.max_bytes
        ):
            self._cut(signed.batch_id, box)
        box.items.append(signed)
        box.size += signed.size
        if len(box.items) >= self.max_documents:
            self._cut(signed.batch_id, box)

    def flush(self) -> None:
        """Send every partly filled submission (at the end of the extraction)."""
        for batch_id, box in list(self._queues.items()):
            if box.items:
                self._cut(batch_id, box)

    def _school_year(self, batch_id: int) -> tuple[str, str]:
        with self.store.read() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None, f"batch {batch_id} of a signed record is gone"
            return batch.school_code, batch.school_year

    def _cut(self, batch_id: int, box: _Queue) -> None:
        items, box.items, box.size = box.items, [], 0
        if self.stopped is not None:
            return  # left signed: the next sync sends them (they come back as RESUME)
        key = batch_key(self.unit, box.school, box.year, ((s.ma_ho_so, s.ma_bam) for s in items))
        with self.store.write() as session:
            prepare_submission(
                session, batch_id, key, [s.record_id for s in items], sum(s.size for s in items)
            )
        self._send(key, batch_id, box.school, box.year)

    # Sending ------------------------------------------------------------------------------------

    def _send(self, key: str, batch_id: int, school: str, year: str) -> None:
        with self.store.read() as session:
            stored = submission_documents(session, key)
        documents = []
        for doc in stored:
            if doc.document is None:  # kept on disk by another writer of the store
                raise NotImplementedError("documents kept outside the store are not sent yet")
            documents.append(Document(doc.ma_ho_so, doc.document))
        request = Submission(self.unit, key, year, school, tuple(documents))
        try:
            receipt = self.service.submit(request)
        except (GaveUp, Retryable) as exc:
            self.stopped = exc
            log.warning("NopHocBa %s: %s; gửi lại ở lần chạy sau / resend next run", key, exc.code)
            return
        except (BadRequest, TooLarge, BatchKeyReused) as exc:
            with self.store.write() as session:
                refuse_submission(session, key, _fault_problem(exc))
            return
        received_at = receipt.received_at
        if received_at.tzinfo is None:  # the contract's times carry an offset; be safe
            received_at = received_at.replace(tzinfo=UTC)
        with self.store.write() as session:
            mark_sent(session, key, receipt.receipt, received_at)
        self.counts.submissions_sent += 1
        self.counts.documents_sent += len(documents)
        self._on_sent(len(documents))
        self._to_poll.append((key, receipt.receipt, batch_id))

    def resume(self) -> int:
        """Finish what an earlier run left: resend `prepared` submissions, poll `sent` ones.

        Returns:
            How many submissions were found open.
        """
        with self.store.read() as session:
            found = open_submissions(session, scope=self.scope)
        if found and self.run_id is not None:
            with self.store.write() as session:
                for ref in found:
                    mark_submission_worked(session, self.run_id, ref.batch_key)
        sent = sum(ref.documents for ref in found if ref.state is SubmissionState.SENT)
        self._on_known(sum(ref.documents for ref in found) - sent, sent)
        for ref in found:
            if ref.state is SubmissionState.SENT:
                assert ref.receipt is not None
                self._to_poll.append((ref.batch_key, ref.receipt, ref.batch_id))
            elif self.stopped is None:
                school, year = self._school_year(ref.batch_id)
                self._send(ref.batch_key, ref.batch_id, school, year)
        return len(found)

    def requeue_signed(self) -> int:
        """Queue the signed learners of open batches that no submission holds yet.

        A run killed after signing but before its submission was prepared leaves them; they
        are grouped again (nothing with them was sent, so any grouping is a first sending).

        Returns:
            How many learners were queued.
        """
        with self.store.read() as session:
            waiting = [
                ref
                for batch in batches(
                    session,
                    state=BatchState.OPEN,
                    source=self.scope.source,
                    school_code=self.scope.school,
                    school_year=self.scope.year,
                )
                for ref in records_to_resume(session, batch.id or 0)
                if ref.state is RecordState.SIGNED and ref.batch_key is None
            ]
        if waiting and self.run_id is not None:
            with self.store.write() as session:
                mark_worked(session, self.run_id, [ref.id for ref in waiting])
        self._on_known(len(waiting), 0)
        for start in range(0, len(waiting), CHUNK):
            part = waiting[start : start + CHUNK]
            with self.store.read() as session:
                sizes = document_sizes(session, [ref.id for ref in part])
            for ref in part:
                assert ref.ma_bam is not None, f"signed record {ref.id} has no MaBam"
                size = sizes.get(ref.id, 0)
                self.queue(Signed(ref.id, ref.batch_id, ref.ma_ho_so, ref.ma_bam, size))
        return len(waiting)

    # Settling -----------------------------------------------------------------------------------

    def settle(self) -> None:
        """Poll every sent submission and record each document's outcome."""
        pending, self._to_poll = self._to_poll, []
        for key, receipt, batch_id in pending:
            if self.stopped is not None:
                self.unsettled.append(receipt)
                continue
            try:
                answer = self.service.wait_for_result(receipt)
            except StillProcessing:
                self.unsettled.append(receipt)
                continue
            except (GaveUp, Retryable) as exc:
                self.stopped = exc
                self.unsettled.append(receipt)
                continue
            self._record(key, batch_id, answer)

    def _record(self, key: str, batch_id: int, answer: SubmissionResult) -> None:
        with self.store.read() as session:
            traces = {
                r.ma_ho_so: r.source_ref
                for r in records_in(session, batch_id=batch_id, states=[RecordState.SUBMITTED])
                if r.batch_key == key
            }
        results = []
        for doc in answer.documents:
            if doc.accepted and doc.transcript_id:
                results.append(DocumentResult(doc.record_id, doc.transcript_id))
                continue
            trace = traces.get(doc.record_id)
            problems = [
                ProblemIn(
                    code=e.code[:32],
                    severity=Severity.ERROR,
                    message_vi=f"Bộ từ chối: {e.message}",
                    message_en=f"Rejected by the ministry: {MEANINGS_EN.get(e.code, e.code)}.",
                    stage=Stage.PUSH,
                    xpath=e.location,
                    source=locate(trace, e.location),
                )
                for e in doc.errors
            ] or [_no_reason(doc.record_id)]
            results.append(DocumentResult(doc.record_id, None, problems))
        with self.store.write() as session:
            record_results(session, key, results)
        self.counts.documents_settled += len(results)
        self._on_settled(len(results))


def _fault_problem(exc: MinistryError) -> ProblemIn:
    return ProblemIn(
        code=exc.code[:32],
        severity=Severity.ERROR,
        message_vi=exc.message_vi,
        message_en=exc.message_en,
        stage=Stage.PUSH,
    )


def _no_reason(ma_ho_so: str) -> ProblemIn:
    return ProblemIn(
        code="REJECTED",
        severity=Severity.ERROR,
        message_vi=f"Bộ từ chối học bạ {ma_ho_so} mà không nêu lỗi.",
        message_en=f"The ministry rejected {ma_ho_so} without naming an error.",
        stage=Stage.PUSH,
    )
