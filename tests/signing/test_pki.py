"""The test PKI: the layout its README promises, and certificates shaped like real ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12
from cryptography.x509.oid import NameOID

from hub.signing.pki import DEFAULT_TEST_PASSWORD, TestPki, make_test_pki
from hub.signing.providers.files import Pkcs12Provider


def test_the_layout_is_the_one_the_readme_describes(pki: TestPki) -> None:
    readme = (pki.directory / "README.txt").read_text(encoding="utf-8")
    for name in ("root.pem", "intermediate.pem", "issuing-ca.crl"):
        assert (pki.trust_dir / name).is_file()
        assert name in readme
    for name in pki.signers:
        assert name in readme
        signer = pki[name]
        assert signer.key_path.is_file()
        assert signer.cert_path.is_file()
        assert signer.p12_path.is_file()
    assert DEFAULT_TEST_PASSWORD in readme


def test_keys_are_encrypted_with_the_test_password(pki: TestPki) -> None:
    data = pki["school"].key_path.read_bytes()
    with pytest.raises(TypeError):
        load_pem_private_key(data, None)
    key = load_pem_private_key(data, DEFAULT_TEST_PASSWORD.encode())
    assert key.public_key() == pki["school"].certificate.public_key()
    p12 = pkcs12.load_pkcs12(pki["school"].p12_path.read_bytes(), DEFAULT_TEST_PASSWORD.encode())
    assert p12.cert is not None
    assert p12.cert.certificate == pki["school"].certificate


def test_the_school_seal_subject(pki: TestPki) -> None:
    subject = pki["school"].certificate.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Trường THCS Nguyễn Du"
    )
    uids = [a.value for a in subject.get_attributes_for_oid(NameOID.USER_ID)]
    assert f"MaTruong:{pki.school_code}" in uids
    assert any(str(u).startswith("MST:") for u in uids)


def test_teachers_carry_cccd_serial_numbers(pki: TestPki) -> None:
    for name in ("homeroom", "principal", "teacher-1", "teacher-2"):
        subject = pki[name].certificate.subject
        serial = str(subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value)
        assert serial.startswith("CCCD:")
        assert len(serial) == 5 + 12
        assert serial[5:].isdigit()
        assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)


def test_keys_are_rsa_2048_except_the_ec_teacher_and_the_two_outside_the_profile(
    pki: TestPki,
) -> None:
    outside = {"weak-rsa": 1024, "ec-p384": 384}  # HB005 (version 1.0.1)
    for name, signer in pki.signers.items():
        key_size = getattr(signer.key, "key_size", None)
        assert key_size == outside.get(name, 256 if name.endswith("-ec") else 2048)


def test_the_pkcs12_files_open_with_the_providers_of_the_hub(
    pki: TestPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", DEFAULT_TEST_PASSWORD)
    provider = Pkcs12Provider(pki["principal"].p12_path)
    assert provider.certificate_chain()[0] == pki["principal"].certificate


def test_the_password_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_PKI_PASSWORD", "another-secret")
    made = make_test_pki(tmp_path / "pki", with_intermediate=False)
    key = load_pem_private_key(made["school"].key_path.read_bytes(), b"another-secret")
    assert key.public_key() == made["school"].certificate.public_key()
    # Without an intermediate the root issues the end entities directly.
    assert made.intermediate is None
    assert made["school"].chain == [made["school"].certificate]
    assert made["school"].certificate.issuer == made.root.subject
    assert isinstance(made.root, x509.Certificate)


def test_a_folder_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(FileExistsError):
        make_test_pki(tmp_path)
