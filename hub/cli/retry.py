"""`hub retry`: send again the learners of a batch or a school that did not get a transcript.

Two ways, both narrow and both safe to repeat (DESIGN.md promise 4):

- `hub retry --only-rejected [--school S] [--year Y]` is the runner's own retry
  (`SyncOptions(only_rejected=True)`): the sources are read again and only the learners whose
  current record was rejected are taken, each into a new record of a new batch; every other
  learner and batch is left as it is.
- `hub retry BATCH` or `hub retry --school S` (optionally `--only-rejected`, `--from-stage
  STAGE`) picks the batch's or school's current records that were rejected or failed (at
  STAGE or later), and in one transaction puts them back to the state before STAGE, clears
  what the failed attempt left (its problems; for a rejected one its submission key and
  receipt), and re-opens their batches. A sync of the same school, year and source then
  resumes them where they stand; a learner whose source changed meanwhile is superseded by
  its new content instead. The runner has no way yet to resume records without reading the
  source again, which is why the source is read: learners that are new or changed there are
  taken too, as `hub sync --school --year --source` would.

Accepted records are never selected, and the reset names the state it expects of each record,
so a record that another process moved meanwhile stops the whole reset (nothing changes).
A rejected document restarts at `sign` at the latest: its resend must be a new submission with
a new key, and a new signature time gives it a new MaBam and so a new key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from sqlmodel import Session

from hub.cli import exits
from hub.cli.operator_common import check_school, config_option, configured_store, fail
from hub.cli.sync import report_and_exit_code, run_guarded
from hub.errors import UsageError
from hub.findings import Severity
from hub.lifecycle import STAGE_STARTS_FROM
from hub.store import (
    Failure,
    ProblemIn,
    RecordRef,
    RecordState,
    Stage,
    StaleStateError,
    batch_accounting,
    close_batch,
    fail_records,
    records_in,
)
from hub.store.engine import rowcount
from hub.store.records import CHUNK, forget_documents
from hub.store.tables import Batch, BatchState, Problem, Record, table_of, utcnow

_RECORDS = table_of(Record)
_BATCHES = table_of(Batch)
_PROBLEMS = table_of(Problem)

RESTART: dict[Stage, RecordState] = {
    stage: state for stage, state in STAGE_STARTS_FROM.items() if stage is not Stage.PUSH
}
"""The state a record is put back to so that the runner does STAGE again (and what follows)."""

_ORDER = list(Stage)


@dataclass(frozen=True, slots=True)
class Scope:
    """What to retry: a batch, or a school (and year); which records; from which stage."""

    batch_id: int | None
    school: str | None
    year: str | None
    source: str | None
    only_rejected: bool
    from_stage: Stage


def select_records(session: Session, scope: Scope) -> list[RecordRef]:
    """The current records of the scope that have no transcript and that the stage concerns.

    A rejected record counts as stopped at `push`; a failed one at its `failed_stage`. Only
    those stopped at `scope.from_stage` or later are taken.
    """
    states = (
        [RecordState.REJECTED]
        if scope.only_rejected
        else [
            RecordState.REJECTED,
            RecordState.FAILED,
        ]
    )
    found = records_in(
        session,
        batch_id=scope.batch_id,
        school_code=scope.school,
        school_year=scope.year,
        states=states,
        current_only=True,
    )
    first = _ORDER.index(scope.from_stage)

    def stopped_at(ref: RecordRef) -> Stage:
        if ref.state is RecordState.REJECTED:
            return Stage.PUSH
        return ref.failed_stage or Stage.EXTRACT

    return [ref for ref in found if _ORDER.index(stopped_at(ref)) >= first]


def reset_records(session: Session, refs: Sequence[RecordRef], from_stage: Stage) -> set[int]:
    """Put the records back to the state before `from_stage`; returns the re-opened batches.

    Raises:
        StaleStateError: a record is no longer current or in the state it was selected in.
    """
    restart = RESTART[from_stage]
    c = _RECORDS.c
    now = utcnow()
    statement = (
        sa.update(_RECORDS)
        .where(c.id == sa.bindparam("rid"), c.state == sa.bindparam("expected"), c.is_current)
        .values(
            state=restart,
            failed_stage=None,
            batch_key=None,
            receipt=None,
            transcript_id=None,
            document_path=None,
            ma_bam=None,
            updated_at=now,
        )
    )
    params = [{"rid": ref.id, "expected": ref.state} for ref in refs]
    if params and rowcount(session.execute(statement, params)) != len(params):
        raise StaleStateError(
            "Có hồ sơ vừa được một tiến trình khác xử lý; không thay đổi gì, hãy chạy lại.",
            "A record was just moved by another process; nothing was changed, run again.",
        )
    ids = [ref.id for ref in refs]
    forget_documents(session, ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(sa.delete(_PROBLEMS).where(_PROBLEMS.c.record_id.in_(chunk)))
    batches = {ref.batch_id for ref in refs}
    if batches:
        session.execute(
            sa.update(_BATCHES)
            .where(_BATCHES.c.id.in_(sorted(batches)))
            .values(state=BatchState.OPEN, closed_at=None)
        )
    return batches


def fail_not_found(session: Session, refs: Sequence[RecordRef], restart: RecordState) -> list[int]:
    """After the run: the reset records it never met again (gone from the source) fail at
    `extract`, so that their batches add up and close; returns their ids."""
    c = _RECORDS.c
    ids = [ref.id for ref in refs]
    still: list[tuple[int, int]] = []
    for start in range(0, len(ids), CHUNK):
        query = sa.select(c.id, c.batch_id).where(
            c.id.in_(ids[start : start + CHUNK]), c.state == restart
        )
        still.extend((int(i), int(b)) for i, b in session.execute(query))
    by_batch: dict[int, list[Failure]] = {}
    for record_id, batch_id in still:
        problem = ProblemIn(
            "NOT_IN_SOURCE",
            Severity.ERROR,
            "Lần chạy lại không tìm thấy học sinh này trong nguồn nữa; kiểm tra tệp hoặc hệ "
            "thống nguồn.",
            "The retry did not find this learner in the source any more; check the file or "
            "the source system.",
            Stage.EXTRACT,
            record_id=record_id,
        )
        failure = Failure(record_id, restart, Stage.EXTRACT, [problem])
        by_batch.setdefault(batch_id, []).append(failure)
    for batch_id, failures in by_batch.items():
        fail_records(session, batch_id, failures)
        if batch_accounting(session, batch_id).in_flight == 0:
            close_batch(session, batch_id)
    return [record_id for record_id, _ in still]


def _scope(
    session: Session,
    batch_id: int | None,
    school: str | None,
    year: str | None,
    only_rejected: bool,
    from_stage: Stage,
) -> Scope:
    if batch_id is None:
        return Scope(None, school, year, None, only_rejected, from_stage)
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise UsageError(
            f"Không có lô {batch_id}; xem `hub batches list`.",
            f"No batch {batch_id}; see `hub batches list`.",
        )
    return Scope(
        batch_id, batch.school_code, batch.school_year, batch.source, only_rejected, from_stage
    )


@click.command("retry")
@click.argument("batch_id", metavar="[BATCH]", type=int, required=False)
@click.option("--school", help="Các hồ sơ của trường này / this school's learners (MaTruong).")
@click.option("--year", help="Chỉ năm học này / only this school year.")
@click.option(
    "--only-rejected",
    is_flag=True,
    help="Chỉ học sinh bị Bộ từ chối / only learners the ministry rejected.",
)
@click.option(
    "--from-stage",
    type=click.Choice([s.value for s in RESTART]),
    help="Làm lại từ bước này / redo from this stage (records stopped here or later).",
)
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê / list the selection, change nothing.")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: cores).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@config_option
def retry_command(
    batch_id: int | None,
    school: str | None,
    year: str | None,
    only_rejected: bool,
    from_stage: str | None,
    dry_run: bool,
    workers: int | None,
    quiet: bool,
    config_path: Path | None,
) -> None:
    """Gửi lại học sinh chưa có học bạ / retry the learners of a batch or school without one."""
    check_school(school)
    if batch_id is None and school is None and not only_rejected:
        fail(
            exits.USAGE,
            "Hãy chọn một lô (BATCH), một trường (--school) hoặc --only-rejected.",
            "Name a batch (BATCH), a school (--school) or --only-rejected.",
        )
    if batch_id is not None and (school or year):
        fail(
            exits.USAGE, "BATCH đã xác định trường và năm.", "BATCH already names school and year."
        )
    from hub.pipeline import SyncOptions, ministry_client, run_sync

    stage = Stage(from_stage or Stage.EXTRACT)
    runner_only = batch_id is None and from_stage is None and only_rejected

    def action() -> Any:
        with configured_store(config_path) as (config, store):
            with store.read() as session:
                scope = _scope(session, batch_id, school, year, only_rejected, stage)
                chosen = select_records(session, scope)
            if dry_run:
                return scope, chosen, None
            options = SyncOptions(
                scope.school,
                scope.year,
                scope.source,
                only_rejected=runner_only,
                workers=workers,
                full_read=True,  # the chosen learners must be read again, changed or not
                progress=not quiet,
            )
            if runner_only:  # the runner's own retry: new records for the rejected learners
                with ministry_client(config) as ministry:
                    return scope, chosen, run_sync(config, options, ministry, store=store)
            if not chosen:
                return scope, chosen, None
            with store.write() as session:
                reset_records(session, chosen, stage)
            with ministry_client(config) as ministry:
                report = run_sync(config, options, ministry, store=store)
            with store.write() as session:
                gone = fail_not_found(session, chosen, RESTART[stage])
            if gone:
                click.echo(
                    f"{len(gone)} học sinh không còn trong nguồn / learners no longer in the "
                    f"source (NOT_IN_SOURCE): hồ sơ/records {gone[:10]}",
                    err=True,
                )
            return scope, chosen, report

    scope, chosen, report = run_guarded(action)
    where = (
        f"lô/batch {scope.batch_id}" if scope.batch_id else f"trường/school {scope.school or '*'}"
    )
    click.echo(
        f"{where}: {len(chosen)} học sinh được chọn / learners selected"
        + (" (--dry-run)" if dry_run else "")
    )
    for ref in chosen[:50] if dry_run else []:
        stopped = "push" if ref.state is RecordState.REJECTED else ref.failed_stage
        click.echo(f"  {ref.ma_ho_so}  {ref.state.value} ({stopped})  lô/batch {ref.batch_id}")
    if report is None:
        raise SystemExit(exits.OK)
    raise SystemExit(report_and_exit_code(report))
