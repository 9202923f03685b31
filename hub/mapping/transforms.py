"""The built-in transforms mapping files name (`transform: [score]`), and their contract.

A transform is `function(value, arg) -> value`: `value` is what the source gave (a string, a
float from a spreadsheet, a date), `arg` the text after a colon in the mapping file
(`label:subjects-secondary` → "subjects-secondary"), "" when there is none. It returns the
converted value or raises `TransformError` saying what it expected; it never guesses. Blank
values never reach a transform: the engine treats them as missing.

Scores go through Decimal. Spreadsheet readers give floats (8.5, or 8.300000000000001 from a
formula); `_decimal` takes the float's shortest repr and rounds away binary noise beyond nine
places before any rule rounds half up, so 8.25 stays 8.25 and never becomes 8.2 by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.mapping.text import clean
from hub.rules.compute import round_score

Transform = Callable[[Any, str], Any]
"""`function(value, arg) -> converted value`; raises TransformError."""

_NOISE = Decimal("1e-9")
_TEN = Decimal(10)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 29 Feb 1900


class TransformError(ValueError):
    """A value a transform cannot convert, with what it expected (in both languages).

    `expected` is what a Problem's `expected` holds and what the English message quotes;
    `expected_vi` is what the Vietnamese message quotes, when `expected` has words in it
    ("12 digits" → "12 chữ số"). Left out, `expected` is taken to need no translation
    ("0.0–10.0", "dd/mm/yyyy").
    """

    def __init__(
        self,
        expected: str,
        message_vi: str,
        message_en: str,
        code: str = "VALUE_INVALID",
        *,
        expected_vi: str | None = None,
    ) -> None:
        super().__init__(message_en)
        self.expected = expected
        self.expected_vi = expected if expected_vi is None else expected_vi
        self.message_vi = message_vi
        self.message_en = message_en
        self.code = code


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TransformError("0–10", "cần một số", "expected a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(_NOISE).normalize()
    if isinstance(value, Decimal):
        return value
    text = clean(str(value)).replace(" ", "")
    if re.fullmatch(r"[+-]?\d+([.,]\d+)?", text) is None:
        raise TransformError(
            "0–10",
            f"cần một số (dấu phẩy hoặc chấm thập phân), gặp {value!r}",
            f"expected a number (decimal comma or point), found {value!r}",
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above prevents it
        raise TransformError("0–10", "cần một số", "expected a number") from exc


_TENTHS = tuple(Decimal(n).scaleb(-1) for n in range(101))  # 0.0, 0.1, … 10.0


def _tenths(value: Any) -> Decimal | None:
    """The fast path for the usual cell, a float on a tenth (8.5, or 8.300000000000001)."""
    if type(value) is float or type(value) is int:
        tenths = value * 10
        nearest = round(tenths)
        if abs(tenths - nearest) < 1e-7 and 0 <= nearest <= 100:
            return _TENTHS[nearest]
    return None


def score(value: Any, arg: str) -> Decimal:
    """A score 0.0–10.0 with one decimal at most ("8,5", "8.5 ", 8.5, a formula's value)."""
    fast = _tenths(value)
    if fast is not None:
        return fast
    number = _decimal(value)
    if not _ZERO <= number <= _TEN:
        raise TransformError("0.0–10.0", "điểm phải từ 0 đến 10", "a score is between 0 and 10")
    if number != number.quantize(Decimal("0.1")):
        raise TransformError(
            "0.0–10.0, 1 decimal",
            "điểm chỉ có tối đa một chữ số thập phân",
            "a score has at most one decimal",
            expected_vi="0.0–10.0, một chữ số thập phân",
        )
    return number.quantize(Decimal("0.1"))


def average(value: Any, arg: str) -> Decimal:
    """A stated average: a score, rounded half up to one decimal (a formula's 7.666… → 7.7)."""
    fast = _tenths(value)
    if fast is not None:
        return fast
    number = _decimal(value)
    if not _ZERO <= number <= _TEN:
        raise TransformError("0.0–10.0", "điểm phải từ 0 đến 10", "a score is between 0 and 10")
    return round_score(number)


_ZERO = Decimal(0)


def integer(value: Any, arg: str) -> int:
    """A whole number ≥ 0 (an int, a float with no fraction, or digits)."""
    number = _decimal(value)
    if number != number.to_integral_value() or number < 0:
        raise TransformError(
            "0, 1, 2, …", "cần một số nguyên không âm", "expected a whole number ≥ 0"
        )
    return int(number)


def test_score(value: Any, arg: str) -> int:
    """A primary year-end test score: an integer 1–10."""
    number = integer(value, arg)
    if not 1 <= number <= 10:
        raise TransformError("1–10", "điểm kiểm tra là số nguyên 1–10", "a test score is 1–10")
    return number


def text(value: Any, arg: str) -> str:
    """Text in NFC, white space collapsed; a float that is a whole number loses its ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value))


def digits(value: Any, arg: str) -> str:
    """A code made of digits (learner code, personal ID); `arg` = "10-15" bounds the length.

    A spreadsheet may have stored it as a number (leading zeros lost): an ID of 12 digits whose
    number has 11 is refused rather than padded, because the lost digit cannot be known.
    """
    found = text(value, "")
    wanted_vi, wanted_en = (f"{arg} chữ số", f"{arg} digits") if arg else ("chữ số", "digits")
    if not found.isdigit() or not found.isascii():
        if _SPLIT_DIGITS.fullmatch(found):
            raise TransformError(
                wanted_en,
                "có dấu cách, dấu chấm hoặc gạch ngang giữa các chữ số; chỉ ghi các chữ số",
                "has spaces, dots or dashes between the digits; write the digits only",
                expected_vi=wanted_vi,
            )
        raise TransformError(
            wanted_en, "cần một dãy chữ số", "expected digits only", expected_vi=wanted_vi
        )
    if arg:
        low, _, high = arg.partition("-")
        if not int(low) <= len(found) <= int(high or low):
            lost_zero = isinstance(value, int | float) and len(found) < int(low)
            hint_vi = (
                " (ô lưu dạng số nên mất các số 0 đầu: định dạng cột là Văn bản rồi nhập lại)"
                if lost_zero
                else ""
            )
            hint_en = (
                " (the cell holds a number, so its leading zeros were lost: format the column "
                "as Text and type it again)"
                if lost_zero
                else ""
            )
            raise TransformError(
                wanted_en,
                f"có {len(found)} chữ số{hint_vi}",
                f"expected {arg} digits, found {len(found)}{hint_en}",
                expected_vi=wanted_vi,
            )
    return found


_SPLIT_DIGITS = re.compile(r"\d+(?:[ .\-]\d+)+")  # "0362 1206 5227", "036.212.065.227"
_DATE_TEXT = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_ISO_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def to_date(value: Any, arg: str) -> date:
    """A date as a date cell, an Excel serial number, `dd/mm/yyyy`, `d-m-yyyy` or ISO."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466 and float(value).is_integer():
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise TransformError("dd/mm/yyyy", "số ngày Excel không hợp lệ", "not an Excel date serial")
    found = clean(str(value))
    parts = _DATE_TEXT.fullmatch(found)
    iso = _ISO_TEXT.fullmatch(found)
    try:
        if parts:
            return date(int(parts[3]), int(parts[2]), int(parts[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if found.isdigit():
            return to_date(int(found), arg)
    except ValueError as exc:
        raise TransformError("dd/mm/yyyy", "ngày không tồn tại", "no such date") from exc
    raise TransformError("dd/mm/yyyy", "cần ngày dạng dd/mm/yyyy", "expected a date dd/mm/yyyy")


def grade_of_class(value: Any, arg: str) -> int:
    """The grade a class name starts with: "7A3" → 7, "10 Toán" → 10."""
    match = re.match(r"\s*(\d{1,2})", text(value, ""))
    if match is None or not 1 <= int(match[1]) <= 12:
        raise TransformError(
            "6A1, 10C2, …",
            "tên lớp không bắt đầu bằng khối",
            "class name does not start with a grade",
        )
    return int(match[1])


def name(value: Any, arg: str) -> str:
    """A person's name: NFC, single spaces; letters, spaces, ' and - only (HoVaTen)."""
    found = text(value, "")
    if not found or any(not (c.isalpha() or c in " '-") for c in found):
        raise TransformError(
            "letters, spaces, ' -",
            "họ tên chỉ gồm chữ cái, dấu cách, ' và -",
            "a name holds letters, spaces, ' and - only",
            code="TEXT_ENCODING",
            expected_vi="chữ cái, dấu cách, ' -",
        )
    return found


def boolean(value: Any, arg: str) -> bool:
    """Yes/no as a spreadsheet writes it: x, có, 1, TRUE / (blank is missing), không, 0."""
    if isinstance(value, bool):
        return value
    folded = text(value, "").lower()
    if folded in {"x", "có", "co", "1", "true", "yes", "đạt", "dat", "hoàn thành", "hoan thanh"}:
        return True
    if folded in {"không", "khong", "0", "false", "no", "chưa", "chua", "chưa hoàn thành"}:
        return False
    raise TransformError("x / có / không", "cần có hoặc không", "expected yes or no")


def upper(value: Any, arg: str) -> str:
    """Text in upper case (codes such as country codes)."""
    return text(value, "").upper()


BUILTIN: dict[str, Transform] = {
    "score": score,
    "average": average,
    "integer": integer,
    "test_score": test_score,
    "text": text,
    "digits": digits,
    "date": to_date,
    "grade_of_class": grade_of_class,
    "name": name,
    "boolean": boolean,
    "upper": upper,
}
"""Registered by hub.mapping.builtin; `label:<list>` is built into the engine."""


def vietnamese_text(value: Any, arg: str) -> str:
    """Text in Unicode NFC, converted from NFD or the legacy TCVN3 and VNI fonts (legacy.py)."""
    from hub.mapping.legacy import to_unicode

    converted, _encoding = to_unicode(text(value, ""))
    return converted


BUILTIN["vietnamese_text"] = vietnamese_text
