"""Writing the operator's report: one xlsx (a summary sheet and a sheet per school) and CSVs.

The xlsx is written by openpyxl in write-only mode, so that a province with tens of thousands
of problems is streamed to disk rather than held as cell objects; each sheet gets a frozen
header row, an auto-filter and column widths fitted to the headings. The CSVs are UTF-8 with a
byte-order mark: without it Excel on Windows reads them as the ANSI code page and Vietnamese
turns into mojibake.

Values that a spreadsheet would run as a formula (text starting with =, +, -, @) are written as
text: a cell of a school's file, quoted in a message, must never become a formula on the
operator's machine (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hub.report.queries import SchoolYearStatus
from hub.report.rows import HALFWAY, SOURCE_ROW, ProblemRow

XLSX_NAME = "bao-cao.xlsx"
SUMMARY_CSV = "tong-hop.csv"

# A write-only worksheet: its column_dimensions and auto_filter exist at run time but are
# missing from types-openpyxl's stub of the class, hence Any.
Sheet = Any

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

STATE_LABELS = {
    "accepted": "đã chấp nhận / accepted",
    "rejected": "Bộ từ chối / rejected",
    "failed": "lỗi / failed",
    SOURCE_ROW: "dòng nguồn / source row",
    HALFWAY: "bỏ dở, sync làm tiếp / half-way, sync resumes",
}
SEVERITY_LABELS = {"error": "lỗi / error", "warning": "cảnh báo / warning"}


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    width: int
    value: Callable[[Any], object]


PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("Mã trường / School", 11, lambda r: r.school_code),
    Column("Năm học / Year", 11, lambda r: r.school_year),
    Column("Mã hồ sơ / MaHoSo", 30, lambda r: r.ma_ho_so or ""),
    Column("Mã nguồn / Source key", 16, lambda r: r.learner_key or ""),
    Column("Trạng thái / State", 22, lambda r: STATE_LABELS.get(r.state, r.state)),
    Column("Bước / Stage", 9, lambda r: r.stage),
    Column("Mã lỗi / Code", 12, lambda r: r.code),
    Column("Mức / Severity", 18, lambda r: SEVERITY_LABELS.get(r.severity, r.severity)),
    Column("Lý do (tiếng Việt)", 60, lambda r: r.message_vi),
    Column("Reason (English)", 60, lambda r: r.message_en),
    Column("Tệp / File", 28, lambda r: r.file or ""),
    Column("Trang tính / Sheet", 16, lambda r: r.sheet or ""),
    Column("Ô / Cell", 10, lambda r: r.cell or (f"dòng/row {r.row}" if r.row else "")),
    Column("Tìm thấy / Found", 16, lambda r: r.found or ""),
    Column("Cần / Expected", 18, lambda r: r.expected or ""),
    Column("Bản ghi API / API record", 30, lambda r: r.url or ""),
    Column("Khóa nhà cung cấp / Vendor key", 16, lambda r: r.vendor_key or ""),
    Column("XPath", 45, lambda r: r.xpath or ""),
    Column("MaTiepNhan", 20, lambda r: r.receipt or ""),
    Column("Lô / Batch", 8, lambda r: r.batch_id),
)

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("Mã trường / School", 11, lambda s: s.school_code),
    Column("Tên trường / School name", 32, lambda s: s.school_name or ""),
    Column("Năm học / Year", 11, lambda s: s.school_year),
    Column("Học sinh / Learners", 11, lambda s: s.learners),
    Column("Chấp nhận / Accepted", 11, lambda s: s.accepted),
    Column("Đã thu hồi / Withdrawn", 11, lambda s: s.withdrawn),
    Column("Bị từ chối / Rejected", 11, lambda s: s.rejected),
    Column("Có vấn đề / Problems", 11, lambda s: s.problems),
    Column("Đang xử lý / Pending", 11, lambda s: s.pending),
    Column("Chờ NCC ký / Awaiting vendor", 11, lambda s: s.awaiting_vendor),
    Column("Lý do chính / Top reasons", 60, lambda s: top_reasons_text(s)),
)


def top_reasons_text(status: SchoolYearStatus) -> str:
    return "; ".join(f"{r.code} ×{r.count}" for r in status.reasons)


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _sheet(book: Workbook, title: str, columns: Sequence[Column]) -> Sheet:
    sheet: Sheet = book.create_sheet(title)
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.heading)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    return sheet


def _text_cell(sheet: Sheet, value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        return cell
    return value


def _fill(sheet: Sheet, columns: Sequence[Column], items: Iterable[Any]) -> int:
    count = 0
    for item in items:
        sheet.append([_text_cell(sheet, column.value(item)) for column in columns])
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    return count


def _csv(path: Path, columns: Sequence[Column], items: Iterable[Any]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.heading for c in columns])
        for item in items:
            writer.writerow([_safe(c.value(item)) for c in columns])


@dataclass
class WrittenReport:
    """What `write_report` wrote: the files and the problem rows per school."""

    xlsx: Path
    csvs: list[Path]
    rows_per_school: dict[str, int]


def write_report(
    out: Path,
    statuses: Sequence[SchoolYearStatus],
    rows: Iterable[ProblemRow],
    *,
    on_row: Callable[[], None] = lambda: None,
) -> WrittenReport:
    """Write the summary and each school's problem rows (sorted by school) into `out`.

    Args:
        out: the folder (created when missing).
        statuses: the summary, one row per school and year.
        rows: the problem rows, ordered by school (as hub.report.rows returns them).
        on_row: called once per problem row written (progress).
    """
    out.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    _fill(_sheet(book, "Tổng hợp", SUMMARY_COLUMNS), SUMMARY_COLUMNS, statuses)
    summary_csv = out / SUMMARY_CSV
    _csv(summary_csv, SUMMARY_COLUMNS, statuses)
    written = WrittenReport(out / XLSX_NAME, [summary_csv], {})
    for school, school_rows in _by_school(rows, on_row):
        sheet = _sheet(book, school, PROBLEM_COLUMNS)
        _fill(sheet, PROBLEM_COLUMNS, school_rows)
        path = out / f"truong-{school}.csv"
        _csv(path, PROBLEM_COLUMNS, school_rows)
        written.csvs.append(path)
        written.rows_per_school[school] = len(school_rows)
    for status in statuses:  # a school with no problem still gets its (empty) sheet and CSV
        if status.school_code not in written.rows_per_school:
            _fill(_sheet(book, status.school_code, PROBLEM_COLUMNS), PROBLEM_COLUMNS, [])
            path = out / f"truong-{status.school_code}.csv"
            _csv(path, PROBLEM_COLUMNS, [])
            written.csvs.append(path)
            written.rows_per_school[status.school_code] = 0
    book.save(written.xlsx)
    return written


def _by_school(
    rows: Iterable[ProblemRow], on_row: Callable[[], None]
) -> Iterable[tuple[str, list[ProblemRow]]]:
    # One school's rows at a time in memory: the sheet and the CSV are written from the same list.
    current: str | None = None
    bucket: list[ProblemRow] = []
    for row in rows:
        if row.school_code != current and bucket:
            assert current is not None
            yield current, bucket
            bucket = []
        current = row.school_code
        bucket.append(row)
        on_row()
    if bucket and current is not None:
        yield current, bucket
