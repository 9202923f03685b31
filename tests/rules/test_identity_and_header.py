"""Identity (HB101, HB102) and field rules (HB002): planted defects, exact code and XPath."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hub.model import ForeignDocument, ForeignDocumentKind, Sex, Transcript

from .builders import primary, primary_results, secondary
from .conftest import Check, summary

HS = "/HocBaSo/DLHocBa/HocSinh"
TT = "/HocBaSo/DLHocBa/TTChung"
PASSPORT = ForeignDocument(ForeignDocumentKind.PASSPORT, "M1234567", "KR")


def test_vietnamese_learner_without_personal_id(check: Check) -> None:
    findings = check(secondary(personal_id=None))
    assert summary(findings) == [("HB101", "error", f"{HS}/SoDinhDanh")]
    assert check(secondary(personal_id="  ")) == findings


def test_foreign_learner_with_documents_and_ethnicity_55_passes(check: Check) -> None:
    foreign = secondary(
        personal_id=None, nationality="KR", ethnicity="55", foreign_document=PASSPORT
    )
    assert check(foreign) == []


def test_foreign_learner_without_documents(check: Check) -> None:
    foreign = secondary(personal_id=None, nationality="KR", ethnicity="55")
    assert summary(check(foreign)) == [("HB101", "error", f"{HS}/GiayToNuocNgoai")]


def test_foreign_learner_needs_ethnicity_55(check: Check) -> None:
    foreign = secondary(
        personal_id=None, nationality="KR", ethnicity="01", foreign_document=PASSPORT
    )
    assert summary(check(foreign)) == [("HB101", "error", f"{HS}/DanToc")]


def test_vietnamese_learner_with_ethnicity_55(check: Check) -> None:
    assert summary(check(secondary(ethnicity="55"))) == [("HB002", "error", f"{HS}/DanToc")]


def test_ethnicity_not_in_the_list(check: Check) -> None:
    assert summary(check(secondary(ethnicity="56"))) == [("HB002", "error", f"{HS}/DanToc")]


@pytest.mark.parametrize(
    "personal_id",
    [
        "00121234567",  # 11 digits
        "0012123456789",  # 13 digits
        "0012123O5678",  # a letter O
        "００１２１２３４５６７８",  # full-width digits: isdigit() but not ASCII
        "003212345678",  # 003 is no province
        "101212345678",  # the prefix must start with 0
        "001012345678",  # sex digit 0: male born 1900-1999
        "001312345678",  # sex digit 3: female born 2000-2099
        "001211345678",  # year digits 11 for a learner born in 2012
    ],
)
def test_malformed_or_inconsistent_personal_id(check: Check, personal_id: str) -> None:
    findings = check(secondary(personal_id=personal_id))
    assert summary(findings) == [("HB102", "error", f"{HS}/SoDinhDanh")]
    # a finding is printed and logged: never the whole personal ID number
    assert personal_id not in findings[0].message_vi
    assert personal_id not in findings[0].message_en


def test_personal_id_of_a_girl(check: Check) -> None:
    # builders.learner gives a girl born in 2012 the digit 3: 001 3 12 345678
    girl = secondary(sex=Sex.FEMALE, personal_id="001312345678")
    assert check(girl) == []
    assert summary(check(replace(girl, learner=replace(girl.learner, sex=Sex.MALE)))) == [
        ("HB102", "error", f"{HS}/SoDinhDanh")
    ]


def test_personal_id_century_digit_for_the_1900s(check: Check) -> None:
    # born 1999-12-31 (25 on 5 September 2024), female: 1, year 99
    adult = secondary(birth_date=date(1999, 12, 31), sex=Sex.FEMALE, personal_id="079199000001")
    assert check(adult) == []


def test_two_inconsistencies_are_two_findings(check: Check) -> None:
    findings = check(secondary(personal_id="001311345678"))
    assert summary(findings) == [("HB102", "error", f"{HS}/SoDinhDanh")] * 2


def test_minor_without_parent_or_guardian_warns(check: Check) -> None:
    findings = check(secondary(father=None))
    assert summary(findings) == [("HB002", "warning", HS)]
    assert check(secondary(father=None, guardian="Phạm Thị Hoa")) == []


def test_adult_without_parent_or_guardian_is_fine(check: Check) -> None:
    # 18 on 20 May 2025 (NgayLap): born 20 May 2007, personal ID 001 2 07 …
    adult = secondary(father=None, birth_date=date(2007, 5, 20), personal_id="001207345678")
    assert check(adult) == []
    younger = secondary(father=None, birth_date=date(2007, 5, 21), personal_id="001207345678")
    assert summary(check(younger)) == [("HB002", "warning", HS)]


# --- TTChung -----------------------------------------------------------------------------------


def with_header(**changes: object) -> Transcript:
    transcript = secondary()
    return replace(transcript, header=replace(transcript.header, **changes))  # type: ignore[arg-type]


def test_school_year_must_be_consecutive(check: Check) -> None:
    assert summary(check(with_header(school_year="2024-2026"))) == [
        ("HB002", "error", f"{TT}/NamHoc")
    ]
    assert summary(check(with_header(school_year="2024/2025"))) == [
        ("HB002", "error", f"{TT}/NamHoc")
    ]


def test_grade_must_belong_to_the_level(check: Check) -> None:
    findings = check(with_header(grade=10))
    # GDCD, LSDL and KHTN are taught in grades 6-9 only, so grade 10 makes them wrong too
    mon = "/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc"
    assert summary(findings) == [
        ("HB002", "error", f"{TT}/Khoi"),
        ("HB202", "error", f"{mon}[@MaMon='GDCD']"),
        ("HB202", "error", f"{mon}[@MaMon='LSDL']"),
        ("HB202", "error", f"{mon}[@MaMon='KHTN']"),
    ]


@pytest.mark.parametrize(
    ("issued", "ok"),
    [
        (date(2025, 3, 31), False),  # before 1 April of the second year
        (date(2025, 4, 1), True),
        (date(2025, 9, 30), True),  # today
        (date(2025, 10, 1), False),  # in the future
    ],
)
def test_issue_date_window(check: Check, issued: date, ok: bool) -> None:
    # MaSoGD 01 and MaTruong 01… are valid on both sides of the reform (Hà Nội keeps 01)
    findings = check(with_header(issue_date=issued))
    assert summary(findings) == ([] if ok else [("HB002", "error", f"{TT}/NgayLap")])


def test_department_code_follows_the_reform(check: Check) -> None:
    before = {"issue_date": date(2025, 6, 30), "department_code": "02", "school_code": "02300001"}
    assert check(with_header(**before)) == []
    after = {"issue_date": date(2025, 7, 1), "department_code": "02", "school_code": "02300001"}
    findings = check(with_header(**after))
    assert summary(findings) == [
        ("HB002", "error", f"{TT}/MaSoGD"),
        ("HB002", "error", f"{TT}/MaTruong"),
    ]
    assert "01/07/2025" in findings[0].message_vi
    merged = {"issue_date": date(2025, 7, 1), "department_code": "08", "school_code": "08300001"}
    assert check(with_header(**merged)) == []


def test_department_other_than_the_school_province_warns(check: Check) -> None:
    findings = check(with_header(department_code="79"))
    assert summary(findings) == [("HB002", "warning", f"{TT}/MaSoGD")]


@pytest.mark.parametrize(
    ("birth", "ok"),
    [
        (date(2019, 9, 5), True),  # 5 on 5 September 2024
        (date(2019, 9, 6), False),  # 4
        (date(1998, 9, 6), True),  # 25
        (date(1998, 9, 5), False),  # 26
    ],
)
def test_learner_age_on_5_september(check: Check, birth: date, ok: bool) -> None:
    sex_digit = "2" if birth.year >= 2000 else "0"
    transcript = secondary(
        birth_date=birth, personal_id=f"001{sex_digit}{birth.year % 100:02d}345678"
    )
    expected = [] if ok else [("HB002", "error", f"{HS}/NgaySinh")]
    assert summary(check(transcript)) == expected


def test_results_absent_only_for_exempt_learners(check: Check) -> None:
    transcript = replace(secondary(), results=None)
    assert summary(check(transcript)) == [("HB002", "error", "/HocBaSo/DLHocBa/KetQuaTrungHoc")]
    exempt = replace(transcript, learner=replace(transcript.learner, exempt_from_assessment=True))
    assert check(exempt) == []


def test_results_of_the_other_level(check: Check) -> None:
    # one HB002 for the misplaced results, not a cascade of subject findings
    transcript = replace(secondary(), results=primary_results())
    assert summary(check(transcript)) == [("HB002", "error", "/HocBaSo/DLHocBa/KetQuaTieuHoc")]
    upside = replace(primary(), results=secondary().results)
    assert summary(check(upside)) == [("HB002", "error", "/HocBaSo/DLHocBa/KetQuaTrungHoc")]
