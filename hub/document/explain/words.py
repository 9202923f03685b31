"""What the XSD's types and facets ask for, said in Vietnamese and English.

A schema error names a facet (`pattern '[0-9]{8}'`, `maxLength 30`) or a built-in type
(`xs:decimal`); an operator needs "8 digits" and "at most 30 characters". Each function here
turns one such piece of the schema into the words of a finding, as a (Vietnamese, English) pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

Words = tuple[str, str]
"""A phrase in Vietnamese and in English."""

MAX_VALUE = 80
"""A value longer than this is quoted up to here: a finding shows the value, not a dump."""

SIGNATURE = "ds:Signature"
"""How findings name the one XMLDSig element DSCKS/ChuKy holds (its `xs:any` wildcard)."""

# The XSD's patterns, said in words.
PATTERNS: dict[str, Words] = {
    "[0-9]{8}": ("8 chữ số", "8 digits"),
    "[0-9]{2}": ("2 chữ số", "2 digits"),
    "[0-9]{10,15}": ("10–15 chữ số", "10 to 15 digits"),
    "[0-9]{4}-[0-9]{4}": ("năm học dạng YYYY-YYYY", "a school year YYYY-YYYY"),
    "[0-9]{4}-[0-9]{2}-[0-9]{2}": ("ngày dạng YYYY-MM-DD", "a date YYYY-MM-DD"),
    "[A-Z]{2}": ("mã quốc gia ISO 3166-1 (2 chữ in hoa)", "an ISO 3166-1 alpha-2 country code"),
    "[A-Za-z0-9_.\\-]{1,64}": (
        "1–64 ký tự chữ, số, '_', '.', '-'",
        "1 to 64 letters, digits, '_', '.' or '-'",
    ),
    "[\\p{L}\\p{M} '\\-]+": (
        "chỉ chữ cái, dấu cách, ' và -",
        "letters, spaces, ' and - only",
    ),
    "0[1-9]|[1-4][0-9]|5[0-5]": ("mã dân tộc 01–55", "an ethnic group code 01 to 55"),
    "[A-Za-z0-9_]{1,20}": ("1–20 ký tự chữ, số hoặc '_'", "1 to 20 letters, digits or '_'"),
    "Mon-[A-Za-z0-9_]{1,20}": ("'Mon-' + MaMon", "'Mon-' followed by MaMon"),
}

# The built-in types the XSD's values rest on, said in words.
TYPES: dict[str, Words] = {
    "xs:decimal": ("số thập phân, ví dụ 8.5", "a decimal number such as 8.5"),
    "xs:integer": ("số nguyên", "an integer"),
    "xs:nonNegativeInteger": ("số nguyên ≥ 0", "an integer ≥ 0"),
    "xs:boolean": ("true hoặc false", "true or false"),
    "xs:date": ("ngày hợp lệ dạng YYYY-MM-DD", "a valid date YYYY-MM-DD"),
}


def quoted(value: str) -> str:
    """`'value'`, clipped to MAX_VALUE characters."""
    clipped = value if len(value) <= MAX_VALUE else value[:MAX_VALUE] + "…"
    return f"'{clipped}'"


def characters(count: int) -> Words:
    """`31 ký tự` / `31 characters` (one character is singular)."""
    return f"{count} ký tự", f"{count} character" if count == 1 else f"{count} characters"


def length(count: int) -> Words:
    """A value's length as found: `dài 31 ký tự` / `31 characters`, or an empty value."""
    if not count:
        return "trống", "an empty value"
    vi, en = characters(count)
    return f"dài {vi}", en


def one_of(values: Iterable[str]) -> Words:
    """An enumeration: `một trong {'02', '03'}` / `one of {'02', '03'}`."""
    listed = ", ".join(f"'{v}'" for v in values)
    return f"một trong {{{listed}}}", f"one of {{{listed}}}"


def pattern(regex: str) -> Words:
    """A pattern in words; a pattern this table does not know is shown as written."""
    return PATTERNS.get(regex, (f"khớp mẫu {regex}", f"a match of {regex}"))


def builtin_type(prefixed_name: str) -> Words:
    """A built-in type in words (`xs:decimal` → a decimal number such as 8.5)."""
    return TYPES.get(prefixed_name, (prefixed_name, prefixed_name))


def number(value: object) -> str:
    """A bound as the XSD writes it (`12`, `0.5`), not as Python prints it (`Decimal('12')`)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def at_most(bound: object) -> Words:
    return f"không lớn hơn {number(bound)}", f"at most {number(bound)}"


def at_least(bound: object) -> Words:
    return f"không nhỏ hơn {number(bound)}", f"at least {number(bound)}"


def max_length(limit: int) -> Words:
    vi, en = characters(limit)
    return f"tối đa {vi}", f"at most {en}"


def min_length(limit: int) -> Words:
    vi, en = characters(limit)
    return f"ít nhất {vi}", f"at least {en}"


def exactly(value: str) -> Words:
    return f"đúng '{value}'", f"exactly '{value}'"
