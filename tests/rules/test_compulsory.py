"""HB202 for a compulsory subject left out (assessment-rules.md, version 1.0.1), at every level.

The transcripts are the generator's (right by construction) with subjects taken out and every
stated value derived again, so that the missing subject is the only thing wrong with them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.codes import CodeLists
from hub.gen import GenSettings, generate
from hub.gen.results import derive_primary, derive_secondary
from hub.model import (
    PrimaryResults,
    SchoolLevel,
    ScoredSubject,
    SecondaryResults,
    Transcript,
)

from .conftest import Check, summary

WHERE = "/HocBa/DLHocBa/KetQuaHocTap"  # the spec's own words, compared as such
_SETTINGS = GenSettings(
    seed=41, schools=1, classes_per_grade=1, learners_per_class=2, foreign_rate=0.0, exempt_rate=0
)
_CLEAN: dict[tuple[SchoolLevel, int], Transcript] = {}


def clean(level: SchoolLevel, grade: int) -> Transcript:
    """A generated learner of `level` and `grade` that passes every rule."""
    if not _CLEAN:
        for item in generate(_SETTINGS):
            header = item.transcript.header
            _CLEAN.setdefault((header.level, header.grade), item.transcript)
    return _CLEAN[(level, grade)]


def without(transcript: Transcript, *codes: str) -> Transcript:
    """The transcript with the subjects `codes` left out and every stated value derived again."""
    results = transcript.results
    assert results is not None
    present = {s.code for s in results.subjects}
    assert set(codes) <= present, f"{codes} not all in {sorted(present)}"
    kept = tuple(s for s in results.subjects if s.code not in codes)
    if isinstance(results, PrimaryResults):
        derived: PrimaryResults | SecondaryResults = derive_primary(
            kept,  # type: ignore[arg-type]
            results.qualities,
            results.competencies,
            transcript.header.grade,
            results.homeroom_comment,
        )
    else:
        derived = derive_secondary(
            kept,  # type: ignore[arg-type]
            (results.training.semester1, results.training.semester2),
            results.absences,
            results.training.after_summer,
            results.homeroom_comment,
        )
    return replace(transcript, results=derived)


def codes_of(transcript: Transcript) -> set[str]:
    assert transcript.results is not None
    return {s.code for s in transcript.results.subjects}


def named(finding_message: str, code: str, name: str) -> bool:
    return f"{name} ({code})" in finding_message or f"{code} ({name})" in finding_message


@pytest.mark.parametrize(
    ("level", "grade"),
    [
        (SchoolLevel.PRIMARY, 1),
        (SchoolLevel.PRIMARY, 4),
        (SchoolLevel.LOWER_SECONDARY, 7),
        (SchoolLevel.UPPER_SECONDARY, 11),
        (SchoolLevel.CONTINUING, 8),
        (SchoolLevel.CONTINUING, 12),
    ],
)
def test_the_generated_learners_carry_every_compulsory_subject(
    check: Check, level: SchoolLevel, grade: int
) -> None:
    assert [f for f in check(clean(level, grade)) if f.code == "HB202"] == []


def test_primary_grades_1_and_2_may_leave_out_nn1_which_is_elective(check: Check) -> None:
    for grade in (1, 2):
        transcript = clean(SchoolLevel.PRIMARY, grade)
        if "NN1" in codes_of(transcript):
            transcript = without(transcript, "NN1")
        assert check(transcript) == []


def test_primary_grade_1_without_tnxh_is_hb202_naming_it(check: Check) -> None:
    findings = check(without(clean(SchoolLevel.PRIMARY, 1), "TNXH"))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert named(findings[0].message_vi, "TNXH", "Tự nhiên và Xã hội")
    assert named(findings[0].message_en, "TNXH", "Tự nhiên và Xã hội")


def test_primary_grade_3_without_nn1_is_hb202(check: Check) -> None:
    findings = check(without(clean(SchoolLevel.PRIMARY, 3), "NN1"))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert named(findings[0].message_vi, "NN1", "Ngoại ngữ 1")


def test_lower_secondary_grade_7_without_tin_is_hb202(check: Check) -> None:
    findings = check(without(clean(SchoolLevel.LOWER_SECONDARY, 7), "TIN"))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert "Tin học (TIN)" in findings[0].message_vi
    assert "TIN (Tin học)" in findings[0].message_en


def test_each_missing_subject_is_one_finding(check: Check) -> None:
    findings = check(without(clean(SchoolLevel.LOWER_SECONDARY, 7), "TIN", "GDDP", "MT"))
    assert summary(findings) == [("HB202", "error", WHERE)] * 3
    named_codes = [f.message_en.split(" subject ")[1].split()[0] for f in findings]
    assert named_codes == ["TIN", "MT", "GDDP"]  # in the code list's order


def test_upper_secondary_without_a_common_subject_is_hb202(check: Check) -> None:
    findings = check(without(clean(SchoolLevel.UPPER_SECONDARY, 11), "LS"))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert named(findings[0].message_vi, "LS", "Lịch sử")


def test_upper_secondary_with_only_three_optional_subjects_is_one_hb202(check: Check) -> None:
    transcript = clean(SchoolLevel.UPPER_SECONDARY, 10)
    assert transcript.results is not None
    optional = {"VL", "HH", "SH", "DL", "GDKTPL", "CN", "TIN", "AN", "MT"}
    chosen = [s for s in transcript.results.subjects if s.code in optional]
    assert len(chosen) == 4
    # Leave out a comment subject if there is one, so the learning level keeps six scores.
    dropped = next((s for s in chosen if not isinstance(s, ScoredSubject)), chosen[0])
    findings = check(without(transcript, dropped.code))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert "có 3 môn lựa chọn" in findings[0].message_vi
    assert "at least 4 of the optional group" in findings[0].message_en


def test_gdtx_grades_6_to_9_follow_lower_secondary(check: Check) -> None:
    transcript = clean(SchoolLevel.CONTINUING, 8)
    findings = check(without(transcript, "TIN"))
    assert summary(findings) == [("HB202", "error", WHERE)]
    assert named(findings[0].message_en, "TIN", "Tin học")


def test_gdtx_grades_10_to_12_follow_upper_secondary(check: Check, codes: CodeLists) -> None:
    transcript = clean(SchoolLevel.CONTINUING, 12)
    common_gone = check(without(transcript, "GDQPAN"))
    assert summary(common_gone) == [("HB202", "error", WHERE)]
    assert named(common_gone[0].message_vi, "GDQPAN", "Giáo dục quốc phòng và an ninh")
    # TIN is compulsory in GDTX grade 8, and in grade 12 only one of the optional group.
    grade_8 = {s.code for s in codes.compulsory_subjects(SchoolLevel.CONTINUING, 8)}
    grade_12 = {s.code for s in codes.compulsory_subjects(SchoolLevel.CONTINUING, 12)}
    assert "TIN" in grade_8
    assert grade_12 == {"NV", "TOAN", "NN1", "LS", "GDTC", "GDQPAN", "HDTN", "GDDP"}


def test_an_exempt_learner_may_lack_subjects_with_a_warning(check: Check) -> None:
    transcript = without(clean(SchoolLevel.LOWER_SECONDARY, 7), "TIN")
    exempt = replace(transcript, learner=replace(transcript.learner, exempt_from_assessment=True))
    findings = [f for f in check(exempt) if f.xpath == WHERE]
    assert summary(findings) == [("HB202", "warning", WHERE)]
    assert "chỉ cảnh báo" in findings[0].message_vi


def test_no_results_and_a_grade_outside_the_level_report_nothing_here(check: Check) -> None:
    transcript = clean(SchoolLevel.LOWER_SECONDARY, 7)
    exempt = replace(
        transcript,
        learner=replace(transcript.learner, exempt_from_assessment=True),
        results=None,
    )
    assert [f for f in check(exempt) if f.xpath == WHERE] == []
    wrong_grade = replace(transcript, header=replace(transcript.header, grade=10))
    assert [f for f in check(wrong_grade) if f.xpath == WHERE] == []  # one HB002 says it
