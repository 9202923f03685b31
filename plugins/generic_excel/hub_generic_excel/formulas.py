"""Formulas saved without a computed value: told apart from blank cells, only when asked.

Excel and LibreOffice store each formula's last result beside it, and calamine reads that
result. A file written by a program that does not compute (a script with openpyxl, some web
exports) stores the formula alone, and calamine reads it as a blank cell: a score that silently
disappears. Reading every sheet's XML a second time to look for such cells would cost about a
sixth of a read, so a reader asks `FormulaIndex.uncomputed` only for a sheet where a learner's
cell that must hold a value is blank; the sheet's XML is then scanned once and remembered.

Only .xlsx (and .xlsm) can hold a formula without its value: an .xls FORMULA record always
carries its result, and office suites write .ods with the value of every formula.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lxml import etree

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL = f"{{{_MAIN}}}c"
_FORMULA = f"{{{_MAIN}}}f"
_VALUE = f"{{{_MAIN}}}v"
_ADDRESS = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_OOXML_SUFFIXES = (".xlsx", ".xlsm")


def _parse(stream: IO[bytes]) -> etree._Element:
    # The workbook is untrusted input: no DTD, no entities, no network, no huge trees.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.parse(stream, parser).getroot()


def _cell_index(address: str) -> tuple[int, int] | None:
    """ "E7" → (6, 4), 0-based; None for anything else."""
    match = _ADDRESS.match(address)
    if match is None:
        return None
    col = 0
    for letter in match[1]:
        col = col * 26 + ord(letter) - 64
    return int(match[2]) - 1, col - 1


class FormulaIndex:
    """The formulas without a value of one workbook's sheets, found sheet by sheet on demand."""

    __slots__ = ("_found", "_parts", "path")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._parts: dict[str, str] | None = None  # sheet name → its part in the archive
        self._found: dict[str, dict[tuple[int, int], str]] = {}

    def uncomputed(self, sheet: str) -> dict[tuple[int, int], str]:
        """0-based (row, column) → formula text ("" for a shared formula's later cells)."""
        found = self._found.get(sheet)
        if found is None:
            found = self._found[sheet] = self._scan(sheet)
        return found

    def _scan(self, sheet: str) -> dict[tuple[int, int], str]:
        if self.path.suffix.lower() not in _OOXML_SUFFIXES:
            return {}
        try:
            with zipfile.ZipFile(self.path) as archive:
                if self._parts is None:
                    self._parts = _sheet_parts(archive)
                part = self._parts.get(sheet)
                if part is None:
                    return {}
                with archive.open(part) as stream:
                    if b"<!DOCTYPE" in stream.read(1024).upper():
                        return {}  # never parsed; calamine does not expand entities either
                with archive.open(part) as stream:
                    return _uncomputed_cells(stream)
        except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError):
            return {}  # the file was read by calamine: nothing better can be said of it here


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the archive member holding its cells (xl/workbook.xml and its rels)."""
    with archive.open("xl/workbook.xml") as stream:
        workbook = _parse(stream)
    with archive.open("xl/_rels/workbook.xml.rels") as stream:
        rels = _parse(stream)
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{_PACKAGE_REL}}}Relationship")
    }
    parts: dict[str, str] = {}
    for element in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(element.get(f"{{{_REL}}}id"))
        name = element.get("name")
        if target and name:
            # A target is relative to xl/, or absolute from the package's root.
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[name] = str(PurePosixPath(path))
    return parts


def _uncomputed_cells(stream: IO[bytes]) -> dict[tuple[int, int], str]:
    """The cells with a formula and no cached value, streamed (a sheet may be large).

    A formula whose result is text (`t="str"`) and empty was computed: its result is "" (a
    template's =IF(…;"";…)), not missing.
    """
    found: dict[tuple[int, int], str] = {}
    for _event, element in etree.iterparse(
        stream,
        events=("end",),
        tag=_CELL,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    ):
        formula = element.find(_FORMULA)
        if formula is not None and element.get("t") != "str":
            value = element.find(_VALUE)
            if value is None or not (value.text or "").strip():
                where = _cell_index(element.get("r", ""))
                if where is not None:
                    found[where] = formula.text or ""
        element.clear()
    return found


class BlankWatch:
    """Watches one sheet's learner rows for a blank where a value must be.

    The cheap half of the check, run on every row: the columns that must hold a value
    (`required`, 0-based) are fetched with one itemgetter and searched for "" or None. Only
    when one is blank is the sheet's XML read (`Sheet.uncomputed`), once, and every formula
    without a value in a learner's mapped cell reported.
    """

    __slots__ = ("_get", "_width", "seen_blank")

    def __init__(self, required: Iterable[int]) -> None:
        columns = sorted(set(required))
        self._width = columns[-1] + 1 if columns else 0
        self._get: Callable[[Sequence[Any]], Any] | None = (
            itemgetter(*columns, columns[0]) if columns else None  # always a tuple
        )
        self.seen_blank = False

    def watch(self, row: Sequence[Any]) -> None:
        if self.seen_blank or self._get is None:
            return
        if len(row) < self._width:
            self.seen_blank = True
            return
        values = self._get(row)
        self.seen_blank = "" in values or None in values
