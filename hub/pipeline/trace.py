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
from collections.abc import Mapping
from typing import Any

from hub import xpath
from hub.mapping import RecordMapping
from hub.sources import Provenance, RawPath, RawRecord
from hub.store import SourceLocation

# Canonical field (the mapping file's target) → its element under DLHocBa.
_ELEMENTS: dict[str, str] = {
    "header.record_id": "TTChung/MaHoSo",
    "header.school_year": "TTChung/NamHoc",
    "header.level": "TTChung/CapHoc",
    "header.grade": "TTChung/Khoi",
    "header.class_name": "TTChung/TenLop",
    "header.school_code": "TTChung/MaTruong",
    "header.school_name": "TTChung/TenTruong",
    "header.department_code": "TTChung/MaSoGD",
    "header.place_of_issue": "TTChung/DiaDanhPhatHanh",
    "header.issue_date": "TTChung/NgayLap",
    "learner.learner_code": "HocSinh/MaHocSinh",
    "learner.personal_id": "HocSinh/SoDinhDanh",
    "learner.full_name": "HocSinh/HoVaTen",
    "learner.birth_date": "HocSinh/NgaySinh",
    "learner.sex": "HocSinh/GioiTinh",
    "learner.ethnicity": "HocSinh/DanToc",
    "learner.nationality": "HocSinh/QuocTich",
    "learner.birthplace": "HocSinh/NoiSinh",
    "learner.residence": "HocSinh/NoiO",
    "learner.hometown": "HocSinh/QueQuan",
    "learner.father": "HocSinh/Cha",
    "learner.mother": "HocSinh/Me",
    "learner.guardian": "HocSinh/NguoiGiamHo",
    "confirmation.homeroom_teacher": "XacNhan/GVCN",
    "confirmation.principal": "XacNhan/HieuTruong",
}
_SUBJECT = re.compile(r"MonHoc\[@MaMon='([^']+)'\]/?(.*)$")
_ROW = "row"
_CONFIG = "config"  # the file name a plugin gives values it took from the hub's configuration

# The tail of a subject's XPath (after MonHoc[...]/) → the mapping file's field of the subject.
_SUBJECT_FIELDS: dict[str, str] = {
    "MucDat": "rating",
    "DiemKTCuoiNam": "test_score",
    "NhanXet": "comment",
    "GiaoVien": "teacher",
    "CaNam/DTB": "year_average",
    "CaNam/KetQua": "year_result",
    "KiemTraLai": "retest",
    **{
        f"HocKy[@So='{n}']/{element}": f"semester{n}.{target}"
        for n in (1, 2)
        for element, target in (
            ("DDGtx", "regular"),
            ("DDGgk", "midterm"),
            ("DDGck", "final"),
            ("DTB", "average"),
            ("KetQua", "result"),
        )
    },
}


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
                found = raw.location_of(path)
                target = _SUBJECT_FIELDS.get(subject[2])
                for rule in group.fields:
                    if rule.target == target and rule.source:
                        found = raw.location_of((*path, *rule.source))
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


def _location(entry: Mapping[str, Any]) -> SourceLocation:
    cells = entry.get("cells") or []
    cell = ", ".join(cells) if cells else (f"row {entry['row']}" if entry.get("row") else None)
    return SourceLocation(
        file=entry.get("file"),
        sheet=entry.get("sheet"),
        cell=cell[:32] if cell else None,
        url=entry.get("url"),
        vendor_key=entry.get("vendor_key"),
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


def describe(location: SourceLocation) -> str:
    """`file › sheet › D12` as an operator reads it ("?" when nothing is known)."""
    parts = [p for p in (location.file, location.sheet, location.cell, location.url) if p]
    if location.vendor_key:
        parts.append(location.vendor_key)
    return " › ".join(parts) or "?"
