"""The generic_excel source: a learner list joined with each class's file, read incrementally.

    folder/
      danh-sach-hoc-sinh.xlsx     the sector database's learner list (one or more files)
      lop/7A1.xlsx, lop/7A2.ods   one file per class: a gradebook (secondary) or a year-end
                                  summary (primary), in .xlsx, .xls or .ods

A class file and the learner list make one *bundle*; the cursor keeps each bundle's content
digest, so the next read only reads bundles whose files changed. Every learner row of a bundle
ends as exactly one RawRecord or at least one error Problem keyed to it (rows in = records out
+ learners with problems): a learner missing from the gradebook, a duplicate, a class without
a file, a file that cannot be opened — each is reported at its cell.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.errors import UsageError
from hub.mapping import MappingSet, clean, load_mappings
from hub.sources import (
    Checkpoint,
    CursorError,
    Problem,
    ProblemCode,
    Provenance,
    RawRecord,
    ReadItem,
    Severity,
)
from hub_generic_excel.gradebook import ClassFile, GradeRow, read_gradebook
from hub_generic_excel.learner_list import Listed, read_learner_list
from hub_generic_excel.sheets import CellLocations
from hub_generic_excel.summary import read_summary
from hub_generic_excel.workbook import Sheet, UnreadableWorkbook, read_workbook

LIST_BUNDLE = "@list"
CONTEXT_KEYS = (
    "school_code",
    "school_name",
    "school_year",
    "level",
    "department_code",
    "place_of_issue",
    "issue_date",
    "principal",
    "principal_title",
)


class ExcelSource:
    """A configured folder of school spreadsheets (see CONFIG_SCHEMA)."""

    def __init__(self, config: Mapping[str, Any], mappings: MappingSet | None = None) -> None:
        self.config = dict(config)
        self.folder = Path(self.config["folder"])
        self._mappings = mappings
        self.rows_in = 0  # learner rows accounted for by the last read

    def __repr__(self) -> str:
        return (
            f"ExcelSource(folder={str(self.folder)!r}, school={self.config.get('school_code')!r})"
        )

    @property
    def mappings(self) -> MappingSet:
        if self._mappings is None:
            self._mappings = load_mappings(compile_records=False)
        return self._mappings

    @property
    def primary(self) -> bool:
        return self.mappings.labels["school-levels"].resolve(str(self.config["level"])) == "02"

    def _files(self, pattern: str) -> list[Path]:
        return sorted(
            p
            for p in self.folder.glob(pattern)
            if p.is_file() and not p.name.startswith(("~$", ".~lock"))
        )

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = parse_cursor(cursor)
        now = datetime.now(UTC)
        future = state["as_of"] is not None and state["as_of"] > now
        bundles: dict[str, dict[str, str]] = dict(state["bundles"])
        list_files = self._files(self.config["learner_list"])
        list_digest = _digest(list_files)
        class_files = self._files(self.config["class_files"])
        todo = []
        for path in class_files:
            key = path.relative_to(self.folder).as_posix()
            digest = _digest([*list_files, path])
            if bundles.get(key, {}).get("digest") != digest and not (future and key not in bundles):
                todo.append((key, path, digest))
        list_changed = bundles.get(LIST_BUNDLE, {}).get("digest") != list_digest
        read_list = list_changed and not (future and LIST_BUNDLE not in bundles)
        self.rows_in = 0
        if future:
            yield _future_warning(str(self.folder), state["as_of"])
        if todo or read_list:
            listed, list_problems = self._read_lists(list_files)
            if read_list:
                yield from list_problems
            duplicates = _duplicates(listed)
            for key, path, digest in todo:
                class_name = yield from self._bundle(path, key, listed, duplicates)
                bundles[key] = {"digest": digest, "class": class_name}
                yield Checkpoint(_cursor(bundles, state["as_of"]))
            if read_list:
                yield from self._unassigned(listed, duplicates, bundles)
                bundles[LIST_BUNDLE] = {"digest": list_digest}
        as_of = max(now, state["as_of"]) if state["as_of"] else now
        yield Checkpoint(_cursor(bundles, as_of))

    def _read_lists(self, files: list[Path]) -> tuple[list[Listed], list[Problem]]:
        template = self.mappings.template(
            self.config.get("learner_list_template", "sector-learner-list")
        )
        listed: list[Listed] = []
        problems: list[Problem] = []
        if not files:
            where = Provenance(self.config["learner_list"])
            problems.append(
                Problem.at(
                    ProblemCode.FILE_UNREADABLE.value,
                    where,
                    "",
                    "a learner list file",
                    "không có tệp danh sách học sinh trong thư mục",
                    "no learner list file in the folder",
                )
            )
        for path in files:
            try:
                sheets = read_workbook(path)
            except UnreadableWorkbook as exc:
                problems.append(_unreadable(path.name, str(exc)))
                continue
            found, found_problems = read_learner_list(path, path.name, sheets, template)
            listed.extend(found)
            problems.extend(found_problems)
        return listed, problems

    def _class_template(self) -> Mapping[str, Any]:
        default = "primary-summary" if self.primary else "secondary-gradebook"
        return self.mappings.template(self.config.get("class_file_template", default))

    def class_file(self, file: str, sheets: list[Sheet]) -> ClassFile:
        """One class file's learners (a gradebook or a primary summary), before the join."""
        template = self._class_template()
        if self.primary:
            return read_summary(file, sheets, template, self.mappings.labels)
        codes = self.mappings.codes
        scored = (
            {c for c, s in codes.secondary_subjects.items() if s.form.value == "DIEM"}
            if codes
            else set()
        )
        return read_gradebook(
            file, sheets, template, self.mappings.labels["subjects-secondary"], scored
        )

    def _bundle(
        self, path: Path, key: str, listed: list[Listed], duplicates: dict[int, Problem]
    ) -> Generator[ReadItem, None, str]:
        """Read one class file and join it with its learners; return its class name."""
        file = path.name
        try:
            sheets = read_workbook(path)
        except UnreadableWorkbook as exc:
            unreadable = _unreadable(file, str(exc))
            yield unreadable
            class_name = _class_from_name(path.stem)
            for learner in _of_class(listed, class_name):
                self.rows_in += 1
                yield _keyed(unreadable, learner.key)
            return class_name
        book = self.class_file(file, sheets)
        yield from (p for p in book.problems if p.record_key is None)
        class_name = (
            clean(book.title["class_name"][0]).upper()
            if "class_name" in book.title
            else _class_from_name(path.stem)
        )
        yield from self._join(book, class_name, _of_class(listed, class_name), duplicates)
        return class_name

    def _join(
        self,
        book: ClassFile,
        class_name: str,
        learners: list[Listed],
        duplicates: dict[int, Problem],
    ) -> Iterator[ReadItem]:
        used: set[int] = set()
        names = Counter(learner.name for learner in learners)
        for learner in learners:
            self.rows_in += 1
            row = book.learner(learner.code, learner.name if names[learner.name] == 1 else "")
            if id(learner) in duplicates:
                if row is not None:
                    used.add(id(row))  # the gradebook row is this learner's: not a stranger
                yield duplicates[id(learner)]
                continue
            if row is None or id(row) in used:
                yield _missing_grades(learner, book.file, class_name)
                continue
            used.add(id(row))
            problems = [_keyed(p, learner.key) for p in row.problems]
            for label, where in book.subjects.items():
                if label not in row.seen:
                    problems.append(_absent_from_sheet(learner, label, where))
            if problems:
                yield from problems
                continue
            yield self._record(learner, row, book, class_name)
        for row in book.rows:
            if id(row) not in used:
                self.rows_in += 1
                yield _unmatched(row, book.file)

    def _record(
        self, learner: Listed, row: GradeRow, book: ClassFile, class_name: str
    ) -> RawRecord:
        config_where = Provenance("config", "sources.generic_excel")
        context: dict[str, Any] = {k: self.config.get(k) for k in CONTEXT_KEYS}
        # Where each value was, made into a Provenance only when a problem or a trace asks.
        locations = CellLocations({("context",): config_where}).merged(
            learner.entry.locations, row.entry.locations
        )
        explicit = locations.explicit
        homeroom = self.config.get("homeroom_teachers", {}).get(class_name)
        if homeroom is None and "homeroom_teacher" in book.title:
            homeroom, explicit[("context", "homeroom_teacher")] = book.title["homeroom_teacher"]
        context["homeroom_teacher"] = homeroom
        data: dict[str, Any] = {"context": context, "learner": learner.entry.data["learner"]}
        data.update({k: v for k, v in row.entry.data.items() if k != "grades"})
        teachers = self.config.get("teachers", {}).get(class_name, {})
        for label, subject in data.get("subjects", {}).items():
            if "teacher" not in subject and label in teachers:
                subject["teacher"] = teachers[label]
                explicit[("subjects", label, "teacher")] = config_where
        explicit[()] = learner.entry.row
        mapping = "generic_excel-primary" if self.primary else "generic_excel-secondary"
        return RawRecord(learner.key, mapping, data, locations)

    def _unassigned(
        self,
        listed: list[Listed],
        duplicates: dict[int, Problem],
        bundles: Mapping[str, Mapping[str, str]],
    ) -> Iterator[Problem]:
        """Learners whose class has no class file (or who have no class): each one reported."""
        classes = {b.get("class") for k, b in bundles.items() if k != LIST_BUNDLE}
        pattern = self.config["class_files"]
        for learner in listed:
            if learner.class_name in classes:
                continue
            self.rows_in += 1
            if id(learner) in duplicates:
                yield duplicates[id(learner)]
                continue
            where = learner.entry.locations.get(("learner", "class_name"), learner.entry.row)
            if not learner.class_name:
                yield Problem.at(
                    ProblemCode.VALUE_MISSING.value,
                    where,
                    "",
                    "7A3, 10C2, …",
                    "học sinh không có lớp",
                    "the learner has no class",
                    record_key=learner.key,
                )
            else:
                yield Problem.at(
                    ProblemCode.GRADES_MISSING.value,
                    where,
                    learner.class_name,
                    f"a class file for {learner.class_name}",
                    f"không có tệp điểm của lớp {learner.class_name} (đặt vào {pattern})",
                    f"no class file for class {learner.class_name} (put it in {pattern})",
                    record_key=learner.key,
                )


# -- cursor ----------------------------------------------------------------------------------


def parse_cursor(cursor: str | None) -> dict[str, Any]:
    """{"version": 1, "as_of": ISO time, "bundles": {file: {"digest", "class"}}}."""
    if cursor is None:
        return {"as_of": None, "bundles": {}}
    try:
        data = json.loads(cursor)
        if data.get("version") != 1 or not isinstance(data.get("bundles"), dict):
            raise ValueError("not a generic_excel cursor (version 1)")
        as_of = datetime.fromisoformat(data["as_of"]) if data.get("as_of") else None
        if as_of is not None and as_of.tzinfo is None:
            raise ValueError("as_of has no time zone")
    except (ValueError, TypeError, AttributeError) as exc:
        raise CursorError(
            f"Con trỏ đọc của nguồn generic_excel không hợp lệ ({exc}); đặt lại trạng thái nguồn.",
            f"The generic_excel read cursor is invalid ({exc}); reset the source's state.",
        ) from exc
    return {"as_of": as_of, "bundles": data["bundles"]}


def _cursor(bundles: Mapping[str, Any], as_of: datetime | None) -> str:
    return json.dumps(
        {
            "version": 1,
            "as_of": as_of.isoformat() if as_of else None,
            "bundles": dict(sorted(bundles.items())),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# -- joining helpers ---------------------------------------------------------------------------


def _class_from_name(stem: str) -> str:
    match = re.search(r"(\d{1,2}\s*[A-Za-z][\w]*)", stem)
    return (match[1] if match else stem).replace(" ", "").upper()


def _of_class(listed: list[Listed], class_name: str) -> list[Listed]:
    return [learner for learner in listed if learner.class_name == class_name]


def _duplicates(listed: list[Listed]) -> dict[int, Problem]:
    """Rows of the list sharing a learner code: identical copies after the first, or all of a
    conflicting group (which row is right cannot be known), each get a Problem."""
    groups: dict[str, list[Listed]] = {}
    for learner in listed:
        if learner.code:
            groups.setdefault(learner.code, []).append(learner)
    found: dict[int, Problem] = {}
    for code, group in groups.items():
        if len(group) < 2:
            continue
        rows = ", ".join(str(g.entry.row.row) for g in group)
        same = all(_plain(g) == _plain(group[0]) for g in group)
        for index, learner in enumerate(group):
            if same and index == 0:
                continue
            where = learner.entry.row
            vi = "bản sao của dòng đầu" if same else "các dòng khác nhau, không biết dòng nào đúng"
            en = (
                "a copy of the first row" if same else "the rows differ; cannot tell which is right"
            )
            found[id(learner)] = Problem.at(
                ProblemCode.DUPLICATE_LEARNER.value,
                where,
                code,
                "one row per learner",
                f"mã học sinh {code} xuất hiện ở các dòng {rows} ({vi})",
                f"learner code {code} appears on rows {rows} ({en})",
                record_key=f"{learner.key}#row{where.row}",  # each row is a row in
            )
    return found


def _plain(learner: Listed) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in learner.entry.data["learner"].items())


def _keyed(problem: Problem, key: str) -> Problem:
    return Problem.at(
        problem.code,
        problem.location,
        problem.found,
        problem.expected,
        problem.message_vi,
        problem.message_en,
        problem.severity,
        key,
    )


def _unreadable(file: str, error: str) -> Problem:
    where = Provenance(file)
    return Problem.at(
        ProblemCode.FILE_UNREADABLE.value,
        where,
        error[:80],
        ".xlsx, .xls or .ods, not password-protected",
        f"không mở được tệp ({error}); lưu lại thành .xlsx không đặt mật khẩu",
        f"the file cannot be opened ({error}); save it again as .xlsx without a password",
    )


def _future_warning(folder: str, as_of: datetime) -> Problem:
    where = Provenance(folder)
    return Problem.at(
        "CURSOR_IN_FUTURE",
        where,
        as_of.isoformat(),
        "a time not after now",
        f"con trỏ đọc ở tương lai ({as_of.isoformat()}); chỉ đọc các tệp đã đổi",
        f"the read cursor is in the future ({as_of.isoformat()}); only changed files are read",
        Severity.WARNING,
    )


def _missing_grades(learner: Listed, file: str, class_name: str) -> Problem:
    where = learner.entry.row
    return Problem.at(
        ProblemCode.GRADES_MISSING.value,
        where,
        learner.code or learner.name,
        f"a row in {file}",
        f"học sinh lớp {class_name} không có dòng nào trong {file} (so theo mã, rồi theo họ tên)",
        f"the class {class_name} learner has no row in {file} (matched by code, then name)",
        record_key=learner.key,
    )


def _absent_from_sheet(learner: Listed, label: str, where: Provenance) -> Problem:
    return Problem.at(
        ProblemCode.GRADES_MISSING.value,
        where,
        learner.code or learner.name,
        f"a row for the learner in {label}",
        f"không có dòng của học sinh {learner.code or learner.name} (môn {label})",
        f"no row for learner {learner.code or learner.name} (subject {label})",
        record_key=learner.key,
    )


def _unmatched(row: GradeRow, file: str) -> Problem:
    where = row.entry.row
    return Problem.at(
        ProblemCode.LEARNER_UNMATCHED.value,
        where,
        row.code or row.name,
        "a learner of the learner list",
        "học sinh này không có trong danh sách học sinh của lớp",
        "this learner is not in the class's learner list",
        record_key=f"{file}!{row.entry.row.sheet}!{row.entry.row.row}",
    )


def build(config: Mapping[str, Any]) -> ExcelSource:
    """The SourceSpec factory."""
    if "folder" not in config:
        raise UsageError("Thiếu khóa folder.", "The key folder is missing.")
    return ExcelSource(config)
