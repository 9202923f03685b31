"""lxml judges, xmlschema explains: every kind of schema error, the fallback, and the guards.

The kinds below are every libxml2 schema error the XSD (and the xsi: attributes any document may
carry) can raise; each is checked to be the kind lxml reports for its document, so that the
table shows xmlschema explains all of them and the explanation needs no libxml2 sentence parsed.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
from lxml import etree

from hub import xpath
from hub.document import parse
from hub.document.explain import explain_schema_errors, refusal
from hub.document.explain.explained import Explained
from hub.document.parse import parse_tree, schema, schema_findings
from hub.findings import Finding, error

CASES = Path(__file__).parents[1] / "cases" / "documents"
SECONDARY = (CASES / "lower-secondary-grade-7" / "document.xml").read_bytes()
PRIMARY = (CASES / "primary-grade-5" / "document.xml").read_bytes()
SIGNATURE = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>'
XSI = b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
QUALITY_YN = b'<PhamChat Ma="YN" Muc="T"/>'
LOGGER = "hub.document.explain"


def _changed(document: bytes, old: bytes, new: bytes) -> bytes:
    assert old in document, old
    return document.replace(old, new, 1)


def _sub(document: bytes, pattern: bytes, new: bytes) -> bytes:
    changed, count = re.subn(pattern, new, document, count=1, flags=re.S)
    assert count == 1, pattern
    return changed


def _lxml_kinds(tree: etree._ElementTree) -> set[str]:
    validator = schema()
    assert not validator.validate(tree)
    return {e.type_name for e in cast("Iterable[etree._LogEntry]", validator.error_log)}


def _tree(document: bytes) -> etree._ElementTree:
    return parse_tree(document, validate=False)


# kind lxml reports, document, XPath of the finding, words its English must hold, and its
# Vietnamese.
KINDS = [
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _sub(SECONDARY, rb"\s*<HoVaTen>[^<]*</HoVaTen>", b""),
        xpath.learner("HoVaTen"),
        "Missing element HoVaTen: found NgaySinh where HoVaTen is expected",
        "Thiếu phần tử bắt buộc HoVaTen",
        id="missing-element",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _sub(SECONDARY, rb"\s*<XacNhan>.*</XacNhan>", b""),
        xpath.confirmation(),
        "Missing element in DLHocBa: found none; expected XacNhan",
        "Thiếu phần tử bắt buộc XacNhan trong DLHocBa",
        id="missing-last-element",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _changed(
            SECONDARY,
            b"<CapHoc>03</CapHoc>\n      <Khoi>7</Khoi>",
            b"<Khoi>7</Khoi>\n      <CapHoc>03</CapHoc>",
        ),
        xpath.header("Khoi"),
        "Found Khoi out of order; expected CapHoc at this position",
        "sai thứ tự",
        id="out-of-order",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _changed(PRIMARY, b'      <PhamChat Ma="YN" Muc="T"/>\n', b""),
        xpath.results(True, "PhamChat"),
        "Found too few PhamChat elements: 4, then NangLuc; expected at least 5",
        "có 4, cần ít nhất 5",
        id="too-few",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _changed(SECONDARY, b"<DSCKS/>", b"<DSCKS/><DSCKS/>"),
        "/HocBaSo/DSCKS[2]",
        "Found one DSCKS too many (at most 1)",
        "Thừa phần tử DSCKS",
        id="too-many",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _changed(SECONDARY, b"<TenLop>", b"<TenLopp/><TenLop>"),
        xpath.header("TenLopp"),
        "Found element TenLopp, which TTChung does not have; expected TenLop at this position",
        "Phần tử TenLopp không thuộc TTChung",
        id="stray-element",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _changed(SECONDARY, b"<DSCKS/>", b'<DSCKS><ChuKy VaiTro="DV"/></DSCKS>'),
        "/HocBaSo/DSCKS/ChuKy/ds:Signature",
        "Missing element in ChuKy: found none; expected ds:Signature",
        "Thiếu phần tử bắt buộc ds:Signature trong ChuKy",
        id="missing-signature",
    ),
    pytest.param(
        "SCHEMAV_ELEMENT_CONTENT",
        _sub(SECONDARY, rb'<HocKy So="1">.*?</HocKy>', b'<HocKy So="1"/>'),
        xpath.subject(False, "NV", "HocKy[@So='1']"),
        "Missing element in HocKy: found none; expected (DDGgk, DDGck, DTB) or KetQua",
        "(DDGgk, DDGck, DTB) hoặc KetQua",
        id="choice-left-empty",
    ),
    pytest.param(
        "SCHEMAV_CVC_COMPLEX_TYPE_4",
        _changed(SECONDARY, b' Id="DLHocBa"', b""),
        "/HocBaSo/DLHocBa/@Id",
        "Missing attribute Id: found none; expected one",
        "Thiếu thuộc tính bắt buộc Id",
        id="missing-attribute",
    ),
    pytest.param(
        "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1",
        _changed(SECONDARY, b"<TTChung>", b'<TTChung xmlns:x="urn:x" x:foo="1">'),
        xpath.header() + "/@{urn:x}foo",
        "Found attribute {urn:x}foo, which is not allowed here",
        "Thuộc tính {urn:x}foo không được phép",
        id="attribute-not-allowed",
    ),
    pytest.param(
        "SCHEMAV_CVC_TYPE_3_1_1",
        _changed(SECONDARY, b"<TenLop>", b"<TenLop " + XSI + b' xsi:foo="1">'),
        xpath.header("TenLop") + "/@xsi:foo",
        "Found attribute xsi:foo, which is not allowed here",
        "Thuộc tính xsi:foo không được phép",
        id="xsi-attribute-unknown",
    ),
    pytest.param(
        "SCHEMAV_CVC_AU",
        _changed(SECONDARY, b'PhienBan="1.0"', b'PhienBan="2.0"'),
        "/HocBaSo/@PhienBan",
        "Found '2.0'; expected exactly '1.0'",
        "Giá trị '2.0' không hợp lệ; cần đúng '1.0'",
        id="fixed-value",
    ),
    pytest.param(
        "SCHEMAV_CVC_IDC",
        _changed(PRIMARY, b'<PhamChat Ma="NA"', b'<PhamChat Ma="YN"'),
        xpath.rated("PhamChat", "YN").replace("']", "'][2]") + "/@Ma",
        "Found Ma 'YN' more than once; expected each value once",
        "Ma 'YN' xuất hiện hơn một lần",
        id="duplicate-key",
    ),
    pytest.param(
        "SCHEMAV_CVC_ELT_1",
        b'<HocBa xmlns="urn:moet:hocbaso:1" PhienBan="1.0"/>',
        "/HocBa",
        "Found root element HocBa; expected HocBaSo in urn:moet:hocbaso:1",
        "Phần tử gốc HocBa không phải HocBaSo",
        id="wrong-root",
    ),
    pytest.param(
        "SCHEMAV_CVC_COMPLEX_TYPE_2_3",
        _changed(SECONDARY, b"<TTChung>", b"<TTChung>chung"),
        xpath.header(),
        "Found text inside TTChung; expected child elements only",
        "TTChung chỉ được chứa phần tử con",
        id="text-among-elements",
    ),
    pytest.param(
        "SCHEMAV_CVC_COMPLEX_TYPE_2_1",
        _changed(PRIMARY, QUALITY_YN, b'<PhamChat Ma="YN" Muc="T">T</PhamChat>'),
        xpath.rated("PhamChat", "YN"),
        "Found text inside PhamChat; expected no content (attributes only)",
        "PhamChat không được chứa nội dung",
        id="text-in-empty-element",
    ),
    pytest.param(
        "SCHEMAV_CVC_COMPLEX_TYPE_2_1",
        _changed(PRIMARY, QUALITY_YN, b'<PhamChat Ma="YN" Muc="T"><T/></PhamChat>'),
        xpath.rated("PhamChat", "YN"),
        "Found element T inside PhamChat; expected no content (attributes only)",
        "PhamChat không được chứa phần tử con (gặp T)",
        id="element-in-empty-element",
    ),
    pytest.param(
        "SCHEMAV_CVC_TYPE_3_1_2",
        _changed(SECONDARY, b"<TenLop>7A3</TenLop>", b"<TenLop>7A3<b/></TenLop>"),
        xpath.header("TenLop"),
        "Found element b inside TenLop; expected a value only",
        "TenLop chỉ chứa một giá trị",
        id="element-in-value",
    ),
    pytest.param(
        "SCHEMAV_CVC_ELT_3_1",
        _changed(SECONDARY, b"<TenLop>", b"<TenLop " + XSI + b' xsi:nil="false">'),
        xpath.header("TenLop"),
        "Found xsi:nil on TenLop, which cannot be nil; expected a value",
        "TenLop không được để trống bằng xsi:nil",
        id="xsi-nil",
    ),
    pytest.param(
        "SCHEMAV_CVC_ENUMERATION_VALID",
        _changed(
            SECONDARY, b"<DSCKS/>", b'<DSCKS><ChuKy VaiTro="CA">' + SIGNATURE + b"</ChuKy></DSCKS>"
        ),
        "/HocBaSo/DSCKS/ChuKy/@VaiTro",
        "Found 'CA'; expected one of {'GVBM', 'GVCN', 'HT', 'DV'}",
        "Giá trị 'CA' không hợp lệ; cần một trong {'GVBM', 'GVCN', 'HT', 'DV'}",
        id="enumeration",
    ),
    pytest.param(
        "SCHEMAV_CVC_PATTERN_VALID",
        _sub(SECONDARY, rb"<NamHoc>[^<]*", b"<NamHoc>2025/2026"),
        xpath.header("NamHoc"),
        "Found '2025/2026'; expected a school year YYYY-YYYY",
        "cần năm học dạng YYYY-YYYY",
        id="pattern",
    ),
    pytest.param(
        "SCHEMAV_CVC_MAXLENGTH_VALID",
        _sub(SECONDARY, rb"<NoiSinh>[^<]*", b"<NoiSinh>" + b"x" * 301),
        xpath.learner("NoiSinh"),
        "Found 301 characters; expected at most 300 characters",
        "Giá trị dài 301 ký tự không hợp lệ; cần tối đa 300 ký tự",
        id="max-length",
    ),
    pytest.param(
        "SCHEMAV_CVC_MINLENGTH_VALID",
        _sub(SECONDARY, rb"<TenTruong>[^<]*", b"<TenTruong>"),
        xpath.header("TenTruong"),
        "Found an empty value; expected at least 1 character.",
        "Giá trị trống không hợp lệ; cần ít nhất 1 ký tự",
        id="min-length",
    ),
    pytest.param(
        "SCHEMAV_CVC_MAXINCLUSIVE_VALID",
        _changed(SECONDARY, b"<Khoi>7</Khoi>", b"<Khoi>13</Khoi>"),
        xpath.header("Khoi"),
        "Found '13'; expected at most 12",
        "cần không lớn hơn 12",
        id="max-inclusive",
    ),
    pytest.param(
        "SCHEMAV_CVC_MININCLUSIVE_VALID",
        _changed(SECONDARY, b"<Khoi>7</Khoi>", b"<Khoi>0</Khoi>"),
        xpath.header("Khoi"),
        "Found '0'; expected at least 1",
        "cần không nhỏ hơn 1",
        id="min-inclusive",
    ),
    pytest.param(
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        _changed(SECONDARY, b"<DTB>2.9</DTB>", b"<DTB>2,9</DTB>"),
        xpath.semester("TOAN", 1, "DTB"),
        "Found '2,9'; expected a decimal number such as 8.5",
        "cần số thập phân",
        id="decimal",
    ),
    pytest.param(
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        _changed(SECONDARY, b"<Khoi>7</Khoi>", b"<Khoi>7.5</Khoi>"),
        xpath.header("Khoi"),
        "Found '7.5'; expected an integer",
        "cần số nguyên",
        id="integer",
    ),
    pytest.param(
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        _sub(SECONDARY, rb"<SoBuoiNghi>[^<]*", b"<SoBuoiNghi>-1"),
        xpath.results(False, "SoBuoiNghi"),
        "Found '-1'; expected an integer ≥ 0",
        "cần số nguyên ≥ 0",
        id="non-negative-integer",
    ),
    pytest.param(
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        _changed(SECONDARY, b"<KhuyetTatKhongDanhGia>false", b"<KhuyetTatKhongDanhGia>no"),
        xpath.learner("KhuyetTatKhongDanhGia"),
        "Found 'no'; expected true or false",
        "cần true hoặc false",
        id="boolean",
    ),
    pytest.param(
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        _sub(SECONDARY, rb"<NgayLap>[^<]*", b"<NgayLap>2026-5-22"),
        xpath.header("NgayLap"),
        "Found '2026-5-22'; expected a valid date YYYY-MM-DD",
        "cần ngày hợp lệ dạng YYYY-MM-DD",
        id="date",
    ),
]


@pytest.mark.parametrize(("kind", "document", "where", "english", "vietnamese"), KINDS)
def test_every_kind_of_schema_error_is_explained_by_xmlschema(
    kind: str,
    document: bytes,
    where: str,
    english: str,
    vietnamese: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tree = _tree(document)
    assert kind in _lxml_kinds(tree)  # the case really is of that kind
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(tree)
    assert not caplog.records  # no fallback
    assert len(findings) == 1, findings
    assert (findings[0].code, findings[0].xpath) == ("HB002", where)
    assert english in findings[0].message_en
    assert vietnamese in findings[0].message_vi


def _fallback_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def test_fallback_when_xmlschema_finds_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """libxml2's Unicode tables predate ꞗ (U+A797, in Middle Vietnamese): lxml refuses the name
    as not letters, xmlschema accepts it. The refusal is lxml's, so it is explained anyway."""
    document = _sub(SECONDARY, rb"<HoVaTen>[^<]*", "<HoVaTen>Trần Văn ꞗa".encode())
    tree = _tree(document)
    assert refusal.explain_refusal(tree) == []
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(tree)
    assert [f.xpath for f in findings] == [xpath.learner("HoVaTen")]
    assert "[facet 'pattern']" in findings[0].message_en
    assert findings[0].message_vi.startswith("Không khớp lược đồ: ")
    assert "urn:moet:hocbaso:1" not in findings[0].message_en  # names as the spec writes them
    (warning,) = _fallback_warnings(caplog)
    assert "disagree" in warning.getMessage()
    assert "/*/*[1]/*[2]/*[3]" in warning.getMessage()  # where, without the value


def test_fallback_when_xmlschema_fails(caplog: pytest.LogCaptureFixture) -> None:
    """An xsi:type naming no type of the schema makes xmlschema raise, not report."""
    document = _changed(
        SECONDARY, b"<TenLop>7A3</TenLop>", b"<TenLop " + XSI + b' xsi:type="Lop">7A3</TenLop>'
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(_tree(document))
    assert [f.xpath for f in findings] == [xpath.header("TenLop")]
    assert "xsi:type" in findings[0].message_en
    assert "(?)" not in findings[0].message_en
    (warning,) = _fallback_warnings(caplog)
    assert "XMLSchemaKeyError" in warning.getMessage()


def test_fallback_when_xmlschema_cannot_say_why(caplog: pytest.LogCaptureFixture) -> None:
    """xsi:type to a type that cannot stand in: xmlschema reports an error there are no words
    for (it names a substitution, at the parent)."""
    document = _changed(
        SECONDARY,
        b"<TenLop>7A3</TenLop>",
        b"<TenLop "
        + XSI
        + b' xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:integer">7</TenLop>',
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(_tree(document))
    assert [f.xpath for f in findings] == [xpath.header("TenLop")]
    assert "xsi:type" in findings[0].message_en
    (warning,) = _fallback_warnings(caplog)
    assert "Unexplained" in warning.getMessage()


def test_fallback_when_xmlschema_errs_elsewhere(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    document = _changed(SECONDARY, b"<CapHoc>03</CapHoc>", b"<CapHoc>07</CapHoc>")
    tree = _tree(document)
    elsewhere = tree.getroot()[0][1]  # HocSinh, not TTChung/CapHoc

    def explained_elsewhere(_: etree._ElementTree) -> list[Explained]:
        return [Explained(elsewhere, error("HB002", "/x", "x", "x"))]

    monkeypatch.setattr(refusal, "explain_refusal", explained_elsewhere)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(tree)
    assert [f.xpath for f in findings] == [xpath.header("CapHoc")]
    assert "The value '07' is not an element of the set" in findings[0].message_en
    (warning,) = _fallback_warnings(caplog)
    assert "only lxml: /*/*[1]/*[1]/*[3]; only xmlschema: /*/*[1]/*[2]" in warning.getMessage()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_a_valid_document_never_reaches_the_explanation(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*_: object) -> list[Finding]:
        raise AssertionError("a valid document was explained")

    monkeypatch.setattr(parse, "explain_schema_errors", must_not_run)
    tree = parse_tree((CASES / case / "document.xml").read_bytes())
    assert schema_findings(tree) == []


def test_checking_valid_documents_does_not_even_load_xmlschema() -> None:
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hub.document.parse import parse_document\n"
        f"parse_document(Path({str(CASES / 'primary-grade-5' / 'document.xml')!r}).read_bytes())\n"
        "print('xmlschema' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert ran.stdout.strip() == "False"


def test_errors_after_a_content_error_are_its_consequences() -> None:
    """Once Khoi stands where CapHoc belongs, the rest of TTChung is not judged (libxml2 stops
    there too): the empty TenLop after it is not reported until the order is fixed."""
    document = _changed(
        SECONDARY,
        b"<CapHoc>03</CapHoc>\n      <Khoi>7</Khoi>",
        b"<Khoi>7</Khoi>\n      <CapHoc>03</CapHoc>",
    )
    document = _changed(document, b"<TenLop>7A3</TenLop>", b"<TenLop></TenLop>")
    tree = _tree(document)
    assert [f.xpath for f in schema_findings(tree)] == [xpath.header("Khoi")]
    assert len(refusal.explain_refusal(tree)) == 1


def test_secondary_results_in_the_primary_shape_are_explained_subject_by_subject(
    caplog: pytest.LogCaptureFixture,
) -> None:
    primary_results = re.search(rb"<KetQuaTieuHoc>.*</KetQuaTieuHoc>", PRIMARY, re.S)
    assert primary_results is not None
    document = _sub(
        SECONDARY,
        rb"<KetQuaTrungHoc>.*</KetQuaTrungHoc>",
        primary_results[0].replace(b"KetQuaTieuHoc", b"KetQuaTrungHoc"),
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(_tree(document))
    assert not caplog.records
    subjects = re.findall(rb'<MonHoc Id="Mon-\w+" MaMon="(\w+)"', PRIMARY)
    assert [f.xpath for f in findings] == [
        *(
            where
            for code in subjects
            for where in (
                xpath.subject(False, code.decode()) + "/@HinhThuc",
                xpath.subject(False, code.decode(), "HocKy"),
            )
        ),
        xpath.results(False, "KetQuaHocTap"),
    ]


def test_a_value_not_of_its_type_is_one_finding() -> None:
    """`2026-5-22` fails Date's pattern and xs:date; the operator reads one finding."""
    document = _sub(SECONDARY, rb"<NgaySinh>[^<]*", b"<NgaySinh>2012-8-19")
    findings = schema_findings(_tree(document))
    assert [(f.xpath, f.message_en) for f in findings] == [
        (xpath.learner("NgaySinh"), "Found '2012-8-19'; expected a valid date YYYY-MM-DD.")
    ]


def test_a_comment_inside_a_value_is_not_content(caplog: pytest.LogCaptureFixture) -> None:
    """libxml2 reads `0<!-- -->7` as `07`; xmlschema is given the tree without comments."""
    document = _changed(
        SECONDARY, b"<CapHoc>03</CapHoc>", "<CapHoc>0<!-- lớp -->7</CapHoc>".encode()
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        findings = schema_findings(_tree(document))
    assert not caplog.records
    assert [(f.xpath, f.message_en) for f in findings] == [
        (xpath.header("CapHoc"), "Found '07'; expected one of {'02', '03', '04', '05'}.")
    ]


def test_findings_follow_lxmls_order() -> None:
    document = _changed(SECONDARY, b"<NgaySinh>2012-08-19", b"<NgaySinh>2012-02-30")
    document = _changed(document, b"<CapHoc>03</CapHoc>", b"<CapHoc>3</CapHoc>")
    document = _changed(document, b'PhienBan="1.0"', b'PhienBan="2.0"')
    paths = [f.xpath for f in schema_findings(_tree(document))]
    assert paths == ["/HocBaSo/@PhienBan", xpath.header("CapHoc"), xpath.learner("NgaySinh")]


def test_the_findings_stop_at_fifty() -> None:
    document = SECONDARY.replace(b"<DDGtx>", b"<DDGtx>x")
    tree = _tree(document)
    assert len(refusal.explain_refusal(tree)) > parse.MAX_SCHEMA_FINDINGS
    assert len(schema_findings(tree)) == parse.MAX_SCHEMA_FINDINGS


# --- nothing is fetched ---------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request and answers with an XSD."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>'
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_xmlschema_reaches_for_nothing(server: tuple[str, list[str]]) -> None:
    url, requests = server
    hints = (
        f' {XSI.decode()} xsi:schemaLocation="urn:moet:hocbaso:1 {url}/hocbaso.xsd"'
        f' xsi:noNamespaceSchemaLocation="{url}/other.xsd"'
    ).encode()
    document = _changed(SECONDARY, b'PhienBan="1.0"', b'PhienBan="2.0"' + hints)
    tree = _tree(document)
    assert [f.message_en for f in schema_findings(tree)] == ["Found '2.0'; expected exactly '1.0'."]
    # Even asked to follow the document's hints, the schema opens nothing.
    schema_for_explaining = refusal.xmlschema_schema()
    list(schema_for_explaining.iter_errors(cast("Any", tree), use_location_hints=True))
    assert requests == []
    assert (schema_for_explaining.allow, schema_for_explaining.defuse) == ("none", "always")


def test_xmlschema_is_built_once_per_process() -> None:
    assert refusal.xmlschema_schema() is refusal.xmlschema_schema()


def test_the_explanation_leaves_the_tree_as_it_was() -> None:
    """The comments go from a copy: hub/signing verifies signatures on this very tree."""
    document = _changed(SECONDARY, b"<CapHoc>03</CapHoc>", b"<CapHoc>0<!-- x -->7</CapHoc>")
    tree = _tree(document)
    before = etree.tostring(tree)
    validator = schema()
    assert not validator.validate(tree)
    entries = list(cast("Iterable[etree._LogEntry]", validator.error_log))
    assert [f.xpath for f in explain_schema_errors(tree, entries)] == [xpath.header("CapHoc")]
    assert etree.tostring(tree) == before


def test_a_document_with_too_many_errors_is_not_handed_to_xmlschema(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    import hub.document.explain as explain
    from hub.document.explain import refusal

    called = []
    monkeypatch.setattr(refusal, "explain_refusal", lambda tree: called.append(tree) or [])
    root = etree.fromstring(b"<a><b/></a>")
    entry = type(
        "Entry", (), {"path": "/a/b", "message": "Element 'b': This element is not expected."}
    )
    findings = explain.explain_schema_errors(
        root.getroottree(), [entry()] * (explain.MAX_EXPLAINED + 1)
    )  # type: ignore[list-item]
    assert called == []
    assert len(findings) == explain.MAX_EXPLAINED + 1
    assert all(f.code == "HB002" and "not expected" in f.message_en for f in findings)
