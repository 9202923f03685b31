"""Document bytes → lxml tree → canonical transcript, as the receiver reads them.

Checks 1 and 2 of the receiver (transcript-document.md) happen here, in that order:

1. HB001: the document is untrusted input. It is refused *before* lxml sees it when it is over
   2 MB, is not UTF-8, or carries a DOCTYPE (the door every entity attack comes through:
   billion laughs, external entities to file:// or http://); a byte search finds these in
   microseconds and nothing is expanded. What reaches lxml goes through a parser that loads no
   DTD, resolves no entity and opens no network; anything it cannot read is HB001 too.
2. HB002: lxml validates the tree against hocbaso-1.0.xsd (the verdict); when it refuses one,
   hub.document.explain turns every schema error into a Finding with a readable XPath
   (hub.document.locate) and a message saying what was found and what was expected.

`parse_tree` stops there and returns the tree, so that hub/signing verifies signatures on the
same parse; `parse_document` goes on to the canonical model (hub.document.read).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import cast

from lxml import etree

from hub.document.explain import explain_schema_errors
from hub.document.names import MAX_DOCUMENT_BYTES, NAMESPACE, SCHEMA_FILE
from hub.document.read import transcript_from_tree
from hub.errors import DocumentError
from hub.findings import Finding, error
from hub.model import Transcript

DOCUMENT_XPATH = "/"
"""Where HB001 findings point: the document as a whole, since no element could be read."""

MAX_SCHEMA_FINDINGS = 50
"""A garbage document can fail thousands of ways; the first fifty say enough."""

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")
_WHITESPACE = b" \t\r\n"


def _refuse(message_vi: str, message_en: str) -> DocumentError:
    return DocumentError([error("HB001", DOCUMENT_XPATH, message_vi, message_en)])


def _screen(data: bytes) -> None:
    """Refuse, without parsing, what must never reach an XML parser.

    Every test is a bounded byte search. The NUL and first-byte tests turn away UTF-16, UTF-32
    and EBCDIC, the encodings in which a DOCTYPE would not be spelt in ASCII bytes and so could
    slip past the search for it.
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _refuse(
            f"Tài liệu lớn hơn 2 MB (trên {MAX_DOCUMENT_BYTES} byte); không được vượt 2 MB.",
            f"Found a document of more than {MAX_DOCUMENT_BYTES} bytes; expected at most 2 MB.",
        )
    if data.startswith(_BOMS) or b"\x00" in data:
        raise _refuse(
            "Tài liệu phải mã hóa UTF-8 không có BOM; tìm thấy BOM hoặc mã hóa khác.",
            "Found a byte-order mark or a non-UTF-8 encoding; expected UTF-8 without a BOM.",
        )
    if not data.lstrip(_WHITESPACE).startswith(b"<"):
        raise _refuse(
            "Tài liệu không phải XML: không bắt đầu bằng '<'.",
            "The document is not XML: expected it to start with '<'.",
        )
    declared = _ENCODING.match(data, 0, 200)
    if declared is not None and declared[1].upper() not in (b"UTF-8", b"UTF8"):
        found = declared[1].decode("ascii", "replace")
        raise _refuse(
            f"Khai báo mã hóa '{found}'; chỉ chấp nhận UTF-8.",
            f"Found encoding '{found}'; expected UTF-8.",
        )
    # "!" first: one memchr pass finds most documents free of both, each search a slower one.
    if b"!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise _refuse(
            "Tài liệu có khai báo DOCTYPE/DTD hoặc thực thể (ENTITY); không được phép.",
            "Found a DOCTYPE/DTD or ENTITY declaration; expected none (DTDs and entities are "
            "refused).",
        )


_local = threading.local()
"""Per thread: the parser and the compiled schema (lxml parsers and validators keep state
between calls, so threads must not share them)."""


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
        )
        _local.parser = parser
    return parser


@cache
def _schema_document() -> etree._ElementTree:
    """The XSD, read and parsed once per process."""
    text = resources.files("hub.document").joinpath("schemas", SCHEMA_FILE).read_bytes()
    return etree.ElementTree(etree.fromstring(text))


def schema() -> etree.XMLSchema:
    """The compiled XSD for this thread (compiled from the one parsed copy)."""
    compiled: etree.XMLSchema | None = getattr(_local, "schema", None)
    if compiled is None:
        compiled = etree.XMLSchema(_schema_document())
        _local.schema = compiled
    return compiled


def _parse_bytes(data: bytes) -> etree._ElementTree:
    """Well-formedness, through the hardened parser (only after `_screen`)."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise _refuse(
            f"XML không đúng cú pháp (dòng {line}, cột {column}): {exc.msg}.",
            f"The XML is not well-formed (line {line}, column {column}): {exc.msg}; "
            "expected well-formed UTF-8 XML.",
        ) from None
    tree = root.getroottree()
    # Unreachable after `_screen`, kept so that a future change there cannot open the door.
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise _refuse(
            "Tài liệu có DTD; không được phép.", "Found a DTD; expected none (DTDs are refused)."
        )
    return tree


def schema_findings(tree: etree._ElementTree) -> list[Finding]:
    """Every schema error of a parsed document as an HB002 finding (empty when valid)."""
    validator = schema()
    if validator.validate(tree):
        return []
    # lxml-stubs do not declare _ErrorLog iterable; at run time it is.
    entries = list(cast("Iterable[etree._LogEntry]", validator.error_log))
    return explain_schema_errors(tree, entries)[:MAX_SCHEMA_FINDINGS]


def parse_tree(data: bytes, *, validate: bool = True) -> etree._ElementTree:
    """Screen, parse and (by default) schema-validate a document; return its lxml tree.

    Raises:
        DocumentError: HB001 (refused or not well-formed) or HB002 (schema), with findings.
    """
    _screen(data)
    tree = _parse_bytes(data)
    if validate:
        findings = schema_findings(tree)
        if findings:
            raise DocumentError(findings)
    return tree


def parse_document(data: bytes) -> Transcript:
    """The canonical transcript of a document; DSCKS (signatures) is not read.

    Raises:
        DocumentError: HB001, or HB002 for a schema error or a constraint the XSD cannot say
            (MonHoc/@Id, the content of a subject against its HinhThuc).
    """
    return transcript_from_tree(parse_tree(data))


_KEY_CHUNK = 4096
"""Bytes fed at a time to the pull parser that looks for MaHoSo (`sender_key`)."""


def sender_key(data: bytes) -> str | None:
    """The document's MaHoSo (TTChung/MaHoSo), or None when it cannot be read.

    A document the vendor signed itself carries the vendor's MaHoSo, which the envelope, the
    ministry's register and the hub's record must all use (ministry-service.md: MaHoSo "as in
    the document"); the hub's own mapping cannot know it. Read in the main process as each
    learner is taken in, so it stops at the element (near the top) instead of parsing the
    whole document: screened first like every document (size, encoding, no DTD or entity),
    then read by the same hardened parser settings, without the schema. The worker's full
    checks read the key again from the verified document, and that one is what is sent
    (hub.pipeline.commit).
    """
    try:
        _screen(data)
    except DocumentError:
        return None
    parser = etree.XMLPullParser(
        events=("end",),
        tag=f"{{{NAMESPACE}}}MaHoSo",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for start in range(0, len(data), _KEY_CHUNK):  # the key is in the first kilobytes
            parser.feed(data[start : start + _KEY_CHUNK])
            for _event, element in parser.read_events():
                if not isinstance(element, etree._Element):  # "end" events carry elements
                    continue
                parent = element.getparent()
                if parent is not None and etree.QName(parent).localname == "TTChung":
                    return (element.text or "").strip() or None
    except etree.XMLSyntaxError:
        return None
    return None
