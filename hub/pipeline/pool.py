"""Handing work to the worker processes with bounded memory, and committing what comes back.

At most `8 × workers` chunks are in flight: when the pool is full, the reader waits for a
chunk to finish, commits it, and queues its signed learners for the push stage before reading
on. The province is never held in memory: only the chunks in flight and the push queues of
signed learners' keys and digests (their documents are in the store).

Before a chunk leaves, its learners are looked up in the sector database (check stage); the
ones whose identity disagrees fail there, with the cell to fix, and are never signed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType

from hub.findings import has_errors
from hub.pipeline.check import LearnerLookup
from hub.pipeline.commit import InFlight, commit_results, fail_before_work
from hub.pipeline.intake import Work
from hub.pipeline.push import Pusher
from hub.pipeline.worker import WorkerSpec, WorkItem, WorkResult, init_worker, work
from hub.store import Stage, Store

WORKER_CHUNK = 32
"""Learners per task sent to one worker: large enough to amortise pickling and the commit of
its result (one fsync), small enough to keep every core busy to the end of a batch."""


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class WorkPool:
    """The worker processes and the chunks in flight.

    Args:
        store: the hub's store (commits happen here, in the parent).
        spec: what each worker opens its resources from.
        lookup: the learner look-up (check stage, in the parent).
        pusher: where signed learners go.
        workers: processes; one per core by default.
        on_handed: progress callback: learners handed to the check stage.
        on_signed: progress callback: learners finished (first argument), signed (second).
    """

    def __init__(
        self,
        store: Store,
        spec: WorkerSpec,
        lookup: LearnerLookup,
        pusher: Pusher,
        *,
        workers: int | None = None,
        on_handed: Callable[[int], None] = lambda n: None,
        on_signed: Callable[[int, int], None] = lambda done, ok: None,
    ) -> None:
        self.store, self.lookup, self.pusher = store, lookup, pusher
        self.workers = workers or default_workers()
        self._on_handed, self._on_signed = on_handed, on_signed
        # spawn: a forked child would inherit the parent's database connections.
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(spec,),
        )
        self._inflight: dict[Future[list[WorkResult]], dict[int, InFlight]] = {}
        # Enough queued that the workers keep busy while the parent reads a school's learner
        # list or sends a submission (each can take a second): with 3 × workers they waited,
        # and a 20,000-learner sync ran at 193 learners/s against 217/s with 8 × workers
        # (16 × gave no more). Each chunk in flight holds 32 transcripts and their documents.
        self.max_inflight = 8 * self.workers

    def __enter__(self) -> WorkPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._executor.shutdown(wait=exc is None, cancel_futures=exc is not None)

    def submit(self, batch_work: Sequence[Work]) -> None:
        """Look a chunk's learners up, fail the mismatches, and send the rest to the workers."""
        if not batch_work:
            return
        self._on_handed(len(batch_work))
        answers = self.lookup.findings([w.mapped.transcript for w in batch_work])
        flights: list[InFlight] = []
        stopped: list[InFlight] = []
        for item, found in zip(batch_work, answers, strict=True):
            flight = InFlight(
                item.answer.record_id,
                item.answer.batch_id,
                item.answer.state,
                item.answer.ma_ho_so,
                item.mapped.school_code,
                item.mapped.school_year,
                item.mapped.record.source_ref,
                list(found),
                item.mapped.raw,
                item.mapped.mapping,
            )
            (stopped if has_errors(found) else flights).append(flight)
        if stopped:
            with self.store.write() as session:
                fail_before_work(session, stopped, Stage.CHECK)
            self._on_signed(len(stopped), 0)
        transcripts = {w.answer.record_id: w.mapped.transcript for w in batch_work}
        for start in range(0, len(flights), WORKER_CHUNK):
            part = flights[start : start + WORKER_CHUNK]
            while len(self._inflight) >= self.max_inflight:
                self._collect()
            items = [WorkItem(f.record_id, transcripts[f.record_id]) for f in part]
            future = self._executor.submit(work, items)
            self._inflight[future] = {f.record_id: f for f in part}

    def _collect(self) -> None:
        done, _ = wait(list(self._inflight), return_when=FIRST_COMPLETED)
        signed, finished = [], 0
        with self.store.write() as session:  # every finished chunk in one commit (one fsync)
            for future in done:
                flights = self._inflight.pop(future)
                results = future.result()  # a dead worker raises BrokenProcessPool: stop
                signed += commit_results(session, flights, results)
                finished += len(results)
        self._on_signed(finished, len(signed))
        for learner in signed:
            self.pusher.queue(learner)

    def drain(self) -> None:
        """Wait for every chunk in flight and commit it."""
        while self._inflight:
            self._collect()
