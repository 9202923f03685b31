"""Writing the workers' results in the parent, one transaction per set of finished chunks.

Before the next side effect (sending), a chunk's outcome is committed: signed documents with
their audit entries (certificate, digest), failures at their stage with their problems traced
to the source cell (exactly, from the raw record still held while the chunk is in flight).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from hub.findings import Finding, Severity
from hub.lifecycle import NEXT_WORK_STATE
from hub.mapping import RecordMapping
from hub.pipeline.trace import locate, locate_in_raw
from hub.pipeline.worker import WorkResult

if TYPE_CHECKING:
    from hub.pipeline.pool import Finished
from hub.sources import RawRecord
from hub.store import (
    Failure,
    ProblemIn,
    RecordState,
    SignedBy,
    SignedDocument,
    SourceLocation,
    Stage,
    StateChange,
    Store,
    add_problems,
    advance,
    fail_records,
    mark_signed,
)
from hub.store.vendor import Waiting, await_vendor, forget_waits, mark_vendor_signed


@dataclass(slots=True)
class InFlight:
    """A learner handed to the workers: what the parent must remember to commit the result."""

    record_id: int
    batch_id: int
    state: RecordState  # its committed state now
    ma_ho_so: str
    school_code: str
    school_year: str
    trace: str | None
    findings: list[Finding] = field(default_factory=list)  # found before dispatch (look-up)
    raw: RawRecord | None = None  # kept while in flight: findings traced to their exact cell
    mapping: RecordMapping | None = None

    def locate(self, where: str | None) -> SourceLocation:
        if self.raw is not None and self.mapping is not None:
            return locate_in_raw(self.raw, self.mapping, where)
        return locate(self.trace, where)


@dataclass(frozen=True, slots=True)
class Signed:
    """A learner signed and committed: what the push stage needs to queue it."""

    record_id: int
    batch_id: int
    ma_ho_so: str
    ma_bam: str
    size: int


def problems_of(findings: Sequence[Finding], stage: Stage, flight: InFlight) -> list[ProblemIn]:
    """Findings as the store keeps them, each pointed at its source cell."""
    return [
        ProblemIn.from_finding(f, stage, flight.locate(f.xpath), flight.record_id) for f in findings
    ]


def fail_before_work(session: Session, flights: Sequence[InFlight], stage: Stage) -> None:
    """Fail learners whose own findings (the look-up's) stop them before the workers."""
    by_batch: dict[int, list[Failure]] = {}
    for flight in flights:
        problems = problems_of(flight.findings, stage, flight)
        failure = Failure(flight.record_id, flight.state, stage, problems)
        by_batch.setdefault(flight.batch_id, []).append(failure)
    for batch_id, failures in by_batch.items():
        fail_records(session, batch_id, failures)


def commit_results(
    session: Session, flights: dict[int, InFlight], results: Sequence[WorkResult]
) -> list[Signed]:
    """Write a chunk's outcome in the caller's transaction; return the signed learners."""
    failures: dict[int, list[Failure]] = {}
    warnings: dict[int, list[ProblemIn]] = {}
    ok: list[tuple[InFlight, WorkResult]] = []
    received: list[tuple[InFlight, WorkResult]] = []  # the vendor's documents, verified
    left_waiting: list[int] = []
    for result in results:
        flight = flights[result.record_id]
        findings = [*flight.findings, *result.findings]
        if result.vendor:
            left_waiting.append(flight.record_id)
        if result.stage is not None:
            stage = Stage(result.stage)
            problems = problems_of(findings, stage, flight)
            failure = Failure(flight.record_id, flight.state, stage, problems)
            failures.setdefault(flight.batch_id, []).append(failure)
            continue
        (received if result.vendor else ok).append((flight, result))
        notes = [f for f in findings if f.severity is Severity.WARNING]
        if notes:
            problems = problems_of(notes, Stage.CHECK, flight)
            warnings.setdefault(flight.batch_id, []).extend(problems)
    for batch_id, batch_failures in failures.items():
        fail_records(session, batch_id, batch_failures)
    forget_waits(session, left_waiting)
    signed = _commit_received(session, received)
    documents = _documents(ok)
    if documents:
        # Each learner walks from its state to `signed` in one change (one row version).
        mark_signed(session, documents, walked_from={f.record_id: f.state for f, _ in ok})
    for batch_id, problems in warnings.items():
        add_problems(session, batch_id, problems)
    return signed + _signed(ok, documents)


def _documents(done: Sequence[tuple[InFlight, WorkResult]]) -> list[SignedDocument]:
    """The signed documents of learners whose work ended well, as the store keeps them."""
    return [
        SignedDocument(
            flight.record_id,
            flight.ma_ho_so,
            [SignedBy(*signer) for signer in result.signatures],
            result.document,
        )
        for flight, result in done
    ]


def _signed(
    done: Sequence[tuple[InFlight, WorkResult]], documents: Sequence[SignedDocument]
) -> list[Signed]:
    """What push needs of each signed learner (its batch, MaHoSo, MaBam and size)."""
    return [
        Signed(
            flight.record_id,
            flight.batch_id,
            flight.ma_ho_so,
            document.digest(),
            len(document.document or b""),
        )
        for (flight, _), document in zip(done, documents, strict=True)
    ]


def to_vendor_route(session: Session, flights: Sequence[InFlight]) -> None:
    """Bring learners onto the vendor's route (`awaiting_vendor`), in bulk.

    A learner is compared with its data once mapped: one put back to `extracted` (a redo) is
    moved to `mapped` first; one already waiting stays.
    """
    mapped = [
        StateChange(f.record_id, f.state, NEXT_WORK_STATE[f.state])
        for f in flights
        if f.state is RecordState.EXTRACTED
    ]
    if mapped:
        advance(session, mapped)
    waiting = [
        StateChange(
            f.record_id,
            RecordState.MAPPED if f.state is RecordState.EXTRACTED else f.state,
            RecordState.AWAITING_VENDOR,
        )
        for f in flights
        if f.state is not RecordState.AWAITING_VENDOR
    ]
    if waiting:
        advance(session, waiting)


def _commit_received(session: Session, received: list[tuple[InFlight, WorkResult]]) -> list[Signed]:
    """The vendor's verified documents: stored as served, byte for byte, and `signed`."""
    if not received:
        return []
    to_vendor_route(session, [flight for flight, _ in received])
    # The document's MaHoSo is the one sent (the vendor is its sender): a learner who waited
    # for the vendor was taken in under the mapping's key (hub.pipeline.map).
    received = [
        (dataclasses.replace(flight, ma_ho_so=result.ma_ho_so or flight.ma_ho_so), result)
        for flight, result in received
    ]
    documents = _documents(received)
    mark_vendor_signed(session, documents)  # its warnings are kept with everyone's
    return _signed(received, documents)


@dataclass(frozen=True, slots=True)
class AwaitedFlight:
    """A learner whose vendor has not signed yet: the data its document will be compared with."""

    flight: InFlight
    transcript: str  # canonical JSON of the mapped transcript
    location: str | None


def commit_awaiting(store: Store, waiting: Sequence[AwaitedFlight]) -> None:
    """Commit learners whose vendor has not finished signing: `awaiting_vendor`, not a failure."""
    if not waiting:
        return
    with store.write() as session:
        to_vendor_route(session, [w.flight for w in waiting])
        await_vendor(
            session,
            [
                Waiting(w.flight.record_id, RecordState.AWAITING_VENDOR, w.transcript, w.location)
                for w in waiting
            ],
        )


def commit_finished(store: Store, finished: Sequence[Finished]) -> list[Signed]:
    """Commit chunks the workers finished, in one transaction (one fsync); the signed ones."""
    signed: list[Signed] = []
    if finished:
        with store.write() as session:
            for chunk in finished:
                signed += commit_results(session, chunk.flights, chunk.results)
    return signed


def commit_stopped(store: Store, stopped: Sequence[InFlight]) -> None:
    """Commit the learners the look-up stopped (failed at `check`, with the cell to fix)."""
    if stopped:
        with store.write() as session:
            fail_before_work(session, stopped, Stage.CHECK)
