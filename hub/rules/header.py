"""Field rules of transcript-document.md that the XSD cannot express (HB002).

They relate one field to another or to the calendar, which XSD 1.0 cannot say:
- NamHoc: the second year is the first + 1;
- Khoi within CapHoc (1–5 primary, 6–9 lower, 10–12 upper secondary, 6–12 GDTX);
- NgayLap not before 1 April of NamHoc's second year and not after today;
- MaSoGD, and the first two digits of MaTruong, are province codes valid on NgayLap: the old
  codes before the 1 July 2025 reform, the new ones from then (codes.md);
- the learner is aged 5–25 on 5 September of NamHoc's first year;
- results present unless the learner is exempt (KhuyetTatKhongDanhGia), and of the kind CapHoc
  calls for (KetQuaTieuHoc for 02, KetQuaTrungHoc otherwise).
"""

from __future__ import annotations

import re
from datetime import date

from hub import xpath
from hub.findings import Finding, error, warning
from hub.model import GRADES, PrimaryResults, SecondaryResults, Transcript
from hub.rules.base import RuleContext, age_on, vi_date

_SCHOOL_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})")
ISSUE_MONTH, ISSUE_DAY = 4, 1  # NgayLap from 1 April of the second year
AGE_MONTH, AGE_DAY = 9, 5  # ages are taken on 5 September of the first year
MIN_AGE, MAX_AGE = 5, 25


def check_header(transcript: Transcript, context: RuleContext) -> list[Finding]:
    """Every HB002 finding of TTChung, the learner's age and the presence of results."""
    header = transcript.header
    findings: list[Finding] = []
    first_year = _school_year(header.school_year, findings)
    grades = GRADES[header.level]
    if header.grade not in grades:
        findings.append(
            error(
                "HB002",
                xpath.header("Khoi"),
                f"Khoi {header.grade} không thuộc CapHoc {header.level.value}; "
                f"cần từ {grades.start} đến {grades.stop - 1}.",
                f"Khoi {header.grade} is not a grade of CapHoc {header.level.value}; "
                f"expected {grades.start} to {grades.stop - 1}.",
            )
        )
    _issue_date(header.issue_date, first_year, context.today, findings)
    _department(transcript, context, findings)
    if first_year is not None:
        _age(transcript, first_year, findings)
    _results_presence(transcript, findings)
    return findings


def _school_year(value: str, findings: list[Finding]) -> int | None:
    """NamHoc's first year, or None (with a finding) when NamHoc is not two consecutive years."""
    match = _SCHOOL_YEAR.fullmatch(value)
    if match is None:  # the XSD's pattern; reached only for a model that was never built
        findings.append(
            error(
                "HB002",
                xpath.header("NamHoc"),
                f"NamHoc '{value}' không đúng dạng; cần YYYY-YYYY, ví dụ 2024-2025.",
                f"NamHoc '{value}' is malformed; expected YYYY-YYYY, e.g. 2024-2025.",
            )
        )
        return None
    first, second = int(match[1]), int(match[2])
    if second != first + 1:
        findings.append(
            error(
                "HB002",
                xpath.header("NamHoc"),
                f"NamHoc {value}: năm thứ hai là {second}; cần {first + 1} (năm đầu + 1).",
                f"NamHoc {value}: the second year is {second}; expected {first + 1} "
                "(the first year + 1).",
            )
        )
        return None
    # date() needs years 1..9999; "0000-0001" passes the pattern but names no real year.
    return first if 1 <= first < 9999 else None


def _issue_date(issued: date, first_year: int | None, today: date, findings: list[Finding]) -> None:
    where = xpath.header("NgayLap")
    if first_year is not None:
        earliest = date(first_year + 1, ISSUE_MONTH, ISSUE_DAY)
        if issued < earliest:
            findings.append(
                error(
                    "HB002",
                    where,
                    f"NgayLap {vi_date(issued)} trước ngày {vi_date(earliest)}; học bạ năm "
                    f"học {first_year}-{first_year + 1} lập từ 01/04/{first_year + 1}.",
                    f"NgayLap {issued.isoformat()} is before {earliest.isoformat()}; "
                    f"expected 1 April {first_year + 1} or later for school year "
                    f"{first_year}-{first_year + 1}.",
                )
            )
    if issued > today:
        findings.append(
            error(
                "HB002",
                where,
                f"NgayLap {vi_date(issued)} ở tương lai; cần không sau hôm nay ({vi_date(today)}).",
                f"NgayLap {issued.isoformat()} is in the future; expected today "
                f"({today.isoformat()}) or earlier.",
            )
        )


def _department(transcript: Transcript, context: RuleContext, findings: list[Finding]) -> None:
    """MaSoGD and MaTruong's province digits: the code set valid on NgayLap."""
    header = transcript.header
    codes = context.codes
    issued = header.issue_date
    valid = codes.department_codes_on(issued)
    department = header.department_code
    school_province = header.school_code[:2]
    if department in valid and school_province in valid:
        if school_province != department:
            # Not a contract rule, but a school reports to its own province's department.
            findings.append(
                warning(
                    "HB002",
                    xpath.header("MaSoGD"),
                    f"MaSoGD '{department}' khác mã tỉnh của MaTruong '{school_province}'; "
                    "thường hai mã trùng nhau, cần kiểm tra.",
                    f"MaSoGD '{department}' differs from MaTruong's province "
                    f"'{school_province}'; they are normally equal, please check.",
                )
            )
        return
    reform = codes.province_reform_date
    if issued >= reform:
        kind_vi, kind_en = "mới", "new"
        when_vi, when_en = f"từ {vi_date(reform)}", f"from {reform.isoformat()}"
    else:
        kind_vi, kind_en = "cũ", "old"
        when_vi, when_en = f"trước {vi_date(reform)}", f"before {reform.isoformat()}"
    if department not in valid:
        findings.append(
            error(
                "HB002",
                xpath.header("MaSoGD"),
                f"MaSoGD '{department}' không phải mã tỉnh {kind_vi}; học bạ lập "
                f"{vi_date(issued)} ({when_vi}) cần mã tỉnh {kind_vi}.",
                f"MaSoGD '{department}' is not a {kind_en} province code; a document made on "
                f"{issued.isoformat()} ({when_en}) needs a {kind_en} code.",
            )
        )
    if school_province not in valid:
        findings.append(
            error(
                "HB002",
                xpath.header("MaTruong"),
                f"Hai chữ số đầu của MaTruong '{school_province}' không phải mã tỉnh "
                f"{kind_vi}; học bạ lập {vi_date(issued)} ({when_vi}) cần mã tỉnh {kind_vi}.",
                f"MaTruong starts with '{school_province}', not a {kind_en} province code; "
                f"a document made on {issued.isoformat()} ({when_en}) needs a {kind_en} code.",
            )
        )


def _age(transcript: Transcript, first_year: int, findings: list[Finding]) -> None:
    birth = transcript.learner.birth_date
    on = date(first_year, AGE_MONTH, AGE_DAY)
    age = age_on(birth, on)
    if MIN_AGE <= age <= MAX_AGE:
        return
    findings.append(
        error(
            "HB002",
            xpath.learner("NgaySinh"),
            f"NgaySinh {vi_date(birth)}: học sinh {age} tuổi vào ngày {vi_date(on)}; "
            f"cần từ {MIN_AGE} đến {MAX_AGE} tuổi.",
            f"NgaySinh {birth.isoformat()}: the learner is {age} on {on.isoformat()}; "
            f"expected an age of {MIN_AGE} to {MAX_AGE}.",
        )
    )


def _results_presence(transcript: Transcript, findings: list[Finding]) -> None:
    level = transcript.header.level
    results = transcript.results
    primary = level.is_primary
    expected = "KetQuaTieuHoc" if primary else "KetQuaTrungHoc"
    if results is None:
        if not transcript.learner.exempt_from_assessment:
            findings.append(
                error(
                    "HB002",
                    xpath.results(primary),
                    f"Thiếu {expected} dù học sinh không thuộc diện khuyết tật không đánh giá "
                    f"(KhuyetTatKhongDanhGia = false); cần {expected}.",
                    f"{expected} is missing although the learner is not exempt from "
                    f"assessment (KhuyetTatKhongDanhGia is false); expected {expected}.",
                )
            )
        return
    if primary and isinstance(results, SecondaryResults):
        found = "KetQuaTrungHoc"
    elif not primary and isinstance(results, PrimaryResults):
        found = "KetQuaTieuHoc"
    else:
        return
    findings.append(
        error(
            "HB002",
            xpath.results(not primary),
            f"Có {found} nhưng CapHoc là {level.value}; cần {expected}.",
            f"Found {found} but CapHoc is {level.value}; expected {expected}.",
        )
    )
