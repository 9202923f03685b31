"""Fixtures of the signing-provider tests: a small PKI of their own, made with cryptography.

The tests do not use `hub pki init`: each provider is checked against keys and certificates
made here, and each signature against cryptography's own verify, so a fault in the hub's
helpers cannot hide a fault in a provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from . import softhsm

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pki:
    """A root, an intermediate and a signer ("leaf"), with the keys."""

    root_key: PrivateKey
    root: x509.Certificate
    intermediate_key: PrivateKey
    intermediate: x509.Certificate
    leaf_key: PrivateKey
    leaf: x509.Certificate


def new_key(kind: str) -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def issue(
    subject_cn: str,
    public_key: object,
    issuer: x509.Certificate | None,
    issuer_key: PrivateKey,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def make_pki(kind: str, leaf_cn: str = "Nguyễn Thị Giáo Viên") -> Pki:
    root_key = new_key("rsa")
    root = issue("Test Root CA", root_key.public_key(), None, root_key, ca=True)
    intermediate_key = new_key("rsa")
    intermediate = issue("Test Sub CA", intermediate_key.public_key(), root, root_key, ca=True)
    leaf_key = new_key(kind)
    leaf = issue(leaf_cn, leaf_key.public_key(), intermediate, intermediate_key, ca=False)
    return Pki(root_key, root, intermediate_key, intermediate, leaf_key, leaf)


@pytest.fixture(scope="session")
def rsa_pki() -> Pki:
    return make_pki("rsa")


@pytest.fixture(scope="session")
def ec_pki() -> Pki:
    return make_pki("ec")


@pytest.fixture(params=["rsa", "ec"])
def pki(request: pytest.FixtureRequest, rsa_pki: Pki, ec_pki: Pki) -> Pki:
    return rsa_pki if request.param == "rsa" else ec_pki


def pem_of(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def assert_verifies(certificate: x509.Certificate, data: bytes, signature: bytes) -> None:
    """Verify a profile-form signature with cryptography alone (raises InvalidSignature)."""
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert len(signature) == 64, f"ECDSA r || s is 64 bytes, got {len(signature)}"
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


Writer = Callable[[str, bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write bytes to a file under tmp_path and return its path."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write


# -- SoftHSM2 ------------------------------------------------------------------------------

PIN = "pin-1234-Đ"


@dataclass(frozen=True)
class Hsm:
    token: softhsm.Token  # holds "rsa-key" (certificate on the token) and "ec-key" (not)
    locked: softhsm.Token  # never opened successfully: for PIN errors
    rsa_certificate: x509.Certificate
    ec_certificate: x509.Certificate
    pki: Pki  # the CA that issued both certificates


@pytest.fixture(scope="session")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hsm]:
    """One SoftHSM2 configuration for the process (see softhsm.py), with two tokens."""
    if not softhsm.softhsm_available():
        pytest.skip("SoftHSM2 is not installed (Debian: softhsm2)")
    folder = tmp_path_factory.mktemp("softhsm")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(softhsm.configure(folder)))
        token = softhsm.init_token("hub-test", PIN)
        locked = softhsm.init_token("hub-pin-test", PIN)
        softhsm.reload_module()
        pki = make_pki("rsa")
        certificates = {}
        for kind in ("rsa", "ec"):
            softhsm.generate_key(token, f"{kind}-key", kind)
            certificates[kind] = issue(
                f"Giáo viên {kind.upper()}",
                softhsm.public_key(token, f"{kind}-key"),
                pki.intermediate,
                pki.intermediate_key,
                ca=False,
            )
        softhsm.store_certificate(token, "rsa-key", certificates["rsa"])
        yield Hsm(token, locked, certificates["rsa"], certificates["ec"], pki)
