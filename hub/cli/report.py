"""`hub report --out DIR`: every learner without a transcript, and why, for the schools to fix.

Writes DIR/bao-cao.xlsx (a summary sheet, then one sheet per school) and the same as CSV
(DIR/tong-hop.csv and DIR/truong-<MaTruong>.csv, UTF-8 with BOM). Each row is one problem:
the learner's keys (MaHoSo, the source's own key; never a name or a personal ID), where the
learner stands, the stage and code (the ministry's HB… or the hub's own), the reason in
Vietnamese then English, the source file, sheet and cell (or the API record) the runner traced
it to, the document's XPath, and the receipt (MaTiepNhan) of a rejection.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from hub.cli import exits
from hub.cli.operator_common import (
    check_school,
    check_year,
    config_option,
    configured_store,
    error_console,
)
from hub.cli.sync import run_guarded
from hub.errors import UsageError
from hub.report.files import WrittenReport


@click.command("report")
@click.option("--school", help="Chỉ trường này / only this school (MaTruong).")
@click.option("--year", help="Chỉ năm học này / only this school year.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục ghi báo cáo / the folder to write the report into.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@config_option
def report_command(
    school: str | None,
    year: str | None,
    out_dir: Path,
    quiet: bool,
    config_path: Path | None,
) -> None:
    """Báo cáo lỗi và từ chối theo trường / problems and rejections per school (xlsx, csv)."""
    check_school(school)
    check_year(year)
    from hub.report.files import write_report
    from hub.report.queries import school_status
    from hub.report.rows import missing_problems

    def action() -> WrittenReport:
        with configured_store(config_path) as (_, store), store.read() as session:
            statuses = school_status(session, school_code=school, school_year=year)
            progress = Progress(
                TextColumn("Báo cáo / report"),
                BarColumn(),
                MofNCompleteColumn(),
                console=error_console(),
                disable=quiet,
            )
            # No total: the rows are streamed, and a learner may have several problems.
            task = progress.add_task("rows", total=None)
            with progress:
                rows = missing_problems(session, school_code=school, school_year=year)
                try:
                    return write_report(
                        out_dir, statuses, rows, on_row=lambda: progress.advance(task)
                    )
                except OSError as exc:
                    raise UsageError(
                        f"{out_dir}: không ghi được báo cáo ({exc.strerror}).",
                        f"{out_dir}: cannot write the report ({exc.strerror}).",
                    ) from None

    written = run_guarded(action)
    rows = sum(written.rows_per_school.values())
    click.echo(f"{written.xlsx}: {len(written.rows_per_school)} trường/schools, {rows} dòng/rows")
    for path in written.csvs:
        click.echo(f"{path}")
    raise SystemExit(exits.OK)
