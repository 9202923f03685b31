"""A formula saved without its computed value is named at its cell (issue 14, point 2).

A file written by a program that does not compute formulas (openpyxl here, as a school's
script or a web export would) holds the formula and no value: the reader sees a blank cell.
It must say which cell holds a formula with no value and what to do, keep the learner out
(the value is unknown), and look at the file's XML only when a cell that must hold a value is
blank, so that good files cost nothing more (bench/bench_excel.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hub_generic_excel.export import export_school
from hub_generic_excel.formulas import FormulaIndex
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from hub.sources import Severity

from .helpers import convert, read_and_map, transcripts

HEADER_ROW = 6
LIST_HEADER_ROW = 3


def _school(tmp_path: Path, level: str = "03") -> tuple[dict[str, Any], Path, list[Any]]:
    class_name = "6A1" if level == "03" else "1A1"
    seed = 5 if level == "03" else 7
    learners = [t for t in transcripts(level, 3, seed) if t.header.class_name == class_name]
    exported = export_school(learners, tmp_path / "school")
    return dict(exported.config), exported.folder, learners


def _set(path: Path, sheet: str, header: str, row: int, value: Any, header_row: int) -> str:
    workbook = load_workbook(path)
    ws = workbook[sheet]
    column = next(c.column for c in ws[header_row] if c.value == header)
    ws.cell(row, column).value = value
    workbook.save(path)
    return f"{get_column_letter(column)}{row}"


@pytest.mark.parametrize("header", ["ĐĐGgk", "ĐĐGtx1", "ĐTBmhk"])
def test_a_gradebook_formula_without_value_is_named_at_its_cell(
    header: str, tmp_path: Path
) -> None:
    config, folder, learners = _school(tmp_path)
    book = folder / "lop" / "6A1.xlsx"
    cell = _set(book, "Toán", header, HEADER_ROW + 1, "=4+4.5", HEADER_ROW)

    outcome = read_and_map(config)

    code = learners[0].learner.learner_code
    [problem] = outcome.problems
    assert (problem.code, problem.severity, problem.record_key) == (
        "FORMULA_WITHOUT_VALUE",
        Severity.ERROR,
        code,
    )
    assert (problem.location.file, problem.location.sheet, problem.location.cells) == (
        "6A1.xlsx",
        "Toán",
        (cell,),
    )
    assert problem.found == "=4+4.5"
    assert "công thức" in problem.message_vi
    assert "lưu lại" in problem.message_vi
    assert "Excel hoặc LibreOffice" in problem.message_vi
    assert "formula with no computed value" in problem.message_en
    assert f"học sinh {code} lớp 6A1" in problem.message_vi
    assert len(outcome.transcripts) == 2  # the learner is kept out: the value is unknown
    assert outcome.accounted()


def test_a_learner_list_formula_without_value_is_named_at_its_cell(tmp_path: Path) -> None:
    config, folder, learners = _school(tmp_path)
    path = folder / "danh-sach-hoc-sinh.xlsx"
    cell = _set(path, "Danh sách học sinh", "Ngày sinh", LIST_HEADER_ROW + 2, "=C5", 3)

    outcome = read_and_map(config)

    [problem] = outcome.problems
    assert problem.code == "FORMULA_WITHOUT_VALUE"
    assert problem.record_key == learners[1].learner.learner_code
    assert (problem.location.file, problem.location.cells) == ("danh-sach-hoc-sinh.xlsx", (cell,))
    assert len(outcome.transcripts) == 2
    assert outcome.accounted()


def test_a_primary_summary_formula_without_value_is_named_at_its_cell(tmp_path: Path) -> None:
    config, folder, learners = _school(tmp_path, "02")
    book = folder / "lop" / "1A1.xlsx"
    cell = _set(book, "Tổng hợp cuối năm", "Mức đạt", HEADER_ROW + 3, '="T"', HEADER_ROW)

    outcome = read_and_map(config)

    [problem] = outcome.problems
    assert (problem.code, problem.location.cells) == ("FORMULA_WITHOUT_VALUE", (cell,))
    assert problem.record_key == learners[2].learner.learner_code
    assert outcome.accounted()


def test_a_good_file_is_not_looked_at_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans: list[str] = []
    original = FormulaIndex.uncomputed

    def counted(self: FormulaIndex, sheet: str) -> dict[tuple[int, int], str]:
        scans.append(sheet)
        return original(self, sheet)

    monkeypatch.setattr(FormulaIndex, "uncomputed", counted)
    config, folder, _learners = _school(tmp_path)
    # A formula in a cell that may be blank (a fifth regular score, a re-test) is not looked
    # for in a file whose every cell that must hold a value does: that is the normal path.
    _set(folder / "lop" / "6A1.xlsx", "Toán", "KTL", HEADER_ROW + 1, "=1+1", HEADER_ROW)

    outcome = read_and_map(config)

    assert scans == []
    assert len(outcome.transcripts) == 3


def test_a_formula_computed_to_empty_text_is_not_a_formula_without_value(tmp_path: Path) -> None:
    config, folder, _learners = _school(tmp_path)
    book = folder / "lop" / "6A1.xlsx"
    cell = _set(book, "Toán", "ĐĐGgk", HEADER_ROW + 1, '=IF(1=1,"",1)', HEADER_ROW)
    convert([book], "xlsx", tmp_path / "saved")  # LibreOffice computes "" and saves it
    (tmp_path / "saved" / "6A1.xlsx").replace(book)

    outcome = read_and_map(config)

    # The formula's result is an empty text: a missing score, said as such by the mapping.
    assert [(p.code, p.location.cells) for p in outcome.problems] == [("VALUE_MISSING", (cell,))]
