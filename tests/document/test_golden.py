"""Golden documents: tests/cases/documents/<case>/ pins the exact bytes of each case.

Each case holds `transcript.json` (canonical JSON, the input) and `document.xml` (the bytes
build_document must produce). `pytest --update-golden` rewrites both from the current code;
review the diff before committing it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.canonical import from_canonical_json, to_canonical_json
from hub.document.build import build_document
from hub.document.check import check_document
from hub.document.parse import parse_document

CASES_DIR = Path(__file__).parents[1] / "cases" / "documents"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "transcript.json").is_file())
# After every case's NgayLap, so that "not in the future" holds whatever the real date.
CHECK_DAY = date(2026, 9, 1)


def test_every_required_case_is_present() -> None:
    assert {
        "primary-grade-1",
        "primary-grade-5",
        "lower-secondary-grade-7",
        "upper-secondary-grade-11",
        "gdtx-grade-10",
        "foreign-learner-grade-9",
        "exempt-learner-grade-2",
    } <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_document_bytes_match_golden(case: str, update_golden: bool) -> None:
    folder = CASES_DIR / case
    source = (folder / "transcript.json").read_bytes()
    transcript = from_canonical_json(source)
    built = build_document(transcript)
    if update_golden:
        (folder / "transcript.json").write_bytes(to_canonical_json(transcript))
        (folder / "document.xml").write_bytes(built)
    assert to_canonical_json(transcript) == (folder / "transcript.json").read_bytes()
    assert built == (folder / "document.xml").read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_golden_document_parses_back_to_its_transcript(case: str) -> None:
    folder = CASES_DIR / case
    transcript = from_canonical_json((folder / "transcript.json").read_bytes())
    assert parse_document((folder / "document.xml").read_bytes()) == transcript


@pytest.mark.parametrize("case", CASES)
def test_golden_document_passes_schema_and_rules(case: str) -> None:
    report = check_document((CASES_DIR / case / "document.xml").read_bytes(), today=CHECK_DAY)
    assert report.findings == []
    assert report.transcript is not None


def test_case_features_are_what_their_names_promise() -> None:
    """The cases cover what they claim: a golden file that drifted would not."""

    def load(case: str) -> bytes:
        return (CASES_DIR / case / "document.xml").read_bytes()

    grade7 = load("lower-secondary-grade-7")
    assert b'HinhThuc="NHANXET"' in grade7
    assert b"<KiemTraLai>" in grade7
    assert b"<SauKiemTraLai>" in grade7
    foreign = load("foreign-learner-grade-9")
    assert b"<GiayToNuocNgoai>" in foreign
    assert b"<SoDinhDanh>" not in foreign
    exempt = load("exempt-learner-grade-2")
    assert b"<KhuyetTatKhongDanhGia>true</KhuyetTatKhongDanhGia>" in exempt
    assert b"<KetQuaTieuHoc>" not in exempt
    assert b"<KetQuaTrungHoc>" not in exempt
    assert b"<CapHoc>05</CapHoc>" in load("gdtx-grade-10")
    assert b"<HoanThanhChuongTrinhTieuHoc>true" in load("primary-grade-5")
