"""The bad-spreadsheet corpus: every kind of badness of sources.md, each with its exact problems.

Each case starts from one generated class (three learners of 6A1), exported as a school would
send it, then spoils it the way real files are spoiled. A case states what must come back:
the transcripts that still map, and every problem with its code, file, sheet, cell, the value
found and what was expected (the messages in Vietnamese and English start with the same place).
Whatever the case, nothing crashes and rows in = records out + learners with problems. Cells
are located by their header text in the written file, not by the reader under test.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hub_generic_excel.export import export_school
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hub.model import ScoredSubject, SecondaryResults, Transcript
from hub.privacy import mask_id
from hub.sources import Severity

from .helpers import Outcome, comparable, convert, read_and_map, transcripts
from .legacy_encode import to_tcvn3, to_vni

LIST = "danh-sach-hoc-sinh.xlsx"
BOOK = "6A1.xlsx"
LIST_SHEET = "Danh sách học sinh"
LIST_HEADER_ROW = 3
BOOK_HEADER_ROW = 6  # the lower of the two header rows of a subject sheet
Expected = tuple[
    str, str, str | None, tuple[str, ...], str, str
]  # code, file, sheet, cells, found, expected


@dataclass
class School:
    folder: Path
    config: dict[str, Any]
    learners: list[Transcript]
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def list_path(self) -> Path:
        return self.folder / LIST

    @property
    def book_path(self) -> Path:
        return self.folder / "lop" / BOOK

    def edit(self, path: Path, change: Callable[[Any], None]) -> None:
        workbook = load_workbook(path)
        change(workbook)
        workbook.save(path)


def col(ws: Worksheet, text: str, row: int, nth: int = 0) -> int:
    """The 1-based column whose header cell in `row` reads `text` (the nth such)."""
    found = [c.column for c in ws[row] if c.value == text]
    assert len(found) > nth, f"no header {text!r} in row {row} of {ws.title}"
    return int(found[nth])


def addr(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def list_cell(s: School, header: str, learner: int) -> tuple[int, int]:
    ws = load_workbook(s.list_path)[LIST_SHEET]
    return col(ws, header, LIST_HEADER_ROW), LIST_HEADER_ROW + 1 + learner


def set_list(s: School, header: str, learner: int, value: Any) -> str:
    column, row = list_cell(s, header, learner)
    s.edit(s.list_path, lambda wb: setattr(wb[LIST_SHEET].cell(row, column), "value", value))
    return addr(column, row)


def set_score(s: School, sheet: str, header: str, learner: int, value: Any, nth: int = 0) -> str:
    ws = load_workbook(s.book_path)[sheet]
    column, row = col(ws, header, BOOK_HEADER_ROW, nth), BOOK_HEADER_ROW + 1 + learner
    s.edit(s.book_path, lambda wb: setattr(wb[sheet].cell(row, column), "value", value))
    return addr(column, row)


def toan(t: Transcript) -> ScoredSubject:
    assert isinstance(t.results, SecondaryResults)
    subject = next(x for x in t.results.subjects if x.code == "TOAN")
    assert isinstance(subject, ScoredSubject)
    return subject


# -- the cases: each spoils the school and returns (expected problems, learners still mapped) ---

Case = Callable[[School], tuple[list[Expected], int]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def add(function: Case) -> Case:
        CASES[name] = function
        return function

    return add


@case("score-decimal-comma")
def _(s: School) -> tuple[list[Expected], int]:
    set_score(s, "Toán", "ĐĐGgk", 0, "8,5")
    s.changes["midterm"] = Decimal("8.5")
    return [], 3


@case("score-text-with-trailing-space")
def _(s: School) -> tuple[list[Expected], int]:
    set_score(s, "Toán", "ĐĐGgk", 0, "8.5 ")
    s.changes["midterm"] = Decimal("8.5")
    return [], 3


@case("score-as-a-word")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_score(s, "Toán", "ĐĐGgk", 0, "tám")
    return [("VALUE_INVALID", BOOK, "Toán", (cell,), "tám", "0–10")], 2


@case("score-out-of-range")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_score(s, "Toán", "ĐĐGck", 1, 11)
    return [("VALUE_INVALID", BOOK, "Toán", (cell,), "11", "0.0–10.0")], 2


@case("score-with-two-decimals")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_score(s, "Toán", "ĐĐGtx1", 2, "8,55")
    return [("VALUE_INVALID", BOOK, "Toán", (cell,), "8,55", "0.0–10.0, 1 decimal")], 2


@case("score-missing")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_score(s, "Toán", "ĐĐGgk", 0, None, nth=1)
    return [("VALUE_MISSING", BOOK, "Toán", (cell,), "", "0.0–10.0")], 2


@case("name-in-nfd")
def _(s: School) -> tuple[list[Expected], int]:
    set_list(s, "Họ và tên", 0, unicodedata.normalize("NFD", s.learners[0].learner.full_name))
    return [], 3


@case("names-in-tcvn3")
def _(s: School) -> tuple[list[Expected], int]:
    for i, t in enumerate(s.learners):
        set_list(s, "Họ và tên", i, to_tcvn3(t.learner.full_name))
        set_list(s, "Nơi sinh", i, to_tcvn3(t.learner.birthplace))
    return [], 3


@case("names-in-vni")
def _(s: School) -> tuple[list[Expected], int]:
    for i, t in enumerate(s.learners):
        set_list(s, "Họ và tên", i, to_vni(t.learner.full_name))
        set_list(s, "Chỗ ở hiện nay", i, to_vni(t.learner.residence))
    return [], 3


@case("name-with-a-digit")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_list(s, "Họ và tên", 1, "Hoàng Đức Đ2c")
    return [
        ("TEXT_ENCODING", LIST, LIST_SHEET, (cell,), "Hoàng Đức Đ2c", "letters, spaces, ' -")
    ], 2


@case("date-as-text-d-m-yyyy")
def _(s: School) -> tuple[list[Expected], int]:
    d = s.learners[0].learner.birth_date
    set_list(s, "Ngày sinh", 0, f"{d.day}-{d.month}-{d.year}")
    return [], 3


@case("date-as-excel-serial")
def _(s: School) -> tuple[list[Expected], int]:
    d = s.learners[1].learner.birth_date
    set_list(s, "Ngày sinh", 1, (d - __import__("datetime").date(1899, 12, 30)).days)
    return [], 3


@case("date-that-does-not-exist")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_list(s, "Ngày sinh", 2, "31/02/2013")
    return [("VALUE_INVALID", LIST, LIST_SHEET, (cell,), "31/02/2013", "dd/mm/yyyy")], 2


@case("personal-id-stored-as-a-number")
def _(s: School) -> tuple[list[Expected], int]:
    number = int(s.learners[0].learner.personal_id or "0")
    cell = set_list(s, "Số định danh cá nhân", 0, number)
    found = mask_id(str(number))  # never the whole ID, even in `found`
    return [("VALUE_INVALID", LIST, LIST_SHEET, (cell,), found, "12 digits")], 2


@case("sex-label-unknown")
def _(s: School) -> tuple[list[Expected], int]:
    cell = set_list(s, "Giới tính", 0, "Nam giới")
    return [("LABEL_UNKNOWN", LIST, LIST_SHEET, (cell,), "Nam giới", "1 (Nam), 2 (Nữ)")], 2


@case("learner-twice-identical")
def _(s: School) -> tuple[list[Expected], int]:
    def copy(wb: Workbook) -> None:
        ws = wb[LIST_SHEET]
        ws.append([c.value for c in ws[LIST_HEADER_ROW + 1]])

    s.edit(s.list_path, copy)
    code = s.learners[0].learner.learner_code
    return [("DUPLICATE_LEARNER", LIST, LIST_SHEET, (), code, "one row per learner")], 3


@case("learner-twice-conflicting")
def _(s: School) -> tuple[list[Expected], int]:
    def copy(wb: Workbook) -> None:
        ws = wb[LIST_SHEET]
        values = [c.value for c in ws[LIST_HEADER_ROW + 1]]
        values[2] = "Lý Ngọc Tuân"
        ws.append(values)

    s.edit(s.list_path, copy)
    code = s.learners[0].learner.learner_code
    # One learner, one problem (issue 14): the two rows are counted as that learner once.
    return [("DUPLICATE_LEARNER", LIST, LIST_SHEET, (), code, "one row per learner")], 2


@case("blank-rows-in-the-middle")
def _(s: School) -> tuple[list[Expected], int]:
    s.edit(s.list_path, lambda wb: wb[LIST_SHEET].insert_rows(LIST_HEADER_ROW + 2, 2))
    s.edit(s.book_path, lambda wb: [wb[n].insert_rows(BOOK_HEADER_ROW + 2) for n in wb.sheetnames])
    return [], 3


@case("sheet-protected")
def _(s: School) -> tuple[list[Expected], int]:
    def protect(wb: Workbook) -> None:
        for ws in wb.worksheets:
            ws.protection.sheet = True
            ws.protection.password = "khoa"

    s.edit(s.book_path, protect)
    return [], 3


@case("sheet-hidden")
def _(s: School) -> tuple[list[Expected], int]:
    s.edit(s.book_path, lambda wb: setattr(wb["Âm nhạc"], "sheet_state", "hidden"))
    return [("SHEET_HIDDEN", BOOK, "Âm nhạc", (), "Âm nhạc", "a visible sheet")], 3


@case("headers-without-diacritics-and-with-line-breaks")
def _(s: School) -> tuple[list[Expected], int]:
    def plain(wb: Workbook) -> None:
        ws = wb[LIST_SHEET]
        for c, text in (
            (2, "MA HOC SINH"),
            (3, "Ho va ten\n(day du)"),
            (4, "Ngay\nsinh"),
            (5, "gioi tinh"),
        ):
            ws.cell(LIST_HEADER_ROW, c, text)

    s.edit(s.list_path, plain)
    return [], 3


@case("columns-moved-extra-and-hidden")
def _(s: School) -> tuple[list[Expected], int]:
    def shuffle(wb: Workbook) -> None:
        ws = wb[LIST_SHEET]
        ws.move_range(f"E{LIST_HEADER_ROW}:E{LIST_HEADER_ROW + 3}", cols=12)  # Giới tính to Q
        ws.insert_cols(2)
        ws.cell(LIST_HEADER_ROW, 2, "Ghi chú")
        ws.cell(LIST_HEADER_ROW, 19, "Mã cũ")
        ws.column_dimensions["S"].hidden = True

    s.edit(s.list_path, shuffle)
    return [], 3


@case("column-missing")
def _(s: School) -> tuple[list[Expected], int]:
    column, _row = list_cell(s, "Giới tính", 0)
    s.edit(s.list_path, lambda wb: wb[LIST_SHEET].delete_cols(column))
    rows = [("VALUE_MISSING", LIST, LIST_SHEET, (), "", "Nam / Nữ")] * 3
    return [("COLUMN_MISSING", LIST, LIST_SHEET, (), "", "Giới tính / GT / Nam/Nữ"), *rows], 0


@case("learner-missing-from-a-subject-sheet")
def _(s: School) -> tuple[list[Expected], int]:
    s.edit(s.book_path, lambda wb: wb["Tin học"].delete_rows(BOOK_HEADER_ROW + 2))
    code = s.learners[1].learner.learner_code
    return [
        ("GRADES_MISSING", BOOK, "Tin học", ("A3",), code, "a row for the learner in Tin học")
    ], 2


@case("learner-not-in-the-list")
def _(s: School) -> tuple[list[Expected], int]:
    def recode(wb: Workbook) -> None:
        for ws in wb.worksheets:
            ws.cell(BOOK_HEADER_ROW + 3, 2, "36300019999999")

    s.edit(s.book_path, recode)
    code = s.learners[2].learner.learner_code
    return [
        ("GRADES_MISSING", LIST, LIST_SHEET, (), code, f"a row in {BOOK}"),
        (
            "LEARNER_UNMATCHED",
            BOOK,
            "Ngữ văn",
            (),
            "36300019999999",
            "a learner of the learner list",
        ),
    ], 2


@case("subject-sheet-not-a-subject")
def _(s: School) -> tuple[list[Expected], int]:
    def rename(wb: Workbook) -> None:
        wb["Tin học"].title = "Tin học ứng dụng"
        wb["Tin học ứng dụng"]["A3"] = "Môn: Tin học ứng dụng"

    s.edit(s.book_path, rename)
    found = "Tin học ứng dụng"
    # Once at the sheet's subject line, and once for each learner it keeps out, at their row.
    learners = [("LABEL_UNKNOWN", LIST, LIST_SHEET, (), found, "a subject of the subject list")]
    return [("LABEL_UNKNOWN", BOOK, "Tin học ứng dụng", ("A3",), found, "*"), *learners * 3], 0


@case("class-without-a-gradebook")
def _(s: School) -> tuple[list[Expected], int]:
    def newcomer(wb: Workbook) -> None:
        ws = wb[LIST_SHEET]
        values = [c.value for c in ws[LIST_HEADER_ROW + 1]]
        values[1], values[7] = "36300010602001", "6A2"
        ws.append(values)

    s.edit(s.list_path, newcomer)
    cell = addr(8, LIST_HEADER_ROW + 4)
    return [("GRADES_MISSING", LIST, LIST_SHEET, (cell,), "6A2", "a class file for 6A2")], 3


@case("gradebook-unreadable")
def _(s: School) -> tuple[list[Expected], int]:
    s.book_path.write_bytes(b"PK\x03\x04 this is not a workbook")
    expected = ".xlsx, .xls or .ods, not password-protected"
    # Once at the file, and once for each learner of the class, at their row of the list.
    learners: list[Expected] = [("FILE_UNREADABLE", LIST, LIST_SHEET, (), "*", expected)] * 3
    return [("FILE_UNREADABLE", BOOK, None, (), "*", expected), *learners], 0


@case("gradebook-without-header")
def _(s: School) -> tuple[list[Expected], int]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    ws.append(["Bảng này không có tiêu đề"])
    ws.append([1, 2, 3])
    wb.save(s.book_path)
    missing = [
        ("GRADES_MISSING", LIST, LIST_SHEET, (), t.learner.learner_code, f"a row in {BOOK}")
        for t in s.learners
    ]
    return [("HEADER_NOT_FOUND", BOOK, "Sheet1", (), "*", "Họ và tên / Họ tên"), *missing], 0


@case("class-file-copied")
def _(s: School) -> tuple[list[Expected], int]:
    copy = s.book_path.with_name("6A1 (1).xlsx")  # a browser's second download of one file
    shutil.copyfile(s.book_path, copy)
    # Identical: read once, the copy named (a warning: nothing can be wrong with it).
    return [("DUPLICATE_LEARNER", copy.name, None, (), copy.name, "one file for class 6A1")], 3


@case("class-file-copied-then-changed")
def _(s: School) -> tuple[list[Expected], int]:
    copy = s.book_path.with_name("6A1 (1).xlsx")
    shutil.copyfile(s.book_path, copy)
    column = col(load_workbook(copy)["Toán"], "ĐĐGgk", BOOK_HEADER_ROW)
    s.edit(copy, lambda wb: setattr(wb["Toán"].cell(BOOK_HEADER_ROW + 1, column), "value", 5))
    files = f"{BOOK}, {copy.name}"
    expected = "one file for class 6A1"
    # Which of two different files is right cannot be known: one problem names both files,
    # and each learner of the class is kept out once, naming them (not as self-duplicates).
    learners = [("DUPLICATE_LEARNER", LIST, LIST_SHEET, (), files, expected)] * 3
    return [("DUPLICATE_LEARNER", copy.name, None, (), files, expected), *learners], 0


@case("class-file-with-an-empty-copy")
def _(s: School) -> tuple[list[Expected], int]:
    copy = s.book_path.with_name("6A1 - Copy.xlsx")
    copy.write_bytes(b"")
    expected = ".xlsx, .xls or .ods, not password-protected"
    return [("FILE_UNREADABLE", copy.name, None, (), "0 byte", expected)], 3


@case("class-file-titled-for-another-class")
def _(s: School) -> tuple[list[Expected], int]:
    other = s.book_path.with_name("6A2.xlsx")  # copied to start 6A2, its title left at 6A1
    shutil.copyfile(s.book_path, other)
    first_sheet = load_workbook(other).sheetnames[0]
    return [
        ("DUPLICATE_LEARNER", other.name, first_sheet, ("A2",), "6A1", "one file for class 6A1")
    ], 3


@case("learner-twice-in-a-subject-sheet")
def _(s: School) -> tuple[list[Expected], int]:
    def copy(wb: Workbook) -> None:
        ws = wb["Toán"]
        ws.insert_rows(BOOK_HEADER_ROW + 3)
        for c in ws[BOOK_HEADER_ROW + 1]:
            ws.cell(BOOK_HEADER_ROW + 3, c.column, c.value)

    s.edit(s.book_path, copy)
    name_column = col(load_workbook(s.book_path)["Toán"], "Họ và tên", BOOK_HEADER_ROW - 1)
    cell = addr(name_column, BOOK_HEADER_ROW + 3)
    name = s.learners[0].learner.full_name
    return [("DUPLICATE_LEARNER", BOOK, "Toán", (cell,), name, "one row per learner")], 2


def _school(tmp_path: Path) -> School:
    learners = [t for t in transcripts("03", 3, 5) if t.header.class_name == "6A1"]
    exported = export_school(learners, tmp_path / "school")
    return School(tmp_path / "school", dict(exported.config), learners)


def _check(outcome: Outcome, expected: list[Expected], mapped: int, s: School) -> None:
    got = [
        (p.code, p.location.file, p.location.sheet, p.location.cells, p.found, p.expected)
        for p in outcome.problems
    ]
    wanted = [tuple(e) for e in expected]
    assert len(got) == len(wanted), f"problems: {got}"
    for g, w in zip(sorted(got, key=str), sorted(wanted, key=str), strict=True):
        for index, (a, b) in enumerate(zip(g, w, strict=True)):
            assert b == "*" or a == b, (
                f"{['code', 'file', 'sheet', 'cells', 'found', 'expected'][index]}: {g} ≠ {w}"
            )
    for p in outcome.problems:
        # The place is the location's (asserted above); the messages say what, never where.
        where = p.location.describe()
        for message in (p.message_vi, p.message_en):
            assert not message.startswith(where), f"the location is in the message: {message}"
        assert p.message_vi != p.message_en
    _check_learners_named(outcome, s)
    assert len(outcome.transcripts) == mapped
    assert outcome.accounted(), "rows in ≠ records out + learners with problems"
    originals = {t.learner.learner_code: t for t in s.learners}
    for t in outcome.transcripts.values():
        original = comparable(originals[t.learner.learner_code])
        if "midterm" in s.changes and t.learner.learner_code == s.learners[0].learner.learner_code:
            assert toan(t).semester1.midterm == s.changes["midterm"]
            continue
        assert comparable(t) == original


def _check_learners_named(outcome: Outcome, s: School) -> None:
    """Each learner the plugin keeps out is named (code, class), never with birth date or ID."""
    by_code = {t.learner.learner_code: t for t in s.learners}
    for p in outcome.source_problems:
        for message in (p.message_vi, p.message_en):
            for t in s.learners:
                assert not (t.learner.personal_id and t.learner.personal_id in message), message
                born = t.learner.birth_date
                assert born.strftime("%d/%m/%Y") not in message, message
                assert born.isoformat() not in message, message
        learner = by_code.get(p.record_key or "")
        if learner is not None and p.severity is Severity.ERROR:
            for message in (p.message_vi, p.message_en):
                assert learner.learner.learner_code in message, message
                assert learner.header.class_name in message, message


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_spreadsheet(name: str, tmp_path: Path) -> None:
    school = _school(tmp_path)
    expected, mapped = CASES[name](school)
    _check(read_and_map(school.config), expected, mapped, school)


def test_the_corpus_covers_every_kind_of_badness() -> None:
    assert len(CASES) >= 20


OFFICE_CASES = ["score-as-a-word", "names-in-tcvn3", "sheet-hidden", "learner-twice-identical"]


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.parametrize("name", OFFICE_CASES)
def test_bad_spreadsheet_saved_by_an_office_suite(name: str, fmt: str, tmp_path: Path) -> None:
    school = _school(tmp_path)
    expected, mapped = CASES[name](school)
    convert([school.list_path], fmt, school.folder)
    convert([school.book_path], fmt, school.folder / "lop")
    school.list_path.unlink()
    school.book_path.unlink()
    school.config["learner_list"] = f"danh-sach-hoc-sinh.{fmt}"
    renamed = {LIST: f"danh-sach-hoc-sinh.{fmt}", BOOK: f"6A1.{fmt}"}
    expected = [(e[0], renamed.get(e[1], e[1]), *e[2:]) for e in expected]  # type: ignore[misc]
    _check(read_and_map(school.config), expected, mapped, school)


def test_a_formula_gives_its_computed_value(tmp_path: Path) -> None:
    """A formula cell is read through the value the office suite computed and saved with it."""
    school = _school(tmp_path)
    set_score(school, "Toán", "ĐĐGgk", 0, "=4+4.5")
    convert([school.book_path], "xlsx", tmp_path / "saved")  # LibreOffice computes and caches
    (tmp_path / "saved" / BOOK).replace(school.book_path)
    outcome = read_and_map(school.config)
    assert not outcome.problems
    first = next(
        t
        for t in outcome.transcripts.values()
        if t.learner.learner_code == school.learners[0].learner.learner_code
    )
    assert toan(first).semester1.midterm == Decimal("8.5")


# -- the primary year-end summary ---------------------------------------------------------------

SUMMARY_SHEET = "Tổng hợp cuối năm"


def _primary_school(tmp_path: Path) -> School:
    learners = [t for t in transcripts("02", 3, 7) if t.header.class_name == "1A1"]
    exported = export_school(learners, tmp_path / "school")
    return School(tmp_path / "school", dict(exported.config), learners)


def _summary_cell(s: School, header: str, learner: int, value: Any, nth: int = 0) -> str:
    path = s.folder / "lop" / "1A1.xlsx"
    ws = load_workbook(path)[SUMMARY_SHEET]
    column, row = col(ws, header, BOOK_HEADER_ROW, nth), BOOK_HEADER_ROW + 1 + learner
    s.edit(path, lambda wb: setattr(wb[SUMMARY_SHEET].cell(row, column), "value", value))
    return addr(column, row)


PRIMARY_CASES: dict[str, Callable[[School], tuple[list[Expected], int]]] = {
    "rating-unknown": lambda s: (
        [
            (
                "LABEL_UNKNOWN",
                "1A1.xlsx",
                SUMMARY_SHEET,
                (_summary_cell(s, "Mức đạt", 0, "Tốt lắm"),),
                "Tốt lắm",
                "T (HTT), H (HT), C (CHT)",
            )
        ],
        2,
    ),
    "test-score-with-a-fraction": lambda s: (
        [
            (
                "VALUE_INVALID",
                "1A1.xlsx",
                SUMMARY_SHEET,
                (_summary_cell(s, "Điểm KT", 1, "9,5"),),
                "9,5",
                "0, 1, 2, …",
            )
        ],
        2,
    ),
    "test-score-zero": lambda s: (
        [
            (
                "VALUE_INVALID",
                "1A1.xlsx",
                SUMMARY_SHEET,
                (_summary_cell(s, "Điểm KT", 2, 0),),
                "0",
                "1–10",
            )
        ],
        2,
    ),
    "quality-blank": lambda s: (
        [
            (
                "VALUE_MISSING",
                "1A1.xlsx",
                SUMMARY_SHEET,
                (_summary_cell(s, "Yêu nước", 0, None),),
                "",
                "T / Đ / C",
            )
        ],
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(PRIMARY_CASES))
def test_bad_primary_summary(name: str, tmp_path: Path) -> None:
    school = _primary_school(tmp_path)
    expected, mapped = PRIMARY_CASES[name](school)
    _check(read_and_map(school.config), expected, mapped, school)
