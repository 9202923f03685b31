"""Building the canonical Transcript from mapped values, computing what the rules define.

The engine hands over converted values by canonical field name. What a source leaves out but
assessment-rules.md fixes (semester and year averages, a comment subject's year result,
learning levels, the year training level, the conclusion, the title, the primary evaluation) is
computed with hub.rules.compute — the same code the checks use, so the hub never disagrees
with itself. A stated value always wins: the rules then check it. What cannot be computed
(a semester's training level, a missing score) is reported through `missing`, never invented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from hub.codes import CodeLists
from hub.fields import LABELS
from hub.mapping.construct import maker
from hub.mapping.text import CACHE_SIZE
from hub.model import (
    AssessmentForm,
    CommentSubject,
    Conclusion,
    Confirmation,
    ForeignDocument,
    ForeignDocumentKind,
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
    PrincipalTitle,
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
from hub.rules import compute
from hub.sources import RawPath

Missing = Callable[..., None]
Invalid = Callable[[str, str | None, str, str], None]
E = TypeVar("E", bound=StrEnum)


def target_label(target: str, subject: str | None = None) -> tuple[str, str, str]:
    """(Vietnamese name, English name, expected) of a canonical field, for messages.

    The labels are hub.fields's, the one table of the fields; a name it does not hold (none
    the mapping schema admits) is its own label.
    """
    vi, en, expected = LABELS.get(target, (target, target, target))
    if subject:
        return f"{vi} môn {subject}", f"{en} of {subject}", expected
    return vi, en, expected


@dataclass
class Collected:
    """The converted values of one record, by canonical field and by group code."""

    values: dict[str, Any] = field(default_factory=dict)
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)
    qualities: dict[str, Any] = field(default_factory=dict)
    competencies: dict[str, Any] = field(default_factory=dict)
    sources: dict[Any, RawPath] = field(default_factory=dict)


class _Absent(Exception):
    """Raised inside assembly once a required value was reported missing."""


class _Builder:
    def __init__(self, collected: Collected, missing: Missing, invalid: Invalid) -> None:
        self.v = collected.values
        self.c = collected
        self.missing = missing
        self.invalid = invalid
        self.failed = False

    def need(
        self, key: str, subject: str | None = None, table: dict[str, Any] | None = None
    ) -> Any:
        source = self.v if table is None else table
        value = source.get(key)
        if value is None:
            self.failed = True
            self.missing(key, subject)
        return value

    def enum(
        self,
        kind: type[E],
        key: str,
        table: dict[str, Any] | None = None,
        subject: str | None = None,
        required: bool = True,
    ) -> E | None:
        raw = (self.v if table is None else table).get(key)
        if raw is None:
            if required:
                self.need(key, subject, table)
            return None
        if type(raw) is str:  # the usual code: what kind(raw) looks up first, without the call
            member = kind._value2member_map_.get(raw)
            if member is not None:
                return member  # type: ignore[return-value]
        try:
            return kind(raw)
        except ValueError:
            self.failed = True
            self.invalid(
                key,
                subject,
                f"mã {raw!r} không hợp lệ cho {kind.__name__}",
                f"code {raw!r} is not a valid {kind.__name__}",
            )
            return None


def assemble(
    level_kind: str, collected: Collected, codes: CodeLists, missing: Missing, invalid: Invalid
) -> Transcript | None:
    """The Transcript of `collected`, or None after reporting what is missing or wrong."""
    b = _Builder(collected, missing, invalid)
    header = _header(b)
    learner = _learner(b)
    confirmation = Confirmation(
        Teacher(
            b.need("confirmation.homeroom_teacher"), b.v.get("confirmation.homeroom_teacher_code")
        ),
        Principal(
            b.need("confirmation.principal"),
            b.enum(PrincipalTitle, "confirmation.principal_title", required=False)
            or PrincipalTitle.PRINCIPAL,
        ),
    )
    results: PrimaryResults | SecondaryResults | None = None
    if not (learner is not None and learner.exempt_from_assessment and not collected.subjects):
        grade = b.v.get("header.grade")
        if level_kind == "primary":
            results = _primary(b, codes, grade if isinstance(grade, int) else 0)
        else:
            results = _secondary(b, codes)
    if b.failed or header is None or learner is None:
        return None
    return _TRANSCRIPT(header, learner, results, confirmation)


_HEADER_KEYS = tuple(
    f"header.{k}"
    for k in (
        "record_id",
        "school_year",
        "grade",
        "class_name",
        "school_code",
        "school_name",
        "department_code",
        "place_of_issue",
        "issue_date",
    )
)
_LEARNER_KEYS = tuple(
    (k, f"learner.{k}")
    for k in (
        "learner_code",
        "full_name",
        "birth_date",
        "ethnicity",
        "nationality",
        "birthplace",
        "residence",
    )
)
_LEARNER_OPTIONAL = tuple(
    (k, f"learner.{k}") for k in ("hometown", "policy_group", "father", "mother", "guardian")
)


def _header(b: _Builder) -> Header | None:
    level = b.enum(SchoolLevel, "header.level")
    fields = [b.need(key) for key in _HEADER_KEYS]
    if b.failed or level is None:
        return None
    record_id, year, grade, class_name, school, name, department, place, issued = fields
    return Header(
        record_id,
        year,
        level,
        grade,
        class_name,
        school,
        name,
        department,
        place,
        issued,
        replaces=b.v.get("header.replaces"),
    )


def _learner(b: _Builder) -> Learner | None:
    sex = b.enum(Sex, "learner.sex")
    found = {k: b.need(key) for k, key in _LEARNER_KEYS}
    foreign = None
    if b.v.get("learner.foreign_number"):
        kind = b.enum(ForeignDocumentKind, "learner.foreign_kind")
        if kind is not None:
            foreign = ForeignDocument(
                kind, b.v["learner.foreign_number"], b.need("learner.foreign_country")
            )
    if b.failed or sex is None:
        return None
    optional = {k: b.v.get(key) for k, key in _LEARNER_OPTIONAL}
    return Learner(
        learner_code=found["learner_code"],
        personal_id=b.v.get("learner.personal_id"),
        full_name=found["full_name"],
        birth_date=found["birth_date"],
        sex=sex,
        ethnicity=found["ethnicity"],
        nationality=found["nationality"],
        birthplace=found["birthplace"],
        residence=found["residence"],
        foreign_document=foreign,
        exempt_from_assessment=bool(b.v.get("learner.exempt", False)),
        **optional,
    )


# Made once per semester and subject of every learner: hub.mapping.construct (all fields).
_SCORED_SEMESTER = maker(ScoredSemester)
_SCORED_SUBJECT = maker(ScoredSubject)
_COMMENT_SUBJECT = maker(CommentSubject)
_LEVELS = maker(LevelResults)  # and once per learner (every field given, in order)
_SECONDARY_RESULTS = maker(SecondaryResults)
_TRANSCRIPT = maker(Transcript)

_SEMESTER_KEYS = {
    n: tuple(f"semester{n}.{k}" for k in ("regular", "midterm", "final", "average")) for n in (1, 2)
}


def _semester(b: _Builder, code: str, entry: dict[str, Any], n: int) -> ScoredSemester | None:
    k_regular, k_midterm, k_final, k_average = _SEMESTER_KEYS[n]
    regular = tuple(entry.get(k_regular) or ())
    if not regular:
        b.need(k_regular, code, entry)
    midterm = entry.get(k_midterm)
    if midterm is None:
        b.need(k_midterm, code, entry)
    final = entry.get(k_final)
    if final is None:
        b.need(k_final, code, entry)
    if not regular or midterm is None or final is None:
        return None
    stated = entry.get(k_average)
    average = stated if stated is not None else compute.semester_average(regular, midterm, final)
    return _SCORED_SEMESTER(regular, midterm, final, average)


@lru_cache(maxsize=CACHE_SIZE)
def _teacher(name: str, code: str | None) -> Teacher:
    """A subject's teacher: the same few people on every learner's subjects (Teacher is
    frozen, so one object serves them all)."""
    return Teacher(name, code)


def _secondary_subject(
    b: _Builder, codes: CodeLists, code: str, entry: dict[str, Any]
) -> SecondarySubject | None:
    meta = codes.secondary_subjects.get(code)
    if meta is None:
        b.failed = True
        b.invalid(
            "teacher",
            code,
            f"{code} không phải môn học cấp trung học",
            f"{code} is not a secondary subject",
        )
        return None
    name = entry.get("teacher")
    if name is None:
        b.need("teacher", code, entry)
    teacher_code = entry.get("teacher_code")
    if teacher_code is None or type(teacher_code) is str:
        teacher = _teacher(name or "", teacher_code)
    else:
        teacher = Teacher(name or "", teacher_code)
    if meta.form is AssessmentForm.SCORED:
        s1, s2 = _semester(b, code, entry, 1), _semester(b, code, entry, 2)
        if s1 is None or s2 is None:
            return None
        year = entry.get("year_average")
        if year is None:
            year = compute.year_average(s1.average, s2.average)
        return _SCORED_SUBJECT(
            code, s1, s2, year, teacher, entry.get("retest_score"), entry.get("comment") or ""
        )
    r1 = b.enum(PassFail, "semester1.result", entry, code)
    r2 = b.enum(PassFail, "semester2.result", entry, code)
    if r1 is None or r2 is None:
        return None
    year_result = b.enum(
        PassFail, "year_result", entry, code, required=False
    ) or compute.comment_year_result(r2)
    retest = b.enum(PassFail, "retest_result", entry, code, required=False)
    return _COMMENT_SUBJECT(code, r1, r2, year_result, teacher, retest, entry.get("comment") or "")


def _in_order(
    found: dict[str, dict[str, Any]], table: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Subjects in the code list's order (codes.md), the order documents list them in."""
    listed = [(code, found[code]) for code in table if code in found]
    if len(listed) == len(found):
        return listed
    others = sorted((code, entry) for code, entry in found.items() if code not in table)
    return listed + others  # a code the list lacks is reported; after the others, by code


def _secondary(b: _Builder, codes: CodeLists) -> SecondaryResults | None:
    subjects = [
        _secondary_subject(b, codes, code, entry)
        for code, entry in _in_order(b.c.subjects, codes.secondary_subjects)
    ]
    if not b.c.subjects:
        b.need("subjects")
    done = [s for s in subjects if s is not None]
    training1 = b.enum(Level, "results.training.semester1")
    training2 = b.enum(Level, "results.training.semester2")
    absences = b.need("results.absences")
    if b.failed or training1 is None or training2 is None:
        return None
    scored = [s for s in done if isinstance(s, ScoredSubject)]
    comments = [s for s in done if isinstance(s, CommentSubject)]

    def learning(
        key: str, scores: Callable[[], list[Decimal]], results: Callable[[], list[PassFail]]
    ) -> Level:
        """The stated level, else the rules' (the lists are only built when needed)."""
        stated = b.enum(Level, key, required=False)
        return stated or compute.learning_level(scores(), results())

    learn = _LEVELS(
        learning(
            "results.learning.semester1",
            lambda: [s.semester1.average for s in scored],
            lambda: [c.semester1 for c in comments],
        ),
        learning(
            "results.learning.semester2",
            lambda: [s.semester2.average for s in scored],
            lambda: [c.semester2 for c in comments],
        ),
        learning(
            "results.learning.year",
            lambda: [s.year_average for s in scored],
            lambda: [c.year_result for c in comments],
        ),
        b.enum(Level, "results.learning.after_retest", required=False),
    )
    train = _LEVELS(
        training1,
        training2,
        b.enum(Level, "results.training.year", required=False)
        or compute.training_year_level(training1, training2),
        b.enum(Level, "results.training.after_summer", required=False),
    )
    conclusion = b.enum(Conclusion, "results.conclusion", required=False) or compute.conclusion(
        absences, train.year, learn.year, train.after_summer, learn.after_summer
    )
    if "results.title" in b.v:
        title = b.enum(Title, "results.title", required=False)
    else:
        title = compute.title(learn.year, train.year, [s.year_average for s in scored])
    return _SECONDARY_RESULTS(
        tuple(done),
        learn,
        train,
        absences,
        conclusion,
        title,
        b.v.get("results.homeroom_comment") or "",
    )


def _primary(b: _Builder, codes: CodeLists, grade: int) -> PrimaryResults | None:
    subjects: list[PrimarySubject] = []
    if not b.c.subjects:
        b.need("subjects")
    for code, entry in _in_order(b.c.subjects, codes.primary_subjects):
        meta = codes.primary_subjects.get(code)
        if meta is None:
            b.failed = True
            b.invalid(
                "rating",
                code,
                f"{code} không phải môn học cấp tiểu học",
                f"{code} is not a primary subject",
            )
            continue
        rating = b.enum(PrimaryRating, "rating", entry, code)
        test = entry.get("test_score")
        if meta.has_test(grade) and test is None:
            b.need("test_score", code, entry)
        elif not meta.has_test(grade) and test is not None:
            b.failed = True
            b.invalid(
                "test_score",
                code,
                f"môn {code} không có bài kiểm tra cuối năm ở lớp {grade}",
                f"{code} has no year-end test in grade {grade}",
            )
        teacher = Teacher(b.need("teacher", code, entry) or "", entry.get("teacher_code"))
        if rating is not None:
            subjects.append(PrimarySubject(code, rating, test, teacher, entry.get("comment") or ""))
    rated: dict[str, list[Rated]] = {"qualities": [], "competencies": []}
    for group, table in (("qualities", codes.qualities), ("competencies", codes.competencies)):
        values = getattr(b.c, group)
        for code in table:
            mark = b.enum(QualityRating, group, values and {group: values.get(code)}, code)
            if mark is not None:
                rated[group].append(Rated(code, mark))
    if b.failed:
        return None
    tests = [s.test_score for s in subjects if s.test_score is not None]
    evaluation = b.enum(
        PrimaryEvaluation, "results.evaluation", required=False
    ) or compute.primary_evaluation(
        [s.rating for s in subjects],
        [r.rating for r in rated["qualities"] + rated["competencies"]],
        tests,
    )
    completed = b.v.get("results.completed_grade")
    if completed is None:
        completed = compute.completed_grade(evaluation)
    completed_primary = None
    if grade == 5:
        completed_primary = b.v.get("results.completed_primary")
        if completed_primary is None:
            completed_primary = completed
    awards = b.v.get("results.awards")
    return PrimaryResults(
        tuple(subjects),
        tuple(rated["qualities"]),
        tuple(rated["competencies"]),
        evaluation,
        bool(completed),
        completed_primary,
        (awards,) if isinstance(awards, str) and awards else (),
        b.v.get("results.homeroom_comment") or "",
    )
