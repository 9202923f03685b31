"""Golden cases: tests/cases/generic_excel/<case>/ — the workbooks are made at set-up from the
generator (case.yaml), read and mapped; the canonical JSON and the problems must equal the
checked-in expected.json and problems.json (`pytest --update-golden` rewrites them), and the
transcripts must equal the generator's, which is the independent oracle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hub_generic_excel.export import export_school

from hub.canonical import to_canonical_json

from .helpers import comparable, convert, read_and_map, transcripts

CASES = Path(__file__).parents[1] / "cases" / "generic_excel"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden_case(case: str, tmp_path: Path, update_golden: bool) -> None:
    folder = CASES / case
    spec = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    source = transcripts(spec["level"], spec["learners_per_class"], spec["seed"])
    exported = export_school(list(source), tmp_path / "school", spec["layout"])
    config = dict(exported.config)
    if spec.get("convert"):
        files = [exported.learner_list, *exported.class_files]
        convert([exported.learner_list], spec["convert"], tmp_path / "school")
        convert(list(exported.class_files), spec["convert"], tmp_path / "school" / "lop")
        for f in files:
            f.unlink()
        config["learner_list"] = f"danh-sach-hoc-sinh.{spec['convert']}"
    outcome = read_and_map(config)
    canonical = {
        key: json.loads(to_canonical_json(t)) for key, t in sorted(outcome.transcripts.items())
    }
    problems = [p.as_json() for p in outcome.problems]
    if update_golden:
        (folder / "expected.json").write_text(
            json.dumps(canonical, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
        (folder / "problems.json").write_text(
            json.dumps(problems, ensure_ascii=False, indent=2) + "\n"
        )
    assert canonical == json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert problems == json.loads((folder / "problems.json").read_text(encoding="utf-8"))
    by_code = {t.learner.learner_code: t for t in source}
    assert len(outcome.transcripts) == len(source)
    for t in outcome.transcripts.values():
        assert comparable(t) == comparable(by_code[t.learner.learner_code])
    assert outcome.accounted()
