"""The problems the join reports, each naming the learner it keeps out.

A learner kept out by something wrong with a whole file (an unreadable class file, a sheet that
names no subject, a class held by two files) or with their own row (missing, duplicated) gets
exactly one error Problem keyed with the record key their RawRecord would have had, so the hub
counts them once, as that learner. Its message names the learner by learner code and class
(the name only when there is no code; never the birth date, never the personal ID) and the
cause; the cause itself is reported once more at the file, sheet or cell where it is fixed.
"""

from __future__ import annotations

import dataclasses

from hub.api import Problem, ProblemCode, Provenance, Severity
from hub_generic_excel.headers import text_of
from hub_generic_excel.learner_list import Listed
from hub_generic_excel.unreadable import Diagnosis

UNREADABLE_EXPECTED = ".xlsx, .xls or .ods, not password-protected"


def who(learner: Listed, class_name: str) -> tuple[str, str]:
    """How messages name a learner: ("học sinh 3630… lớp 6A1", "learner 3630… of class 6A1")."""
    row = learner.entry.row.row
    if learner.code:
        vi = en = learner.code
    else:  # no code: the name, which is allowed, and the row (never the birth date or the ID)
        name = text_of(learner.entry.data.get("learner", {}).get("full_name", ""))
        vi, en = (
            (f"{name} (dòng {row})", f"{name} (row {row})")
            if name
            else (
                f"ở dòng {row}",
                f"on row {row}",
            )
        )
    if not class_name:
        return f"học sinh {vi}", f"learner {en}"
    return f"học sinh {vi} lớp {class_name}", f"learner {en} of class {class_name}"


def for_learner(
    learner: Listed,
    class_name: str,
    code: str,
    found: str,
    expected: str,
    cause_vi: str,
    cause_en: str,
    where: Provenance | None = None,
) -> Problem:
    """An error keeping `learner` out, at `where` (their row of the learner list by default)."""
    who_vi, who_en = who(learner, class_name)
    return Problem.at(
        code,
        where or learner.entry.row,
        found,
        expected,
        f"{who_vi}: {cause_vi}",
        f"{who_en}: {cause_en}",
        record_key=learner.key,
    )


def naming(problem: Problem, learner: Listed, class_name: str) -> Problem:
    """A problem of the learner's row in a class file, keyed to them and naming them.

    The learner goes in front of the messages (which never name the place: that is the
    problem's location, formatted where it is shown).
    """
    who_vi, who_en = who(learner, class_name)
    return dataclasses.replace(
        problem,
        message_vi=f"{who_vi}: {problem.message_vi}",
        message_en=f"{who_en}: {problem.message_en}",
        record_key=learner.key,
    )


def unreadable(file: str, diagnosis: Diagnosis) -> Problem:
    """The file-level problem of a file that cannot be opened: what it is, what to do."""
    return Problem.at(
        ProblemCode.FILE_UNREADABLE.value,
        Provenance(file),
        diagnosis.found,
        UNREADABLE_EXPECTED,
        f"không mở được tệp: {diagnosis.what_vi}; {diagnosis.fix_vi}",
        f"the file cannot be opened: {diagnosis.what_en}; {diagnosis.fix_en}",
    )


def behind_unreadable(learner: Listed, class_name: str, file: str, diagnosis: Diagnosis) -> Problem:
    return for_learner(
        learner,
        class_name,
        ProblemCode.FILE_UNREADABLE.value,
        diagnosis.found,
        UNREADABLE_EXPECTED,
        f"không có kết quả vì tệp {file} của lớp không mở được: {diagnosis.what_vi}",
        f"no results, because the class's file {file} cannot be opened: {diagnosis.what_en}",
    )


def missing_grades(learner: Listed, file: str, class_name: str) -> Problem:
    return for_learner(
        learner,
        class_name,
        ProblemCode.GRADES_MISSING.value,
        learner.code or learner.name,
        f"a row in {file}",
        f"không có dòng nào trong {file} (so theo mã, rồi theo họ tên)",
        f"has no row in {file} (matched by code, then by name)",
    )


def absent_from_sheet(learner: Listed, class_name: str, label: str, where: Provenance) -> Problem:
    return for_learner(
        learner,
        class_name,
        ProblemCode.GRADES_MISSING.value,
        learner.code or learner.name,
        f"a row for the learner in {label}",
        f"không có dòng của học sinh này ở môn {label}",
        f"has no row in subject {label}",
        where,
    )


def behind_unknown_subject(
    learner: Listed, class_name: str, file: str, labels: list[str]
) -> Problem:
    names = ", ".join(f"«{label}»" for label in labels)
    return for_learner(
        learner,
        class_name,
        ProblemCode.LABEL_UNKNOWN.value,
        labels[0],
        "a subject of the subject list",
        f"không có kết quả vì {file} có trang tính môn {names} không phải môn học nào đã biết",
        f"no results, because {file} has a subject sheet {names} that names no known subject",
    )


def unknown_subject(label: str, where: Provenance, expected: str) -> Problem:
    return Problem.at(
        ProblemCode.LABEL_UNKNOWN.value,
        where,
        label,
        expected,
        f"«{label}» không phải môn học nào đã biết; đổi tên trang tính (hoặc dòng «Môn:») thành "
        "tên một môn của danh mục, chưa đọc được lớp này",
        f"«{label}» names no known subject; rename the sheet (or its «Môn:» line) to a subject "
        "of the list; the class is not read until then",
    )


def duplicate_in_list(learner: Listed, rows: list[int], same: bool) -> Problem:
    """The learner list holds the learner's code on several rows (`same`: identical rows)."""
    listed = ", ".join(map(str, rows))
    if same:
        return Problem.at(
            ProblemCode.DUPLICATE_LEARNER.value,
            learner.entry.row,
            learner.code,
            "one row per learner",
            f"{who(learner, learner.class_name)[0]}: mã học sinh có ở các dòng {listed}, giống hệt "
            f"nhau; đã đọc dòng {rows[0]} — xóa các dòng thừa",
            f"{who(learner, learner.class_name)[1]}: the learner code is on rows {listed}, all "
            f"identical; row {rows[0]} was read — delete the extra rows",
            Severity.WARNING,
        )
    return for_learner(
        learner,
        learner.class_name,
        ProblemCode.DUPLICATE_LEARNER.value,
        learner.code,
        "one row per learner",
        f"mã học sinh có ở các dòng {listed}, khác nhau, không biết dòng nào đúng; giữ một dòng",
        f"the learner code is on rows {listed}, which differ; cannot tell which is right; "
        "keep one row",
    )


def class_in_two_files(class_name: str, files: list[str], where: Provenance) -> Problem:
    """One class held by several different files: which, and what to do."""
    names = ", ".join(files)
    return Problem.at(
        ProblemCode.DUPLICATE_LEARNER.value,
        where,
        names[:80],
        f"one file for class {class_name}",
        f"lớp {class_name} có ở {len(files)} tệp khác nhau ({names}), không biết tệp nào đúng nên "
        f"chưa đọc lớp này; xóa bản sao, chỉ để lại một tệp cho lớp {class_name}",
        f"class {class_name} is in {len(files)} different files ({names}); cannot tell which "
        f"is right, so the class is not read; remove the copy and keep one file for "
        f"class {class_name}",
    )


def behind_two_files(learner: Listed, class_name: str, files: list[str]) -> Problem:
    names = ", ".join(files)
    return for_learner(
        learner,
        class_name,
        ProblemCode.DUPLICATE_LEARNER.value,
        names[:80],
        f"one file for class {class_name}",
        f"chưa đọc kết quả vì lớp có ở nhiều tệp khác nhau ({names}); xóa bản sao",
        f"results not read, because the class is in several different files ({names}); "
        "remove the copy",
    )


def identical_copy(class_name: str, copy: str, kept: str) -> Problem:
    return Problem.at(
        ProblemCode.DUPLICATE_LEARNER.value,
        Provenance(copy),
        copy,
        f"one file for class {class_name}",
        f"tệp này giống hệt {kept} (lớp {class_name}); chỉ đọc {kept} — xóa bản sao",
        f"this file is identical to {kept} (class {class_name}); only {kept} is read — "
        "remove the copy",
        Severity.WARNING,
    )


def class_named_twice(class_name: str, file: str, other: str, where: Provenance) -> Problem:
    """A file whose title names a class another file already holds."""
    return Problem.at(
        ProblemCode.DUPLICATE_LEARNER.value,
        where,
        class_name,
        f"one file for class {class_name}",
        f"tệp ghi lớp {class_name}, nhưng lớp {class_name} đã được đọc từ {other}; tệp này "
        "không được đọc — sửa tên lớp ở tiêu đề hoặc xóa bản sao",
        f"the file says class {class_name}, but class {class_name} was already read from "
        f"{other}; this file is not read — correct the class in its title or remove the copy",
    )
