"""People providers (version 1.0.1): a folder of people's keys, each found by its CN.

A document's every personal signature must be made by the person it names; a people provider
picks that person's key by the spec's comparison of names, tells namesakes apart by MaGV, and
never hands out someone else's key.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from hub.signing.pki import DEFAULT_TEST_PASSWORD, make_test_pki
from hub.signing.providers import (
    PeopleKeys,
    PeopleProvider,
    Person,
    Pkcs12FolderProvider,
    ProviderConfigError,
    SignerNotFound,
    SigningProvider,
    provider_from_config,
    provider_kinds,
)
from hub.signing.providers.memory import MemoryProvider

from .conftest import Pki, assert_verifies, issue, new_key

PASSWORD = "mat-khau-nguoi"  # a test password


def _person_file(folder: Path, stem: str, cn: str, pki: Pki, password: str = PASSWORD) -> None:
    key = new_key("ec")
    certificate = issue(cn, key.public_key(), pki.intermediate, pki.intermediate_key, ca=False)
    (folder / f"{stem}.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            stem.encode(),
            key,
            certificate,
            [pki.intermediate],
            BestAvailableEncryption(password.encode()),
        )
    )


@pytest.fixture
def folder(tmp_path: Path, rsa_pki: Pki, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three people's files, two of them namesakes told apart by their MaGV file names."""
    people = tmp_path / "people"
    people.mkdir()
    _person_file(people, "GV0001", "Trần Văn Minh", rsa_pki)
    _person_file(people, "GV0002", "Lê Thị Hoa", rsa_pki)
    _person_file(people, "GV0003", "Lê Thị Hoa", rsa_pki)
    (people / "README.txt").write_text("not a key")
    monkeypatch.setenv("HUB_PEOPLE_PASSWORD", PASSWORD)
    return people


def _cn(provider: SigningProvider) -> str:
    (attribute,) = provider.certificate_chain()[0].subject.get_attributes_for_oid(
        NameOID.COMMON_NAME
    )
    return str(attribute.value)


def test_the_folder_kind_is_registered_and_built_from_its_section(folder: Path) -> None:
    assert "pkcs12-folder" in provider_kinds()
    provider = provider_from_config(
        {"kind": "pkcs12-folder", "folder": "people", "password_env": "HUB_PEOPLE_PASSWORD"},
        base_dir=folder.parent,
    )
    assert isinstance(provider, Pkcs12FolderProvider)
    assert isinstance(provider, PeopleProvider)
    assert not isinstance(provider, SigningProvider)  # no key of its own to sign with
    assert PASSWORD not in repr(provider)
    assert "keys=3" in repr(provider)


def test_the_named_person_signs_compared_as_the_spec_compares_names(
    folder: Path, rsa_pki: Pki
) -> None:
    provider = Pkcs12FolderProvider(folder, "HUB_PEOPLE_PASSWORD")
    for written in (
        "Trần Văn Minh",
        "  trần  VĂN minh ",
        unicodedata.normalize("NFD", "Trần Văn Minh"),
    ):
        key = provider.signer_for(Person(written))
        assert _cn(key) == "Trần Văn Minh"
        assert key.certificate_chain()[1] == rsa_pki.intermediate
        assert_verifies(key.certificate_chain()[0], b"data", key.sign(b"data"))


def test_nobody_signs_for_a_person_without_a_key(folder: Path) -> None:
    provider = Pkcs12FolderProvider(folder, "HUB_PEOPLE_PASSWORD")
    with pytest.raises(SignerNotFound) as raised:
        provider.signer_for(Person("Trần Văn Mình"))  # one diacritic off: another person
    assert "'Trần Văn Mình'" in raised.value.message_en
    assert str(folder) in raised.value.message_en


def test_namesakes_are_told_apart_by_magv_or_refused(folder: Path) -> None:
    provider = Pkcs12FolderProvider(folder, "HUB_PEOPLE_PASSWORD")
    first = provider.signer_for(Person("Lê Thị Hoa", "GV0002"))
    second = provider.signer_for(Person("Lê Thị Hoa", "GV0003"))
    assert first.certificate_chain()[0] != second.certificate_chain()[0]
    for unknown in (None, "GV9999"):
        with pytest.raises(SignerNotFound, match="GV0002, GV0003"):
            provider.signer_for(Person("Lê Thị Hoa", unknown))


def test_a_wrong_password_or_an_empty_folder_fails_when_opened(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_PEOPLE_PASSWORD", "sai")
    with pytest.raises(ProviderConfigError, match="wrong password"):
        Pkcs12FolderProvider(folder, "HUB_PEOPLE_PASSWORD")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProviderConfigError, match="no PKCS#12 file"):
        Pkcs12FolderProvider(tmp_path / "empty", "HUB_PEOPLE_PASSWORD")
    with pytest.raises(ProviderConfigError, match="not a folder"):
        Pkcs12FolderProvider(tmp_path / "missing", "HUB_PEOPLE_PASSWORD")


def test_a_certificate_naming_two_people_is_refused(rsa_pki: Pki) -> None:
    key = new_key("ec")
    two = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Trần Văn Minh"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Lê Thị Hoa"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(two)
        .issuer_name(rsa_pki.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(rsa_pki.intermediate.not_valid_before_utc)
        .not_valid_after(rsa_pki.intermediate.not_valid_after_utc)
        .sign(rsa_pki.intermediate_key, hashes.SHA256())
    )
    with pytest.raises(ProviderConfigError, match="2 CNs"):
        PeopleKeys([("both", MemoryProvider(key, [certificate]))], "test")


def test_the_test_pki_names_people_files_by_magv_so_namesakes_sign_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    namesakes = [Person("Lê Thị Hoa", "GV0002"), Person("Lê Thị Hoa", "GV0003")]
    pki = make_test_pki(
        tmp_path / "pki",
        with_intermediate=False,
        people=[*namesakes, "Phạm Văn Hùng", Person("phạm văn hùng"), namesakes[0]],
    )
    # One certificate per person; two MaGVs for one name are two people.
    assert sorted(p.name for p in pki.people_dir.glob("*.p12")) == [
        "GV0002.p12",
        "GV0003.p12",
        "pham-van-hung.p12",
    ]
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", DEFAULT_TEST_PASSWORD)
    folder = Pkcs12FolderProvider(pki.people_dir)
    assert _cn(folder.signer_for(Person("PHẠM VĂN HÙNG"))) == "Phạm Văn Hùng"
    first, second = (folder.signer_for(p).certificate_chain()[0] for p in namesakes)
    assert first != second
    assert (first, second) == (pki.people["GV0002"].certificate, pki.people["GV0003"].certificate)
    assert pki.person("lê thị hoa") == pki.people["GV0002"]  # the first of the namesakes
    with pytest.raises(SignerNotFound):
        folder.signer_for(Person("Lê Thị Hoa"))
