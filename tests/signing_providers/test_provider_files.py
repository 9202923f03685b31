"""PKCS#12 and PEM providers: sign, report the chain, and fail clearly on bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from hub.errors import UsageError
from hub.signing.providers import (
    PemKeyProvider,
    Pkcs12Provider,
    ProviderConfigError,
    SignatureAlgorithm,
    SigningProvider,
)

from .conftest import Pki, Writer, assert_verifies, issue, key_pem, make_pki, pem_of

SIGNED_INFO = b'<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">...</ds:SignedInfo>'
PASSWORD = "mật-khẩu-p12-Ø"


def write_p12(path: Path, pki: Pki, password: str | None, *, with_root: bool = True) -> Path:
    # The root first and the intermediate last: the provider must reorder, and drop the root.
    extra = [pki.root, pki.intermediate] if with_root else [pki.intermediate]
    encryption = BestAvailableEncryption(password.encode()) if password else NoEncryption()
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"seal", pki.leaf_key, pki.leaf, extra, encryption)
    )
    return path


def expected_algorithm(pki: Pki) -> SignatureAlgorithm:
    if isinstance(pki.leaf_key, rsa.RSAPrivateKey):
        return SignatureAlgorithm.RSA_SHA256
    return SignatureAlgorithm.ECDSA_SHA256


# -- PKCS#12 -------------------------------------------------------------------------------------


def test_pkcs12_signs_and_reports_signer_first_chain_without_root(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "seal.p12", pki, PASSWORD)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", PASSWORD)

    provider = Pkcs12Provider(path)

    assert isinstance(provider, SigningProvider)
    assert provider.algorithm is expected_algorithm(pki)
    assert provider.certificate_chain() == [pki.leaf, pki.intermediate]
    assert_verifies(pki.leaf, SIGNED_INFO, provider.sign(SIGNED_INFO))


def test_pkcs12_password_from_a_secrets_file(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "seal.p12", rsa_pki, PASSWORD)
    secret_file = tmp_path / "seal-password"
    secret_file.write_text(PASSWORD + "\n", encoding="utf-8")  # editors add a newline
    monkeypatch.setenv("SEAL_PW_FILE", str(secret_file))

    provider = Pkcs12Provider(path, password_env="SEAL_PW")

    assert_verifies(rsa_pki.leaf, b"x", provider.sign(b"x"))


def test_pkcs12_without_password_uses_an_empty_variable(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "open.p12", rsa_pki, None)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", "")

    assert Pkcs12Provider(path).certificate_chain()[0] == rsa_pki.leaf


def test_pkcs12_missing_password_variable_is_a_bilingual_config_error(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "seal.p12", rsa_pki, PASSWORD)
    monkeypatch.delenv("HUB_SIGNING_PASSWORD", raising=False)
    monkeypatch.delenv("HUB_SIGNING_PASSWORD_FILE", raising=False)

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs12Provider(path)

    assert isinstance(caught.value, UsageError)
    assert "chưa đặt biến môi trường HUB_SIGNING_PASSWORD" in caught.value.message_vi
    assert "HUB_SIGNING_PASSWORD is not set" in caught.value.message_en
    assert str(path) in caught.value.message_en


def test_pkcs12_wrong_password_names_file_and_variable_but_not_the_password(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "seal.p12", rsa_pki, PASSWORD)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", "sai-mật-khẩu")

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs12Provider(path)

    assert "mật khẩu sai (biến HUB_SIGNING_PASSWORD)" in caught.value.message_vi
    assert "wrong password (variable HUB_SIGNING_PASSWORD)" in caught.value.message_en
    assert "sai-mật-khẩu" not in str(caught.value)


def test_pkcs12_both_variable_and_file_set_is_refused(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_p12(tmp_path / "seal.p12", rsa_pki, PASSWORD)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", PASSWORD)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD_FILE", str(tmp_path / "pw"))

    with pytest.raises(ProviderConfigError, match="set only one"):
        Pkcs12Provider(path)


def test_pkcs12_unreadable_secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "seal.p12").write_bytes(b"not read")
    monkeypatch.delenv("HUB_SIGNING_PASSWORD", raising=False)
    monkeypatch.setenv("HUB_SIGNING_PASSWORD_FILE", str(tmp_path / "absent"))

    with pytest.raises(ProviderConfigError, match="cannot read the secrets file"):
        Pkcs12Provider(tmp_path / "seal.p12")


def test_pkcs12_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", PASSWORD)

    with pytest.raises(ProviderConfigError) as caught:
        Pkcs12Provider(tmp_path / "absent.p12")

    assert "không đọc được tệp PKCS#12" in caught.value.message_vi
    assert "absent.p12: cannot read the PKCS#12 file" in caught.value.message_en


def test_pkcs12_with_a_key_outside_the_profile_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ec.generate_private_key(ec.SECP384R1())  # ecdsa-sha256 in the profile means P-256
    certificate = issue("P-384", key.public_key(), None, key, ca=False)
    (tmp_path / "p384.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", key, certificate, None, NoEncryption())
    )
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", "")

    with pytest.raises(ProviderConfigError, match="outside the signature profile"):
        Pkcs12Provider(tmp_path / "p384.p12")


# -- PEM -----------------------------------------------------------------------------------------


def test_pem_signs_with_chain_from_cert_file_and_chain_paths(pki: Pki, write: Writer) -> None:
    key = write("signer.key", key_pem(pki.leaf_key))
    cert = write("signer.pem", pem_of(pki.leaf))
    chain = write("chain.pem", pem_of(pki.root, pki.intermediate))

    provider = PemKeyProvider(key, cert, chain_paths=[chain])

    assert provider.algorithm is expected_algorithm(pki)
    assert provider.certificate_chain() == [pki.leaf, pki.intermediate]
    assert_verifies(pki.leaf, SIGNED_INFO, provider.sign(SIGNED_INFO))


def test_pem_encrypted_key_with_password_env(
    rsa_pki: Pki,
    write: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = write("signer.key", key_pem(rsa_pki.leaf_key, b"khoa-bi-mat"))
    cert = write("signer.pem", pem_of(rsa_pki.leaf, rsa_pki.intermediate))
    monkeypatch.setenv("TEACHER_KEY_PASSWORD", "khoa-bi-mat")

    provider = PemKeyProvider(key, cert, password_env="TEACHER_KEY_PASSWORD")

    assert provider.certificate_chain() == [rsa_pki.leaf, rsa_pki.intermediate]
    assert_verifies(rsa_pki.leaf, b"data", provider.sign(b"data"))


def test_pem_encrypted_key_without_password_env_says_what_to_configure(
    rsa_pki: Pki,
    write: Writer,
) -> None:
    key = write("signer.key", key_pem(rsa_pki.leaf_key, b"khoa-bi-mat"))
    cert = write("signer.pem", pem_of(rsa_pki.leaf))

    with pytest.raises(ProviderConfigError) as caught:
        PemKeyProvider(key, cert)

    assert "khóa được mã hóa; hãy khai báo password_env" in caught.value.message_vi
    assert "the key is encrypted; configure password_env" in caught.value.message_en


def test_pem_wrong_password(rsa_pki: Pki, write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    key = write("signer.key", key_pem(rsa_pki.leaf_key, b"khoa-bi-mat"))
    cert = write("signer.pem", pem_of(rsa_pki.leaf))
    monkeypatch.setenv("TEACHER_KEY_PASSWORD", "wrong")

    with pytest.raises(ProviderConfigError, match=r"wrong password \(variable TEACHER_KEY"):
        PemKeyProvider(key, cert, password_env="TEACHER_KEY_PASSWORD")


def test_pem_key_that_does_not_match_the_certificate(rsa_pki: Pki, write: Writer) -> None:
    other = make_pki("rsa", "Someone else")
    key = write("signer.key", key_pem(other.leaf_key))
    cert = write("signer.pem", pem_of(rsa_pki.leaf))

    with pytest.raises(ProviderConfigError) as caught:
        PemKeyProvider(key, cert)

    assert "khóa bí mật không khớp với chứng thư số" in caught.value.message_vi
    assert "does not match the certificate CN=Nguyễn Thị Giáo Viên" in caught.value.message_en


def test_pem_short_rsa_and_dsa_keys_are_refused(write: Writer) -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    short_cert = issue("short", short.public_key(), None, short, ca=False)
    with pytest.raises(ProviderConfigError, match="at least 2048"):
        PemKeyProvider(write("s.key", key_pem(short)), write("s.pem", pem_of(short_cert)))

    dsa_key = dsa.generate_private_key(2048)
    dsa_pem = dsa_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(ProviderConfigError, match="DSAPrivateKey is outside the signature profile"):
        PemKeyProvider(write("d.key", dsa_pem), write("d.pem", pem_of(short_cert)))


def test_pem_certificate_file_that_is_not_a_certificate(rsa_pki: Pki, write: Writer) -> None:
    key = write("signer.key", key_pem(rsa_pki.leaf_key))

    with pytest.raises(ProviderConfigError) as caught:
        PemKeyProvider(key, write("junk.pem", b"hello"))

    assert "không phải chứng thư số X.509" in caught.value.message_vi
    assert "not an X.509 certificate (PEM or DER)" in caught.value.message_en
