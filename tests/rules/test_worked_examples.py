"""The rules' worked examples (assessment-rules.md), on hub.rules.compute, numbers by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.model import (
    Conclusion,
    Level,
    PassFail,
    PrimaryEvaluation,
    PrimaryRating,
    QualityRating,
    Title,
)
from hub.rules import compute

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD
PASS, FAIL = PassFail.D, PassFail.CD


def scores(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


# --- rounding and averages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("8.25", "8.3"), ("8.24", "8.2"), ("8.35", "8.4"), ("8.249999", "8.2"), ("10", "10.0")],
)
def test_round_score_is_half_up_to_one_decimal(value: str, rounded: str) -> None:
    # 8.25 → 8.3 is where half-up differs from banker's rounding (which gives 8.2).
    assert compute.round_score(Decimal(value)) == Decimal(rounded)


def test_semester_average_rounds_an_exact_half_up() -> None:
    # (8 + 8 + 8 + 2·9 + 3·8) / (3 + 5) = 66 / 8 = 8.25 → 8.3
    assert compute.semester_average(scores("8", "8", "8"), Decimal(9), Decimal(8)) == Decimal("8.3")


def test_semester_average_rounds_below_the_half_down() -> None:
    # (8 + 8 + 2·8.4 + 3·8.3) / (2 + 5) = 57.7 / 7 = 8.2428… → 8.2
    assert compute.semester_average(
        scores("8.0", "8.0"), Decimal("8.4"), Decimal("8.3")
    ) == Decimal("8.2")


def test_semester_average_weights_midterm_twice_and_final_three_times() -> None:
    # (5 + 5 + 5 + 5 + 2·10 + 3·0) / 9 = 40 / 9 = 4.44… → 4.4
    assert compute.semester_average(scores("5", "5", "5", "5"), Decimal(10), Decimal(0)) == (
        Decimal("4.4")
    )


def test_year_average_weights_the_second_semester_twice() -> None:
    # (7.0 + 2·8.0) / 3 = 7.666… → 7.7
    assert compute.year_average(Decimal("7.0"), Decimal("8.0")) == Decimal("7.7")


def test_year_average_uses_the_rounded_semester_averages() -> None:
    # HK1 (7 + 7 + 2·6 + 3·6) / 7 = 6.2857 → 6.3; HK2 (7 + 7 + 2·8.8 + 3·9.2) / 7 = 8.457 → 8.5.
    # From the rounded averages (6.3 + 2·8.5) / 3 = 7.766… → 7.8; from the raw ones it would
    # be 7.733… → 7.7.
    first = (scores("7", "7"), Decimal(6), Decimal(6))
    second = (scores("7", "7"), Decimal("8.8"), Decimal("9.2"))
    hk1 = compute.semester_average(*first)
    hk2 = compute.semester_average(*second)
    assert (hk1, hk2) == (Decimal("6.3"), Decimal("8.5"))
    assert compute.year_average(hk1, hk2) == Decimal("7.8")


# --- learning level: boundaries 8.0 / 6.5 / 5.0 / 3.5 and "at least 6 subjects" ----------------


@pytest.mark.parametrize(
    ("values", "comments", "level"),
    [
        # six at exactly 8.0, the rest exactly 6.5: T
        (("8.0",) * 6 + ("6.5",) * 2, (PASS,), T),
        # only five at 8.0: K
        (("8.0",) * 5 + ("7.9",) * 3, (PASS,), K),
        # six at 8.0 but one below 6.5: not T; six ≥ 6.5 and all ≥ 5.0: K
        (("8.0",) * 6 + ("6.5", "6.4"), (PASS,), K),
        # T scores but one comment subject CD: D
        (("9.0",) * 8, (PASS, FAIL), D),
        # six at exactly 6.5, the rest exactly 5.0: K
        (("6.5",) * 6 + ("5.0",) * 2, (PASS,), K),
        # only five at 6.5: D
        (("6.5",) * 5 + ("6.4",) * 3, (PASS,), D),
        # one below 5.0: not K; six ≥ 5.0, none < 3.5: D
        (("7.0",) * 7 + ("4.9",), (PASS,), D),
        # exactly 3.5 is allowed for D
        (("5.0",) * 7 + ("3.5",), (PASS,), D),
        # 3.4 is not
        (("5.0",) * 7 + ("3.4",), (PASS,), CD),
        # only five at 5.0: CD
        (("5.0",) * 5 + ("4.9",) * 3, (PASS,), CD),
        # two comment subjects CD: CD
        (("9.0",) * 8, (FAIL, FAIL), CD),
    ],
)
def test_learning_level_boundaries(
    values: tuple[str, ...], comments: tuple[PassFail, ...], level: Level
) -> None:
    assert compute.learning_level(scores(*values), comments) is level


def test_fewer_than_six_scored_subjects_must_all_reach_the_bar() -> None:
    assert compute.learning_level(scores("8.0", "8.0", "8.0", "8.0", "8.0"), []) is T
    assert compute.learning_level(scores("8.0", "8.0", "8.0", "8.0", "7.9"), []) is K
    assert compute.reduced_subject_count(
        scores(
            "8.0",
        )
        * 5
    )
    assert not compute.reduced_subject_count(
        scores(
            "8.0",
        )
        * 6
    )


# --- the year training table ---------------------------------------------------------------

TRAINING_TABLE = {  # (HK1, HK2) → year, straight from the rules' table
    (T, T): T,
    (K, T): T,
    (D, T): K,
    (CD, T): K,
    (T, K): K,
    (K, K): K,
    (D, K): K,
    (CD, K): D,
    (T, D): K,
    (K, D): D,
    (D, D): D,
    (CD, D): D,
    (T, CD): CD,
    (K, CD): CD,
    (D, CD): CD,
    (CD, CD): CD,
}


@pytest.mark.parametrize(("semesters", "year"), TRAINING_TABLE.items(), ids=str)
def test_training_year_table(semesters: tuple[Level, Level], year: Level) -> None:
    assert compute.training_year_level(*semesters) is year


def test_training_table_covers_all_sixteen_combinations() -> None:
    assert len(TRAINING_TABLE) == 16


# --- conclusion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("absences", "training", "learning", "after_training", "after_retest", "expected"),
    [
        (45, T, T, None, None, Conclusion.PROMOTED),
        (46, T, T, None, None, Conclusion.REPEAT),
        (0, CD, T, None, None, Conclusion.SUMMER_TRAINING),
        (0, T, CD, None, None, Conclusion.RETEST),
        # training CD comes first: summer re-training, then the re-test
        (0, CD, CD, None, None, Conclusion.SUMMER_TRAINING),
        (0, D, D, None, None, Conclusion.PROMOTED),
        # after summer re-training
        (0, CD, T, D, None, Conclusion.PROMOTED),
        (0, CD, T, CD, None, Conclusion.REPEAT),
        (0, CD, CD, D, None, Conclusion.RETEST),
        # after the re-test
        (0, T, CD, None, D, Conclusion.PROMOTED),
        (0, T, CD, None, CD, Conclusion.REPEAT),
        # absences decide before anything else
        (46, T, CD, None, D, Conclusion.REPEAT),
    ],
)
def test_conclusion(
    absences: int,
    training: Level,
    learning: Level,
    after_training: Level | None,
    after_retest: Level | None,
    expected: Conclusion,
) -> None:
    assert (
        compute.conclusion(absences, training, learning, after_training, after_retest) is expected
    )


# --- title -----------------------------------------------------------------------------------


def test_title_hsxs_needs_six_subjects_at_nine() -> None:
    five = (
        scores(
            "9.0",
        )
        * 5
        + scores(
            "8.9",
        )
        * 3
    )
    six = (
        scores(
            "9.0",
        )
        * 6
        + scores(
            "8.9",
        )
        * 2
    )
    assert compute.title(T, T, five) is Title.GOOD
    assert compute.title(T, T, six) is Title.EXCELLENT


@pytest.mark.parametrize(("learning", "training"), [(K, T), (T, K), (D, D)])
def test_no_title_without_learning_and_training_t(learning: Level, training: Level) -> None:
    assert (
        compute.title(
            learning,
            training,
            scores(
                "10.0",
            )
            * 8,
        )
        is None
    )


# --- primary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test_score", "expected"),
    [
        (9, PrimaryEvaluation.HTXS),
        (8, PrimaryEvaluation.HTT),
        (7, PrimaryEvaluation.HTT),
        (6, PrimaryEvaluation.HT),
        (5, PrimaryEvaluation.HT),
        (4, PrimaryEvaluation.CHT),
    ],
)
def test_primary_thresholds_by_the_lowest_test(
    test_score: int, expected: PrimaryEvaluation
) -> None:
    ratings = [PrimaryRating.T] * 10
    qualities = [QualityRating.T] * 15
    assert compute.primary_evaluation(ratings, qualities, [10, test_score]) is expected
    assert compute.completed_grade(expected) is (expected is not PrimaryEvaluation.CHT)


def test_primary_ratings_cap_the_evaluation() -> None:
    t, h, c = PrimaryRating.T, PrimaryRating.H, PrimaryRating.C
    good, fair, weak = QualityRating.T, QualityRating.D, QualityRating.C
    assert compute.primary_evaluation([t, h], [good], [10]) is PrimaryEvaluation.HT
    assert compute.primary_evaluation([t, t], [good, fair], [10]) is PrimaryEvaluation.HT
    assert compute.primary_evaluation([t, c], [good], [10]) is PrimaryEvaluation.CHT
    assert compute.primary_evaluation([t, t], [weak], [10]) is PrimaryEvaluation.CHT
    # no tested subject at all (grades 1-2 without tests are impossible, but the rule holds)
    assert compute.primary_evaluation([t], [good], []) is PrimaryEvaluation.HTXS
