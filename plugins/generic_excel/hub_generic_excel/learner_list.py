"""The sector database's learner list: one row per learner, in any sheet that has the header."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.api import Problem, ProblemCode, Provenance, Severity, clean
from hub_generic_excel.formulas import BlankWatch
from hub_generic_excel.headers import aliases, find_header, text_of
from hub_generic_excel.sheets import (
    Blank,
    Entry,
    SheetPlan,
    decode_legacy_columns,
    learner_rows,
    name_key,
    uncomputed_formulas,
)
from hub_generic_excel.workbook import Sheet, cell


@dataclass
class Listed:
    """A learner row of the list: its values by template column, and how to match it."""

    entry: Entry
    key: str  # the record key: the learner code when it is digits, else file!sheet!row
    code: str
    name: str  # folded, legacy fonts decoded
    class_name: str
    problems: list[Problem] = field(default_factory=list)  # of its row; keyed when joined


def header_problem(file: str, sheet: Sheet, expected: str, what_vi: str, what_en: str) -> Problem:
    where = Provenance(file, sheet.name)
    preview = "; ".join(text_of(v) for row in sheet.rows[:3] for v in row if text_of(v))[:80]
    return Problem.at(
        ProblemCode.HEADER_NOT_FOUND.value,
        where,
        preview,
        expected,
        f"không tìm thấy dòng tiêu đề của {what_vi}; cần các cột {expected}",
        f"no header row of {what_en} found; expected columns {expected}",
    )


def hidden_warning(file: str, sheet: Sheet) -> Problem:
    where = Provenance(file, sheet.name)
    return Problem.at(
        ProblemCode.SHEET_HIDDEN.value,
        where,
        sheet.name,
        "a visible sheet",
        "trang tính đang bị ẩn; vẫn được đọc — hãy kiểm tra đó có phải dữ liệu hiện hành",
        "the sheet is hidden; it is read anyway — check that it is current data",
        Severity.WARNING,
    )


def read_learner_list(
    path: Path, file: str, sheets: list[Sheet], template: Mapping[str, Any]
) -> tuple[list[Listed], list[Problem]]:
    """Every learner row of every sheet with the list's header; problems for what is wrong."""
    columns = aliases(template["columns"])
    listed: list[Listed] = []
    problems: list[Problem] = []
    found_any = False
    for sheet in sheets:
        header = find_header(
            sheet.rows, columns, template["anchor"], template.get("search_rows", 30)
        )
        if header is None:
            continue
        found_any = True
        if sheet.hidden:
            problems.append(hidden_warning(file, sheet))
        for key, cols in header.ambiguous.items():
            where = Provenance(
                file, sheet.name, header.bottom + 1, tuple(cell(header.bottom, c) for c in cols)
            )
            problems.append(
                Problem.at(
                    ProblemCode.COLUMN_AMBIGUOUS.value,
                    where,
                    " | ".join(header.raw[c][-1] for c in cols),
                    "one column",
                    f"nhiều cột cùng là {key}; xóa hoặc đổi tên cột thừa",
                    f"several columns are {key}; delete or rename the extra one",
                )
            )
        for key in template.get("required", []):
            if key not in header.columns and key not in header.ambiguous:
                where = Provenance(file, sheet.name, header.bottom + 1)
                expected = " / ".join(template["columns"][key][:3])
                problems.append(
                    Problem.at(
                        ProblemCode.COLUMN_MISSING.value,
                        where,
                        "",
                        expected,
                        f"thiếu cột {expected}",
                        f"missing column {expected}",
                    )
                )
        mapped = sorted(header.columns.values())
        plan = SheetPlan(
            file,
            sheet.name,
            {c: ("learner", key) for key, c in header.columns.items()},
            Blank.RAW,
        )
        entries: list[Entry] = []
        required = template.get("required", [])
        watch = BlankWatch(c for key, c in header.columns.items() if key in required)
        rows: list[int] = []
        for item in learner_rows(sheet, header, mapped, file):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            r, row = item
            watch.watch(row)
            entry = Entry(Provenance(file, sheet.name, r + 1))
            entry.locations.explicit[()] = entry.row
            entry.fill(plan, r, row)
            entries.append(entry)
            rows.append(r)
        decode_legacy_columns([e.data["learner"] for e in entries], header.columns)
        start = len(listed)
        for entry in entries:
            values = entry.data["learner"]
            code = clean(text_of(values.get("learner_code", "")))
            row_key = f"{file}!{sheet.name}!{entry.row.row}"
            listed.append(
                Listed(
                    entry,
                    code if code.isdigit() else row_key,
                    code,
                    name_key(values.get("full_name", "")),
                    clean(text_of(values.get("class_name", ""))).upper(),
                )
            )
        if watch.seen_blank:
            by_row = dict(zip(rows, listed[start:], strict=True))
            for learner, problem in uncomputed_formulas(sheet, file, by_row, mapped):
                learner.problems.append(problem)
    if not found_any:
        first = sheets[0] if sheets else Sheet("?", False, [])
        expected = " + ".join(" / ".join(template["columns"][k][:2]) for k in template["anchor"])
        problems.append(
            header_problem(file, first, expected, "danh sách học sinh", "the learner list")
        )
    return listed, problems
