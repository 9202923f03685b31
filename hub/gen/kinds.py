"""The defects the generator can inject, and the ledger entry that records each one.

A defect is a deliberate mistake with a known answer: the ledger says which transcript carries
it and which finding (ministry code and XPath, hub/xpath.py's style) a correct checker must
report. Document-side defects change the transcript; roster-side defects change only the
sector-database roster, and are found later by the ministry sandbox's identity checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.model import Sex, Transcript


class DefectKind(StrEnum):
    """Each kind of defect, with its value as written on the command line (`--defect KIND=RATE`)."""

    MISSING_ID = "missing-id"  # Vietnamese learner without SoDinhDanh
    MALFORMED_ID = "malformed-id"  # SoDinhDanh not 12 digits / bad province
    ID_INCONSISTENT = "id-inconsistent"  # SoDinhDanh disagrees with sex or birth year
    WRONG_SEMESTER_AVERAGE = "wrong-semester-average"
    WRONG_YEAR_AVERAGE = "wrong-year-average"
    WRONG_LEARNING_LEVEL = "wrong-learning-level"
    WRONG_CONCLUSION = "wrong-conclusion"
    WRONG_TITLE = "wrong-title"
    TOO_FEW_REGULAR_SCORES = "too-few-regular-scores"
    SCORE_OUT_OF_RANGE = "score-out-of-range"
    SUBJECT_NOT_ALLOWED = "subject-not-allowed"
    MISSING_COMPULSORY_SUBJECT = "missing-compulsory-subject"  # a class file without a sheet
    FOREIGN_WITHOUT_DOCUMENTS = "foreign-without-documents"
    WRONG_PRIMARY_EVALUATION = "wrong-primary-evaluation"
    MISSING_PRIMARY_TEST_SCORE = "missing-primary-test-score"
    ROSTER_NAME_DIFFERS = "roster-name-differs"
    NOT_IN_SECTOR_DATABASE = "not-in-sector-database"
    NOT_ENROLLED_AT_SCHOOL = "not-enrolled-at-school"

    @property
    def expected_code(self) -> str:
        """The ministry error code (ministry-service.md) a checker must report for it."""
        return EXPECTED_CODE[self]

    @property
    def roster_side(self) -> bool:
        """True when the defect lives in the roster, not in the document."""
        return self in ROSTER_SIDE


EXPECTED_CODE: dict[DefectKind, str] = {
    DefectKind.MISSING_ID: "HB101",
    DefectKind.MALFORMED_ID: "HB102",
    DefectKind.ID_INCONSISTENT: "HB102",
    DefectKind.WRONG_SEMESTER_AVERAGE: "HB201",
    DefectKind.WRONG_YEAR_AVERAGE: "HB201",
    DefectKind.WRONG_LEARNING_LEVEL: "HB201",
    DefectKind.WRONG_CONCLUSION: "HB201",
    DefectKind.WRONG_TITLE: "HB201",
    DefectKind.TOO_FEW_REGULAR_SCORES: "HB202",
    DefectKind.SCORE_OUT_OF_RANGE: "HB202",
    DefectKind.SUBJECT_NOT_ALLOWED: "HB202",
    DefectKind.MISSING_COMPULSORY_SUBJECT: "HB202",
    DefectKind.FOREIGN_WITHOUT_DOCUMENTS: "HB101",
    DefectKind.WRONG_PRIMARY_EVALUATION: "HB201",
    DefectKind.MISSING_PRIMARY_TEST_SCORE: "HB202",
    DefectKind.ROSTER_NAME_DIFFERS: "HB104",
    DefectKind.NOT_IN_SECTOR_DATABASE: "HB103",
    DefectKind.NOT_ENROLLED_AT_SCHOOL: "HB105",
}

ROSTER_SIDE = frozenset(
    {
        DefectKind.ROSTER_NAME_DIFFERS,
        DefectKind.NOT_IN_SECTOR_DATABASE,
        DefectKind.NOT_ENROLLED_AT_SCHOOL,
    }
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One injected defect: which transcript, what kind, and the finding it must produce."""

    record_id: str  # MaHoSo of the transcript
    school_code: str  # MaTruong, to find the file under OUT_DIR/<MaTruong>/
    kind: DefectKind
    code: str  # expected ministry code
    xpath: str  # expected XPath of the finding
    detail: str  # what was changed, for a person reading defects.json

    def as_json(self) -> dict[str, str]:
        """The shape written to defects.json."""
        return {
            "MaHoSo": self.record_id,
            "MaTruong": self.school_code,
            "kind": self.kind.value,
            "code": self.code,
            "xpath": self.xpath,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A learner as the sector database holds them (what TraCuuHocSinh answers)."""

    learner_code: str  # MaHocSinh
    personal_id: str | None  # SoDinhDanh
    full_name: str  # HoVaTen
    birth_date: str  # NgaySinh, ISO date
    sex: Sex  # GioiTinh
    school_code: str  # MaTruong of the current enrolment
    school_year: str  # NamHoc
    class_name: str  # TenLop

    def as_json(self) -> dict[str, str | None]:
        return {
            "MaHocSinh": self.learner_code,
            "SoDinhDanh": self.personal_id,
            "HoVaTen": self.full_name,
            "NgaySinh": self.birth_date,
            "GioiTinh": self.sex.value,
            "MaTruong": self.school_code,
            "NamHoc": self.school_year,
            "TenLop": self.class_name,
        }


@dataclass(frozen=True, slots=True)
class Injected:
    """The outcome of one injection: the changed transcript and roster entry, and the finding."""

    transcript: Transcript
    roster: RosterEntry | None
    xpath: str
    detail: str
