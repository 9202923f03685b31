"""What an operator's screen and files may show of a learner: keys yes, identity never.

The operator's commands print MaHoSo (the sender's key), the source's own learner key and the
ministry's codes, which identify a record without identifying a person. Free text is another
matter: a message written by a vendor's plugin or by the ministry (MoTa) may quote the value it
complains about, and that value may be a personal ID number. Every message is therefore passed
through `mask_text` before it reaches a terminal, a JSON answer, a spreadsheet or a CSV file.
Names and birth dates are never selected from the store in the first place (it keeps neither
outside the signed document bytes, which these commands do not read).
"""

from __future__ import annotations

import re

KEEP_DIGITS = 3
"""Digits of a personal ID left visible: enough to tell two learners apart on a call."""

# SoDinhDanh is 12 digits (codes.md); the old identity card (CMND) 9. A run of exactly that many
# digits in free text is masked; longer or shorter runs (MaTruong, dates, scores) are not.
_PERSONAL_ID = re.compile(r"(?<!\d)(\d{9}|\d{12})(?!\d)")


def mask_id(value: str) -> str:
    """`079123456789` → `*********789`: all but the last three characters hidden."""
    if len(value) <= KEEP_DIGITS:
        return "*" * len(value)
    return "*" * (len(value) - KEEP_DIGITS) + value[-KEEP_DIGITS:]


def mask_text(text: str | None) -> str:
    """A message with every number shaped like a personal ID masked (None gives "")."""
    if not text:
        return ""
    return _PERSONAL_ID.sub(lambda m: mask_id(m.group(1)), text)
