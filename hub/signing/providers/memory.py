"""A provider over a private key object already in memory: for tests, tools and benchmarks.

The file providers (PKCS#12, PEM) read a key from disk; this one takes a `cryptography` key and
its chain directly, so a test can sign with a freshly generated key without writing it out.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hub.signing.providers.base import SignatureAlgorithm
from hub.signing.providers.keys import InMemoryKeySigner


class MemoryProvider:
    """A signer whose key and certificates are Python objects.

    Args:
        key: an RSA (≥ 2048 bits) or EC P-256 private key.
        chain: the signer's certificate first, then intermediates (not the root).
        name: how `repr()` names the signer (never the key).

    Raises:
        ProviderConfigError: the key is outside the profile or does not match `chain[0]`.
    """

    __slots__ = ("_name", "_signer")

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        chain: list[x509.Certificate],
        name: str = "memory",
    ) -> None:
        self._signer = InMemoryKeySigner(key, list(chain), f"<{name}>")
        self._name = name

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of the key."""
        return self._signer.algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then intermediates."""
        return self._signer.certificate_chain()

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data` (RSA PKCS#1 v1.5, or ECDSA r || s)."""
        return self._signer.sign(data)

    def __repr__(self) -> str:
        return f"MemoryProvider(name={self._name!r})"
