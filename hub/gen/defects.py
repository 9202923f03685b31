"""Injecting one defect into a clean transcript (or its roster entry) and saying what it is.

Each injector changes the least it can and re-derives everything downstream, so that a
transcript carries exactly one mistake and the ledger's expected finding is the one a correct
checker reports. Defects draw from their own random stream, so turning a defect rate on never
changes the clean data of any learner.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import replace

from hub import xpath
from hub.codes import CodeLists
from hub.gen import result_defects as rd
from hub.gen.kinds import DefectKind, Injected, RosterEntry
from hub.gen.names import GIVEN
from hub.model import PrimaryResults, ScoredSubject, SecondaryResults, Transcript

Injector = Callable[[Transcript, RosterEntry, random.Random, CodeLists], Injected]


def choose_defect(
    rng: random.Random, transcript: Transcript, rates: Mapping[DefectKind, float]
) -> DefectKind | None:
    """At most one defect per transcript; each kind hits its rate of the applicable ones."""
    roll = rng.random()
    for kind in DefectKind:  # enum order, so the choice does not depend on the dict's order
        rate = rates.get(kind, 0.0)
        if rate <= 0 or not APPLIES[kind](transcript):
            continue
        if roll < rate:
            return kind
        roll -= rate
    return None


def inject(
    kind: DefectKind,
    transcript: Transcript,
    roster: RosterEntry,
    rng: random.Random,
    codes: CodeLists,
) -> Injected:
    """Apply `kind` (which must apply to the transcript)."""
    return INJECTORS[kind](transcript, roster, rng, codes)


# --- which transcripts a kind applies to -----------------------------------------------------


def _vietnamese_with_id(t: Transcript) -> bool:
    return t.learner.nationality == "VN" and t.learner.personal_id is not None


def _secondary(t: Transcript) -> bool:
    return isinstance(t.results, SecondaryResults)


def _has_scored(t: Transcript) -> bool:
    return isinstance(t.results, SecondaryResults) and any(
        isinstance(s, ScoredSubject) for s in t.results.subjects
    )


def _primary(t: Transcript) -> bool:
    return isinstance(t.results, PrimaryResults)


def _primary_with_test(t: Transcript) -> bool:
    return isinstance(t.results, PrimaryResults) and any(
        s.test_score is not None for s in t.results.subjects
    )


def _always(t: Transcript) -> bool:
    return True


APPLIES: dict[DefectKind, Callable[[Transcript], bool]] = {
    DefectKind.MISSING_ID: _vietnamese_with_id,
    DefectKind.MALFORMED_ID: _vietnamese_with_id,
    DefectKind.ID_INCONSISTENT: _vietnamese_with_id,
    DefectKind.WRONG_SEMESTER_AVERAGE: _has_scored,
    DefectKind.WRONG_YEAR_AVERAGE: _has_scored,
    DefectKind.WRONG_LEARNING_LEVEL: _secondary,
    DefectKind.WRONG_CONCLUSION: _secondary,
    DefectKind.WRONG_TITLE: _secondary,
    DefectKind.TOO_FEW_REGULAR_SCORES: _has_scored,
    DefectKind.SCORE_OUT_OF_RANGE: _has_scored,
    DefectKind.SUBJECT_NOT_ALLOWED: lambda t: t.results is not None,
    DefectKind.MISSING_COMPULSORY_SUBJECT: lambda t: t.results is not None,
    DefectKind.FOREIGN_WITHOUT_DOCUMENTS: _always,
    DefectKind.WRONG_PRIMARY_EVALUATION: _primary,
    DefectKind.MISSING_PRIMARY_TEST_SCORE: _primary_with_test,
    DefectKind.ROSTER_NAME_DIFFERS: _always,
    DefectKind.NOT_IN_SECTOR_DATABASE: _always,
    DefectKind.NOT_ENROLLED_AT_SCHOOL: _always,
}


# --- identity --------------------------------------------------------------------------------


def _with_learner(t: Transcript, **changes: object) -> Transcript:
    return replace(t, learner=replace(t.learner, **changes))  # type: ignore[arg-type]


def _missing_id(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    return Injected(
        _with_learner(t, personal_id=None), r, xpath.learner("SoDinhDanh"), "SoDinhDanh removed"
    )


def _malformed_id(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    pid = t.learner.personal_id or ""
    how = rng.randrange(3)
    if how == 0:
        bad, detail = pid[:-1], "one digit short"
    elif how == 1:
        bad, detail = pid[:7] + "O" + pid[8:], "a letter O among the digits"
    else:
        bad, detail = "003" + pid[3:], "province prefix 003 is no province"
    return Injected(
        _with_learner(t, personal_id=bad), r, xpath.learner("SoDinhDanh"), f"SoDinhDanh {detail}"
    )


def _inconsistent_id(t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists) -> Injected:
    pid = t.learner.personal_id or ""
    if rng.random() < 0.5:
        sex_digit = int(pid[3]) ^ 1  # male ⇄ female within the same century
        bad, detail = f"{pid[:3]}{sex_digit}{pid[4:]}", "sex digit of the other sex"
    else:
        year = (int(pid[4:6]) + rng.choice((-1, 1))) % 100
        bad, detail = f"{pid[:4]}{year:02d}{pid[6:]}", "birth year digits off by one"
    return Injected(
        _with_learner(t, personal_id=bad), r, xpath.learner("SoDinhDanh"), f"SoDinhDanh {detail}"
    )


def _foreign_without_documents(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    country = t.learner.nationality if t.learner.nationality != "VN" else "KR"
    changed = _with_learner(
        t, nationality=country, ethnicity="55", personal_id=None, foreign_document=None
    )
    # The learner IS foreign here, so the sector database has no personal ID for them either.
    return Injected(
        changed,
        replace(r, personal_id=None),
        xpath.learner("GiayToNuocNgoai"),
        f"foreign learner ({country}) without GiayToNuocNgoai",
    )


# --- roster side: the document is right, the sector database disagrees -----------------------

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


def _roster_name_differs(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    """Drop one tone mark (Nguyễn → Nguyên): the comparison keeps diacritics, so it differs."""
    decomposed = unicodedata.normalize("NFD", r.full_name)
    marks = [i for i, ch in enumerate(decomposed) if ch in _TONE_MARKS]
    if marks:
        i = rng.choice(marks)
        name = unicodedata.normalize("NFC", decomposed[:i] + decomposed[i + 1 :])
    else:  # a name without tone marks (some foreign names): another given name
        words = r.full_name.split(" ")
        words[-1] = rng.choice([g for g in GIVEN[r.sex] if g != words[-1]])
        name = " ".join(words)
    return Injected(t, replace(r, full_name=name), xpath.learner("HoVaTen"), "roster name differs")


def _not_in_sector_database(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    return Injected(t, None, xpath.learner("MaHocSinh"), "learner left out of the roster")


def _not_enrolled_at_school(
    t: Transcript, r: RosterEntry, rng: random.Random, c: CodeLists
) -> Injected:
    # Same province and level, a school number no generated school uses (…9xxxx).
    other = f"{r.school_code[:3]}9{rng.randrange(10_000):04d}"
    return Injected(
        t,
        replace(r, school_code=other),
        xpath.header("MaTruong"),
        "roster enrols the learner at another school",
    )


INJECTORS: dict[DefectKind, Injector] = {
    DefectKind.MISSING_ID: _missing_id,
    DefectKind.MALFORMED_ID: _malformed_id,
    DefectKind.ID_INCONSISTENT: _inconsistent_id,
    DefectKind.WRONG_SEMESTER_AVERAGE: rd.wrong_semester_average,
    DefectKind.WRONG_YEAR_AVERAGE: rd.wrong_year_average,
    DefectKind.WRONG_LEARNING_LEVEL: rd.wrong_learning_level,
    DefectKind.WRONG_CONCLUSION: rd.wrong_conclusion,
    DefectKind.WRONG_TITLE: rd.wrong_title,
    DefectKind.TOO_FEW_REGULAR_SCORES: rd.too_few_regular_scores,
    DefectKind.SCORE_OUT_OF_RANGE: rd.score_out_of_range,
    DefectKind.SUBJECT_NOT_ALLOWED: rd.subject_not_allowed,
    DefectKind.MISSING_COMPULSORY_SUBJECT: rd.missing_compulsory_subject,
    DefectKind.FOREIGN_WITHOUT_DOCUMENTS: _foreign_without_documents,
    DefectKind.WRONG_PRIMARY_EVALUATION: rd.wrong_primary_evaluation,
    DefectKind.MISSING_PRIMARY_TEST_SCORE: rd.missing_primary_test_score,
    DefectKind.ROSTER_NAME_DIFFERS: _roster_name_differs,
    DefectKind.NOT_IN_SECTOR_DATABASE: _not_in_sector_database,
    DefectKind.NOT_ENROLLED_AT_SCHOOL: _not_enrolled_at_school,
}
