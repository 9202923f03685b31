"""Shared helpers: a small generated class exported to spreadsheets, read back and mapped."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hub_generic_excel.config import MAPPINGS
from hub_generic_excel.source import ExcelSource

from hub.gen import GenSettings, generate
from hub.mapping import MappingSet, load_mappings
from hub.model import SchoolLevel, Transcript
from hub.sources import Problem, Severity
from hub.testing import read_all


@cache
def mappings() -> MappingSet:
    return load_mappings([MAPPINGS])


@cache
def transcripts(level: str, per_class: int, seed: int) -> tuple[Transcript, ...]:
    settings = GenSettings(
        seed=seed,
        levels=(SchoolLevel(level),),
        learners_per_class=per_class,
        foreign_rate=0,
        exempt_rate=0,
    )
    return tuple(g.transcript for g in generate(settings))


@dataclass
class Outcome:
    """A read and its mapping: transcripts by record key, every problem, rows in."""

    transcripts: dict[str, Transcript]
    problems: list[Problem]
    rows_in: int
    cursor: str | None
    source_problems: list[Problem] = dataclasses.field(default_factory=list)  # the plugin's

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def accounted(self) -> bool:
        rejected = {p.record_key for p in self.errors if p.record_key}
        return (
            not (rejected & set(self.transcripts))
            and len(rejected) + len(self.transcripts) == self.rows_in
        )


def read_and_map(config: dict[str, Any], cursor: str | None = None) -> Outcome:
    source = ExcelSource(config, mappings())
    result = read_all(source, cursor)
    problems = list(result.problems)
    mapped: dict[str, Transcript] = {}
    for record in result.records:
        outcome = mappings().record(record.mapping).map(record)
        problems.extend(outcome.problems)
        if outcome.transcript is not None:
            mapped[record.key] = outcome.transcript
    return Outcome(mapped, problems, source.rows_in, result.cursor, list(result.problems))


def comparable(t: Transcript) -> Transcript:
    """A transcript without what spreadsheets do not carry: MaHoSo's form and teacher codes."""
    header = dataclasses.replace(t.header, record_id="-")
    homeroom = dataclasses.replace(t.confirmation.homeroom_teacher, code=None)
    confirmation = dataclasses.replace(t.confirmation, homeroom_teacher=homeroom)
    results = t.results
    if results is not None:
        subjects = tuple(
            dataclasses.replace(s, teacher=dataclasses.replace(s.teacher, code=None))
            for s in results.subjects
        )
        results = dataclasses.replace(results, subjects=subjects)  # type: ignore[arg-type]
    return dataclasses.replace(t, header=header, confirmation=confirmation, results=results)


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def need_libreoffice() -> str:
    """libreoffice, or skip — except in CI, where a missing office suite is a failure."""
    found = libreoffice()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("libreoffice is required in CI (Debian: libreoffice-calc-nogui)")
        pytest.skip(
            "libreoffice is not installed (apt-get install libreoffice-calc-nogui); CI runs these"
        )
    return found


def convert(files: Sequence[Path], to: str, out: Path) -> list[Path]:
    """`libreoffice --headless --convert-to <to>` of `files` into `out` (formulas recomputed)."""
    office = need_libreoffice()
    out.mkdir(parents=True, exist_ok=True)
    profile = out / ".lo-profile"
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.rmtree(profile, ignore_errors=True)
    converted = [out / f"{f.stem}.{to}" for f in files]
    missing = [p for p in converted if not p.exists()]
    assert not missing, f"libreoffice did not write {missing}"
    return converted
