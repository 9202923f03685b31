"""The document worker: checks each received document after the receipt, asynchronously.

One thread, one document at a time, in the order received: the checks are CPU-bound (one
core does as well as several under the GIL), and a single writer of the issued register makes
"a second transcript for the same learner" (HB301) a plain question to the database instead of
a race. After a restart it resumes every submission still DANG_XU_LY.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hub.findings import Finding, error
from hub.ministry.contract import Outcome
from hub.sandbox.checks import DocumentChecks, duplicates
from hub.sandbox.faults import FaultInjector
from hub.sandbox.store import Store, StoredDocument, Submission

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""A document whose check crashes this often is left DANG_XU_LY (a sandbox bug, logged), not
rejected: rejecting it would blame the sender for the service's failure."""


class Processor:
    """Runs the checks of received documents in a background thread.

    Args:
        store: the sandbox's state.
        checks: the document checks.
        faults: for the "reject a fraction of documents" fault.
        delay: seconds a submission waits after receipt before processing starts (so that a
            client sees DANG_XU_LY and has to poll).
        clock: the current time (UTC).
    """

    def __init__(
        self,
        store: Store,
        checks: DocumentChecks,
        faults: FaultInjector,
        delay: float = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.checks = checks
        self.faults = faults
        self.delay = delay
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failures: dict[tuple[str, int], int] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker (it first resumes what a previous run left processing)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-documents", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current document; what is left resumes at the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def notify(self) -> None:
        """A submission arrived: wake the worker."""
        self._wake.set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()
                wait = self.run_pending()
                self._wake.wait(timeout=wait)
        finally:
            self.store.close()

    def run_pending(self) -> float:
        """Process every submission that is due; return how long to sleep before looking again."""
        wait = 1.0
        for receipt in self.store.processing():
            if self._stop.is_set():
                break
            submission = self.store.submission(receipt)
            if submission is None:  # pragma: no cover - receipts are never deleted
                continue
            due = submission.received_at + timedelta(seconds=self.delay)
            early = (due - self._clock()).total_seconds()
            if early > 0:
                wait = min(wait, early)
                continue
            if self._process(submission):
                self.store.finish(receipt)
        return max(wait, 0.01)

    def _process(self, submission: Submission) -> bool:
        done = True
        for document in self.store.documents(submission.receipt, unprocessed=True):
            if self._stop.is_set():
                return False
            key = (document.receipt, document.position)
            if self._failures.get(key, 0) >= MAX_ATTEMPTS:
                done = False
                continue
            try:
                self._one(submission, document)
            except Exception:
                self._failures[key] = self._failures.get(key, 0) + 1
                log.exception(
                    "Checking document %d of %s failed (attempt %d)",
                    document.position,
                    document.receipt,
                    self._failures[key],
                )
                done = False
        return done

    def _one(self, submission: Submission, document: StoredDocument) -> None:
        verdict = self.checks.check(document.content, submission.received_at)
        with self.store.register() as register:
            errors = list(verdict.errors)
            if not errors and verdict.facts is not None:
                errors = duplicates(register, verdict.facts)
            if not errors:
                injected = self.faults.rejection(document.ma_ho_so)
                if injected is not None:
                    errors = [_injected(injected)]
            if errors or verdict.facts is None:
                register.record(document, Outcome.REJECTED, None, [_loi(f) for f in errors])
                return
            facts = verdict.facts
            transcript_id = register.issue(
                document,
                facts.learner,
                facts.school,
                facts.school_year,
                submission.unit,
                self._clock(),
                facts.replaces,
            )
            register.record(document, Outcome.ACCEPTED, transcript_id, [])


def _loi(finding: Finding) -> dict[str, str]:
    """A finding as the service's Loi: MaLoi, MoTa (Vietnamese), ViTri."""
    return {"MaLoi": finding.code, "MoTa": finding.message_vi, "ViTri": finding.xpath}


def _injected(code: str) -> Finding:
    return error(
        code,
        "",
        f"Lỗi {code} do môi trường thử nghiệm giả lập (fault injection).",
        f"{code} injected by the sandbox (fault injection).",
    )
