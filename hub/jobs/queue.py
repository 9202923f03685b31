"""The cluster's job queue: procrastinate on the store's PostgreSQL, one task per hub job.

The scheduler (`hub serve`) defers one job per piece (source × school × year) through
`QueueDispatcher`; `hub worker` processes on any number of machines fetch them
(`FOR UPDATE SKIP LOCKED`) and run `hub.jobs.operations.run_job`. Two locks keep a piece to one
holder, procrastinate's own and the store's lease (hub.store.leases) under it:

    queueing_lock = piece.key   at most one job *waiting* per piece: a second defer is
                                "already queued" (Submitted.job_id None), not an error
    lock          = piece.key   at most one job *running* per piece: a worker skips a piece's
                                job while another job of that piece runs

How an attempt ends decides what follows (hub.jobs.queue_retry draws it): done; a retryable
outcome (JobOutcome.retryable: the ministry or a vendor away, the piece's lease held) retried
after HUB_QUEUE_BACKOFF_S × 2^attempt seconds, up to HUB_QUEUE_MAX_ATTEMPTS; a fatal one failed
at once; a worker asked to stop (SIGTERM) retried at once by the next worker. Every attempt's
summary is kept in `job_reasons` for `hub jobs list`. A worker killed outright (kill -9, a lost
machine) stops heart-beating; after HUB_QUEUE_STALLED_S any worker's sweep
(`sweep_stalled`) puts its job back in the queue. Re-running a piece is safe: the store's work
is idempotent (hub.pipeline.push).

Environment (read when the app is built):
    HUB_QUEUE_STALLED_S     seconds without a heartbeat before a worker's jobs are re-queued (30)
    HUB_QUEUE_MAX_ATTEMPTS  attempts of a job with retryable outcomes before it fails (5)
    HUB_QUEUE_BACKOFF_S     the first retry's delay; each next one doubles (30)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import procrastinate
import sqlalchemy as sa
from procrastinate import exceptions as pq_exceptions
from procrastinate.job_context import JobContext

from hub.errors import StopRequested, UsageError
from hub.jobs import history
from hub.jobs.dispatch import QueueState, Submitted
from hub.jobs.operations import JobKind, JobOutcome, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.queue_db import check_installed, queue_depths, record_reason, waiting_job
from hub.jobs.queue_retry import FatalFailure, HubRetry, JobStopped, RetryableFailure
from hub.jobs.queue_stop import RunningJobs
from hub.store.engine import Store, normalise_url
from hub.store.tables import utcnow

if TYPE_CHECKING:
    from hub.config import HubConfig

log = logging.getLogger(__name__)

QUEUE = "hub"
"""The procrastinate queue every hub job goes to."""

TASK = "hub.run_job"
"""The one task's name: `run_job` on a serialised JobRequest."""

STALLED_ENV, MAX_ATTEMPTS_ENV, BACKOFF_ENV = (
    "HUB_QUEUE_STALLED_S",
    "HUB_QUEUE_MAX_ATTEMPTS",
    "HUB_QUEUE_BACKOFF_S",
)


DEFAULT_STALLED_S, DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_S = 30.0, 5, 30.0


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """The queue's knobs (module docstring); `from_env` reads them."""

    stalled_s: float = DEFAULT_STALLED_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_s: float = DEFAULT_BACKOFF_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> QueueSettings:
        env = os.environ if environ is None else environ
        return cls(
            stalled_s=_number(env, STALLED_ENV, DEFAULT_STALLED_S, minimum=1.0),
            max_attempts=int(_number(env, MAX_ATTEMPTS_ENV, DEFAULT_MAX_ATTEMPTS, minimum=1)),
            backoff_s=_number(env, BACKOFF_ENV, DEFAULT_BACKOFF_S, minimum=0.0),
        )

    @property
    def heartbeat_s(self) -> float:
        """How often a worker beats: four beats fit in the stalled time."""
        return max(0.25, self.stalled_s / 4)


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise UsageError(
            f"Biến môi trường {name}={text!r}: cần một số ≥ {minimum:g} (giây hoặc số lần).",
            f"Environment variable {name}={text!r}: expected a number ≥ {minimum:g}.",
        )
    return value


def queue_unavailable(url: str) -> UsageError:
    """The refusal of every queue command on SQLite (`hub worker`, `hub jobs`)."""
    return UsageError(
        f"Hàng đợi công việc chỉ chạy trên PostgreSQL; cơ sở dữ liệu ở đây là SQLite ({url}). "
        "Trên một máy, `hub serve` tự chạy các công việc; để chạy nhiều máy, đặt [database] url "
        "(hoặc HUB_DATABASE_URL) thành postgresql://... rồi chạy `hub db upgrade`.",
        f"The job queue runs on PostgreSQL only; this database is SQLite ({url}). On one "
        "machine `hub serve` runs the jobs itself; for several machines set [database] url (or "
        "HUB_DATABASE_URL) to postgresql://... and run `hub db upgrade`.",
    )


def queue_url(config: HubConfig) -> str:
    """The store's URL when it is PostgreSQL (the queue lives there).

    Raises:
        UsageError: the store is SQLite (`queue_unavailable`), or the URL is malformed.
    """
    from hub.store.engine import shown_url

    url = config.database_url()
    if normalise_url(url).get_backend_name() != "postgresql":
        raise queue_unavailable(shown_url(url))
    return url


def conninfo(url: str | sa.URL) -> str:
    """A libpq connection string (URI) from the store's SQLAlchemy URL.

    `postgresql+psycopg://u:p@h/db?options=...` becomes `postgresql://u:p@h/db?options=...`:
    libpq reads the same query parameters (options carries a test's search_path).
    """
    parsed = normalise_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def request_args(request: JobRequest) -> dict[str, Any]:
    """A JobRequest as the task's JSON arguments."""
    piece = request.piece
    return {
        "kind": request.kind.value,
        "source": piece.source,
        "school": piece.school,
        "year": piece.year,
        "schedule": request.schedule,
        "schedule_run": request.schedule_run,
    }


def request_of(args: Mapping[str, Any]) -> JobRequest:
    """The JobRequest back from the task's arguments."""
    piece = Piece(str(args["source"]), args.get("school"), args.get("year"))
    return JobRequest(JobKind(args["kind"]), piece, args.get("schedule"), args.get("schedule_run"))


JobBody = Callable[[JobRequest, threading.Event], JobOutcome]
"""What a worker does with a request: `run_job` on its configuration and store, stopping
after its chunk once the event is set (SIGTERM)."""


def _no_body(
    request: JobRequest, stop: threading.Event
) -> JobOutcome:  # pragma: no cover - a deferring-only app
    raise RuntimeError("this app only defers jobs; `hub worker` runs them")


def make_app(
    url: str | sa.URL,
    store: Store,
    *,
    body: JobBody = _no_body,
    settings: QueueSettings | None = None,
    running: RunningJobs | None = None,
    pool_size: int = 4,
) -> procrastinate.App:
    """The procrastinate app on the store's database, with the hub's one task.

    Args:
        url: the store's PostgreSQL URL.
        store: where the reasons are kept (and the queue's own rows read).
        body: runs a request (a worker's); the default only defers.
        settings: the knobs; from the environment when None.
        running: the worker's registry of running jobs, which SIGTERM stops.
        pool_size: connections the app may open.
    """
    settings = settings or QueueSettings.from_env()
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(url), min_size=1, max_size=pool_size
    )
    app = procrastinate.App(connector=connector)
    retry = HubRetry(settings.max_attempts, settings.backoff_s)
    jobs = running or RunningJobs()

    @app.task(name=TASK, queue=QUEUE, retry=retry, pass_context=True)
    def run_hub_job(context: JobContext, /, **args: Any) -> str:
        job = context.job
        assert job.id is not None
        request = request_of(args)
        attempt = job.attempts + 1
        started = utcnow()
        try:
            with jobs.running() as stop:
                outcome = body(request, stop)
        except StopRequested:
            outcome = JobOutcome(False, "stopped", retryable=True, details={"stopped": True})
        if outcome.details.get("stopped"):
            # A retry puts the job back in "todo": not while another job of the piece waits
            # there (the queueing lock refuses two, and that job does the work anyway).
            outcome = JobOutcome(
                False, "the worker was asked to stop; the next worker takes the job over",
                retryable=True, details={"stopped": True},
            )  # fmt: skip
            waiting = waiting_job(store, request.piece.key, besides=job.id)
            if waiting is None:
                _ended(store, job.id, request, attempt, "stopped", outcome, started)
                raise JobStopped(outcome.summary) from None
            outcome.summary = f"the worker was asked to stop; job {waiting} waits for the piece"
            _ended(store, job.id, request, attempt, "failed", outcome, started)
            raise FatalFailure(outcome.summary) from None
        if outcome.ok:
            _ended(store, job.id, request, attempt, "done", outcome, started)
            return outcome.summary
        if outcome.retryable and retry.will_retry(job.attempts):
            waiting = waiting_job(store, request.piece.key, besides=job.id)
            if waiting is None:
                _ended(store, job.id, request, attempt, "retrying", outcome, started)
                raise RetryableFailure(outcome.summary)
            outcome.summary += f" (job {waiting} already waits for this piece: not retried)"
        _ended(store, job.id, request, attempt, "failed", outcome, started)
        raise FatalFailure(outcome.summary)

    return app


def _ended(
    store: Store,
    job_id: int,
    request: JobRequest,
    attempt: int,
    state: str,
    outcome: JobOutcome,
    started: datetime,
) -> None:
    ended = utcnow()
    try:
        record_reason(store, job_id, request.piece.key, attempt, state, outcome.summary)
    except Exception:  # the reason is for people; losing it must not lose the job's state
        log.exception("job %s: could not keep its reason", job_id)
    try:
        _job_ended(store, request, outcome, started, ended, final=state in ("done", "failed"))
    except Exception:  # the history is for people too: the job's own state comes first
        log.exception("job %s: could not record its end", job_id)


def _job_ended(
    store: Store,
    request: JobRequest,
    outcome: JobOutcome,
    started: datetime,
    ended: datetime,
    *,
    final: bool,
) -> None:
    """Every attempt of a queued job ends here, in the worker that ran it (the schedule's
    history hooks in here). `final`: no other attempt follows (done, or failed for good);
    False when the job is retried (a retryable outcome, or the worker was stopped). An attempt
    whose worker was killed never gets here: the sweep re-queues the job. The last attempt
    counts in its schedule's firing (hub.jobs.history), as the in-process runner's jobs do."""
    seconds = (ended - started).total_seconds()
    state = "ok" if outcome.ok else ("retryable" if outcome.retryable else "failed")
    log.info("%s: %s in %.1f s: %s", request.describe(), state, seconds, outcome.summary)
    if final:
        history.record_outcome(store, request, outcome, started, ended)


class QueueDispatcher:
    """The scheduler's Dispatcher on a cluster: jobs go to the queue, workers run them.

    Args:
        config: the configuration; its store must be PostgreSQL with the queue installed
            (`hub db upgrade`).

    Raises:
        UsageError: the store is SQLite.
        StoreError: the queue is not installed (`hub db upgrade`).
    """

    def __init__(
        self,
        config: HubConfig,
        *,
        settings: QueueSettings | None = None,
        store: Store | None = None,
    ) -> None:
        url = queue_url(config)
        self._own_store = store is None  # `hub serve` lends its own: one pool, not two
        self._store = store or Store(url)
        try:
            check_installed(self._store)
        except BaseException:
            if self._own_store:
                self._store.dispose()
            raise
        self._app = make_app(url, self._store, settings=settings, pool_size=2)
        self._app.open()

    def submit(self, request: JobRequest) -> Submitted:
        key = request.piece.key
        task = self._app.configure_task(TASK, queue=QUEUE, lock=key, queueing_lock=key)
        try:
            job_id = task.defer(**request_args(request))
        except pq_exceptions.AlreadyEnqueued:
            return Submitted(None, f"{request.describe()}: already queued")
        return Submitted(str(job_id), f"{request.describe()}: queued as job {job_id}")

    def queues(self) -> list[QueueState]:
        return [queue_depths(self._store, QUEUE)]

    def close(self, timeout: float) -> None:
        """Deferring is synchronous: nothing runs here, so there is nothing to wait for."""
        self._app.close()
        if self._own_store:
            self._store.dispose()
