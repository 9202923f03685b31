"""Test-only encoders: Unicode → the legacy TCVN3 and VNI fonts, as an old school PC typed it."""

from __future__ import annotations

import unicodedata

from hub.mapping.legacy import TCVN3

_TO_TCVN3 = {v: k for k, v in TCVN3.items()}
_TONE = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_HAT_TONE = {"": "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE_TONE = {"": "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_I = {"\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_tcvn3(text: str) -> str:
    return "".join(_TO_TCVN3.get(c, c) for c in unicodedata.normalize("NFC", text))


def to_vni(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        upper = base.isupper()
        tone = next((m for m in marks if m in _TONE), "")
        if base in "đĐ":
            out.append("ñ" if base == "đ" else "Ñ")
            continue
        if "\u031b" in marks:  # horn: ơ ư
            letter = {"o": "ô", "u": "ö"}[base.lower()]
            out.append((letter.upper() if upper else letter) + (_TONE[tone] if tone else ""))
        elif "\u0302" in marks:
            out.append(base + _HAT_TONE[tone])
        elif "\u0306" in marks:
            out.append(base + _BREVE_TONE[tone])
        elif base.lower() == "i" and tone:
            out.append(_I[tone].upper() if upper else _I[tone])
        elif base.lower() == "y" and tone == "\u0323":
            out.append("Î" if upper else "î")
        else:
            out.append(base + (_TONE[tone] if tone else ""))
    return "".join(out)
