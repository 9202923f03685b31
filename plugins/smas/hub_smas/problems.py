"""The SMAS source's own problems: codes, and the constructors that word them.

Each keeps its place in `location` (a `Provenance` with the request and the pupil) and its
messages say what is wrong and what to do, in Vietnamese and English, never where.
"""

from __future__ import annotations

from hub.api import Problem, Provenance, Severity

SCHOOL_REFUSED = "SMAS_SCHOOL_REFUSED"  # a 401: the school's key, secret or clock
SCHOOL_FAILED = "SMAS_SCHOOL_FAILED"  # the school's own answers failed after their retries
CLASS_FAILED = "SMAS_CLASS_FAILED"  # a class's answer failed after its retries
OLD_MARK_KINDS = "SMAS_OLD_MARK_KINDS"  # M, P, V, HK (before Thông tư 22) and no mapping
NOT_STUDYING = "SMAS_PUPIL_NOT_STUDYING"  # status 2 (moved away) or 3 (dropped out)
NOT_IN_CLASS = "SMAS_PUPIL_NOT_IN_CLASS_LIST"  # in a markbook or results, not in the class
MISSING_ROW = "SMAS_PUPIL_MISSING_FROM_ANSWER"  # in the class, not in a markbook or results
TOO_FEW_TX = "SMAS_TOO_FEW_TX"  # fewer ĐĐGtx than the subject's periods require
BAD_SHAPE = "SMAS_UNEXPECTED_ANSWER"  # an answer not shaped as the spec says

STATUS_WORDS = {2: ("đã chuyển đi", "moved away"), 3: ("đã thôi học", "dropped out")}


def problem(
    code: str,
    where: Provenance,
    found: str,
    expected: str,
    vi: str,
    en: str,
    key: str | None,
    severity: Severity = Severity.ERROR,
    school: tuple[str, str] | None = None,
) -> Problem:
    return Problem.at(code, where, found, expected, vi, en, severity, key, school)
