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

from hub.mapping import LabelList
from hub.sources import Problem, ProblemCode, Provenance, Severity
from hub_generic_excel.formulas import BlankWatch
from hub_generic_excel.gradebook import ClassFile, GradeRow, Slot
from hub_generic_excel.headers import Header, aliases, find_header, text_of
from hub_generic_excel.learner_list import header_problem, hidden_warning
from hub_generic_excel.sheets import (
    Blank,
    Entry,
    SheetPlan,
    learner_rows,
    name_key,
    title_values,
    uncomputed_formulas,
)
from hub_generic_excel.workbook import Sheet, cell

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
    columns = aliases(template["columns"])
    title_labels = aliases(template.get("title_labels", {}))
    book = ClassFile(file)
    read_any = False
    for sheet in sheets:
        header = find_header(
            sheet.rows, columns, template["anchor"], template.get("search_rows", 30)
        )
        if header is None:
            continue
        read_any = True
        if sheet.hidden:
            book.problems.append(hidden_warning(file, sheet))
        for key, found in title_values(sheet, header.top, title_labels, file).items():
            book.title.setdefault(key, found)
        slots, unknown = _classify(header, template, labels["subjects-primary"])
        for c in unknown:
            where = Provenance(file, sheet.name, header.bottom + 1, (cell(header.bottom, c),))
            book.problems.append(
                Problem.at(
                    ProblemCode.COLUMN_AMBIGUOUS.value,
                    where,
                    " / ".join(t for t in header.raw[c] if t)[:80],
                    "a subject's Mức đạt / Điểm KT, a quality, a competency",
                    "không rõ cột này là gì; cột bị bỏ qua",
                    "cannot tell what this column holds; column ignored",
                    Severity.WARNING,
                )
            )
        for c, slot in slots.items():
            if slot[0] == "subjects":
                book.subjects.setdefault(
                    slot[1], Provenance(file, sheet.name, header.top + 1, (cell(header.top, c),))
                )
        code_col = header.columns.get("learner_code")
        name_col = header.columns.get("full_name")
        mapped = sorted({*slots, *header.columns.values()})
        # A blank quality keeps its label (""), so that the mapping reports it at its cell.
        plan = SheetPlan(
            file,
            sheet.name,
            slots,
            {c: Blank.EMPTY for c, slot in slots.items() if slot[0] in _RATED},
        )
        named_at = list(book.subjects.items())
        watch = BlankWatch(c for c, slot in slots.items() if _must_have(slot))
        read: dict[int, GradeRow] = {}
        for item in learner_rows(sheet, header, mapped, file):
            if isinstance(item, Problem):
                book.problems.append(item)
                continue
            r, row = item
            watch.watch(row)
            code = (
                text_of(row[code_col]).strip()
                if code_col is not None and code_col < len(row)
                else ""
            )
            name = name_key(row[name_col]) if name_col is not None and name_col < len(row) else ""
            dup = book.learner(code, name)
            if dup is not None:
                here = Provenance(file, sheet.name, r + 1)
                first = dup.entry.row.row
                dup.problems.append(
                    Problem.at(
                        ProblemCode.DUPLICATE_LEARNER.value,
                        here,
                        code or text_of(row[name_col or 0]),
                        "one row per learner",
                        f"hai dòng cùng một học sinh ({first} và {r + 1}); không rõ dòng nào đúng",
                        f"two rows of one learner ({first} and {r + 1}); cannot tell which",
                    )
                )
                continue
            here = Provenance(file, sheet.name, r + 1)
            target = GradeRow(Entry(here), code, name, seen=set(book.subjects))
            explicit = target.entry.locations.explicit
            explicit[()] = here
            target.entry.fill(plan, r, row)
            for label, where in named_at:
                explicit.setdefault(("subjects", label), where)
            book.rows.append(target)
            read[r] = target
        if watch.seen_blank:
            for found, problem in uncomputed_formulas(sheet, file, read, slots):
                found.problems.append(problem)
    if not read_any:
        first_sheet = sheets[0] if sheets else Sheet("?", False, [])
        book.problems.append(
            header_problem(
                file,
                first_sheet,
                " / ".join(template["columns"]["full_name"][:2]),
                "bảng tổng hợp",
                "the year-end summary",
            )
        )
    return book
