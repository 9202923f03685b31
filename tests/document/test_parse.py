"""Parsing valid documents: what the reader keeps, what it ignores, what it tolerates."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from hub.canonical import from_canonical_json
from hub.document import parse
from hub.document.parse import parse_document, parse_tree
from hub.errors import DocumentError
from hub.model import ScoredSubject, SecondaryResults

CASE = Path(__file__).parents[1] / "cases" / "documents" / "lower-secondary-grade-7"
DOCUMENT = (CASE / "document.xml").read_bytes()
TRANSCRIPT = from_canonical_json((CASE / "transcript.json").read_bytes())

SIGNED_DSCKS = b"""<DSCKS>
    <ChuKy VaiTro="GVCN">
      <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-gvcn">
        <ds:SignedInfo><ds:Reference URI="#DLHocBa"/></ds:SignedInfo>
        <ds:SignatureValue>AAAA</ds:SignatureValue>
        <ds:Object Id="sig-gvcn-TG">
          <ThoiGianKy xmlns="urn:moet:hocbaso:1">x</ThoiGianKy>
        </ds:Object>
      </ds:Signature>
    </ChuKy>
    <ChuKy VaiTro="GVBM" MaMon="NV">
      <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>
    </ChuKy>
  </DSCKS>"""


def test_signatures_do_not_change_the_transcript() -> None:
    signed = DOCUMENT.replace(b"<DSCKS/>", SIGNED_DSCKS)
    assert parse_document(signed) == TRANSCRIPT


def test_parse_tree_returns_the_tree_for_the_signature_checks() -> None:
    tree = parse_tree(DOCUMENT.replace(b"<DSCKS/>", SIGNED_DSCKS))
    signature = tree.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    assert signature.get("Id") == "sig-gvcn"


def test_comments_and_processing_instructions_are_not_data() -> None:
    document = DOCUMENT.replace(
        "<NhanXet>Cần ôn tập phần phân số.</NhanXet>".encode(),
        "<NhanXet>Cần ôn tập <!-- nhắc lại -->phần phân số.<?note x?></NhanXet>".encode(),
    ).replace(b"<TTChung>", b"<TTChung><!-- header -->")
    assert document != DOCUMENT
    assert parse_document(document) == TRANSCRIPT


def test_minified_and_indented_documents_read_alike() -> None:
    minified = re.sub(rb">\s+<", b"><", DOCUMENT)
    assert parse_document(minified) == TRANSCRIPT


def test_lexical_variants_of_typed_values_are_read_by_value() -> None:
    document = DOCUMENT.replace(b"<DTB>6.3</DTB>", b"<DTB> +6.30 </DTB>", 1).replace(
        b"<KhuyetTatKhongDanhGia>false<", b"<KhuyetTatKhongDanhGia>0<"
    )
    results = parse_document(document).results
    assert isinstance(results, SecondaryResults)
    first = results.subjects[0]
    assert isinstance(first, ScoredSubject)
    assert first.semester1.average == Decimal("6.3")
    assert parse_document(document).learner.exempt_from_assessment is False


def test_validate_false_skips_the_schema_only() -> None:
    invalid = DOCUMENT.replace(b"<CapHoc>03</CapHoc>", b"<CapHoc>99</CapHoc>")
    assert parse_tree(invalid, validate=False).getroot() is not None
    with pytest.raises(DocumentError):
        parse_tree(invalid)


def test_hardened_parser_alone_neither_loads_nor_expands(tmp_path: Path) -> None:
    """Defence in depth: were the pre-parse screen bypassed, lxml still resolves nothing."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]><r>&xxe;</r>'.encode()
    with pytest.raises(DocumentError) as caught:
        parse._parse_bytes(document)
    finding = caught.value.findings[0]
    assert finding.code == "HB001"
    assert "TOP-SECRET" not in finding.message_en
    assert "DTD" in finding.message_en


def test_sender_key_reads_the_documents_own_mahoso_and_nothing_else() -> None:
    from hub.document.parse import sender_key

    doc = (
        b'<HocBaSo xmlns="urn:moet:hocbaso:1"><DLHocBa><X><MaHoSo>decoy</MaHoSo></X>'
        b"<TTChung><MaHoSo> V-2024-1 </MaHoSo></TTChung>" + b"<P>" + b"x" * 10000 + b"</P>"
        b"</DLHocBa></HocBaSo>"
    )
    assert sender_key(doc) == "V-2024-1"
    # Refused as every document is: a DTD or entity, not XML, another encoding.
    assert sender_key(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>') is None
    assert sender_key(b"not xml") is None
    assert sender_key(b'<?xml version="1.0" encoding="UTF-16"?><x/>') is None
    assert sender_key(b'<HocBaSo xmlns="urn:moet:hocbaso:1"><TTChung><MaHoSo>') is None
