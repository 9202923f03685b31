"""`hub gen`: the folder it writes, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.cli import main
from hub.document.parse import parse_document


def test_gen_writes_documents_roster_and_ledger(tmp_path: Path) -> None:
    out = tmp_path / "province"
    args = ["gen", str(out), "--seed", "4", "--learners-per-class", "3", "--levels", "02,04"]
    args += ["--defect", "missing-id=0.2", "--defect", "not-in-sector-database=0.2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    documents = sorted(out.glob("*/*.xml"))
    assert len(documents) == 3 * (5 + 3)
    assert "24 học bạ / documents (02: 15, 04: 9) in 2 schools" in result.output
    roster = json.loads((out / "roster.json").read_text(encoding="utf-8"))
    ledger = json.loads((out / "defects.json").read_text(encoding="utf-8"))
    assert ledger
    assert {e["kind"] for e in ledger} <= {"missing-id", "not-in-sector-database"}
    left_out = sum(e["kind"] == "not-in-sector-database" for e in ledger)
    assert len(roster) == len(documents) - left_out
    for path in documents:
        transcript = parse_document(path.read_bytes())
        assert path.parent.name == transcript.header.school_code
        assert path.stem == transcript.header.record_id
    by_id = {e["MaHoSo"]: e for e in ledger}
    for path in documents:
        entry = by_id.get(path.stem)
        if entry and entry["kind"] == "missing-id":
            assert parse_document(path.read_bytes()).learner.personal_id is None


def test_gen_is_reproducible(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        args = ["gen", str(tmp_path / name), "--seed", "9", "--learners-per-class", "2"]
        assert CliRunner().invoke(main, [*args, "--levels", "03"]).exit_code == 0
        runs.append(
            {p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*.*")}
        )
    assert runs[0] == runs[1]


def test_gen_refuses_an_unknown_defect_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["gen", str(tmp_path), "--defect", "bogus=0.1"])
    assert result.exit_code == 2
    assert "expected KIND=RATE" in result.output
    assert "missing-id" in result.output
    assert not (tmp_path / "roster.json").exists()


def test_gen_refuses_a_bad_year_and_level(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["gen", str(tmp_path), "--year", "2024-2026"])
    assert result.exit_code == 2
    assert "consecutive years" in result.output
    result = CliRunner().invoke(main, ["gen", str(tmp_path), "--levels", "02,07"])
    assert result.exit_code == 2
    assert "levels are 02, 03, 04, 05" in result.output
