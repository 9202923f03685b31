"""libxml2's schema errors → HB002 findings an operator can act on.

libxml2 says `Element '{urn:moet:hocbaso:1}Foo': This element is not expected. Expected is
( {urn:moet:hocbaso:1}TenTruong ).` at `/*/*[1]/*/*[7]`. A finding says where in the spec's
names, what was found and what was expected, in Vietnamese and English. The few error kinds a
transcript can actually hit are explained one by one; anything else keeps libxml2's own text.
"""

from __future__ import annotations

import re

from lxml import etree

from hub.document.locate import element_xpath, local_name
from hub.document.names import DSIG_NAMESPACE, NAMESPACE
from hub.findings import Finding, error

_SUBJECT = re.compile(r"^Element '([^']*)'(?:, attribute '([^']*)')?: ")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_VALUE = re.compile(r"[Tt]he value '((?:[^']|'(?! ))*)'")
_QUOTED_FIRST = re.compile(
    r"^'((?:[^']|'(?! ))*)' is not a valid value of the (?:local )?atomic type"
)
_TYPE = re.compile(r"atomic type '([^']*)'")
_SET = re.compile(r"set \{(.*)\}")
_LENGTH = re.compile(r"length of '(\d+)'.*length of '(\d+)'")
_BOUND = re.compile(r"value allowed \('([^']*)'\)")
_FIXED = re.compile(r"fixed value constraint '([^']*)'")
_KEY = re.compile(r"key-sequence \[(.*)\] in unique identity-constraint '([^']*)'")
_PATTERN = re.compile(r"pattern '(.*)'\.$")
_PREFIXED_STEP = re.compile(r"([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)")
_MAX_VALUE = 80

# The XSD's patterns, said in words.
_PATTERNS = {
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

_TYPES = {
    "xs:decimal": ("số thập phân, ví dụ 8.5", "a decimal number such as 8.5"),
    "xs:integer": ("số nguyên", "an integer"),
    "xs:nonNegativeInteger": ("số nguyên ≥ 0", "an integer ≥ 0"),
    "xs:boolean": ("true hoặc false", "true or false"),
    "xs:date": ("ngày hợp lệ dạng YYYY-MM-DD", "a valid date YYYY-MM-DD"),
}

_UNIQUE_FIELDS = {
    "UniqueMaMonTieuHoc": "MaMon",
    "UniqueMaMonTrungHoc": "MaMon",
    "UniquePhamChat": "Ma",
    "UniqueNangLuc": "Ma",
    "UniqueHocKy": "So",
}


def _short(name: str) -> str:
    """`{urn:moet:hocbaso:1}TenTruong` → `TenTruong`; any XMLDSig element → `ds:Signature`."""
    if name.startswith(f"{{{DSIG_NAMESPACE}}}"):
        return "ds:Signature"
    return name.replace(f"{{{NAMESPACE}}}", "")


def _clip(value: str) -> str:
    return value if len(value) <= _MAX_VALUE else value[:_MAX_VALUE] + "…"


def _locate(tree: etree._ElementTree, path: str | None) -> etree._Element:
    """The element libxml2's `/*/*[1]/*` path names; the root when it cannot be followed."""
    root = tree.getroot()
    if not path:
        return root
    # libxml2 writes prefixed steps (`x:Foo`) that need a namespace map: match by name instead.
    path = _PREFIXED_STEP.sub(r"*[name()='\1:\2']", path)
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return root
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return root


def _element_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _content(element: etree._Element, where: str, message: str) -> tuple[str, str, str]:
    """Missing, extra and out-of-order elements: xpath, vi, en."""
    found = local_name(element)
    expected_match = _EXPECTED.search(message)
    expected = [_short(e.strip()) for e in expected_match[1].split(",")] if expected_match else []
    if message.startswith("Missing child element"):
        wanted = ", ".join(expected)
        if len(expected) == 1:
            where = f"{where}/{expected[0]}"
        return (
            where,
            f"Thiếu phần tử bắt buộc {wanted} trong {found}.",
            f"Missing element in {found}: found none; expected {wanted}.",
        )
    parent = element.getparent()
    if not expected:
        return (
            where,
            f"Phần tử {found} không được phép ở đây (thừa).",
            f"Found element {found}, which is not allowed here; expected no further element.",
        )
    if parent is None or etree.QName(element).namespace != NAMESPACE:
        # An element of another namespace: nothing of this schema is missing, it is extra.
        return (
            where,
            f"Phần tử {found} không được phép ở đây; cần: {', '.join(expected)}.",
            f"Found element {found}, which is not allowed here; expected {', '.join(expected)}.",
        )
    siblings = _element_children(parent)
    present = {local_name(s) for s in siblings}
    if len(expected) > 1:
        wanted = ", ".join(expected)
        if present.isdisjoint(expected):
            # libxml2 lists the optional elements that may come first, then the required one.
            return (
                element_xpath(parent) + f"/{expected[-1]}",
                f"Thiếu phần tử bắt buộc (một trong: {wanted}) trước {found}.",
                f"Missing element before {found}: found none of {wanted}; expected one.",
            )
        return (
            where,
            f"Phần tử {found} không được phép ở đây; cần một trong: {wanted}.",
            f"Found element {found}; expected one of: {wanted}.",
        )
    wanted = expected[0]
    position = siblings.index(element)
    previous = local_name(siblings[position - 1]) if position else None
    if previous == found:
        return (
            where,
            f"Thừa phần tử {found}: nhiều hơn số lượng cho phép; tiếp theo cần {wanted}.",
            f"Found one {found} too many; expected {wanted} next.",
        )
    if previous == wanted:
        return (
            element_xpath(parent) + f"/{wanted}",
            f"Thiếu phần tử {wanted}: ít hơn số lượng tối thiểu (gặp {found}).",
            f"Found too few {wanted} elements (then {found}); expected another {wanted}.",
        )
    if any(local_name(s) == wanted for s in siblings[position + 1 :]):
        return (
            where,
            f"Phần tử {found} sai thứ tự: tại vị trí này cần {wanted}.",
            f"Found {found} out of order; expected {wanted} at this position.",
        )
    return (
        element_xpath(parent) + f"/{wanted}",
        f"Thiếu phần tử bắt buộc {wanted} (gặp {found} ở vị trí của nó).",
        f"Missing element {wanted}: found {found} where {wanted} is expected.",
    )


def _value(message: str) -> tuple[str, str, str, str]:
    """Facet and datatype errors: what was found and what was expected (vi, en each)."""
    if (length := _LENGTH.search(message)) and "Length'" in message:
        found_vi, found_en = f"dài {length[1]} ký tự", f"{length[1]} characters"
        if "[facet 'maxLength']" in message:
            return (
                found_vi,
                found_en,
                f"tối đa {length[2]} ký tự",
                f"at most {length[2]} characters",
            )
        return found_vi, found_en, f"ít nhất {length[2]} ký tự", f"at least {length[2]} characters"
    quoted = _VALUE.search(message) or _QUOTED_FIRST.search(message)
    found = f"'{_clip(quoted[1])}'" if quoted else "(?)"
    return (found, found, *_expected(message))


def _expected(message: str) -> tuple[str, str]:
    """What a facet or datatype error expected (vi, en)."""
    if "[facet 'enumeration']" in message and (choices := _SET.search(message)):
        return f"một trong {{{choices[1]}}}", f"one of {{{choices[1]}}}"
    if "[facet 'pattern']" in message and (pattern := _PATTERN.search(message)):
        return _PATTERNS.get(pattern[1], (pattern[1], f"a match of {pattern[1]}"))
    if "[facet 'maxInclusive']" in message and (bound := _BOUND.search(message)):
        return f"không lớn hơn {bound[1]}", f"at most {bound[1]}"
    if "[facet 'minInclusive']" in message and (bound := _BOUND.search(message)):
        return f"không nhỏ hơn {bound[1]}", f"at least {bound[1]}"
    if fixed := _FIXED.search(message):
        return f"đúng '{fixed[1]}'", f"exactly '{fixed[1]}'"
    if kind := _TYPE.search(message):
        type_name = kind[1].replace(f"{{{NAMESPACE}}}", "")
        if type_name == "Date":
            type_name = "xs:date"
        if type_name == "Score":
            type_name = "xs:decimal"
        return _TYPES.get(type_name, (type_name, type_name))
    return "giá trị hợp lệ theo lược đồ", "a value valid against the schema"


def explain_schema_error(tree: etree._ElementTree, entry: etree._LogEntry) -> Finding:
    """One libxml2 schema error as an HB002 finding."""
    element = _locate(tree, entry.path)
    where = element_xpath(element)
    subject = _SUBJECT.match(entry.message)
    message = entry.message[subject.end() :] if subject else entry.message
    attribute = subject[2] if subject else None
    kind = entry.type_name
    if kind == "SCHEMAV_ELEMENT_CONTENT":
        where, vi, en = _content(element, where, message)
    elif kind == "SCHEMAV_CVC_COMPLEX_TYPE_4" and (name := re.search(r"'([^']*)'", message)):
        where, vi, en = (
            f"{where}/@{name[1]}",
            f"Thiếu thuộc tính bắt buộc {name[1]}.",
            f"Missing attribute {name[1]}: found none; expected one.",
        )
    elif kind == "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1" and attribute:
        where, vi, en = (
            f"{where}/@{attribute}",
            f"Thuộc tính {attribute} không được phép ở đây.",
            f"Found attribute {attribute}, which is not allowed here; expected none.",
        )
    elif kind == "SCHEMAV_CVC_IDC" and (key := _KEY.search(message)):
        field = _UNIQUE_FIELDS.get(key[2].replace(f"{{{NAMESPACE}}}", ""), "khóa")
        where, vi, en = (
            f"{where}/@{field}",
            f"{field} {key[1]} xuất hiện hơn một lần; mỗi giá trị chỉ được một lần.",
            f"Found {field} {key[1]} more than once; expected each value once.",
        )
    elif kind == "SCHEMAV_CVC_ELT_1":
        where, vi, en = (
            where,
            f"Phần tử gốc {local_name(element)} không phải HocBaSo ({NAMESPACE}).",
            f"Found root element {local_name(element)}; expected HocBaSo in {NAMESPACE}.",
        )
    elif kind == "SCHEMAV_CVC_COMPLEX_TYPE_2_3":
        where, vi, en = (
            where,
            f"{local_name(element)} chỉ được chứa phần tử con, không chứa văn bản.",
            f"Found text inside {local_name(element)}; expected child elements only.",
        )
    elif "[facet" in message or "value" in message:
        if attribute:
            where = f"{where}/@{attribute}"
        found_vi, found_en, expected_vi, expected_en = _value(message)
        vi = f"Giá trị {found_vi} không hợp lệ; cần {expected_vi}."
        en = f"Found {found_en}; expected {expected_en}."
    else:
        text = _short(message.strip())
        vi, en = f"Không khớp lược đồ: {text}", f"Does not match the schema: {text}"
    return error("HB002", where, vi, en)
