"""The conformance kit's sample: a small generated lower-secondary school served by the simulator.

Two pupils carry a bad value the mapping must refuse at its place (a `genderId` of 3, a birth
date written `14/03/2011`), and one moved away (reported, not sent), so the kit also sees
problems pointing at SMAS records; every other pupil maps to a transcript.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from hub.testing import SampleCase
from hub_smas.sim.running import running
from hub_smas.sim.world import World, build_world, sim_settings

KEYS_ENV = "HUB_SMAS_KEYS"


def write_keys(world: World, folder: Path) -> Path:
    """The world's keys file in `folder`, readable by its owner only."""
    path = folder / "smas-keys.toml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(world.keys_toml())
    return path


def sample_world() -> World:
    world = build_world(
        sim_settings(seed=11, levels=("03",), learners_per_class=3), moved_rate=0.0, old_year=False
    )
    school = next(iter(world.schools.values()))
    classes = school["years"]["2024"]["class_data"]
    first, second = (classes[k]["pupils"] for k in sorted(classes)[:2])
    first[0]["genderId"] = 3
    second[1]["birthDate"] = "14/03/2011"
    second[2]["status"] = 2  # moved away: listed, not sent
    return world


def sample_case(folder: Path) -> Iterator[SampleCase]:
    world = sample_world()
    keys = write_keys(world, folder)
    studying = sum(
        1
        for school in world.schools.values()
        for year in school["years"].values()
        for data in year["class_data"].values()
        for pupil in data["pupils"]
        if pupil["status"] == 1
    )
    with running(world) as sim:
        yield SampleCase(
            config={
                "base_url": sim.base_url,
                "keys_file_env": KEYS_ENV,
                "years": ["2024-2025"],
                "backoff_first": 0.01,
            },
            rows_in=studying,
            future_cursor=json.dumps({"v": 1, "as_of": "2999-01-01T00:00:00+00:00", "seen": {}}),
            env={KEYS_ENV: str(keys)},
        )
