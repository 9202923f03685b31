"""What follows a queued job's attempt, by the family of what it raised (procrastinate's retry).

    JobStopped        the worker was asked to stop mid-job (SIGTERM): retried at once, by
                      whichever worker fetches it next; so is a job procrastinate aborted
                      because it outlived the worker's stop bound
    RetryableFailure  JobOutcome.retryable (the ministry or a vendor away, the piece's lease
                      held): retried after backoff × 2^attempts, while attempts < max_attempts
    FatalFailure      anything else (a misconfiguration, the last attempt): failed now
    other exceptions  a bug in the hub: failed now, as fatal (procrastinate logs the traceback)

The job body (hub.jobs.queue) raises them after recording the attempt's summary, so the decision
here never reads a message.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.exceptions import JobAborted
from procrastinate.jobs import Job


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobStopped(Exception):
    """The worker stopped the job (SIGTERM) before it ended; nothing committed is lost."""


class RetryableFailure(Exception):
    """The attempt failed in a way a later attempt can succeed."""


class FatalFailure(Exception):
    """The attempt failed for good (or was the last one allowed)."""


class HubRetry(BaseRetryStrategy):
    """Exponential back-off for retryable failures, at once for stopped jobs, never for fatal."""

    def __init__(self, max_attempts: int, backoff_s: float) -> None:
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s

    def will_retry(self, attempts: int) -> bool:
        """Whether a job that made `attempts` earlier attempts gets another after this one."""
        return attempts + 1 < self.max_attempts

    def delay(self, attempts: int) -> float:
        """Seconds before the next attempt of a job that made `attempts` earlier attempts."""
        return float(self.backoff_s * 2**attempts)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, JobStopped | JobAborted | asyncio.CancelledError):
            return RetryDecision(retry_at=utcnow())
        if isinstance(exception, RetryableFailure) and self.will_retry(job.attempts):
            return RetryDecision(retry_at=utcnow() + timedelta(seconds=self.delay(job.attempts)))
        return None
