"""Check 3 read from the canonical bytes the signature covers: the verifier's quick path.

A signature's SignedInfo and its time object are canonicalised anyway (check 4 hashes and
verifies exactly those bytes). Their exclusive C14N is a fixed spelling of the element tree
(comments gone, attributes sorted, every special character escaped with `&`), so one anchored
regular expression over it decides in C what the element-by-element walk decides node by node:
the profile's exact tree, its algorithms, and the values (References, DigestValues, the time
object's Id and Target, ThoiGianKy). It reads what is signed, not a neighbouring text node.

The quick path only ever says "exactly the profile, with these values" or "I cannot tell"
(None): anything it does not spell out, such as another prefix than the signer used, an extra
attribute, a processing instruction, an escaped character in a value, or a value that fails a
check, sends the signature down the careful path in hub.signing.structure, which gives every
verdict and every message. So the quick path can make a verdict faster, never different
(tests/signing/test_quick_path.py holds the attack corpus to that).
"""

from __future__ import annotations

import re

from hub.signing.profile import DOC_NS, DS_NS, ECDSA_SHA256, EXC_C14N, RSA_SHA256, SHA256

_SPACE = r"[ \t\n]*"  # text between elements: the careful path ignores it, C14N keeps it
_VALUE = r'"([^"&]*)"'  # an attribute value with nothing escaped: its bytes are its value
_TEXT = r"([^<&]*)"  # a text with nothing escaped and no child node left after C14N
_PREFIX = r"(?P<p>[A-Za-z_][A-Za-z0-9_.-]*)"


def _ds(local: str) -> str:
    return "(?P=p):" + local


def _empty(local: str, algorithm: str) -> str:
    return "<" + _ds(local) + ' Algorithm="' + algorithm + '"></' + _ds(local) + ">" + _SPACE


def _uri(text: str) -> str:
    return re.escape(text)


_REFERENCE = (
    "<" + _ds("Reference") + " URI=" + _VALUE + ">" + _SPACE
    + "<" + _ds("Transforms") + ">" + _SPACE
    + _empty("Transform", _uri(EXC_C14N))
    + "</" + _ds("Transforms") + ">" + _SPACE
    + _empty("DigestMethod", _uri(SHA256))
    + "<" + _ds("DigestValue") + ">" + _TEXT + "</" + _ds("DigestValue") + ">" + _SPACE
    + "</" + _ds("Reference") + ">" + _SPACE
)  # fmt: skip

SIGNED_INFO = re.compile(
    "<" + _PREFIX + ":SignedInfo xmlns:(?P=p)=\"" + _uri(DS_NS) + '">' + _SPACE
    + _empty("CanonicalizationMethod", _uri(EXC_C14N))
    + _empty("SignatureMethod", "(" + _uri(RSA_SHA256) + "|" + _uri(ECDSA_SHA256) + ")")
    + _REFERENCE
    + _REFERENCE
    + "</" + _ds("SignedInfo") + ">"
)  # fmt: skip
"""The exclusive C14N of the profile's SignedInfo. Groups: prefix, SignatureMethod, then
URI and DigestValue of each Reference in document order."""

TIME_OBJECT = re.compile(
    "<" + _PREFIX + ":Object xmlns:(?P=p)=\"" + _uri(DS_NS) + '" Id=' + _VALUE + ">" + _SPACE
    + "<" + _ds("SignatureProperties") + ">" + _SPACE
    + "<" + _ds("SignatureProperty") + " Target=" + _VALUE + ">" + _SPACE
    + '<ThoiGianKy xmlns="' + _uri(DOC_NS) + '">' + _TEXT
    + "</ThoiGianKy>" + _SPACE
    + "</" + _ds("SignatureProperty") + ">" + _SPACE
    + "</" + _ds("SignatureProperties") + ">" + _SPACE
    + "</" + _ds("Object") + ">"
)  # fmt: skip
"""The exclusive C14N of the profile's time object. Groups: prefix, Id, Target, ThoiGianKy."""


def signed_info_values(canonical: bytes) -> tuple[str, tuple[str, str], tuple[str, str]] | None:
    """SignatureMethod and each Reference's (URI, DigestValue), or None: not provably the
    profile's SignedInfo."""
    match = SIGNED_INFO.fullmatch(canonical.decode())  # lxml's C14N output is UTF-8
    if match is None:
        return None
    _, method, uri_1, digest_1, uri_2, digest_2 = match.groups()
    return method, (uri_1, digest_1), (uri_2, digest_2)


def time_object_values(canonical: bytes) -> tuple[str, str, str] | None:
    """The time object's Id, its SignatureProperty's Target and ThoiGianKy, or None."""
    match = TIME_OBJECT.fullmatch(canonical.decode())
    if match is None:
        return None
    _, object_id, target, signing_time = match.groups()
    return object_id, target, signing_time
