"""The generic_excel source: a learner list joined with each class's file, read incrementally.

    folder/
      danh-sach-hoc-sinh.xlsx     the sector database's learner list (one or more files)
      lop/7A1.xlsx, lop/7A2.ods   one file per class: a gradebook (secondary) or a year-end
                                  summary (primary), in .xlsx, .xls or .ods

A class file and the learner list make one *bundle*; the cursor keeps each bundle's content
digest, so the next read only reads bundles whose files changed. Every learner of the list
ends as exactly one RawRecord or at least one error Problem keyed to them (rows in = records
out + learners with problems), named in its message (hub_generic_excel.problems): a learner
missing from the gradebook, a duplicate, a class without a file, a file that cannot be opened,
a sheet that names no subject, a class held by two different files — each is reported at its
cell, and a cause that lies in a whole file is reported once more at that file.

Files of one class by their names ("9A1.xlsx" and its copy "9A1 (1).xlsx") are read together:
identical copies are read once, with a warning naming the copy; different files of one class
are refused, because which one is right cannot be known (docs/writing-a-plugin.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from hub.api import (
    Checkpoint,
    CursorError,
    MappingSet,
    Problem,
    ProblemCode,
    Provenance,
    RawRecord,
    ReadItem,
    Severity,
    UsageError,
    clean,
    load_mappings,
)
from hub_generic_excel import problems as said
from hub_generic_excel.class_files import ClassFile, GradeRow
from hub_generic_excel.config import MAPPINGS
from hub_generic_excel.gradebook import read_gradebook
from hub_generic_excel.learner_list import Listed, read_learner_list
from hub_generic_excel.sheets import CellLocations
from hub_generic_excel.summary import read_summary
from hub_generic_excel.unreadable import Diagnosis
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
Duplicates = dict[int, Problem | None]  # id(Listed) → its problem, or None: counted elsewhere
Member = tuple[str, Path]  # a class file's bundle key and path


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
        """The hub's label lists and this plugin's templates (record mappings not compiled)."""
        if self._mappings is None:
            self._mappings = load_mappings([MAPPINGS], compile_records=False)
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
        if not self.folder.is_dir():
            raise missing_folder(self.folder)
        now = datetime.now(UTC)
        future = state["as_of"] is not None and state["as_of"] > now
        bundles: dict[str, dict[str, str]] = dict(state["bundles"])
        list_files = self._files(self.config["learner_list"])
        list_digest = _digest(list_files)
        digests: dict[str, str] = {}
        groups: list[list[Member]] = []
        for named in class_groups(self._files(self.config["class_files"])):
            members = []
            for path in named:
                key = path.relative_to(self.folder).as_posix()
                if future and key not in bundles:
                    continue  # a file newer than a cursor from the future is not read
                digests[key] = _digest([*list_files, path])
                members.append((key, path))
            if any(bundles.get(key, {}).get("digest") != digests[key] for key, _ in members):
                groups.append(members)  # a changed file: its whole class is read again
        list_changed = bundles.get(LIST_BUNDLE, {}).get("digest") != list_digest
        read_list = list_changed and not (future and LIST_BUNDLE not in bundles)
        self.rows_in = 0
        if future:
            yield _future_warning(str(self.folder), state["as_of"])
        if groups or read_list:
            listed, list_problems = self._read_lists(list_files)
            duplicates, warnings = _duplicates(listed)
            if read_list:
                yield from list_problems
                yield from warnings
            reading = {key for group in groups for key, _ in group}
            claimed = {
                b["class"]: key
                for key, b in bundles.items()
                if key != LIST_BUNDLE and key not in reading and b.get("class")
            }
            for members in groups:
                classes = yield from self._group(members, listed, duplicates, claimed)
                for key, _path in members:
                    bundles[key] = {"digest": digests[key], "class": classes[key]}
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
                problems.append(said.unreadable(path.name, exc.diagnosis))
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

    def _group(
        self,
        group: list[Member],
        listed: list[Listed],
        duplicates: Duplicates,
        claimed: dict[str, str],
    ) -> Generator[ReadItem, None, dict[str, str]]:
        """Read the files of one class by their names; return each file's class."""
        if len(group) == 1:
            key, path = group[0]
            opened = _open(path)
            class_name = yield from self._bundle(path, key, opened, listed, duplicates, claimed)
            return {key: class_name}
        group = sorted(group, key=lambda m: _preference(m[1]))
        if len({hashlib.sha256(path.read_bytes()).digest() for _key, path in group}) == 1:
            key, kept = group[0]
            opened = _open(kept)
            class_name = yield from self._bundle(kept, key, opened, listed, duplicates, claimed)
            for _key, copy in group[1:]:
                yield said.identical_copy(class_name, copy.name, kept.name)
            return dict.fromkeys((k for k, _ in group), class_name)
        return (yield from self._different_files(group, listed, duplicates, claimed))

    def _different_files(
        self,
        group: list[Member],
        listed: list[Listed],
        duplicates: Duplicates,
        claimed: dict[str, str],
    ) -> Generator[ReadItem, None, dict[str, str]]:
        """Files that differ but are named for one class: refused when they hold one class."""
        classes: dict[str, str] = {}
        books: dict[str, list[tuple[str, Path, ClassFile]]] = {}
        failed: list[tuple[str, Path, Diagnosis]] = []
        for key, path in group:
            opened = _open(path)
            if isinstance(opened, Diagnosis):
                yield said.unreadable(path.name, opened)
                failed.append((key, path, opened))
                classes[key] = class_from_name(path.stem)
                continue
            book = self.class_file(path.name, opened)
            class_name = self._class_of(book, path)
            books.setdefault(class_name, []).append((key, path, book))
            classes[key] = class_name
        if not books:  # none can be opened: its learners are kept out by the first one's fault
            key, path, diagnosis = failed[0]
            class_name = class_from_name(path.stem)
            learners = _of_class(listed, class_name)
            yield from self._refuse(
                learners,
                duplicates,
                lambda x: said.behind_unreadable(x, class_name, path.name, diagnosis),
            )
            return classes
        for class_name, held in books.items():
            if len(held) == 1:
                key, path, book = held[0]
                yield from self._read_book(key, path, book, class_name, listed, duplicates, claimed)
                continue
            names = [path.name for _key, path, _book in held]
            yield said.class_in_two_files(class_name, names, Provenance(names[-1]))
            for key, _path, _book in held:
                claimed.setdefault(class_name, key)
            yield from self._refuse(
                _of_class(listed, class_name),
                duplicates,
                partial(said.behind_two_files, class_name=class_name, files=names),
            )
        return classes

    def _class_of(self, book: ClassFile, path: Path) -> str:
        if "class_name" in book.title:
            return clean(book.title["class_name"][0]).upper()
        return class_from_name(path.stem)

    def _bundle(
        self,
        path: Path,
        key: str,
        opened: list[Sheet] | Diagnosis,
        listed: list[Listed],
        duplicates: Duplicates,
        claimed: dict[str, str],
    ) -> Generator[ReadItem, None, str]:
        """Read one class file and join it with its learners; return its class name."""
        file = path.name
        if isinstance(opened, Diagnosis):
            yield said.unreadable(file, opened)
            class_name = class_from_name(path.stem)
            yield from self._refuse(
                _of_class(listed, class_name),
                duplicates,
                lambda x: said.behind_unreadable(x, class_name, file, opened),
            )
            return class_name
        book = self.class_file(file, opened)
        class_name = self._class_of(book, path)
        yield from self._read_book(key, path, book, class_name, listed, duplicates, claimed)
        return class_name

    def _read_book(
        self,
        key: str,
        path: Path,
        book: ClassFile,
        class_name: str,
        listed: list[Listed],
        duplicates: Duplicates,
        claimed: dict[str, str],
    ) -> Iterator[ReadItem]:
        """The problems of one opened class file, then its learners joined."""
        yield from (p for p in book.problems if p.record_key is None)
        other = claimed.get(class_name)
        if other is not None and other != key:
            where = (
                book.title["class_name"][1] if "class_name" in book.title else Provenance(path.name)
            )
            yield said.class_named_twice(class_name, path.name, Path(other).name, where)
            return
        claimed[class_name] = key
        learners = _of_class(listed, class_name)
        if book.unknown_subjects:
            expected = self.mappings.labels["subjects-secondary"].expected()
            for label, where in book.unknown_subjects.items():
                yield said.unknown_subject(label, where, expected)
            labels = list(book.unknown_subjects)
            yield from self._refuse(
                learners,
                duplicates,
                lambda x: said.behind_unknown_subject(x, class_name, path.name, labels),
            )
            return
        yield from self._join(book, class_name, learners, duplicates)

    def _refuse(
        self,
        learners: list[Listed],
        duplicates: Duplicates,
        problem: Callable[[Listed], Problem],
    ) -> Iterator[Problem]:
        """One problem per learner of a class that cannot be read (`problem(learner)`)."""
        for learner in learners:
            if id(learner) in duplicates:
                first = duplicates[id(learner)]
                if first is not None:
                    self.rows_in += 1
                    yield first
                continue
            self.rows_in += 1
            yield problem(learner)

    def _join(
        self,
        book: ClassFile,
        class_name: str,
        learners: list[Listed],
        duplicates: Duplicates,
    ) -> Iterator[ReadItem]:
        used: set[int] = set()
        names = Counter(learner.name for learner in learners)
        for learner in learners:
            row = book.learner(learner.code, learner.name if names[learner.name] == 1 else "")
            if id(learner) in duplicates:
                if row is not None:
                    used.add(id(row))  # the gradebook row is this learner's: not a stranger
                first = duplicates[id(learner)]
                if first is not None:
                    self.rows_in += 1
                    yield first
                continue
            self.rows_in += 1
            if row is None or id(row) in used:
                yield said.missing_grades(learner, book.file, class_name)
                continue
            used.add(id(row))
            problems = [said.naming(p, learner, class_name) for p in row.problems]
            problems += [said.naming(p, learner, class_name) for p in learner.problems]
            for label, where in book.subjects.items():
                if label not in row.seen:
                    problems.append(said.absent_from_sheet(learner, class_name, label, where))
            if problems:
                yield from problems
                continue
            yield self._record(learner, row, book, class_name)
        for row in book.rows:
            if id(row) not in used:
                yield _unmatched(row)  # no learner of the list: not a row in

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
        duplicates: Duplicates,
        bundles: Mapping[str, Mapping[str, str]],
    ) -> Iterator[Problem]:
        """Learners whose class has no class file (or who have no class): each one reported."""
        classes = {b.get("class") for k, b in bundles.items() if k != LIST_BUNDLE}
        pattern = self.config["class_files"]
        for learner in listed:
            if learner.class_name in classes:
                continue
            if id(learner) in duplicates:
                first = duplicates[id(learner)]
                if first is not None:
                    self.rows_in += 1
                    yield first
                continue
            self.rows_in += 1
            where = learner.entry.locations.get(("learner", "class_name"), learner.entry.row)
            if not learner.class_name:
                yield said.for_learner(
                    learner,
                    "",
                    ProblemCode.VALUE_MISSING.value,
                    "",
                    "7A3, 10C2, …",
                    "không có lớp",
                    "has no class",
                    where,
                )
            else:
                yield said.for_learner(
                    learner,
                    learner.class_name,
                    ProblemCode.GRADES_MISSING.value,
                    learner.class_name,
                    f"a class file for {learner.class_name}",
                    f"không có tệp điểm của lớp (đặt vào {pattern})",
                    f"there is no class file for the class (put it in {pattern})",
                    where,
                )


def missing_folder(folder: Path) -> UsageError:
    """The configured folder does not exist: a usage error naming it and the option."""
    return UsageError(
        f"nguồn generic_excel: thư mục {folder} (tùy chọn `folder`) không tồn tại hoặc không "
        'phải thư mục; sửa `options = { folder = "..." }` của nguồn hoặc tạo thư mục',
        f"generic_excel source: the folder {folder} (option `folder`) does not exist or is not "
        'a folder; correct the source\'s `options = { folder = "..." }` or create it',
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


def class_from_name(stem: str) -> str:
    """The class a file's name gives: "9A1 (1)" → "9A1", "Lop 10C2 - ban cu" → "10C2"."""
    match = re.search(r"(\d{1,2}\s*[A-Za-z][\w]*)", stem)
    return (match[1] if match else stem).replace(" ", "").upper()


def class_groups(paths: list[Path]) -> list[list[Path]]:
    """Class files grouped by the class their names give, in the order of their first file."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(class_from_name(path.stem), []).append(path)
    return list(groups.values())


def _preference(path: Path) -> tuple[bool, int, str]:
    """Of identical copies, the one named exactly for its class is read ("9A1.xlsx")."""
    exact = path.stem.replace(" ", "").upper() == class_from_name(path.stem)
    return (not exact, len(path.name), path.name)


def _open(path: Path) -> list[Sheet] | Diagnosis:
    try:
        return read_workbook(path)
    except UnreadableWorkbook as exc:
        return exc.diagnosis


def _of_class(listed: list[Listed], class_name: str) -> list[Listed]:
    return [learner for learner in listed if learner.class_name == class_name]


def _duplicates(listed: list[Listed]) -> tuple[Duplicates, list[Problem]]:
    """Rows of the list sharing a learner code, and a warning per group of identical rows.

    Identical rows: the first is read, the others are counted with it (None). Rows that
    differ: which is right cannot be known, so the learner gets one error, on the first row,
    and the other rows are counted with it.
    """
    groups: dict[str, list[Listed]] = {}
    for learner in listed:
        if learner.code:
            groups.setdefault(learner.code, []).append(learner)
    found: Duplicates = {}
    warnings: list[Problem] = []
    for group in groups.values():
        if len(group) < 2:
            continue
        rows = [g.entry.row.row or 0 for g in group]
        same = all(_plain(g) == _plain(group[0]) for g in group)
        first = said.duplicate_in_list(group[0], rows, same)
        if same:
            warnings.append(first)
        else:
            found[id(group[0])] = first
        for learner in group[1:]:
            found[id(learner)] = None
    return found, warnings


def _plain(learner: Listed) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in learner.entry.data["learner"].items())


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


def _unmatched(row: GradeRow) -> Problem:
    """A class file's row whose learner the learner list does not hold.

    It names no learner (the sector database's list is the roll of the school), so it comes
    without a `record_key`: a problem of the source the school must fix, not one more learner.
    """
    where = row.entry.row
    return Problem.at(
        ProblemCode.LEARNER_UNMATCHED.value,
        where,
        row.code or row.name,
        "a learner of the learner list",
        "học sinh này không có trong danh sách học sinh của lớp",
        "this learner is not in the class's learner list",
    )


def build(config: Mapping[str, Any]) -> ExcelSource:
    """The SourceSpec factory."""
    if "folder" not in config:
        raise UsageError("Thiếu khóa folder.", "The key folder is missing.")
    return ExcelSource(config)
