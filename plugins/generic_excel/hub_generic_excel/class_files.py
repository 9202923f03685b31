"""A class file (a secondary gradebook or a primary year-end summary): the walk both share.

Both kinds are read the same way, sheet by sheet and row by row, here and only here: find the
sheet's header by its text, warn about a hidden sheet, read the title area ("Lớp: 7A3"), let
the file's kind classify the columns (an unclassified one is a warning at its header cell),
then read each learner row below the header: watch the cells that must hold a value (a blank
one makes the sheet's formulas be looked at, once), tell the learner by code and name, and
hand the row to the kind. A file in which no sheet has the header is one problem.

What differs is the kind's, behind `SheetReading`: which column goes where, and what one row
does to the file's learners (a gradebook merges a learner's rows across its subject sheets; a
summary has one row per learner and refuses a second one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hub.api import Problem, ProblemCode, Provenance, Severity
from hub_generic_excel.formulas import BlankWatch
from hub_generic_excel.headers import Header, find_header, text_of
from hub_generic_excel.learner_list import header_problem, hidden_warning
from hub_generic_excel.sheets import (
    Entry,
    learner_rows,
    name_key,
    title_values,
    uncomputed_formulas,
)
from hub_generic_excel.workbook import Row, Sheet, cell

Slot = tuple[Any, ...]  # the path of a column's value under an entry, e.g. ("subjects", "Toán", …)
Title = dict[str, tuple[str, Provenance]]  # "Label: value" pairs above the header, by key


@dataclass
class GradeRow:
    """One learner of the class file, merged across its sheets."""

    entry: Entry
    code: str
    name: str
    seen: set[str] = field(default_factory=set)  # subject labels whose sheet had the learner
    problems: list[Problem] = field(default_factory=list)  # keyed to the learner when joined


@dataclass
class ClassFile:
    """What one class file gave: its learners, its title values and its problems."""

    file: str
    title: Title = field(default_factory=dict)
    rows: list[GradeRow] = field(default_factory=list)
    subjects: dict[str, Provenance] = field(default_factory=dict)  # label → where it is named
    problems: list[Problem] = field(default_factory=list)
    teachers: dict[str, tuple[str, Provenance]] = field(default_factory=dict)
    # Subject sheets whose label names no subject: label → where it is written. The whole
    # class is kept out (a transcript without one of its subjects would be wrong).
    unknown_subjects: dict[str, Provenance] = field(default_factory=dict)
    _by_code: dict[str, int] = field(default_factory=dict, repr=False)
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=0, repr=False)

    def learner(self, code: str, name: str) -> GradeRow | None:
        """The first row with this code, or (when either has no code) with this name."""
        for index in range(self._indexed, len(self.rows)):  # rows are only ever appended
            row = self.rows[index]
            if row.code:
                self._by_code.setdefault(row.code, index)
            if row.name:
                self._by_name.setdefault(row.name, []).append(index)
        self._indexed = len(self.rows)
        best = self._by_code.get(code) if code else None
        if name:
            for index in self._by_name.get(name, ()):
                if best is not None and index > best:
                    break
                if not (code and self.rows[index].code):
                    best = index
                    break
        return None if best is None else self.rows[best]


class SheetReading(Protocol):
    """One sheet of a class file as its kind reads it, made once the header is found."""

    @property
    def slots(self) -> Mapping[int, Slot]:
        """Column → where its value goes under the learner's entry."""
        ...

    @property
    def unknown(self) -> Sequence[int]:
        """The columns the kind could not classify (each one a warning)."""
        ...

    @property
    def must_have(self) -> Sequence[int]:
        """The columns that must hold a value for every learner (formulas are looked for)."""
        ...

    def take(self, r: int, row: Row, code: str, name: str) -> GradeRow | None:
        """Read learner row `r` into the file; the learner it went to, None when refused."""
        ...


OpenSheet = Callable[[ClassFile, Sheet, Header, Title], SheetReading]
"""`open_sheet(book, sheet, header, title)`: the kind's reading of one sheet."""


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of class file is found and named in its problems.

    Attributes:
        template: the template (mappings/templates/*.yaml): anchor, search_rows, columns.
        columns, title_labels: the template's aliases, folded once.
        what_vi, what_en: the file as a problem names it ("sổ điểm", "the gradebook").
        column_expected, column_vi, column_en: an unclassified column's problem.
    """

    template: Mapping[str, Any]
    columns: Mapping[str, set[str]]
    title_labels: Mapping[str, set[str]]
    what_vi: str
    what_en: str
    column_expected: str
    column_vi: str
    column_en: str


def read_class_file(file: str, sheets: list[Sheet], kind: Kind, open_sheet: OpenSheet) -> ClassFile:
    """The learners of one class file, read sheet by sheet as `open_sheet` says."""
    template = kind.template
    book = ClassFile(file)
    read_any = False
    for sheet in sheets:
        header = find_header(
            sheet.rows, kind.columns, template["anchor"], template.get("search_rows", 30)
        )
        if header is None:
            continue
        read_any = True
        if sheet.hidden:
            book.problems.append(hidden_warning(file, sheet))
        title = title_values(sheet, header.top, kind.title_labels, file)
        reading = open_sheet(book, sheet, header, title)
        for c in reading.unknown:
            book.problems.append(_unclassified(kind, file, sheet, header, c))
        _read_rows(book, sheet, header, reading)
    if not read_any:
        first_sheet = sheets[0] if sheets else Sheet("?", False, [])
        expected = " / ".join(template["columns"]["full_name"][:2])
        problem = header_problem(file, first_sheet, expected, kind.what_vi, kind.what_en)
        book.problems.append(problem)
    return book


def _unclassified(kind: Kind, file: str, sheet: Sheet, header: Header, c: int) -> Problem:
    return Problem.at(
        ProblemCode.COLUMN_AMBIGUOUS.value,
        Provenance(file, sheet.name, header.bottom + 1, (cell(header.bottom, c),)),
        " / ".join(t for t in header.raw[c] if t)[:80],
        kind.column_expected,
        kind.column_vi,
        kind.column_en,
        Severity.WARNING,
    )


def _read_rows(book: ClassFile, sheet: Sheet, header: Header, reading: SheetReading) -> None:
    """Each learner row below the header, handed to the kind; then formulas without a value."""
    file = book.file
    code_col = header.columns.get("learner_code")
    name_col = header.columns.get("full_name")
    mapped = sorted({*reading.slots, *header.columns.values()})
    watch = BlankWatch(reading.must_have)
    take = reading.take  # bound once: it runs for every row of every sheet
    read: dict[int, GradeRow] = {}
    for item in learner_rows(sheet, header, mapped, file):
        if isinstance(item, Problem):
            book.problems.append(item)
            continue
        r, row = item
        watch.watch(row)
        code = (
            text_of(row[code_col]).strip() if code_col is not None and code_col < len(row) else ""
        )
        name = name_key(row[name_col]) if name_col is not None and name_col < len(row) else ""
        target = take(r, row, code, name)
        if target is not None:
            read[r] = target
    if watch.seen_blank:
        for target, problem in uncomputed_formulas(sheet, file, read, reading.slots):
            target.problems.append(problem)
