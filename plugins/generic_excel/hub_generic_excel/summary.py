"""A primary class's year-end summary (Thông tư 27): one row per learner.

Columns: each subject's name over its block ("Mức đạt", "Điểm KT"), the qualities under
"Phẩm chất", the competencies under "Năng lực" (a third header row may split them into
"Năng lực chung" and "Năng lực đặc thù"), then the evaluation and the completion columns.
A group title is checked before a subject name, because "Khoa học" is both a subject and a
competency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.api import LabelList, Problem, ProblemCode, Provenance
from hub_generic_excel.class_files import (
    ClassFile,
    GradeRow,
    Kind,
    Slot,
    Title,
    read_class_file,
)
from hub_generic_excel.headers import Header, aliases, text_of
from hub_generic_excel.sheets import Blank, Entry, SheetPlan
from hub_generic_excel.workbook import Row, Sheet, cell

_RATED = ("qualities", "competencies")
_YEAR_COLUMNS = ("evaluation", "completed_grade", "completed_primary", "awards", "homeroom_comment")


def _classify(
    header: Header, template: Mapping[str, Any], subjects: LabelList
) -> tuple[dict[int, Slot], list[int]]:
    measures = {n: k for k, names in aliases(template.get("measures", {})).items() for n in names}
    groups = {n: k for k, names in aliases(template.get("groups", {})).items() for n in names}
    identity = {c for k, c in header.columns.items() if k not in _YEAR_COLUMNS}
    slots: dict[int, Slot] = {}
    for key in _YEAR_COLUMNS:
        if key in header.columns:
            slots[header.columns[key]] = ("year", key)
    unknown: list[int] = []
    for c in range(len(header.raw)):
        if c in identity or c in slots or not any(header.folded[c]):
            continue
        texts = [
            (raw, folded)
            for raw, folded in zip(header.raw[c], header.folded[c], strict=True)
            if folded
        ]
        group = next((groups[f] for _, f in texts[:-1] if f in groups), None)
        if group is not None:
            slots[c] = (group, texts[-1][0])
            continue
        label = texts[0][0] if len(texts) > 1 and subjects.resolve(texts[0][0]) else None
        measure = measures.get(texts[-1][1])
        if label is None or measure is None:
            unknown.append(c)
            continue
        slots[c] = ("subjects", label, measure)
    return slots, unknown


def _must_have(slot: Slot) -> bool:
    """A subject's level, each quality and competency, the evaluation, the completion."""
    if slot[0] == "subjects":
        return bool(slot[-1] == "rating")
    return slot[0] in _RATED or slot in (("year", "evaluation"), ("year", "completed_grade"))


def read_summary(
    file: str, sheets: list[Sheet], template: Mapping[str, Any], labels: Mapping[str, LabelList]
) -> ClassFile:
    """The learners of one primary class summary."""
    kind = Kind(
        template,
        aliases(template["columns"]),
        aliases(template.get("title_labels", {})),
        "bảng tổng hợp",
        "the year-end summary",
        "a subject's Mức đạt / Điểm KT, a quality, a competency",
        "không rõ cột này là gì; cột bị bỏ qua",
        "cannot tell what this column holds; column ignored",
    )

    def open_sheet(book: ClassFile, sheet: Sheet, header: Header, title: Title) -> _SummarySheet:
        return _SummarySheet(book, sheet, header, title, template, labels["subjects-primary"])

    return read_class_file(file, sheets, kind, open_sheet)


class _SummarySheet:
    """A summary's sheet: one row per learner; a second row of a learner is refused."""

    __slots__ = ("book", "must_have", "name_col", "named_at", "plan", "sheet", "slots", "unknown")

    def __init__(
        self,
        book: ClassFile,
        sheet: Sheet,
        header: Header,
        title: Title,
        template: Mapping[str, Any],
        subjects: LabelList,
    ) -> None:
        file = book.file
        for key, found in title.items():
            book.title.setdefault(key, found)
        self.slots, self.unknown = _classify(header, template, subjects)
        self.must_have = [c for c, slot in self.slots.items() if _must_have(slot)]
        for c, slot in self.slots.items():
            if slot[0] == "subjects":
                book.subjects.setdefault(
                    slot[1], Provenance(file, sheet.name, header.top + 1, (cell(header.top, c),))
                )
        self.book, self.sheet, self.name_col = book, sheet, header.columns.get("full_name")
        # A blank quality keeps its label (""), so that the mapping reports it at its cell.
        self.plan = SheetPlan(
            file,
            sheet.name,
            self.slots,
            {c: Blank.EMPTY for c, slot in self.slots.items() if slot[0] in _RATED},
        )
        self.named_at = list(book.subjects.items())

    def take(self, r: int, row: Row, code: str, name: str) -> GradeRow | None:
        book = self.book
        here = Provenance(book.file, self.sheet.name, r + 1)
        dup = book.learner(code, name)
        if dup is not None:
            first = dup.entry.row.row
            dup.problems.append(
                Problem.at(
                    ProblemCode.DUPLICATE_LEARNER.value,
                    here,
                    code or text_of(row[self.name_col or 0]),
                    "one row per learner",
                    f"hai dòng cùng một học sinh ({first} và {r + 1}); không rõ dòng nào đúng",
                    f"two rows of one learner ({first} and {r + 1}); cannot tell which",
                )
            )
            return None
        target = GradeRow(Entry(here), code, name, seen=set(book.subjects))
        explicit = target.entry.locations.explicit
        explicit[()] = here
        target.entry.fill(self.plan, r, row)
        for label, where in self.named_at:
            explicit.setdefault(("subjects", label), where)
        book.rows.append(target)
        return target
