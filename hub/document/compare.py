"""Does a document say what the learner's data says? Field by field, as sources.md compares.

A document the vendor signed itself (vnEdu) is sent as it is, so the hub must be sure it holds
the learner's data the vendor also served: `differences(document, data)` reads both as
canonical transcripts (the document through hub.document.read, the data through its mapping)
and walks the table of canonical fields (hub.fields) over them, each subject, quality and
competency matched by its code. Values compare as the spec says: text after NFC, case folding
and collapsing white space; numbers by value ("9", "9,0" and "9.0" are one score); an absent
value, an empty one and `null` alike. Each difference is a finding at the element's XPath
(so a rejection is traced back to the source's field), naming the field, the document's value
and the data's, in Vietnamese and English:

    học bạ đã ký ghi điểm trung bình cả năm môn TOAN 8.5, dữ liệu vnedu ghi 8.6
    the signed document says year average TOAN 8.5, vnedu's data says 8.6

The vendor's own values are not compared (`NOT_COMPARED`): NgayLap, MaHoSo and the staff
codes (MaGV). A personal ID is shown masked.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from hub import xpath
from hub.document.build import format_score
from hub.fields import (
    GROUPS,
    PRIMARY,
    RECORD_FIELDS,
    SECONDARY,
    SEMESTER_FIELDS,
    SEMESTERS,
    SUBJECT_FIELDS,
    record_xpath,
)
from hub.findings import Finding, error
from hub.model import Transcript
from hub.privacy import mask_id

DIFFERS = "VENDOR_DATA_DIFFERS"
"""The hub's code for a vendor-signed document whose content is not the learner's data."""

NOT_COMPARED = frozenset(
    {
        "header.issue_date",
        "header.record_id",
        "confirmation.homeroom_teacher_code",
        "teacher_code",
    }
)
"""Fields of the document that are the vendor's own, not the learner's data: the day it issued
the document (NgayLap), its key for the document (MaHoSo: the sender's, and the vendor is the
sender; the hub sends under it) and its staff codes (MaGV of the homeroom and the subject
teachers, optional in the document and absent from the learner data vnEdu serves)."""

_MASKED = frozenset({"learner.personal_id"})
_ABSENT_VI, _ABSENT_EN = "(không có)", "(nothing)"


def _attribute(value: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        if value is None:
            return None
        value = getattr(value, name, None)
    return value


def _norm(value: Any) -> Any:
    """A value as the spec compares it; None for absent, empty and null alike."""
    if value is None or value == "" or value == ():
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return _norm(value.value)
    if isinstance(value, int | Decimal):
        return Decimal(value).normalize()
    if isinstance(value, str):  # a code or a text (numbers are Decimal or int in the model)
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold())
        return " ".join(folded.split())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        items = tuple(_norm(v) for v in value)
        return items or None
    return value


def _shown(value: Any, masked: bool) -> tuple[str, str]:
    if value is None or value == "" or value == ():
        return _ABSENT_VI, _ABSENT_EN
    if isinstance(value, bool):
        return ("có", "yes") if value else ("không", "no")
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal):
        value = format_score(value)
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, tuple | list):
        text = "; ".join(_shown(v, masked)[0] for v in value)
        return text, text
    text = str(value)
    if masked:
        text = mask_id(text)
    return text, text


class _Walk:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.found: list[Finding] = []

    def value(
        self, where: str, label: tuple[str, str], doc: Any, data: Any, *, masked: bool = False
    ) -> None:
        if dataclasses.is_dataclass(doc) or dataclasses.is_dataclass(data):
            return  # a group, not a value: its own fields are compared
        if _norm(doc) == _norm(data):
            return
        doc_vi, doc_en = _shown(doc, masked)
        data_vi, data_en = _shown(data, masked)
        self.found.append(
            error(
                DIFFERS,
                where,
                f"học bạ đã ký ghi {label[0]} {doc_vi}, dữ liệu {self.vendor} ghi {data_vi}; "
                f"nhờ trường sửa ở {self.vendor} rồi ký lại, hub sẽ kiểm tra lại ở lần đồng bộ "
                f"sau.",
                f"the signed document says {label[1]} {doc_en}, {self.vendor}'s data says "
                f"{data_en}; have the school correct it in {self.vendor} and sign again, the "
                f"hub checks it again at the next sync.",
            )
        )

    def present(self, where: str, label: tuple[str, str], in_doc: bool) -> None:
        side_vi, side_en = (
            ("học bạ đã ký có", "the signed document has")
            if in_doc
            else (
                f"dữ liệu {self.vendor} có",
                f"{self.vendor}'s data has",
            )
        )
        other_vi, other_en = (
            (f"dữ liệu {self.vendor} không có", f"{self.vendor}'s data has not")
            if in_doc
            else ("học bạ đã ký không có", "the signed document has not")
        )
        self.found.append(
            error(
                DIFFERS,
                where,
                f"{side_vi} {label[0]}, {other_vi}.",
                f"{side_en} {label[1]}, {other_en}.",
            )
        )


def _by_code(entries: Sequence[Any] | None) -> dict[str, Any]:
    return {str(e.code): e for e in entries or ()}


def differences(document: Transcript, data: Transcript, vendor: str) -> list[Finding]:
    """Every field where the signed document and the learner's data disagree (DIFFERS).

    Args:
        document: the transcript the vendor's signed document holds (hub.document.read).
        data: the transcript the learner's data maps to (the source's record, mapped).
        vendor: how messages name the source ("vnedu").
    """
    walk = _Walk(vendor)
    primary = document.header.level.is_primary
    level = PRIMARY if primary else SECONDARY
    for f in RECORD_FIELDS:
        if f.name in NOT_COMPARED or level not in f.levels:
            continue
        walk.value(
            record_xpath(f, primary),
            (f.label_vi, f.label_en),
            _attribute(document, f.attribute),
            _attribute(data, f.attribute),
            masked=f.name in _MASKED,
        )
    for group in GROUPS:
        if level not in group.levels:
            continue
        in_doc = _by_code(_attribute(document, group.attribute))
        in_data = _by_code(_attribute(data, group.attribute))
        for code in sorted(in_doc.keys() | in_data.keys()):
            label = (f"{group.label_vi} {code}", f"{group.label_en} {code}")
            where = _entry_xpath(group.element, group.key, code, primary)
            if code not in in_data or code not in in_doc:
                walk.present(where, label, code in in_doc)
                continue
            if group.value:  # a quality or competency: its one rating
                walk.value(where, label, in_doc[code].rating, in_data[code].rating)
                continue
            for where_, label_, doc_value, data_value in _subject_fields(
                in_doc[code], in_data[code], code, primary
            ):
                walk.value(where_, label_, doc_value, data_value)
    return walk.found


def _entry_xpath(element: str, key: str, code: str, primary: bool) -> str:
    if element == "MonHoc":
        return xpath.subject(primary, code)
    return xpath.results(primary, f"{element}[@{key}='{code}']")


def _subject_fields(
    doc: Any, data: Any, code: str, primary: bool
) -> Iterator[tuple[str, tuple[str, str], Any, Any]]:
    level = PRIMARY if primary else SECONDARY
    for f in SUBJECT_FIELDS:
        if level in f.levels and f.name not in NOT_COMPARED:
            yield (
                xpath.subject(primary, code, f.element),
                (f"{f.label_vi} môn {code}", f"{f.label_en} {code}"),
                _attribute(doc, f.attribute),
                _attribute(data, f.attribute),
            )
    if primary:
        return
    for number in SEMESTERS:
        for f in SEMESTER_FIELDS:
            attribute = f.attribute.format(n=number)
            yield (
                xpath.semester(code, number, f.element),
                (
                    f"{f.label_vi} {'I' * number} môn {code}",
                    f"{f.label_en}, semester {number}, {code}",
                ),
                _attribute(doc, attribute),
                _attribute(data, attribute),
            )


__all__ = ["DIFFERS", "NOT_COMPARED", "differences"]
