"""provider_from_config: one configuration section per provider, secrets only by variable name."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from hub.signing.providers import (
    BUILTIN_KINDS,
    PemKeyProvider,
    Pkcs12Provider,
    ProviderConfigError,
    ProviderSection,
    SigningProvider,
    provider_from_config,
    provider_kinds,
)
from hub.signing.providers.remote import RemoteSigningProvider

from .conftest import Pki, Writer, assert_verifies, key_pem, pem_of


def test_builtin_kinds_are_registered() -> None:
    assert {"pkcs12", "pem", "pkcs11", "remote"} <= set(provider_kinds())


def test_pkcs12_section_with_a_path_relative_to_the_config_folder(
    rsa_pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "seal.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal",
            rsa_pki.leaf_key,
            rsa_pki.leaf,
            [rsa_pki.intermediate],
            BestAvailableEncryption(b"pw"),
        )
    )
    monkeypatch.setenv("HUB_SEAL_PASSWORD", "pw")

    provider = provider_from_config(
        {"kind": "pkcs12", "path": "keys/seal.p12", "password_env": "HUB_SEAL_PASSWORD"},
        base_dir=tmp_path,
    )

    assert isinstance(provider, Pkcs12Provider)
    assert provider.path == tmp_path / "keys" / "seal.p12"
    assert_verifies(rsa_pki.leaf, b"x", provider.sign(b"x"))


def test_pem_section(ec_pki: Pki, write: Writer) -> None:
    key = write("k.pem", key_pem(ec_pki.leaf_key))
    cert = write("c.pem", pem_of(ec_pki.leaf))
    chain = write("chain.pem", pem_of(ec_pki.intermediate))

    provider = provider_from_config(
        {"kind": "pem", "key_path": str(key), "cert_path": str(cert), "chain_paths": [str(chain)]}
    )

    assert isinstance(provider, PemKeyProvider)
    assert provider.certificate_chain() == [ec_pki.leaf, ec_pki.intermediate]


def test_remote_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GV_TOKEN", "abc123")

    provider = provider_from_config(
        {
            "kind": "remote",
            "base_url": "https://ky.example.vn/",
            "signer_id": "gv-0042",
            "token_env": "GV_TOKEN",
            "poll_interval": 1,
            "timeout": 90,
        }
    )

    assert isinstance(provider, RemoteSigningProvider)
    assert (provider.base_url, provider.signer_id, provider.timeout) == (
        "https://ky.example.vn",
        "gv-0042",
        90.0,
    )
    provider.close()


@pytest.mark.parametrize(
    ("section", "expected_vi", "expected_en"),
    [
        (
            {"kind": "pkcs12", "path": "a.p12", "password": "123456"},
            "không ghi bí mật vào tệp cấu hình; đặt tên biến môi trường vào password_env",
            "password: never write a secret into the configuration",
        ),
        (
            {
                "kind": "pkcs11",
                "module_path": "m.so",
                "token_label": "t",
                "key_label": "k",
                "pin": "1234",
            },
            "đặt tên biến môi trường vào pin_env",
            "pin: never write a secret",
        ),
        ({"kind": "hsm9000"}, "loại 'hsm9000' không có", "kind: no kind 'hsm9000'; known:"),
        ({"path": "a.p12"}, "kind: thiếu khóa bắt buộc này", "kind: this required key is missing"),
        ({"kind": "pkcs12"}, "path: thiếu khóa bắt buộc này", "path: this required key is missing"),
        (
            {"kind": "pkcs12", "path": "a.p12", "pasword_env": "X"},
            "pasword_env: khóa không được loại nhà cung cấp này dùng",
            "pasword_env: key(s) unknown to this provider kind",
        ),
        (
            {"kind": "pkcs12", "path": "a.p12", "password_env": "hunter2 !"},
            "cần tên một biến môi trường",
            "expected the name of an environment variable",
        ),
        (
            {"kind": "remote", "base_url": "https://x", "signer_id": "g", "timeout": "soon"},
            "cần một số dương",
            "timeout: expected a positive number, found 'soon'",
        ),
        (
            {"kind": "pem", "key_path": "k", "cert_path": "c", "chain_paths": "c2"},
            "cần một danh sách đường dẫn",
            "chain_paths: expected a list of paths",
        ),
    ],
    ids=[
        "password",
        "pin",
        "unknown-kind",
        "no-kind",
        "no-path",
        "misspelt-key",
        "bad-env-name",
        "bad-number",
        "bad-list",
    ],
)
def test_bad_sections_are_refused_with_section_and_key(
    section: dict[str, object], expected_vi: str, expected_en: str
) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        provider_from_config(section, name="signing.providers.seal")

    assert caught.value.message_vi.startswith("[signing.providers.seal] ")
    assert expected_vi in caught.value.message_vi
    assert expected_en in caught.value.message_en


class _FixedProvider:
    """A plugin's provider: wraps a PEM provider, to show the registry end to end."""

    def __init__(self, inner: SigningProvider, note: str) -> None:
        self.inner, self.note = inner, note
        self.algorithm = inner.algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        return self.inner.certificate_chain()

    def sign(self, data: bytes) -> bytes:
        return self.inner.sign(data)


def test_a_plugin_kind_is_built_from_the_kinds_handed_in(rsa_pki: Pki, write: Writer) -> None:
    key, cert = write("k.pem", key_pem(rsa_pki.leaf_key)), write("c.pem", pem_of(rsa_pki.leaf))

    def build(section: ProviderSection) -> SigningProvider:
        note = section.text("note", default="none")
        section.check_all_read()
        return _FixedProvider(PemKeyProvider(key, cert), note)

    kinds = {**BUILTIN_KINDS, "test-plugin-kind": build}  # what Registry.provider_kinds() gives
    provider = provider_from_config(
        {"kind": "test-plugin-kind", "note": "from a plugin"}, kinds=kinds
    )
    assert isinstance(provider, _FixedProvider)
    assert provider.note == "from a plugin"
    assert_verifies(rsa_pki.leaf, b"y", provider.sign(b"y"))
    with pytest.raises(ProviderConfigError, match="unknown to this provider kind"):
        provider_from_config({"kind": "test-plugin-kind", "colour": "blue"}, kinds=kinds)
    # Handed in, never kept: without them the kind is unknown, and the built-ins cannot grow.
    with pytest.raises(ProviderConfigError, match="no kind 'test-plugin-kind'"):
        provider_from_config({"kind": "test-plugin-kind", "note": "x"})
    assert "test-plugin-kind" not in provider_kinds()
    with pytest.raises(TypeError):
        BUILTIN_KINDS["test-plugin-kind"] = build  # type: ignore[index]
