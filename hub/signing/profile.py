"""The signature profile of the transcript document, as names and small helpers.

shared/spec/transcript-document.md (DSCKS) fixes one XMLDSig profile for every role: exclusive
C14N 1.0 without comments, rsa-sha256 or ecdsa-sha256, exactly two References (the role's data
and the signature's own time object `#<Id>-TG`), each with SHA-256 and only the exclusive C14N
transform. The signer (`hub.signing.sign`) and the verifier (`hub.signing.verify`) both read
their names from here so that they cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import Certificate

from hub import xpath

DOC_NS = "urn:moet:hocbaso:1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SIGNATURE_METHODS = frozenset({RSA_SHA256, ECDSA_SHA256})

MIN_RSA_BITS = 2048
"""Keys the profile accepts: RSA of at least this many bits, or EC on P-256 (check 5, 1.0.1)."""

DATA_ID = "DLHocBa"
TIME_SUFFIX = "-TG"
SUBJECT_ID_PREFIX = "Mon-"


def doc(local: str) -> str:
    """The Clark name of an element of the document's namespace."""
    return f"{{{DOC_NS}}}{local}"


def ds(local: str) -> str:
    """The Clark name of an XMLDSig element."""
    return f"{{{DS_NS}}}{local}"


class Role(StrEnum):
    """A VaiTro, in the order the roles must sign (GVBM first, DV last)."""

    GVBM = "GVBM"  # subject teacher, one per MonHoc (secondary and GDTX only)
    GVCN = "GVCN"  # homeroom teacher
    HT = "HT"  # principal or vice-principal
    DV = "DV"  # the school's organisation certificate (the seal)

    @property
    def rank(self) -> int:
        """Position in the signing order: GVBM 0 … DV 3."""
        return _RANKS[self]


_RANKS = {role: position for position, role in enumerate(Role)}


ALWAYS_REQUIRED = (Role.GVCN, Role.HT, Role.DV)

ROLE_NAMES_VI = {
    Role.GVBM: "giáo viên bộ môn",
    Role.GVCN: "giáo viên chủ nhiệm",
    Role.HT: "hiệu trưởng",
    Role.DV: "đơn vị (con dấu số của trường)",
}

# xsd:dateTime with a mandatory UTC offset: a signing time without one is ambiguous by up to
# a day, which is enough to reorder the roles.
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def parse_signing_time(text: str | None) -> datetime | None:
    """ThoiGianKy as an aware datetime, or None when it is not an xsd:dateTime with offset."""
    if text is None or not _DATETIME.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def format_signing_time(moment: datetime) -> str:
    """ThoiGianKy text for an aware datetime (seconds, with its own UTC offset)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the signing time needs a UTC offset (an aware datetime)")
    timespec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=timespec)


def data_uri(role: Role, subject_code: str | None) -> str:
    """The Reference URI of the role's data: `#Mon-<MaMon>` for GVBM, `#DLHocBa` otherwise."""
    if role is Role.GVBM:
        return f"#{SUBJECT_ID_PREFIX}{subject_code}"
    return f"#{DATA_ID}"


def signature_xpath(signature_id: str | None, position: int) -> str:
    """Where a finding about one signature points: by its Id, else by the ChuKy's position."""
    if signature_id:
        return f"{xpath.SIGNATURES}/ChuKy/Signature[@Id='{signature_id}']"
    return f"{xpath.SIGNATURES}/ChuKy[{position}]"


def key_outside_profile(certificate: Certificate) -> str | None:
    """How the certificate's key falls short of "RSA of at least 2048 bits or EC on P-256".

    Returns:
        None for a key the profile accepts; otherwise the key as messages name it
        ("RSA 1024 bit", "EC secp384r1", "Ed25519PublicKey"). A stronger curve than P-256 is
        outside the profile too: ecdsa-sha256 goes with P-256 only.
    """
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return None if key.key_size >= MIN_RSA_BITS else f"RSA {key.key_size} bit"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return None if isinstance(key.curve, ec.SECP256R1) else f"EC {key.curve.name}"
    return type(key).__name__
