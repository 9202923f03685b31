"""HB002: schema errors name the element in hub/xpath.py's style and say found / expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub import xpath
from hub.document.parse import parse_document
from hub.errors import DocumentError
from hub.findings import Finding

CASES = Path(__file__).parents[1] / "cases" / "documents"
SECONDARY = (CASES / "lower-secondary-grade-7" / "document.xml").read_bytes()
PRIMARY = (CASES / "primary-grade-5" / "document.xml").read_bytes()
SUBJECT_NV = re.search(rb'      <MonHoc Id="Mon-NV".*?</MonHoc>\n', SECONDARY, re.S)
QUALITY_YN = b'      <PhamChat Ma="YN" Muc="T"/>\n'


def _changed(document: bytes, old: bytes, new: bytes) -> bytes:
    assert document.count(old) >= 1, old
    return document.replace(old, new, 1)


def _findings(document: bytes) -> list[Finding]:
    with pytest.raises(DocumentError) as caught:
        parse_document(document)
    findings = caught.value.findings
    assert {f.code for f in findings} == {"HB002"}
    assert all(f.severity.value == "error" and f.message_vi and f.message_en for f in findings)
    return findings


def _only(document: bytes) -> Finding:
    findings = _findings(document)
    assert len(findings) == 1, findings
    return findings[0]


def test_missing_element_points_at_where_it_belongs() -> None:
    document = re.sub(rb"\s*<HoVaTen>[^<]*</HoVaTen>", b"", SECONDARY)
    finding = _only(document)
    assert finding.xpath == xpath.learner("HoVaTen")
    assert "HoVaTen" in finding.message_en
    assert "Missing" in finding.message_en


def test_missing_last_child_points_at_it() -> None:
    teacher = "<GiaoVien>\n          <HoTen>Hoàng Văn Nam</HoTen>\n        </GiaoVien>\n"
    document = _changed(SECONDARY, f"        {teacher}".encode(), b"")
    finding = _only(document)
    assert finding.xpath == xpath.subject(False, "TOAN", "GiaoVien")
    assert "Missing" in finding.message_en


def test_bad_enumeration_says_found_and_expected() -> None:
    finding = _only(_changed(SECONDARY, b"<CapHoc>03</CapHoc>", b"<CapHoc>07</CapHoc>"))
    assert finding.xpath == xpath.header("CapHoc")
    assert "'07'" in finding.message_en
    assert "'02', '03', '04', '05'" in finding.message_en
    assert "'07'" in finding.message_vi


def test_bad_enumeration_in_an_attribute_names_the_attribute() -> None:
    document = _changed(SECONDARY, b'MaMon="NV" HinhThuc="DIEM"', b'MaMon="NV" HinhThuc="SCORE"')
    finding = _only(document)
    assert finding.xpath == xpath.subject(False, "NV") + "/@HinhThuc"
    assert "'SCORE'" in finding.message_en


def test_wrong_order_points_at_the_element_out_of_place() -> None:
    document = _changed(
        SECONDARY,
        b"<CapHoc>03</CapHoc>\n      <Khoi>7</Khoi>",
        b"<Khoi>7</Khoi>\n      <CapHoc>03</CapHoc>",
    )
    finding = _only(document)
    assert finding.xpath == xpath.header("Khoi")
    assert "out of order" in finding.message_en
    assert "CapHoc" in finding.message_en


def test_duplicated_subject_code_points_at_the_second_one() -> None:
    assert SUBJECT_NV is not None
    document = _changed(SECONDARY, SUBJECT_NV[0], SUBJECT_NV[0] * 2)
    finding = _only(document)
    assert finding.xpath == xpath.subject(False, "NV").replace("']", "'][2]") + "/@MaMon"
    assert "'NV'" in finding.message_en
    assert "more than once" in finding.message_en


def test_score_that_is_not_a_number_gets_the_semester_xpath() -> None:
    finding = _only(_changed(SECONDARY, b"<DTB>2.9</DTB>", b"<DTB>2,9</DTB>"))
    assert finding.xpath == xpath.semester("TOAN", 1, "DTB")
    assert finding.xpath == (
        "/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB"
    )
    assert "'2,9'" in finding.message_en
    assert "decimal" in finding.message_en


def test_repeated_element_is_told_apart_by_position() -> None:
    # TOAN's first semester: 3.0, 2.5, 4.0, 3.5 -> the third regular score.
    finding = _only(_changed(SECONDARY, b"<DDGtx>4.0</DDGtx>", "<DDGtx>bốn</DDGtx>".encode()))
    assert finding.xpath == xpath.semester("TOAN", 1, "DDGtx[3]")


def test_out_of_range_score_is_left_to_the_rules() -> None:
    """A score of 11 or with two decimals is HB202 (rules), so the schema accepts it."""
    document = _changed(SECONDARY, b"<DTB>2.9</DTB>", b"<DTB>11.25</DTB>")
    transcript = parse_document(document)
    assert transcript.results is not None


def test_six_qualities_is_one_too_many() -> None:
    finding_for = {f.xpath: f for f in _findings(_changed(PRIMARY, QUALITY_YN, QUALITY_YN * 2))}
    # The second YN repeats a code and is one PhamChat too many.
    assert xpath.rated("PhamChat", "YN").replace("']", "'][2]") + "/@Ma" in finding_for
    too_many = [f for f in finding_for.values() if "too many" in f.message_en]
    assert len(too_many) == 1


def test_four_qualities_is_too_few() -> None:
    finding = _only(_changed(PRIMARY, QUALITY_YN, b""))
    assert finding.xpath == xpath.results(True, "PhamChat")
    assert "too few PhamChat" in finding.message_en


def test_too_long_text_says_its_length() -> None:
    finding = _only(
        _changed(SECONDARY, b"<TenLop>7A3</TenLop>", b"<TenLop>" + b"7" * 31 + b"</TenLop>")
    )
    assert finding.xpath == xpath.header("TenLop")
    assert "31 characters" in finding.message_en
    assert "at most 30" in finding.message_en


def test_invalid_date_is_refused() -> None:
    finding = _only(_changed(SECONDARY, b"<NgaySinh>2012-08-19", b"<NgaySinh>2012-02-30"))
    assert finding.xpath == xpath.learner("NgaySinh")
    assert "'2012-02-30'" in finding.message_en


def test_missing_attribute_is_named() -> None:
    finding = _only(_changed(SECONDARY, b' MaMon="NV"', b""))
    assert finding.xpath == xpath.results(False, "MonHoc[1]/@MaMon")
    assert "MaMon" in finding.message_en


def test_wrong_version_and_wrong_root() -> None:
    finding = _only(_changed(SECONDARY, b'PhienBan="1.0"', b'PhienBan="2.0"'))
    assert finding.xpath == "/HocBaSo/@PhienBan"
    assert "'1.0'" in finding.message_en
    root = _only(b'<HocBaSo xmlns="urn:moet:hocbaso:2" PhienBan="1.0"/>')
    assert "HocBaSo" in root.message_en
    assert "urn:moet:hocbaso:1" in root.message_en


def test_subject_id_must_be_mon_and_its_code() -> None:
    finding = _only(_changed(SECONDARY, b'Id="Mon-NV"', b'Id="Mon-TOAN2"'))
    assert finding.xpath == xpath.subject(False, "NV") + "/@Id"
    assert "'Mon-NV'" in finding.message_en


def test_subject_content_must_match_its_form() -> None:
    document = _changed(SECONDARY, b'MaMon="NV" HinhThuc="DIEM"', b'MaMon="NV" HinhThuc="NHANXET"')
    paths = [f.xpath for f in _findings(document)]
    assert paths == [
        xpath.semester("NV", 1),
        xpath.semester("NV", 2),
        xpath.subject(False, "NV", "CaNam"),
    ]


def test_signature_slot_takes_only_xmldsig() -> None:
    document = _changed(SECONDARY, b"<DSCKS/>", b'<DSCKS><ChuKy VaiTro="DV"><Chu/></ChuKy></DSCKS>')
    finding = _only(document)
    assert finding.xpath == "/HocBaSo/DSCKS/ChuKy/ds:Signature"
    signature = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>'
    document = _changed(
        SECONDARY, b"<DSCKS/>", b'<DSCKS><ChuKy VaiTro="CA">' + signature + b"</ChuKy></DSCKS>"
    )
    role = _only(document)
    assert role.xpath == "/HocBaSo/DSCKS/ChuKy/@VaiTro"


def test_many_errors_are_all_reported() -> None:
    document = _changed(SECONDARY, b"<CapHoc>03</CapHoc>", b"<CapHoc>3</CapHoc>")
    document = _changed(document, b"<MaTruong>31234567</MaTruong>", b"<MaTruong>3123</MaTruong>")
    paths = [f.xpath for f in _findings(document)]
    assert paths == [xpath.header("CapHoc"), xpath.header("MaTruong")]


def test_an_invalid_key_is_one_finding() -> None:
    """libxml2 adds a second error for a key it could not read (`No precomputed value`); it
    used to become a finding of its own, `Found (?)`."""
    finding = _only(_changed(SECONDARY, b'MaMon="NV"', b'MaMon="N-V"'))
    assert finding.xpath == xpath.results(False, "MonHoc[@MaMon='N-V']/@MaMon")
    assert finding.message_en == "Found 'N-V'; expected 1 to 20 letters, digits or '_'."


def test_a_grade_that_is_not_a_whole_number_says_so() -> None:
    finding = _only(_changed(SECONDARY, b"<Khoi>7</Khoi>", b"<Khoi>7.5</Khoi>"))
    assert finding.message_en == "Found '7.5'; expected an integer."  # not "expected Grade"


def test_a_value_with_a_quote_in_it_is_quoted_whole() -> None:
    finding = _only(_changed(SECONDARY, b"<CapHoc>03</CapHoc>", b"<CapHoc>0' 3</CapHoc>"))
    assert "Found '0' 3';" in finding.message_en


def test_a_stray_element_at_the_end_is_extra_not_a_missing_optional_one() -> None:
    """After NgayLap only the optional ThayTheCho may come: Foo is one element too many, and
    nothing is missing."""
    finding = _only(_changed(SECONDARY, b"</TTChung>", b"<Foo/></TTChung>"))
    assert finding.xpath == xpath.header("Foo")
    assert finding.message_en == (
        "Found element Foo, which TTChung does not have; expected no further element."
    )


def test_a_missing_element_is_not_confused_with_the_optional_ones_before_it() -> None:
    document = re.sub(rb"\s*<HoVaTen>[^<]*</HoVaTen>", b"", SECONDARY)
    finding = _only(document)
    assert "GiayToNuocNgoai" not in finding.message_en + finding.message_vi
    assert (
        finding.message_en == "Missing element HoVaTen: found NgaySinh where HoVaTen is expected."
    )


def test_an_element_of_no_namespace_is_named_plainly() -> None:
    finding = _only(_changed(SECONDARY, b"</TTChung>", b'<Foo xmlns=""/></TTChung>'))
    assert finding.xpath == xpath.header("Foo")  # not TTChung/{None}Foo


def test_attributes_of_xml_itself_are_named_with_their_prefix() -> None:
    finding = _only(_changed(SECONDARY, b"<TenLop>", b'<TenLop xml:lang="vi">'))
    assert finding.xpath == xpath.header("TenLop") + "/@xml:lang"
    assert (
        finding.message_en == "Found attribute xml:lang, which is not allowed here; expected none."
    )
