"""Reading a school's teaching assignments (Phân công giảng dạy) from a spreadsheet.

The layout (docs/operations.md, "Who signs what"): one header row, found by its text on any
sheet (with or without diacritics, in any column order, extra columns ignored), then one row
per teacher and duty:

| Lớp | Môn    | Giáo viên      | Số định danh | Mã GV | Chủ nhiệm | Hiệu trưởng      |
|-----|--------|----------------|--------------|-------|-----------|------------------|
| 8A1 | Toán   | Lê Văn An      | 079085001234 | GV01  | x         |                  |
| 8A1 | Ngữ văn| Trần Thị Bình  | 079185004321 |       |           |                  |
|     |        | Phạm Văn Cường | 001080009999 |       |           | Hiệu trưởng      |

A row with a class and a subject makes its teacher that subject's GVBM in the class; `x` under
Chủ nhiệm makes them the class's GVCN; a word under Hiệu trưởng (`x`, `Hiệu trưởng`, `Phó Hiệu
trưởng`) makes them the HT. Lớp, Môn, the name and the ID columns are required; the others not.

All or nothing: every cell is checked first, and one bad cell refuses the whole file with each
problem named (file, sheet, cell, the value found, what is expected) in Vietnamese and English;
nothing is recorded. A personal ID found in a cell is masked in every message (hub.privacy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from hub.errors import UsageError
from hub.mapping.labels import LabelList
from hub.mapping.text import clean, fold
from hub.privacy import mask_id
from hub.signers.model import PERSONAL_ID_DIGITS, Assignment, Person, Position, Role

HEADER_SCAN_ROWS = 20
"""Rows of a sheet searched for the header row (a title and the school's name come first)."""

MAX_LISTED = 25
"""Problems written out in the refusal's message (all are kept in `AssignmentsRefused.problems`)."""

# Folded header text → column. A header is matched whole, after hub.mapping.text.fold.
HEADERS: dict[str, tuple[str, ...]] = {
    "class": ("lop", "ten lop", "lop hoc"),
    "subject": ("mon", "mon hoc", "ten mon", "mon day"),
    "name": ("giao vien", "ho ten", "ho va ten", "ho ten giao vien", "ten giao vien"),
    "personal_id": (
        "so dinh danh",
        "so dinh danh ca nhan",
        "ma dinh danh",
        "cccd",
        "so cccd",
        "can cuoc",
        "can cuoc cong dan",
    ),
    "teacher_key": ("ma gv", "ma giao vien"),
    "homeroom": ("chu nhiem", "gvcn", "giao vien chu nhiem"),
    "principal": ("hieu truong", "ky thay hieu truong", "ban giam hieu"),
}
REQUIRED = ("class", "subject", "name", "personal_id")
_HEADER_VI = {
    "class": "Lớp",
    "subject": "Môn",
    "name": "Giáo viên / Họ tên",
    "personal_id": "Số định danh / CCCD",
}

_YES = frozenset({"x", "co", "1", "v", "yes", "chu nhiem", "gvcn"})
_PRINCIPAL = frozenset({"x", "co", "1", "v", "hieu truong", "ht"})
_VICE = frozenset({"pho hieu truong", "pht", "pho ht"})
_GRADE = re.compile(r"^(?:lop\s*)?(\d{1,2})", re.IGNORECASE)
_ID_SEPARATORS = re.compile(r"[ .\-]")


@dataclass(frozen=True, slots=True)
class CellProblem:
    """One bad cell: where, what was found (masked for an ID), what is wrong and expected."""

    file: str
    sheet: str
    cell: str
    found: str
    problem_vi: str
    problem_en: str
    expected_vi: str
    expected_en: str

    def line(self, vi: bool) -> str:
        where = f"{self.file} › {self.sheet} › {self.cell}"
        if vi:
            return f"{where}: {self.problem_vi}; gặp {self.found!r}, cần {self.expected_vi}"
        return f"{where}: {self.problem_en}; found {self.found!r}, expected {self.expected_en}"


class AssignmentsRefused(UsageError):
    """A teaching-assignments file with a bad cell: nothing of it is recorded (exit 2)."""

    def __init__(self, path: Path, problems: list[CellProblem]) -> None:
        shown = problems[:MAX_LISTED]
        more = len(problems) - len(shown)
        vi = [p.line(True) for p in shown] + ([f"… và {more} lỗi nữa"] if more else [])
        en = [p.line(False) for p in shown] + ([f"… and {more} more"] if more else [])
        super().__init__(
            f"Không nhập tệp phân công {path.name}: {len(problems)} ô sai, chưa ghi gì; sửa rồi "
            "nhập lại.\n" + "\n".join(vi),
            f"Teaching assignments {path.name} not imported: {len(problems)} bad cell(s), "
            "nothing written; fix them and import again.\n" + "\n".join(en),
        )
        self.problems = problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value))


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    wanted = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for col, value in enumerate(row):
            key = wanted.get(fold(_text(value)))
            if key is not None:
                columns.setdefault(key, col)
        if all(key in columns for key in REQUIRED):
            return index, columns
    return None


@dataclass
class _Reader:
    path: Path
    school: str
    year: str
    start: date
    subjects_primary: LabelList
    subjects_secondary: LabelList

    def __post_init__(self) -> None:
        self.problems: list[CellProblem] = []
        self.found: dict[str, tuple[Assignment, str]] = {}  # slot → (assignment, where)

    def bad(self, sheet: str, row: int, col: int, found: str, *what: str) -> None:
        # what: problem_vi, problem_en, expected_vi, expected_en
        cell = f"{get_column_letter(col + 1)}{row + 1}"
        self.problems.append(CellProblem(self.path.name, sheet, cell, found, *what))

    def subject(self, class_name: str, name: str) -> str | None:
        grade = _GRADE.match(fold(class_name))
        lists = [self.subjects_secondary, self.subjects_primary]
        if grade is not None and 1 <= int(grade.group(1)) <= 5:
            lists.reverse()
        if grade is not None:
            return lists[0].resolve(name)
        codes = {code for labels in lists if (code := labels.resolve(name)) is not None}
        return codes.pop() if len(codes) == 1 else None

    def personal_id(self, value: Any) -> str | None:
        # A number cell lost the ID's leading zero (every ID starts with a 0: the province).
        if isinstance(value, int | float) and not isinstance(value, bool):
            digits = str(int(value)) if float(value).is_integer() else str(value)
            if len(digits) == PERSONAL_ID_DIGITS - 1:
                digits = digits.zfill(PERSONAL_ID_DIGITS)
            return digits if len(digits) == PERSONAL_ID_DIGITS and digits.isdigit() else None
        text = _ID_SEPARATORS.sub("", _text(value))
        return text if len(text) == PERSONAL_ID_DIGITS and text.isdigit() else None

    def add(self, sheet: str, row: int, col: int, a: Assignment) -> None:
        where = f"{get_column_letter(col + 1)}{row + 1}"
        known = self.found.get(a.slot)
        if known is None:
            self.found[a.slot] = (a, where)
            return
        first, first_where = known
        if first.person.personal_id == a.person.personal_id:
            return  # the same duty written twice
        what = {
            Role.GVBM: (
                f"môn {a.subject} của lớp {a.class_name}",
                f"{a.subject} in {a.class_name}",
            ),
            Role.GVCN: (f"chủ nhiệm lớp {a.class_name}", f"homeroom of {a.class_name}"),
            Role.HT: ("hiệu trưởng (người ký HT)", "principal (the HT signer)"),
            Role.DV: ("con dấu", "seal"),
        }[a.role]
        self.bad(
            sheet,
            row,
            col,
            a.person.full_name,
            f"hai người cùng nhận {what[0]} từ {a.valid_from:%d/%m/%Y} (đã có "
            f"{first.person.full_name} ở ô {first_where})",
            f"two people hold {what[1]} from {a.valid_from:%Y-%m-%d} ({first.person.full_name} "
            f"already at {first_where})",
            "một người cho mỗi vai trò và ngày; người thay thế nhập riêng với --from NGÀY",
            "one person per duty and day; import a substitute on its own with --from DATE",
        )

    def read_row(self, sheet: str, r: int, row: list[Any], columns: Mapping[str, int]) -> None:
        def at(key: str) -> Any:
            col = columns.get(key)
            return row[col] if col is not None and col < len(row) else None

        texts = {key: _text(at(key)) for key in columns}
        if not any(texts.values()):
            return  # a blank row in the middle
        origin = f"{self.path.name} › {sheet} › dòng/row {r + 1}"
        name = texts["name"]
        if not any(c.isalpha() for c in name):
            self.bad(
                sheet,
                r,
                columns["name"],
                name,
                "thiếu họ tên giáo viên",
                "the teacher's name is missing",
                "họ và tên đầy đủ",
                "a full name",
            )
        pid = self.personal_id(at("personal_id"))
        if pid is None:
            self.bad(
                sheet,
                r,
                columns["personal_id"],
                mask_id(texts["personal_id"]),
                "số định danh cá nhân không hợp lệ",
                "not a personal ID",
                "12 chữ số (ô kiểu Văn bản)",
                "12 digits (a Text cell)",
            )
        class_name, subject_name = texts["class"], texts["subject"]
        homeroom = fold(texts.get("homeroom", ""))
        principal = fold(texts.get("principal", ""))
        duties: list[tuple[Role, int, str | None, str | None, Position | None]] = []
        if subject_name:
            code = self.subject(class_name, subject_name) if class_name else None
            if not class_name:
                self.bad(
                    sheet,
                    r,
                    columns["class"],
                    "",
                    "môn không có lớp",
                    "a subject without a class",
                    "tên lớp, ví dụ 8A1",
                    "the class's name, e.g. 8A1",
                )
            elif code is None:
                self.bad(
                    sheet,
                    r,
                    columns["subject"],
                    subject_name,
                    "không biết môn này",
                    "unknown subject",
                    "tên môn trong mappings/labels/subjects-*.yaml (Toán, Ngữ văn, …) hoặc MaMon",
                    "a subject name of mappings/labels/"
                    "subjects-*.yaml (Toán, Ngữ văn, …) or its MaMon",
                )
            else:
                duties.append((Role.GVBM, columns["subject"], class_name, code, None))
        if homeroom:
            col = columns["homeroom"]
            if homeroom not in _YES:
                self.bad(
                    sheet,
                    r,
                    col,
                    texts["homeroom"],
                    "không hiểu ô chủ nhiệm",
                    "homeroom cell not understood",
                    "x, hoặc để trống",
                    "x, or empty",
                )
            elif not class_name:
                self.bad(
                    sheet,
                    r,
                    columns["class"],
                    "",
                    "chủ nhiệm nhưng không có lớp",
                    "homeroom without a class",
                    "tên lớp, ví dụ 8A1",
                    "the class's name, e.g. 8A1",
                )
            else:
                duties.append((Role.GVCN, col, class_name, None, None))
        if principal:
            col = columns["principal"]
            position = (
                Position.PRINCIPAL
                if principal in _PRINCIPAL
                else Position.VICE_PRINCIPAL
                if principal in _VICE
                else None
            )
            if position is None:
                self.bad(
                    sheet,
                    r,
                    col,
                    texts["principal"],
                    "không hiểu ô hiệu trưởng",
                    "principal cell not understood",
                    "x, Hiệu trưởng, Phó Hiệu trưởng, hoặc để trống",
                    "x, Hiệu trưởng, Phó Hiệu trưởng, or empty",
                )
            else:
                duties.append((Role.HT, col, None, None, position))
        if class_name and not subject_name and not homeroom and not principal:
            self.bad(
                sheet,
                r,
                columns["subject"],
                "",
                "dòng không giao việc ký nào",
                "the row assigns nothing to sign",
                "một môn, hoặc x ở cột Chủ nhiệm",
                "a subject, or x under Chủ nhiệm",
            )
        if pid is None or not any(c.isalpha() for c in name):
            return
        key = texts.get("teacher_key") or None
        person = Person(name, pid, key)
        for role, col, klass, code, position in duties:
            a = Assignment(
                self.school,
                self.year,
                role,
                klass,
                code,
                person,
                self.start,
                None,
                origin,
                position,
            )
            self.add(sheet, r, col, a)


def read_assignments(
    path: Path,
    school: str,
    year: str,
    start: date,
    labels: Mapping[str, LabelList],
) -> list[Assignment]:
    """Every assignment a teaching-assignments file gives, from `start`; all or nothing.

    Args:
        labels: the label lists (`load_mappings(...).labels`), for "subjects-secondary" and
            "subjects-primary": a class of grade 1–5 reads the primary list, 6–12 the
            secondary one.

    Raises:
        AssignmentsRefused: any bad cell, every one named; or no sheet with the header row.
        UsageError: the file cannot be opened as a spreadsheet.
    """
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except Exception as exc:
        raise UsageError(
            f"Không mở được {path} như một bảng tính (.xlsx, .xls, .ods): {exc}",
            f"Cannot open {path} as a spreadsheet (.xlsx, .xls, .ods): {exc}",
        ) from exc
    reader = _Reader(
        path, school, year, start, labels["subjects-primary"], labels["subjects-secondary"]
    )
    headed = 0
    for name, rows in sheets:
        header = _find_header(rows)
        if header is None:
            continue
        headed += 1
        at, columns = header
        for r in range(at + 1, len(rows)):
            reader.read_row(name, r, rows[r], columns)
    if headed == 0:
        wanted = ", ".join(_HEADER_VI[k] for k in REQUIRED)
        reader.problems.append(
            CellProblem(
                path.name,
                sheets[0][0] if sheets else "-",
                f"1:{HEADER_SCAN_ROWS}",
                "",
                "không thấy dòng tiêu đề",
                "no header row found",
                f"một dòng có các cột {wanted}",
                f"a row with the columns {wanted}",
            )
        )
    if reader.problems:
        raise AssignmentsRefused(path, reader.problems)
    return [a for a, _ in reader.found.values()]
