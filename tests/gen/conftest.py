"""A small province shared by the generator's tests (generation is deterministic)."""

from __future__ import annotations

import pytest

from hub.codes import CodeLists, load_codes
from hub.gen import DefectKind, Generated, GenSettings, generate

SMALL = GenSettings(seed=11, schools=1, classes_per_grade=1, learners_per_class=12)
# Many foreign and exempt learners, so that every branch of identity generation shows up.
VARIED = GenSettings(
    seed=5,
    schools=2,
    classes_per_grade=1,
    learners_per_class=15,
    foreign_rate=0.1,
    minority_rate=0.2,
    exempt_rate=0.03,
)
# Every defect kind at a rate that makes each appear in a province of a few hundred learners.
DEFECTIVE = GenSettings(
    seed=23,
    schools=1,
    classes_per_grade=2,
    learners_per_class=20,
    defects=dict.fromkeys(DefectKind, 0.05),
)


@pytest.fixture(scope="session")
def codes() -> CodeLists:
    return load_codes()


@pytest.fixture(scope="session")
def small_settings() -> GenSettings:
    return SMALL


@pytest.fixture(scope="session")
def defective_settings() -> GenSettings:
    return DEFECTIVE


@pytest.fixture(scope="session")
def small() -> list[Generated]:
    return list(generate(SMALL))


@pytest.fixture(scope="session")
def varied() -> list[Generated]:
    return list(generate(VARIED))


@pytest.fixture(scope="session")
def defective() -> list[Generated]:
    return list(generate(DEFECTIVE))
