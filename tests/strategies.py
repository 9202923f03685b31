"""Hypothesis strategies for canonical transcripts.

`transcripts()` draws transcripts whose every value has the shape the document schema asks for
(lengths, patterns, code lists, exactly five qualities and ten competencies, unique subject
codes), so that `build_document` gives a schema-valid document; the values are otherwise
arbitrary (scores out of range, wrong averages, any subject code) because the rules, not the
schema, judge them. Free texts are NFC and reach into what XML makes hard: `&`, `<`, `]]>`,
quotes, tabs, line feeds, carriage returns, characters outside the BMP.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from hub.model import (
    GRADES,
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
    Results,
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

QUALITIES = ("YN", "NA", "CC", "TT", "TN")
COMPETENCIES = ("TCTH", "GTHT", "GQVD", "NN", "TTOAN", "KH", "CN", "TH", "TM", "TC")

_VIETNAMESE_LOWER = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
_NAME_LETTERS = _VIETNAMESE_LOWER + _VIETNAMESE_LOWER.upper() + "fjwzFJWZ"
_FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
_GIVEN_NAMES = ("Ánh", "Khôi", "Thư", "Dũng", "Ngọc", "Hương", "Đức", "Thảo", "Quỳnh", "Lực")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Every character XML 1.0 can carry (no surrogates, no C0 controls but tab, LF, CR, no
# U+FFFE/U+FFFF), with the troublesome ASCII ones drawn often.
_XML_CHARACTERS = st.one_of(
    st.sampled_from(list("&<>\"']]\t\n\r ")),
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\ufffe\uffff",
        min_codepoint=0x20,
    ),
)


def texts(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Free text in NFC whose length (after normalisation) is within the bounds."""
    return (
        st.text(_XML_CHARACTERS, min_size=min_size, max_size=max_size)
        .map(_nfc)
        .filter(lambda s: min_size <= len(s) <= max_size)
    )


def digits(min_size: int, max_size: int | None = None) -> st.SearchStrategy[str]:
    size = max_size if max_size is not None else min_size
    return st.text("0123456789", min_size=min_size, max_size=size)


def person_names() -> st.SearchStrategy[str]:
    """HoVaTen: Vietnamese names with diacritics, or any letters, spaces, ' and -."""
    vietnamese = st.tuples(
        st.sampled_from(_FAMILY_NAMES),
        st.lists(st.sampled_from(_GIVEN_NAMES), min_size=1, max_size=3),
    ).map(lambda parts: " ".join([parts[0], *parts[1]]))
    generic = st.text(_NAME_LETTERS + " '-", min_size=1, max_size=100).map(_nfc)
    return st.one_of(vietnamese, generic).filter(lambda s: 1 <= len(s) <= 100)


_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
_country = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
_subject_code = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=20
)
_scores = st.decimals(
    min_value=Decimal("-1"), max_value=Decimal("100"), places=2, allow_nan=False
) | st.decimals(min_value=Decimal(0), max_value=Decimal(10), places=1)


@st.composite
def headers(draw: st.DrawFn, level: SchoolLevel) -> Header:
    first = draw(st.integers(2000, 2098))
    return Header(
        record_id=draw(
            st.text(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
                min_size=1,
                max_size=64,
            )
        ),
        school_year=f"{first}-{first + 1}",
        level=level,
        grade=draw(st.sampled_from(list(GRADES[level]))),
        class_name=draw(texts(1, 30)),
        school_code=draw(digits(8)),
        school_name=draw(texts(1, 200)),
        department_code=draw(digits(2)),
        place_of_issue=draw(texts(1, 100)),
        issue_date=draw(_dates),
        replaces=draw(st.none() | texts(1, 40)),
    )


@st.composite
def learners(draw: st.DrawFn) -> Learner:
    foreign = draw(st.booleans())
    return Learner(
        learner_code=draw(digits(10, 15)),
        personal_id=draw(st.none() | digits(12) | texts(0, 20)),
        full_name=draw(person_names()),
        birth_date=draw(_dates),
        sex=draw(st.sampled_from(Sex)),
        ethnicity=draw(st.sampled_from([f"{n:02d}" for n in range(1, 56)])),
        nationality=draw(_country),
        birthplace=draw(texts(1, 300)),
        residence=draw(texts(1, 300)),
        hometown=draw(st.none() | texts(1, 300)),
        foreign_document=(
            ForeignDocument(
                kind=draw(st.sampled_from(ForeignDocumentKind)),
                number=draw(texts(1, 30)),
                issuing_country=draw(_country),
            )
            if foreign
            else None
        ),
        policy_group=draw(st.none() | texts(1, 60)),
        father=draw(st.none() | person_names()),
        mother=draw(st.none() | person_names()),
        guardian=draw(st.none() | texts(1, 100)),
        exempt_from_assessment=draw(st.booleans()),
    )


teachers = st.builds(Teacher, name=texts(1, 100), code=st.none() | texts(1, 20))


def _rated(codes: tuple[str, ...]) -> st.SearchStrategy[tuple[Rated, ...]]:
    return st.permutations(codes).flatmap(
        lambda order: st.tuples(
            *[
                st.builds(Rated, code=st.just(c), rating=st.sampled_from(QualityRating))
                for c in order
            ]
        )
    )


@st.composite
def primary_results(draw: st.DrawFn) -> PrimaryResults:
    codes = draw(st.lists(_subject_code, min_size=1, max_size=6, unique=True))
    subjects = tuple(
        PrimarySubject(
            code=code,
            rating=draw(st.sampled_from(PrimaryRating)),
            test_score=draw(st.none() | st.integers(-5, 20)),
            teacher=draw(teachers),
            comment=draw(texts(0, 60)),
        )
        for code in codes
    )
    return PrimaryResults(
        subjects=subjects,
        qualities=draw(_rated(QUALITIES)),
        competencies=draw(_rated(COMPETENCIES)),
        evaluation=draw(st.sampled_from(PrimaryEvaluation)),
        completed_grade=draw(st.booleans()),
        completed_primary=draw(st.none() | st.booleans()),
        awards=tuple(draw(st.lists(texts(1, 60), max_size=3))),
        homeroom_comment=draw(texts(0, 80)),
    )


semesters = st.builds(
    ScoredSemester,
    regular=st.lists(_scores, max_size=6).map(tuple),
    midterm=_scores,
    final=_scores,
    average=_scores,
)


def _secondary_subject(code: str) -> st.SearchStrategy[SecondarySubject]:
    scored = st.builds(
        ScoredSubject,
        code=st.just(code),
        semester1=semesters,
        semester2=semesters,
        year_average=_scores,
        teacher=teachers,
        retest_score=st.none() | _scores,
        comment=texts(0, 60),
    )
    comment = st.builds(
        CommentSubject,
        code=st.just(code),
        semester1=st.sampled_from(PassFail),
        semester2=st.sampled_from(PassFail),
        year_result=st.sampled_from(PassFail),
        teacher=teachers,
        retest_result=st.none() | st.sampled_from(PassFail),
        comment=texts(0, 60),
    )
    return st.one_of(scored, comment)


level_results = st.builds(
    LevelResults,
    semester1=st.sampled_from(Level),
    semester2=st.sampled_from(Level),
    year=st.sampled_from(Level),
    after_summer=st.none() | st.sampled_from(Level),
)


@st.composite
def secondary_results(draw: st.DrawFn) -> SecondaryResults:
    codes = draw(st.lists(_subject_code, min_size=1, max_size=5, unique=True))
    return SecondaryResults(
        subjects=tuple(draw(_secondary_subject(code)) for code in codes),
        learning=draw(level_results),
        training=draw(level_results),
        absences=draw(st.integers(0, 200)),
        conclusion=draw(st.sampled_from(Conclusion)),
        title=draw(st.none() | st.sampled_from(Title)),
        homeroom_comment=draw(texts(0, 80)),
    )


confirmations = st.builds(
    Confirmation,
    homeroom_teacher=teachers,
    principal=st.builds(Principal, name=texts(1, 100), title=st.sampled_from(PrincipalTitle)),
)


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    """A schema-shaped transcript of any level, results matching the level (or none)."""
    level = draw(st.sampled_from(SchoolLevel))
    results_of_level = primary_results() if level.is_primary else secondary_results()
    results: Results | None = draw(st.none() | results_of_level)
    return Transcript(
        header=draw(headers(level)),
        learner=draw(learners()),
        results=results,
        confirmation=draw(confirmations),
    )
