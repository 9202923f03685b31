"""Text normalisation for matching labels and headers as people type them.

`fold()` is how two labels are compared: without diacritics (đ → d), case, punctuation,
line breaks or repeated spaces, and without a parenthesised note, so that "Ngày sinh\n(dd/mm)",
"NGAY SINH" and "ngày  sinh" are the same header. It loses information (Nguyễn = Nguyên), so it
is used for matching labels, never for names or values that are sent on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")

CACHE_SIZE = 4096
"""Entries of the text caches (fold, legacy decoding, name keys). A value repeats within one
school's files (a label on every sheet, a class's names on each of its sheets); across a
province most values (names) are unique, so a larger cache would only hold memory."""


@lru_cache(maxsize=CACHE_SIZE)
def fold(text: str) -> str:
    """The matching key of a label: ASCII lower case words separated by one space."""
    stripped = _NOTE.sub(" ", text)
    decomposed = unicodedata.normalize("NFD", stripped.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", ascii_only).strip()


def clean(text: str) -> str:
    """NFC with runs of white space (line breaks, non-breaking spaces) made one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).replace("\u00a0", " ")).strip()
