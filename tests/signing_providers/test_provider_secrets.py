"""No key, PIN, password or token in any provider's repr() or in any log line of a signing run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from hub.signing.providers import PemKeyProvider, Pkcs12Provider, SigningProvider
from hub.signing.providers.pkcs11 import Pkcs11Provider
from hub.signing.providers.remote import RemoteSigningProvider
from hub.signing.remote.server import running_simulator
from hub.signing.remote.simulator import Decision, Policy, SigningSimulator

from . import softhsm
from .conftest import PIN, Hsm, Pki, Writer, key_pem, pem_of

P12_PASSWORD = "p12-Secret-4411"
PEM_PASSWORD = "pem-Secret-5522"
API_TOKEN = "token-Secret-6633"


def _fragments(pki: Pki) -> list[str]:
    """What must never be seen: the secrets, and pieces of the private keys."""
    key_text = key_pem(pki.leaf_key).decode()
    key_body = "".join(key_text.splitlines()[1:-1])
    numbers = pki.leaf_key.private_numbers()
    secret_number = (
        numbers.d if isinstance(numbers, rsa.RSAPrivateNumbers) else numbers.private_value
    )
    return [
        P12_PASSWORD,
        PEM_PASSWORD,
        API_TOKEN,
        PIN,
        key_body[40:80],
        str(secret_number)[:30],
        format(secret_number, "x")[:30],
    ]


def test_no_secret_in_repr_or_logs_of_a_signing_run(
    rsa_pki: Pki,
    tmp_path: Path,
    write: Writer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", P12_PASSWORD)
    monkeypatch.setenv("TEACHER_KEY_PASSWORD", PEM_PASSWORD)
    monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", API_TOKEN)
    monkeypatch.setenv("HUB_PKCS11_PIN", PIN)
    p12 = write(
        "seal.p12",
        pkcs12.serialize_key_and_certificates(
            b"seal",
            rsa_pki.leaf_key,
            rsa_pki.leaf,
            None,
            BestAvailableEncryption(P12_PASSWORD.encode()),
        ),
    )
    providers: list[SigningProvider] = [
        Pkcs12Provider(p12),
        PemKeyProvider(
            write("k.pem", key_pem(rsa_pki.leaf_key, PEM_PASSWORD.encode())),
            write("c.pem", pem_of(rsa_pki.leaf)),
            password_env="TEACHER_KEY_PASSWORD",
        ),
    ]
    if softhsm.softhsm_available():
        hsm: Hsm = request.getfixturevalue("hsm")
        providers.append(Pkcs11Provider(softhsm.MODULE, hsm.token.label, "rsa-key"))
    simulator = SigningSimulator()
    simulator.add_signer("gv", rsa_pki.leaf_key, [rsa_pki.leaf], Policy(Decision.APPROVE, 1))

    with running_simulator(simulator) as url:
        remote = RemoteSigningProvider(url, "gv", poll_interval=0.01, timeout=10.0)
        providers.append(remote)
        for provider in providers:
            provider.sign(b"a document's SignedInfo")
            provider.certificate_chain()
        remote.close()

    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "remote signing request" in logged  # the run did log: the check below is not vacuous
    shown = [repr(p) for p in providers] + [logged]
    for fragment in _fragments(rsa_pki):
        for text in shown:
            assert fragment not in text
    # The repr names where the secret comes from, which is what an operator needs.
    assert "password_env='HUB_SIGNING_PASSWORD'" in repr(providers[0])
    assert "token_env='HUB_REMOTE_SIGNING_TOKEN'" in repr(remote)
