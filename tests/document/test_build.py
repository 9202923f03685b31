"""build_document: deterministic bytes, NFC, escaping, scores as the rules need to see them."""

from __future__ import annotations

import dataclasses
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from strategies import transcripts

from hub.canonical import from_canonical_json, to_canonical_json
from hub.document.build import build_document, format_score
from hub.document.parse import parse_document, parse_tree
from hub.errors import DocumentError
from hub.model import PrimaryResults, ScoredSubject, SecondaryResults, Transcript

CASES = Path(__file__).parents[1] / "cases" / "documents"


def _case(name: str) -> Transcript:
    return from_canonical_json((CASES / name / "transcript.json").read_bytes())


SECONDARY = _case("lower-secondary-grade-7")
PRIMARY = _case("primary-grade-5")


def _with_comment(transcript: Transcript, comment: str) -> Transcript:
    results = transcript.results
    assert isinstance(results, SecondaryResults | PrimaryResults)
    return dataclasses.replace(
        transcript, results=dataclasses.replace(results, homeroom_comment=comment)
    )


def _with_first_average(transcript: Transcript, average: Decimal) -> Transcript:
    results = transcript.results
    assert isinstance(results, SecondaryResults)
    first = results.subjects[0]
    assert isinstance(first, ScoredSubject)
    changed = dataclasses.replace(
        first, semester1=dataclasses.replace(first.semester1, average=average)
    )
    return dataclasses.replace(
        transcript,
        results=dataclasses.replace(results, subjects=(changed, *results.subjects[1:])),
    )


@settings(max_examples=25)
@given(transcripts())
def test_same_transcript_same_bytes(transcript: Transcript) -> None:
    copy = from_canonical_json(to_canonical_json(transcript))
    assert copy is not transcript
    assert build_document(copy) == build_document(transcript)


def test_declaration_version_ids_and_empty_signature_list() -> None:
    data = build_document(SECONDARY)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert not data.startswith(b"\xef\xbb\xbf")
    root = parse_tree(data).getroot()
    assert root.get("PhienBan") == "1.0"
    ns = {"h": "urn:moet:hocbaso:1"}
    assert root.xpath("h:DLHocBa/@Id", namespaces=ns) == ["DLHocBa"]
    subjects = root.xpath("h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc", namespaces=ns)
    assert [s.get("Id") for s in subjects] == [f"Mon-{s.get('MaMon')}" for s in subjects]
    (signatures,) = root.xpath("h:DSCKS", namespaces=ns)
    assert len(signatures) == 0


def test_text_is_written_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    learner = dataclasses.replace(SECONDARY.learner, full_name=decomposed)
    data = build_document(dataclasses.replace(SECONDARY, learner=learner))
    assert "<HoVaTen>Nguyễn Thị Ánh</HoVaTen>".encode() in data
    assert unicodedata.is_normalized("NFC", data.decode())
    assert parse_document(data).learner.full_name == "Nguyễn Thị Ánh"


def test_markup_characters_in_text_are_escaped_and_read_back() -> None:
    comment = 'Điểm <b>"tốt"</b> & tiến bộ ]]> rõ\r\nhọc kì 2\tnhé'
    data = build_document(_with_comment(SECONDARY, comment))
    assert b"&lt;b&gt;" in data
    assert b"&amp; ti" in data
    assert b"&#13;\n" in data
    results = parse_document(data).results
    assert results is not None
    assert results.homeroom_comment == comment


def test_a_character_xml_cannot_carry_is_hb001_naming_the_element() -> None:
    with pytest.raises(DocumentError) as caught:
        build_document(_with_comment(SECONDARY, "Chăm\x0bngoan"))
    (finding,) = caught.value.findings
    assert finding.code == "HB001"
    assert finding.xpath == "/HocBaSo/DLHocBa/KetQuaTrungHoc/NhanXetGVCN"
    assert "U+000B" in finding.message_en
    assert "U+000B" in finding.message_vi


def test_the_unwritable_character_inside_a_subject_gets_its_key() -> None:
    results = SECONDARY.results
    assert isinstance(results, SecondaryResults)
    toan = results.subjects[1]
    bad = dataclasses.replace(toan, teacher=dataclasses.replace(toan.teacher, name="Nam\x00"))
    transcript = dataclasses.replace(
        SECONDARY,
        results=dataclasses.replace(
            results, subjects=(results.subjects[0], bad, *results.subjects[2:])
        ),
    )
    with pytest.raises(DocumentError) as caught:
        build_document(transcript)
    assert caught.value.findings[0].xpath == (
        "/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/GiaoVien/HoTen"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("8", "8.0"),
        ("8.0", "8.0"),
        ("8.5", "8.5"),
        ("8.50", "8.5"),
        ("8.00", "8.0"),
        ("10", "10.0"),
        ("1E+1", "10.0"),
        ("0", "0.0"),
        ("8.25", "8.25"),
        ("8.250", "8.25"),
        ("-0.5", "-0.5"),
        ("0.05", "0.05"),
        ("1E-7", "0.0000001"),
        ("12.3456789012345678901234567890123", "12.3456789012345678901234567890123"),
    ],
)
def test_scores_have_one_decimal_unless_the_value_has_more(value: str, written: str) -> None:
    assert format_score(Decimal(value)) == written
    assert Decimal(written) == Decimal(value)


def test_extra_score_digits_reach_the_document_for_the_rules() -> None:
    data = build_document(_with_first_average(SECONDARY, Decimal("6.25")))
    assert b"<DTB>6.25</DTB>" in data
    results = parse_document(data).results
    assert isinstance(results, SecondaryResults)
    first = results.subjects[0]
    assert isinstance(first, ScoredSubject)
    assert first.semester1.average == Decimal("6.25")
