"""Tracing a document's XPath back to the source cell or API record it was mapped from.

A finding names a place in the document (`/HocBaSo/DLHocBa/HocSinh/NgaySinh`); an operator
needs the place in the school's file (`danh-sach.xlsx › Danh sách › D12`). The mapping knows
the way for each canonical field (`learner.birth_date` comes from raw path `learner.birth_date`)
and the raw record knows where each raw value was read. `make_trace` walks both once, while
the raw record is at hand, and keeps the answer as a small JSON text in the record's
`source_ref`, so that a rejection that arrives minutes later (TraCuuKetQua), after the raw
record is long gone, can still be pointed at its cell.

The trace holds the row's provenance and the provenance of each field and subject that differs
from it; `locate` picks the most specific entry for an XPath and falls back to the row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hub import fields, xpath
from hub.fields import Field
from hub.mapping import RecordMapping
from hub.mapping.engine import FieldRule
from hub.sources import Provenance, RawPath, RawRecord
from hub.store import SourceLocation


def _record_key(field: Field) -> str:
    """Where a field of the record is kept in a trace: its element's first two steps.

    `HocSinh/Cha` for HocSinh/Cha/HoTen: a finding anywhere inside a person is at that person,
    and stored traces are keyed so (a trace outlives the hub version that wrote it).
    """
    return "/".join(field.element.split("/")[:2])


# Canonical field (the mapping file's target) → its place under DLHocBa, for the traced fields.
_ELEMENTS: dict[str, str] = {f.name: _record_key(f) for f in fields.RECORD_FIELDS if f.traced}
_SUBJECT = re.compile(r"MonHoc\[@MaMon='([^']+)'\]/?(.*)$")
_ROW = "row"
_CONFIG = "config"  # the file name a plugin gives values it took from the hub's configuration


def _subject_fields() -> dict[str, tuple[str, ...]]:
    """The tail of a subject's XPath (after MonHoc[...]/) → the traced fields of the subject.

    Both a field's own element (`CaNam/DTB`) and the element holding it (`CaNam`: the year
    average of a scored subject, the year result of a comment one); the first field the
    mapping reads is the place.
    """
    found: dict[str, tuple[str, ...]] = {}
    for field in fields.SUBJECT_FIELDS:
        if field.traced:
            steps = field.element.split("/")
            for depth in range(len(steps), 0, -1):
                key = "/".join(steps[:depth])
                found[key] = (*found.get(key, ()), field.name)
    return found


_SUBJECT_FIELDS = _subject_fields()
# A semester's elements (after HocKy[...]/) → the semester's field, named semesterN.<field>.
_SEMESTER_FIELDS = {f.element: f.name for f in fields.SEMESTER_FIELDS if f.traced}
_SEMESTER = re.compile(r"^HocKy\[@So='([12])'\](?:/([A-Za-z]+)(?:\[(\d+)\])?)?")
_MAX_ITEMS = 64  # a list's items are looked up one by one; no subject has more scores


def _json(where: Provenance) -> dict[str, Any]:
    return where.as_json()


def _subject_labels(mapping: RecordMapping, raw: RawRecord) -> dict[str, RawPath]:
    """MaMon → raw path of the subject's entry, by running the mapping's own label steps."""
    group = mapping.groups.get("subjects")
    if group is None:
        return {}
    table: Any = raw.data
    for step in group.source:
        table = table.get(step) if isinstance(table, Mapping) else None
    if not isinstance(table, Mapping):
        return {}
    found: dict[str, RawPath] = {}
    for label in table:
        value: Any = label
        for _spec, step_function in group.code_steps:
            try:
                value = step_function(value)
            except ValueError:  # TransformError: the mapping already reported it
                value = None
            if value is None:
                break
        if isinstance(value, str):
            found[value] = (*group.source, label)
    return found


def make_trace(raw: RawRecord, mapping: RecordMapping) -> str:
    """The trace of one mapped record, as the compact JSON kept in `Record.source_ref`."""
    row = raw.location_of(())
    entries: dict[str, Any] = {_ROW: _json(row)}
    for rule in mapping.fields:
        element = _ELEMENTS.get(rule.target)
        path = rule.source or rule.default_from
        if element is None or path is None:
            continue
        where = raw.location_of(path)
        # A value the plugin took from the configuration is best fixed at the learner's row.
        if where != row and where.file != _CONFIG:
            entries[element] = _json(where)
    for code, path in _subject_labels(mapping, raw).items():
        where = raw.location_of(path)
        if where != row:
            entries[f"MonHoc/{code}"] = _json(where)
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def locate_in_raw(raw: RawRecord, mapping: RecordMapping, where: str | None) -> SourceLocation:
    """The exact source cell of an XPath, while the raw record is still at hand (in the run).

    More precise than `locate` on the stored trace: a subject's score is traced to its own
    cell, not only to the subject's sheet.
    """
    row = raw.location_of(())
    found = row
    if where and where.startswith(xpath.DATA + "/"):
        rest = where[len(xpath.DATA) + 1 :]
        subject = _SUBJECT.search(rest)
        if subject:
            path = _subject_labels(mapping, raw).get(subject[1])
            group = mapping.groups.get("subjects")
            if path is not None and group is not None:
                found = _in_subject(raw, group.fields, path, subject[2])
        else:
            parts = re.sub(r"\[[^\]]*\]", "", rest).split("/")
            element = "/".join(parts[:2])
            for rule in mapping.fields:
                path = rule.source or rule.default_from
                if _ELEMENTS.get(rule.target) == element and path is not None:
                    found = raw.location_of(path)
    if found.file == _CONFIG:
        found = row
    return _location(_json(found))


def _in_subject(
    raw: RawRecord, rules: Sequence[FieldRule], subject: RawPath, tail: str
) -> Provenance:
    """Where an element of one subject was read: its cell, or the cells of a list of scores.

    A list (a semester's ĐĐGtx) has a location per item, not one for itself: `DDGtx[2]` is
    its second item's cell, and `DDGtx` (too few scores, say) the first item's cell left empty
    in the learner's row, or the range of the row's ĐĐGtx cells when none is empty. A whole
    semester (`HocKy[@So='1']`) is the range of its cells. Anything unlocated falls back to the
    subject's own place (its sheet or column), then the record's row.
    """
    sources = {rule.target: rule.source for rule in rules if rule.source}
    semester = _SEMESTER.match(tail)
    index: int | None = None
    if semester is not None:
        number, element = semester[1], semester[2]
        if element is None:  # the whole semester
            targets = [fields.semester_target(int(number), f) for f in _SEMESTER_FIELDS.values()]
            places = [
                p for t in targets if t in sources for p in _items(raw, (*subject, *sources[t]))
            ]
            return _span(places) or raw.location_of(subject)
        targets = [fields.semester_target(int(number), _SEMESTER_FIELDS.get(element, ""))]
        index = int(semester[3]) - 1 if semester[3] else None
    else:
        targets = list(_subject_targets(tail))
    for target in targets:
        source = sources.get(target)
        if source is None:
            continue
        path = (*subject, *source)
        found = raw.locations.get((*path, index)) if index is not None else _cells(raw, path)
        if found is not None:
            return found
    for target in targets:  # nothing of its own: the nearest located parent, as before
        if target in sources:
            return raw.location_of((*subject, *sources[target]))
    return raw.location_of(subject)


def _subject_targets(tail: str) -> tuple[str, ...]:
    """The traced fields at a subject's element or, failing that, at the nearest one above it.

    `GiaoVien/MaGV` is traced as `GiaoVien`, the teacher, whose name is the traced field.
    """
    steps = tail.split("/")
    for depth in range(len(steps), 0, -1):
        found = _SUBJECT_FIELDS.get("/".join(steps[:depth]))
        if found:
            return found
    return ()


def _items(raw: RawRecord, path: RawPath) -> list[Provenance]:
    """The value's own location, or each of its items' (a list's item has one, not the list)."""
    found = raw.locations.get(path)
    if found is not None:
        return [found]
    items = []
    for index in range(_MAX_ITEMS):
        item = raw.locations.get((*path, index))
        if item is None:
            break
        items.append(item)
    return items


def _cells(raw: RawRecord, path: RawPath) -> Provenance | None:
    """The value's own location, or for a list the first empty item's, else all of them."""
    found = raw.locations.get(path)
    if found is not None:
        return found
    items = _items(raw, path)
    if not items:
        return None
    values = _value(raw.data, path)
    for index, item in enumerate(items):
        value = values[index] if isinstance(values, list) and index < len(values) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            return item
    return _span(items)


def _value(data: Any, path: RawPath) -> Any:
    for step in path:
        if isinstance(data, Mapping):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return None
    return data


def _span(places: Sequence[Provenance]) -> Provenance | None:
    """One location covering several cells of one row: "E7:H7" (else the first of them)."""
    if not places:
        return None
    first = places[0]
    same_row = all(
        (p.file, p.sheet, p.row) == (first.file, first.sheet, first.row) and p.cells for p in places
    )
    if len(places) == 1 or not same_row or not first.cells:
        return first
    cells = [part for p in places for c in p.cells for part in c.split(":")]
    ordered = sorted(cells, key=_column_order)
    return Provenance(first.file, first.sheet, first.row, (f"{ordered[0]}:{ordered[-1]}",))


def _column_order(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    return len(letters), letters


def _location(entry: Mapping[str, Any]) -> SourceLocation:
    cells = entry.get("cells") or []
    cell = ", ".join(cells) if cells else None
    return SourceLocation(
        file=entry.get("file"),
        sheet=entry.get("sheet"),
        cell=cell[:32] if cell else None,
        url=entry.get("url"),
        vendor_key=entry.get("vendor_key"),
        row=entry.get("row"),
    )


def locate(trace: str | None, where: str | None) -> SourceLocation:
    """The source location of an XPath (or a signature Id) of a record's document.

    Args:
        trace: the record's `source_ref` as `make_trace` wrote it (None: nothing known).
        where: the finding's XPath; None or a signature Id gives the record's row.
    """
    if not trace:
        return SourceLocation()
    try:
        entries: dict[str, Any] = json.loads(trace)
    except ValueError:  # a source_ref written by something else: keep it as the place
        return SourceLocation(file=trace[:200])
    if where and where.startswith(xpath.DATA + "/"):
        rest = where[len(xpath.DATA) + 1 :]
        subject = _SUBJECT.search(rest)
        keys = [f"MonHoc/{subject[1]}"] if subject else []
        parts = re.sub(r"\[[^\]]*\]", "", rest).split("/")
        keys.append("/".join(parts[:2]))
        for key in keys:
            if key in entries:
                return _location(entries[key])
    return _location(entries.get(_ROW, {}))
