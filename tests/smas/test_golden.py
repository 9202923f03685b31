"""Golden cases: tests/cases/smas/<case>/ — a primary, a lower and an upper secondary class,
read from the simulator, pivoted and mapped; the pivot, the canonical JSON and the problems
must equal the checked-in files (`pytest --update-golden` rewrites them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hub_smas.sim.world import build_world, sim_settings

from .helpers import canonical, read, served

CASES = Path(__file__).parents[1] / "cases" / "smas"
PATHS = [
    ("pupil", "birthDate"),
    ("subjects", "2", "semester1", "marks", "TX", 0),
    ("subjects", "2", "year"),
    ("subjects", "2", "teacher"),
    ("results", "year", "promotion"),
    ("homeroomTeacher",),
    ("principal",),
]


def _pivot(records: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": r.key,
            "mapping": r.mapping,
            "data": r.data,
            "signatories": [
                {k: getattr(s, k) for k in ("role", "name", "personal_id", "subject", "position")}
                for s in r.signatories
            ],
            "locations": {"/".join(map(str, p)): r.location_of(p).describe() for p in PATHS},
        }
        for r in sorted(records, key=lambda r: r.key)
    ]


def _write(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden_case(case: str, tmp_path: Path, update_golden: bool) -> None:
    folder = CASES / case
    spec = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    settings = sim_settings(
        levels=(spec["level"],), seed=spec["seed"], learners_per_class=spec["learners_per_class"]
    )
    world = build_world(settings, old_year=False, moved_rate=0.15)
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    records = [r for r in outcome.records if r.data["class"]["grade"] == spec["grade"]]
    assert records
    keys = {r.key for r in records}
    transcripts = {k: v for k, v in canonical(outcome).items() if k in keys}
    classes = {f"/classes/{r.data['class']['classId']}/" for r in records}
    problems = [
        p.as_json()
        for p in outcome.all_problems
        if any(c in (p.location.url or "") for c in classes)
    ]
    files = {"pivot.json": _pivot(records), "expected.json": transcripts, "problems.json": problems}
    if update_golden:
        for name, value in files.items():
            _write(folder / name, value)
    for name, value in files.items():
        stored = json.loads((folder / name).read_text(encoding="utf-8"))
        assert json.loads(json.dumps(value, ensure_ascii=False, default=str)) == stored, name
