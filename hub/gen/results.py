"""Results that are right by construction: raw assessments drawn, every computed value derived.

The generator draws only what a teacher enters (regular, mid-term and end-of-term scores,
comment results, primary ratings and test scores, training levels, absences) and derives every
stated value (DTB, KetQuaHocTap, KetQuaRenLuyen, KetLuan, DanhHieu, DanhGiaCuoiNam …) with
hub.rules.compute, the same code the checks use, so a clean transcript cannot disagree with the
rules. `derive_secondary` and `derive_primary` are public so that a defect which changes a raw
value (drops a score, adds a subject) can re-derive the rest and stay a single, precise defect.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal

from hub.codes import CodeLists, PrimarySubjectCode, SecondarySubjectCode
from hub.model import (
    AssessmentForm,
    CommentSubject,
    Conclusion,
    Level,
    LevelResults,
    PassFail,
    PrimaryRating,
    PrimaryResults,
    PrimarySubject,
    QualityRating,
    Rated,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    SecondarySubject,
    Teacher,
)
from hub.rules import compute

# Every score the generator writes, one decimal place, so each value is "7.0" not "7".
SCORES = tuple(Decimal(f"{tenths / 10:.1f}") for tenths in range(101))

_PRIMARY_COMMENTS = {
    PrimaryRating.T: ("Hoàn thành tốt nội dung môn học.", "Tiếp thu nhanh, vận dụng tốt."),
    PrimaryRating.H: ("Hoàn thành nội dung môn học.", "Cần luyện tập thêm ở nhà."),
    PrimaryRating.C: ("Chưa hoàn thành nội dung môn học, cần phụ đạo thêm.",),
}
_HOMEROOM_COMMENTS = (
    "Chăm ngoan, lễ phép, tích cực tham gia hoạt động của lớp.",
    "Có ý thức học tập, cần mạnh dạn phát biểu hơn.",
    "Học tập tiến bộ, hòa đồng với bạn bè.",
    "Cần cố gắng hơn trong học tập và rèn luyện.",
)
_AWARDS = {"HTXS": "Học sinh Xuất sắc", "HTT": "Học sinh Tiêu biểu"}


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """What a class shares: its subjects and their teachers."""

    primary_subjects: tuple[PrimarySubjectCode, ...]
    secondary_subjects: tuple[SecondarySubjectCode, ...]
    teachers: dict[str, Teacher]  # MaMon → subject teacher


def score(rng: random.Random, mean: float, spread: float, whole: bool = False) -> Decimal:
    """A score near `mean`, 0.0–10.0, one decimal (whole points when `whole`)."""
    tenths = round(rng.gauss(mean, spread) * 10)
    if whole:
        tenths = round(tenths, -1)
    return SCORES[min(100, max(0, tenths))]


# --- secondary and GDTX ----------------------------------------------------------------------


def scored_semester(
    rng: random.Random, mean: float, regular_count: int, whole_regular: bool
) -> ScoredSemester:
    """One semester of a scored subject; DTB derived."""
    regular = tuple(score(rng, mean, 1.1, whole_regular) for _ in range(regular_count))
    midterm = score(rng, mean, 0.9)
    final = score(rng, mean - 0.2, 1.0)
    return ScoredSemester(
        regular, midterm, final, compute.semester_average(regular, midterm, final)
    )


def with_semesters(subject: ScoredSubject, s1: ScoredSemester, s2: ScoredSemester) -> ScoredSubject:
    """A scored subject whose semesters changed, with its averages derived again."""
    s1 = replace(s1, average=compute.semester_average(s1.regular, s1.midterm, s1.final))
    s2 = replace(s2, average=compute.semester_average(s2.regular, s2.midterm, s2.final))
    return replace(
        subject,
        semester1=s1,
        semester2=s2,
        year_average=compute.year_average(s1.average, s2.average),
    )


def draw_secondary_subject(
    rng: random.Random, code: SecondarySubjectCode, grade: int, ability: float, teacher: Teacher
) -> SecondarySubject:
    """One subject's raw assessments for a learner of `ability` (a 0–10 scale), values derived."""
    if code.form is AssessmentForm.COMMENT:
        fail = 0.12 if ability < 4.5 else 0.01
        c1 = PassFail.CD if rng.random() < fail else PassFail.D
        c2 = PassFail.CD if rng.random() < fail else PassFail.D
        return CommentSubject(code.code, c1, c2, compute.comment_year_result(c2), teacher)
    mean = ability + rng.gauss(0, 0.6)
    minimum = code.min_regular_scores(grade)
    whole = rng.random() < 0.6
    s1 = scored_semester(rng, mean, minimum + (rng.random() < 0.3), whole)
    s2 = scored_semester(rng, mean + rng.gauss(0.1, 0.3), minimum + (rng.random() < 0.3), whole)
    year = compute.year_average(s1.average, s2.average)
    return ScoredSubject(code.code, s1, s2, year, teacher)


def derive_secondary(
    subjects: tuple[SecondarySubject, ...],
    training: tuple[Level, Level],
    absences: int,
    training_after_summer: Level | None,
    homeroom_comment: str,
) -> SecondaryResults:
    """Every computed value of KetQuaTrungHoc from the subjects and the raw training levels.

    A learner has SauKiemTraLai exactly when some subject carries a KiemTraLai; the re-test
    value replaces that subject's year value for the level after re-test.
    """
    scored = [s for s in subjects if isinstance(s, ScoredSubject)]
    comments = [s for s in subjects if isinstance(s, CommentSubject)]
    learning = LevelResults(
        compute.learning_level(
            [s.semester1.average for s in scored], [c.semester1 for c in comments]
        ),
        compute.learning_level(
            [s.semester2.average for s in scored], [c.semester2 for c in comments]
        ),
        compute.learning_level([s.year_average for s in scored], [c.year_result for c in comments]),
    )
    retested = any(s.retest_score is not None for s in scored) or any(
        c.retest_result is not None for c in comments
    )
    if retested:
        after = compute.learning_level(
            [s.retest_score if s.retest_score is not None else s.year_average for s in scored],
            [c.retest_result if c.retest_result is not None else c.year_result for c in comments],
        )
        learning = replace(learning, after_summer=after)
    year_training = compute.training_year_level(*training)
    training_results = LevelResults(training[0], training[1], year_training, training_after_summer)
    conclusion = compute.conclusion(
        absences, year_training, learning.year, training_after_summer, learning.after_summer
    )
    title = compute.title(learning.year, year_training, [s.year_average for s in scored])
    return SecondaryResults(
        subjects, learning, training_results, absences, conclusion, title, homeroom_comment
    )


def draw_secondary(
    rng: random.Random, plan: ClassPlan, grade: int, ability: float
) -> SecondaryResults:
    """A secondary or GDTX learner's whole year."""
    subjects = tuple(
        draw_secondary_subject(rng, code, grade, ability, plan.teachers[code.code])
        for code in plan.secondary_subjects
    )
    training = (_training_level(rng, ability), _training_level(rng, ability))
    roll = rng.random()
    absences = rng.randrange(46, 70) if roll < 0.006 else rng.randrange(0, 6 if roll < 0.8 else 30)
    after_summer = None
    if compute.training_year_level(*training) is Level.CD and rng.random() < 0.5:
        after_summer = Level.D if rng.random() < 0.7 else Level.CD
    results = derive_secondary(
        subjects, training, absences, after_summer, rng.choice(_HOMEROOM_COMMENTS)
    )
    if results.conclusion is Conclusion.RETEST and rng.random() < 0.6:
        subjects = tuple(_retest(rng, s) for s in subjects)
        results = derive_secondary(
            subjects, training, absences, after_summer, results.homeroom_comment
        )
    return results


def _training_level(rng: random.Random, ability: float) -> Level:
    roll = rng.random() - (0.1 if ability < 4.5 else 0.0)
    if roll < 0.015:
        return Level.CD
    if roll < 0.06:
        return Level.D
    if roll < 0.25:
        return Level.K
    return Level.T


def _retest(rng: random.Random, subject: SecondarySubject) -> SecondarySubject:
    """Re-test the subjects that are CD or below 5.0 (assessment-rules.md)."""
    if isinstance(subject, ScoredSubject):
        if subject.year_average < Decimal("5.0"):
            return replace(subject, retest_score=score(rng, 5.6, 1.4))
        return subject
    if subject.year_result is PassFail.CD:
        return replace(subject, retest_result=PassFail.D if rng.random() < 0.8 else PassFail.CD)
    return subject


# --- primary -----------------------------------------------------------------------------------


def derive_primary(
    subjects: tuple[PrimarySubject, ...],
    qualities: tuple[Rated, ...],
    competencies: tuple[Rated, ...],
    grade: int,
    homeroom_comment: str,
) -> PrimaryResults:
    """DanhGiaCuoiNam and the completion flags from the ratings and test scores."""
    evaluation = compute.primary_evaluation(
        [s.rating for s in subjects],
        [r.rating for r in (*qualities, *competencies)],
        [s.test_score for s in subjects if s.test_score is not None],
    )
    completed = compute.completed_grade(evaluation)
    award = _AWARDS.get(evaluation.value)
    return PrimaryResults(
        subjects,
        qualities,
        competencies,
        evaluation,
        completed,
        completed if grade == 5 else None,
        (award,) if award else (),
        homeroom_comment,
    )


def draw_primary(
    rng: random.Random, plan: ClassPlan, grade: int, ability: float, codes: CodeLists
) -> PrimaryResults:
    """A primary learner's year-end evaluation (Thông tư 27/2020)."""
    subjects = []
    for code in plan.primary_subjects:
        mean = ability + rng.gauss(0, 0.35)
        test = None
        if code.has_test(grade):
            test = min(10, max(1, round(rng.gauss(mean + 0.6, 0.9))))
        level = rng.gauss(mean, 0.35)
        rating = PrimaryRating.T if level >= 7.6 else PrimaryRating.H
        if level < 4.0:
            rating = PrimaryRating.C
        subjects.append(
            PrimarySubject(
                code.code,
                rating,
                test,
                plan.teachers[code.code],
                rng.choice(_PRIMARY_COMMENTS[rating]),
            )
        )
    qualities = tuple(Rated(c, _quality(rng, ability)) for c in codes.qualities)
    competencies = tuple(Rated(c, _quality(rng, ability)) for c in codes.competencies)
    return derive_primary(
        tuple(subjects), qualities, competencies, grade, rng.choice(_HOMEROOM_COMMENTS)
    )


def _quality(rng: random.Random, ability: float) -> QualityRating:
    level = rng.gauss(ability + 0.6, 0.4)
    if level >= 7.6:
        return QualityRating.T
    return QualityRating.D if level >= 3.5 else QualityRating.C
