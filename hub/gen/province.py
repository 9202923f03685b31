"""The province: schools, classes and learners, generated one learner at a time.

Every random choice comes from a `random.Random` seeded with a string naming what it decides
("seed:level:school:grade:class:learner"), never from a shared stream. So one learner's data does
not depend on how many were generated before, a single school can be generated again on its own
(`generate_school`), and a 100,000-learner province streams in constant memory.

Codes are built from positions so that they are unique and stable for equal settings:
MaTruong = province code valid on NgayLap + CapHoc's last digit + school number (5 digits);
MaHocSinh = OLD province code + CapHoc digit + school (4) + grade (2) + class (2) + learner (3);
MaHoSo = school number part of MaTruong + NamHoc + MaHocSinh, so it does not change when the
province code in MaTruong does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

from hub.codes import CodeLists, follows_upper_secondary, load_codes
from hub.document.text import person_key
from hub.gen import results as res
from hub.gen.defects import choose_defect, inject
from hub.gen.kinds import LedgerEntry, RosterEntry
from hub.gen.names import full_name
from hub.gen.people import LearnerContext, make_learner, make_teacher
from hub.gen.settings import GenSettings
from hub.model import (
    GRADES,
    Confirmation,
    Header,
    PrimaryResults,
    Principal,
    PrincipalTitle,
    SchoolLevel,
    SecondaryResults,
    Sex,
    Teacher,
    Transcript,
)

_NAMESAKES = (
    "Nguyễn Trãi",
    "Lê Quý Đôn",
    "Chu Văn An",
    "Trần Phú",
    "Lê Lợi",
    "Quang Trung",
    "Nguyễn Du",
    "Lý Thường Kiệt",
    "Trần Hưng Đạo",
    "Hai Bà Trưng",
    "Võ Thị Sáu",
    "Kim Đồng",
    "Phan Bội Châu",
    "Ngô Quyền",
    "Lương Thế Vinh",
    "Nguyễn Bỉnh Khiêm",
    "Hoàng Hoa Thám",
    "Đinh Tiên Hoàng",
    "Tô Hiến Thành",
    "Nguyễn Khuyến",
)
_SCHOOL_KIND = {
    SchoolLevel.PRIMARY: "Trường Tiểu học",
    SchoolLevel.LOWER_SECONDARY: "Trường THCS",
    SchoolLevel.UPPER_SECONDARY: "Trường THPT",
}
# In primary the homeroom teacher teaches these; specialists teach the rest.
_HOMEROOM_SUBJECTS = frozenset({"TV", "TOAN", "DD", "TNXH", "LSDL", "KH", "HDTN"})
_ID_SLOT = {  # levels sharing a grade get different slots, keeping SoDinhDanh serials apart
    SchoolLevel.PRIMARY: 0,
    SchoolLevel.LOWER_SECONDARY: 0,
    SchoolLevel.UPPER_SECONDARY: 0,
    SchoolLevel.CONTINUING: 1,
}


@dataclass(frozen=True, slots=True)
class School:
    """A school as one year's documents show it."""

    level: SchoolLevel
    index: int  # 0-based position among the level's schools
    code: str  # MaTruong, with the province code valid on issue_date
    name: str  # TenTruong
    department_code: str  # MaSoGD
    place_of_issue: str  # DiaDanhPhatHanh
    issue_date: date  # NgayLap of the school's documents
    principal: Principal
    teachers: tuple[Teacher, ...]  # the staff the classes draw their teachers from

    @property
    def number(self) -> str:
        """The part of MaTruong that does not change with the province reform."""
        return self.code[2:]


@dataclass(frozen=True, slots=True)
class Generated:
    """One learner's output: the transcript, the sector database's row, the defect if any."""

    transcript: Transcript
    roster: RosterEntry | None  # None when the learner is left out of the sector database
    defect: LedgerEntry | None


def make_school(settings: GenSettings, codes: CodeLists, level: SchoolLevel, index: int) -> School:
    """The school `index` of `level`: its code, name, issue date and staff."""
    rng = random.Random(f"{settings.seed}:{level.value}:{index}:school")
    span = (settings.today - settings.first_issue_date).days
    issue = settings.first_issue_date + timedelta(days=rng.randrange(span + 1))
    reformed = issue >= codes.province_reform_date
    province = codes.province_successor[settings.province] if reformed else settings.province
    provinces = codes.new_provinces if reformed else codes.old_provinces
    code = f"{province}{level.value[-1]}{index + 1:05d}"
    if level is SchoolLevel.CONTINUING:
        name = f"Trung tâm GDNN-GDTX số {index + 1}"
    else:
        namesake = _NAMESAKES[index % len(_NAMESAKES)]
        round_ = index // len(_NAMESAKES)
        name = f"{_SCHOOL_KIND[level]} {namesake}" + (f" số {round_ + 1}" if round_ else "")
    staff = max(6, len(GRADES[level]) * settings.classes_per_grade * 2)
    # No two people of a school share a name: certificates are matched to the people a
    # document names by name alone (HB006, version 1.0.1), so namesakes could not be told
    # apart when signing. A name already taken is drawn again.
    taken: set[str] = set()
    teachers = tuple(
        _unique(taken, partial(make_teacher, rng, f"GV{code[2:]}{n + 1:04d}")) for n in range(staff)
    )
    title = PrincipalTitle.VICE_PRINCIPAL if rng.random() < 0.2 else PrincipalTitle.PRINCIPAL
    principal_sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
    principal = _unique(taken, lambda: Principal(full_name(rng, principal_sex), title))
    return School(
        level, index, code, name, province, provinces[province], issue, principal, teachers
    )


_Person = TypeVar("_Person", Teacher, Principal)


def _unique(taken: set[str], draw: Callable[[], _Person]) -> _Person:
    """A person whose name (as signatures compare names) no one in `taken` has; adds it."""
    person = draw()
    while person_key(person.name) in taken:
        person = draw()
    taken.add(person_key(person.name))
    return person


def class_plan(
    settings: GenSettings, codes: CodeLists, school: School, grade: int, number: int
) -> tuple[str, Teacher, res.ClassPlan]:
    """A class's name, homeroom teacher, subjects and subject teachers."""
    rng = random.Random(f"{settings.seed}:{school.level.value}:{school.index}:{grade}:{number}")
    homeroom = rng.choice(school.teachers)
    teachers: dict[str, Teacher] = {}
    # Every compulsory subject of the grade, by the very list the HB202 rule checks, so that no
    # learner lacks one by accident (hub.rules.compulsory); electives are drawn on top.
    taught = {s.code for s in codes.compulsory_subjects(school.level, grade)}
    if school.level.is_primary:
        primary = tuple(
            s
            for s in codes.primary_subjects.values()
            if s.code in taught
            or (s.allowed_in(grade) and rng.random() < (0.5 if s.code == "NN1" else 0.05))
        )
        for s in primary:
            in_homeroom = s.code in _HOMEROOM_SUBJECTS
            teachers[s.code] = homeroom if in_homeroom else rng.choice(school.teachers)
        return f"{grade}A{number + 1}", homeroom, res.ClassPlan(primary, (), teachers)
    if follows_upper_secondary(school.level, grade):  # one combination of electives (tổ hợp môn)
        pool = sorted(s.code for s in codes.upper_optional_subjects())
        taught |= set(rng.sample(pool, codes.upper_secondary_electives))
    secondary = tuple(
        s
        for s in codes.secondary_subjects.values()
        if s.code in taught or (not s.grades and s.allowed_in(grade) and rng.random() < 0.04)
    )
    for subject in secondary:
        teachers[subject.code] = rng.choice(school.teachers)
    return f"{grade}A{number + 1}", homeroom, res.ClassPlan((), secondary, teachers)


def generate_school(
    settings: GenSettings, level: SchoolLevel, index: int, codes: CodeLists | None = None
) -> Iterator[Generated]:
    """Every learner of one school, the same as inside `generate` with equal settings."""
    codes = codes or load_codes()
    school = make_school(settings, codes, level, index)
    per_class = settings.learners_per_class
    for grade in GRADES[level]:
        for number in range(settings.classes_per_grade):
            class_name, homeroom, plan = class_plan(settings, codes, school, grade, number)
            confirmation = Confirmation(homeroom, school.principal)
            for seq in range(per_class):
                # Two levels share each grade (03/05, 04/05): interleave them.
                place = (index * settings.classes_per_grade + number) * per_class + seq
                position = place * 2 + _ID_SLOT[level]
                where = _Where(school, grade, number, seq, position, class_name)
                yield _learner(settings, codes, where, confirmation, plan)


def generate(settings: GenSettings, codes: CodeLists | None = None) -> Iterator[Generated]:
    """Every learner of the province, school by school, streaming."""
    codes = codes or load_codes()
    settings.check(codes)
    for level in settings.levels:
        for index in range(settings.schools):
            yield from generate_school(settings, level, index, codes)


@dataclass(frozen=True, slots=True)
class _Where:
    """A learner's place in the province."""

    school: School
    grade: int
    number: int  # class, 0-based
    seq: int  # learner in the class, 0-based
    position: int  # unique within the grade across the province
    class_name: str


def _learner(
    settings: GenSettings,
    codes: CodeLists,
    where: _Where,
    confirmation: Confirmation,
    plan: res.ClassPlan,
) -> Generated:
    school, grade, number, seq = where.school, where.grade, where.number, where.seq
    class_name = where.class_name
    key = f"{settings.seed}:{school.level.value}:{school.index}:{grade}:{number}:{seq}"
    rng = random.Random(key)
    level = school.level
    learner_code = (
        f"{settings.province}{level.value[-1]}{school.index + 1:04d}"
        f"{grade:02d}{number + 1:02d}{seq + 1:03d}"
    )
    context = LearnerContext(
        codes,
        settings.province,
        settings.first_year,
        grade,
        level is SchoolLevel.CONTINUING,
        where.position * 13 + grade,
        random.Random(f"{settings.seed}:id-salt").randrange(1_000_000),
        settings.foreign_rate,
        settings.minority_rate,
        settings.exempt_rate,
    )
    learner = make_learner(rng, learner_code, context)
    results: PrimaryResults | SecondaryResults | None = None
    if not learner.exempt_from_assessment:
        if level.is_primary:
            ability = min(9.9, max(3.0, rng.gauss(7.9, 1.2)))
            results = res.draw_primary(rng, plan, grade, ability, codes)
        else:
            ability = min(9.7, max(2.5, rng.gauss(7.1, 1.05)))
            results = res.draw_secondary(rng, plan, grade, ability)
    header = Header(
        record_id=f"{school.number}-{settings.school_year}-{learner_code}",
        school_year=settings.school_year,
        level=level,
        grade=grade,
        class_name=class_name,
        school_code=school.code,
        school_name=school.name,
        department_code=school.department_code,
        place_of_issue=school.place_of_issue,
        issue_date=school.issue_date,
    )
    transcript = Transcript(header, learner, results, confirmation)
    roster: RosterEntry | None = RosterEntry(
        learner.learner_code,
        learner.personal_id,
        learner.full_name,
        learner.birth_date.isoformat(),
        learner.sex,
        school.code,
        settings.school_year,
        class_name,
    )
    if not settings.defects:
        return Generated(transcript, roster, None)
    defect_rng = random.Random(f"{key}:defect")
    kind = choose_defect(defect_rng, transcript, settings.defects)
    if kind is None:
        return Generated(transcript, roster, None)
    assert roster is not None
    injected = inject(kind, transcript, roster, defect_rng, codes)
    entry = LedgerEntry(
        header.record_id, school.code, kind, kind.expected_code, injected.xpath, injected.detail
    )
    return Generated(injected.transcript, injected.roster, entry)
