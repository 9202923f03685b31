"""What the ministry client did, in Prometheus's terms: calls and their latency, attempts.

The counters live in the process that makes the calls, in a registry of their own
(`REGISTRY`, never prometheus-client's global one), and every `MinistryClient` of the
process counts into them. `hub serve` exposes them on /metrics (hub.web.metrics); in a
cluster the calls are made by the workers, so each `hub worker` process has its own figures
and Prometheus must scrape each worker (or sum them): a scheduler's /metrics shows only the
calls it made itself.

    hub_ministry_calls_total{operation, outcome}        one per operation called (NopHocBa,
                                                         TraCuuKetQua, ...), retries included
    hub_ministry_call_seconds{operation, outcome}       how long it took, back-off included
    hub_ministry_attempts_total{operation, outcome}     each HTTP exchange, retries apart

`outcome` is "ok" or the class of the error that ended it (hub.ministry.errors: GaveUp,
AuthenticationFailed, BadRequest, RateLimited, ...): a bounded set of names, never a message,
a key or anything of a learner. Counting costs a dictionary look-up and a lock per call,
nothing beside a SOAP exchange.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

OK = "ok"

REGISTRY = CollectorRegistry(auto_describe=True)
"""The ministry's metrics of this process (hub.web.metrics collects them from here)."""

CALLS = Counter(
    "hub_ministry_calls",
    "Calls to the ministry's connection service, by operation and outcome (ok or error class)",
    ["operation", "outcome"],
    registry=REGISTRY,
)
CALL_SECONDS = Histogram(
    "hub_ministry_call_seconds",
    "Time of one call to the ministry, its retries and back-off included",
    ["operation", "outcome"],
    # From a quick look-up to a 20 MB submission retried under a rate limit.
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
    registry=REGISTRY,
)
ATTEMPTS = Counter(
    "hub_ministry_attempts",
    "HTTP exchanges with the ministry (each retry is one), by operation and outcome",
    ["operation", "outcome"],
    registry=REGISTRY,
)


def outcome_of(error: BaseException | None) -> str:
    """The `outcome` label of a call that ended with `error` (None: it succeeded)."""
    return OK if error is None else type(error).__name__


def count_call(operation: str, error: BaseException | None, seconds: float) -> None:
    """Count one call of `operation` that took `seconds` and ended with `error` (or None)."""
    outcome = outcome_of(error)
    CALLS.labels(operation, outcome).inc()
    CALL_SECONDS.labels(operation, outcome).observe(seconds)


def count_attempt(operation: str, error: BaseException | None) -> None:
    """Count one HTTP exchange of `operation` (a retry is another)."""
    ATTEMPTS.labels(operation, outcome_of(error)).inc()
