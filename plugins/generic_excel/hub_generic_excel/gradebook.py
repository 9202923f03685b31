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

from hub.mapping import LabelList
from hub.mapping.legacy import to_unicode
from hub.sources import Problem, ProblemCode, Provenance, Severity
from hub_generic_excel.formulas import BlankWatch
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

Slot = tuple[Any, ...]  # the path of a column's value under an entry, e.g. ("subjects", "Toán", …)


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
    title: dict[str, tuple[str, Provenance]] = field(default_factory=dict)
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

    template: Mapping[str, Any]
    labels: LabelList
    columns: dict[str, set[str]]
    title_labels: dict[str, set[str]]
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
    if found is None or found.template is not template or found.labels is not labels:
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        found = _COMPILED[key] = _Compiled(
            template,
            labels,
            aliases(template["columns"]),
            aliases(template.get("title_labels", {})),
            _Measures(template),
        )
    return found


def read_gradebook(
    file: str, sheets: list[Sheet], template: Mapping[str, Any], labels: LabelList, scored: set[str]
) -> ClassFile:
    """The learners of one class gradebook, merged across its sheets."""
    compiled = _compiled(template, labels)
    columns = compiled.columns
    title_labels = compiled.title_labels
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
        title = title_values(sheet, header.top, title_labels, file)
        for key in ("class_name", "homeroom_teacher"):
            if key in title:
                book.title.setdefault(key, title[key])
        sheet_label = title["subject"][0] if "subject" in title else sheet.name
        label_where = title["subject"][1] if "subject" in title else Provenance(file, sheet.name)
        slots, unknown = compiled.classify(header, sheet_label, scored)
        for c in unknown:
            where = Provenance(file, sheet.name, header.bottom + 1, (cell(header.bottom, c),))
            book.problems.append(
                Problem.at(
                    ProblemCode.COLUMN_AMBIGUOUS.value,
                    where,
                    " / ".join(t for t in header.raw[c] if t)[:80],
                    "ĐĐGtx1…, ĐĐGgk, ĐĐGck, ĐTBmhk, KQ under a semester",
                    "không rõ cột này là điểm gì (học kỳ, loại điểm); cột bị bỏ qua",
                    "cannot tell what this column holds (semester, kind of score); column ignored",
                    Severity.WARNING,
                )
            )
        sheet_labels = {slot[1] for slot in slots.values() if slot[0] == "subjects"}
        for label in sheet_labels:
            if label == sheet_label:
                if _resolve(labels, label) is None:
                    book.unknown_subjects.setdefault(label, label_where)
                book.subjects.setdefault(label, label_where)
            else:
                c = next(c for c, s in slots.items() if s[0] == "subjects" and s[1] == label)
                book.subjects.setdefault(
                    label, Provenance(file, sheet.name, header.top + 1, (cell(header.top, c),))
                )
            if "teacher" in title and label == sheet_label:
                book.teachers.setdefault(label, title["teacher"])
        _read_rows(book, sheet, header, slots, sheet_labels, file)
    if not read_any:
        first_sheet = sheets[0] if sheets else Sheet("?", False, [])
        book.problems.append(
            header_problem(
                file,
                first_sheet,
                " / ".join(template["columns"]["full_name"][:2]),
                "sổ điểm",
                "the gradebook",
            )
        )
    return book


def _read_rows(
    book: ClassFile,
    sheet: Sheet,
    header: Header,
    slots: dict[int, Slot],
    labels: set[str],
    file: str,
) -> None:
    code_col = header.columns.get("learner_code")
    name_col = header.columns.get("full_name")
    mapped = sorted({*slots, *header.columns.values()})
    plan = SheetPlan(file, sheet.name, slots)
    identity = SheetPlan(
        file,
        sheet.name,
        {c: ("grades", key) for key, c in header.columns.items() if key != "order"},
        Blank.RAW_IN_ROW,
    )
    teachers = [
        (("subjects", label, "teacher"), *book.teachers[label])
        for label in labels
        if label in book.teachers
    ]
    named_at = [(("subjects", label), book.subjects[label]) for label in labels]
    seen_here: dict[str, int] = {}
    watch = BlankWatch(c for c, slot in slots.items() if must_have(slot))
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
        target = book.learner(code, name)
        if target is None:
            here = Provenance(file, sheet.name, r + 1)
            target = GradeRow(Entry(here), code, name)
            target.entry.locations.explicit[()] = here
            target.entry.fill(identity, r, row)
            book.rows.append(target)
        identity_key = code or name
        if identity_key in seen_here:
            first = seen_here[identity_key]
            where = Provenance(file, sheet.name, r + 1, (cell(r, name_col or 0),))
            target.problems.append(
                Problem.at(
                    ProblemCode.DUPLICATE_LEARNER.value,
                    where,
                    text_of(row[name_col or 0]),
                    "one row per learner",
                    f"hai dòng cùng một học sinh ({first} và {r + 1}); không rõ dòng nào đúng",
                    f"two rows of one learner ({first} and {r + 1}); cannot tell which is right",
                )
            )
            continue
        seen_here[identity_key] = r + 1
        read[r] = target
        target.seen.update(labels)
        target.entry.fill(plan, r, row)
        for teacher_path, teacher, where in teachers:
            target.entry.put(teacher_path, teacher, where)
        explicit = target.entry.locations.explicit
        for label_path, where in named_at:
            explicit.setdefault(label_path, where)
    if watch.seen_blank:
        for target, problem in uncomputed_formulas(sheet, file, read, slots):
            target.problems.append(problem)


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
