"""Reading items through the source and mapping them: what the mapping tests share."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub_vnedu.client import ClientState, VneduClient
from hub_vnedu.config import Settings
from hub_vnedu.source import VneduSource

from hub.api import Problem, RawRecord, Transcript
from hub.mapping import MappingSet, load_mappings
from hub.plugins import load_plugins
from hub.testing import read_all

from .conftest import options
from .fake import FakeVnedu

Factory = Callable[[Settings, ClientState], VneduClient]
_MAPPINGS: list[MappingSet] = []


def mappings() -> MappingSet:
    """The hub's and the plugins' mapping files, with the plugins' transforms (loaded once)."""
    if not _MAPPINGS:
        registry = load_plugins()
        _MAPPINGS.append(load_mappings(registry.mapping_dirs, registry.transforms))
    return _MAPPINGS[0]


@dataclass
class Mapped:
    records: list[RawRecord]
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the read's, then the mapping's


def read_and_map(
    fake: FakeVnedu,
    factory: Factory,
    school: dict[str, str],
    items: list[dict[str, Any]],
    **more: Any,
) -> Mapped:
    """Serve `items` as `school`'s learners, read them with the source, map each record."""
    fake.schools.append(school)
    fake.students[school["ma_truong"]] = items
    source = VneduSource(options(schools=[school["ma_truong"]], **more), client_factory=factory)
    result = read_all(source, None)
    out = Mapped(result.records, problems=list(result.problems))
    for record in result.records:
        outcome = mappings().record(record.mapping).map(record)
        out.problems.extend(outcome.problems)
        if outcome.transcript is not None:
            out.transcripts[record.key] = outcome.transcript
    return out


def comparable(t: Transcript) -> Transcript:
    """A transcript without what vnEdu's data does not carry: teacher codes (MaGV)."""
    homeroom = dataclasses.replace(t.confirmation.homeroom_teacher, code=None)
    confirmation = dataclasses.replace(t.confirmation, homeroom_teacher=homeroom)
    results = t.results
    if results is not None:
        subjects = tuple(
            dataclasses.replace(s, teacher=dataclasses.replace(s.teacher, code=None))
            for s in results.subjects
        )
        results = dataclasses.replace(results, subjects=subjects)  # type: ignore[arg-type]
    return dataclasses.replace(t, confirmation=confirmation, results=results)
