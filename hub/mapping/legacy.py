"""Vietnamese text typed with the legacy TCVN3 (ABC) and VNI fonts, converted to Unicode NFC.

Before Unicode, schools typed Vietnamese with 8-bit fonts (.VnTime for TCVN3, VNI-Times for
VNI): the file stores Windows-1252 letters and only the font made them look Vietnamese. Opened
today, "Nguyễn Văn Hoàng" reads "NguyÔn V¨n Hoµng" (TCVN3) or "Nguyeãn Vaên Hoaøng" (VNI).

No maintained PyPI library decodes these well (the few that exist are unmaintained, cover one
table, or convert whole documents without detection), so the tables are written here from the
published code charts. Detection is heuristic, because a legacy string is also valid Latin-1
text: a candidate decoding is kept only when it turns more words into valid Vietnamese
syllables than the text as found, and the text as found wins every tie (a Ê-đê name such as
"H'Hen Niê" or "Ksor" is left alone).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from hub.mapping.text import CACHE_SIZE

# TCVN3 (TCVN 5712:1993, VN3): byte → letter. Capitals with marks existed only in separate
# capital fonts that reuse the small letters' bytes, so the six capitals below are all there is.
_TCVN3_PAIRS = (
    "¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ ¨ă ©â ªê «ô ¬ơ \u00adư ®đ "
    "µà ¶ả ·ã ¸á ¹ạ »ằ ¼ẳ ½ẵ ¾ắ Æặ Çầ Èẩ Éẫ Êấ Ëậ "
    "Ìè Îẻ Ïẽ Ðé Ñẹ Òề Óể Ôễ Õế Öệ ×ì Øỉ Üĩ Ýí Þị "
    "ßò áỏ âõ ãó äọ åồ æổ çỗ èố éộ êờ ëở ìỡ íớ îợ "
    "ïù ñủ òũ óú ôụ õừ öử ÷ữ øứ ùự úỳ ûỷ üỹ ýý þỵ"
)
TCVN3 = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split(" ")}

# VNI: a base letter followed by one mark character (or two letters for ơ/ư/đ and the i/y
# forms). Marks after a, e, o, u, y, ơ, ư; the circumflex and breve combine with a tone.
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT = {"â": "", "à": "\u0300", "á": "\u0301", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "è": "\u0300", "é": "\u0301", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {
    "ô": "ơ",
    "Ô": "Ơ",
    "ö": "ư",
    "Ö": "Ư",
    "ñ": "đ",
    "Ñ": "Đ",
    "ì": "ì",
    "í": "í",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
    "Ì": "Ì",
    "Í": "Í",
    "Æ": "Ỉ",
    "Ó": "Ĩ",
    "Ò": "Ị",
    "Î": "Ỵ",
}


def _upper_marks(table: dict[str, str]) -> dict[str, str]:
    return table | {k.upper(): v for k, v in table.items()}


_TONES = _upper_marks(_VNI_TONES)
_HAT = _upper_marks(_VNI_HAT)
_BREVE = _upper_marks(_VNI_BREVE)


def decode_tcvn3(text: str) -> str:
    """TCVN3 letters (as Windows-1252 characters) → Unicode NFC."""
    return unicodedata.normalize("NFC", "".join(TCVN3.get(c, c) for c in text))


def decode_vni(text: str) -> str:
    """VNI letter-and-mark sequences (as Windows-1252 characters) → Unicode NFC."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        base = _VNI_SINGLE.get(c, c)
        i += 1
        if base.lower() in "aeouyơư" and nxt:
            if base.lower() in "aeo" and nxt in _HAT:
                base += "\u0302" + _HAT[nxt]
                i += 1
            elif base.lower() == "a" and nxt in _BREVE:
                base += "\u0306" + _BREVE[nxt]
                i += 1
            if i < len(text) and text[i] in _TONES:
                base += _TONES[text[i]]
                i += 1
        out.append(base)
    return unicodedata.normalize("NFC", "".join(out))


# A Vietnamese syllable: initial consonant, vowel nucleus, final consonant, one tone at most.
_INITIAL = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEUS = (
    "oai|oay|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|iêu|yêu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|ưa|ưi|ươ|ưu|uy|ya|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_FINAL = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE = re.compile(f"(?:{_INITIAL})?(?P<nucleus>{_NUCLEUS})(?P<final>{_FINAL})?")
_GLIDE_ENDED = frozenset(
    {"ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu"}
    | {"iêu", "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uyu"}
)
_TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_WORD = re.compile(r"[^\s'\-,.;:()/0-9]+")


def _valid_syllable(word: str) -> bool:
    letters: list[str] = []
    toned: list[int] = []
    for index, char in enumerate(word.lower()):
        parts = unicodedata.normalize("NFD", char)
        if any(p in _TONE_MARKS for p in parts):
            toned.append(index)
        letters.append(
            unicodedata.normalize("NFC", "".join(p for p in parts if p not in _TONE_MARKS))
        )
    bare = "".join(letters)
    match = _SYLLABLE.fullmatch(bare)
    if len(toned) > 1 or len(bare) != len(letters) or match is None:
        return False
    nucleus, final = match["nucleus"], match["final"] or ""
    if nucleus in _GLIDE_ENDED and (final or (toned and toned[0] == match.end("nucleus") - 1)):
        return False  # "aut" has no syllable; "aù" puts the tone on a glide (VNI "á" as found)
    # "nh" and "ch" end a syllable only after a, ê, i or y (anh, ênh, inh, ach, ich, uynh).
    return not (final in ("nh", "ch") and nucleus[-1] not in "aêiy")


def _score(text: str) -> tuple[bool, int]:
    words = _WORD.findall(text)
    letters_only = all(w.isalpha() for w in words)
    # A capital inside a word ("BÝch", "TuÊn") is how TCVN3 small letters look in Latin-1.
    odd_case = sum(any(c.isupper() for c in w[1:]) and not w.isupper() for w in words)
    return letters_only, sum(_valid_syllable(w) for w in words) - odd_case


def decode(text: str, encoding: str) -> str:
    """`text` decoded from "TCVN3" or "VNI"."""
    return decode_tcvn3(text) if encoding == "TCVN3" else decode_vni(text)


def column_encoding(values: Iterable[str]) -> str | None:
    """The legacy encoding of a column, when its cells that tell agree on one.

    A single word is often ambiguous ("Vò" is a word, and TCVN3 for "Vũ"); a column of names
    typed on one computer is not, so readers decide per column and decode every cell with it.
    """
    votes = Counter(to_unicode(v)[1] for v in values if v and not v.isascii())
    votes.pop(None, None)
    ranked = votes.most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] < 3 * ranked[1][1]):
        return None  # no legacy cell, or no clear majority: leave each cell to its own reading
    return ranked[0][0]


def decode_as(text: str, encoding: str) -> str:
    """`text` decoded with the column's encoding, unless that makes it worse."""
    found = unicodedata.normalize("NFC", text)
    if found.isascii() or any(ord(c) > 255 for c in found):
        return found
    candidate = decode(found, encoding)
    ok, score = _score(candidate)
    return candidate if ok and score >= _score(found)[1] else found


@lru_cache(maxsize=CACHE_SIZE)
def to_unicode(text: str) -> tuple[str, str | None]:
    """(Unicode NFC text, the legacy encoding it was found in, or None)."""
    found = unicodedata.normalize("NFC", text)
    if found.isascii():
        return found, None
    best, encoding = found, None
    if all(ord(c) < 256 for c in found):  # only then can it be TCVN3 or VNI
        best_score = _score(found)
        decoded = [
            (_score(d(found)), d(found), n)
            for n, d in (("TCVN3", decode_tcvn3), ("VNI", decode_vni))
        ]
        # More valid syllables wins; between the two decodings a tie goes to the shorter text,
        # since a VNI letter-and-mark pair read as TCVN3 stays two letters ("Ngoâ" → "Ngoõ").
        decoded.sort(key=lambda item: (item[0][1], -len(item[1])), reverse=True)
        for score, candidate, name in decoded:
            if score[0] and (not best_score[0] or score[1] > best_score[1]):
                best, best_score, encoding = candidate, score, name
                break
    return best, encoding
