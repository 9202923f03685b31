"""`hub gen OUT_DIR`: write a synthetic province (documents or spreadsheets), roster and ledger."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from hub.cli import exits
from hub.errors import HubError, UsageError
from hub.gen import DEFAULT_TODAY, DefectKind, GenSettings
from hub.model import SchoolLevel


def _levels(text: str) -> tuple[SchoolLevel, ...]:
    try:
        return tuple(SchoolLevel(code.strip()) for code in text.split(",") if code.strip())
    except ValueError:
        raise UsageError(
            f"--levels '{text}': cấp học phải là 02, 03, 04, 05, cách nhau bởi dấu phẩy",
            f"--levels '{text}': levels are 02, 03, 04, 05, comma-separated",
        ) from None


def _defects(pairs: tuple[str, ...]) -> dict[DefectKind, float]:
    kinds = ", ".join(k.value for k in DefectKind)
    rates: dict[DefectKind, float] = {}
    for pair in pairs:
        name, _, rate = pair.partition("=")
        try:
            kind = DefectKind(name.strip())
            rates[kind] = float(rate)
        except ValueError:
            raise UsageError(
                f"--defect '{pair}': cần LOẠI=TỈ_LỆ, ví dụ missing-id=0.02; loại: {kinds}",
                f"--defect '{pair}': expected KIND=RATE, e.g. missing-id=0.02; kinds: {kinds}",
            ) from None
    return rates


@click.command("gen")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--province", default="36", show_default=True, help="OLD province code.")
@click.option("--schools", default=1, show_default=True, type=int, help="Schools per level.")
@click.option("--classes-per-grade", default=1, show_default=True, type=int)
@click.option("--learners-per-class", default=30, show_default=True, type=int)
@click.option("--levels", default="02,03,04,05", show_default=True, help="CapHoc codes.")
@click.option("--year", "school_year", default="2024-2025", show_default=True)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=DEFAULT_TODAY.isoformat(),
    show_default=True,
    help="Latest NgayLap (fixed, for reproducible output).",
)
@click.option(
    "--defect",
    "defects",
    multiple=True,
    metavar="KIND=RATE",
    help="Inject a defect kind into this share of applicable transcripts (repeatable).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["xml", "xlsx"]),
    default="xml",
    show_default=True,
    help="xml: one signed-ready document per learner; xlsx: each school's spreadsheets, "
    "as generic_excel reads them.",
)
def gen_command(
    out_dir: Path,
    seed: int,
    province: str,
    schools: int,
    classes_per_grade: int,
    learners_per_class: int,
    levels: str,
    school_year: str,
    today: datetime,
    defects: tuple[str, ...],
    output_format: str,
) -> None:
    """Sinh dữ liệu học bạ của một tỉnh giả lập / generate a synthetic province.

    Writes OUT_DIR/roster.json (the sector database's rows), OUT_DIR/defects.json (each
    injected defect with the finding it must produce) and, with --format xml (the default),
    OUT_DIR/<MaTruong>/<MaHoSo>.xml.

    With --format xlsx, OUT_DIR/<MaTruong>/ holds each school's spreadsheets (the learner list
    danh-sach-hoc-sinh.xlsx and lop/<class>.xlsx) and source.json (its generic_excel
    options); learners exempt from assessment are not written. OUT_DIR/sources.toml is the
    entry to add to config.toml to read them:

    \b
        [[sources]]
        name = "gen-excel"
        plugin = "generic_excel"
        options = { folder = "/absolute/path/to/OUT_DIR" }
    """
    # Imported here so that `hub --help` does not load the generator and the document builder.
    from hub.gen.output import SOURCES_SNIPPET, write_province, write_spreadsheets

    try:
        settings = GenSettings(
            seed=seed,
            province=province,
            school_year=school_year,
            levels=_levels(levels),
            schools=schools,
            classes_per_grade=classes_per_grade,
            learners_per_class=learners_per_class,
            today=today.date(),
            defects=_defects(defects),
        )
        started = time.perf_counter()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), transient=True) as progress:
            task = progress.add_task("hub gen", total=settings.learner_count())
            write = write_spreadsheets if output_format == "xlsx" else write_province
            summary = write(settings, out_dir, lambda: progress.advance(task))
        elapsed = time.perf_counter() - started
    except HubError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None
    levels_text = ", ".join(f"{k}: {v}" for k, v in sorted(summary.by_level.items()))
    what = "học bạ / documents" if output_format == "xml" else "học sinh / learners"
    click.echo(
        f"{summary.documents} {what} ({levels_text}) in {len(summary.schools)} "
        f"schools, {summary.roster_rows} roster rows, {sum(summary.defects.values())} defects "
        f"→ {out_dir} in {elapsed:.1f} s ({summary.documents / max(elapsed, 1e-9):.0f}/s)"
    )
    if output_format == "xlsx":
        click.echo(
            f"{summary.files} tệp bảng tính / spreadsheets; {summary.left_out} học sinh miễn "
            f"đánh giá không ghi / exempt learners not written. Nguồn / source for config.toml: "
            f"{out_dir / SOURCES_SNIPPET}"
        )
