"""A rule's finding on a subject is traced to that subject's cells (issue 14, point 3).

hub.pipeline.trace.locate_in_raw turns a finding's XPath into the cell of the school's file.
Every XPath a rule or the schema can give for a subject (a semester's DDGtx, DDGtx[n], DDGgk,
DDGck, DTB, KetQua, the semester as a whole, CaNam, KiemTraLai, GiaoVien, a primary subject's
MucDat, DiemKTCuoiNam, NhanXet) must land on its cell in the learner's row — and "too few
regular scores" (HB202 on DDGtx, which has no cell of its own) on the first ĐĐGtx cell left
empty, or the range of the row's ĐĐGtx cells — never on the sheet's title. Cells are found by
their header text in the written file (openpyxl), not by the reader under test.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hub_generic_excel.export import export_school
from hub_generic_excel.source import ExcelSource
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from hub import xpath
from hub.codes import load_codes
from hub.model import ScoredSubject, SecondaryResults, Transcript
from hub.pipeline.trace import locate_in_raw
from hub.rules import check_transcript
from hub.sources import RawRecord
from hub.store import SourceLocation
from hub.testing import read_all

from .helpers import mappings, transcripts

HEADER_ROW = 6  # the lower header row of a class file's sheets
FIRST = HEADER_ROW + 1  # the first learner's row


def _class(level: str, seed: int, class_name: str) -> list[Transcript]:
    return [t for t in transcripts(level, 3, seed) if t.header.class_name == class_name]


def _first_record(folder: Path, learners: list[Transcript], *, export: bool = True) -> RawRecord:
    """The first learner's raw record, read from `folder` (exported there first)."""
    config = export_school(learners, folder if export else folder / "unused").config
    config["folder"] = str(folder)
    records = read_all(ExcelSource(config, mappings()), None).records
    code = learners[0].learner.learner_code
    return next(r for r in records if r.key == code)


def _header_cell(book: Path, sheet: str, text: str, nth: int = 0, row: int = HEADER_ROW) -> str:
    """The first learner's cell under the `nth` header `text` of `sheet` (or a title cell)."""
    ws = load_workbook(book)[sheet]
    columns = [c.column for c in ws[row] if isinstance(c.value, str) and c.value.startswith(text)]
    assert len(columns) > nth, f"no header {text!r} in {sheet}"
    return f"{get_column_letter(columns[nth])}{FIRST if row == HEADER_ROW else row}"


def _traced(record: RawRecord, where: str) -> SourceLocation:
    return locate_in_raw(record, mappings().record(record.mapping), where)


def _comment_sheet(record: RawRecord) -> tuple[str, str]:
    labels = mappings().labels["subjects-secondary"]
    codes = load_codes().secondary_subjects
    for label in record.data["subjects"]:
        code = labels.resolve(label)
        if code and codes[code].form.value == "NHANXET":
            return label, code
    raise AssertionError("no comment subject")


SCORED = [  # (XPath under TOAN, header text, nth such header of the sheet)
    ("HocKy[@So='1']/DDGgk", "ĐĐGgk", 0),
    ("HocKy[@So='2']/DDGck", "ĐĐGck", 1),
    ("HocKy[@So='1']/DTB", "ĐTBmhk", 0),
    ("HocKy[@So='2']/DTB", "ĐTBmhk", 1),
    ("HocKy[@So='1']/DDGtx[2]", "ĐĐGtx2", 0),
    ("HocKy[@So='2']/DDGtx[1]", "ĐĐGtx1", 1),
    ("CaNam/DTB", "ĐTBmcn", 0),
    ("CaNam", "ĐTBmcn", 0),
    ("KiemTraLai/Diem", "KTL", 0),
    ("KiemTraLai", "KTL", 0),
]


@pytest.mark.parametrize(("tail", "header", "nth"), SCORED)
def test_a_scored_subjects_finding_is_at_its_cell(
    tail: str, header: str, nth: int, tmp_path: Path
) -> None:
    record = _first_record(tmp_path / "school", _class("03", 5, "6A1"))
    book = tmp_path / "school" / "lop" / "6A1.xlsx"
    where = _traced(record, xpath.subject(False, "TOAN", tail))
    assert (where.file, where.sheet, where.cell) == (
        "6A1.xlsx",
        "Toán",
        _header_cell(book, "Toán", header, nth),
    )


@pytest.mark.parametrize(
    ("tail", "nth"),
    [("HocKy[@So='1']/KetQua", 0), ("HocKy[@So='2']/KetQua", 1), ("CaNam/KetQua", 2)],
)
def test_a_comment_subjects_finding_is_at_its_cell(tail: str, nth: int, tmp_path: Path) -> None:
    record = _first_record(tmp_path / "school", _class("03", 5, "6A1"))
    book = tmp_path / "school" / "lop" / "6A1.xlsx"
    label, code = _comment_sheet(record)
    where = _traced(record, xpath.subject(False, code, tail))
    assert (where.sheet, where.cell) == (label, _header_cell(book, label, "KQ", nth))
    retest = _traced(record, xpath.subject(False, code, "KiemTraLai/KetQua"))
    assert (retest.sheet, retest.cell) == (label, _header_cell(book, label, "KTL"))


def test_the_teacher_and_a_whole_semester(tmp_path: Path) -> None:
    record = _first_record(tmp_path / "school", _class("03", 5, "6A1"))
    book = tmp_path / "school" / "lop" / "6A1.xlsx"
    teacher = _traced(record, xpath.subject(False, "TOAN", "GiaoVien/HoTen"))
    assert teacher.cell == _header_cell(book, "Toán", "Giáo viên", row=3)
    semester = _traced(record, xpath.semester("TOAN", 1))
    first, last = _header_cell(book, "Toán", "ĐĐGtx1"), _header_cell(book, "Toán", "ĐTBmhk")
    assert semester.cell == f"{first}:{last}"


def _hb202_regular(learner: Transcript, record: RawRecord) -> SourceLocation:
    mapped = mappings().record(record.mapping).map(record)
    assert mapped.transcript is not None, mapped.problems
    findings = [
        f
        for f in check_transcript(mapped.transcript, today=date(2026, 1, 1))
        if f.code == "HB202" and f.xpath == xpath.semester("TOAN", 1, "DDGtx")
    ]
    assert findings, "the rules must find too few regular scores"
    return _traced(record, findings[0].xpath)


def test_too_few_regular_scores_point_at_the_first_empty_one(tmp_path: Path) -> None:
    learners = _class("03", 5, "6A1")
    folder = tmp_path / "school"
    export_school(learners, folder)
    book = folder / "lop" / "6A1.xlsx"
    workbook = load_workbook(book)
    ws = workbook["Toán"]
    midterm = next(c.column for c in ws[HEADER_ROW] if c.value == "ĐĐGgk")
    regular = [
        c.column for c in ws[HEADER_ROW] if str(c.value).startswith("ĐĐGtx") and c.column < midterm
    ]
    for column in regular[1:]:  # only ĐĐGtx1 is left in semester 1: 1 score of at least 4
        ws.cell(FIRST, column).value = None
    workbook.save(book)
    record = _first_record(folder, learners, export=False)
    where = _hb202_regular(learners[0], record)
    assert (where.sheet, where.cell) == ("Toán", _header_cell(book, "Toán", "ĐĐGtx2"))


def _two_regular_scores(t: Transcript) -> Transcript:
    assert isinstance(t.results, SecondaryResults)
    subjects: list[Any] = []
    for s in t.results.subjects:
        if s.code == "TOAN" and isinstance(s, ScoredSubject):
            semester = dataclasses.replace(s.semester1, regular=s.semester1.regular[:2])
            s = dataclasses.replace(s, semester1=semester)
        subjects.append(s)
    return dataclasses.replace(t, results=dataclasses.replace(t.results, subjects=tuple(subjects)))


def test_too_few_regular_columns_point_at_the_rows_regular_cells(tmp_path: Path) -> None:
    # Every learner has two scores, so the gradebook has two ĐĐGtx columns, both filled.
    learners = [_two_regular_scores(t) for t in _class("03", 5, "6A1")]
    record = _first_record(tmp_path / "school", learners)
    book = tmp_path / "school" / "lop" / "6A1.xlsx"
    where = _hb202_regular(learners[0], record)
    first, second = _header_cell(book, "Toán", "ĐĐGtx1"), _header_cell(book, "Toán", "ĐĐGtx2")
    assert (where.sheet, where.cell) == ("Toán", f"{first}:{second}")


@pytest.mark.parametrize(
    ("tail", "header"),
    [("MucDat", "Mức đạt"), ("DiemKTCuoiNam", "Điểm KT"), ("NhanXet", "Nhận xét")],
)
def test_a_primary_subjects_finding_is_at_its_cell(tail: str, header: str, tmp_path: Path) -> None:
    record = _first_record(tmp_path / "school", _class("02", 7, "5A1"))
    book = tmp_path / "school" / "lop" / "5A1.xlsx"
    where = _traced(record, xpath.subject(True, "TOAN", tail))
    sheet = "Tổng hợp cuối năm"
    ws = load_workbook(book)[sheet]
    top = next(c.column for c in ws[HEADER_ROW - 1] if c.value == "Toán")
    column = next(c.column for c in ws[HEADER_ROW] if c.column >= top and c.value == header)
    assert (where.sheet, where.cell) == (sheet, f"{get_column_letter(column)}{FIRST}")
