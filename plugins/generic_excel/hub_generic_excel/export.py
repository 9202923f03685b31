"""Transcripts → the spreadsheets a school would send: for tests, the bench and demos.

`export_school` writes the learner list and one class file per class (a secondary gradebook,
with one sheet per subject or one sheet of subject blocks, or a primary year-end summary) and
returns the source configuration that reads them back. The layout follows the templates in
mappings/templates/ with two-row merged headers, a title area and a signature footer, so that
a round trip (export → read → map) exercises the reader as a real file would. Needs openpyxl.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from hub.api import (
    CommentSubject,
    PrimaryResults,
    ScoredSubject,
    SecondaryResults,
    Transcript,
    load_codes,
)

LIST_HEADERS = (
    ("STT", None),
    ("Mã học sinh", "learner_code"),
    ("Họ và tên", "full_name"),
    ("Ngày sinh", "birth_date"),
    ("Giới tính", "sex"),
    ("Dân tộc", "ethnicity"),
    ("Số định danh cá nhân", "personal_id"),
    ("Lớp", "class_name"),
    ("Nơi sinh", "birthplace"),
    ("Chỗ ở hiện nay", "residence"),
    ("Quê quán", "hometown"),
    ("Họ tên cha", "father"),
    ("Họ tên mẹ", "mother"),
    ("Người giám hộ", "guardian"),
    ("Đối tượng chính sách", "policy_group"),
)
_SEX = {"1": "Nam", "2": "Nữ"}
_LEVEL = {"T": "Tốt", "K": "Khá", "D": "Đạt", "CD": "Chưa đạt"}
_PASS = {"D": "Đ", "CD": "CĐ"}
_CONCLUSION = {
    "LEN_LOP": "Lên lớp",
    "O_LAI": "Ở lại lớp",
    "REN_LUYEN_HE": "Rèn luyện hè",
    "KIEM_TRA_LAI": "Kiểm tra lại",
}
_TITLE = {"HSXS": "Học sinh Xuất sắc", "HSG": "Học sinh Giỏi"}
_RATING = {"T": "HTT", "H": "HT", "C": "CHT"}
_QUALITY = {"T": "T", "D": "Đ", "C": "C"}


@dataclass(frozen=True)
class Exported:
    """What was written: the folder, the files, and the config that reads them back."""

    folder: Path
    learner_list: Path
    class_files: tuple[Path, ...]
    config: dict[str, Any]


def _score(value: Decimal | None) -> float | str:
    return "" if value is None else float(value)


def _header(
    ws: Worksheet,
    row: int,
    top: Sequence[tuple[str, int]],
    bottom: Sequence[str],
    fixed: Sequence[str],
) -> None:
    """Two header rows: fixed columns merged vertically, blocks merged horizontally."""
    for c, text in enumerate(fixed, start=1):
        ws.cell(row, c, text)
        ws.merge_cells(start_row=row, start_column=c, end_row=row + 1, end_column=c)
    col = len(fixed) + 1
    for text, width in top:
        ws.cell(row, col, text)
        if width > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + width - 1)
        col += width
    for c, text in enumerate(bottom, start=len(fixed) + 1):
        ws.cell(row + 1, c, text)


def write_learner_list(transcripts: Iterable[Transcript], path: Path) -> None:
    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách học sinh"
    ws.cell(1, 1, "DANH SÁCH HỌC SINH")
    for c, (text, _) in enumerate(LIST_HEADERS, start=1):
        ws.cell(3, c, text)
    for n, t in enumerate(transcripts, start=1):
        lr = t.learner
        values = {
            "learner_code": lr.learner_code,
            "full_name": lr.full_name,
            "birth_date": lr.birth_date.strftime("%d/%m/%Y"),
            "sex": _SEX[lr.sex.value],
            "ethnicity": load_codes().ethnic_groups[lr.ethnicity],
            "personal_id": lr.personal_id or "",
            "class_name": t.header.class_name,
            "birthplace": lr.birthplace,
            "residence": lr.residence,
            "hometown": lr.hometown or "",
            "father": lr.father or "",
            "mother": lr.mother or "",
            "guardian": lr.guardian or "",
            "policy_group": lr.policy_group or "",
        }
        ws.append([n, *(values[key] for _, key in LIST_HEADERS[1:])])
    wb.save(path)


def _subject_names(level_primary: bool) -> dict[str, str]:
    codes = load_codes()
    table = codes.primary_subjects if level_primary else codes.secondary_subjects
    return {code: s.name for code, s in table.items()}


def _title(ws: Worksheet, heading: str, class_name: str, extra: str = "") -> None:
    ws.cell(1, 1, heading)
    ws.cell(2, 1, f"Lớp: {class_name}")
    if extra:
        ws.cell(3, 1, extra)


def _footer(ws: Worksheet) -> None:
    ws.append([])
    ws.append(["", "", "", "Người lập biểu"])


def _regular_count(learners: Sequence[Transcript], code: str, semester: int) -> int:
    most = 2
    for t in learners:
        assert isinstance(t.results, SecondaryResults)
        for s in t.results.subjects:
            if s.code == code and isinstance(s, ScoredSubject):
                most = max(most, len((s.semester1 if semester == 1 else s.semester2).regular))
    return most


def _scored_cells(s: ScoredSubject, n1: int, n2: int) -> list[Any]:
    cells: list[Any] = []
    for sem, n in ((s.semester1, n1), (s.semester2, n2)):
        regular = [float(v) for v in sem.regular] + [""] * (n - len(sem.regular))
        cells += [*regular, float(sem.midterm), float(sem.final), float(sem.average)]
    return [*cells, float(s.year_average), _score(s.retest_score)]


def _comment_cells(c: CommentSubject) -> list[str]:
    retest = _PASS[c.retest_result.value] if c.retest_result else ""
    return [_PASS[c.semester1.value], _PASS[c.semester2.value], _PASS[c.year_result.value], retest]


def _scored_bottom(n1: int, n2: int) -> list[str]:
    return [
        *(f"ĐĐGtx{i}" for i in range(1, n1 + 1)),
        "ĐĐGgk",
        "ĐĐGck",
        "ĐTBmhk",
        *(f"ĐĐGtx{i}" for i in range(1, n2 + 1)),
        "ĐĐGgk",
        "ĐĐGck",
        "ĐTBmhk",
        "ĐTBmcn",
        "KTL",
    ]


def write_gradebook(learners: Sequence[Transcript], path: Path, layout: str = "sheets") -> None:
    """A secondary class gradebook: `layout` "sheets" (a sheet per subject) or "blocks"."""
    names = _subject_names(False)
    first = learners[0]
    assert isinstance(first.results, SecondaryResults)
    codes = [s.code for s in first.results.subjects]
    by_code = [
        {s.code: s for s in t.results.subjects}
        for t in learners
        if isinstance(t.results, SecondaryResults)
    ]
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    fixed = ["STT", "Mã học sinh", "Họ và tên"]
    if layout == "sheets":
        for code in codes:
            ws = wb.create_sheet(names[code][:31])
            sample = by_code[0][code]
            _title(
                ws,
                f"SỔ ĐIỂM MÔN {names[code].upper()}",
                first.header.class_name,
                f"Môn: {names[code]}",
            )
            ws.cell(3, 6, f"Giáo viên: {sample.teacher.name}")
            if isinstance(sample, ScoredSubject):
                n1, n2 = _regular_count(learners, code, 1), _regular_count(learners, code, 2)
                _header(
                    ws,
                    5,
                    [("Học kỳ I", n1 + 3), ("Học kỳ II", n2 + 3), ("Cả năm", 2)],
                    _scored_bottom(n1, n2),
                    fixed,
                )
                for i, (t, subjects) in enumerate(zip(learners, by_code, strict=True), start=1):
                    s = subjects[code]
                    assert isinstance(s, ScoredSubject)
                    ws.append(
                        [i, t.learner.learner_code, t.learner.full_name, *_scored_cells(s, n1, n2)]
                    )
            else:
                _header(
                    ws,
                    5,
                    [("Học kỳ I", 1), ("Học kỳ II", 1), ("Cả năm", 2)],
                    ["KQ", "KQ", "KQ", "KTL"],
                    fixed,
                )
                for i, (t, subjects) in enumerate(zip(learners, by_code, strict=True), start=1):
                    c = subjects[code]
                    assert isinstance(c, CommentSubject)
                    ws.append([i, t.learner.learner_code, t.learner.full_name, *_comment_cells(c)])
            _footer(ws)
    else:
        ws = wb.create_sheet("Sổ điểm")
        _title(ws, "SỔ ĐIỂM TỔNG HỢP", first.header.class_name)
        top: list[tuple[str, int]] = []
        bottom: list[str] = []
        widths: dict[str, tuple[int, int]] = {}
        for code in codes:
            if isinstance(by_code[0][code], ScoredSubject):
                n1, n2 = _regular_count(learners, code, 1), _regular_count(learners, code, 2)
                widths[code] = (n1, n2)
                cols = [
                    f"{b} HK1" if i < n1 + 3 else (f"{b} HK2" if b not in ("ĐTBmcn", "KTL") else b)
                    for i, b in enumerate(_scored_bottom(n1, n2))
                ]
                top.append((names[code], len(cols)))
                bottom += cols
            else:
                top.append((names[code], 4))
                bottom += ["HK1", "HK2", "Cả năm", "KTL"]
        _header(ws, 5, top, bottom, fixed)
        for i, (t, subjects) in enumerate(zip(learners, by_code, strict=True), start=1):
            row: list[Any] = [i, t.learner.learner_code, t.learner.full_name]
            for code in codes:
                s = subjects[code]
                if isinstance(s, ScoredSubject):
                    row += _scored_cells(s, *widths[code])
                else:
                    row += _comment_cells(s)
            ws.append(row)
        _footer(ws)
    _summary_sheet(wb, learners)
    wb.save(path)


def _summary_sheet(wb: Workbook, learners: Sequence[Transcript]) -> None:
    ws = wb.create_sheet("Tổng hợp")
    _title(
        ws,
        "TỔNG HỢP KẾT QUẢ CUỐI NĂM",
        learners[0].header.class_name,
        f"GVCN: {learners[0].confirmation.homeroom_teacher.name}",
    )
    _header(
        ws,
        5,
        [("Học kỳ I", 2), ("Học kỳ II", 2), ("Cả năm", 2), ("Sau KTL, RLH", 2)],
        [
            "Học lực",
            "Hạnh kiểm",
            "Học lực",
            "Hạnh kiểm",
            "Học lực",
            "Hạnh kiểm",
            "Học lực",
            "Hạnh kiểm",
        ],
        ["STT", "Mã học sinh", "Họ và tên"],
    )
    for c, text in enumerate(("Số buổi nghỉ", "Kết luận", "Danh hiệu", "Nhận xét GVCN"), start=12):
        ws.cell(5, c, text)
    for c in range(12, 16):
        ws.merge_cells(start_row=5, start_column=c, end_row=6, end_column=c)
    for i, t in enumerate(learners, start=1):
        r = t.results
        assert isinstance(r, SecondaryResults)
        ws.append(
            [
                i,
                t.learner.learner_code,
                t.learner.full_name,
                _LEVEL[r.learning.semester1.value],
                _LEVEL[r.training.semester1.value],
                _LEVEL[r.learning.semester2.value],
                _LEVEL[r.training.semester2.value],
                _LEVEL[r.learning.year.value],
                _LEVEL[r.training.year.value],
                _LEVEL[r.learning.after_summer.value] if r.learning.after_summer else "",
                _LEVEL[r.training.after_summer.value] if r.training.after_summer else "",
                r.absences,
                _CONCLUSION[r.conclusion.value],
                _TITLE[r.title.value] if r.title else "",
                r.homeroom_comment,
            ]
        )


def write_summary(learners: Sequence[Transcript], path: Path) -> None:
    """A primary class's year-end summary."""
    codes = load_codes()
    names = _subject_names(True)
    first = learners[0]
    assert isinstance(first.results, PrimaryResults)
    subject_codes = [s.code for s in first.results.subjects]
    grade = first.header.grade
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tổng hợp cuối năm"
    _title(
        ws,
        "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CUỐI NĂM",
        first.header.class_name,
        f"GVCN: {first.confirmation.homeroom_teacher.name}",
    )
    top: list[tuple[str, int]] = []
    bottom: list[str] = []
    for code in subject_codes:
        has_test = codes.primary_subjects[code].has_test(grade)
        top.append((names[code], 3 if has_test else 2))
        bottom += ["Mức đạt", "Điểm KT", "Nhận xét"] if has_test else ["Mức đạt", "Nhận xét"]
    top.append(("Phẩm chất", len(codes.qualities)))
    bottom += list(codes.qualities.values())
    top.append(("Năng lực", len(codes.competencies)))
    bottom += list(codes.competencies.values())
    tail = [
        "Đánh giá cuối năm",
        "Hoàn thành chương trình lớp học",
        "Hoàn thành chương trình tiểu học",
        "Khen thưởng",
        "Nhận xét GVCN",
    ]
    for text in tail:
        top.append((text, 1))
        bottom.append("")
    _header(ws, 5, top, bottom, ["STT", "Mã học sinh", "Họ và tên"])
    for i, t in enumerate(learners, start=1):
        r = t.results
        assert isinstance(r, PrimaryResults)
        by_code = {s.code: s for s in r.subjects}
        row: list[Any] = [i, t.learner.learner_code, t.learner.full_name]
        for code in subject_codes:
            s = by_code[code]
            row.append(_RATING[s.rating.value])
            if codes.primary_subjects[code].has_test(grade):
                row.append(s.test_score if s.test_score is not None else "")
            row.append(s.comment)
        row += [_QUALITY[q.rating.value] for q in r.qualities]
        row += [_QUALITY[q.rating.value] for q in r.competencies]
        row += [
            r.evaluation.value,
            "Có" if r.completed_grade else "Không",
            ("Có" if r.completed_primary else "Không") if r.completed_primary is not None else "",
            "; ".join(r.awards),
            r.homeroom_comment,
        ]
        ws.append(row)
    _footer(ws)
    wb.save(path)


def export_school(
    transcripts: Sequence[Transcript], folder: Path, layout: str = "sheets"
) -> Exported:
    """Write one school's transcripts (one level) as a learner list and one file per class."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lop").mkdir(exist_ok=True)
    list_path = folder / "danh-sach-hoc-sinh.xlsx"
    write_learner_list(transcripts, list_path)
    classes: dict[str, list[Transcript]] = {}
    for t in transcripts:
        classes.setdefault(t.header.class_name, []).append(t)
    files = []
    homeroom: dict[str, str] = {}
    teachers: dict[str, dict[str, str]] = {}
    primary = transcripts[0].header.level.is_primary
    names = _subject_names(primary)
    for class_name, learners in sorted(classes.items()):
        path = folder / "lop" / f"{class_name}.xlsx"
        if primary:
            write_summary(learners, path)
            assert isinstance(learners[0].results, PrimaryResults)
            teachers[class_name] = {
                names[s.code]: s.teacher.name for s in learners[0].results.subjects
            }
        else:
            write_gradebook(learners, path, layout)
            if layout == "blocks":
                assert isinstance(learners[0].results, SecondaryResults)
                teachers[class_name] = {
                    names[s.code]: s.teacher.name for s in learners[0].results.subjects
                }
        homeroom[class_name] = learners[0].confirmation.homeroom_teacher.name
        files.append(path)
    h = transcripts[0].header
    config: dict[str, Any] = {  # a [[sources]] entry's options (plugin = "generic_excel")
        "folder": str(folder),
        "learner_list": list_path.name,
        "class_files": "lop/*",
        "school_code": h.school_code,
        "school_name": h.school_name,
        "school_year": h.school_year,
        "level": h.level.value,
        "department_code": h.department_code,
        "place_of_issue": h.place_of_issue,
        "issue_date": h.issue_date.isoformat(),
        "principal": transcripts[0].confirmation.principal.name,
        "principal_title": transcripts[0].confirmation.principal.title.value,
    }
    if teachers:
        config["teachers"] = teachers
    return Exported(folder, list_path, tuple(files), config)
