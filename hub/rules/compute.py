"""The computations of shared/spec/assessment-rules.md, as pure functions.

Checks (hub/rules/) compare a transcript's stated values with these; the generator uses them to
make transcripts that are right by construction; the mappings use them to fill values a source
leaves out. One implementation, so that the hub never disagrees with itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from hub.model import (
    Conclusion,
    Level,
    PassFail,
    PrimaryEvaluation,
    PrimaryRating,
    QualityRating,
    Title,
)

ONE_DECIMAL = Decimal("0.1")
MAX_ABSENCES = 45
"""More sessions missed than this in a year means repeating the grade (O_LAI)."""
SUBJECTS_AT_BAR = 6
"""How many scored subjects must reach a level's upper bar ("at least 6 subjects")."""

# The bars as module constants: building a Decimal from text per comparison cost more than the
# comparison itself, and these run for every subject of every document.
BAR_8_0 = Decimal("8.0")
BAR_6_5 = Decimal("6.5")
BAR_5_0 = Decimal("5.0")
BAR_3_5 = Decimal("3.5")
BAR_9_0 = Decimal("9.0")


def round_score(value: Decimal) -> Decimal:
    """One decimal place, half up: 8.25 → 8.3, 8.24 → 8.2."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def semester_average(regular: Sequence[Decimal], midterm: Decimal, final: Decimal) -> Decimal:
    """DTB_hk = (ΣDDGtx + 2·DDGgk + 3·DDGck) / (count(DDGtx) + 5), rounded."""
    total = sum(regular, Decimal(0)) + 2 * midterm + 3 * final
    return round_score(total / (len(regular) + 5))


def year_average(semester1: Decimal, semester2: Decimal) -> Decimal:
    """DTB_cn = (DTB_hk1 + 2·DTB_hk2) / 3, from the rounded semester averages, rounded."""
    return round_score((round_score(semester1) + 2 * round_score(semester2)) / 3)


def comment_year_result(semester2: PassFail) -> PassFail:
    """A comment-only subject's year result is its second semester's result."""
    return semester2


def learning_level(scores: Sequence[Decimal], comments: Sequence[PassFail]) -> Level:
    """KetQuaHocTap for one period from its scored averages and comment results.

    A learner with fewer than six scored subjects (exempt subjects) needs all of them at the
    bar instead of six; the check warns about that case (`reduced_subject_count`).
    """
    need = min(SUBJECTS_AT_BAR, len(scores))
    comments_all_pass = all(c is PassFail.D for c in comments)
    if (
        comments_all_pass
        and all(s >= BAR_6_5 for s in scores)
        and sum(s >= BAR_8_0 for s in scores) >= need
    ):
        return Level.T
    if (
        comments_all_pass
        and all(s >= BAR_5_0 for s in scores)
        and sum(s >= BAR_6_5 for s in scores) >= need
    ):
        return Level.K
    if (
        sum(c is PassFail.CD for c in comments) <= 1
        and sum(s >= BAR_5_0 for s in scores) >= need
        and all(s >= BAR_3_5 for s in scores)
    ):
        return Level.D
    return Level.CD


def reduced_subject_count(scores: Sequence[Decimal]) -> bool:
    """True when fewer than six scored subjects make the level (a warning, not an error)."""
    return len(scores) < SUBJECTS_AT_BAR


def training_year_level(semester1: Level, semester2: Level) -> Level:
    """KetQuaRenLuyen for the year, from the two semesters (the rules' table)."""
    hk1, hk2 = semester1, semester2
    if hk2 is Level.T and hk1 in (Level.T, Level.K):
        return Level.T
    if (
        (hk2 is Level.K and hk1.rank >= Level.D.rank)
        or (hk2 is Level.D and hk1 is Level.T)
        or (hk2 is Level.T and hk1 in (Level.D, Level.CD))
    ):
        return Level.K
    if (hk2 is Level.D and hk1 in (Level.K, Level.D, Level.CD)) or (
        hk2 is Level.K and hk1 is Level.CD
    ):
        return Level.D
    return Level.CD


def conclusion(
    absences: int,
    training: Level,
    learning: Level,
    training_after_summer: Level | None = None,
    learning_after_retest: Level | None = None,
) -> Conclusion:
    """KetLuan; after re-training or re-test the new levels decide it."""
    if absences > MAX_ABSENCES:
        return Conclusion.REPEAT
    if training_after_summer is Level.CD or learning_after_retest is Level.CD:
        return Conclusion.REPEAT
    effective_training = training_after_summer or training
    effective_learning = learning_after_retest or learning
    if effective_training is Level.CD:
        return Conclusion.SUMMER_TRAINING
    if effective_learning is Level.CD:
        return Conclusion.RETEST
    return Conclusion.PROMOTED


def title(learning: Level, training: Level, year_averages: Iterable[Decimal]) -> Title | None:
    """DanhHieu: HSG for learning T and training T; HSXS when also six subjects ≥ 9.0."""
    if learning is not Level.T or training is not Level.T:
        return None
    if sum(avg >= BAR_9_0 for avg in year_averages) >= SUBJECTS_AT_BAR:
        return Title.EXCELLENT
    return Title.GOOD


def primary_evaluation(
    subjects: Sequence[PrimaryRating],
    qualities: Sequence[QualityRating],
    tests: Sequence[int],
) -> PrimaryEvaluation:
    """DanhGiaCuoiNam of a primary learner (Thông tư 27/2020)."""
    all_subjects_t = all(r is PrimaryRating.T for r in subjects)
    all_qualities_t = all(q is QualityRating.T for q in qualities)
    if all_subjects_t and all_qualities_t and all(t >= 9 for t in tests):
        return PrimaryEvaluation.HTXS
    if all_subjects_t and all_qualities_t and all(t >= 7 for t in tests):
        return PrimaryEvaluation.HTT
    if (
        all(r in (PrimaryRating.T, PrimaryRating.H) for r in subjects)
        and all(q in (QualityRating.T, QualityRating.D) for q in qualities)
        and all(t >= 5 for t in tests)
    ):
        return PrimaryEvaluation.HT
    return PrimaryEvaluation.CHT


def completed_grade(evaluation: PrimaryEvaluation) -> bool:
    """HoanThanhChuongTrinhLop: true for HTXS, HTT and HT."""
    return evaluation is not PrimaryEvaluation.CHT
