"""`hub gen --format xlsx`: a province of school spreadsheets that generic_excel reads back.

The province is read back the way an operator would: the `[[sources]]` entry `hub gen` wrote
(sources.toml) in a config.toml, through the hub's own source runs (one per school folder with
a source.json) and the installed plugin. It must give the learners generated — the same count
and the same keys — with no problem, and every record must map.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.cli import main
from hub.config import load_config
from hub.gen import GenSettings, generate
from hub.gen.output import SCHOOL_OPTIONS, write_spreadsheets
from hub.mapping import load_mappings
from hub.model import SchoolLevel
from hub.pipeline import extract
from hub.plugins import load_plugins
from hub.sources import Problem, RawRecord

MINISTRY = '[ministry]\nunit = "SO01"\nusername = "SO01"\n\n'


def _read_back(out: Path, tmp_path: Path) -> tuple[list[str], list[Problem], int]:
    """Record keys, problems and mapped records of the province, read as config.toml says."""
    config_path = tmp_path / "config.toml"
    config_path.write_text(MINISTRY + (out / "sources.toml").read_text(encoding="utf-8"))
    registry = load_plugins()
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    keys: list[str] = []
    problems: list[Problem] = []
    mapped = 0
    for run in extract.source_runs(load_config(config_path)):
        extract.check_options(run, registry, config_path)
        for item in extract.read_source(run, registry):
            if isinstance(item, RawRecord):
                keys.append(item.key)
                mapped += mappings.record(item.mapping).map(item).transcript is not None
            elif isinstance(item, Problem):
                problems.append(item)
    return keys, problems, mapped


def test_gen_xlsx_writes_a_province_the_plugin_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "province"
    args = ["gen", str(out), "--format", "xlsx", "--seed", "4", "--learners-per-class", "3"]
    result = CliRunner().invoke(main, [*args, "--levels", "02,03,05"])
    assert result.exit_code == 0, result.output
    settings = GenSettings(
        seed=4, learners_per_class=3, levels=tuple(SchoolLevel(x) for x in ("02", "03", "05"))
    )
    generated = [
        g.transcript.learner.learner_code for g in generate(settings) if g.transcript.results
    ]
    assert f"{len(generated)} học sinh / learners" in result.output
    assert str(out / "sources.toml") in result.output
    assert not list(out.rglob("*.xml"))  # spreadsheets instead of documents

    keys, problems, mapped = _read_back(out, tmp_path)

    assert problems == []
    assert len(keys) == len(generated) == mapped
    assert sorted(keys) == sorted(generated)
    roster = json.loads((out / "roster.json").read_text(encoding="utf-8"))
    assert len(roster) == len(generated)
    for school in sorted(p.parent.name for p in out.glob(f"*/{SCHOOL_OPTIONS}")):
        options = json.loads((out / school / SCHOOL_OPTIONS).read_text(encoding="utf-8"))
        assert options["school_code"] == school
        assert "folder" not in options  # the province folder's entry gives it


def test_learners_exempt_from_assessment_are_counted_not_written(tmp_path: Path) -> None:
    settings = GenSettings(
        seed=5, levels=(SchoolLevel.LOWER_SECONDARY,), learners_per_class=10, exempt_rate=0.1
    )
    summary = write_spreadsheets(settings, tmp_path / "province")
    items = list(generate(settings))
    exempt = [g for g in items if g.transcript.results is None]
    assert exempt, "the settings must generate exempt learners"
    assert summary.left_out == len(exempt)
    assert summary.documents == len(items) - len(exempt)
    keys, problems, _mapped = _read_back(tmp_path / "province", tmp_path)
    assert problems == []
    assert len(keys) == summary.documents


def test_gen_help_says_how_to_read_the_spreadsheets() -> None:
    result = CliRunner().invoke(main, ["gen", "--help"])
    assert result.exit_code == 0
    assert "--format [xml|xlsx]" in result.output
    assert "[[sources]]" in result.output
    assert 'plugin = "generic_excel"' in result.output
    assert "options = { folder =" in result.output


def test_the_school_options_file_is_the_one_the_hub_reads() -> None:
    assert SCHOOL_OPTIONS == extract.SCHOOL_OPTIONS
