"""A SMAS read narrowed to one school and year (SourceSpec.narrow) asks SMAS for that school only;
the pieces a SMAS source's options name."""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_smas.sim.world import build_world, sim_settings
from hub_smas.source import build

from hub.api import listed_pieces as pieces
from hub.api import narrow_listed as narrow
from hub.plugins import load_plugins
from hub.testing import read_all

from .helpers import options, served

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
YEAR = "2024-2025"


def test_a_narrowed_read_asks_for_its_school_only(tmp_path: Path) -> None:
    world = build_world(
        sim_settings(levels=("03",), schools=2, seed=9, learners_per_class=2), moved_rate=0,
        old_year=False,
    )  # fmt: skip
    schools = sorted(world.schools)
    assert len(schools) >= 2
    wanted = schools[1]
    with served(world, tmp_path) as sim:
        asked: list[str] = []  # the school of each request's key (SMAS keys are per school)
        school_of = sim.app._school_of

        def recording(method: str, target: str, headers: dict[str, str]) -> str:
            asked.append(school_of(method, target, headers))
            return asked[-1]

        sim.app._school_of = recording  # type: ignore[method-assign]
        narrowed = load_plugins().source("smas").narrow
        assert narrowed is not None  # the registered hook is the plugin's
        read = read_all(build(narrowed(options(sim), wanted, YEAR) or {}), None)
    assert asked
    assert set(asked) == {wanted}
    assert read.records


def test_narrowing_keeps_to_the_configured_schools_and_years() -> None:
    base = {"base_url": "https://smas.example", "keys_file_env": "K", "years": [YEAR]}
    assert narrow(base, "36000001", None) == {**base, "schools": ["36000001"]}
    assert narrow(base, None, YEAR) == {**base, "years": [YEAR]}
    assert narrow(base, None, "2023-2024") is None  # a year it does not read
    listed = {**base, "schools": ["36000001", "36000002"]}
    assert narrow(listed, "36000003", None) is None  # a school outside its list
    assert narrow(listed, "36000002", YEAR) == {**listed, "schools": ["36000002"]}


def test_the_pieces_are_the_listed_schools_by_year_or_each_year_for_all() -> None:
    base = {"years": ["2023-2024", YEAR]}
    assert pieces(base) == [(None, "2023-2024"), (None, YEAR)]
    listed = {**base, "schools": ["36000002", "36000001"]}
    assert pieces(listed) == [
        ("36000002", "2023-2024"),
        ("36000002", YEAR),
        ("36000001", "2023-2024"),
        ("36000001", YEAR),
    ]
