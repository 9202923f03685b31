"""`hub signers import|list`: a teaching-assignments file, all or nothing, IDs never shown whole."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from signer_sheets import AN, BINH, CUONG, DUNG, ROWS, write_sheet

from hub.cli import main
from hub.signers import AssignmentsRefused, Position, Role, assignments, who_signs
from hub.signers.operations import import_file
from hub.store import Store

SCHOOL, YEAR = "79000001", "2024-2025"


def _hub(tmp_path: Path, db_url: str, *args: str) -> Result:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text('[ministry]\nunit = "SO01"\nusername = "SO01"\n', encoding="utf-8")
    return CliRunner().invoke(
        main, [*args, "--config", str(config)], env={"HUB_DATABASE_URL": db_url}
    )


def test_a_file_gives_each_duty_and_a_second_import_adds_nothing(
    store: Store, tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "phan-cong.xlsx", ROWS)
    first = import_file(store, path, SCHOOL, YEAR)
    again = import_file(store, path, SCHOOL, YEAR)
    assert (first.read, first.recorded.added) == (6, 6)  # 3 GVBM, 2 GVCN, 1 HT
    assert (again.recorded.added, again.recorded.unchanged) == (0, 6)
    with store.read() as s:
        rows = assignments(s, SCHOOL, YEAR)
        homeroom = who_signs(s, SCHOOL, YEAR, "8A2", None, Role.GVCN)
        principal = who_signs(s, SCHOOL, YEAR, None, None, Role.HT)
        maths = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM)
        literature = who_signs(s, SCHOOL, YEAR, "8A1", "NV", Role.GVBM)
    assert sorted((a.role.value, a.class_name or "", a.subject or "") for a in rows) == [
        ("GVBM", "8A1", "NV"),
        ("GVBM", "8A1", "TOAN"),
        ("GVBM", "8A2", "TOAN"),
        ("GVCN", "8A1", ""),
        ("GVCN", "8A2", ""),
        ("HT", "", ""),
    ]
    assert homeroom is not None
    assert homeroom.person.full_name == BINH[0]
    assert principal is not None
    assert principal.person.personal_id == CUONG[1]
    assert principal.position is Position.PRINCIPAL
    assert maths is not None
    assert maths.person.teacher_key == "GV01"
    assert maths.valid_from == date(2024, 8, 1)
    assert maths.origin == "phan-cong.xlsx › Phân công › dòng/row 4"
    assert literature is not None
    assert literature.person.personal_id == BINH[1]


def test_a_substitutes_file_from_a_day_ends_the_earlier_teacher(
    store: Store, tmp_path: Path
) -> None:
    import_file(store, write_sheet(tmp_path / "a.xlsx", ROWS), SCHOOL, YEAR)
    substitute = [[1, "8A1", "Toán học", *DUNG, None, None, None]]
    done = import_file(
        store, write_sheet(tmp_path / "b.xlsx", substitute), SCHOOL, YEAR, date(2025, 3, 10)
    )
    assert (done.recorded.added, done.recorded.closed) == (1, 1)
    with store.read() as s:
        march = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM, on=date(2025, 3, 1))
        may = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM)
        other_class = who_signs(s, SCHOOL, YEAR, "8A2", "TOAN", Role.GVBM)
    assert march is not None
    assert march.person.full_name == AN[0]
    assert may is not None
    assert may.person.full_name == DUNG[0]
    assert other_class is not None
    assert other_class.person.full_name == AN[0]


BAD: dict[str, tuple[list[Any], str, str]] = {
    # name: (row 4 of the sheet, the cell named, a word of the English message)
    "unknown subject": ([1, "8A1", "Thiên văn", *AN, None, None, None], "C4", "unknown subject"),
    "ID of 11 digits": ([1, "8A1", "Toán", AN[0], "79085001234", None, None, None], "E4", "ID"),
    "empty name": ([1, "8A1", "Toán", "  ", AN[1], None, None, None], "D4", "name"),
    "bad homeroom mark": ([1, "8A1", "Toán", *AN, None, "maybe", None], "G4", "homeroom"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_one_bad_cell_refuses_the_whole_file(store: Store, tmp_path: Path, case: str) -> None:
    row, cell, word = BAD[case]
    path = write_sheet(tmp_path / "bad.xlsx", [row, *ROWS[1:]])
    with pytest.raises(AssignmentsRefused) as refused:
        import_file(store, path, SCHOOL, YEAR)
    [problem] = refused.value.problems
    assert (problem.file, problem.sheet, problem.cell) == ("bad.xlsx", "Phân công", cell)
    assert word in refused.value.message_en
    assert f"bad.xlsx › Phân công › {cell}" in refused.value.message_vi
    for found in (AN[1], "79085001234"):
        assert found not in str(refused.value)  # the ID cell's value is masked too
    with store.read() as s:
        assert assignments(s) == []  # the good rows were not written either


def test_two_homeroom_teachers_of_a_class_on_one_day_are_refused(
    store: Store, tmp_path: Path
) -> None:
    rows = [*ROWS, [6, "8A1", None, *DUNG, None, "x", None]]
    path = write_sheet(tmp_path / "two.xlsx", rows)
    with pytest.raises(AssignmentsRefused) as refused:
        import_file(store, path, SCHOOL, YEAR)
    [problem] = refused.value.problems
    assert problem.cell == "G9"
    assert "G4" in problem.problem_en  # where the first one is
    assert "--from" in refused.value.message_en


def test_a_file_without_the_header_row_is_refused(store: Store, tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "none.xlsx", ROWS, header=["a", "b", "c", "d", "e"])
    with pytest.raises(AssignmentsRefused, match="Lớp, Môn"):
        import_file(store, path, SCHOOL, YEAR)


def test_headers_without_diacritics_in_another_order(store: Store, tmp_path: Path) -> None:
    header = ["CCCD", "Ho ten", "LOP", "Mon hoc"]
    path = write_sheet(tmp_path / "plain.xlsx", [[AN[1], AN[0], "10A1", "Hoa hoc"]], header)
    import_file(store, path, SCHOOL, YEAR)
    with store.read() as s:
        chemistry = who_signs(s, SCHOOL, YEAR, "10A1", "HH", Role.GVBM)
    assert chemistry is not None
    assert chemistry.person.full_name == AN[0]


def test_the_command_imports_lists_masked_and_refuses_with_exit_2(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    good = write_sheet(tmp_path / "good.xlsx", ROWS)
    done = _hub(tmp_path, db_url, "signers", "import", str(good), "--school", SCHOOL,
                "--year", YEAR)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "added 6" in done.output
    bad = write_sheet(tmp_path / "bad.xlsx", [BAD["unknown subject"][0]])
    refused = _hub(tmp_path, db_url, "signers", "import", str(bad), "--school", SCHOOL,
                   "--year", YEAR, "--from", "2025-03-10")  # fmt: skip
    assert refused.exit_code == 2
    assert "bad.xlsx › Phân công › C4" in refused.output
    wrong_day = _hub(tmp_path, db_url, "signers", "import", str(good), "--school", SCHOOL,
                     "--year", YEAR, "--from", "10/3/2025")  # fmt: skip
    assert wrong_day.exit_code == 2
    table = _hub(tmp_path, db_url, "signers", "list", "--school", SCHOOL)
    listed = _hub(tmp_path, db_url, "signers", "list", "--year", YEAR, "--format", "json")
    assert table.exit_code == 0, table.output
    assert listed.exit_code == 0, listed.output
    for output in (table.output, listed.output):
        for _, personal_id in (AN, BINH, CUONG):
            assert personal_id not in output
    assert "*********234" in table.output
    rows = json.loads(listed.output)
    assert len(rows) == 6
    assert {r["personal_id"] for r in rows} == {"*********234", "*********321", "*********999"}


def test_an_id_stored_as_a_number_gets_its_leading_zero_back(store: Store, tmp_path: Path) -> None:
    rows = [[1, "6A", "Toán", AN[0], 79085001234, None, None, None]]
    import_file(store, write_sheet(tmp_path / "number.xlsx", rows), SCHOOL, YEAR)
    with store.read() as s:
        maths = who_signs(s, SCHOOL, YEAR, "6A", "TOAN", Role.GVBM)
    assert maths is not None
    assert maths.person.personal_id == AN[1]
