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

import binascii
import re
from dataclasses import dataclass

from lxml import etree

from hub.signing.keyinfo import chain_of
from hub.signing.profile import (
    DOC_NS,
    DS_NS,
    ECDSA_SHA256,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    TIME_SUFFIX,
    Role,
    data_uri,
    ds,
    parse_signing_time,
)
from hub.signing.structure import ROLES, DocumentIndex, ParsedSignature, Reference
from hub.signing.xmlio import exc_c14n

__all__ = ["QuickParts", "quick_parts", "quick_read"]

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


_SIGNATURE = ds("Signature")
_SIGNATURE_CHILDREN = (ds("SignedInfo"), ds("SignatureValue"), ds("KeyInfo"), ds("Object"))
_X509_DATA = ds("X509Data")
_CERTIFICATE = ds("X509Certificate")
_HOLDER_ATTRIBUTES = frozenset({"VaiTro", "MaMon"})
_SIGNATURE_ATTRIBUTES = ["Id"]


@dataclass(slots=True)
class QuickParts:
    """A ChuKy proven to be the profile's tree, element by element and attribute by attribute,
    before the document's Ids are counted (they need the whole document; this does not)."""

    signature_id: str
    signed_info: etree._Element
    signed_info_c14n: bytes
    method: str
    references: tuple[tuple[str, str], tuple[str, str]]  # (URI, DigestValue) in order
    time_object: etree._Element
    time_c14n: bytes
    time_id: str  # the time object's Id
    time_target: str  # its SignatureProperty's Target
    signing_text: str  # ThoiGianKy
    value_text: str  # SignatureValue
    certificate_texts: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, str]:
        """Every Id attribute of the ChuKy's subtree: nothing else in it carries one."""
        return (self.signature_id, self.time_id)


def quick_parts(holder: etree._Element) -> QuickParts | None:
    """The parts of a ChuKy whose every element and attribute is the profile's, else None.

    Outside SignedInfo and the time object each element is looked at (tag, number of child
    nodes, attribute names: comments and PIs count as child nodes, so there are none); the
    inside of those two is read from their exclusive C14N, which shows every element and
    attribute there is. So the Ids of the subtree are exactly `QuickParts.ids`.
    """
    if len(holder) != 1 or not _HOLDER_ATTRIBUTES.issuperset(holder.keys()):
        return None
    signature = holder[0]
    if (
        signature.tag != _SIGNATURE
        or len(signature) != len(_SIGNATURE_CHILDREN)
        or signature.keys() != _SIGNATURE_ATTRIBUTES
    ):
        return None
    signed_info, value, key_info, time_object = signature
    if (
        (signed_info.tag, value.tag, key_info.tag, time_object.tag) != _SIGNATURE_CHILDREN
        or len(value)
        or value.keys()
        or len(key_info) != 1
        or key_info.keys()
    ):
        return None
    x509_data = key_info[0]
    if x509_data.tag != _X509_DATA or x509_data.keys() or not len(x509_data):
        return None
    certificate_texts = []
    for certificate in x509_data:
        if certificate.tag != _CERTIFICATE or len(certificate) or certificate.keys():
            return None
        certificate_texts.append(certificate.text or "")  # no child node: the text is all
    signed_c14n = exc_c14n(signed_info)
    signed = signed_info_values(signed_c14n)
    if signed is None:
        return None
    time_c14n = exc_c14n(time_object)
    timed = time_object_values(time_c14n)
    if timed is None:
        return None
    return QuickParts(  # positional, in the order of the fields: sixteen per document
        signature.get("Id", ""),
        signed_info,
        signed_c14n,
        signed[0],  # SignatureMethod
        (signed[1], signed[2]),  # the References
        time_object,
        time_c14n,
        *timed,  # the time object's Id, its Target, ThoiGianKy
        value.text or "",  # no child node: the text is all of it
        tuple(certificate_texts),
    )


def _target(
    index: DocumentIndex, signed_id: str, role: Role, subject_code: str | None
) -> etree._Element | None:
    """hub.signing.structure's `_data_target` without its messages: None where it refuses."""
    if role is not Role.GVBM:
        data_root = index.data_root
        return data_root if data_root is not None and data_root.get("Id") == signed_id else None
    subject = index.subjects.get(signed_id)
    return subject if subject is not None and subject.get("MaMon") == subject_code else None


def quick_read(
    holder: etree._Element, parts: QuickParts, position: int, index: DocumentIndex
) -> ParsedSignature | None:
    """Check 3 for a signature `quick_parts` proved to be the profile's tree, or None to let
    hub.signing.structure's `read_signature` judge it (and name what is wrong).

    Every test of the careful path is made here; any doubt returns None, never a verdict.
    """
    role = ROLES.get(holder.get("VaiTro", ""))
    subject_code = holder.get("MaMon")
    if role is None or (role is Role.GVBM) != (subject_code is not None):
        return None
    counts = index.id_counts  # each Id below must occur exactly once in the document
    signature_id = parts.signature_id
    if not signature_id or counts.get(signature_id) != 1:
        return None
    wanted_data, wanted_time = data_uri(role, subject_code), f"#{signature_id}{TIME_SUFFIX}"
    if wanted_data == wanted_time:
        return None
    (first_uri, first_digest), (second_uri, second_digest) = parts.references
    if (first_uri, second_uri) == (wanted_data, wanted_time):
        data_digest, time_digest = first_digest, second_digest
    elif (first_uri, second_uri) == (wanted_time, wanted_data):
        data_digest, time_digest = second_digest, first_digest
    else:
        return None
    data_id, time_id = wanted_data[1:], wanted_time[1:]
    if counts.get(data_id) != 1 or counts.get(time_id) != 1:
        return None
    target = _target(index, data_id, role, subject_code)
    if target is None or parts.time_id != time_id or parts.time_target != f"#{signature_id}":
        return None
    signing_time = parse_signing_time(parts.signing_text)
    if signing_time is None:
        return None
    try:
        chain = chain_of(parts.certificate_texts)
    except (ValueError, binascii.Error):
        return None
    return ParsedSignature(
        position,
        signature_id,
        role,
        subject_code,
        parts.signed_info,
        parts.method,
        Reference(wanted_data, target, data_digest),
        Reference(wanted_time, parts.time_object, time_digest, parts.time_c14n),
        parts.value_text,
        chain,
        signing_time,
        parts.signed_info_c14n,
    )
