"""What a generated province looks like: identities, codes, dates, subjects and names."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date

import pytest

from hub.codes import CodeLists
from hub.gen import Generated, GenSettings
from hub.model import (
    GRADES,
    PrimaryResults,
    SchoolLevel,
    ScoredSubject,
    SecondaryResults,
    Sex,
    Transcript,
)

_NAME = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*")


def _age_on_5_september(t: Transcript) -> int:
    day = date(t.header.first_year, 9, 5)
    born = t.learner.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_every_grade_of_every_level_is_generated(small: list[Generated]) -> None:
    seen = {(g.transcript.header.level, g.transcript.header.grade) for g in small}
    expected = {(level, grade) for level, grades in GRADES.items() for grade in grades}
    assert seen == expected


def test_personal_ids_encode_birth_province_year_and_sex(
    varied: list[Generated], codes: CodeLists
) -> None:
    vietnamese = [g.transcript.learner for g in varied if g.transcript.learner.nationality == "VN"]
    assert len(vietnamese) > 100
    for learner in vietnamese:
        pid = learner.personal_id
        assert pid is not None
        assert re.fullmatch(r"\d{12}", pid), learner.learner_code
        assert pid[0] == "0"
        assert pid[1:3] in codes.old_provinces
        century = learner.birth_date.year // 100 - 19
        assert int(pid[3]) == 2 * century + (learner.sex is Sex.FEMALE)
        assert pid[4:6] == f"{learner.birth_date.year % 100:02d}"
    ids = [learner.personal_id for learner in vietnamese]
    assert len(set(ids)) == len(ids)
    # Most learners were born in the schools' province, a few elsewhere.
    born_here = sum(pid is not None and pid[1:3] == "36" for pid in ids)
    assert len(ids) * 0.75 < born_here < len(ids)


def test_foreign_minority_and_exempt_learners(varied: list[Generated]) -> None:
    learners = [g.transcript.learner for g in varied]
    foreign = [x for x in learners if x.nationality != "VN"]
    assert foreign
    for learner in foreign:
        assert learner.personal_id is None
        assert learner.ethnicity == "55"
        assert learner.foreign_document is not None
    minorities = {x.ethnicity for x in learners if x.nationality == "VN"} - {"01"}
    assert len(minorities) >= 3
    exempt = [g.transcript for g in varied if g.transcript.learner.exempt_from_assessment]
    assert exempt
    assert all(t.results is None for t in exempt)


def test_ages_fit_the_grade(varied: list[Generated]) -> None:
    for g in varied:
        t = g.transcript
        age = _age_on_5_september(t)
        assert 5 <= age <= 25
        if t.header.level is not SchoolLevel.CONTINUING:
            assert t.header.grade + 4 <= age <= t.header.grade + 6, t.header.record_id
    first_graders = [
        _age_on_5_september(g.transcript) for g in varied if g.transcript.header.grade == 1
    ]
    assert Counter(first_graders).most_common(1)[0][0] in (5, 6)


def test_school_codes_follow_the_province_code_valid_on_ngaylap(
    varied: list[Generated], codes: CodeLists
) -> None:
    settings = GenSettings()
    prefixes = set()
    for g in varied:
        header = g.transcript.header
        assert settings.first_issue_date <= header.issue_date <= settings.today
        valid = codes.department_codes_on(header.issue_date)
        assert header.department_code in valid
        assert header.school_code[:2] == header.department_code
        assert re.fullmatch(r"\d{8}", header.school_code)
        assert re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", header.record_id)
        prefixes.add(header.department_code)
    # Province 36 (Nam Định) became 37 (Ninh Bình) on 1 July 2025: both appear.
    assert prefixes == {"36", "37"}


def test_subjects_are_allowed_and_complete_for_the_grade(
    small: list[Generated], codes: CodeLists
) -> None:
    for g in small:
        t, grade = g.transcript, g.transcript.header.grade
        if isinstance(t.results, PrimaryResults):
            taught = {s.code for s in t.results.subjects}
            table = codes.primary_subjects
            assert all(table[c].allowed_in(grade) for c in taught)
            assert {c for c, s in table.items() if grade in s.grades} <= taught
            for s in t.results.subjects:
                assert (s.test_score is not None) == table[s.code].has_test(grade)
        elif isinstance(t.results, SecondaryResults):
            taught = {s.code for s in t.results.subjects}
            sec = codes.secondary_subjects
            assert all(sec[c].allowed_in(grade) for c in taught)
            compulsory = {c for c, s in sec.items() if grade in s.grades}
            if grade >= 10:
                compulsory = {c for c in compulsory if not sec[c].upper_elective}
                chosen = {c for c in taught if sec[c].upper_elective}
                assert len(chosen) == codes.upper_secondary_electives
            assert compulsory <= taught
            for s in t.results.subjects:
                assert s.form is sec[s.code].form
                if isinstance(s, ScoredSubject):
                    minimum = sec[s.code].min_regular_scores(grade)
                    assert len(s.semester1.regular) >= minimum
                    assert len(s.semester2.regular) >= minimum


def test_scores_have_one_decimal_and_a_spread(small: list[Generated]) -> None:
    scores = [
        score
        for g in small
        if isinstance(g.transcript.results, SecondaryResults)
        for s in g.transcript.results.subjects
        if isinstance(s, ScoredSubject)
        for sem in (s.semester1, s.semester2)
        for score in (*sem.regular, sem.midterm, sem.final)
    ]
    assert all(0 <= x <= 10 and x == x.quantize(x.__class__("0.1")) for x in scores)
    assert min(scores) < 5
    assert max(scores) > 9


def test_names_are_nfc_vietnamese_with_diacritics(varied: list[Generated]) -> None:
    names = []
    for g in varied:
        t = g.transcript
        learner = t.learner
        names += [learner.full_name, t.confirmation.homeroom_teacher.name]
        names += [t.confirmation.principal.name]
        names += [n for n in (learner.father, learner.mother, learner.guardian) if n]
    for name in names:
        assert unicodedata.is_normalized("NFC", name), name
        assert _NAME.fullmatch(name), name
    with_diacritics = sum(not name.isascii() for name in names)
    assert with_diacritics > 0.8 * len(names)
    families = Counter(g.transcript.learner.full_name.split()[0] for g in varied)
    assert families.most_common(1)[0][0] == "Nguyễn"


@pytest.mark.parametrize("level", list(SchoolLevel))
def test_roster_matches_the_documents(small: list[Generated], level: SchoolLevel) -> None:
    for g in small:
        t = g.transcript
        if t.header.level is not level:
            continue
        assert g.roster is not None
        assert g.roster.learner_code == t.learner.learner_code
        assert g.roster.personal_id == t.learner.personal_id
        assert g.roster.full_name == t.learner.full_name
        assert g.roster.birth_date == t.learner.birth_date.isoformat()
        assert (g.roster.school_code, g.roster.class_name) == (
            t.header.school_code,
            t.header.class_name,
        )


def test_every_outcome_appears(varied: list[Generated]) -> None:
    """Repeaters, re-tests (with SauKiemTraLai), summer training, titles, every primary grade."""
    secondary = [g.transcript.results for g in varied]
    conclusions = {r.conclusion for r in secondary if isinstance(r, SecondaryResults)}
    assert {c.value for c in conclusions} == {"LEN_LOP", "O_LAI", "REN_LUYEN_HE", "KIEM_TRA_LAI"}
    retested = [
        r
        for r in secondary
        if isinstance(r, SecondaryResults) and r.learning.after_summer is not None
    ]
    assert retested
    for r in retested:
        assert any(
            getattr(s, "retest_score", None) or getattr(s, "retest_result", None)
            for s in r.subjects
        )
    titles = {r.title for r in secondary if isinstance(r, SecondaryResults)}
    assert {t.value if t else None for t in titles} == {None, "HSG", "HSXS"}
    evaluations = {r.evaluation.value for r in secondary if isinstance(r, PrimaryResults)}
    assert evaluations == {"HTXS", "HTT", "HT", "CHT"}
