"""What the readers share: learner rows, their values and where each one was, the title area.

Every learner row becomes an `Entry`: its values in the raw record's nested shape, and where
each value was. A row of a sheet is read through a `SheetPlan` made once per sheet from its
header (which column goes to which path, grouped by the dict or list they fill), so a row is a
few dict writes, not a path walk per cell. Where a value was is kept as (plan, row) and turned
into a Provenance (file, sheet, row, A1 cell) only when asked for: by a problem, or by the
pipeline's trace of a record. Rows that are not learners (blank rows in the middle, a row of
column numbers, a signature block) are skipped, and a row with a single stray value is
reported as a warning rather than dropped unseen.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from typing import Any

from hub.api import (
    Problem,
    ProblemCode,
    Provenance,
    RawPath,
    Severity,
    column_encoding,
    decode_as,
    fold,
    mask_id,
    mask_text,
    to_unicode,
)
from hub_generic_excel.headers import Header, is_numbering_row, text_of
from hub_generic_excel.workbook import Row, Sheet, cell

NAME_CACHE_SIZE = 4096
"""Learners' name keys remembered: a class's names recur on each of its sheets, while across
a province most names are unique, so a larger cache would only hold memory."""

PERSONAL_ID_COLUMNS = frozenset({"personal_id"})
"""Template columns holding a personal ID: a problem quoting such a cell shows it masked."""


class Blank(IntEnum):
    """What a column does with a blank cell."""

    SKIP = 0  # no value (the path's location still points at the cell)
    RAW = 1  # the cell's value as it is, "" past the end of the row
    RAW_IN_ROW = 2  # the cell's value as it is, nothing past the end of the row
    EMPTY = 3  # "" (keeps a label such as a quality's, so that a blank is located)


class SheetPlan:
    """Where each column of one sheet goes in a learner's data, compiled from its header."""

    __slots__ = ("columns", "file", "groups", "sheet", "width")

    def __init__(
        self,
        file: str,
        sheet: str,
        slots: Mapping[int, RawPath],
        blanks: Blank | Mapping[int, Blank] = Blank.SKIP,
    ) -> None:
        self.file = file
        self.sheet = sheet
        self.columns: dict[RawPath, int] = {path: c for c, path in slots.items()}
        grouped: dict[RawPath, list[tuple[Any, int, Blank]]] = {}
        for c, path in slots.items():
            mode = blanks if isinstance(blanks, Blank) else blanks.get(c, Blank.SKIP)
            grouped.setdefault(tuple(path[:-1]), []).append((path[-1], c, mode))
        # A parent whose keys are ints is a list (ĐĐGtx1, ĐĐGtx2, … → regular[0], regular[1]).
        self.groups = tuple(
            (
                parent[:-1],
                parent[-1],
                isinstance(keys[0][0], int),
                tuple(keys),
                tuple((k, c) for k, c, mode in keys)
                if all(mode is Blank.SKIP for _k, _c, mode in keys)
                else (),
            )
            for parent, keys in grouped.items()
            if parent  # every slot path has a parent: ("learner", "full_name"), …
        )
        self.width = max(slots, default=-1) + 1  # a row at least this wide needs no bound check

    def where(self, r: int, c: int) -> Provenance:
        """The Provenance of 0-based (r, c) of this sheet."""
        return Provenance(self.file, self.sheet, r + 1, (cell(r, c),))


class CellLocations(Mapping[RawPath, Provenance]):
    """`RawRecord.locations` of a spreadsheet learner, made into Provenances on demand.

    `explicit` holds the Provenances already made (the row, a title's cell, the config);
    `segments` the (plan, 0-based row) of each sheet row the learner was read from, a later
    segment winning over an earlier one for the same path.
    """

    __slots__ = ("_index", "_indexed", "explicit", "segments")

    def __init__(
        self,
        explicit: dict[RawPath, Provenance] | None = None,
        segments: list[tuple[SheetPlan, int]] | None = None,
    ) -> None:
        self.explicit: dict[RawPath, Provenance] = {} if explicit is None else explicit
        self.segments: list[tuple[SheetPlan, int]] = [] if segments is None else segments
        self._index: dict[RawPath, tuple[SheetPlan, int]] = {}
        self._indexed = 0

    def _cells(self) -> dict[RawPath, tuple[SheetPlan, int]]:
        if self._indexed != len(self.segments):
            self._index = {}
            for plan, r in self.segments:
                for path in plan.columns:
                    self._index[path] = (plan, r)
            self._indexed = len(self.segments)
        return self._index

    def get(self, path: RawPath, default: Any = None) -> Any:
        found = self.explicit.get(path)
        if found is not None:
            return found
        # The segments newest first, not the full index: a record's trace asks for a few
        # dozen paths, and indexing every column of every sheet it spans cost ≈ 10 times more.
        for plan, r in reversed(self.segments):
            c = plan.columns.get(path)
            if c is not None:
                return plan.where(r, c)
        return default

    def __getitem__(self, path: RawPath) -> Provenance:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[RawPath]:
        return iter({**dict.fromkeys(self._cells()), **dict.fromkeys(self.explicit)})

    def __len__(self) -> int:
        return len(self._cells().keys() | self.explicit.keys())

    def __repr__(self) -> str:
        return f"CellLocations({dict(self.items())!r})"

    def merged(self, *others: CellLocations) -> CellLocations:
        """These locations, then each of `others` over them (as `{**a, **b}` would)."""
        explicit = dict(self.explicit)
        segments = list(self.segments)
        for other in others:
            explicit.update(other.explicit)
            segments.extend(other.segments)
        return CellLocations(explicit, segments)


@dataclass
class Entry:
    """One learner row (or the rows of one learner across a gradebook's sheets)."""

    row: Provenance
    data: dict[str, Any] = field(default_factory=dict)
    locations: CellLocations = field(default_factory=CellLocations)

    def put(self, path: RawPath, value: Any, where: Provenance) -> None:
        """Store `value` at `path` in `data` (creating dicts; a list when the last step is int)."""
        node: Any = self.data
        for step, nxt in itertools.pairwise(path):
            if isinstance(node, list):
                assert isinstance(step, int)
                node = node[step]
                continue
            if step not in node:
                node[step] = [] if isinstance(nxt, int) else {}
            node = node[step]
        last = path[-1]
        if isinstance(node, list):
            assert isinstance(last, int)
            node.extend([None] * (last + 1 - len(node)))
            node[last] = value
        else:
            node[last] = value
        self.locations.explicit[path] = where

    def fill(self, plan: SheetPlan, r: int, row: Row) -> None:
        """Store the values of sheet row `r` as `plan` says, and remember where they were."""
        width = len(row)
        data = self.data
        for head, tail, is_list, keys, skipping in plan.groups:
            found: list[tuple[Any, Any]]
            if skipping and width >= plan.width:  # the usual case, as one comprehension
                found = [
                    (key, value)
                    for key, c in skipping
                    if not (
                        (value := row[c]) is None or (isinstance(value, str) and not value.strip())
                    )
                ]
            else:
                found = _found(keys, row)
            if not found:
                continue  # nothing to store: the parent is not created (as for a blank row)
            node: Any = data
            for step in head:
                child = node.get(step)
                if child is None:
                    child = node[step] = {}
                node = child
            leaf = node.get(tail)
            if leaf is None:
                leaf = node[tail] = [] if is_list else {}
            if not is_list:
                leaf.update(found)
                continue
            for index, value in found:
                if index >= len(leaf):
                    leaf.extend([None] * (index + 1 - len(leaf)))
                leaf[index] = value
        self.locations.segments.append((plan, r))


def _found(keys: tuple[tuple[Any, int, Blank], ...], row: Row) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a row's columns, each blank treated as its column says."""
    width = len(row)
    found: list[tuple[Any, Any]] = []
    for key, c, blanks in keys:
        if c < width:
            value = row[c]
            if value is None or (isinstance(value, str) and not value.strip()):
                if blanks is Blank.SKIP:
                    continue
                if blanks is Blank.EMPTY:
                    value = ""
        elif blanks is Blank.RAW or blanks is Blank.EMPTY:
            value = ""
        else:
            continue
        found.append((key, value))
    return found


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def name_key(value: Any) -> str:
    """How two sheets' spellings of a learner's name are compared (legacy fonts decoded)."""
    if isinstance(value, str):
        return _name_key(value)
    return fold(to_unicode(text_of(value))[0])


@lru_cache(maxsize=NAME_CACHE_SIZE)
def _name_key(value: str) -> str:
    # A learner's name is compared once per sheet of the gradebook: computed once.
    return fold(to_unicode(text_of(value))[0])


def learner_rows(
    sheet: Sheet, header: Header, mapped: Sequence[int], file: str
) -> Iterator[tuple[int, Row] | Problem]:
    """The rows below the header that are learners; a lone stray value is a warning."""
    name_col = header.columns.get("full_name")
    code_col = header.columns.get("learner_code")
    order_col = header.columns.get("order")
    personal = {header.columns[key] for key in PERSONAL_ID_COLUMNS if key in header.columns}
    for r in range(header.bottom + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if not _named(row, name_col) and is_numbering_row(row):
            continue
        if code_col is not None and code_col < len(row) and not blank(row[code_col]):
            yield r, row  # the usual row, told by its learner code alone
            continue
        filled = [c for c in mapped if c < len(row) and not blank(row[c])]
        if not filled:
            continue
        has_code = code_col is not None and code_col in filled
        numbered = order_col is not None and order_col < len(row) and _is_number(row[order_col])
        named = name_col is not None and name_col in filled
        if has_code or (named and (numbered or len(filled) >= 2)):
            yield r, row
            continue
        if not named and all(isinstance(row[c], str) for c in filled):
            continue  # a note or a signature block ("Người lập biểu") outside the name column
        where = Provenance(file, sheet.name, r + 1, tuple(cell(r, c) for c in filled))
        found = "; ".join(
            mask_id(text_of(row[c])) if c in personal else text_of(row[c]) for c in filled
        )
        yield Problem.at(
            ProblemCode.VALUE_INVALID.value,
            where,
            found[:80],
            "a learner row or nothing",
            "dòng không phải học sinh (không có mã, số thứ tự hay tên), đã bỏ qua",
            "row is not a learner (no code, number or name); skipped",
            Severity.WARNING,
        )


def _named(row: Row, name_col: int | None) -> bool:
    """Whether the name column holds text that is not a number: then the row is not a row of
    column numbers, and is_numbering_row need not look at every cell."""
    if name_col is None or name_col >= len(row) or not isinstance(row[name_col], str):
        return False
    text = row[name_col].strip().strip("()[] ")
    return bool(text) and not text.isdigit()


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().isdigit()


_PAIR = re.compile(r"([^:]{1,40}?)\s*:\s*(.+?)(?=\s{2,}[^:\s][^:]{0,39}:|\s+-\s+[^:]{1,40}:|$)")


def title_values(
    sheet: Sheet, header_top: int, labels: Mapping[str, set[str]], file: str
) -> dict[str, tuple[str, Provenance]]:
    """ "Label: value" pairs in the rows above the header ("Giáo viên: …", "Lớp: 7A3")."""
    found: dict[str, tuple[str, Provenance]] = {}
    for r in range(header_top):
        for c, value in enumerate(sheet.rows[r]):
            text = text_of(value)
            if not text:
                continue
            pairs = _PAIR.findall(text) or []
            if not pairs:
                match = re.match(r"^\s*(l[ớo]p)\s+(\S+)\s*$", text, re.IGNORECASE)
                pairs = [(match[1], match[2])] if match else []
            for label, val in pairs:
                for key, names in labels.items():
                    if fold(label) in names and key not in found and val.strip():
                        found[key] = (
                            val.strip(),
                            Provenance(file, sheet.name, r + 1, (cell(r, c),)),
                        )
    return found


def decode_legacy_columns(rows: list[dict[str, Any]], columns: Iterable[str]) -> None:
    """Convert each text column typed in a legacy font (TCVN3, VNI) to Unicode, in place.

    The encoding is decided per column (hub.mapping.legacy.column_encoding): one cell alone is
    often ambiguous, a column typed on one computer is not.
    """
    for key in columns:
        texts = [row[key] for row in rows if isinstance(row.get(key), str)]
        encoding = column_encoding(texts)
        if encoding is None:
            continue
        for row in rows:
            if isinstance(row.get(key), str):
                row[key] = decode_as(row[key], encoding)


FORMULA_WITHOUT_VALUE = "FORMULA_WITHOUT_VALUE"


def uncomputed_formulas(
    sheet: Sheet, file: str, rows: Mapping[int, Any], mapped: Iterable[int]
) -> Iterator[tuple[Any, Problem]]:
    """(the row's learner, its problem) for each mapped cell holding a formula with no value.

    Args:
        sheet: the sheet, whose XML is read here (once): call only when a blank was seen.
        rows: 0-based row → what the row was read into (a GradeRow, a Listed).
        mapped: the 0-based columns whose values the learner's record takes.
    """
    columns = set(mapped)
    for (r, c), formula in sorted(sheet.uncomputed().items()):
        target = rows.get(r)
        if target is None or c not in columns:
            continue
        where = Provenance(file, sheet.name, r + 1, (cell(r, c),))
        found = mask_text(f"={formula}" if formula else "= (công thức dùng chung / shared)")
        yield (
            target,
            Problem.at(
                FORMULA_WITHOUT_VALUE,
                where,
                found[:80],
                "the formula's value, saved with the file",
                "ô có công thức nhưng không có giá trị đã tính (tệp được lưu mà không tính công "
                "thức); mở tệp bằng Excel hoặc LibreOffice rồi lưu lại",
                "the cell holds a formula with no computed value (the file was saved without "
                "computing its formulas); open it in Excel or LibreOffice and save it again",
            ),
        )
