"""A generated province's schools, one list of transcripts per school, for vendor simulators.

A vendor's simulator (the vnEdu one, `hub vnedu-sim init`) serves several schools of several
levels, with foreign and assessment-exempt learners among them, from the hub's deterministic
generator (`hub gen`): the same arguments give the same learners, so a test can say which
learner it expects where. `sample_transcripts` gives one school; this gives a province.
The generator's settings and stream (`GenSettings`, `Generated`, `generate`) are re-exported
unchanged (hub.gen documents them), for a simulator that walks the province itself (SMAS).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from hub.codes import load_codes
from hub.gen import Generated, GenSettings, RosterEntry, generate, generate_school
from hub.model import GRADES, SchoolLevel, Transcript

__all__ = [
    "PROVINCE_LEVELS",
    "GenSettings",
    "Generated",
    "generate",
    "province_schools",
    "roster_row",
]

PROVINCE_LEVELS = (
    SchoolLevel.LOWER_SECONDARY,
    SchoolLevel.PRIMARY,
    SchoolLevel.UPPER_SECONDARY,
    SchoolLevel.CONTINUING,
)
"""The levels schools are given in turn: a three-school province has a lower secondary, a
primary and an upper secondary school."""


def province_schools(
    schools: int,
    learners_per_school: int,
    *,
    seed: int = 0,
    school_year: str = "2024-2025",
    levels: Sequence[SchoolLevel] = PROVINCE_LEVELS,
    foreign_share: float = 0.05,
    exempt_share: float = 0.01,
    province: str = "56",
) -> Iterator[list[Transcript]]:
    """Each school's transcripts, school by school (`schools` of the `levels` in turn).

    Args:
        schools: how many schools.
        learners_per_school: about how many learners each (one class per grade, the same
            number in each class, rounded up).
        seed: the generator's seed.
        school_year: NamHoc.
        levels: the levels schools take in turn.
        foreign_share, exempt_share: shares of foreign and assessment-exempt learners.
        province: the OLD province code (codes.md); 56 is Khánh Hòa.
    """
    codes = load_codes()
    for number in range(schools):
        level = levels[number % len(levels)]
        index = number // len(levels)
        per_class = max(1, math.ceil(learners_per_school / len(GRADES[level])))
        settings = GenSettings(
            seed=seed,
            province=province,
            school_year=school_year,
            levels=(level,),
            schools=index + 1,
            learners_per_class=per_class,
            foreign_rate=foreign_share,
            exempt_rate=exempt_share,
        )
        settings.check(codes)
        yield [g.transcript for g in generate_school(settings, level, index, codes)]


def roster_row(transcript: Transcript) -> dict[str, str | None]:
    """The sector database's row of a learner, as roster.json holds it (`hub gen`, the ministry
    sandbox's roster): a simulator writes them so that the sandbox knows its learners."""
    learner, header = transcript.learner, transcript.header
    return RosterEntry(
        learner.learner_code,
        learner.personal_id,
        learner.full_name,
        learner.birth_date.isoformat(),
        learner.sex,
        header.school_code,
        header.school_year,
        header.class_name,
    ).as_json()
