"""What to generate: the province, its size, the year, the fixed "today" and the defect rates.

"today" is a parameter with a fixed default, never the clock: the same settings must give the
same bytes next year too, and NgayLap (which decides the old or new province code of MaTruong
and MaSoGD) is drawn between 1 April of the year's second half and this day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hub.codes import CodeLists
from hub.errors import UsageError
from hub.gen.kinds import DefectKind
from hub.model import GRADES, SchoolLevel

DEFAULT_TODAY = date(2025, 9, 30)
"""Late enough in 2025 that a 2024-2025 province issues documents both before and after the
1 July 2025 province reform, so both code sets appear."""

ALL_LEVELS = (
    SchoolLevel.PRIMARY,
    SchoolLevel.LOWER_SECONDARY,
    SchoolLevel.UPPER_SECONDARY,
    SchoolLevel.CONTINUING,
)

# Field widths inside MaHocSinh and MaTruong (hub.gen.province): the limits keep codes unique.
MAX_SCHOOLS = 9999
MAX_CLASSES = 99
MAX_LEARNERS = 999
MAX_PER_GRADE = 76_000
"""SoDinhDanh's six free digits come from a bijection of (position in grade × 13 + grade), which
stays collision-free below 10**6 / 13 learners per grade."""


@dataclass(frozen=True)
class GenSettings:
    """Parameters of one generated province; equal settings give equal transcripts.

    Attributes:
        seed: the root of every random choice.
        province: the OLD province code (codes.md) the schools are in; birth registrations use
            it too, except for learners born elsewhere.
        school_year: NamHoc, "2024-2025".
        levels: the CapHoc to generate schools for.
        schools: schools per level.
        classes_per_grade: classes in each grade of each school.
        learners_per_class: learners in each class.
        today: the last possible NgayLap; never the clock, so runs are reproducible.
        defects: rate (0..1) of applicable transcripts that get each defect kind; at most one
            defect per transcript, so the rates must add up to at most 1.
        foreign_rate, minority_rate, exempt_rate: shares of foreign, ethnic-minority and
            assessment-exempt learners.
    """

    seed: int = 0
    province: str = "36"
    school_year: str = "2024-2025"
    levels: tuple[SchoolLevel, ...] = ALL_LEVELS
    schools: int = 1
    classes_per_grade: int = 1
    learners_per_class: int = 30
    today: date = DEFAULT_TODAY
    defects: Mapping[DefectKind, float] = field(default_factory=dict)
    foreign_rate: float = 0.005
    minority_rate: float = 0.06
    exempt_rate: float = 0.003

    @property
    def first_year(self) -> int:
        return int(self.school_year[:4])

    @property
    def first_issue_date(self) -> date:
        """NgayLap may not be before 1 April of the second year of NamHoc."""
        return date(self.first_year + 1, 4, 1)

    def learner_count(self) -> int:
        """How many transcripts the settings produce (for progress bars and summaries)."""
        per_school = self.classes_per_grade * self.learners_per_class
        return sum(len(GRADES[level]) * per_school * self.schools for level in self.levels)

    def check(self, codes: CodeLists) -> None:
        """Refuse settings that would make invalid or colliding codes, with a precise reason."""
        if (
            not re.fullmatch(r"\d{4}-\d{4}", self.school_year)
            or int(self.school_year[5:]) != self.first_year + 1
        ):
            _refuse(
                f"năm học '{self.school_year}' phải có dạng YYYY-YYYY, năm sau = năm trước + 1",
                f"school year '{self.school_year}' must be YYYY-YYYY with consecutive years",
            )
        if self.province not in codes.old_provinces:
            _refuse(
                f"mã tỉnh '{self.province}' không có trong danh sách 63 mã cũ (codes.md)",
                f"province '{self.province}' is not one of the 63 old codes (codes.md)",
            )
        if self.today < self.first_issue_date:
            _refuse(
                f"ngày hiện tại {self.today} trước {self.first_issue_date}: chưa được lập học bạ",
                f"today {self.today} is before {self.first_issue_date}: no NgayLap possible yet",
            )
        for name, value, limit in (
            ("schools", self.schools, MAX_SCHOOLS),
            ("classes-per-grade", self.classes_per_grade, MAX_CLASSES),
            ("learners-per-class", self.learners_per_class, MAX_LEARNERS),
        ):
            if not 1 <= value <= limit:
                _refuse(f"{name} phải từ 1 đến {limit}", f"{name} must be 1..{limit}")
        per_grade = self.schools * self.classes_per_grade * self.learners_per_class * 2
        if per_grade > MAX_PER_GRADE:
            _refuse(
                f"quá nhiều học sinh mỗi khối ({per_grade} > {MAX_PER_GRADE})",
                f"too many learners per grade ({per_grade} > {MAX_PER_GRADE})",
            )
        for kind, rate in self.defects.items():
            if not 0 <= rate <= 1:
                _refuse(f"tỉ lệ lỗi {kind} = {rate} ngoài 0..1", f"defect rate {kind}={rate}")
        if sum(self.defects.values()) > 1:
            _refuse(
                "tổng tỉ lệ lỗi vượt quá 1 (mỗi học bạ mang tối đa một lỗi)",
                "defect rates add up to more than 1 (one defect per transcript at most)",
            )


def _refuse(message_vi: str, message_en: str) -> None:
    raise UsageError(message_vi, message_en)
