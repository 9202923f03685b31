"""A secondary class gradebook (Thông tư 22): subject sheets or subject blocks, and a summary.

Each column under a subject is classified by its header texts: the semester (an upper header
row "Học kỳ I", or a suffix "TX1 HK1") and the measure (ĐĐGtx1…n, ĐĐGgk, ĐĐGck, ĐTBmhk, the
year's ĐTBmcn, KQ for comment-only subjects). The subject is the label over a block of
columns, else a "Môn: …" line above the header, else the sheet's name; labels are kept as
typed and mapped to codes by the mapping file, so an unknown label is reported per learner
at the cell that holds it. The summary sheet holds the levels, absences and conclusion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.api import LabelList, Problem, ProblemCode, Provenance, to_unicode
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

__all__ = ["ClassFile", "GradeRow", "Slot", "must_have", "read_gradebook"]


class _Measures:
    def __init__(self, template: Mapping[str, Any]) -> None:
        measures = aliases(template.get("measures", {}))
        self.regular = re.compile(
            r"^(?:"
            + "|".join(
                re.escape(a) for a in sorted(measures.pop("regular", set()), key=len, reverse=True)
            )
            + r")\s*(\d{1,2})$"
        )
        self.other = {name: key for key, names in measures.items() for name in names}
        self.semesters = {
            name: key
            for key, names in aliases(template.get("semesters", {})).items()
            for name in names
        }
        self.groups = {
            name: key
            for key, names in aliases(template.get("groups", {})).items()
            for name in names
        }

    def semester_in(self, texts: list[str]) -> str | None:
        for text in texts:
            if text in self.semesters:
                return self.semesters[text]
        return None

    def split_suffix(self, text: str) -> tuple[str, str | None]:
        for name, key in self.semesters.items():
            for form in (f" {name}", f"{name} "):
                if text.endswith(form.rstrip()) and form.startswith(" ") and text != name:
                    return text[: -len(name)].strip(), key
                if text.startswith(form.lstrip()) and form.endswith(" ") and text != name:
                    return text[len(name) :].strip(), key
        return text, None

    def measure(self, text: str) -> tuple[str, int] | None:
        regular = self.regular.fullmatch(text)
        if regular:
            return "regular", int(regular[1])
        if text in self.other:
            return self.other[text], 0
        return None


def _classify(
    header: Header, m: _Measures, labels: LabelList, sheet_label: str | None
) -> tuple[dict[int, Slot], list[int]]:
    """Column → where its value goes; and the columns that could not be classified."""
    slots: dict[int, Slot] = {}
    unknown: list[int] = []
    identity = set(header.columns.values())
    block_label: dict[int, str] = {}
    if header.bottom > header.top:
        for c in range(len(header.raw)):
            top = header.raw[c][0]
            if c not in identity and top and labels.resolve(top) is not None:
                block_label[c] = top
    group_cols = {
        c
        for c in range(len(header.raw))
        if c not in identity and any(t in m.groups for t in header.folded[c] if t)
    }
    for c in range(len(header.raw)):
        if c in identity or not any(header.folded[c]):
            continue
        texts = [t for t in header.folded[c] if t]
        if c in group_cols:
            group = next(m.groups[t] for t in texts if t in m.groups)
            semester = m.semester_in(texts)
            if group in ("learning", "training"):
                slots[c] = ("year", group, semester or "year")
            else:
                slots[c] = ("year", group)
            continue
        label = block_label.get(c, sheet_label)
        if label is None or group_cols:
            unknown.append(c)
            continue
        bottom, suffix_semester = m.split_suffix(texts[-1])
        semester = suffix_semester or m.semester_in(texts[:-1]) or (m.semesters.get(bottom))
        measure = m.measure(bottom)
        if measure is None and bottom in m.semesters:
            measure = ("value", 0)
        if measure is None:
            unknown.append(c)
            continue
        kind, number = measure
        if kind == "comment":
            slots[c] = ("subjects", label, "comment")
        elif kind == "year_average":
            slots[c] = ("subjects", label, "year", "average")
        elif kind == "retest":
            slots[c] = ("subjects", label, "year", "retest")
        elif semester is None:
            unknown.append(c)
        elif kind == "regular":
            slots[c] = ("subjects", label, semester, "regular", number - 1)
        else:
            slots[c] = ("subjects", label, semester, kind)
    return slots, unknown


def _resolve(labels: LabelList, label: str) -> str | None:
    """The subject code of a label, read as the mapping reads it (legacy fonts decoded)."""
    return labels.resolve(label) or labels.resolve(to_unicode(label.strip())[0])


def _fix_values(slots: dict[int, Slot], labels: LabelList, scored: set[str]) -> None:
    """A bare "HK1 / HK2 / Cả năm" column is an average for a scored subject, a result otherwise."""
    for c, slot in slots.items():
        if slot[0] == "subjects" and slot[-1] == "value":
            code = labels.resolve(str(slot[1]))
            slots[c] = (*slot[:-1], "average" if code in scored else "result")
        elif (
            slot[0] == "subjects"
            and slot[-1] == "retest"
            and labels.resolve(str(slot[1])) not in scored
        ):
            slots[c] = (*slot[:-1], "retest_result")


@dataclass
class _Compiled:
    """A template's aliases and measures, folded once; each distinct header classified once.

    Every class of a school sends the same sheets, so a header seen before (same texts, same
    identity columns, same subject) reuses its classification.
    """

    kind: Kind
    labels: LabelList
    measures: _Measures
    classified: dict[Any, tuple[dict[int, Slot], list[int]]] = field(default_factory=dict)

    def classify(
        self, header: Header, sheet_label: str | None, scored: set[str]
    ) -> tuple[dict[int, Slot], list[int]]:
        key = (
            tuple(map(tuple, header.raw)),
            tuple(sorted(header.columns.items())),
            header.bottom > header.top,
            sheet_label,
            frozenset(scored),
        )
        found = self.classified.get(key)
        if found is None:
            slots, unknown = _classify(header, self.measures, self.labels, sheet_label)
            _fix_values(slots, self.labels, scored)
            found = self.classified[key] = (slots, unknown)
        return found


_COMPILED: dict[tuple[int, int], _Compiled] = {}


def _compiled(template: Mapping[str, Any], labels: LabelList) -> _Compiled:
    key = (id(template), id(labels))
    found = _COMPILED.get(key)
    if found is None or found.kind.template is not template or found.labels is not labels:
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        kind = Kind(
            template,
            aliases(template["columns"]),
            aliases(template.get("title_labels", {})),
            "sổ điểm",
            "the gradebook",
            "ĐĐGtx1…, ĐĐGgk, ĐĐGck, ĐTBmhk, KQ under a semester",
            "không rõ cột này là điểm gì (học kỳ, loại điểm); cột bị bỏ qua",
            "cannot tell what this column holds (semester, kind of score); column ignored",
        )
        found = _COMPILED[key] = _Compiled(kind, labels, _Measures(template))
    return found


def read_gradebook(
    file: str, sheets: list[Sheet], template: Mapping[str, Any], labels: LabelList, scored: set[str]
) -> ClassFile:
    """The learners of one class gradebook, merged across its sheets."""
    compiled = _compiled(template, labels)

    def open_sheet(book: ClassFile, sheet: Sheet, header: Header, title: Title) -> _SubjectSheet:
        return _SubjectSheet(book, sheet, header, title, compiled, scored)

    return read_class_file(file, sheets, compiled.kind, open_sheet)


class _SubjectSheet:
    """One sheet of a gradebook: a subject's (or a block per subject's) columns, or the summary.

    A learner's rows on the gradebook's sheets make one GradeRow: the first sheet that has
    them adds them (by code, else by name), the others fill in their subjects. Two rows of one
    learner on one sheet keep the learner out (which is right cannot be known).
    """

    __slots__ = (
        "book",
        "identity",
        "labels",
        "must_have",
        "name_col",
        "named_at",
        "plan",
        "seen_here",
        "sheet",
        "slots",
        "teachers",
        "unknown",
    )

    def __init__(
        self,
        book: ClassFile,
        sheet: Sheet,
        header: Header,
        title: Title,
        compiled: _Compiled,
        scored: set[str],
    ) -> None:
        file, labels = book.file, compiled.labels
        for key in ("class_name", "homeroom_teacher"):
            if key in title:
                book.title.setdefault(key, title[key])
        sheet_label = title["subject"][0] if "subject" in title else sheet.name
        label_where = title["subject"][1] if "subject" in title else Provenance(file, sheet.name)
        self.slots, self.unknown = compiled.classify(header, sheet_label, scored)
        self.must_have = [c for c, slot in self.slots.items() if must_have(slot)]
        self.labels = {slot[1] for slot in self.slots.values() if slot[0] == "subjects"}
        for label in self.labels:
            if label == sheet_label:
                if _resolve(labels, label) is None:
                    book.unknown_subjects.setdefault(label, label_where)
                book.subjects.setdefault(label, label_where)
            else:
                c = next(c for c, s in self.slots.items() if s[0] == "subjects" and s[1] == label)
                book.subjects.setdefault(
                    label, Provenance(file, sheet.name, header.top + 1, (cell(header.top, c),))
                )
            if "teacher" in title and label == sheet_label:
                book.teachers.setdefault(label, title["teacher"])
        self.book, self.sheet, self.name_col = book, sheet, header.columns.get("full_name")
        self.plan = SheetPlan(file, sheet.name, self.slots)
        self.identity = SheetPlan(
            file,
            sheet.name,
            {c: ("grades", key) for key, c in header.columns.items() if key != "order"},
            Blank.RAW_IN_ROW,
        )
        self.teachers = [
            (("subjects", label, "teacher"), *book.teachers[label])
            for label in self.labels
            if label in book.teachers
        ]
        self.named_at = [(("subjects", label), book.subjects[label]) for label in self.labels]
        self.seen_here: dict[str, int] = {}

    def take(self, r: int, row: Row, code: str, name: str) -> GradeRow | None:
        book, seen_here = self.book, self.seen_here
        target = book.learner(code, name)
        if target is None:
            here = Provenance(book.file, self.sheet.name, r + 1)
            target = GradeRow(Entry(here), code, name)
            target.entry.locations.explicit[()] = here
            target.entry.fill(self.identity, r, row)
            book.rows.append(target)
        identity_key = code or name
        if identity_key in seen_here:
            first = seen_here[identity_key]
            where = Provenance(book.file, self.sheet.name, r + 1, (cell(r, self.name_col or 0),))
            target.problems.append(
                Problem.at(
                    ProblemCode.DUPLICATE_LEARNER.value,
                    where,
                    text_of(row[self.name_col or 0]),
                    "one row per learner",
                    f"hai dòng cùng một học sinh ({first} và {r + 1}); không rõ dòng nào đúng",
                    f"two rows of one learner ({first} and {r + 1}); cannot tell which is right",
                )
            )
            return None
        seen_here[identity_key] = r + 1
        target.seen.update(self.labels)
        target.entry.fill(self.plan, r, row)
        for teacher_path, teacher, where in self.teachers:
            target.entry.put(teacher_path, teacher, where)
        explicit = target.entry.locations.explicit
        for label_path, where in self.named_at:
            explicit.setdefault(label_path, where)
        return target


def must_have(slot: Slot) -> bool:
    """Whether a gradebook cell must hold a value for every learner assessed.

    A semester's first two ĐĐGtx (the least any subject has), its ĐĐGgk, ĐĐGck and ĐTBmhk, a
    result (KQ), the year's average, the learning and training levels and the conclusion.
    Other cells (more ĐĐGtx, KTL, comments, after re-test) may be blank in a good file.
    """
    if slot[0] == "subjects":
        last = slot[-1]
        if len(slot) > 4 and slot[-2] == "regular":
            return isinstance(last, int) and last < 2
        return last in ("midterm", "final", "average", "result")
    if slot[0] == "year":
        group, when = slot[1], slot[-1]
        return group == "conclusion" or (group in ("learning", "training") and when != "after")
    return False
