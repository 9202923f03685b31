"""No output shows a full personal ID, whatever shape the school typed it in.

A generated province whose learner list holds SoDinhDanh cells typed the ways schools type them
(a number that lost its leading zero, groups split by spaces, dashes or dots, and a 12-digit
number the mapping accepts) is synced; then `hub batches show` (text and JSON), `hub report`
(xlsx and CSV) and every log record of the run must show none of those IDs beyond their last
three digits, while each refused cell is still named with its problem.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from pipeline.conftest import (  # noqa: F401 - fixtures
    World,
    make_world,
    province_cache,
    province_settings,
)

from hub.cli import main

TYPED: list[Any] = [
    36212065227,  # a number: the leading zero is lost
    "0362 1206 5227",
    "036-212-065-227",
    "036.212.065.227",
    362120652271,  # a 12-digit number: the mapping takes it, the rules judge it
]
MIDDLE = re.compile(r"2\D?1\D?2\D?0\D?6\D?5\D?2")  # the ID's hidden digits, whatever splits them


def _hub(world: World, *args: str) -> Result:
    config = str(world.province.config_path)
    return CliRunner().invoke(main, [*args, "--config", config], env=world.env())


def _type_ids(world: World) -> tuple[str, dict[str, str]]:
    """Write TYPED into the ID cells of the first school's first learners; their codes."""
    school = sorted(world.province.schools)[0]
    path = world.province.school_folder(school) / "danh-sach-hoc-sinh.xlsx"
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if any(c.value == "Mã học sinh" for c in row))
    names = [c.value for c in rows[header]]
    id_column, code_column = names.index("Số định danh cá nhân"), names.index("Mã học sinh")
    typed = {}
    for row, value in zip(rows[header + 1 :], TYPED, strict=False):
        row[id_column].value = value
        typed[str(row[code_column].value)] = row[id_column].coordinate
    book.save(path)
    return school, typed


def _assert_masked(text: str, where: str) -> None:
    assert not MIDDLE.search(text), f"a personal ID in {where}: {MIDDLE.search(text)}"


def test_no_output_shows_a_personal_id_typed_in_any_shape(
    make_world: Any,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = make_world(province_settings(36, seed=29))
    school, typed = _type_ids(world)
    caplog.set_level(logging.DEBUG)
    before = logging.getLogRecordFactory()
    try:
        synced = _hub(world, "sync", "--quiet")
        assert synced.exit_code == 1, synced.output  # finished, with problems
        batches = json.loads(_hub(world, "batches", "list", "--format", "json").output)
        ours = [b for b in batches if b["school_code"] == school]
        shown = [_hub(world, "batches", "show", str(b["id"])).output for b in ours]
        answers = [
            json.loads(_hub(world, "batches", "show", str(b["id"]), "--format", "json").output)
            for b in ours
        ]
        out = tmp_path / "report"
        assert _hub(world, "report", "--out", str(out), "--quiet").exit_code == 0
    finally:
        logging.setLogRecordFactory(before)

    # Each refused cell is named (a row that never became a learner), its value masked to the
    # last three digits; the 12-digit number became a learner, which the check stopped.
    cells = list(typed.values())
    refused = {p["cell"]: p for a in answers for p in a["source_rows"] if p["stage"] == "map"}
    assert set(refused) == set(cells[:4])
    for problem in refused.values():
        assert "227')" in problem["message_vi"]
        assert "cần 12 chữ số" in problem["message_vi"]
        assert "digits" not in problem["message_vi"]
    (passed,) = [r for a in answers for r in a["records"] if r["learner_key"] in typed]
    assert passed["state"] == "failed"
    assert {p["cell"] for p in passed["problems"]} == {cells[4]}

    for text in shown:
        _assert_masked(text, "batches show")
    for answer in answers:
        _assert_masked(json.dumps(answer, ensure_ascii=False), "batches show --format json")
    book = load_workbook(out / "bao-cao.xlsx")
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    assert any("********227" in c for c in cells)  # the report does list the refused cells
    _assert_masked("\n".join(cells), "bao-cao.xlsx")
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            _assert_masked("\n".join(",".join(row) for row in csv.reader(handle)), path.name)
    _assert_masked(synced.output, "hub sync's output")
    _assert_masked(caplog.text, "the log")
    for record in caplog.records:
        _assert_masked(record.getMessage(), f"log record {record.name}")
