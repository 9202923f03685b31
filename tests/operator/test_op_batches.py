"""`hub batches list|show`: figures, filters, records with their codes, problems with cells."""

from __future__ import annotations

import json
from pathlib import Path

from operator_seed import PERSONAL_ID, SCHOOL_A, SCHOOL_B, Seeded, ma


def test_list_gives_each_batch_its_live_figures(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "batches", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    a, b = rows[seeded.batch_a], rows[seeded.batch_b]
    assert (a["state"], a["rows_in"], a["accepted"], a["rejected"], a["problems"]) == (
        "open", 8, 2, 1, 3,
    )  # fmt: skip
    assert a["in_flight"] == 2
    assert (b["state"], b["rows_in"], b["accepted"], b["rejected"], b["in_flight"]) == (
        "complete", 2, 1, 1, 0,
    )  # fmt: skip


def test_list_filters_by_school_and_state(seeded: Seeded, tmp_path: Path) -> None:
    by_school = seeded.run(tmp_path, "batches", "list", "--school", SCHOOL_B, "--format", "json")
    assert [r["school_code"] for r in json.loads(by_school.output)] == [SCHOOL_B]
    open_ones = seeded.run(tmp_path, "batches", "list", "--state", "open", "--format", "json")
    assert [r["id"] for r in json.loads(open_ones.output)] == [seeded.batch_a]
    table = seeded.run(tmp_path, "batches", "list")
    assert table.exit_code == 0
    row = next(line for line in table.output.splitlines() if f" {SCHOOL_A} " in line)
    assert [c.strip() for c in row.split("│")[7:13]] == ["8", "0", "2", "1", "3", "2"]


def test_show_gives_records_codes_and_problems_traced_to_cells(
    seeded: Seeded, tmp_path: Path
) -> None:
    result = seeded.run(tmp_path, "batches", "show", str(seeded.batch_a), "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["batch"]["rows_in"] == 8
    assert not answer["batch"]["balanced"]
    records = {r["ma_ho_so"]: r for r in answer["records"]}
    assert len(records) == 7
    accepted = records[ma(SCHOOL_A, 1)]
    assert accepted["state"] == "accepted"
    assert accepted["transcript_id"] == f"HB2024{SCHOOL_A}000001"
    assert (accepted["batch_key"], accepted["receipt"]) == ("KEY-A", "TN-KEY-A")
    (rejection,) = records[ma(SCHOOL_A, 2)]["problems"]
    assert rejection["code"] == "HB104"
    assert rejection["xpath"] == "/HocBaSo/DLHocBa/HocSinh/HoVaTen"
    assert rejection["location"] == "danh-sach.xlsx › Lớp 6A › C12"
    failed = records[ma(SCHOOL_A, 3)]
    assert (failed["state"], failed["failed_stage"]) == ("failed", "check")
    assert [p["code"] for p in failed["problems"]] == ["HB102", "HB201"]
    (row,) = answer["source_rows"]
    assert (row["code"], row["cell"]) == ("MISSING_VALUE", "B20")


def test_show_masks_personal_ids_and_filters_by_state(seeded: Seeded, tmp_path: Path) -> None:
    for output_format in ("json", "table"):
        result = seeded.run(
            tmp_path, "batches", "show", str(seeded.batch_a), "--format", output_format
        )
        assert result.exit_code == 0
        assert PERSONAL_ID not in result.output
        assert "*********789" in result.output
    table = seeded.run(tmp_path, "batches", "show", str(seeded.batch_a))
    assert "danh-sach.xlsx › Lớp 6A › C12" in table.output
    only = seeded.run(
        tmp_path, "batches", "show", str(seeded.batch_a), "--state", "failed", "--format", "json"
    )
    assert {r["state"] for r in json.loads(only.output)["records"]} == {"failed"}


def test_show_of_an_unknown_batch_is_a_usage_error(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "batches", "show", "999")
    assert result.exit_code == 2
    assert "999" in result.output
    assert "hub batches list" in result.output
