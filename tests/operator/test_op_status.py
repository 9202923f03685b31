"""`hub status`: figures per school and year, totals, top reasons, masking; table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from operator_seed import PERSONAL_ID, SCHOOL_A, SCHOOL_B, YEAR, Seeded


def test_status_json_counts_every_learner_where_it_stands(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    by_school = {s["school_code"]: s for s in answer["schools"]}
    a, b = by_school[SCHOOL_A], by_school[SCHOOL_B]
    assert (a["school_year"], b["school_year"]) == (YEAR, YEAR)
    # a1, a6 accepted; a2 rejected; a3 (check) and a4 (sign) failed; a5, a7 on their way;
    # one source row without a learner code.
    figures = ("accepted", "rejected", "failed", "unkeyed", "pending")
    assert [a[name] for name in figures] == [2, 1, 2, 1, 2]
    assert a["problems"] == 3
    assert a["learners"] == 8  # the batch's rows in: every row accounted for
    assert a["failed_by_stage"] == {"check": 1, "sign": 1}
    assert (b["learners"], b["accepted"], b["rejected"], b["problems"]) == (2, 1, 1, 0)
    assert answer["totals"] == {
        "learners": 10, "accepted": 3, "withdrawn": 0, "rejected": 2, "problems": 3,
        "pending": 2, "failed": 2, "unkeyed": 1, "halfway": 2, "changed_since_issued": 0,
        "source_problems": 0, "awaiting_vendor": 0,
    }  # fmt: skip
    top = answer["reasons"][0]
    assert (top["code"], top["stage"], top["count"]) == ("HB104", "push", 2)
    # Each learner without a transcript once, under its first error: the reasons add up.
    assert {r["code"] for r in a["reasons"]} == {
        "HB104", "HB102", "SIGNING_REFUSED", "MISSING_VALUE",
    }  # fmt: skip
    assert sum(r["count"] for r in a["reasons"]) == a["rejected"] + a["problems"]


def test_status_never_shows_a_full_personal_id(seeded: Seeded, tmp_path: Path) -> None:
    for output_format in ("json", "table"):
        result = seeded.run(tmp_path, "status", "--format", output_format)
        assert result.exit_code == 0, result.output
        assert PERSONAL_ID not in result.output
        assert "*********789" in result.output


def test_status_table_has_a_row_per_school_and_the_totals(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row_a = next(line for line in lines if SCHOOL_A in line)
    assert [cell.strip() for cell in row_a.split("│")[4:10]] == ["8", "2", "0", "1", "3", "2"]
    total = next(line for line in lines if "Tổng / Total" in line)
    assert [cell.strip() for cell in total.split("│")[4:10]] == ["10", "3", "0", "2", "3", "2"]
    assert "HB104" in result.output
    assert "hub report" in result.output


def test_status_filters_by_school_and_checks_its_code(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "status", "--school", SCHOOL_B, "--format", "json")
    assert [s["school_code"] for s in json.loads(result.output)["schools"]] == [SCHOOL_B]
    bad = seeded.run(tmp_path, "status", "--school", "12AB")
    assert bad.exit_code == 2
    assert "8" in bad.output


def test_status_refuses_a_store_that_was_never_migrated(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hub.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[ministry]\nunit = "SO01"\nusername = "SO01"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = CliRunner().invoke(
        main, ["status", "--config", str(config)], env={"HUB_DATABASE_URL": url}
    )
    assert result.exit_code == 3
    assert "hub db upgrade" in result.output
