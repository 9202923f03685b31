"""The chain from a committed chunk of learners to the ministry: check → (build → sign) → push.

One object per run (or per correction), used by the runner as it reads and by `hub replace`
for its one learner. Each step commits before the next side effect.

A learner whose vendor signed the document itself takes the vendor's route instead of build
and sign: its document to the workers' receiver checks (hub.pipeline.receive), or, not signed
yet, the learner committed as waiting (`awaiting_vendor`, hub.store.vendor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hub.canonical import from_canonical_json, to_canonical_json
from hub.pipeline.check import LearnerLookup, look_up
from hub.pipeline.commit import (
    AwaitedFlight,
    InFlight,
    commit_awaiting,
    commit_finished,
    commit_stopped,
)
from hub.pipeline.intake import Work
from hub.pipeline.pool import Finished, WorkPool
from hub.pipeline.progress import SyncProgress
from hub.pipeline.push import Pusher
from hub.pipeline.worker import WorkItem
from hub.sources import VendorDocument
from hub.store import RecordState, Store
from hub.store.vendor import WaitingLearner


class Chain:
    """From a committed chunk of learners to the ministry: check → (build → sign) → push.

    The look-up runs here, in the parent (hub.pipeline.check), the rules, build and sign in the
    workers (hub.pipeline.pool), their results are committed (hub.pipeline.commit) and the
    signed learners queued for sending (hub.pipeline.push); each step commits before the next.
    """

    def __init__(
        self,
        store: Store,
        lookup: LearnerLookup,
        pool: WorkPool,
        pusher: Pusher,
        progress: SyncProgress,
    ) -> None:
        self.store, self.lookup, self.pool, self.pusher = store, lookup, pool, pusher
        self.progress = progress

    def hand(self, work: Sequence[Work], vendor: str = "") -> None:
        """A committed chunk: looked up, then built and signed, or the vendor's document checked.

        A learner whose record carries a document the vendor signed (`vendor_document`) is
        never built nor signed: its document goes to the workers' receiver checks, or, not
        signed yet, the learner waits (`awaiting_vendor`) and later syncs ask again.

        Args:
            work: the chunk.
            vendor: the source's name, for the messages comparing its document and data.
        """
        if not work:
            return
        self.progress.expect("signed", len(work))
        ahead, stopped = look_up(self.lookup, work)
        commit_stopped(self.store, stopped)
        self.progress.signed(len(stopped), 0)
        flights, items, waiting = [], [], []
        for flight, w in _with_work(ahead, work):
            document = w.mapped.raw.vendor_document
            if document is not None and document.content is None:
                waiting.append(_awaited(flight, w, document))
                continue
            content = document.content if document is not None else None
            flights.append(flight)
            items.append(WorkItem(flight.record_id, w.mapped.transcript, content, vendor))
        commit_awaiting(self.store, waiting)
        self.progress.signed(len(waiting), 0)
        self._finish(self.pool.submit(flights, items))

    def hand_received(self, documents: Sequence[tuple[WaitingLearner, bytes]], vendor: str) -> None:
        """Documents the vendor signed since their learners began to wait: to the workers.

        Each is compared with the data its learner had when read (kept with the wait); the
        look-up was done then.
        """
        if not documents:
            return
        self.progress.expect("signed", len(documents))
        flights, items = [], []
        for learner, content in documents:
            flights.append(
                InFlight(
                    learner.record_id,
                    learner.batch_id,
                    RecordState.AWAITING_VENDOR,
                    learner.ma_ho_so,
                    learner.school_code,
                    learner.school_year,
                    learner.source_ref,
                )
            )
            transcript = from_canonical_json(learner.transcript)
            items.append(WorkItem(learner.record_id, transcript, content, vendor))
        self._finish(self.pool.submit(flights, items))

    def drain(self, between: Callable[[], None] | None = None) -> None:
        """Wait for the chunks in flight, committing each; `between` runs after each commit
        (the runner's stop check: a stop waits for one worker chunk, not for all of them)."""
        if between is None:
            self._finish(self.pool.drain())
            return
        while self.pool.in_flight:
            self._finish(self.pool.collect_some())
            between()

    def _finish(self, finished: list[Finished]) -> None:
        signed = commit_finished(self.store, finished)
        self.progress.signed(sum(len(f.results) for f in finished), len(signed))
        for learner in signed:
            self.pusher.queue(learner)


def _awaited(flight: InFlight, work: Work, document: VendorDocument) -> AwaitedFlight:
    where = document.location
    location = where.url or (where.describe() if where.as_json() else None)
    return AwaitedFlight(flight, to_canonical_json(work.mapped.transcript).decode(), location)


def _with_work(ahead: list[InFlight], work: Sequence[Work]) -> list[tuple[InFlight, Work]]:
    by_id = {w.answer.record_id: w for w in work}
    return [(flight, by_id[flight.record_id]) for flight in ahead]
