"""Signatures per second of each signing provider, beside the raw primitive in the same run.

    .venv/bin/python bench/bench_signing_providers.py [--seconds S]

Signs a 1 KB SignedInfo-sized message repeatedly for S seconds per line, single thread:
cryptography's own RSA-2048 and P-256 sign (the primitive), the PEM provider over the same keys
(the provider's overhead), the PKCS#11 provider over SoftHSM2 when installed, and one remote
signing round trip (request, one poll, approval) against the simulator on loopback.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from hub.signing.providers import PemKeyProvider
from hub.signing.providers.remote import RemoteSigningProvider
from hub.signing.remote.server import running_simulator
from hub.signing.remote.simulator import Decision, Policy, SigningSimulator

DATA = b"<ds:SignedInfo>" + b"x" * 1000 + b"</ds:SignedInfo>"
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def rate(label: str, sign: Callable[[], object], seconds: float) -> None:
    sign()  # warm up (first PKCS#11 call, first HTTP connection)
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        sign()
        count += 1
    print(f"{label:<44} {count / elapsed:>10,.0f} signatures/s  ({1000 * elapsed / count:.3f} ms)")


def self_signed(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def pem_files(
    folder: Path, name: str, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(self_signed(key).public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def bench_pkcs11(folder: Path, key: rsa.RSAPrivateKey, seconds: float) -> None:
    if not Path(SOFTHSM).exists():
        print("PKCS#11 (SoftHSM2)                           not installed")
        return
    from hub.signing.providers.pkcs11 import Pkcs11Provider

    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["HUB_PKCS11_PIN"] = "1234"
    pkcs8 = folder / "k.pkcs8"
    pkcs8.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    run = ["softhsm2-util", "--so-pin", "5678", "--pin", "1234"]
    subprocess.run(
        [*run, "--init-token", "--free", "--label", "bench"], check=True, capture_output=True
    )
    subprocess.run(
        [*run, "--import", str(pkcs8), "--token", "bench", "--label", "k", "--id", "01"],
        check=True,
        capture_output=True,
    )
    cert = folder / "rsa.pem"
    provider = Pkcs11Provider(SOFTHSM, "bench", "k", cert_path=cert)
    rate("PKCS#11 provider, SoftHSM2, RSA-2048", lambda: provider.sign(DATA), seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rsa_files, ec_files = pem_files(folder, "rsa", rsa_key), pem_files(folder, "ec", ec_key)
        rate(
            "primitive: cryptography RSA-2048 PKCS#1 v1.5",
            lambda: rsa_key.sign(DATA, padding.PKCS1v15(), hashes.SHA256()),
            seconds,
        )
        pem_rsa, pem_ec = PemKeyProvider(*rsa_files), PemKeyProvider(*ec_files)
        rate("PEM provider, RSA-2048", lambda: pem_rsa.sign(DATA), seconds)
        rate(
            "primitive: cryptography ECDSA P-256 (DER)",
            lambda: ec_key.sign(DATA, ec.ECDSA(hashes.SHA256())),
            seconds,
        )
        rate(
            "PEM provider, ECDSA P-256 (r || s)",
            lambda: pem_ec.sign(DATA),
            seconds,
        )
        bench_pkcs11(folder, rsa_key, seconds)
        os.environ["HUB_REMOTE_SIGNING_TOKEN"] = "bench-token"
        simulator = SigningSimulator()
        simulator.add_signer("gv", rsa_key, [self_signed(rsa_key)], Policy(Decision.APPROVE, 0))
        with (
            running_simulator(simulator) as url,
            RemoteSigningProvider(url, "gv", poll_interval=0.001, timeout=30.0) as remote,
        ):
            rate(
                "remote provider + simulator, 1 poll (loopback)", lambda: remote.sign(DATA), seconds
            )


if __name__ == "__main__":
    main()
