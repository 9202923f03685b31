"""Primary checks (Thông tư 27/2020): planted defects, exact code, severity and XPath."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.model import (
    PrimaryEvaluation,
    PrimaryRating,
    PrimaryResults,
    PrimarySubject,
    QualityRating,
    Rated,
)

from .builders import TEACHER, primary, primary_results, with_subject
from .conftest import Check, summary

KQ = "/HocBaSo/DLHocBa/KetQuaTieuHoc"
HTXS, HTT, HT, CHT = (
    PrimaryEvaluation.HTXS,
    PrimaryEvaluation.HTT,
    PrimaryEvaluation.HT,
    PrimaryEvaluation.CHT,
)


def test_clean_primary_transcript_has_no_findings(check: Check) -> None:
    assert check(primary()) == []


@pytest.mark.parametrize(
    ("test_score", "evaluation"),
    [(9, HTXS), (8, HTT), (7, HTT), (6, HT), (5, HT), (4, CHT)],
)
def test_thresholds_of_the_year_end_tests(
    check: Check, test_score: int, evaluation: PrimaryEvaluation
) -> None:
    completed = evaluation is not CHT
    right = primary_results(test_score, evaluation=evaluation, completed=completed)
    assert check(primary(right)) == []
    other = HT if evaluation is HTT else HTT
    wrong = replace(right, evaluation=other)
    findings = check(primary(wrong))
    assert ("HB201", "error", f"{KQ}/DanhGiaCuoiNam") == summary(findings)[0]
    assert evaluation.value in findings[0].message_en


def test_a_subject_rated_h_caps_at_ht(check: Check) -> None:
    results = primary_results(10, evaluation=HT)
    subjects = tuple(
        replace(s, rating=PrimaryRating.H) if s.code == "DD" else s for s in results.subjects
    )
    assert check(primary(replace(results, subjects=subjects))) == []


def test_a_quality_to_work_on_means_cht(check: Check) -> None:
    results = primary_results(10, evaluation=CHT, completed=False)
    qualities = (Rated("YN", QualityRating.C), *results.qualities[1:])
    assert check(primary(replace(results, qualities=qualities))) == []


def test_completion_flag_must_follow_the_evaluation(check: Check) -> None:
    wrong = primary_results(9, evaluation=HTXS, completed=False)
    assert summary(check(primary(wrong))) == [("HB201", "error", f"{KQ}/HoanThanhChuongTrinhLop")]


def test_a_flag_that_follows_a_wrong_evaluation_is_one_finding(check: Check) -> None:
    # tests at 4 give CHT; the sender stated HT and, consistently, "completed"
    stated = primary_results(4, evaluation=HT, completed=True)
    assert summary(check(primary(stated))) == [("HB201", "error", f"{KQ}/DanhGiaCuoiNam")]


def test_primary_completion_only_in_grade_5(check: Check) -> None:
    grade_3 = primary_results(9, completed_primary=True)
    assert summary(check(primary(grade_3))) == [
        ("HB201", "error", f"{KQ}/HoanThanhChuongTrinhTieuHoc")
    ]


def _grade_5(results: PrimaryResults) -> PrimaryResults:
    """Grade 5 subjects: LSDL and KH replace TNXH, and both have a test."""
    subjects = tuple(s for s in results.subjects if s.code != "TNXH")
    extra = tuple(PrimarySubject(code, PrimaryRating.T, 9, TEACHER) for code in ("LSDL", "KH"))
    return replace(results, subjects=subjects + extra)


def test_grade_5_states_primary_completion(check: Check) -> None:
    done = _grade_5(primary_results(9, completed_primary=True))
    assert check(primary(done, grade=5)) == []
    missing = replace(done, completed_primary=None)
    assert summary(check(primary(missing, grade=5))) == [
        ("HB201", "error", f"{KQ}/HoanThanhChuongTrinhTieuHoc")
    ]
    wrong = replace(done, completed_primary=False)
    assert summary(check(primary(wrong, grade=5))) == [
        ("HB201", "error", f"{KQ}/HoanThanhChuongTrinhTieuHoc")
    ]


def test_subject_not_taught_in_the_grade(check: Check) -> None:
    results = primary_results()
    extra = PrimarySubject("KH", PrimaryRating.T, 9, TEACHER)  # Khoa học: grades 4-5
    transcript = primary(replace(results, subjects=(*results.subjects, extra)))
    # KH has no test in grade 3 either: the subject is the root, its test score a second fact
    assert summary(check(transcript)) == [
        ("HB202", "error", f"{KQ}/MonHoc[@MaMon='KH']"),
        ("HB202", "error", f"{KQ}/MonHoc[@MaMon='KH']/DiemKTCuoiNam"),
    ]


def test_unknown_subject(check: Check) -> None:
    transcript = with_subject(
        primary(), "DD", PrimarySubject("XYZ", PrimaryRating.T, None, TEACHER)
    )
    # 1.0.1: DD, which XYZ replaced, is now missing too.
    assert summary(check(transcript)) == [
        ("HB202", "error", f"{KQ}/MonHoc[@MaMon='XYZ']"),
        ("HB202", "error", "/HocBa/DLHocBa/KetQuaHocTap"),
    ]


def test_missing_year_end_test(check: Check) -> None:
    transcript = with_subject(primary(), "TV", PrimarySubject("TV", PrimaryRating.T, None, TEACHER))
    assert summary(check(transcript)) == [
        ("HB202", "error", f"{KQ}/MonHoc[@MaMon='TV']/DiemKTCuoiNam")
    ]


def test_test_score_for_a_subject_without_test(check: Check) -> None:
    transcript = with_subject(primary(), "DD", PrimarySubject("DD", PrimaryRating.T, 9, TEACHER))
    assert summary(check(transcript)) == [
        ("HB202", "error", f"{KQ}/MonHoc[@MaMon='DD']/DiemKTCuoiNam")
    ]


def test_elective_foreign_language_in_grade_2_has_no_test(check: Check) -> None:
    # NN1 is elective in grades 1-2 and has a test from grade 3 on
    results = primary_results(9)
    subjects = tuple(s for s in results.subjects if s.code != "THCN")  # THCN from grade 3
    subjects = tuple(replace(s, test_score=None) if s.code == "NN1" else s for s in subjects)
    assert check(primary(replace(results, subjects=subjects), grade=2)) == []


@pytest.mark.parametrize("score", [0, 11])
def test_test_score_out_of_range(check: Check, score: int) -> None:
    transcript = with_subject(
        primary(), "TOAN", PrimarySubject("TOAN", PrimaryRating.T, score, TEACHER)
    )
    findings = check(transcript)
    assert ("HB202", "error", f"{KQ}/MonHoc[@MaMon='TOAN']/DiemKTCuoiNam") in summary(findings)


def test_qualities_must_be_exactly_the_list(check: Check) -> None:
    results = primary_results()
    missing = replace(results, qualities=results.qualities[:4])
    assert summary(check(primary(missing))) == [("HB202", "error", f"{KQ}/PhamChat")]
    assert "TN" in check(primary(missing))[0].message_en
    doubled = replace(results, qualities=(*results.qualities[:4], results.qualities[0]))
    assert summary(check(primary(doubled))) == [
        ("HB202", "error", f"{KQ}/PhamChat[@Ma='YN']"),
        ("HB202", "error", f"{KQ}/PhamChat"),
    ]
    unknown = replace(results, competencies=(*results.competencies, Rated("XX", QualityRating.T)))
    assert summary(check(primary(unknown))) == [("HB202", "error", f"{KQ}/NangLuc[@Ma='XX']")]


def test_exempt_learner_only_gets_warnings_for_stated_values(check: Check) -> None:
    transcript = primary(primary_results(9, evaluation=HTT))
    exempt = replace(transcript, learner=replace(transcript.learner, exempt_from_assessment=True))
    assert summary(check(exempt)) == [("HB201", "warning", f"{KQ}/DanhGiaCuoiNam")]
