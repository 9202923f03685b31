"""Provenance made on demand: every located value of a record is found at the cell it names.

The reader keeps (sheet, row, column) per value and makes a Provenance only when asked; these
tests ask for all of them and check each against the written workbook (read with openpyxl, not
with the reader under test), and check that mapping memos never swallow a repeated problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub_generic_excel.sample import sample_case
from hub_generic_excel.sheets import CellLocations, SheetPlan
from hub_generic_excel.source import ExcelSource
from openpyxl import load_workbook

from hub.sources import Provenance, RawPath
from hub.testing import read_all

from .helpers import mappings


def _at(data: Any, path: RawPath) -> Any:
    for step in path:
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return None
    return data


def _same(read: Any, written: Any) -> bool:
    if isinstance(read, int | float) and isinstance(written, int | float):
        return float(read) == float(written)
    if str(written).endswith(f": {read}"):
        return True  # a title cell, "Giáo viên: Lê Thanh Mai"
    return str(read).strip() == str(written).strip()


def test_every_located_value_is_in_the_cell_its_provenance_names(tmp_path: Path) -> None:
    case = sample_case(tmp_path / "school")
    result = read_all(ExcelSource(case.config, mappings()), None)
    assert result.records
    books: dict[str, Any] = {}
    checked = 0
    for record in result.records:
        locations = record.locations
        assert len(list(locations)) == len(locations) == len(dict(locations.items()))
        assert record.location_of(()).row is not None  # the record's own row
        for path in locations:
            where = locations[path]
            assert isinstance(where, Provenance)
            value = _at(record.data, path)
            if not where.cells or value in (None, "") or isinstance(value, dict | list):
                continue
            folder = Path(case.config["folder"])
            file = next(folder.rglob(where.file or "?"))
            book = books.setdefault(str(file), load_workbook(file, data_only=True))
            written = book[where.sheet][where.cells[0]].value
            assert _same(value, written), (path, where.describe(), value, written)
            checked += 1
    assert checked > 30 * len(result.records)  # scores, list values, summary values


def test_a_later_sheet_row_wins_and_explicit_locations_come_first() -> None:
    first = SheetPlan("a.xlsx", "Toán", {2: ("subjects", "Toán", "semester1", "midterm")})
    second = SheetPlan("a.xlsx", "Toán (2)", {4: ("subjects", "Toán", "semester1", "midterm")})
    row = Provenance("a.xlsx", "Toán", 7)
    locations = CellLocations({(): row}, [(first, 6), (second, 9)])
    midterm = ("subjects", "Toán", "semester1", "midterm")
    assert locations[midterm] == Provenance("a.xlsx", "Toán (2)", 10, ("E10",))
    assert locations.get(()) == row
    assert locations.get(("subjects",)) is None
    assert set(locations) == {(), midterm}
    merged = CellLocations({(): Provenance("list.xlsx")}).merged(locations)
    assert merged[()] == row  # as {**a, **b}: the later mapping wins
    assert merged == {(): row, midterm: locations[midterm]}
