"""The jobs, as plain functions: what a schedule, a worker or `hub serve` runs.

`run_job` is the one entry point: it takes a `JobRequest` (a kind and a piece) and returns a
`JobOutcome` (what happened, in words an operator reads, and whether trying again could help).
It never parses a command line and never prints; the callers render.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import StopRequested, UsageError
from hub.jobs.pieces import Piece

if TYPE_CHECKING:
    from hub.config import HubConfig
    from hub.ministry.client import MinistryService
    from hub.store.engine import Store


class JobKind(enum.StrEnum):
    """The `job` of a [[schedules]] entry."""

    SYNC = "sync"
    RETRY_REJECTED = "retry-rejected"
    SIGNING = "signing"
    REPORT = "report"


@dataclass(frozen=True, slots=True)
class JobRequest:
    """One job: what to do, on which piece."""

    kind: JobKind
    piece: Piece
    schedule: str | None = None  # the [[schedules]] name that asked for it; None: by hand
    schedule_run: int | None = None  # the firing of that schedule it belongs to (its outcome)

    def describe(self) -> str:
        return f"{self.kind.value} {self.piece.key}"


@dataclass(slots=True)
class JobOutcome:
    """How a job ended. `retryable` tells a queue whether trying again later could succeed."""

    ok: bool
    summary: str  # one line, no personal data
    retryable: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def run_job(
    config: HubConfig,
    request: JobRequest,
    *,
    service: MinistryService | None = None,
    store: Store | None = None,
    report_dir: Path | None = None,
    stop: threading.Event | None = None,
) -> JobOutcome:
    """Run one job to its end and say how it went; never raises for the job's own failures.

    A failure a later attempt could fix (the ministry or a vendor unreachable, another holder
    on the piece, the store busy) is `retryable`; a misconfiguration is not: trying again
    would fail the same way until someone edits config.toml.

    Args:
        config: the configuration.
        request: the kind and the piece.
        service: the ministry; the configured client when None.
        store: an open store; opened from the configuration when None.
        report_dir: where a report job writes (default: `reports/` beside config.toml).
        stop: set it to end a sync after the chunk it is committing (`hub serve` on SIGTERM);
            the outcome is then retryable with `details["stopped"]`.
    """
    from hub.ministry.errors import Fatal, MinistryError
    from hub.pipeline.extract import SourceFailed
    from hub.pipeline.runner import SyncOptions, ministry_client, run_sync
    from hub.store.engine import StoreError
    from hub.store.leases import LeaseHeld

    piece = request.piece
    try:
        if request.kind is JobKind.REPORT:
            return _report(config, piece, store, report_dir or config.base_dir / "reports")
        options = SyncOptions(
            school=piece.school,
            year=piece.year,
            source=piece.source,
            only_rejected=request.kind is JobKind.RETRY_REJECTED,
            progress=False,
            stop=stop,
        )
        report = run_sync(config, options, service or ministry_client(config), store=store)
    except StopRequested:
        summary = "stopped on request after a committed chunk; the next run goes on"
        return JobOutcome(False, summary, retryable=True, details={"stopped": True})
    except UsageError as exc:
        return JobOutcome(False, exc.message_en)
    except Fatal as exc:
        return JobOutcome(False, str(exc))
    except LeaseHeld as exc:  # another holder works on an overlapping piece: try again later
        holder = exc.holder
        details = {"holder": {"host": holder.host, "pid": holder.pid, "run_id": holder.run_id}}
        return JobOutcome(False, exc.summary(), retryable=True, details=details)
    except (MinistryError, SourceFailed, StoreError) as exc:
        return JobOutcome(False, str(exc), retryable=True)
    outcome = report.outcome
    ok = not (report.incomplete or report.unsettled or report.unbalanced or report.stopped)
    summary = (
        f"run {report.run_id}: read {report.read}, accepted {outcome.accepted}, "
        f"rejected {outcome.rejected}, problems {outcome.problems}"
    )
    return JobOutcome(ok, summary, retryable=not ok, details={"run_id": report.run_id})


def _report(config: HubConfig, piece: Piece, store: Store | None, out: Path) -> JobOutcome:
    from hub.pipeline.runner import open_store
    from hub.report.files import write_report
    from hub.report.queries import school_status
    from hub.report.rows import missing_problems

    own = store is None
    store = store or open_store(config)
    try:
        with store.read() as session:
            statuses = school_status(session, school_code=piece.school, school_year=piece.year)
            rows = missing_problems(session, school_code=piece.school, school_year=piece.year)
            written = write_report(out, statuses, rows)
    finally:
        if own:
            store.dispose()
    count = sum(written.rows_per_school.values())
    return JobOutcome(True, f"{written.xlsx}: {count} rows", details={"xlsx": str(written.xlsx)})
