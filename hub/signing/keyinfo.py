"""The certificates a signature brings in ds:KeyInfo, parsed once per process.

A school's few certificates sign thousands of documents: each distinct KeyInfo is decoded and
parsed once, with what checks 4–6 read of its signer (name, serial, validity, key type, school
code, the CN a personal certificate names its holder by). The verifier then hands the trust
store the very same certificate objects for the same KeyInfo, which lets its per-chain
verdicts be found without hashing the certificates again.
Validity at each signature's own signing time is still checked per signature (trust.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hub.document.text import person_key
from hub.signing.named import common_names
from hub.signing.profile import ECDSA_SHA256, RSA_SHA256
from hub.signing.trust import school_codes

# Distinct signer chains kept parsed: a province's teachers and schools, a few thousand.
MAX_CHAINS = 8192


@dataclass(frozen=True, eq=False, slots=True)
class CertificateChain:
    """A KeyInfo's certificates (the signer's first) and what the checks read of the signer."""

    certificates: tuple[x509.Certificate, ...]
    subject: str  # RFC 4514
    serial: str  # hexadecimal
    not_before: datetime
    not_after: datetime
    key_method: str  # the SignatureMethod the signer's key makes; "" for a key outside it
    school_codes: tuple[str, ...]  # MaTruong values of the subject's UIDs (a DV seal)
    common_names: tuple[str, ...] = ()  # the subject's CNs (a person's name)
    name_keys: tuple[str, ...] = ()  # the same as check 6 compares them (person_key)
    rsa_key: rsa.RSAPublicKey | None = None  # the signer's key when it is RSA (check 4's usual)

    @property
    def leaf(self) -> x509.Certificate:
        """The signer's certificate."""
        return self.certificates[0]


@lru_cache(maxsize=MAX_CHAINS)
def chain_of(texts: tuple[str, ...]) -> CertificateChain:
    """The chain of the ds:X509Certificate texts (base64 DER; whitespace ignored).

    Raises:
        ValueError: a text is not base64 or not a DER certificate (binascii.Error is one).
    """
    certificates = tuple(
        x509.load_der_x509_certificate(base64.b64decode("".join(text.split()))) for text in texts
    )
    leaf = certificates[0]
    names = common_names(leaf)
    key = leaf.public_key()
    method = ""
    if isinstance(key, rsa.RSAPublicKey):
        method = RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePublicKey):
        method = ECDSA_SHA256
    return CertificateChain(
        certificates=certificates,
        subject=leaf.subject.rfc4514_string(),
        serial=f"{leaf.serial_number:X}",
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        key_method=method,
        school_codes=tuple(school_codes(leaf)),
        common_names=names,
        name_keys=tuple(person_key(name) for name in names),
        rsa_key=key if isinstance(key, rsa.RSAPublicKey) else None,
    )
