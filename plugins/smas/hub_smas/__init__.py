"""smas: the hub's source plugin for the SMAS partner API (version 1), with its simulator.

It registers the source kind ``smas`` (hub_smas.source: signed requests, pages, retries, the
pivot of class markbooks into one record per learner), the record mappings and label lists
that turn SMAS's numeric codes into the document's (mappings/, package data), two transforms
(`smas_date`, `smas_position`) and the command ``hub smas-sim`` (hub_smas.sim: a loopback
SMAS seeded from a generated province). It imports only `hub.api` (the simulator, being a
test double, also `hub.testing`). docs/writing-a-plugin.md, "A pivot", walks through the
shape of a pivoted record; docs/operations.md, "SMAS", configures it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hub.api import SourceSpec, Transform, hookimpl, listed_pieces, narrow_listed
from hub_smas.config import CONFIG_SCHEMA, MAPPINGS
from hub_smas.source import SmasSource, build
from hub_smas.transforms import TRANSFORMS

if TYPE_CHECKING:
    import click

__all__ = [
    "CONFIG_SCHEMA",
    "MAPPINGS",
    "SmasSource",
    "register_commands",
    "register_mappings",
    "register_sources",
    "register_transforms",
]


@hookimpl
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    register(
        SourceSpec(
            name="smas",
            factory=build,
            config_schema=CONFIG_SCHEMA,
            description="SMAS open API v1: signed requests, class markbooks pivoted per learner",
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


@hookimpl
def register_commands(register: Callable[[click.Command], None]) -> None:
    from hub_smas.sim.cli import smas_sim  # the simulator loads only when asked for

    register(smas_sim)
