"""Signing with a private key held in this process, shared by the PKCS#12 and PEM providers.

Also the small certificate helpers every provider needs: which SignatureMethod a certificate's
key makes, the r || s form of an ECDSA signature, putting a chain in signer-first order, and
the CN a personal certificate names its holder by.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

from hub.signing.profile import MIN_RSA_BITS
from hub.signing.providers.base import ProviderConfigError, SignatureAlgorithm

log = logging.getLogger(__name__)

# P-256 is the one curve ecdsa-sha256 pairs with in the profile: r and s are 32 bytes each.
EC_COORDINATE_BYTES = 32

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def algorithm_for(certificate: x509.Certificate, where: str) -> SignatureAlgorithm:
    """The SignatureMethod the certificate's key makes, or a clear error for any other key.

    Args:
        certificate: the signer's certificate.
        where: names the key's source (file, token label) in the error message.
    """
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise ProviderConfigError(
                f"{where}: khóa RSA {public_key.key_size} bit quá ngắn; cần ít nhất "
                f"{MIN_RSA_BITS} bit.",
                f"{where}: the RSA key has {public_key.key_size} bits; at least "
                f"{MIN_RSA_BITS} are required.",
            )
        return SignatureAlgorithm.RSA_SHA256
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    ):
        return SignatureAlgorithm.ECDSA_SHA256
    kind = type(public_key).__name__
    raise ProviderConfigError(
        f"{where}: loại khóa {kind} không được hồ sơ chữ ký cho phép; cần RSA (≥ 2048 bit) "
        f"hoặc EC P-256.",
        f"{where}: key type {kind} is outside the signature profile; RSA (≥ 2048 bits) or "
        f"EC P-256 is required.",
    )


def common_names(certificate: x509.Certificate) -> tuple[str, ...]:
    """The subject's CN values (a personal certificate carries its holder's name there)."""
    return tuple(
        str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    )


def coordinate_bytes(curve: ec.EllipticCurve) -> int:
    """The width of r and s in XMLDSig's r || s for a curve: 32 for P-256, 48 for P-384."""
    return (curve.key_size + 7) // 8


def ecdsa_der_to_raw(der_signature: bytes, width: int = EC_COORDINATE_BYTES) -> bytes:
    """XMLDSig wants ECDSA as r || s of fixed width; OpenSSL (cryptography) returns DER."""
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def ecdsa_raw_to_der(raw_signature: bytes, width: int = EC_COORDINATE_BYTES) -> bytes:
    """The inverse of `ecdsa_der_to_raw`, for verifying an r || s value with cryptography."""
    if len(raw_signature) != 2 * width:
        raise ValueError(f"an r || s signature has {2 * width} bytes, not {len(raw_signature)}")
    r = int.from_bytes(raw_signature[:width], "big")
    s = int.from_bytes(raw_signature[width:], "big")
    return encode_dss_signature(r, s)


def signature_holds(
    certificate: x509.Certificate, data: bytes, signature: bytes, *, prehashed: bool = False
) -> bool:
    """Whether `signature` (the profile's raw form) verifies over `data` with the certificate.

    Args:
        certificate: whose public key to verify with.
        data: the signed bytes, or their SHA-256 digest when `prehashed` is true.
        signature: RSA PKCS#1 v1.5 bytes, or ECDSA r || s.
        prehashed: `data` is already a SHA-256 digest.
    """
    public_key = certificate.public_key()
    algorithm: hashes.HashAlgorithm | Prehashed = (
        Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    )
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            # The width follows the key's curve: a P-384 signature is checked as what it is, so
            # that its key, outside the profile, is refused as such (HB005), not as a bad value.
            width = coordinate_bytes(public_key.curve)
            public_key.verify(ecdsa_raw_to_der(signature, width), data, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_with_key(key: SigningKey, data: bytes, *, prehashed: bool = False) -> bytes:
    """The profile's raw signature over `data` (or over a SHA-256 digest when `prehashed`)."""
    algorithm: hashes.HashAlgorithm | Prehashed = (
        Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    )
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    return ecdsa_der_to_raw(key.sign(data, ec.ECDSA(algorithm)), coordinate_bytes(key.curve))


def is_self_signed(certificate: x509.Certificate) -> bool:
    """A root: issuer and subject agree (names suffice here; trust is the verifier's job)."""
    return certificate.issuer == certificate.subject


def signer_first_chain(
    leaf: x509.Certificate, others: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    """The leaf, then each issuer found among `others`, in order; roots and strangers dropped.

    PKCS#12 files and PEM bundles list certificates in any order and often include the root;
    the profile's KeyInfo wants signer first, then intermediates, never the root (the receiver
    must trust its own copy of the root, not one the document brings).
    """
    pool = [c for c in others if not is_self_signed(c) and c != leaf]
    chain = [leaf]
    current = leaf
    while not is_self_signed(current):
        issuer = next((c for c in pool if c.subject == current.issuer and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    dropped = len(pool) - (len(chain) - 1)
    if dropped:
        log.debug("dropped %d certificate(s) that are not in the signer's chain", dropped)
    return chain


class InMemoryKeySigner:
    """A private key in this process with its chain: the common body of file-based providers.

    Not a provider by itself (it has no idea where its key came from); PKCS#12 and PEM providers
    wrap it and add a `repr()` that names their source.
    """

    __slots__ = ("_algorithm", "_chain", "_key")

    def __init__(self, key: object, chain: list[x509.Certificate], where: str) -> None:
        """Check that the key is one the profile allows and belongs to `chain[0]`.

        Raises:
            ProviderConfigError: wrong key type, or key and certificate do not match.
        """
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            kind = type(key).__name__
            raise ProviderConfigError(
                f"{where}: loại khóa {kind} không được hồ sơ chữ ký cho phép; cần RSA hoặc "
                f"EC P-256.",
                f"{where}: key type {kind} is outside the signature profile; RSA or EC P-256 "
                f"is required.",
            )
        self._algorithm = algorithm_for(chain[0], where)
        if key.public_key() != chain[0].public_key():
            raise ProviderConfigError(
                f"{where}: khóa bí mật không khớp với chứng thư số "
                f"{chain[0].subject.rfc4514_string()}.",
                f"{where}: the private key does not match the certificate "
                f"{chain[0].subject.rfc4514_string()}.",
            )
        self._key: SigningKey = key
        # No lock: cryptography's key objects are immutable and each sign() call uses its own
        # OpenSSL context, so threads may sign in parallel.
        self._chain = chain

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of this key."""
        return self._algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then intermediates (a copy: callers may not reorder ours)."""
        return list(self._chain)

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data`."""
        return sign_with_key(self._key, data)

    def __repr__(self) -> str:
        return f"InMemoryKeySigner(subject={self._chain[0].subject.rfc4514_string()!r})"
