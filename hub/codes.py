"""The code lists of shared/spec/codes.md, loaded from mappings/codes/ and checked on load.

The lists are data, not code, so that a province can correct a subject's periods or a new
province code without a release. They are read once per process (`load_codes()` is cached)
and handed to the rules and the generator as one immutable `CodeLists`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from hub.datafiles import load_checked, mappings_dir
from hub.errors import DataFileError
from hub.model import AssessmentForm, SchoolLevel


@dataclass(frozen=True, slots=True)
class PrimarySubjectCode:
    """A primary subject: the grades it is taught in and from which grade it has a test."""

    code: str
    name: str
    grades: range  # compulsory grades (empty when elective only)
    elective_grades: range
    test_from_grade: int | None

    def allowed_in(self, grade: int) -> bool:
        return grade in self.grades or grade in self.elective_grades

    def has_test(self, grade: int) -> bool:
        return self.test_from_grade is not None and grade >= self.test_from_grade


@dataclass(frozen=True, slots=True)
class SecondarySubjectCode:
    """A secondary subject: its form and periods per year by grade."""

    code: str
    name: str
    grades: range
    elective_grades: range
    form: AssessmentForm
    upper_elective: bool
    periods: tuple[tuple[range, int], ...]

    def allowed_in(self, grade: int) -> bool:
        return grade in self.grades or grade in self.elective_grades

    def periods_per_year(self, grade: int) -> int:
        for grades, per_year in self.periods:
            if grade in grades:
                return per_year
        return self.periods[-1][1]

    def min_regular_scores(self, grade: int) -> int:
        """Minimum DDGtx per semester: ≤ 35 periods → 2; 36–70 → 3; > 70 → 4."""
        periods = self.periods_per_year(grade)
        if periods <= 35:
            return 2
        if periods <= 70:
            return 3
        return 4


@dataclass(frozen=True, slots=True)
class CodeLists:
    """Every code list the rules and the generator need."""

    primary_subjects: dict[str, PrimarySubjectCode]
    secondary_subjects: dict[str, SecondarySubjectCode]
    upper_secondary_electives: int
    qualities: dict[str, str]
    competencies: dict[str, str]
    ethnic_groups: dict[str, str]
    old_provinces: dict[str, str]
    new_provinces: dict[str, str]
    province_successor: dict[str, str]  # old code → new code that absorbed it
    province_reform_date: date

    def compulsory_subjects(
        self, level: SchoolLevel, grade: int
    ) -> tuple[PrimarySubjectCode | SecondarySubjectCode, ...]:
        """The subjects every learner of `grade` at `level` must carry (assessment-rules.md).

        Primary and lower secondary: each subject taught in the grade that is not elective
        there. Upper secondary: its common subjects; at least `upper_secondary_electives` of
        `upper_optional_subjects()` come on top. GDTX (CapHoc 05) follows lower secondary in
        grades 6–9 and upper secondary in 10–12 (`follows_upper_secondary`).
        """
        if level.is_primary:
            return tuple(s for s in self.primary_subjects.values() if grade in s.grades)
        upper = follows_upper_secondary(level, grade)
        return tuple(
            s
            for s in self.secondary_subjects.values()
            if grade in s.grades and not (upper and s.upper_elective)
        )

    def upper_optional_subjects(self) -> tuple[SecondarySubjectCode, ...]:
        """The optional group of upper secondary, of which a learner takes at least four."""
        return tuple(s for s in self.secondary_subjects.values() if s.upper_elective)

    def subjects_for(self, level: SchoolLevel) -> dict[str, Any]:
        """The subject table of a level (primary or secondary)."""
        if level.is_primary:
            return dict(self.primary_subjects)
        return dict(self.secondary_subjects)

    def department_codes_on(self, day: date) -> dict[str, str]:
        """Valid MaSoGD on a day: the 63 old codes before the reform, the 34 new ones after."""
        return self.new_provinces if day >= self.province_reform_date else self.old_provinces


FIRST_UPPER_SECONDARY_GRADE = 10


def follows_upper_secondary(level: SchoolLevel, grade: int) -> bool:
    """Whether a learner's subjects follow the upper-secondary curriculum (common + optional).

    Upper secondary always; GDTX (CapHoc 05) from grade 10 on, its grades 6–9 following lower
    secondary (docs/architecture.md, Decisions); primary and lower secondary never.
    """
    if level is SchoolLevel.UPPER_SECONDARY:
        return True
    return level is SchoolLevel.CONTINUING and grade >= FIRST_UPPER_SECONDARY_GRADE


def _range(pair: list[int] | None) -> range:
    return range(pair[0], pair[1] + 1) if pair else range(0)


def _load(folder: Path) -> CodeLists:
    subjects = load_checked(folder / "subjects.yaml", "codes-subjects.schema.json")
    qualities = load_checked(folder / "qualities.yaml", "codes-qualities.schema.json")
    ethnic = load_checked(folder / "ethnic-groups.yaml", "codes-ethnic-groups.schema.json")
    provinces = load_checked(folder / "provinces.yaml", "codes-provinces.schema.json")
    primary = {
        s["code"]: PrimarySubjectCode(
            s["code"],
            s["name"],
            _range(s.get("grades")),
            _range(s.get("elective_grades")),
            s.get("test_from_grade"),
        )
        for s in subjects["primary"]
    }
    secondary = {
        s["code"]: SecondarySubjectCode(
            s["code"],
            s["name"],
            _range(s.get("grades")),
            _range(s.get("elective_grades")),
            AssessmentForm(s["form"]),
            bool(s.get("upper_elective", False)),
            tuple((_range(p["grades"]), int(p["per_year"])) for p in s["periods"]),
        )
        for s in subjects["secondary"]
    }
    _check_curriculum(folder / "subjects.yaml", primary, secondary)
    successor: dict[str, str] = {}
    for new_code, entry in provinces["new"].items():
        for old_code in entry["absorbs"]:
            if old_code not in provinces["old"]:
                raise DataFileError(
                    str(folder / "provinces.yaml"),
                    None,
                    f"tỉnh mới {new_code} gộp mã cũ {old_code} không có trong danh sách cũ",
                    f"new province {new_code} absorbs {old_code}, which is not an old code",
                )
            successor[old_code] = new_code
    return CodeLists(
        primary_subjects=primary,
        secondary_subjects=secondary,
        upper_secondary_electives=int(subjects["upper_secondary_electives"]),
        qualities=dict(qualities["qualities"]),
        competencies=dict(qualities["competencies"]),
        ethnic_groups=dict(ethnic["ethnic_groups"]),
        old_provinces=dict(provinces["old"]),
        new_provinces={code: entry["name"] for code, entry in provinces["new"].items()},
        province_successor=successor,
        province_reform_date=date.fromisoformat(provinces["reform_date"]),
    )


def _check_curriculum(
    path: Path,
    primary: dict[str, PrimarySubjectCode],
    secondary: dict[str, SecondarySubjectCode],
) -> None:
    """What the compulsory-subject rule (HB202) relies on and the schema cannot say.

    A subject is compulsory or elective in a grade, never both; an upper-secondary optional
    subject is taught in grades 10–12, or it would be compulsory there.
    """
    subjects: list[PrimarySubjectCode | SecondarySubjectCode] = [
        *primary.values(),
        *secondary.values(),
    ]
    for subject in subjects:
        both = set(subject.grades) & set(subject.elective_grades)
        if both:
            raise DataFileError(
                str(path),
                None,
                f"môn {subject.code} vừa bắt buộc vừa tự chọn ở lớp {min(both)}; cần một trong "
                "hai (grades hoặc elective_grades)",
                f"subject {subject.code} is both compulsory and elective in grade {min(both)}; "
                "expected one of grades or elective_grades",
            )
    upper = set(range(FIRST_UPPER_SECONDARY_GRADE, 13))
    for subject in secondary.values():
        if subject.upper_elective and not upper <= set(subject.grades):
            raise DataFileError(
                str(path),
                None,
                f"môn {subject.code} có upper_elective nhưng grades không gồm lớp 10–12",
                f"subject {subject.code} is upper_elective but its grades do not cover 10–12",
            )


@cache
def load_codes(folder: Path | None = None) -> CodeLists:
    """Load and check the code lists (cached per folder)."""
    return _load((folder or mappings_dir()) / "codes")
