"""Finding a sheet's header by its text, whatever row it is on and however it is spelt.

Templates vary between schools and years: the header may start on row 4 or row 9, span two or
three rows with merged cells (only the top-left cell of a merge holds the text, so upper
header rows are filled rightwards), carry line breaks, notes in brackets, columns in another
order, extra or hidden columns. The header is anchored on the row holding the template's anchor
columns (e.g. "Họ và tên"); rows below it that have no name are header rows too, and a row of
column numbers ("(1) (2) (3)") is skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.api import fold
from hub_generic_excel.workbook import Row


def text_of(value: Any) -> str:
    """A header cell as text ("" for blank); a number header (7) reads "7"."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Header:
    """Where a sheet's header is and each column's header texts, top to bottom."""

    top: int
    bottom: int
    raw: list[list[str]]  # per column: the texts of each header row (filled rightwards)
    folded: list[list[str]]
    columns: dict[str, int] = field(default_factory=dict)  # template column key → index
    ambiguous: dict[str, list[int]] = field(default_factory=dict)

    def bottom_text(self, col: int) -> str:
        """The lowest non-empty folded header text of a column."""
        for text in reversed(self.folded[col]):
            if text:
                return text
        return ""


def aliases(table: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """Each key's aliases folded."""
    return {key: {fold(a) for a in names} for key, names in table.items()}


def _matches(folded_texts: Iterable[str], names: set[str]) -> bool:
    return any(t in names for t in folded_texts if t)


def is_numbering_row(row: Row) -> bool:
    """A row of column numbers under a header: (1) (2) (3) … or 1 2 3 …"""
    numbers = []
    for value in row:
        text = text_of(value).strip("()[] ")
        if not text:
            continue
        if not text.isdigit():
            return False
        numbers.append(int(text))
    return len(numbers) >= 3 and all(b == a + 1 for a, b in itertools.pairwise(numbers))


def _has_title_text(row: Row) -> bool:
    texts = [text_of(v) for v in row if text_of(v)]
    return len(texts) < 2 or any(":" in t or len(t) > 60 for t in texts)


def find_header(
    rows: Sequence[Row], columns: Mapping[str, set[str]], anchor: Sequence[str], search_rows: int
) -> Header | None:
    """Locate the header; None when no row within `search_rows` holds every anchor column."""
    for r in range(min(search_rows, len(rows))):
        folded_row = [fold(text_of(v)) for v in rows[r]]
        if all(any(t in columns[key] for t in folded_row if t) for key in anchor):
            return _build(rows, r, columns, anchor)
    return None


def _build(
    rows: Sequence[Row], anchor_row: int, columns: Mapping[str, set[str]], anchor: Sequence[str]
) -> Header:
    top = anchor_row
    if top > 0 and not _has_title_text(rows[top - 1]) and not is_numbering_row(rows[top - 1]):
        top -= 1
    anchor_cols = [
        c
        for c, v in enumerate(rows[anchor_row])
        if any(fold(text_of(v)) in columns[k] for k in anchor)
    ]
    bottom = anchor_row
    while bottom + 1 < len(rows):
        below = rows[bottom + 1]
        if is_numbering_row(below) or not any(text_of(v) for v in below):
            break
        if any(fold(text_of(below[c])) for c in anchor_cols if c < len(below)):
            break
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in below):
            break
        bottom += 1
    block = tuple(tuple(rows[r]) for r in range(top, bottom + 1))
    if not all(type(v) is str for row in block for v in row):
        return _texts(rows, top, bottom, anchor_cols, columns)  # not only text: not remembered
    key = (id(columns), tuple(anchor), top, bottom, block)
    known = _BUILT.get(key)
    if known is not None and known[0] is columns:
        return known[1]
    header = _texts(rows, top, bottom, anchor_cols, columns)
    if len(_BUILT) >= _BUILT_LIMIT:
        _BUILT.clear()
    _BUILT[key] = (columns, header)
    return header


# Every class file of a school repeats the same headers: a header already seen (same cells at
# the same rows, same template columns) is built once. Headers are not changed once built.
_BUILT: dict[Any, tuple[Mapping[str, set[str]], Header]] = {}
_BUILT_LIMIT = 4096


def _texts(
    rows: Sequence[Row],
    top: int,
    bottom: int,
    anchor_cols: list[int],
    columns: Mapping[str, set[str]],
) -> Header:
    """The header between rows `top` and `bottom`: its texts, and the template's columns."""
    width = max(len(rows[r]) for r in range(top, bottom + 1))
    raw: list[list[str]] = [[] for _ in range(width)]
    for r in range(top, bottom + 1):
        row = rows[r]
        carry = ""
        for c in range(width):
            text = text_of(row[c]) if c < len(row) else ""
            if r < bottom and not text and carry and c not in anchor_cols:
                text = carry  # a horizontally merged cell: the text sits in its first column
            carry = text if r < bottom else ""
            raw[c].append(re.sub(r"\s+", " ", text))
    header = Header(top, bottom, raw, [[fold(t) for t in col] for col in raw])
    for key, names in columns.items():
        found = [c for c in range(width) if _column_matches(header, c, names)]
        if len(found) == 1:
            header.columns[key] = found[0]
        elif len(found) > 1:
            header.ambiguous[key] = found
    return header


def _column_matches(header: Header, col: int, names: set[str]) -> bool:
    texts = header.folded[col]
    return _matches(texts, names) or " ".join(t for t in texts if t) in names
