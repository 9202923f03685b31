"""HB001: what the receiver refuses before or while parsing, without expanding anything."""

from __future__ import annotations

import resource

import pytest

from hub.document import parse
from hub.document.names import MAX_DOCUMENT_BYTES
from hub.document.parse import parse_document, parse_tree
from hub.errors import DocumentError

MINIMAL = b'<HocBaSo xmlns="urn:moet:hocbaso:1" PhienBan="1.0"><DLHocBa/><DSCKS/></HocBaSo>'

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<HocBaSo xmlns="urn:moet:hocbaso:1" PhienBan="1.0"><DLHocBa>&lol9;</DLHocBa><DSCKS/></HocBaSo>
"""


def _refusal(data: bytes) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        parse_document(data)
    return caught.value


def _assert_hb001(error: DocumentError, *words: str) -> None:
    assert [f.code for f in error.findings] == ["HB001"]
    finding = error.findings[0]
    assert finding.severity.value == "error"
    assert finding.xpath == "/"
    for word in words:
        assert word in finding.message_en
    assert finding.message_vi
    assert finding.message_vi != finding.message_en


@pytest.fixture
def parser_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the document reaches lxml at all (it must be refused before)."""

    def forbidden(data: bytes) -> None:
        raise AssertionError("the document reached the XML parser")

    monkeypatch.setattr(parse, "_parse_bytes", forbidden)


@pytest.mark.usefixtures("parser_must_not_run")
def test_billion_laughs_is_refused_before_parsing_and_nothing_grows() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _assert_hb001(_refusal(BILLION_LAUGHS), "DOCTYPE")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    # Expanded, lol9 is 10^9 "lol"s (3 GB); refused, the process does not grow.
    assert grown_kib < 50 * 1024


@pytest.mark.usefixtures("parser_must_not_run")
@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            b'<!DOCTYPE HocBaSo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<HocBaSo xmlns="urn:moet:hocbaso:1" PhienBan="1.0">&xxe;</HocBaSo>',
            id="external-entity-file",
        ),
        pytest.param(
            b'<!DOCTYPE HocBaSo [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>'
            b'<HocBaSo xmlns="urn:moet:hocbaso:1" PhienBan="1.0">&xxe;</HocBaSo>',
            id="external-entity-http",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<!DOCTYPE HocBaSo [<!ENTITY name "Nguyen">]>\n'
            b'<HocBaSo xmlns="urn:moet:hocbaso:1" PhienBan="1.0">&name;</HocBaSo>',
            id="internal-entity",
        ),
        pytest.param(
            b'<!DOCTYPE HocBaSo SYSTEM "http://127.0.0.1:9/hocbaso.dtd">' + MINIMAL,
            id="external-dtd",
        ),
        pytest.param(b"<!DOCTYPE HocBaSo>" + MINIMAL, id="bare-doctype"),
    ],
)
def test_dtds_and_entities_are_refused_before_parsing(document: bytes) -> None:
    _assert_hb001(_refusal(document), "DOCTYPE")


@pytest.mark.usefixtures("parser_must_not_run")
def test_over_two_megabytes_is_refused_before_parsing() -> None:
    padding = b"<!--" + b"x" * MAX_DOCUMENT_BYTES + b"-->"
    _assert_hb001(_refusal(MINIMAL + padding), "2 MB")


def test_exactly_two_megabytes_is_not_refused_for_its_size() -> None:
    head = MINIMAL + b"<!--"
    document = head + b"x" * (MAX_DOCUMENT_BYTES - len(head) - 3) + b"-->"
    assert len(document) == MAX_DOCUMENT_BYTES
    # Not refused as too large: it parses and then fails the schema (DLHocBa is empty).
    with pytest.raises(DocumentError) as caught:
        parse_tree(document)
    assert {f.code for f in caught.value.findings} == {"HB002"}


@pytest.mark.usefixtures("parser_must_not_run")
@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"\xef\xbb\xbf" + MINIMAL, id="utf8-bom"),
        pytest.param(
            "\ufeff".encode("utf-16-le") + MINIMAL.decode().encode("utf-16-le"), id="utf16"
        ),
        pytest.param(MINIMAL.decode().encode("utf-16-be"), id="utf16-no-bom"),
        pytest.param(
            b'<?xml version="1.0" encoding="ISO-8859-1"?>' + MINIMAL, id="declared-latin1"
        ),
        pytest.param(MINIMAL.decode().encode("cp500"), id="ebcdic"),
        pytest.param(b"", id="empty"),
        pytest.param(b"not xml", id="not-xml"),
    ],
)
def test_anything_but_utf8_xml_is_refused_before_parsing(document: bytes) -> None:
    _assert_hb001(_refusal(document))


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"<HocBaSo", id="truncated"),
        pytest.param(MINIMAL.replace(b"</HocBaSo>", b"</HocBaSO>"), id="mismatched-tag"),
        pytest.param(MINIMAL.replace(b"<DSCKS/>", b"<DSCKS>&xxe;</DSCKS>"), id="undefined-entity"),
        pytest.param(MINIMAL.replace(b"<DSCKS/>", b"<DSCKS>\xff</DSCKS>"), id="invalid-utf8"),
    ],
)
def test_not_well_formed_is_hb001_with_line_and_column(document: bytes) -> None:
    _assert_hb001(_refusal(document), "not well-formed", "line")
