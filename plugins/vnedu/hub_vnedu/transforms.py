"""The transforms vnEdu's record mappings need beyond the hub's own (`register_transforms`).

A vnEdu subject holds either scores or a comment mark in the same keys: a scored subject's
``hk1`` is an object ``{"tx", "gk", "ck", "tb"}`` and its ``ca_nam`` a score ("9,2"); a comment
subject's ``hk1`` and ``ca_nam`` are "Đ" or "CĐ"; ``kiem_tra_lai`` is either. The mapping reads
each key twice — as a score and as a mark — and these two steps let through only the shape
that side takes, so one value is converted (and, if wrong, reported) exactly once:

    vnedu_number   passes a value with a digit in it (to `score`/`average`); None otherwise
    vnedu_mark     passes a text without digits (to `label:pass-fail`); None otherwise

"8,5,1" has digits, so `score` refuses it; "Đạt ạ" has none, so the label list refuses it.
Dates are ``dd/mm/yyyy`` exactly (`vnedu_date`): the hub's `date` would also take an Excel
serial number, which an API never sends, so "20110314" is refused instead of read as a serial.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from hub.api import Transform, TransformError, clean

_DIGIT = re.compile(r"\d")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO2 = re.compile(r"[A-Za-z]{2}")


def vnedu_number(value: Any, arg: str) -> Any:
    """The value when it may be a score (it has a digit), else None (a comment mark)."""
    if isinstance(value, bool):
        return value  # refused by `score` as what it is
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _DIGIT.search(value):
        return value
    return None


def vnedu_mark(value: Any, arg: str) -> Any:
    """The value when it may be a comment mark (text without digits), else None."""
    if isinstance(value, str) and not _DIGIT.search(value):
        return value
    return None


def vnedu_date(value: Any, arg: str) -> date:
    """A date written ``dd/mm/yyyy`` (vnEdu's ngay_sinh); a day no calendar holds is refused."""
    found = clean(str(value))
    parts = _DATE.fullmatch(found)
    if parts is None:
        raise TransformError("dd/mm/yyyy", "cần ngày dạng dd/mm/yyyy", "expected a date dd/mm/yyyy")
    try:
        return date(int(parts[3]), int(parts[2]), int(parts[1]))
    except ValueError as exc:
        raise TransformError(
            "dd/mm/yyyy", "ngày không có trong lịch", "no such day in the calendar"
        ) from exc


def iso_country(value: Any, arg: str) -> str:
    """An ISO 3166-1 alpha-2 code ("KR"), as giay_to_nuoc_ngoai.quoc_gia_cap holds it."""
    found = clean(str(value))
    if _ISO2.fullmatch(found) is None:
        raise TransformError(
            "ISO 3166-1 alpha-2 (KR, US, …)",
            "cần mã quốc gia hai chữ cái",
            "expected a two-letter country code",
            expected_vi="mã ISO 3166-1 hai chữ cái (KR, US, …)",
        )
    return found.upper()


def vnedu_awards(value: Any, arg: str) -> str:
    """khen_thuong: a text, or a list of texts joined with "; "."""
    if isinstance(value, list):
        return "; ".join(clean(str(v)) for v in value if v is not None and str(v).strip())
    if isinstance(value, Mapping):
        raise TransformError("text", "cần một đoạn văn bản", "expected a text")
    return clean(str(value))


TRANSFORMS: dict[str, Transform] = {
    "vnedu_number": vnedu_number,
    "vnedu_mark": vnedu_mark,
    "vnedu_date": vnedu_date,
    "iso_country": iso_country,
    "vnedu_awards": vnedu_awards,
}

Register = Callable[[str, Transform], None]
