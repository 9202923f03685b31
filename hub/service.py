"""`hub serve`: the scheduler, the dispatcher and the HTTP face in one long-running process.

    start   refuse a host off loopback without HUB_SERVE_TOKEN; open the store; choose the
            dispatcher; start the scheduler (a missed or interrupted firing runs once now);
            serve the routes of hub.web.app on [serve] host:port
    run     until `stopping` is set (SIGTERM or Ctrl-C in `hub serve`)
    stop    1. the scheduler fires no more
            2. the dispatcher takes no more jobs, drops the waiting ones (their firing stays
               open: the next start runs it once) and asks the running ones to stop after
               the chunk they are committing (SyncOptions.stop)
            3. waits up to [serve] stop_timeout_s for them, then stops the HTTP server

The bound on stopping is stop_timeout_s (60 s by default) plus a few seconds: the signal is
noticed within 1 s (the main loop's wait), and after the jobs the HTTP server stops and the
sync's worker processes exit (1–3 s measured). A job stops at its next chunk boundary: after
the chunk of 64 learners it is committing is handed to the workers, or after the 32-learner
worker chunk it waits for (hub.pipeline.runner `_stop_if_asked`), about a second on the
sandbox (0.2–0.8 s measured by tests/jobs/test_serve_sigterm.py). A job stuck longer (a
ministry call hanging up to its 120 s timeout) is abandoned at the bound: what it committed
stands and the next run resumes the rest, as after kill -9 (every step is crash-safe).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from hub.addresses import is_loopback
from hub.config import HubConfig
from hub.errors import UsageError
from hub.jobs import history
from hub.jobs.dispatch import Dispatcher
from hub.jobs.inprocess import InProcessDispatcher
from hub.jobs.operations import JobOutcome, JobRequest, run_job
from hub.jobs.scheduler import Scheduler
from hub.jobs.scheduler_lock import SCHEDULER_LOCK_KEY, SchedulerLock
from hub.serving import ThreadedServer, bind_socket, serve_in_thread, uvicorn_server
from hub.store.engine import Store
from hub.web.app import Face, build_app
from hub.web.auth import TOKEN_ENV, Access
from hub.web.metrics import HubMetrics

log = logging.getLogger(__name__)


def serve_token() -> str | None:
    """HUB_SERVE_TOKEN (or the file HUB_SERVE_TOKEN_FILE names); None when neither is set."""
    from hub.signing.providers.secrets import read_secret, secret_is_set

    if not secret_is_set(TOKEN_ENV):
        return None
    return read_secret(TOKEN_ENV, "mã truy cập hub serve", "the hub serve access token")


def check_listen(config: HubConfig, token: str | None) -> None:
    """Refuse to listen beyond this machine with no token to ask callers for.

    Raises:
        UsageError: [serve] host is not loopback and HUB_SERVE_TOKEN is not set.
    """
    host = config.serve.host
    if token is None and not is_loopback(host):
        raise UsageError(
            f"{config.path}: [serve] host = {host!r} mở hub serve ra ngoài máy này; hãy đặt "
            f"{TOKEN_ENV} (hoặc {TOKEN_ENV}_FILE) thành một mã bí mật mà người gọi phải gửi "
            f'kèm (Authorization: Bearer ...), hoặc dùng host = "127.0.0.1".',
            f"{config.path}: [serve] host = {host!r} opens hub serve beyond this machine; set "
            f"{TOKEN_ENV} (or {TOKEN_ENV}_FILE) to a secret callers must send "
            f'(Authorization: Bearer ...), or use host = "127.0.0.1".',
        )


# --- THE ONE PLACE that chooses where jobs run. At merge with branch `queue`: on PostgreSQL
# --- return its QueueDispatcher (workers run the jobs); on SQLite keep the in-process one.
def choose_dispatcher(
    config: HubConfig, store: Store, run: Callable[[JobRequest, threading.Event], JobOutcome]
) -> Dispatcher:
    """Where the fired jobs run: [serve] jobs = "queue" hands them to `hub worker` processes
    through the PostgreSQL queue (they record their outcomes); otherwise threads here.

    Raises:
        UsageError: jobs = "queue" on SQLite, or the queue is not installed (hub db upgrade).
    """
    if config.serve.jobs == "queue":
        from hub.jobs.queue import QueueDispatcher

        if store.is_sqlite:
            raise UsageError(
                f'{config.path}: [serve] jobs = "queue" cần cơ sở dữ liệu PostgreSQL (hàng đợi '
                f'nằm trong đó); với SQLite hãy bỏ dòng này (jobs = "in-process").',
                f'{config.path}: [serve] jobs = "queue" needs a PostgreSQL store (the queue '
                f'lives in it); on SQLite remove the line (jobs = "in-process").',
            )
        return QueueDispatcher(config, store=store)

    def record(request: JobRequest, outcome: JobOutcome, began: datetime, ended: datetime) -> None:
        history.record_outcome(store, request, outcome, began, ended)
        level = logging.INFO if outcome.ok else logging.WARNING
        log.log(level, "job %s ended: %s", request.describe(), outcome.summary)

    return InProcessDispatcher(run, record, concurrency=config.serve.concurrency)


@dataclass
class Service:
    """A started `hub serve`; `stop()` ends it within its bound."""

    config: HubConfig
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    lock: SchedulerLock
    server: ThreadedServer
    caught_up: list[int]

    def health(self) -> dict[str, Any]:
        nxt = self.scheduler.next_fire_times()
        return {
            "schedules": {n: (t.isoformat() if t else None) for n, t in sorted(nxt.items())},
            "queues": [
                {"name": q.name, "running": q.running, "waiting": q.waiting}
                for q in self.dispatcher.queues()
            ],
        }

    def stop(self) -> bool:
        """Stop firing, stop the jobs after their chunk, stop serving; True if all stopped."""
        began = time.monotonic()
        log.info("stopping: no more firings; running jobs stop after their chunk")
        self.scheduler.shutdown()
        self.lock.release()  # a standby `hub serve` may take the firing over now
        self.dispatcher.close(self.config.serve.stop_timeout_s)
        # Queued jobs run in `hub worker` processes, which drain on their own signal.
        in_process = isinstance(self.dispatcher, InProcessDispatcher)
        running = self.dispatcher.queues() if in_process else []
        if in_process:  # its dropped and stopped jobs end with it: the next start runs them
            history.interrupt_open(self.store)
        jobs_stopped = time.monotonic() - began
        self.server.stop()
        self.store.dispose()
        log.info("stopped: jobs in %.1f s, all in %.1f s", jobs_stopped, time.monotonic() - began)
        return all(q.running == 0 for q in running)


def _successes(store: Store) -> dict[str, datetime]:
    with store.read() as session:
        return history.last_successes(session)


def start(config: HubConfig, store: Store, token: str | None) -> Service:
    """Start the scheduler, the dispatcher and the HTTP server (see the module docstring).

    Raises:
        UsageError: the host is off loopback without a token, or the port is taken.
    """
    check_listen(config, token)

    def run(request: JobRequest, stop: threading.Event) -> JobOutcome:
        return run_job(config, request, stop=stop)

    dispatcher = choose_dispatcher(config, store, run)
    lock = SchedulerLock(store, SCHEDULER_LOCK_KEY)  # several `hub serve`: one fires, others wait
    lock.try_take()
    if not lock.held:
        log.warning("another hub serve of the cluster holds the scheduler lock: standing by")
    scheduler = Scheduler(config, store, dispatcher, lock=lock)
    holder: dict[str, Service] = {}
    metrics = HubMetrics(store, queues=dispatcher.queues, last_success=lambda: _successes(store))

    def scrape() -> Response:
        body, content_type = metrics.render()
        return Response(content=body, media_type=content_type)

    face = Face(health=lambda: holder["service"].health(), metrics=scrape)
    try:
        sock = bind_socket(config.serve.host, config.serve.port)
    except OSError as exc:
        dispatcher.close(0)
        lock.release()
        where = f"{config.serve.host}:{config.serve.port}"
        raise UsageError(
            f"{config.path}: [serve] không mở được {where} ({exc.strerror}); chọn port khác.",
            f"{config.path}: [serve] cannot listen on {where} ({exc.strerror}); pick another port.",
        ) from None
    server = serve_in_thread(uvicorn_server(build_app(face, Access(token))), sock, what="hub serve")
    caught_up = scheduler.start()
    service = Service(config, store, dispatcher, scheduler, lock, server, caught_up)
    holder["service"] = service
    log.info(
        "hub serve on %s: %d schedules, %d caught up at start, at %s",
        server.base_url,
        len(config.schedules),
        len(caught_up),
        datetime.now(UTC).isoformat(),
    )
    return service
