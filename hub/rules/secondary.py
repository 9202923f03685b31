"""Subject rules of lower/upper secondary and GDTX (Thông tư 22/2021, 43/2021).

Per MonHoc: the subject is in the code list and taught in the grade (HB202), its HinhThuc is
the code list's (HB202); for a scored subject, each semester has at least the minimum number of
regular scores for the subject's periods per year, and every score is 0.0–10.0 with at most one
decimal (HB202); the semester and year averages are what the formulas give (HB201); for a
comment subject, the year result is the second semester's (HB201). The levels, conclusion and
title that follow from the subjects are hub.rules.levels'.

One root, one finding: every expected value is computed from the raw assessments, but a stated
value that is wrong only because it was derived from another stated value already reported
(a year average computed from a wrong semester average) is not reported again: fixing the
root and recomputing fixes it, and operators see the cause, not its echoes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hub import xpath
from hub.codes import SecondarySubjectCode
from hub.findings import Finding, Severity, error, warning
from hub.model import (
    AssessmentForm,
    CommentSubject,
    SchoolLevel,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    Transcript,
)
from hub.rules import compute
from hub.rules.base import RuleContext, en_score, stated_severity, vi_score
from hub.rules.levels import PeriodValues, check_levels

VALID_SCORES = frozenset(Decimal(tenths) / 10 for tenths in range(101))
"""Every score 0.0–10.0 with at most one decimal. Decimal hashes by value, so "7.50" is in it."""

_FORM_VI = {AssessmentForm.SCORED: "DIEM (tính điểm)", AssessmentForm.COMMENT: "NHANXET (nhận xét)"}
_FORM_EN = {AssessmentForm.SCORED: "DIEM (scored)", AssessmentForm.COMMENT: "NHANXET (comment)"}


def check_secondary(transcript: Transcript, context: RuleContext) -> list[Finding]:
    """Every finding of KetQuaTrungHoc: its subjects here, its levels in hub.rules.levels."""
    results = transcript.results
    # Results of the other level are one HB002 (hub.rules.header), not a cascade of these.
    if not isinstance(results, SecondaryResults) or transcript.header.level.is_primary:
        return []
    grade = transcript.header.grade
    catalogue = context.codes.secondary_subjects
    severity = stated_severity(transcript)
    findings: list[Finding] = []
    values = PeriodValues()
    upper_electives: list[str] = []
    for subject in results.subjects:
        code = subject.code
        known = catalogue.get(code)
        if known is None or subject.form is not known.form or not known.allowed_in(grade):
            _allowed(code, subject.form, known, grade, findings)
        if known is not None and known.upper_elective:
            upper_electives.append(code)
        name = known.name if known is not None else code
        if isinstance(subject, ScoredSubject):
            minimum = known.min_regular_scores(grade) if known is not None else 0
            if not _scored(subject, name, minimum, severity, values, findings):
                values.computable = False
        else:
            _comment(subject, name, severity, values, findings)
    if transcript.header.level is SchoolLevel.UPPER_SECONDARY:
        _elective_count(upper_electives, context.codes.upper_secondary_electives, findings)
    if values.computable:
        check_levels(results, values, severity, findings)
    return findings


def _allowed(
    code: str,
    form: AssessmentForm,
    known: SecondarySubjectCode | None,
    grade: int,
    findings: list[Finding],
) -> None:
    if known is None:
        findings.append(
            error(
                "HB202",
                xpath.subject(False, code),
                f"Môn '{code}' không có trong danh mục môn học THCS, THPT và GDTX; "
                "cần một mã môn của danh mục (codes.md).",
                f"Subject '{code}' is not in the secondary/GDTX subject list; "
                "expected a subject code of the list (codes.md).",
            )
        )
        return
    if not known.allowed_in(grade):
        findings.append(
            error(
                "HB202",
                xpath.subject(False, code),
                f"Môn {known.name} ({code}) không được dạy ở lớp {grade}; "
                f"cần môn của chương trình lớp {grade}.",
                f"Subject {code} is not taught in grade {grade}; "
                f"expected a subject of the grade {grade} curriculum.",
            )
        )
    if form is not known.form:
        findings.append(
            error(
                "HB202",
                xpath.subject(False, code, "@HinhThuc"),
                f"Môn {known.name} có HinhThuc {_FORM_VI[form]}; cần {_FORM_VI[known.form]}.",
                f"Subject {code} has HinhThuc {_FORM_EN[form]}; expected {_FORM_EN[known.form]}.",
            )
        )


def _elective_count(electives: list[str], expected: int, findings: list[Finding]) -> None:
    """More optional subjects than the curriculum's number: a warning, for a person to look at.

    A school's approved extra subject is a principal's decision the hub cannot see. Fewer is
    a missing compulsory subject (HB202 of hub.rules.compulsory, version 1.0.1).
    """
    if len(electives) <= expected:
        return
    listed = ", ".join(electives)
    findings.append(
        warning(
            "HB202",
            xpath.results(False),
            f"Học sinh THPT có {len(electives)} môn lựa chọn ({listed}); chương trình có "
            f"{expected} môn lựa chọn.",
            f"Upper secondary learner has {len(electives)} elective subjects ({listed}); "
            f"the curriculum has {expected}.",
        )
    )


def _score_findings(
    value: Decimal, where: str, label_vi: str, label_en: str, findings: list[Finding]
) -> bool:
    """Report a score outside VALID_SCORES (HB202); True when it can still be computed with.

    Callers test `value in VALID_SCORES` first (one hash look-up, the common case) and call
    this only for a bad score, so the hot path makes no call at all.
    """
    findings.append(
        error(
            "HB202",
            where,
            f"{label_vi} là {vi_score(value)}; cần điểm từ 0,0 đến 10,0, "
            "tối đa một chữ số thập phân.",
            f"{label_en} is {en_score(value)}; expected a score from 0.0 to 10.0 with at most "
            "one decimal.",
        )
    )
    return value.is_finite()


def _semester(
    subject: ScoredSubject,
    number: int,
    semester: ScoredSemester,
    name: str,
    minimum: int,
    severity: Severity,
    findings: list[Finding],
) -> Decimal | None:
    """Check one semester of a scored subject; its computed average, or None if not computable."""
    code = subject.code
    count = len(semester.regular)
    if count < minimum:
        findings.append(
            error(
                "HB202",
                xpath.semester(code, number, "DDGtx"),
                f"Môn {name} học kỳ {number} có {count} điểm ĐĐGtx; cần ít nhất {minimum}.",
                f"{code} semester {number} has {count} regular scores (DDGtx); "
                f"expected at least {minimum}.",
            )
        )
    regular, midterm, final = semester.regular, semester.midterm, semester.final
    # Hot path: three C-level membership tests; the detailed walk runs only for a bad score.
    if not (
        VALID_SCORES.issuperset(regular) and midterm in VALID_SCORES and final in VALID_SCORES
    ) and not _semester_scores(code, number, semester, name, findings):
        return None
    expected = compute.semester_average(regular, midterm, final)
    stated = semester.average
    if stated != expected:
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.semester(code, number, "DTB"),
                f"ĐTB học kỳ {number} môn {name} ghi {vi_score(stated)} nhưng tính ra "
                f"{vi_score(expected)}.",
                f"Semester {number} average of {code} is {en_score(stated)} but computes to "
                f"{en_score(expected)}.",
            )
        )
    return expected


def _semester_scores(
    code: str, number: int, semester: ScoredSemester, name: str, findings: list[Finding]
) -> bool:
    """HB202 for each bad score of a semester; False when one cannot be computed with."""
    usable = True
    for index, score in enumerate(semester.regular, 1):
        if score not in VALID_SCORES:
            usable &= _score_findings(
                score,
                xpath.semester(code, number, f"DDGtx[{index}]"),
                f"Điểm ĐĐGtx thứ {index} môn {name} học kỳ {number}",
                f"Regular score {index} of {code} semester {number}",
                findings,
            )
    for element, value, label_vi, label_en in (
        ("DDGgk", semester.midterm, "Điểm ĐĐGgk", "Mid-term score (DDGgk)"),
        ("DDGck", semester.final, "Điểm ĐĐGck", "End-of-term score (DDGck)"),
    ):
        if value not in VALID_SCORES:
            usable &= _score_findings(
                value,
                xpath.semester(code, number, element),
                f"{label_vi} môn {name} học kỳ {number}",
                f"{label_en} of {code} semester {number}",
                findings,
            )
    return usable


def _scored(
    subject: ScoredSubject,
    name: str,
    minimum: int,
    severity: Severity,
    values: PeriodValues,
    findings: list[Finding],
) -> bool:
    """Check a scored subject and add its values to `values`; False if they cannot be computed."""
    first = _semester(subject, 1, subject.semester1, name, minimum, severity, findings)
    second = _semester(subject, 2, subject.semester2, name, minimum, severity, findings)
    code = subject.code
    retest = subject.retest_score
    retest_usable = (
        retest is None
        or retest in VALID_SCORES
        or _score_findings(
            retest,
            xpath.subject(False, code, "KiemTraLai/Diem"),
            f"Điểm kiểm tra lại môn {name}",
            f"Re-test score of {code}",
            findings,
        )
    )
    if first is None or second is None or not retest_usable:
        return False
    expected = compute.year_average(first, second)
    stated = subject.year_average
    if stated != expected and stated != _year_from_stated(subject):
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.subject(False, code, "CaNam/DTB"),
                f"ĐTB cả năm môn {name} ghi {vi_score(stated)} nhưng tính ra "
                f"{vi_score(expected)} = (ĐTB học kỳ 1 + 2 × ĐTB học kỳ 2) / 3.",
                f"Year average of {code} is {en_score(stated)} but computes to "
                f"{en_score(expected)} = (semester 1 + 2 × semester 2) / 3.",
            )
        )
    values.add_scored(
        code,
        (first, second, expected, retest if retest is not None else expected),
        (subject.semester1.average, subject.semester2.average, stated),
        retested=retest is not None,
    )
    return True


def _year_from_stated(subject: ScoredSubject) -> Decimal | None:
    """The year average the stated semester averages give (None when they are unusable)."""
    try:
        return compute.year_average(subject.semester1.average, subject.semester2.average)
    except InvalidOperation:
        return None


def _comment(
    subject: CommentSubject,
    name: str,
    severity: Severity,
    values: PeriodValues,
    findings: list[Finding],
) -> None:
    expected = compute.comment_year_result(subject.semester2)
    stated = subject.year_result
    if stated is not expected:
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.subject(False, subject.code, "CaNam/KetQua"),
                f"Kết quả cả năm môn {name} ghi {stated.value} nhưng học kỳ 2 là "
                f"{expected.value}; cần {expected.value} (kết quả học kỳ 2).",
                f"Year result of {subject.code} is {stated.value} but semester 2 is "
                f"{expected.value}; expected {expected.value} (the semester 2 result).",
            )
        )
    retest = subject.retest_result
    values.add_comment(
        subject.code,
        (
            subject.semester1,
            subject.semester2,
            expected,
            retest if retest is not None else expected,
        ),
        stated,
        retested=retest is not None,
    )
