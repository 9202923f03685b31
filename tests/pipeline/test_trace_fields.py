"""hub.pipeline.trace follows hub/fields.py: each traced field's finding goes to its own cell.

A raw record of each of generic_excel's mappings with every raw value in a cell of its own;
for every field of the table, a finding at its element must be traced (in the run, and from
the stored trace) to the cell of the field the table says is traced there: its own when it is
traced, else the traced field it sits with (GVCN/MaGV with GVCN/HoTen, GiaoVien/MaGV with
GiaoVien/HoTen), else the learner's row. The cells that real files give are
tests/generic_excel/test_trace.py's; this test is about the table.
"""

from __future__ import annotations

import pytest
from hub_generic_excel.config import MAPPINGS
from openpyxl.utils import get_column_letter

from hub import fields, xpath
from hub.fields import Field
from hub.mapping import RecordMapping, load_mappings
from hub.pipeline.trace import locate, locate_in_raw, make_trace
from hub.sources import Provenance, RawPath, RawRecord
from hub.store import SourceLocation

FILE, SHEET, ROW = "6A1.xlsx", "Học sinh", 7
LABEL, CODE = "Toán", "TOAN"  # a subject as the school names it, and its code


def _cell(number: int) -> Provenance:
    return Provenance(FILE, SHEET, ROW, (f"{get_column_letter(number + 2)}{ROW}",))


def _record(mapping: RecordMapping) -> RawRecord:
    """A raw record whose every raw path the mapping reads is a cell of its own."""
    paths: list[RawPath] = [p for r in mapping.fields if (p := r.source or r.default_from)]
    group = mapping.groups["subjects"]
    paths += [(*group.source, LABEL, *r.source) for r in group.fields if r.source]
    locations = {(): Provenance(FILE, SHEET, ROW)}
    for path in paths:
        locations.setdefault(path, _cell(len(locations)))
    data = {group.source[0]: {LABEL: {}}}
    return RawRecord("k", mapping.name, data, locations)


def _shown(where: Provenance) -> SourceLocation:
    """A Provenance as trace reports it."""
    cell = ", ".join(where.cells) if where.cells else None
    return SourceLocation(file=where.file, sheet=where.sheet, cell=cell, row=where.row)


def _two_steps(field: Field, primary: bool) -> str:
    return "/".join(fields.record_xpath(field, primary).split("/")[3:5])


def _expected_record(raw: RawRecord, mapping: RecordMapping, field: Field) -> Provenance:
    primary = mapping.level == fields.PRIMARY
    sources = {r.target: r.source or r.default_from for r in mapping.fields}
    owners = [
        f
        for f in fields.RECORD_FIELDS
        if f.traced and _two_steps(f, primary) == _two_steps(field, primary)
    ]
    for owner in owners:
        path = sources.get(owner.name)
        if path is not None:
            return raw.location_of(path)
    return raw.location_of(())


def _mappings() -> list[RecordMapping]:
    found = load_mappings([MAPPINGS])  # the plugin ships its record mappings
    return [found.record(f"generic_excel-{level}") for level in (fields.PRIMARY, fields.SECONDARY)]


@pytest.mark.parametrize("mapping", _mappings(), ids=lambda m: m.level)
def test_a_finding_at_a_field_of_the_record_is_traced_as_the_table_says(
    mapping: RecordMapping,
) -> None:
    raw = _record(mapping)
    trace = make_trace(raw, mapping)
    primary = mapping.level == fields.PRIMARY
    for field in fields.RECORD_FIELDS:
        if mapping.level not in field.levels:
            continue
        where = fields.record_xpath(field, primary)
        expected = _shown(_expected_record(raw, mapping, field))
        assert locate_in_raw(raw, mapping, where) == expected, field.name
        assert locate(trace, where) == expected, field.name


def _subject_xpaths(primary: bool) -> list[tuple[str, str]]:
    """(the mapping's name of the field, its XPath) for every subject and semester field."""
    level = fields.PRIMARY if primary else fields.SECONDARY
    found = [
        (f.name, xpath.subject(primary, CODE, f.element))
        for f in fields.SUBJECT_FIELDS
        if level in f.levels
    ]
    if not primary:
        found += [
            (fields.semester_target(n, f.name), xpath.semester(CODE, n, f.element))
            for n in fields.SEMESTERS
            for f in fields.SEMESTER_FIELDS
        ]
    return found


def _traced_with(name: str) -> str:
    """The traced subject field a finding at `name`'s element goes to: itself, or its group's."""
    table = {f.name: f for f in fields.SUBJECT_FIELDS}
    field = table.get(name)
    if field is None or field.traced:
        return name
    group = field.element.split("/")[0] + "/"
    return next(f.name for f in fields.SUBJECT_FIELDS if f.traced and f.element.startswith(group))


@pytest.mark.parametrize("mapping", _mappings(), ids=lambda m: m.level)
def test_a_finding_at_a_subjects_field_is_traced_to_its_cell(mapping: RecordMapping) -> None:
    raw = _record(mapping)
    group = mapping.groups["subjects"]
    sources = {r.target: r.source for r in group.fields if r.source}
    for name, where in _subject_xpaths(mapping.level == fields.PRIMARY):
        source = sources.get(_traced_with(name))
        subject: RawPath = (*group.source, LABEL)
        expected = raw.location_of((*subject, *source) if source else subject)
        assert locate_in_raw(raw, mapping, where) == _shown(expected), name
