"""`hub status`: where every school's learners stand now, and why the missing ones are missing.

Read from the store only (no source, no ministry): learners, accepted, withdrawn, rejected,
problems (failed at a stage, or a source row that never became a learner), pending (still on
their way: a run is going, or one was killed and the next `hub sync` resumes it), awaiting
vendor (the vendor signs the documents itself and has not finished: every sync asks it
again; not a failure); a total; and
the top reasons, each a ministry or hub code with the learners it stops and an example message.
`hub report` gives every row behind these figures, traced to its cell.
With [[schedules]] in config.toml (or a job queue on PostgreSQL), then each schedule's last
run (outcome, duration) and next one, and each queue's depth and oldest waiting job.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

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
from hub.report.queries import Reason, SchoolYearStatus, reason_json, total_reasons

if TYPE_CHECKING:
    from hub.jobs.dispatch import QueueState
    from hub.jobs.overview import ScheduleStatus

_Jobs = tuple[list["ScheduleStatus"], list["QueueState"] | None]  # what `hub status` shows of jobs

_FIGURES = (
    "learners",
    "accepted",
    "withdrawn",
    "rejected",
    "problems",
    "pending",
    "awaiting_vendor",
)
_MORE = ("failed", "unkeyed", "halfway", "changed_since_issued", "source_problems")


def _totals(statuses: list[SchoolYearStatus]) -> dict[str, int]:
    return {name: sum(getattr(s, name) for s in statuses) for name in (*_FIGURES, *_MORE)}


def _stages(status: SchoolYearStatus) -> str:
    parts = [f"{stage} {n}" for stage, n in sorted(status.failed_by_stage.items())]
    if status.unkeyed:
        parts.append(f"source-row {status.unkeyed}")
    if status.halfway:
        parts.append(f"half-way {status.halfway}")
    return ", ".join(parts)


def _table(statuses: list[SchoolYearStatus], totals: dict[str, int]) -> Table:
    table = Table(title="Tình trạng theo trường / status per school")
    table.add_column("Trường / School")
    table.add_column("Tên / Name")
    table.add_column("Năm học / Year")
    for heading in (
        "Học sinh / Learners",
        "Chấp nhận / Accepted",
        "Thu hồi / Withdrawn",
        "Từ chối / Rejected",
        "Vấn đề / Problems",
        "Đang xử lý / Pending",
        "Chờ NCC ký / Awaiting vendor",
    ):
        table.add_column(heading, justify="right")
    table.add_column("Lỗi ở bước / Failed at")
    for s in statuses:
        figures = [str(getattr(s, name)) for name in _FIGURES]
        name = Text(s.school_name or "")  # Text: a name is never read as rich markup
        table.add_row(s.school_code, name, s.school_year, *figures, _stages(s))
    table.add_section()
    table.add_row("Tổng / Total", "", "", *(str(totals[name]) for name in _FIGURES), "")
    return table


def _reason_lines(reasons: list[Reason]) -> list[str]:
    return [
        f"  {r.code:<18} {r.count:>6}  [{r.stage}] {r.example_vi} / {r.example_en}" for r in reasons
    ]


@click.command("status")
@click.option("--school", help="Chỉ trường này / only this school (MaTruong).")
@click.option("--year", help="Chỉ năm học này / only this school year (e.g. 2024-2025).")
@click.option(
    "--top",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Lý do chính cần liệt kê / how many top reasons to list.",
)
@config_option
@format_option
def status_command(
    school: str | None,
    year: str | None,
    top: int,
    config_path: Path | None,
    output_format: str,
) -> None:
    """Tình trạng học bạ theo trường / where each school's learners stand now."""
    check_school(school)
    check_year(year)
    from hub.jobs.overview import queues_status, schedules_status
    from hub.privacy import mask_text
    from hub.report.queries import school_status

    def action() -> tuple[list[SchoolYearStatus], _Jobs]:
        with configured_store(config_path) as (config, store), store.read() as session:
            found = school_status(session, school_code=school, school_year=year, top=top)
            return found, (schedules_status(config, session), queues_status(store))

    statuses, (schedules, queues) = run_guarded(action)
    for status in statuses:  # examples are free text from plugins and the ministry
        status.reasons = [
            Reason(r.code, r.stage, r.count, mask_text(r.example_vi), mask_text(r.example_en))
            for r in status.reasons
        ]
    totals = _totals(statuses)
    reasons = total_reasons(statuses, top)
    if output_format == "json":
        echo_json(
            {
                "schools": [s.as_json() for s in statuses],
                "totals": totals,
                "reasons": [reason_json(r) for r in reasons],
                "schedules": [s.as_json() for s in schedules],
                "queues": None
                if queues is None
                else [
                    {
                        "name": q.name,
                        "running": q.running,
                        "waiting": q.waiting,
                        "oldest_waiting": q.oldest_waiting.isoformat()
                        if q.oldest_waiting
                        else None,
                    }
                    for q in queues
                ],
            }
        )
        raise SystemExit(exits.OK)
    out = console()
    if not statuses:
        out.print("Chưa có dữ liệu; hãy chạy `hub sync`. / Nothing yet; run `hub sync`.")
        _print_jobs(schedules, queues)
        raise SystemExit(exits.OK)
    out.print(_table(statuses, totals))
    missing = totals["learners"] - totals["accepted"]
    if missing:
        out.print(
            f"Thiếu học bạ / without a transcript: {missing} — từ chối/rejected "
            f"{totals['rejected']}, vấn đề/problems {totals['problems']}, đang xử lý/pending "
            f"{totals['pending']}, chờ nhà cung cấp ký/awaiting the vendor's signatures "
            f"{totals['awaiting_vendor']}, đã thu hồi/withdrawn {totals['withdrawn']}."
        )
    if totals["awaiting_vendor"]:
        n = totals["awaiting_vendor"]
        out.print(
            f"{n} học sinh chờ nhà cung cấp (vnEdu) ký xong học bạ; mỗi lần `hub sync` sẽ hỏi "
            f"lại, không cần làm gì ở hub. / {n} learners await the signatures their vendor "
            f"makes; every `hub sync` asks again, nothing to do at the hub."
        )
    if totals["halfway"]:
        out.print(
            f"{totals['halfway']} học sinh bị bỏ dở do một lượt chạy kết thúc sớm; `hub sync` "
            f"sẽ làm tiếp. / {totals['halfway']} learners were left half-way by a run that "
            f"ended early; `hub sync` resumes them."
        )
    if totals["changed_since_issued"]:
        n = totals["changed_since_issued"]
        out.print(
            f"{n} học sinh đã có học bạ nhưng nguồn đổi sau đó (ISSUED_CHANGED): nếu là sửa "
            f'sai, `hub replace MaHoSo --reason "..."`. / {n} learners have a transcript in '
            f"force but their source changed since: if it is a correction, `hub replace`."
        )
    if totals["source_problems"]:
        n = totals["source_problems"]
        out.print(
            f"{n} lỗi của nguồn không gắn với học sinh nào (tệp thừa, dòng không khớp danh "
            f"sách): xem `hub report`. / {n} source errors name no learner (a stray file, a "
            f"row matching nobody on the learner list): see `hub report`."
        )
    if reasons:
        out.print("Lý do chính / top reasons (mã, số học sinh / code, learners):")
        for line in _reason_lines(reasons):
            out.print(line, markup=False)
        out.print("Chi tiết từng ô nguồn / every row and cell: `hub report --out DIR`.")
    _print_jobs(schedules, queues)
    raise SystemExit(exits.OK)


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


def _print_jobs(schedules: list[ScheduleStatus], queues: list[QueueState] | None) -> None:
    """The schedules and queues, only when there are any (the output is unchanged otherwise)."""
    from hub.jobs.overview import NO_QUEUE

    if not schedules and queues is None:
        return
    out = console()
    table = Table(title="Lịch chạy / schedules")
    for heading in (
        "Lịch / Schedule",
        "Việc / Job",
        "Lần cuối / Last slot",
        "Kết quả / Outcome",
        "Thời gian / Duration",
        "Việc xong/lỗi / Jobs done/failed",
        "Lần tới / Next (UTC)",
    ):
        table.add_column(heading)
    for s in schedules:
        last = s.last
        table.add_row(
            Text(s.name),
            s.job,
            last.slot.strftime("%Y-%m-%d %H:%M") if last else "-",
            (last.outcome.value if last.outcome else "running") if last else "-",
            _duration(last.duration) if last else "-",
            f"{last.done}/{last.failed} of {last.jobs}" if last else "-",
            s.next_fire.strftime("%Y-%m-%d %H:%M") if s.next_fire else "-",
        )
    if schedules:
        out.print(table)
    if queues is None:
        out.print(f"Hàng đợi / queue: {NO_QUEUE[0]} / {NO_QUEUE[1]}.")
        return
    for q in queues:
        oldest = q.oldest_waiting.strftime("%Y-%m-%d %H:%M:%S UTC") if q.oldest_waiting else "-"
        out.print(
            f"Hàng đợi / queue {q.name}: chờ/waiting {q.waiting}, đang chạy/running {q.running}, "
            f"chờ lâu nhất từ / oldest waiting since {oldest}."
        )
