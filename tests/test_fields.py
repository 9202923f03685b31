"""hub/fields.py, the one table of the canonical fields, and the places that take it.

The mapping schema stays a plain file the loader validates with; this test holds it equal to
the table (build and read are held to it by tests/document/test_fields.py, trace by
tests/pipeline/test_trace_fields.py).
"""

from __future__ import annotations

import json
from typing import Any

from hub import fields
from hub.datafiles import load_schema
from hub.mapping.assemble import target_label

_SCHEMA = "mapping-record.schema.json"


def _names() -> list[str]:
    return [*fields.record_targets(), *fields.subject_targets(), *(g.name for g in fields.GROUPS)]


def _fix(names: tuple[str, ...]) -> str:
    return f"hub/schemas/{_SCHEMA} should list, in this order: {json.dumps(list(names))}"


def test_the_mapping_schema_admits_exactly_the_tables_fields() -> None:
    schema: dict[str, Any] = load_schema(_SCHEMA)
    record = schema["properties"]["fields"]["propertyNames"]["enum"]
    subject = schema["$defs"]["group"]["properties"]["fields"]["propertyNames"]["enum"]
    assert record == list(fields.record_targets()), _fix(fields.record_targets())
    assert subject == list(fields.subject_targets()), _fix(fields.subject_targets())
    groups = [k for k, v in schema["properties"].items() if v == {"$ref": "#/$defs/group"}]
    assert groups == [g.name for g in fields.GROUPS]


def test_each_name_is_one_field() -> None:
    names = _names()
    assert len(names) == len(set(names))
    elements = [f.element for f in fields.SUBJECT_FIELDS + fields.SEMESTER_FIELDS]
    assert len(elements) == len(set(elements))
    for primary in (True, False):
        level = fields.PRIMARY if primary else fields.SECONDARY
        paths = [fields.record_xpath(f, primary) for f in fields.RECORD_FIELDS if level in f.levels]
        assert len(paths) == len(set(paths))


def test_every_message_names_its_field_in_words() -> None:
    # Before the table, 40 of the 71 names a mapping may use had no label: a missing school
    # name said "thiếu header.school_name" and gave "header.school_name" as what is expected.
    for name in _names():
        vi, en, example = target_label(name)
        assert (vi, en, example) == fields.LABELS[name]
        assert name not in (vi, example), name
        assert "." not in en, name


def test_the_labels_of_a_semester_name_it() -> None:
    assert target_label("semester1.midterm")[:2] == ("điểm giữa kỳ I", "mid-term score, semester 1")
    assert target_label("semester2.regular")[:2] == (
        "điểm thường xuyên kỳ II",
        "regular scores, semester 2",
    )
    assert target_label("semester2.midterm", "TOAN")[:2] == (
        "điểm giữa kỳ II môn TOAN",
        "mid-term score, semester 2 of TOAN",
    )
