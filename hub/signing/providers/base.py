"""The signing-provider interface: the one thing a key holder must offer the hub.

A provider holds one signer's private key (a PKCS#12 file, a PEM key, a PKCS#11 token, a
remote signing service on a teacher's phone) and signs bytes with it. The XMLDSig profile
(`hub.signing`) builds and canonicalises SignedInfo, asks the provider for a raw signature
value over those bytes, and assembles the ds:Signature. Keeping the interface this small is
what lets a plugin add a provider (an HSM, another vendor's remote service) without touching
the profile.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from cryptography import x509


class SignatureAlgorithm(StrEnum):
    """The SignatureMethod algorithms the profile allows."""

    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"


class SigningRefused(Exception):
    """The key holder refused, or did not answer in time (remote signing: denied, expired)."""


@runtime_checkable
class SigningProvider(Protocol):
    """A holder of one private key and its certificate chain.

    Implementations must never include the key, a PIN or a password in `repr()` or logs.
    """

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod this key makes (RSA → rsa-sha256, EC P-256 → ecdsa-sha256)."""
        ...

    def certificate_chain(self) -> list[x509.Certificate]:
        """The signer's certificate first, then any intermediates (never the root)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The raw SignatureValue over `data` (the canonical SignedInfo bytes).

        RSA: PKCS#1 v1.5 with SHA-256. ECDSA: the XMLDSig form, r || s, each 32 bytes.
        Raises SigningRefused when the holder declines or does not answer in time.
        """
        ...
