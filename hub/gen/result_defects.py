"""Defects in the results: wrong stated values, missing or out-of-range scores, extra subjects.

A *stated-value* defect (wrong average, level, conclusion, title, evaluation) changes only that
value. A *raw-value* defect (a score dropped, out of range, a subject added or left out, a test
score removed) changes the raw value and re-derives everything downstream through hub.gen.results,
so the only disagreement left is the one the ledger names.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from hub import xpath
from hub.codes import CodeLists
from hub.gen.kinds import Injected, RosterEntry
from hub.gen.results import (
    SCORES,
    derive_primary,
    derive_secondary,
    draw_secondary_subject,
    with_semesters,
)
from hub.model import (
    Level,
    PrimaryEvaluation,
    PrimaryResults,
    PrimarySubject,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    Title,
    Transcript,
)

T = TypeVar("T")

_NOT_ALLOWED_SECONDARY = {False: "VL", True: "KHTN"}  # keyed by "grade ≥ 10"
_NOT_ALLOWED_PRIMARY = {False: "KH", True: "TNXH"}  # keyed by "grade ≥ 4"
_MIN_SCORED = 6  # scored subjects the learning levels count on (assessment-rules.md)


def _secondary(t: Transcript) -> SecondaryResults:
    assert isinstance(t.results, SecondaryResults)
    return t.results


def _primary(t: Transcript) -> PrimaryResults:
    assert isinstance(t.results, PrimaryResults)
    return t.results


def _rederive(t: Transcript, results: SecondaryResults, subjects: tuple[object, ...]) -> Transcript:
    training = (results.training.semester1, results.training.semester2)
    derived = derive_secondary(
        subjects,  # type: ignore[arg-type]
        training,
        results.absences,
        results.training.after_summer,
        results.homeroom_comment,
    )
    return replace(t, results=derived)


def _replace_at(items: tuple[T, ...], index: int, item: T) -> tuple[T, ...]:
    return (*items[:index], item, *items[index + 1 :])


def _pick_scored(rng: random.Random, results: SecondaryResults) -> tuple[int, ScoredSubject]:
    scored = [(i, s) for i, s in enumerate(results.subjects) if isinstance(s, ScoredSubject)]
    return rng.choice(scored)


def _nudge(value: Decimal, rng: random.Random) -> Decimal:
    """A different one-decimal score in 0..10, 0.1 to 0.5 away."""
    step = rng.randrange(1, 6) * rng.choice((-1, 1))
    tenths = int(value * 10) + step
    if not 0 <= tenths <= 100:
        tenths = int(value * 10) - step
    return SCORES[tenths]


def _other(rng: random.Random, current: object, choices: tuple[object, ...]) -> object:
    return rng.choice([c for c in choices if c != current])


def wrong_semester_average(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    results = _secondary(t)
    index, subject = _pick_scored(rng, results)
    number = rng.choice((1, 2))
    semester = subject.semester1 if number == 1 else subject.semester2
    bad = replace(semester, average=_nudge(semester.average, rng))
    changed = replace(subject, **{f"semester{number}": bad})  # type: ignore[arg-type]
    subjects = _replace_at(results.subjects, index, changed)
    return Injected(
        replace(t, results=replace(results, subjects=subjects)),
        r,
        xpath.semester(subject.code, number, "DTB"),
        f"{subject.code} HK{number} DTB {semester.average} stated as {bad.average}",
    )


def wrong_year_average(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    results = _secondary(t)
    index, subject = _pick_scored(rng, results)
    bad = _nudge(subject.year_average, rng)
    subjects = _replace_at(results.subjects, index, replace(subject, year_average=bad))
    return Injected(
        replace(t, results=replace(results, subjects=subjects)),
        r,
        xpath.subject(False, subject.code, "CaNam/DTB"),
        f"{subject.code} CaNam DTB {subject.year_average} stated as {bad}",
    )


def wrong_learning_level(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    results = _secondary(t)
    bad = _other(rng, results.learning.year, tuple(Level))
    assert isinstance(bad, Level)
    return Injected(
        replace(t, results=replace(results, learning=replace(results.learning, year=bad))),
        r,
        xpath.results(False, "KetQuaHocTap/CaNam"),
        f"KetQuaHocTap CaNam {results.learning.year} stated as {bad}",
    )


def wrong_conclusion(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    results = _secondary(t)
    bad = _other(rng, results.conclusion, tuple(type(results.conclusion)))
    assert isinstance(bad, type(results.conclusion))
    return Injected(
        replace(t, results=replace(results, conclusion=bad)),
        r,
        xpath.results(False, "KetLuan"),
        f"KetLuan {results.conclusion} stated as {bad}",
    )


def wrong_title(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    results = _secondary(t)
    choices: tuple[Title | None, ...] = (None, Title.GOOD, Title.EXCELLENT)
    bad = rng.choice([x for x in choices if x is not results.title])
    return Injected(
        replace(t, results=replace(results, title=bad)),
        r,
        xpath.results(False, "DanhHieu"),
        f"DanhHieu {results.title} stated as {bad}",
    )


def too_few_regular_scores(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    """Drop regular scores to one below the minimum (at least 2, the schema's own floor)."""
    results = _secondary(t)
    grade = t.header.grade
    candidates = [
        (i, s)
        for i, s in enumerate(results.subjects)
        if isinstance(s, ScoredSubject)
        and c.secondary_subjects[s.code].min_regular_scores(grade) > 2
    ]
    index, subject = rng.choice(candidates) if candidates else _pick_scored(rng, results)
    keep = max(1, c.secondary_subjects[subject.code].min_regular_scores(grade) - 1)
    number = rng.choice((1, 2))
    semesters = [subject.semester1, subject.semester2]
    semesters[number - 1] = replace(
        semesters[number - 1], regular=semesters[number - 1].regular[:keep]
    )
    changed = with_semesters(subject, semesters[0], semesters[1])
    subjects = _replace_at(results.subjects, index, changed)
    return Injected(
        _rederive(t, results, subjects),
        r,
        xpath.semester(subject.code, number, "DDGtx"),
        f"{subject.code} HK{number}: {keep} regular scores, fewer than the minimum",
    )


def score_out_of_range(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    """An end-of-term score above 10 (a typo such as 75 for 7.5 shows up as 10.5–12.0)."""
    results = _secondary(t)
    index, subject = _pick_scored(rng, results)
    number = rng.choice((1, 2))
    bad = Decimal(rng.randrange(105, 121)) / 10
    semesters: list[ScoredSemester] = [subject.semester1, subject.semester2]
    semesters[number - 1] = replace(semesters[number - 1], final=bad)
    changed = with_semesters(subject, semesters[0], semesters[1])
    subjects = _replace_at(results.subjects, index, changed)
    return Injected(
        _rederive(t, results, subjects),
        r,
        xpath.semester(subject.code, number, "DDGck"),
        f"{subject.code} HK{number} DDGck = {bad}, above 10.0",
    )


def subject_not_allowed(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    """Add a subject of another grade band (Vật lí in grade 7, Khoa học in grade 2 …)."""
    grade = t.header.grade
    teacher = t.confirmation.homeroom_teacher
    if isinstance(t.results, PrimaryResults):
        results = t.results
        code = _NOT_ALLOWED_PRIMARY[grade >= 4]
        extra = PrimarySubject(code, results.subjects[0].rating, None, teacher)
        changed = derive_primary(
            (*results.subjects, extra),
            results.qualities,
            results.competencies,
            grade,
            results.homeroom_comment,
        )
        return Injected(
            replace(t, results=changed),
            r,
            xpath.subject(True, code),
            f"{code} is not taught in grade {grade}",
        )
    sresults = _secondary(t)
    code = _NOT_ALLOWED_SECONDARY[grade >= 10]
    ability = 7.0
    scored = [s for s in sresults.subjects if isinstance(s, ScoredSubject)]
    if scored:
        ability = float(sum(s.year_average for s in scored) / len(scored))
    extra_subject = draw_secondary_subject(rng, c.secondary_subjects[code], grade, ability, teacher)
    return Injected(
        _rederive(t, sresults, (*sresults.subjects, extra_subject)),
        r,
        xpath.subject(False, code),
        f"{code} is not taught in grade {grade}",
    )


def missing_compulsory_subject(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    """Leave out one compulsory subject of the grade (a class file without its "Tin học" sheet).

    A scored subject is left out only while six others remain: below six the learning level
    rules warn as well (assessment-rules.md), and the defect would no longer be one finding.
    """
    grade = t.header.grade
    compulsory = {s.code: s.name for s in c.compulsory_subjects(t.header.level, grade)}
    results = t.results
    assert results is not None
    candidates = [s for s in results.subjects if s.code in compulsory]
    if isinstance(results, SecondaryResults):
        scored = sum(isinstance(s, ScoredSubject) for s in results.subjects)
        if scored <= _MIN_SCORED:
            candidates = [s for s in candidates if not isinstance(s, ScoredSubject)]
    left_out = rng.choice(candidates).code
    subjects = tuple(s for s in results.subjects if s.code != left_out)
    if isinstance(results, PrimaryResults):
        changed = replace(
            t,
            results=derive_primary(
                subjects,  # type: ignore[arg-type]
                results.qualities,
                results.competencies,
                grade,
                results.homeroom_comment,
            ),
        )
    else:
        changed = _rederive(t, results, subjects)
    return Injected(
        changed,
        r,
        xpath.MISSING_SUBJECT,
        f"compulsory subject {left_out} ({compulsory[left_out]}) left out",
    )


def wrong_primary_evaluation(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    """Another evaluation on the same side of CHT, so only DanhGiaCuoiNam disagrees."""
    results = _primary(t)
    passing = (PrimaryEvaluation.HTXS, PrimaryEvaluation.HTT, PrimaryEvaluation.HT)
    if results.evaluation is PrimaryEvaluation.CHT:
        bad = PrimaryEvaluation.HT
        # CHT → HT also flips completion; state completion as HT would, keeping one story.
        changed = replace(
            results,
            evaluation=bad,
            completed_grade=True,
            completed_primary=True if t.header.grade == 5 else None,
        )
    else:
        bad = rng.choice([e for e in passing if e is not results.evaluation])
        changed = replace(results, evaluation=bad)
    return Injected(
        replace(t, results=changed),
        r,
        xpath.results(True, "DanhGiaCuoiNam"),
        f"DanhGiaCuoiNam {results.evaluation} stated as {bad}",
    )


def missing_primary_test_score(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    results = _primary(t)
    tested = [i for i, s in enumerate(results.subjects) if s.test_score is not None]
    index = rng.choice(tested)
    subject = results.subjects[index]
    subjects = _replace_at(results.subjects, index, replace(subject, test_score=None))
    changed = derive_primary(
        subjects, results.qualities, results.competencies, t.header.grade, results.homeroom_comment
    )
    return Injected(
        replace(t, results=changed),
        r,
        xpath.subject(True, subject.code, "DiemKTCuoiNam"),
        f"{subject.code}: year-end test score missing",
    )
