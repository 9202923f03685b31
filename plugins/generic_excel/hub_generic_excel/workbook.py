"""Opening a spreadsheet (.xlsx, .xls, .ods) with python-calamine: sheets as rows of values.

calamine reads all three formats through one API and is about ten times faster than openpyxl
in read-only mode. It returns a formula's cached value (the value Excel or LibreOffice last
computed), numbers as floats, dates as `date`/`datetime`, and "" for an empty cell — and "" for
a formula saved without a computed value, which `Sheet.uncomputed` tells apart when asked
(hub_generic_excel.formulas). A file calamine cannot open is looked at once more to say what it
is (hub_generic_excel.unreadable): empty, text, a web page, password-protected, damaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from hub_generic_excel.formulas import FormulaIndex
from hub_generic_excel.unreadable import UnreadableWorkbook, why_unreadable

Row = list[Any]
__all__ = ["Row", "Sheet", "UnreadableWorkbook", "cell", "column_letter", "read_workbook"]


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: its name, whether it was hidden, and its rows from A1.

    `formulas` finds the formulas saved without a value; it reads the file again, so it is
    asked only when a cell that must hold a value is blank.
    """

    name: str
    hidden: bool
    rows: list[Row]
    formulas: FormulaIndex | None = field(default=None, compare=False, repr=False)

    def uncomputed(self) -> dict[tuple[int, int], str]:
        """0-based (row, column) → formula text, for each formula saved without its value."""
        return self.formulas.uncomputed(self.name) if self.formulas is not None else {}


@lru_cache(maxsize=1024)
def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(row: int, col: int) -> str:
    """The A1 address of 0-based (row, col)."""
    return f"{column_letter(col)}{row + 1}"


def read_workbook(path: Path) -> list[Sheet]:
    """Every worksheet of the file (chart sheets skipped), hidden ones marked.

    Raises:
        UnreadableWorkbook: the file is not a spreadsheet calamine can read; says what it is.
    """
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise why_unreadable(path, f"{type(exc).__name__}: {exc}") from exc
    formulas = FormulaIndex(path)
    sheets: list[Sheet] = []
    try:
        for meta in workbook.sheets_metadata:
            if meta.typ not in (SheetTypeEnum.WorkSheet,):
                continue
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            hidden = meta.visible != SheetVisibleEnum.Visible
            sheets.append(Sheet(meta.name, hidden, rows, formulas))
    except Exception as exc:
        raise why_unreadable(path, f"{type(exc).__name__}: {exc}") from exc
    finally:
        workbook.close()
    return sheets
