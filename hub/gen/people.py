"""Learners, parents and teachers: identities consistent with codes.md.

The personal ID (SoDinhDanh, `PPP G YY RRRRRR`) is derived from what it encodes: the OLD code of
the province the birth was registered in (old codes stay in IDs for ever), the century-and-sex
digit, the birth year, and six digits that are a bijection of the learner's position, so that
no two learners of one generated province share an ID (the sector database could not hold them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from hub.codes import CodeLists
from hub.gen import names
from hub.model import ForeignDocument, ForeignDocumentKind, Learner, Sex, Teacher

COMMUNES = (
    "Phường Hòa Bình",
    "Phường Trần Hưng Đạo",
    "Phường Quang Trung",
    "Phường Lê Lợi",
    "Phường Bến Thành",
    "Xã An Phú",
    "Xã Tân Lập",
    "Xã Hòa An",
    "Xã Yên Thọ",
    "Xã Phú Lộc",
    "Xã Nghĩa Hưng",
    "Xã Đông Sơn",
    "Thị trấn Ngọc Lặc",
)

# Common ethnic minorities weighted as they appear in schools; others are drawn rarely.
_MINORITY_COMMON = ("02", "03", "06", "05", "08", "07", "09", "04", "10", "12", "17")
_POLICY_GROUPS = ("Con thương binh", "Hộ nghèo", "Hộ cận nghèo", "Con liệt sĩ", "Mồ côi")
_ID_MULTIPLIER = 388_481  # odd and not a multiple of 5: a bijection modulo 10**6


def personal_id(birth_province: str, sex: Sex, birth_year: int, position: int, salt: int) -> str:
    """SoDinhDanh from its parts (codes.md); `position` must be below 10**6.

    The six free digits are an affine bijection of `position` modulo 10**6 shifted by `salt`
    (drawn from the seed), so distinct positions never share digits and seeds differ.
    """
    century = (birth_year // 100) - 19  # 1900s → 0, 2000s → 1, 2100s → 2
    sex_digit = 2 * century + (0 if sex is Sex.MALE else 1)
    serial = (position * _ID_MULTIPLIER + salt) % 1_000_000
    return f"0{birth_province}{sex_digit}{birth_year % 100:02d}{serial:06d}"


@dataclass(frozen=True, slots=True)
class LearnerContext:
    """What a learner's identity depends on besides their own random stream."""

    codes: CodeLists
    province: str  # OLD code of the schools' province
    first_year: int  # first year of NamHoc
    grade: int
    continuing: bool  # GDTX learners are often older than the grade's age
    id_position: int  # unique across the province (see personal_id)
    id_salt: int  # drawn from the seed, shifts every serial
    foreign_rate: float
    minority_rate: float
    exempt_rate: float


def make_learner(rng: random.Random, learner_code: str, ctx: LearnerContext) -> Learner:
    """One learner's identity, parents and places, drawn from `rng` alone."""
    sex = Sex.MALE if rng.random() < 0.51 else Sex.FEMALE
    birth = _birth_date(rng, ctx)
    exempt = rng.random() < ctx.exempt_rate
    if rng.random() < ctx.foreign_rate:
        return _foreign_learner(rng, learner_code, sex, birth, exempt, ctx)
    ethnicity = "01"
    if rng.random() < ctx.minority_rate:
        ethnicity = (
            rng.choice(_MINORITY_COMMON)
            if rng.random() < 0.9
            else rng.choice([c for c in ctx.codes.ethnic_groups if c not in ("01", "55")])
        )
    born_here = rng.random() < 0.9
    birth_province = ctx.province if born_here else rng.choice(tuple(ctx.codes.old_provinces))
    family = names.family_name(rng, ethnicity)
    father, mother, guardian = _parents(rng, family, ethnicity)
    province_name = ctx.codes.old_provinces[ctx.province]
    return Learner(
        learner_code=learner_code,
        personal_id=personal_id(birth_province, sex, birth.year, ctx.id_position, ctx.id_salt),
        full_name=names.full_name(rng, sex, family, ethnicity),
        birth_date=birth,
        sex=sex,
        ethnicity=ethnicity,
        nationality="VN",
        birthplace=f"{rng.choice(COMMUNES)}, {ctx.codes.old_provinces[birth_province]}",
        residence=f"{rng.choice(COMMUNES)}, {province_name}",
        hometown=f"{rng.choice(COMMUNES)}, {province_name}" if rng.random() < 0.7 else None,
        policy_group=rng.choice(_POLICY_GROUPS) if rng.random() < 0.03 else None,
        father=father,
        mother=mother,
        guardian=guardian,
        exempt_from_assessment=exempt,
    )


def _birth_date(rng: random.Random, ctx: LearnerContext) -> date:
    """Grade 1 learners turn 6 in the first year of NamHoc; some are a year or more older."""
    age_in_year = ctx.grade + 5
    if ctx.continuing:
        age_in_year += rng.choice((0, 0, 1, 2, 3, 4))
    elif rng.random() < 0.03:
        age_in_year += 1
    year = ctx.first_year - age_in_year
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _parents(
    rng: random.Random, family: str, ethnicity: str
) -> tuple[str | None, str | None, str | None]:
    """Father (the learner's family name), mother, and now and then a guardian instead."""
    roll = rng.random()
    mother = names.full_name(rng, Sex.FEMALE, None, ethnicity)
    if roll < 0.03:  # raised by a grandparent or relative
        return None, None, names.full_name(rng, Sex.MALE, family, ethnicity)
    if roll < 0.10:  # single mother
        return None, mother, None
    return names.full_name(rng, Sex.MALE, family, ethnicity), mother, None


def _foreign_learner(
    rng: random.Random, learner_code: str, sex: Sex, birth: date, exempt: bool, ctx: LearnerContext
) -> Learner:
    country = rng.choice(tuple(names.FOREIGN))
    country_name, families, _ = names.FOREIGN[country]
    family = rng.choice(families)
    if rng.random() < 0.6:
        document = ForeignDocument(
            ForeignDocumentKind.PASSPORT, f"M{rng.randrange(10**7, 10**8)}", country
        )
    else:
        document = ForeignDocument(
            ForeignDocumentKind.RESIDENCE_CARD, f"TT{rng.randrange(10**8, 10**9)}", "VN"
        )
    return Learner(
        learner_code=learner_code,
        personal_id=None,
        full_name=names.foreign_name(rng, country, family),
        birth_date=birth,
        sex=sex,
        ethnicity="55",
        nationality=country,
        birthplace=country_name,
        residence=f"{rng.choice(COMMUNES)}, {ctx.codes.old_provinces[ctx.province]}",
        foreign_document=document,
        father=names.foreign_name(rng, country, family),
        mother=names.foreign_name(rng, country),
        exempt_from_assessment=exempt,
    )


def make_teacher(rng: random.Random, code: str) -> Teacher:
    """A teacher with a Vietnamese name and the school's staff code."""
    sex = Sex.FEMALE if rng.random() < 0.7 else Sex.MALE  # most teachers are women
    return Teacher(names.full_name(rng, sex), code)
