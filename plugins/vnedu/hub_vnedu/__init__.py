"""vnedu: the hub's source plugin for the vnEdu partner API (spec: sources.md, version 2).

It registers one source kind, ``vnedu``, through the ``hub`` entry point (see pyproject.toml):
the learner-centric API read incrementally (`updated_since`), each learner's document as
vnEdu signed it fetched beside the learner's data (the hub verifies it, compares it with the
data and sends its exact bytes; it never signs it). Its record mappings and label lists ship
in this package (mappings/, `register_mappings`), with the transforms they need
(`register_transforms`). It imports only `hub.api`. docs/writing-a-plugin.md walks through it
as the second worked example.

    config.py      the options (CONFIG_SCHEMA) and their defaults
    client.py      HTTP: the token, pacing within 5 requests/s, retries, 429
    source.py      read(cursor) and document(): the cursor, pages, problems
    record.py      a learner item as a RawRecord, with where each value was
    problems.py    what a read reports, in Vietnamese and English
    transforms.py  vnedu_number, vnedu_mark, vnedu_date, iso_country, vnedu_awards
    sample.py      the conformance kit's sample (a simulator serving a generated school)
    commands.py    `hub vnedu-sim init|serve` (register_commands): the simulator, in sim/
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.api import SourceSpec, Transform, hookimpl, listed_pieces, narrow_listed
from hub_vnedu.commands import register_commands
from hub_vnedu.config import CONFIG_SCHEMA, MAPPINGS
from hub_vnedu.source import VneduSource, build
from hub_vnedu.transforms import TRANSFORMS

__all__ = [
    "CONFIG_SCHEMA",
    "MAPPINGS",
    "VneduSource",
    "register_commands",
    "register_mappings",
    "register_sources",
    "register_transforms",
]


@hookimpl
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    register(
        SourceSpec(
            name="vnedu",
            factory=build,
            config_schema=CONFIG_SCHEMA,
            description="vnEdu partner API v2: learners by school and year, documents vnEdu signed",
            incremental=True,
            narrow=narrow_listed,
            pieces=listed_pieces,
        )
    )


@hookimpl
def register_mappings(register: Callable[[Path], None]) -> None:
    register(MAPPINGS)


@hookimpl
def register_transforms(register: Callable[[str, Transform], None]) -> None:
    for name, function in TRANSFORMS.items():
        register(name, function)
