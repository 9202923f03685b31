"""Levels, conclusion and title of a secondary or GDTX learner (assessment-rules.md, HB201).

- KetQuaHocTap for each semester and the year, from the computed averages and the comment
  results; SauKiemTraLai with each KiemTraLai value replacing that subject's year value, present
  exactly when some subject has a KiemTraLai;
- KetQuaRenLuyen for the year, from the two stated semester levels (the rules' table);
- KetLuan, from absences and the computed year levels, and after a summer re-training or
  re-test from the new levels;
- DanhHieu from the computed year levels and year averages.

Warnings where the rules leave room: fewer than six scored subjects (each must then reach the
bar); SauRenLuyenHe is the principal's decision, so it stands, and the check only warns when
re-training was given to a learner whose year training is not CD; likewise a re-test of a
learner whose year learning is not CD.

As in hub.rules.secondary, a stated value that agrees with what its own stated inputs give is
not reported when those inputs are what is wrong: the root is reported once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hub import xpath
from hub.findings import Finding, Severity, warning
from hub.model import Conclusion, Level, PassFail, SecondaryResults, Title
from hub.rules import compute
from hub.rules.base import en_level, vi_level

_PERIODS = (
    ("HocKy1", "học kỳ 1", "semester 1"),
    ("HocKy2", "học kỳ 2", "semester 2"),
    ("CaNam", "cả năm", "year"),
)
_TITLE_VI = {Title.EXCELLENT: "HSXS (Học sinh Xuất sắc)", Title.GOOD: "HSG (Học sinh Giỏi)"}
_TITLE_EN = {Title.EXCELLENT: "HSXS (excellent)", Title.GOOD: "HSG (good)"}


@dataclass(slots=True)
class PeriodValues:
    """What the subject checks computed, gathered for the level checks.

    `scores[p]` / `comments[p]` hold, for p = semester 1, semester 2, year, after re-test, the
    computed averages of the scored subjects and the results of the comment subjects;
    `stated_scores[p]` / `stated_comments` the sender's own values, for "one root, one finding".
    """

    computable: bool = True
    scores: tuple[list[Decimal], ...] = field(default_factory=lambda: ([], [], [], []))
    comments: tuple[list[PassFail], ...] = field(default_factory=lambda: ([], [], [], []))
    stated_scores: tuple[list[Decimal], ...] = field(default_factory=lambda: ([], [], []))
    stated_comments: list[PassFail] = field(default_factory=list)
    retested: list[str] = field(default_factory=list)

    def add_scored(
        self,
        code: str,
        computed: tuple[Decimal, Decimal, Decimal, Decimal],
        stated: tuple[Decimal, Decimal, Decimal],
        retested: bool,
    ) -> None:
        # Unrolled: this runs for every scored subject of every document.
        scores, stated_scores = self.scores, self.stated_scores
        scores[0].append(computed[0])
        scores[1].append(computed[1])
        scores[2].append(computed[2])
        scores[3].append(computed[3])
        stated_scores[0].append(stated[0])
        stated_scores[1].append(stated[1])
        stated_scores[2].append(stated[2])
        if retested:
            self.retested.append(code)

    def add_comment(
        self,
        code: str,
        computed: tuple[PassFail, PassFail, PassFail, PassFail],
        stated_year: PassFail,
        retested: bool,
    ) -> None:
        comments = self.comments
        comments[0].append(computed[0])
        comments[1].append(computed[1])
        comments[2].append(computed[2])
        comments[3].append(computed[3])
        self.stated_comments.append(stated_year)
        if retested:
            self.retested.append(code)


def check_levels(
    results: SecondaryResults, values: PeriodValues, severity: Severity, findings: list[Finding]
) -> None:
    """Append every finding of KetQuaHocTap, KetQuaRenLuyen, KetLuan and DanhHieu."""
    learning_year, after_retest = _learning(results, values, severity, findings)
    training_year = _training(results, severity, findings)
    _conclusion(results, training_year, learning_year, after_retest, severity, findings)
    _title(results, training_year, learning_year, values, severity, findings)


def _stated_level(scores: Sequence[Decimal], comments: Sequence[PassFail]) -> Level | None:
    try:
        return compute.learning_level(scores, comments)
    except InvalidOperation:  # a stated NaN cannot be compared
        return None


def _learning(
    results: SecondaryResults, values: PeriodValues, severity: Severity, findings: list[Finding]
) -> tuple[Level, Level | None]:
    """KetQuaHocTap; returns the computed year level and the level after re-test."""
    learning = results.learning
    stated_levels = (learning.semester1, learning.semester2, learning.year)
    expected_year = Level.CD
    for index, (element, vi, en) in enumerate(_PERIODS):
        expected = compute.learning_level(values.scores[index], values.comments[index])
        if index == 2:
            expected_year = expected
        stated = stated_levels[index]
        if stated is expected:
            continue
        stated_comments = values.stated_comments if index == 2 else values.comments[index]
        if stated is _stated_level(values.stated_scores[index], stated_comments):
            continue
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.results(False, f"KetQuaHocTap/{element}"),
                f"Kết quả học tập {vi} ghi {vi_level(stated)} nhưng tính ra {vi_level(expected)}.",
                f"Learning result (KetQuaHocTap) for the {en} is {en_level(stated)} but "
                f"computes to {en_level(expected)}.",
            )
        )
    after: Level | None = None
    if values.retested:
        after = compute.learning_level(values.scores[3], values.comments[3])
    if learning.after_summer is not after:
        if after is not None:
            how_vi, how_en = (
                "với điểm kiểm tra lại thay điểm cả năm",
                "with the re-test values replacing the year values",
            )
        else:
            how_vi, how_en = "vì không môn nào có KiemTraLai", "as no subject has a KiemTraLai"
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.results(False, "KetQuaHocTap/SauKiemTraLai"),
                f"Kết quả học tập sau kiểm tra lại ghi {vi_level(learning.after_summer)}; "
                f"cần {vi_level(after)} {how_vi}.",
                f"Learning result after re-test (SauKiemTraLai) is "
                f"{en_level(learning.after_summer)}; expected {en_level(after)} {how_en}.",
            )
        )
    if values.retested and expected_year is not Level.CD:
        code = values.retested[0]
        findings.append(
            warning(
                "HB201",
                xpath.subject(False, code, "KiemTraLai"),
                f"Môn {code} có KiemTraLai nhưng kết quả học tập cả năm là "
                f"{vi_level(expected_year)}; kiểm tra lại chỉ dành cho học sinh Chưa đạt.",
                f"{code} has a KiemTraLai but the year learning result is "
                f"{en_level(expected_year)}; a re-test is only for learners who fail (CD).",
            )
        )
    scored = len(values.scores[2])
    if compute.reduced_subject_count(values.scores[2]):
        findings.append(
            warning(
                "HB201",
                xpath.results(False, "KetQuaHocTap"),
                f"Chỉ có {scored} môn tính điểm (ít hơn 6): mức học tập được xét với tất cả "
                f"{scored} môn thay cho 6 môn; cần người có thẩm quyền xác nhận.",
                f"Only {scored} scored subjects (fewer than 6): the learning level requires all "
                f"{scored} to reach the bar instead of 6; a person should confirm it.",
            )
        )
    return expected_year, after


def _training(results: SecondaryResults, severity: Severity, findings: list[Finding]) -> Level:
    """KetQuaRenLuyen for the year; returns the computed year level."""
    training = results.training
    expected = compute.training_year_level(training.semester1, training.semester2)
    if training.year is not expected:
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.results(False, "KetQuaRenLuyen/CaNam"),
                f"Kết quả rèn luyện cả năm ghi {vi_level(training.year)} nhưng với học kỳ 1 "
                f"{training.semester1.value} và học kỳ 2 {training.semester2.value} cần "
                f"{vi_level(expected)}.",
                f"Year training result (KetQuaRenLuyen) is {en_level(training.year)} but "
                f"semester 1 {training.semester1.value} and semester 2 "
                f"{training.semester2.value} give {en_level(expected)}.",
            )
        )
    if training.after_summer is not None and expected is not Level.CD:
        findings.append(
            warning(
                "HB201",
                xpath.results(False, "KetQuaRenLuyen/SauRenLuyenHe"),
                f"Có kết quả rèn luyện hè {vi_level(training.after_summer)} nhưng rèn luyện "
                f"cả năm là {vi_level(expected)}; rèn luyện hè chỉ dành cho học sinh Chưa đạt. "
                "Giữ nguyên giá trị đã ghi.",
                f"SauRenLuyenHe is {en_level(training.after_summer)} but the year training "
                f"result is {en_level(expected)}; summer re-training is only for CD. "
                "The stated value stands.",
            )
        )
    return expected


def _conclusion(
    results: SecondaryResults,
    training_year: Level,
    learning_year: Level,
    after_retest: Level | None,
    severity: Severity,
    findings: list[Finding],
) -> None:
    after_training = results.training.after_summer  # the principal's decision: it stands
    expected = compute.conclusion(
        results.absences, training_year, learning_year, after_training, after_retest
    )
    stated = results.conclusion
    if stated is expected:
        return
    from_stated = compute.conclusion(
        results.absences,
        results.training.year,
        results.learning.year,
        after_training,
        results.learning.after_summer,
    )
    if stated is from_stated:
        return
    reason_vi, reason_en = _conclusion_reason(
        results.absences, training_year, learning_year, after_training, after_retest, expected
    )
    findings.append(
        Finding(
            "HB201",
            severity,
            xpath.results(False, "KetLuan"),
            f"KetLuan ghi {stated.value} nhưng tính ra {expected.value} ({reason_vi}).",
            f"KetLuan is {stated.value} but computes to {expected.value} ({reason_en}).",
        )
    )


def _conclusion_reason(
    absences: int,
    training: Level,
    learning: Level,
    after_training: Level | None,
    after_retest: Level | None,
    expected: Conclusion,
) -> tuple[str, str]:
    """Why the conclusion is what it is, in the rules' own terms."""
    if absences > compute.MAX_ABSENCES:
        return (
            f"nghỉ {absences} buổi, quá {compute.MAX_ABSENCES}",
            f"{absences} sessions missed, more than {compute.MAX_ABSENCES}",
        )
    if expected is Conclusion.REPEAT:
        return (
            "sau rèn luyện hè hoặc kiểm tra lại vẫn Chưa đạt",
            "still CD after summer re-training or re-test",
        )
    if expected is Conclusion.SUMMER_TRAINING:
        return "rèn luyện cả năm Chưa đạt", "year training result CD"
    if expected is Conclusion.RETEST:
        return "học tập cả năm Chưa đạt", "year learning result CD"
    return (
        f"rèn luyện {(after_training or training).value}, học tập "
        f"{(after_retest or learning).value}, nghỉ {absences} buổi",
        f"training {(after_training or training).value}, learning "
        f"{(after_retest or learning).value}, {absences} sessions missed",
    )


def _title(
    results: SecondaryResults,
    training_year: Level,
    learning_year: Level,
    values: PeriodValues,
    severity: Severity,
    findings: list[Finding],
) -> None:
    year_averages = values.scores[2]
    expected = compute.title(learning_year, training_year, year_averages)
    stated = results.title
    if stated is expected:
        return
    try:
        from_stated = compute.title(
            results.learning.year, results.training.year, values.stated_scores[2]
        )
    except InvalidOperation:
        from_stated = expected
    if stated is from_stated:
        return
    at_bar = sum(average >= compute.BAR_9_0 for average in year_averages)
    findings.append(
        Finding(
            "HB201",
            severity,
            xpath.results(False, "DanhHieu"),
            f"DanhHieu ghi {_TITLE_VI[stated] if stated else 'trống'} nhưng tính ra "
            f"{_TITLE_VI[expected] if expected else 'không có danh hiệu'} (học tập "
            f"{learning_year.value}, rèn luyện {training_year.value}, {at_bar} môn có ĐTB cả "
            "năm từ 9,0).",
            f"DanhHieu is {_TITLE_EN[stated] if stated else 'empty'} but computes to "
            f"{_TITLE_EN[expected] if expected else 'no title'} (learning "
            f"{learning_year.value}, training {training_year.value}, {at_bar} subjects with a "
            "year average of 9.0 or more).",
        )
    )
