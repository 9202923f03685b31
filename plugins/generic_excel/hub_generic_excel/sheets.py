"""What the readers share: located values, the rows that are learners, the title area.

Every value a reader keeps is stored with its Provenance (file, sheet, row, cell), and every
learner row becomes an `Entry`; rows that are not learners (blank rows in the middle, a row of
column numbers, a signature block) are skipped, and a row with a single stray value is
reported as a warning rather than dropped unseen.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.mapping import fold
from hub.mapping.legacy import column_encoding, decode_as, to_unicode
from hub.sources import Problem, ProblemCode, Provenance, RawPath, Severity
from hub_generic_excel.headers import Header, is_numbering_row, text_of
from hub_generic_excel.workbook import Row, Sheet, cell


@dataclass
class Entry:
    """One learner row (or the rows of one learner across a gradebook's sheets)."""

    row: Provenance
    data: dict[str, Any] = field(default_factory=dict)
    locations: dict[RawPath, Provenance] = field(default_factory=dict)

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
        self.locations[path] = where


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def name_key(value: Any) -> str:
    """How two sheets' spellings of a learner's name are compared (legacy fonts decoded)."""
    return fold(to_unicode(text_of(value))[0])


def learner_rows(
    sheet: Sheet, header: Header, mapped: Sequence[int], file: str
) -> Iterator[tuple[int, Row] | Problem]:
    """The rows below the header that are learners; a lone stray value is a warning."""
    name_col = header.columns.get("full_name")
    code_col = header.columns.get("learner_code")
    order_col = header.columns.get("order")
    for r in range(header.bottom + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if is_numbering_row(row):
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
        found = "; ".join(text_of(row[c]) for c in filled)
        yield Problem.at(
            ProblemCode.VALUE_INVALID.value,
            where,
            found[:80],
            "a learner row or nothing",
            "dòng không phải học sinh (không có mã, số thứ tự hay tên), đã bỏ qua",
            "row is not a learner (no code, number or name); skipped",
            Severity.WARNING,
        )


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
