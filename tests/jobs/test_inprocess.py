"""The in-process dispatcher: one job per piece at a time, bounded threads, a close that stops."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from hub.jobs.inprocess import InProcessDispatcher
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece


def _request(source: str) -> JobRequest:
    return JobRequest(JobKind.SYNC, Piece(source))


def _eventually(check, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def test_a_piece_waiting_or_running_is_not_queued_again_and_close_stops_the_running() -> None:
    started: list[str] = []
    ended: list[tuple[str, JobOutcome]] = []

    def run(request: JobRequest, stop: threading.Event) -> JobOutcome:
        started.append(request.piece.source)
        stop.wait(20)  # a sync between chunks: it ends when asked
        return JobOutcome(False, "stopped", True, {"stopped": stop.is_set()})

    def record(request: JobRequest, outcome: JobOutcome, began: datetime, end: datetime) -> None:
        assert began <= end
        ended.append((request.piece.source, outcome))

    dispatcher = InProcessDispatcher(run, record, concurrency=1)
    assert dispatcher.submit(_request("a")).job_id is not None
    _eventually(lambda: started == ["a"], "a running")
    assert dispatcher.submit(_request("a")).job_id is None  # running
    assert dispatcher.submit(_request("b")).job_id is not None
    assert dispatcher.submit(_request("b")).job_id is None  # waiting
    (queue,) = dispatcher.queues()
    assert (queue.name, queue.running, queue.waiting) == ("in-process", 1, 1)
    assert queue.oldest_waiting is not None
    dispatcher.close(20)
    assert started == ["a"]  # b was dropped, never started
    assert [(s, o.details["stopped"]) for s, o in ended] == [("a", True)]
    assert dispatcher.submit(_request("c")).job_id is None  # closed
    (queue,) = dispatcher.queues()
    assert (queue.running, queue.waiting) == (0, 0)


def test_close_gives_up_on_a_job_that_does_not_stop() -> None:
    release = threading.Event()

    def run(request: JobRequest, stop: threading.Event) -> JobOutcome:
        release.wait(20)
        return JobOutcome(True, "done")

    dispatcher = InProcessDispatcher(run, lambda *args: None, concurrency=2)
    dispatcher.submit(_request("a"))
    _eventually(lambda: dispatcher.running() != [], "a running")
    dispatcher.close(0.05)
    assert [r.piece.source for r in dispatcher.running()] == ["a"]  # still there: given up
    release.set()
    _eventually(lambda: dispatcher.running() == [], "a ended")
