"""Golden cases: tests/cases/vnedu/<case>/ — items.json (learner items as vnEdu lists them) and
case.yaml (the school in GET /v2/schools, the source's options) in; the canonical JSON
(expected.json) and the problems (problems.json) out, equal to the checked-in files
(`pytest --update-golden` rewrites them; review the diff)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hub.canonical import to_canonical_json

from .fake import FakeVnedu
from .helpers import Factory, read_and_map

CASES = Path(__file__).parents[1] / "cases" / "vnedu"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden_case(
    case: str, fake: FakeVnedu, client_factory: Factory, update_golden: bool
) -> None:
    folder = CASES / case
    spec = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    items = json.loads((folder / "items.json").read_text(encoding="utf-8"))
    mapped = read_and_map(fake, client_factory, spec["school"], items, **spec.get("options", {}))
    canonical = {
        key: json.loads(to_canonical_json(t)) for key, t in sorted(mapped.transcripts.items())
    }
    problems = [p.as_json() for p in mapped.problems]
    if update_golden:
        (folder / "expected.json").write_text(
            json.dumps(canonical, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
        (folder / "problems.json").write_text(
            json.dumps(problems, ensure_ascii=False, indent=2) + "\n"
        )
    assert canonical == json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert problems == json.loads((folder / "problems.json").read_text(encoding="utf-8"))
    # every learner is accounted for: a transcript, or problems keyed to it
    keyed = {p.record_key for p in mapped.problems if p.record_key}
    assert set(mapped.transcripts) | keyed == {i["vnedu_id"] for i in items}
    assert not set(mapped.transcripts) & keyed
