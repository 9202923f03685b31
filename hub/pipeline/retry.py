"""Retrying the learners of a batch or a school that have no transcript (`hub retry`).

Two ways, both narrow and both safe to repeat (DESIGN.md promise 4):

- `only_rejected` without a batch or a stage is the runner's own retry
  (`SyncOptions(only_rejected=True)`): the sources are read again and only the learners whose
  current record was rejected are taken, each into a new record of a new batch.
- a batch or a school (optionally only the rejected, or from a stage) picks the current records
  there that were rejected or failed (at the stage or later), and the ones an earlier run left
  half-way; puts the finished ones back to the state before the stage in one transaction
  (hub.store.redo), and syncs that school, year and source, which resumes them all where they
  stand. A learner whose source changed meanwhile is superseded by its new content; one the
  run no longer finds in the source fails with NOT_IN_SOURCE. Learners that are new or changed
  in that school and source are taken too, as `hub sync --school --year --source` would.

Accepted records are never chosen, and everything happens under the store's sync lease, so no
other run moves a record between the choice and the reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from hub.config import HubConfig
from hub.errors import UsageError
from hub.lifecycle import (
    STAGE_STARTS_FROM,
    TERMINAL_STATES,
    WORK_STATES,
    RecordState,
    Stage,
    order,
    stage_of_failure,
)
from hub.ministry import MinistryService
from hub.pipeline.runner import SyncOptions, SyncReport, run_sync
from hub.store import RecordRef, Store, batch_accounting, records_in, run_outcome
from hub.store.leases import LeaseHolder, acquire
from hub.store.redo import fail_not_found, reset_records
from hub.store.scope import Scope
from hub.store.tables import Batch

REDO_STAGES = tuple(stage for stage in Stage if stage is not Stage.PUSH)
"""The stages a retry can start from (a rejection is redone from `sign` at the latest: its
resend must be a new submission, and a new signing time gives it a new MaBam and key)."""


@dataclass(frozen=True, slots=True)
class RetryScope:
    """What to retry: a batch, or a school (and year); which records; from which stage."""

    batch_id: int | None = None
    school: str | None = None
    year: str | None = None
    source: str | None = None
    only_rejected: bool = False
    from_stage: Stage = Stage.EXTRACT
    stage_given: bool = False  # `--from-stage` was asked (else the runner's own retry may do)

    @property
    def runner_only(self) -> bool:
        """The runner's own retry of rejected learners (no batch, no stage)."""
        return self.batch_id is None and not self.stage_given and self.only_rejected


@dataclass
class RetryResult:
    """What was chosen and, unless it was a dry run, what the sync made of it."""

    scope: RetryScope
    chosen: list[RecordRef]
    report: SyncReport | None = None
    not_found: list[int] | None = None  # reset records the run did not meet again

    @property
    def halfway(self) -> list[RecordRef]:
        """Chosen learners an earlier run left half-way (resumed, not reset)."""
        return [ref for ref in self.chosen if ref.state not in TERMINAL_STATES]


def resolve(session: Session, scope: RetryScope) -> RetryScope:
    """The scope with the batch's school, year and source filled in.

    Raises:
        UsageError: the batch does not exist.
    """
    if scope.batch_id is None:
        return scope
    batch = session.get(Batch, scope.batch_id)
    if batch is None:
        raise UsageError(
            f"Không có lô {scope.batch_id}; xem `hub batches list`.",
            f"No batch {scope.batch_id}; see `hub batches list`.",
        )
    return RetryScope(
        scope.batch_id,
        batch.school_code,
        batch.school_year,
        batch.source,
        scope.only_rejected,
        scope.from_stage,
        scope.stage_given,
    )


def select(session: Session, scope: RetryScope) -> list[RecordRef]:
    """The scope's current records without a transcript that the stage concerns.

    Rejected (stopped at `push`) and failed ones (at their `failed_stage`) stopped at
    `scope.from_stage` or later; and, unless only the rejected are asked, the ones an earlier
    run left in a work state (stopped before the stage their state starts).
    """
    states = [RecordState.REJECTED]
    if not scope.only_rejected:
        states += [RecordState.FAILED, *sorted(WORK_STATES, key=order)]
    found = records_in(
        session,
        batch_id=scope.batch_id,
        school_code=scope.school,
        school_year=scope.year,
        states=states,
        current_only=True,
    )
    first = list(Stage).index(scope.from_stage)

    def stopped_at(ref: RecordRef) -> Stage:
        if ref.state in WORK_STATES:
            return next(s for s, start in STAGE_STARTS_FROM.items() if start is ref.state)
        return stage_of_failure(ref.state, ref.failed_stage)

    return [ref for ref in found if list(Stage).index(stopped_at(ref)) >= first]


def retry(
    config: HubConfig,
    store: Store,
    service: MinistryService | None,
    scope: RetryScope,
    *,
    dry_run: bool = False,
    workers: int | None = None,
    progress: bool = True,
    wait: float = 0.0,
    on_wait: Callable[[LeaseHolder], None] | None = None,
) -> RetryResult:
    """Choose the scope's learners, put the finished ones back, and sync them to their end.

    A dry run only chooses (no lease, no ministry: `service` may be None).

    Raises:
        UsageError: the batch does not exist, or a source or key is misconfigured.
        LeaseHeld: another run works on an overlapping piece (still, after `wait` seconds).
        StoreError, MinistryError, SourceFailed: as `run_sync`.
    """
    if dry_run:
        with store.read() as session:
            resolved = resolve(session, scope)
            return RetryResult(resolved, select(session, resolved))
    if service is None:
        raise ValueError("retry() needs the ministry unless it is a dry run")
    with store.read() as session:
        scope = resolve(session, scope)  # a batch's school, year and source never change
    with acquire(store, lease_scope(scope), wait=wait, on_wait=on_wait):
        with store.read() as session:
            chosen = select(session, scope)
        result = RetryResult(scope, chosen)
        if not (chosen or scope.runner_only):
            return result
        options = SyncOptions(
            scope.school,
            scope.year,
            scope.source,
            only_rejected=scope.runner_only,
            workers=workers,
            full_read=True,  # the chosen learners must be read again, changed or not
            progress=progress,
        )
        restart = STAGE_STARTS_FROM[scope.from_stage]
        finished = [ref for ref in chosen if ref.state in TERMINAL_STATES]
        if not scope.runner_only:
            with store.write() as session:
                reset_records(session, finished, restart)
        result.report = run_sync(config, options, service, store=store)
        if not scope.runner_only:
            with store.write() as session:
                result.not_found = fail_not_found(session, chosen, result.report.run_id)
                _recount(session, result.report)
        return result


def lease_scope(scope: RetryScope) -> Scope:
    """The piece a retry holds: its batch's, or its school and year of every source.

    The learners of a school's retry are chosen by school and year whatever the source
    (`select`), so only a batch's retry narrows to its source.
    """
    source = scope.source if scope.batch_id is not None else None
    return Scope(source, scope.school, scope.year)


def _recount(session: Session, report: SyncReport) -> None:
    """The report's outcome again, after the learners the run did not find were failed."""
    report.outcome = run_outcome(session, report.run_id)
    report.batches = [batch_accounting(session, b) for b in report.outcome.batch_ids]
