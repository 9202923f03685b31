"""Secondary checks: each planted defect gives its code, severity and exact XPath."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from hub.model import (
    AssessmentForm,
    CommentSubject,
    Conclusion,
    Level,
    PassFail,
    SchoolLevel,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    SecondarySubject,
    Title,
    Transcript,
)
from hub.rules import compute

from .builders import (
    TEACHER,
    comment,
    d,
    header,
    levels,
    scored,
    secondary,
    secondary_results,
    semester,
    with_subject,
)
from .conftest import Check, summary

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD
KQ = "/HocBaSo/DLHocBa/KetQuaTrungHoc"


def mon(code: str, rest: str = "") -> str:
    return f"{KQ}/MonHoc[@MaMon='{code}']" + (f"/{rest}" if rest else "")


def results_of(transcript: object) -> SecondaryResults:
    results = getattr(transcript, "results", None)
    assert isinstance(results, SecondaryResults)
    return results


def test_clean_transcript_has_no_findings(check: Check) -> None:
    assert check(secondary()) == []


def test_wrong_semester_average(check: Check) -> None:
    # (8 + 8 + 8 + 8 + 8.5 + 2·9 + 3·8) / (5 + 5) = 82.5 / 10 = 8.25 → 8.3, stated 8.2
    regular = (d("8.0"), d("8.0"), d("8.0"), d("8.0"), d("8.5"))
    hk1 = ScoredSemester(regular, d("9.0"), d("8.0"), d("8.2"))
    toan = replace(scored("TOAN", "8.3"), semester1=hk1, year_average=d("8.3"))
    findings = check(with_subject(secondary(), "TOAN", toan))
    assert summary(findings) == [("HB201", "error", mon("TOAN", "HocKy[@So='1']/DTB"))]
    assert findings[0].message_vi == "ĐTB học kỳ 1 môn Toán ghi 8,2 nhưng tính ra 8,3."
    assert findings[0].message_en == "Semester 1 average of TOAN is 8.2 but computes to 8.3."


def test_stated_average_8_24_rounds_to_8_2(check: Check) -> None:
    # (8 + 8 + 2·8.4 + 3·8.3) / 7 = 8.2428… → 8.2; stating 8.2 is right
    hk = ScoredSemester((d("8.0"), d("8.0")), d("8.4"), d("8.3"), d("8.2"))
    gdcd = ScoredSubject("GDCD", hk, hk, d("8.2"), TEACHER)
    assert check(with_subject(secondary(), "GDCD", gdcd)) == []


def test_wrong_year_average(check: Check) -> None:
    nv = replace(scored("NV", "8.0"), year_average=d("8.1"))
    findings = check(with_subject(secondary(), "NV", nv))
    assert summary(findings) == [("HB201", "error", mon("NV", "CaNam/DTB"))]
    assert "8,1" in findings[0].message_vi
    assert "8,0" in findings[0].message_vi


def test_year_average_from_rounded_semesters(check: Check) -> None:
    hk1 = ScoredSemester((d("7"), d("7")), d("6"), d("6"), d("6.3"))
    hk2 = ScoredSemester((d("7"), d("7")), d("8.8"), d("9.2"), d("8.5"))
    good = ScoredSubject("GDCD", hk1, hk2, d("7.8"), TEACHER)
    # GDCD's 6.3 makes semester 1 K; semester 2 and the year stay T
    transcript = secondary(replace(secondary_results(), learning=levels(K, T, T)))
    assert check(with_subject(transcript, "GDCD", good)) == []
    raw = replace(good, year_average=d("7.7"))
    assert summary(check(with_subject(transcript, "GDCD", raw))) == [
        ("HB201", "error", mon("GDCD", "CaNam/DTB"))
    ]


def test_a_year_average_derived_from_a_wrong_semester_average_is_one_finding(
    check: Check,
) -> None:
    # HK1 stated 7.0 instead of 8.0; the sender derived the year from it: (7 + 16) / 3 = 7.7
    hk1 = replace(semester("8.0"), average=d("7.0"))
    toan = replace(scored("TOAN"), semester1=hk1, year_average=d("7.7"))
    findings = check(with_subject(secondary(), "TOAN", toan))
    assert summary(findings) == [("HB201", "error", mon("TOAN", "HocKy[@So='1']/DTB"))]


def test_comment_year_result_is_the_second_semester(check: Check) -> None:
    gdtc = CommentSubject("GDTC", PassFail.D, PassFail.D, PassFail.CD, TEACHER)
    findings = check(with_subject(secondary(), "GDTC", gdtc))
    # the levels follow the computed year result (D), so they stand: one finding
    assert summary(findings) == [("HB201", "error", mon("GDTC", "CaNam/KetQua"))]


def test_too_few_regular_scores(check: Check) -> None:
    # Toán has 140 periods a year in grade 7: at least 4 DDGtx per semester
    toan = replace(scored("TOAN"), semester2=semester("8.0", regular=3))
    findings = check(with_subject(secondary(), "TOAN", toan))
    assert summary(findings) == [("HB202", "error", mon("TOAN", "HocKy[@So='2']/DDGtx"))]
    assert "cần ít nhất 4" in findings[0].message_vi


def test_two_regular_scores_are_enough_for_35_periods(check: Check) -> None:
    gdcd = scored("GDCD", regular=2)
    assert check(with_subject(secondary(), "GDCD", gdcd)) == []


@pytest.mark.parametrize(
    ("semester_", "element"),
    [
        (ScoredSemester((d("8.0"),) * 4, d("8.0"), d("10.5"), d("8.0")), "DDGck"),
        (ScoredSemester((d("8.0"),) * 4, d("-0.5"), d("8.0"), d("8.0")), "DDGgk"),
        (
            ScoredSemester((d("8.0"), d("7.25"), d("8.0"), d("8.0")), d("8.0"), d("8.0"), d("8.0")),
            "DDGtx[2]",
        ),
    ],
)
def test_score_out_of_range_or_with_two_decimals(
    check: Check, semester_: ScoredSemester, element: str
) -> None:
    # the stated average is what the bad score gives, so only the score is reported
    average = compute.semester_average(semester_.regular, semester_.midterm, semester_.final)
    hk1 = replace(semester_, average=average)
    toan = replace(
        scored("TOAN"), semester1=hk1, year_average=compute.year_average(average, d("8.0"))
    )
    findings = check(with_subject(secondary(), "TOAN", toan))
    assert ("HB202", "error", mon("TOAN", f"HocKy[@So='1']/{element}")) in summary(findings)
    assert all(f.code != "HB201" or "TOAN" not in f.xpath for f in findings)


def test_trailing_zero_is_still_one_decimal(check: Check) -> None:
    toan = replace(scored("TOAN"), semester1=replace(semester("8.0"), final=Decimal("8.00")))
    assert check(with_subject(secondary(), "TOAN", toan)) == []


def test_subject_not_taught_in_the_grade(check: Check) -> None:
    transcript = secondary()
    results = results_of(transcript)
    extra = scored("VL", "8.0", regular=3)
    transcript = replace(transcript, results=replace(results, subjects=(*results.subjects, extra)))
    assert summary(check(transcript)) == [("HB202", "error", mon("VL"))]


def test_unknown_subject(check: Check) -> None:
    transcript = with_subject(secondary(), "TIN", scored("XYZ", regular=4))
    # 1.0.1: TIN, which XYZ replaced, is now missing too.
    assert summary(check(transcript)) == [
        ("HB202", "error", mon("XYZ")),
        ("HB202", "error", "/HocBa/DLHocBa/KetQuaHocTap"),
    ]


def test_form_other_than_the_code_list(check: Check) -> None:
    # GDTC is assessed by comment only
    transcript = with_subject(secondary(), "GDTC", scored("GDTC"))
    assert summary(check(transcript)) == [("HB202", "error", mon("GDTC", "@HinhThuc"))]
    assert AssessmentForm.SCORED.value in check(transcript)[0].message_en


def test_wrong_learning_level(check: Check) -> None:
    results = secondary_results()
    transcript = secondary(replace(results, learning=levels(T, T, K)))
    assert summary(check(transcript)) == [("HB201", "error", f"{KQ}/KetQuaHocTap/CaNam")]


def test_five_subjects_at_eight_are_k_six_are_t(check: Check) -> None:
    five = ("8.0",) * 5 + ("7.9",) * 3
    six = ("8.0",) * 6 + ("7.9",) * 2
    assert check(secondary(secondary_results(five, learning=K, title=None))) == []
    assert check(secondary(secondary_results(six, learning=T))) == []
    wrong = check(secondary(secondary_results(five, learning=T)))
    # DanhHieu HSG follows from the stated (wrong) T: the level is the root, reported once
    assert summary(wrong) == [
        ("HB201", "error", f"{KQ}/KetQuaHocTap/HocKy1"),
        ("HB201", "error", f"{KQ}/KetQuaHocTap/HocKy2"),
        ("HB201", "error", f"{KQ}/KetQuaHocTap/CaNam"),
    ]


def test_fewer_than_six_scored_subjects_warns(check: Check) -> None:
    transcript = secondary(secondary_results(("8.0",) * 5))
    findings = check(transcript)
    assert summary(findings)[0] == ("HB201", "warning", f"{KQ}/KetQuaHocTap")
    # 1.0.1: the three scored subjects left out are compulsory in grade 7.
    assert summary(findings)[1:] == [("HB202", "error", "/HocBa/DLHocBa/KetQuaHocTap")] * 3
    named = [("KHTN", "Khoa học tự nhiên"), ("CN", "Công nghệ"), ("TIN", "Tin học")]
    for finding, (code, name) in zip(findings[1:], named, strict=True):
        assert f"{name} ({code})" in finding.message_vi
        assert f"{code} ({name})" in finding.message_en


def test_wrong_year_training(check: Check) -> None:
    transcript = secondary(secondary_results(training=(D, T, T), title=None))
    findings = check(transcript)
    # D then T gives K: the stated T is wrong; DanhHieu follows the computed K (no title)
    assert summary(findings) == [("HB201", "error", f"{KQ}/KetQuaRenLuyen/CaNam")]


def test_summer_training_given_without_need_warns_and_stands(check: Check) -> None:
    results = secondary_results()
    transcript = secondary(replace(results, training=levels(T, T, T, after=K)))
    assert summary(check(transcript)) == [
        ("HB201", "warning", f"{KQ}/KetQuaRenLuyen/SauRenLuyenHe")
    ]


@pytest.mark.parametrize(
    ("absences", "conclusion"), [(45, Conclusion.PROMOTED), (46, Conclusion.REPEAT)]
)
def test_absences_decide_the_conclusion(
    check: Check, absences: int, conclusion: Conclusion
) -> None:
    right = secondary(secondary_results(absences=absences, conclusion=conclusion))
    assert check(right) == []
    other = Conclusion.REPEAT if conclusion is Conclusion.PROMOTED else Conclusion.PROMOTED
    wrong = check(secondary(secondary_results(absences=absences, conclusion=other)))
    assert summary(wrong) == [("HB201", "error", f"{KQ}/KetLuan")]


def test_training_cd_means_summer_training(check: Check) -> None:
    cd = (CD, CD, CD)
    right = secondary(
        secondary_results(training=cd, conclusion=Conclusion.SUMMER_TRAINING, title=None)
    )
    assert check(right) == []
    wrong = secondary(secondary_results(training=cd, conclusion=Conclusion.PROMOTED, title=None))
    findings = check(wrong)
    assert summary(findings) == [("HB201", "error", f"{KQ}/KetLuan")]
    assert "REN_LUYEN_HE" in findings[0].message_en


def test_after_summer_training_the_new_level_decides(check: Check) -> None:
    results = secondary_results(training=(CD, CD, CD), title=None)
    promoted = replace(
        results, training=levels(CD, CD, CD, after=D), conclusion=Conclusion.PROMOTED
    )
    assert check(secondary(promoted)) == []
    failed = replace(results, training=levels(CD, CD, CD, after=CD), conclusion=Conclusion.REPEAT)
    assert check(secondary(failed)) == []
    still_waiting = replace(promoted, conclusion=Conclusion.SUMMER_TRAINING)
    assert summary(check(secondary(still_waiting))) == [("HB201", "error", f"{KQ}/KetLuan")]


def _failing_learner(retest: str | None, after: Level | None, conclusion: Conclusion) -> Transcript:
    """Ngữ văn 3.0 (below 3.5: learning CD), the others 6.0; optionally re-tested."""
    scores = ("3.0",) + ("6.0",) * 7
    results = secondary_results(scores, learning=CD, conclusion=conclusion, title=None)
    results = replace(results, learning=levels(CD, CD, CD, after))
    toan = scored("NV", "3.0")
    if retest is not None:
        toan = replace(toan, retest_score=d(retest))
    return with_subject(secondary(results), "NV", toan)


def test_learning_cd_means_retest(check: Check) -> None:
    assert check(_failing_learner(None, None, Conclusion.RETEST)) == []
    wrong = check(_failing_learner(None, None, Conclusion.PROMOTED))
    assert summary(wrong) == [("HB201", "error", f"{KQ}/KetLuan")]
    assert "KIEM_TRA_LAI" in wrong[0].message_en


def test_after_retest_the_new_level_decides(check: Check) -> None:
    # re-test 6.5 replaces 3.0: all eight ≥ 5.0 but only one ≥ 6.5 → D
    assert check(_failing_learner("6.5", D, Conclusion.PROMOTED)) == []
    # re-test 3.0 again: still CD → repeat
    assert check(_failing_learner("3.0", CD, Conclusion.REPEAT)) == []
    wrong = check(_failing_learner("6.5", D, Conclusion.RETEST))
    assert summary(wrong) == [("HB201", "error", f"{KQ}/KetLuan")]


def test_retest_without_sau_kiem_tra_lai(check: Check) -> None:
    findings = check(_failing_learner("6.5", None, Conclusion.PROMOTED))
    assert ("HB201", "error", f"{KQ}/KetQuaHocTap/SauKiemTraLai") in summary(findings)


def test_sau_kiem_tra_lai_without_any_retest(check: Check) -> None:
    findings = check(_failing_learner(None, D, Conclusion.RETEST))
    assert summary(findings) == [("HB201", "error", f"{KQ}/KetQuaHocTap/SauKiemTraLai")]


def test_title_hsxs_with_six_subjects_at_nine(check: Check) -> None:
    five = ("9.0",) * 5 + ("8.0",) * 3
    six = ("9.0",) * 6 + ("8.0",) * 2
    assert check(secondary(secondary_results(five, title=Title.GOOD))) == []
    assert check(secondary(secondary_results(six, title=Title.EXCELLENT))) == []
    wrong = check(secondary(secondary_results(five, title=Title.EXCELLENT)))
    assert summary(wrong) == [("HB201", "error", f"{KQ}/DanhHieu")]
    missing = check(secondary(secondary_results(six, title=None)))
    assert summary(missing) == [("HB201", "error", f"{KQ}/DanhHieu")]
    assert "HSXS" in missing[0].message_vi


def test_exempt_learner_only_gets_warnings_for_stated_values(check: Check) -> None:
    nv = replace(scored("NV"), year_average=d("8.1"))
    transcript = with_subject(secondary(exempt_from_assessment=True), "NV", nv)
    assert summary(check(transcript)) == [("HB201", "warning", mon("NV", "CaNam/DTB"))]


def test_upper_secondary_elective_count_warns(check: Check) -> None:
    compulsory: list[SecondarySubject] = [scored(c) for c in ("NV", "TOAN", "NN1")]
    compulsory += [scored(c, regular=3) for c in ("LS", "GDQPAN")]
    compulsory += [comment(c) for c in ("GDTC", "HDTN", "GDDP")]
    electives: list[SecondarySubject] = [
        scored(c, regular=3) for c in ("VL", "HH", "SH", "DL", "GDKTPL")
    ]

    def grade_10(subjects: list[SecondarySubject]) -> Transcript:
        results = replace(secondary_results(), subjects=tuple(subjects))
        born_2009 = secondary(results, birth_date=date(2009, 1, 1), personal_id="001209345678")
        return replace(born_2009, header=header(SchoolLevel.UPPER_SECONDARY, 10))

    assert check(grade_10(compulsory + electives[:4])) == []
    findings = check(grade_10(compulsory + electives))
    assert summary(findings) == [("HB202", "warning", KQ)]
    assert "5" in findings[0].message_en
