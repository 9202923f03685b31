"""`hub batches list|show`: the units an operator sees and re-runs (one school × year × run).

`list` gives each batch's live figures (rows in = unchanged + accepted + rejected + problems +
superseded, once nothing is in flight). `show` gives one batch's learners: state, the ministry's
codes (MaLoGui, MaTiepNhan, MaDinhDanhHocBa) and every problem with its source location (file,
sheet, cell; or the API record). Learners are named by their keys only; a message that quotes a
personal ID number shows its last three digits (hub.privacy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    format_option,
)
from hub.cli.sync import run_guarded
from hub.store import BatchState, RecordState

_STATE_NAMES = [s.value for s in RecordState]


@click.group("batches")
def batches_group() -> None:
    """Các lô (trường × năm học × lượt chạy) / batches (school × year × run)."""


@batches_group.command("list")
@click.option("--school", help="Chỉ trường này / only this school (MaTruong).")
@click.option("--year", help="Chỉ năm học này / only this school year.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in BatchState]),
    help="open: còn hồ sơ đang xử lý / still moving; complete: đã khóa số / closed.",
)
@config_option
@format_option
def list_command(
    school: str | None,
    year: str | None,
    state: str | None,
    config_path: Path | None,
    output_format: str,
) -> None:
    """Liệt kê các lô / list batches with their figures."""
    check_school(school)
    check_year(year)
    from hub.report.queries import BatchRow, batch_rows
    from hub.store import batches

    def action() -> list[BatchRow]:
        with configured_store(config_path) as (_, store), store.read() as session:
            found = batches(
                session,
                school_code=school,
                school_year=year,
                state=BatchState(state) if state else None,
            )
            return batch_rows(session, found)

    rows = run_guarded(action)
    if output_format == "json":
        echo_json([row.as_json() for row in rows])
        raise SystemExit(exits.OK)
    table = Table(title="Các lô / batches")
    for heading in (
        "Lô / Batch",
        "Lượt / Run",
        "Trường / School",
        "Năm / Year",
        "Nguồn / Source",
        "Trạng thái / State",
    ):
        table.add_column(heading)
    for heading in (
        "Vào / In",
        "Không đổi / Unchanged",
        "Chấp nhận / Accepted",
        "Từ chối / Rejected",
        "Vấn đề / Problems",
        "Đang xử lý / In flight",
    ):
        table.add_column(heading, justify="right")
    for r in rows:
        table.add_row(
            str(r.id),
            str(r.run_id),
            r.school_code,
            r.school_year,
            Text(r.source),
            r.state.value,
            *(
                str(n)
                for n in (r.rows_in, r.unchanged, r.accepted, r.rejected, r.problems, r.in_flight)
            ),
        )
    console().print(table)
    raise SystemExit(exits.OK)


@batches_group.command("show")
@click.argument("batch_id", metavar="BATCH", type=int)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(_STATE_NAMES),
    help="Chỉ hồ sơ ở trạng thái này (lặp lại được) / only records in this state.",
)
@config_option
@format_option
def show_command(
    batch_id: int, states: tuple[str, ...], config_path: Path | None, output_format: str
) -> None:
    """Chi tiết một lô / one batch: its learners, codes and problems with their source cells."""
    answer = run_guarded(lambda: _load(config_path, batch_id, states))
    if output_format == "json":
        echo_json(answer)
        raise SystemExit(exits.OK)
    _print(answer)
    raise SystemExit(exits.OK)


def _load(config_path: Path | None, batch_id: int, states: tuple[str, ...]) -> dict[str, Any]:
    from hub.report.batch import batch_view

    with configured_store(config_path) as (_, store), store.read() as session:
        view = batch_view(session, batch_id, [RecordState(s) for s in states])
    batch, counts, records, problems = view, view.counts, view.records, view.problems
    by_record: dict[int | None, list[dict[str, Any]]] = {}
    for p in problems:
        by_record.setdefault(p.record_id, []).append(
            {
                "stage": p.stage,
                "code": p.code,
                "severity": p.severity,
                "message_vi": p.message_vi,
                "message_en": p.message_en,
                "xpath": p.xpath,
                "location": p.location,
                "found": p.found,
                "expected": p.expected,
                "row": p.row,
                "file": p.file,
                "sheet": p.sheet,
                "cell": p.cell,
                "url": p.url,
                "vendor_key": p.vendor_key,
            }
        )
    return {
        "batch": {
            "id": batch_id,
            "run_id": batch.run_id,
            "school_code": batch.school_code,
            "school_year": batch.school_year,
            "source": batch.source,
            "state": batch.state.value,
            "rows_in": counts.rows_in,
            "unchanged": counts.unchanged,
            "accepted": counts.accepted,
            "rejected": counts.rejected,
            "problems": counts.problems,
            "failed": counts.failed,
            "unkeyed": counts.unkeyed,
            "superseded": counts.superseded,
            "in_flight": counts.in_flight,
            "balanced": counts.balanced,
        },
        "records": [
            {
                "id": r.id,
                "ma_ho_so": r.ma_ho_so,
                "learner_key": r.learner_key,
                "state": r.state.value,
                "failed_stage": r.failed_stage.value if r.failed_stage else None,
                "batch_key": r.batch_key,  # MaLoGui
                "receipt": r.receipt,  # MaTiepNhan
                "transcript_id": r.transcript_id,  # MaDinhDanhHocBa
                "problems": by_record.get(r.id, []),
            }
            for r in records
        ],
        "source_rows": by_record.get(None, []),  # problems of rows that never became a record
    }


def _print(answer: dict[str, Any]) -> None:
    out = console()
    b = answer["batch"]
    out.print(
        f"Lô/batch {b['id']} (lượt/run {b['run_id']}): trường/school {b['school_code']}, "
        f"năm/year {b['school_year']}, nguồn/source {b['source']}, {b['state']}",
        markup=False,
    )
    out.print(
        f"vào/in {b['rows_in']} = không đổi/unchanged {b['unchanged']} + chấp nhận/accepted "
        f"{b['accepted']} + từ chối/rejected {b['rejected']} + vấn đề/problems {b['problems']} "
        f"+ thay thế/superseded {b['superseded']}; đang xử lý/in flight {b['in_flight']}",
        markup=False,
    )
    table = Table(show_lines=False)
    for heading in (
        "Mã hồ sơ / MaHoSo",
        "Mã nguồn / Source key",
        "Trạng thái / State",
        "MaLoGui",
        "MaTiepNhan",
        "MaDinhDanhHocBa",
    ):
        table.add_column(heading)
    for r in answer["records"]:
        state = r["state"] + (f" ({r['failed_stage']})" if r["failed_stage"] else "")
        table.add_row(
            Text(r["ma_ho_so"]),
            Text(r["learner_key"]),
            state,
            r["batch_key"] or "",
            r["receipt"] or "",
            r["transcript_id"] or "",
        )
    out.print(table)
    lines = [(r["ma_ho_so"], p) for r in answer["records"] for p in r["problems"]] + [
        ("(dòng nguồn / source row)", p) for p in answer["source_rows"]
    ]
    if not lines:
        return
    out.print("Vấn đề / problems:")
    for who, p in lines:
        out.print(
            f"  {who} [{p['stage']}] {p['code']} {p['severity']} — {p['location']}"
            + (f" — {p['xpath']}" if p["xpath"] else ""),
            markup=False,
        )
        out.print(f"      {p['message_vi']}", markup=False)
        out.print(f"      {p['message_en']}", markup=False)
        if p["found"] or p["expected"]:
            out.print(
                f"      gặp/found: {p['found'] or '∅'} — cần/expected: {p['expected'] or '?'}",
                markup=False,
            )
