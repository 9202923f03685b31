"""Small hand-made transcripts for the rule tests, right by construction and easy to spoil.

The stated values are written out, not computed with hub.rules.compute, so the tests compare
the rules with numbers a person checked. Every scored subject of the default secondary
transcript has all its scores equal, so each average is that score; a test changes one value
with `dataclasses.replace` (or the helpers below) and expects exactly the finding it planted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hub.model import (
    CommentSubject,
    Conclusion,
    Confirmation,
    Header,
    Learner,
    Level,
    LevelResults,
    PassFail,
    PrimaryEvaluation,
    PrimaryRating,
    PrimaryResults,
    PrimarySubject,
    Principal,
    QualityRating,
    Rated,
    SchoolLevel,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    SecondarySubject,
    Sex,
    Teacher,
    Title,
    Transcript,
)

TODAY = date(2025, 9, 30)
TEACHER = Teacher("Trần Thị Lan", "GV0001")
# Grade 7 (lower secondary): eight scored subjects and five comment-only ones (codes.md).
SCORED_GRADE_7 = ("NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
COMMENT_GRADE_7 = ("GDTC", "AN", "MT", "HDTN", "GDDP")
# Grade 3 (primary): TV, TOAN, NN1 and THCN have a year-end test.
PRIMARY_GRADE_3 = ("TV", "TOAN", "DD", "NN1", "TNXH", "THCN", "GDTC", "AN", "MT", "HDTN")
TESTED_GRADE_3 = frozenset({"TV", "TOAN", "NN1", "THCN"})
QUALITIES = ("YN", "NA", "CC", "TT", "TN")
COMPETENCIES = ("TCTH", "GTHT", "GQVD", "NN", "TTOAN", "KH", "CN", "TH", "TM", "TC")


def d(value: str | int) -> Decimal:
    return Decimal(str(value))


def header(level: SchoolLevel = SchoolLevel.LOWER_SECONDARY, grade: int = 7) -> Header:
    return Header(
        record_id="00001-2024-2025-0113000107001",
        school_year="2024-2025",
        level=level,
        grade=grade,
        class_name=f"{grade}A1",
        school_code=f"01{level.value[-1]}00001",
        school_name="Trường THCS Chu Văn An",
        department_code="01",
        place_of_issue="Hà Nội",
        issue_date=date(2025, 5, 20),
    )


def learner(birth: date = date(2012, 3, 14), sex: Sex = Sex.MALE) -> Learner:
    """A Vietnamese learner born in the 2000s; SoDinhDanh 001 (Hà Nội), sex digit, year, serial.

    E.g. 001 2 12 345678 for a boy born in 2012.
    """
    sex_digit = 2 if sex is Sex.MALE else 3
    return Learner(
        learner_code="0113000107001",
        personal_id=f"001{sex_digit}{birth.year % 100:02d}345678",
        full_name="Nguyễn Văn An",
        birth_date=birth,
        sex=sex,
        ethnicity="01",
        nationality="VN",
        birthplace="Hà Nội",
        residence="Số 1 Tràng Tiền, Hà Nội",
        father="Nguyễn Văn Bình",
    )


def semester(score: str, regular: int = 4) -> ScoredSemester:
    """A semester with every score equal to `score`: its average is `score`."""
    value = d(score)
    return ScoredSemester((value,) * regular, value, value, value)


def scored(code: str, score: str = "8.0", regular: int = 4) -> ScoredSubject:
    """A scored subject whose every score, and so every average, is `score`."""
    return ScoredSubject(
        code, semester(score, regular), semester(score, regular), d(score), TEACHER
    )


def comment(code: str, result: PassFail = PassFail.D) -> CommentSubject:
    return CommentSubject(code, result, result, result, TEACHER)


def levels(first: Level, second: Level, year: Level, after: Level | None = None) -> LevelResults:
    return LevelResults(first, second, year, after)


def secondary_results(
    scores: Sequence[str] = ("8.0",) * 8,
    learning: Level = Level.T,
    training: tuple[Level, Level, Level] = (Level.T, Level.T, Level.T),
    conclusion: Conclusion = Conclusion.PROMOTED,
    title: Title | None = Title.GOOD,
    comments: Sequence[PassFail] = (PassFail.D,) * 5,
    absences: int = 2,
) -> SecondaryResults:
    """Grade 7 results: the scored subjects get `scores` in order, the comment ones `comments`.

    Every period's learning level is `learning`; the caller states what the scores give.
    """
    subjects: list[SecondarySubject] = [
        scored(code, score) for code, score in zip(SCORED_GRADE_7, scores, strict=False)
    ]
    subjects += [comment(code, r) for code, r in zip(COMMENT_GRADE_7, comments, strict=False)]
    return SecondaryResults(
        tuple(subjects),
        levels(learning, learning, learning),
        levels(*training),
        absences,
        conclusion,
        title,
    )


def secondary(results: SecondaryResults | None = None, **learner_changes: object) -> Transcript:
    """A clean grade 7 transcript: eight subjects at 8.0, learning T, training T, HSG."""
    return Transcript(
        header(),
        replace(learner(), **learner_changes),  # type: ignore[arg-type]
        results if results is not None else secondary_results(),
        Confirmation(TEACHER, Principal("Lê Văn Hùng")),
    )


def primary_results(
    tests: int = 9,
    rating: PrimaryRating = PrimaryRating.T,
    quality: QualityRating = QualityRating.T,
    evaluation: PrimaryEvaluation = PrimaryEvaluation.HTXS,
    completed: bool = True,
    completed_primary: bool | None = None,
) -> PrimaryResults:
    """Grade 3 results: each subject `rating`, each tested one `tests`, each quality `quality`."""
    subjects = tuple(
        PrimarySubject(code, rating, tests if code in TESTED_GRADE_3 else None, TEACHER)
        for code in PRIMARY_GRADE_3
    )
    return PrimaryResults(
        subjects,
        tuple(Rated(code, quality) for code in QUALITIES),
        tuple(Rated(code, quality) for code in COMPETENCIES),
        evaluation,
        completed,
        completed_primary,
    )


def primary(results: PrimaryResults | None = None, grade: int = 3) -> Transcript:
    """A clean grade 3 primary transcript (HTXS unless `results` says otherwise)."""
    return Transcript(
        replace(header(SchoolLevel.PRIMARY, grade), school_name="Trường Tiểu học Kim Đồng"),
        learner(birth=date(2016, 2, 1)),
        results if results is not None else primary_results(),
        Confirmation(TEACHER, Principal("Lê Văn Hùng")),
    )


def with_subject(transcript: Transcript, code: str, subject: object) -> Transcript:
    """`transcript` with the MonHoc `code` replaced by `subject`."""
    results = transcript.results
    assert results is not None
    subjects = tuple(subject if s.code == code else s for s in results.subjects)
    return replace(transcript, results=replace(results, subjects=subjects))  # type: ignore[arg-type]
