"""Shared by the SMAS tests: a world served by the simulator, read by the source, mapped."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hub_smas.sample import write_keys
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.running import RunningSimulator, running
from hub_smas.sim.world import World
from hub_smas.source import build

from hub.canonical import to_canonical_json
from hub.mapping import MappingSet, load_mappings
from hub.model import Transcript
from hub.plugins import load_plugins
from hub.sources import Problem, RawRecord
from hub.testing import read_all

KEYS_ENV = "HUB_SMAS_KEYS"


@cache
def mappings() -> MappingSet:
    registry = load_plugins()
    return load_mappings(registry.mapping_dirs, registry.transforms)


@dataclass
class Outcome:
    records: list[RawRecord]
    problems: list[Problem]  # the source's
    mapping_problems: list[Problem] = field(default_factory=list)
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    cursor: str | None = None
    requests: int = 0
    retries: int = 0

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + self.mapping_problems

    def codes(self) -> list[str]:
        return [p.code for p in self.all_problems]

    def of(self, code: str) -> list[Problem]:
        return [p for p in self.all_problems if p.code == code]


@contextmanager
def served(
    world: World, tmp_path: Path, faults: FaultPlan | None = None
) -> Iterator[RunningSimulator]:
    keys = write_keys(world, tmp_path)
    old = os.environ.get(KEYS_ENV)
    os.environ[KEYS_ENV] = str(keys)
    try:
        with running(world, faults) as sim:
            yield sim
    finally:
        if old is None:
            os.environ.pop(KEYS_ENV, None)
        else:
            os.environ[KEYS_ENV] = old


def options(sim: RunningSimulator, **more: Any) -> dict[str, Any]:
    return {
        "base_url": sim.base_url,
        "keys_file_env": KEYS_ENV,
        "years": ["2024-2025"],
        "backoff_first": 0.01,
        "backoff_longest": 0.05,
        **more,
    }


def read(sim: RunningSimulator, cursor: str | None = None, **more: Any) -> Outcome:
    source = build(options(sim, **more))
    result = read_all(source, cursor)
    outcome = Outcome(result.records, result.problems, cursor=result.cursor)
    outcome.requests, outcome.retries = source.metrics.requests, source.metrics.retries
    for record in result.records:
        mapped = mappings().record(record.mapping).map(record)
        outcome.mapping_problems.extend(mapped.problems)
        if mapped.transcript is not None:
            outcome.transcripts[record.key] = mapped.transcript
    return outcome


def pivot_json(records: list[RawRecord]) -> str:
    """The pivot as bytes to compare: every record's key, mapping, data and signatories."""
    return json.dumps(
        [
            {
                "key": r.key,
                "mapping": r.mapping,
                "data": r.data,
                "signatories": [repr(s) for s in r.signatories],
            }
            for r in sorted(records, key=lambda r: r.key)
        ],
        ensure_ascii=False,
        sort_keys=True,
    )


def canonical(outcome: Outcome) -> dict[str, Any]:
    return {k: json.loads(to_canonical_json(t)) for k, t in sorted(outcome.transcripts.items())}


def class_data(world: World, index: int = 0, school: int = 0) -> Mapping[str, Any]:
    code = sorted(world.schools)[school]
    year = world.schools[code]["years"]["2024"]
    klass = year["classes"][index]
    return {"class": klass, **year["class_data"][str(klass["classId"])]}


def assert_explained(problem: Problem) -> None:
    """A problem a person can act on: a place, both languages, found and expected."""
    assert problem.location.url, problem
    assert problem.message_vi
    assert problem.message_en
    assert problem.message_vi != problem.message_en
    assert problem.expected, problem
