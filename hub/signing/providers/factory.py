"""Building a provider from a configuration section, by its kind.

    [signing.providers.school-seal]           # in config.toml; the config loader passes the
    kind = "pkcs12"                           # table to provider_from_config()
    path = "keys/school-seal.p12"
    password_env = "HUB_SEAL_PASSWORD"

A kind builds a `SigningProvider` (one key) or a `PeopleProvider` (many people's keys, e.g.
`kind = "pkcs12-folder"`, which the sign stage asks for the key of each person a document
names).

A section names its `kind`; the kind's factory reads the other keys through a
`ProviderSection`, which gives every kind (a plugin's too) the same precise, bilingual errors
for a missing, mistyped or unknown key, and which refuses a secret written into the file: a
section holds the *names* of environment variables (`password_env`, `pin_env`, `token_env`),
never a password, PIN or token.

The kinds a section may name are handed in (`kinds=`): the hub's own (`BUILTIN_KINDS`) and
those of the plugins one load found (`hub.plugins.Registry.provider_kinds()`). There is no
process-wide table to register into, so a plugin dropped for failing takes its kinds with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hub.signing.providers.base import PeopleProvider, ProviderConfigError, SigningProvider

# Keys that would put a secret into config.toml: refused with a pointer to the *_env key.
_SECRET_KEYS = {
    "password": "password_env",
    "passphrase": "password_env",
    "pin": "pin_env",
    "user_pin": "pin_env",
    "token": "token_env",
    "api_token": "token_env",
    "api_key": "token_env",
    "secret": "…_env",
}


class ProviderSection:
    """One provider's configuration section, read key by key with typed, bilingual errors.

    Args:
        values: the section's keys and values (TOML/YAML scalars and lists).
        name: how the section is named in messages, e.g. "signing.providers.school-seal".
        base_dir: the folder relative paths are resolved against (the config file's folder).
    """

    def __init__(self, values: Mapping[str, Any], name: str, base_dir: Path | None) -> None:
        self.name = name
        self.base_dir = base_dir
        self._values = dict(values)
        self._read: set[str] = {"kind"}

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        if key not in self._values or self._values[key] is None:
            if required:
                raise self.error(key, "thiếu khóa bắt buộc này", "this required key is missing")
            return None
        return self._values[key]

    def error(self, key: str, problem_vi: str, problem_en: str) -> ProviderConfigError:
        """An error naming this section and key (for a factory's own checks)."""
        return ProviderConfigError(
            f"[{self.name}] {key}: {problem_vi}.", f"[{self.name}] {key}: {problem_en}."
        )

    def text(self, key: str, default: str | None = None) -> str:
        """A required string, or `default` when given and the key is absent."""
        value = self._get(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if not isinstance(value, str) or not value:
            raise self.error(
                key, f"cần một chuỗi, gặp {value!r}", f"expected a string, found {value!r}"
            )
        return value

    def optional_text(self, key: str) -> str | None:
        """A string, or None when the key is absent."""
        if self._values.get(key) is None:
            self._read.add(key)
            return None
        return self.text(key)

    def number(self, key: str, default: float) -> float:
        """A positive number, or `default` when the key is absent."""
        value = self._get(key, required=False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(
                key,
                f"cần một số dương, gặp {value!r}",
                f"expected a positive number, found {value!r}",
            )
        return float(value)

    def path(self, key: str) -> Path:
        """A required path; relative paths are taken from `base_dir`."""
        return self._resolve(Path(self.text(key)))

    def optional_path(self, key: str) -> Path | None:
        """A path, or None when the key is absent."""
        text = self.optional_text(key)
        return self._resolve(Path(text)) if text is not None else None

    def paths(self, key: str) -> list[Path]:
        """A list of paths (absent: empty)."""
        value = self._get(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, "cần một danh sách đường dẫn", "expected a list of paths")
        return [self._resolve(Path(v)) for v in value]

    def env_name(self, key: str, default: str | None = None) -> str:
        """The *name* of an environment variable holding a secret (not the secret itself)."""
        value = self.text(key, default)
        if not value.replace("_", "").isalnum() or not value.isascii() or value[0].isdigit():
            raise self.error(
                key,
                "cần tên một biến môi trường (chữ, số, _), không phải bí mật",
                "expected the name of an environment variable (letters, digits, _), not a secret",
            )
        return value

    def optional_env_name(self, key: str) -> str | None:
        """An environment variable's name, or None when the key is absent."""
        if self._values.get(key) is None:
            self._read.add(key)
            return None
        return self.env_name(key)

    def check_all_read(self) -> None:
        """Refuse keys no factory read: a misspelt key must not be silently ignored."""
        unknown = sorted(set(self._values) - self._read)
        if unknown:
            raise self.error(
                ", ".join(unknown),
                "khóa không được loại nhà cung cấp này dùng",
                "key(s) unknown to this provider kind",
            )

    def _resolve(self, path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() or self.base_dir is None else self.base_dir / path


AnyProvider = SigningProvider | PeopleProvider
"""What a configuration section builds: one key, or many people's keys (version 1.0.1)."""

ProviderFactory = Callable[[ProviderSection], AnyProvider]
"""Builds a provider from its section; raise `section.error(...)` for a bad value."""


def provider_kinds(kinds: Mapping[str, ProviderFactory] | None = None) -> list[str]:
    """The kinds a section may name, sorted: `kinds`, or the built-in ones when None."""
    return sorted(BUILTIN_KINDS if kinds is None else kinds)


def provider_from_config(
    mapping: Mapping[str, Any],
    *,
    name: str = "signing provider",
    base_dir: Path | None = None,
    kinds: Mapping[str, ProviderFactory] | None = None,
) -> AnyProvider:
    """Build the provider a configuration section describes.

    Args:
        mapping: the section: `kind` and the kind's keys.
        name: the section's name, for messages.
        base_dir: the folder relative paths in the section are taken from.
        kinds: the kinds the section may name: a plugin load's
            (`hub.plugins.Registry.provider_kinds()`, the built-in ones and the plugins'), or
            only the built-in ones (`BUILTIN_KINDS`) when None. Passed in, never kept in a
            process-wide table, so a plugin dropped from a load leaves no kind behind.

    Raises:
        ProviderConfigError: an unknown kind or key, a key of the wrong type, a secret written
            in the section, or any error the provider raises when it opens its key.
    """
    section = ProviderSection(mapping, name, base_dir)
    for key, env_key in _SECRET_KEYS.items():
        if key in mapping:
            raise section.error(
                key,
                f"không ghi bí mật vào tệp cấu hình; đặt tên biến môi trường vào {env_key} và "
                f"đặt bí mật vào biến đó",
                f"never write a secret into the configuration; put the name of an environment "
                f"variable in {env_key} and the secret in that variable",
            )
    kind = section.text("kind")
    kinds = BUILTIN_KINDS if kinds is None else kinds
    factory = kinds.get(kind)
    if factory is None:
        known = ", ".join(provider_kinds(kinds))
        raise section.error(
            "kind", f"loại {kind!r} không có; có: {known}", f"no kind {kind!r}; known: {known}"
        )
    provider = factory(section)
    section.check_all_read()
    return provider


# -- the built-in kinds -----------------------------------------------------------------------
# Each reads every key first and calls check_all_read() before it opens anything, so a
# misspelt key is reported as such rather than as the missing secret it leads to. The provider
# modules are imported here, not at the top, so that a hub without a PKCS#11 token never loads
# python-pkcs11's C extension.


def _pkcs12(section: ProviderSection) -> SigningProvider:
    from hub.signing.providers.files import Pkcs12Provider

    path = section.path("path")
    password_env = section.env_name("password_env", "HUB_SIGNING_PASSWORD")
    section.check_all_read()
    return Pkcs12Provider(path, password_env=password_env)


def _pem(section: ProviderSection) -> SigningProvider:
    from hub.signing.providers.files import PemKeyProvider

    key_path, cert_path = section.path("key_path"), section.path("cert_path")
    chain_paths = section.paths("chain_paths")
    password_env = section.optional_env_name("password_env")
    section.check_all_read()
    return PemKeyProvider(key_path, cert_path, chain_paths, password_env=password_env)


def _pkcs12_folder(section: ProviderSection) -> AnyProvider:
    from hub.signing.providers.people import Pkcs12FolderProvider

    folder = section.path("folder")
    password_env = section.env_name("password_env", "HUB_SIGNING_PASSWORD")
    section.check_all_read()
    return Pkcs12FolderProvider(folder, password_env=password_env)


def _pkcs11(section: ProviderSection) -> SigningProvider:
    from hub.signing.providers.pkcs11 import Pkcs11Provider

    module_path = section.path("module_path")
    token_label, key_label = section.text("token_label"), section.text("key_label")
    pin_env = section.env_name("pin_env", "HUB_PKCS11_PIN")
    cert_path, chain_paths = section.optional_path("cert_path"), section.paths("chain_paths")
    section.check_all_read()
    return Pkcs11Provider(
        module_path, token_label, key_label, pin_env, cert_path=cert_path, chain_paths=chain_paths
    )


def _remote(section: ProviderSection) -> SigningProvider:
    from hub.signing.providers.remote import RemoteSigningProvider
    from hub.signing.providers.remote_protocol import DEFAULT_TOKEN_ENV

    base_url, signer_id = section.text("base_url"), section.text("signer_id")
    token_env = section.env_name("token_env", DEFAULT_TOKEN_ENV)
    poll_interval = section.number("poll_interval", 2.0)
    timeout = section.number("timeout", 300.0)
    max_poll_interval = section.number("max_poll_interval", 15.0)
    request_timeout = section.number("request_timeout", 15.0)
    description = section.optional_text("description")
    ca_file = section.optional_path("ca_file")
    section.check_all_read()
    extra: dict[str, Any] = {"description": description} if description is not None else {}
    return RemoteSigningProvider(
        base_url,
        signer_id,
        token_env,
        poll_interval,
        timeout,
        max_poll_interval=max_poll_interval,
        ca_file=ca_file,
        request_timeout=request_timeout,
        **extra,
    )


BUILTIN_KINDS: Mapping[str, ProviderFactory] = MappingProxyType(
    {
        "pkcs12": _pkcs12,
        "pkcs12-folder": _pkcs12_folder,
        "pem": _pem,
        "pkcs11": _pkcs11,
        "remote": _remote,
    }
)
"""The kinds the hub itself knows; read-only. A plugin's kinds live in the `Registry` of the
load that found them (`register_signing_providers`), and reach here through `kinds=`."""
