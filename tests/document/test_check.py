"""check_document: parser findings stop the checks; otherwise the rules' findings follow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hub import xpath
from hub.document.check import check_document

CASE = Path(__file__).parents[1] / "cases" / "documents" / "lower-secondary-grade-7"
DOCUMENT = (CASE / "document.xml").read_bytes()
DAY = date(2026, 9, 1)


def test_valid_document_has_no_findings_and_its_transcript() -> None:
    report = check_document(DOCUMENT, today=DAY)
    assert report.findings == []
    assert not report.has_errors
    assert report.transcript is not None
    assert report.transcript.header.record_id == "31234567-2024-HS0007"


def test_wrong_average_is_a_rule_finding_with_the_transcript_kept() -> None:
    # TOAN semester 1 averages (3.0+2.5+4.0+3.5 + 2*3.0 + 3*2.5) / 9 = 2.94… → 2.9.
    report = check_document(DOCUMENT.replace(b"<DTB>2.9</DTB>", b"<DTB>3.9</DTB>"), today=DAY)
    assert report.transcript is not None
    assert report.has_errors
    at_average = [f for f in report.findings if f.xpath == xpath.semester("TOAN", 1, "DTB")]
    assert [f.code for f in at_average] == ["HB201"]


def test_schema_error_stops_before_the_rules() -> None:
    invalid = DOCUMENT.replace(b"<Khoi>7</Khoi>", "<Khoi>bảy</Khoi>".encode())
    report = check_document(invalid, today=DAY)
    assert report.transcript is None
    assert [f.code for f in report.findings] == ["HB002"]
    assert report.findings[0].xpath == xpath.header("Khoi")


def test_unreadable_document_is_hb001_only() -> None:
    report = check_document(b"<!DOCTYPE x []><x/>", today=DAY)
    assert report.transcript is None
    assert [f.code for f in report.findings] == ["HB001"]
    assert report.has_errors


def test_today_decides_whether_ngaylap_is_in_the_future() -> None:
    report = check_document(DOCUMENT, today=date(2025, 6, 1))  # NgayLap is 2025-06-10
    assert report.has_errors
    assert any(f.xpath == xpath.header("NgayLap") for f in report.findings)
