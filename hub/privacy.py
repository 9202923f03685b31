"""What an operator's screen, files and logs may show of a learner: keys yes, identity never.

The operator's commands print MaHoSo (the sender's key), the source's own learner key and the
ministry's codes, which identify a record without identifying a person; those columns are
never masked. Free text is another matter: a message written by a vendor's plugin or by the
ministry (MoTa) may quote the value it complains about, and that value may be a personal ID
number. Every message is therefore passed through `mask_text` before it reaches a terminal, a
JSON answer, a spreadsheet or a CSV file, and every log record through `mask_logs`. Names and
birth dates are never selected from the store in the first place (it keeps neither outside the
signed document bytes, which these commands do not read).

Two ends, because a pattern alone cannot know an ID in every shape:

- where a value is read, what was found in an ID cell (SoDinhDanh, a foreign document number,
  any field a mapping marks `personal_id: true`) is masked by `mask_id` whatever its shape,
  before it enters a message or a Problem's `found` (hub.mapping, the generic_excel plugin);
- at every output, `mask_text` masks what looks like a personal ID in free text.

What `mask_text` takes for a personal ID: a run of 9 digits (the old CMND), 12 (SoDinhDanh)
or 11 (a SoDinhDanh a spreadsheet stored as a number, its leading zero lost), and 9 to 12
digits written in groups of 2 to 6 split by one kind of separator (space, dot or dash:
`0362 1206 5227`, `036.212.065.227`). Only the last three digits stay. Left alone: a number
touching a letter or another digit (the ministry's HB… and TN… codes, the hex MaLoGui), runs
of other lengths (MaTruong has 8 digits; MaHocSinh 10 to 15 — one of 11 or 12 digits is masked
in free text, since its shape is an ID's, but never in its own column), dates, and MaHoSo as
the generic mappings form it (`<MaTruong>-<NamHoc>-<MaHocSinh>`). A 10-digit run is left
alone: it is the commonest MaHocSinh length, and the one ID that becomes 10 digits (a Hà Nội
to Tuyên Quang SoDinhDanh read as a number, both leading zeros lost) is only ever met in an
ID cell, which is masked where it is read.
"""

from __future__ import annotations

import logging
import re
from typing import Any

KEEP_DIGITS = 3
"""Digits of a personal ID left visible: enough to tell two learners apart on a call."""

_ID_RUNS = frozenset({9, 11, 12})  # digits in one unbroken personal ID, as free text holds it
_SPLIT_DIGITS = range(9, 13)  # digits in one personal ID written in groups
_GROUP = range(2, 7)  # digits in one group of a split ID

# Runs of digits joined by single separators, touching no letter or digit on either side.
_CHAIN = re.compile(r"(?<![^\W_])\d+(?:[ .\-]\d+)*(?![^\W_])")
_PART = re.compile(r"([ .\-])")
_MA_HO_SO = re.compile(r"\d{8}-\d{4}-\d{4}-\d{10,15}")


def mask_id(value: str) -> str:
    """`079123456789` → `*********789`: every digit but the last three hidden.

    Separators and other characters keep their place (`0362 1206 5227` → `**** **** *227`), so
    an operator still sees how the value was typed. A value without digits (a passport number
    is letters and digits) has every character but the last three hidden.
    """
    digits = sum(c.isdigit() for c in value)
    if digits == 0:
        keep = max(0, min(KEEP_DIGITS, len(value) - KEEP_DIGITS))
        return "*" * (len(value) - keep) + value[len(value) - keep :]
    keep = min(KEEP_DIGITS, max(0, digits - KEEP_DIGITS))
    out, seen = [], 0
    for c in value:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - keep else "*")
        elif c.isalnum():
            out.append("*")
        else:
            out.append(c)
    return "".join(out)


def _marked(runs: list[str], seps: list[str]) -> list[bool]:
    """Which runs of one chain belong to a personal ID (see the module docstring)."""
    marked = [len(run) in _ID_RUNS for run in runs]
    for first in range(len(runs)):
        total = 0
        for last in range(first, len(runs)):
            if len(runs[last]) not in _GROUP or (last > first and seps[last - 1] != seps[first]):
                break
            total += len(runs[last])
            if total > _SPLIT_DIGITS[-1]:
                break
            if last > first and total in _SPLIT_DIGITS:
                for index in range(first, last + 1):
                    marked[index] = True
    return marked


def _mask_chain(match: re.Match[str]) -> str:
    chain = match.group(0)
    if _MA_HO_SO.fullmatch(chain):
        return chain
    parts = _PART.split(chain)
    runs, seps = parts[0::2], parts[1::2]
    marked = _marked(runs, seps)
    if not any(marked):
        return chain
    out: list[str] = []
    index = 0
    while index < len(runs):
        if not marked[index]:
            out.append(runs[index])
        else:  # a span of marked runs, masked as one value with its separators
            end = index
            while end + 1 < len(runs) and marked[end + 1]:
                end += 1
            span = runs[index] + "".join(seps[i] + runs[i + 1] for i in range(index, end))
            out.append(mask_id(span))
            index = end
        if index < len(seps):
            out.append(seps[index])
        index += 1
    return "".join(out)


def mask_text(text: str | None) -> str:
    """A message with every number shaped like a personal ID masked (None gives "")."""
    if not text:
        return ""
    return _CHAIN.sub(_mask_chain, text)


_FORMATTER = logging.Formatter()


def _masking_factory(previous: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it when the record is emitted
            return record
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            # Formatted now, masked, and kept: handlers print exc_text when it is set.
            record.exc_text = mask_text(_FORMATTER.formatException(record.exc_info))
        return record

    make.masks_personal_ids = True  # type: ignore[attr-defined]
    return make


def mask_logs() -> None:
    """Mask personal IDs in every log record of this process, whichever library logs it.

    The record factory is wrapped, so handlers added later (a test's caplog, a service's
    journald handler) see only masked text. Called by the `hub` command and by each worker
    process; calling it again changes nothing.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_personal_ids", False):
        return
    logging.setLogRecordFactory(_masking_factory(current))
