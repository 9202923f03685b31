"""The chain from a committed chunk of learners to the ministry: check → (build → sign) → push.

One object per run (or per correction), used by the runner as it reads and by `hub replace`
for its one learner. Each step commits before the next side effect.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.pipeline.check import LearnerLookup, look_up
from hub.pipeline.commit import InFlight, commit_finished, commit_stopped
from hub.pipeline.intake import Work
from hub.pipeline.pool import Finished, WorkPool
from hub.pipeline.progress import SyncProgress
from hub.pipeline.push import Pusher
from hub.pipeline.worker import WorkItem
from hub.store import Store


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

    def hand(self, work: Sequence[Work]) -> None:
        if not work:
            return
        self.progress.expect("signed", len(work))
        ahead, stopped = look_up(self.lookup, work)
        commit_stopped(self.store, stopped)
        self.progress.signed(len(stopped), 0)
        items = [WorkItem(f.record_id, w.mapped.transcript) for f, w in _with_work(ahead, work)]
        self._finish(self.pool.submit(ahead, items))

    def drain(self) -> None:
        self._finish(self.pool.drain())

    def _finish(self, finished: list[Finished]) -> None:
        signed = commit_finished(self.store, finished)
        self.progress.signed(sum(len(f.results) for f in finished), len(signed))
        for learner in signed:
            self.pusher.queue(learner)


def _with_work(ahead: list[InFlight], work: Sequence[Work]) -> list[tuple[InFlight, Work]]:
    by_id = {w.answer.record_id: w for w in work}
    return [(flight, by_id[flight.record_id]) for flight in ahead]
