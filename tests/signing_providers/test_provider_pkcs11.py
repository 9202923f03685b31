"""The PKCS#11 provider against a real token: SoftHSM2, keys generated on the token."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography import x509

from hub.signing.providers import ProviderConfigError, SignatureAlgorithm, SigningProvider
from hub.signing.providers.pkcs11 import Pkcs11Provider

from . import softhsm
from .conftest import PIN, Hsm, Writer, assert_verifies, make_pki, pem_of

pytestmark = pytest.mark.skipif(
    not softhsm.softhsm_available(), reason="SoftHSM2 is not installed (Debian: softhsm2)"
)


@pytest.fixture
def pin(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HUB_PKCS11_PIN", PIN)
    return PIN


def test_rsa_key_and_certificate_from_the_token(hsm: Hsm, pin: str) -> None:
    provider = Pkcs11Provider(softhsm.MODULE, hsm.token.label, "rsa-key")

    assert isinstance(provider, SigningProvider)
    assert provider.algorithm is SignatureAlgorithm.RSA_SHA256
    assert provider.certificate_chain() == [hsm.rsa_certificate]
    data = b"<ds:SignedInfo>canonical bytes</ds:SignedInfo>"
    assert_verifies(hsm.rsa_certificate, data, provider.sign(data))


def test_ec_key_with_certificate_and_chain_from_files(
    hsm: Hsm,
    pin: str,
    write: Writer,
) -> None:
    cert = write("ec.pem", pem_of(hsm.ec_certificate))
    chain = write("chain.pem", pem_of(hsm.pki.root, hsm.pki.intermediate))

    provider = Pkcs11Provider(
        softhsm.MODULE, hsm.token.label, "ec-key", cert_path=cert, chain_paths=[chain]
    )

    assert provider.algorithm is SignatureAlgorithm.ECDSA_SHA256
    assert provider.certificate_chain() == [hsm.ec_certificate, hsm.pki.intermediate]
    signature = provider.sign(b"data")
    assert len(signature) == 64
    assert_verifies(hsm.ec_certificate, b"data", signature)


def test_providers_share_one_session_and_sign_from_many_threads(
    hsm: Hsm, pin: str, write: Writer
) -> None:
    rsa_provider = Pkcs11Provider(softhsm.MODULE, hsm.token.label, "rsa-key")
    ec_provider = Pkcs11Provider(
        softhsm.MODULE,
        hsm.token.label,
        "ec-key",
        cert_path=write("ec.pem", pem_of(hsm.ec_certificate)),
    )
    results: list[tuple[x509.Certificate, bytes, bytes]] = []
    failures: list[BaseException] = []

    def work(provider: Pkcs11Provider, certificate: x509.Certificate, n: int) -> None:
        try:
            for i in range(10):
                data = f"document {n}-{i}".encode()
                results.append((certificate, data, provider.sign(data)))
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=work, args=(rsa_provider, hsm.rsa_certificate, n))
        if n % 2
        else threading.Thread(target=work, args=(ec_provider, hsm.ec_certificate, n))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(results) == 80
    for certificate, data, signature in results:
        assert_verifies(certificate, data, signature)


def test_a_dropped_session_is_reopened(hsm: Hsm, pin: str) -> None:
    provider = Pkcs11Provider(softhsm.MODULE, hsm.token.label, "rsa-key")
    provider.sign(b"before")

    softhsm.reload_module()  # as after a token reset: every session handle is now invalid

    assert_verifies(hsm.rsa_certificate, b"after", provider.sign(b"after"))


def test_wrong_pin_is_a_bilingual_config_error(hsm: Hsm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PKCS11_PIN", "0000-wrong")

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs11Provider(softhsm.MODULE, hsm.locked.label, "rsa-key")

    assert "mã PIN sai (biến HUB_PKCS11_PIN)" in caught.value.message_vi
    assert "wrong PIN (variable HUB_PKCS11_PIN)" in caught.value.message_en
    assert "0000-wrong" not in str(caught.value)


def test_missing_pin_variable(hsm: Hsm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKEN_PIN", raising=False)
    monkeypatch.delenv("TOKEN_PIN_FILE", raising=False)

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs11Provider(softhsm.MODULE, hsm.locked.label, "rsa-key", pin_env="TOKEN_PIN")

    assert "Mã PIN của thiết bị hub-pin-test: chưa đặt biến môi trường TOKEN_PIN" in (
        caught.value.message_vi
    )
    assert "TOKEN_PIN is not set" in caught.value.message_en


@pytest.mark.parametrize(
    ("token_label", "key_label", "expected"),
    [
        ("no-such-token", "rsa-key", "no token labelled 'no-such-token'"),
        ("hub-test", "no-such-key", "no private key labelled 'no-such-key'"),
        ("hub-test", "ec-key", "0 certificates labelled 'ec-key' on the token"),
    ],
)
def test_missing_token_key_or_certificate(
    hsm: Hsm, pin: str, token_label: str, key_label: str, expected: str
) -> None:
    with pytest.raises(ProviderConfigError, match=expected):
        Pkcs11Provider(softhsm.MODULE, token_label, key_label)


def test_certificate_of_another_key_is_refused(hsm: Hsm, pin: str, write: Writer) -> None:
    stranger = make_pki("rsa", "Người khác").leaf

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs11Provider(
            softhsm.MODULE, hsm.token.label, "rsa-key", cert_path=write("x.pem", pem_of(stranger))
        )

    assert "khóa trên thiết bị không khớp với chứng thư số" in caught.value.message_vi


def test_missing_module(tmp_path: Path, pin: str) -> None:
    with pytest.raises(ProviderConfigError, match="cannot load the PKCS#11 module"):
        Pkcs11Provider(tmp_path / "absent.so", "t", "k")


def test_certificate_of_another_key_type_is_refused(hsm: Hsm, pin: str, write: Writer) -> None:
    # The RSA key on the token behind the EC certificate: the token refuses CKM_ECDSA.
    with pytest.raises(ProviderConfigError, match="does not match the certificate"):
        Pkcs11Provider(
            softhsm.MODULE,
            hsm.token.label,
            "rsa-key",
            cert_path=write("ec.pem", pem_of(hsm.ec_certificate)),
        )
