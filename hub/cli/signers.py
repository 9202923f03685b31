"""`hub signers import|list`: who signs what at a school, from its teaching assignments.

`import` reads a teaching-assignments spreadsheet (Phân công giảng dạy; the layout is in
docs/operations.md) and records it from a day (`--from`, by default 1 August of the year):
importing the same file again changes nothing, and a teacher changed for a class's subject
from a later day ends the earlier assignment there (a substitute). A bad cell refuses the whole
file with every bad cell named, exit 2; nothing is written. `list` shows the assignments with
personal IDs masked: a full ID is never printed (hub.privacy).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from hub.cli import exits
from hub.cli.operator_common import (
    check_school,
    check_year,
    config_option,
    configured_store,
    console,
    echo_json,
    fail,
    format_option,
)
from hub.cli.sync import run_guarded
from hub.signers import Assignment


@click.group("signers")
def signers_group() -> None:
    """Người ký học bạ / who signs what (teaching assignments)."""


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    fail(
        exits.USAGE,
        f"--from {value!r}: ngày viết dạng YYYY-MM-DD, ví dụ 2025-03-10.",
        f"--from {value!r}: a day is written YYYY-MM-DD, e.g. 2025-03-10.",
    )
    return None  # not reached: fail() exits


@signers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", required=True, help="Trường / the school (MaTruong, 8 digits).")
@click.option("--year", required=True, help="Năm học / the school year, e.g. 2024-2025.")
@click.option(
    "--from",
    "start",
    metavar="YYYY-MM-DD",
    help="Có hiệu lực từ ngày / in force from this day (default: 1 August of the year); "
    "a substitute's file is imported with the day they took over.",
)
@config_option
def import_command(
    file: Path, school: str, year: str, start: str | None, config_path: Path | None
) -> None:
    """Nhập bảng phân công giảng dạy / import a teaching-assignments spreadsheet."""
    check_school(school)
    check_year(year)
    day = _day(start)
    from hub.signers.operations import Imported, import_file

    def action() -> Imported:
        with configured_store(config_path) as (_, store):
            return import_file(store, file, school, year, day)

    done = run_guarded(action)
    r = done.recorded
    click.echo(
        f"{file.name}: {done.read} phân công; thêm {r.added}, kết thúc {r.closed}, sửa "
        f"{r.corrected}, không đổi {r.unchanged}.\n"
        f"{file.name}: {done.read} assignments; added {r.added}, ended {r.closed}, corrected "
        f"{r.corrected}, unchanged {r.unchanged}."
    )
    raise SystemExit(exits.OK)


def _row(a: Assignment) -> dict[str, str | None]:
    return {
        "school": a.school,
        "year": a.year,
        "role": a.role.value,
        "class": a.class_name,
        "subject": a.subject,
        "name": a.person.full_name,
        "personal_id": a.person.masked_id,
        "teacher_key": a.person.teacher_key,
        "position": a.position.value if a.position else None,
        "from": a.valid_from.isoformat(),
        "until": a.valid_until.isoformat() if a.valid_until else None,
        "origin": a.origin,
    }


@signers_group.command("list")
@click.option("--school", help="Chỉ trường này / only this school (MaTruong).")
@click.option("--year", help="Chỉ năm học này / only this school year.")
@config_option
@format_option
def list_command(
    school: str | None, year: str | None, config_path: Path | None, output_format: str
) -> None:
    """Liệt kê người ký / list the assignments (personal IDs masked)."""
    check_school(school)
    check_year(year)
    from hub.signers.operations import list_assignments

    def action() -> list[Assignment]:
        with configured_store(config_path) as (_, store):
            return list_assignments(store, school, year)

    rows = [_row(a) for a in run_guarded(action)]
    if output_format == "json":
        echo_json(rows)
        raise SystemExit(exits.OK)
    table = Table(title="Người ký / signers")
    headings = {
        "school": "Trường / School",
        "year": "Năm / Year",
        "role": "Vai trò / Role",
        "class": "Lớp / Class",
        "subject": "Môn / Subject",
        "name": "Họ tên / Name",
        "personal_id": "Số định danh / ID",
        "from": "Từ / From",
        "until": "Đến / Until",
        "origin": "Nguồn / Origin",
    }
    for heading in headings.values():
        table.add_column(heading)
    for row in rows:
        table.add_row(*(Text(row[key] or "") for key in headings))
    console().print(table)
    raise SystemExit(exits.OK)
