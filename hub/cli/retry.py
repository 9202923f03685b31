"""`hub retry`: send again the learners of a batch or a school that did not get a transcript.

The work is `hub.pipeline.retry` (which learners, how they are reset, the sync that resumes
them); this command parses, calls it, and prints the choice and the run's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hub.cli import exits
from hub.cli.operator_common import check_school, check_year, config_option, configured_store, fail
from hub.cli.sync import report_and_exit_code, run_guarded, say_waiting, wait_option
from hub.lifecycle import WITHOUT_TRANSCRIPT_STATES, Stage, stage_of_failure


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
    type=click.Choice([s.value for s in Stage if s is not Stage.PUSH]),
    help="Làm lại từ bước này / redo from this stage (records stopped here or later).",
)
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê / list the selection, change nothing.")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: cores).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@wait_option
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
    wait: float,
    config_path: Path | None,
) -> None:
    """Gửi lại học sinh chưa có học bạ / retry the learners of a batch or school without one."""
    check_school(school)
    check_year(year)
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
    from hub.pipeline import ministry_client
    from hub.pipeline.retry import RetryResult, RetryScope, retry

    scope = RetryScope(
        batch_id,
        school,
        year,
        None,
        only_rejected,
        Stage(from_stage or Stage.EXTRACT),
        stage_given=from_stage is not None,
    )

    def action() -> Any:
        with configured_store(config_path) as (config, store):
            if dry_run:
                return retry(config, store, None, scope, dry_run=True)
            with ministry_client(config) as ministry:
                return retry(
                    config,
                    store,
                    ministry,
                    scope,
                    workers=workers,
                    progress=not quiet,
                    wait=wait,
                    on_wait=say_waiting,
                )

    result = run_guarded(action)
    assert isinstance(result, RetryResult)
    chosen, scope = result.chosen, result.scope
    where = (
        f"lô/batch {scope.batch_id}" if scope.batch_id else f"trường/school {scope.school or '*'}"
    )
    halfway = len(result.halfway)
    resumed = (
        f", {halfway} bị bỏ dở ở lượt trước sẽ được làm tiếp / left half-way by an earlier "
        f"run, resumed"
        if halfway
        else ""
    )
    click.echo(
        f"{where}: {len(chosen)} học sinh được chọn / learners selected{resumed}"
        + (" (--dry-run)" if dry_run else "")
    )
    for ref in chosen[:50] if dry_run else []:
        if ref.state in WITHOUT_TRANSCRIPT_STATES:
            stopped = stage_of_failure(ref.state, ref.failed_stage).value
        else:
            stopped = "bỏ dở / left half-way"
        click.echo(f"  {ref.ma_ho_so}  {ref.state.value} ({stopped})  lô/batch {ref.batch_id}")
    if result.not_found:
        gone = result.not_found
        click.echo(
            f"{len(gone)} học sinh không còn trong nguồn / learners no longer in the "
            f"source (NOT_IN_SOURCE): hồ sơ/records {gone[:10]}",
            err=True,
        )
    if result.report is None:
        raise SystemExit(exits.OK)
    raise SystemExit(report_and_exit_code(result.report))
