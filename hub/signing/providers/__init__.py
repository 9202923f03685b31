"""Signing providers: where a signer's private key lives, behind one small interface.

    SigningProvider (base)     algorithm, certificate_chain(), sign(data) → raw signature
    ├── Pkcs12Provider         a .p12/.pfx file, password from the environment
    ├── PemKeyProvider         a PEM key beside its certificate files
    ├── Pkcs11Provider         a key on a PKCS#11 token (USB token, HSM, SoftHSM2)
    └── RemoteSigningProvider  a signer approving on their phone via a remote signing service
    PeopleProvider (base)      signer_for(Person) → the SigningProvider of the person named
    ├── PeopleKeys             signers by their certificate's CN, in memory
    └── Pkcs12FolderProvider   a folder of people's .p12 files (kind "pkcs12-folder")

`provider_from_config()` builds one from a configuration section, by its kind: one of
`BUILTIN_KINDS` or of a plugin load's (`Registry.provider_kinds()`, `kinds=`).
docs/signing-providers.md explains each and how to write one.
The PKCS#11 and remote providers are imported on first use (python-pkcs11 is a C extension a
hub without a token need not load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.signing.providers.base import (
    PeopleProvider,
    Person,
    ProviderConfigError,
    RefusalReason,
    SignatureAlgorithm,
    SignerNotFound,
    SigningProvider,
    SigningRefused,
)
from hub.signing.providers.factory import (
    BUILTIN_KINDS,
    AnyProvider,
    ProviderFactory,
    ProviderSection,
    provider_from_config,
    provider_kinds,
)
from hub.signing.providers.files import PemKeyProvider, Pkcs12Provider
from hub.signing.providers.people import PeopleKeys, Pkcs12FolderProvider

if TYPE_CHECKING:
    from hub.signing.providers.pkcs11 import Pkcs11Provider
    from hub.signing.providers.remote import RemoteSigningError, RemoteSigningProvider

_LAZY = {
    "Pkcs11Provider": "hub.signing.providers.pkcs11",
    "RemoteSigningProvider": "hub.signing.providers.remote",
    "RemoteSigningError": "hub.signing.providers.remote",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUILTIN_KINDS",
    "AnyProvider",
    "PemKeyProvider",
    "PeopleKeys",
    "PeopleProvider",
    "Person",
    "Pkcs11Provider",
    "Pkcs12FolderProvider",
    "Pkcs12Provider",
    "ProviderConfigError",
    "ProviderFactory",
    "ProviderSection",
    "RefusalReason",
    "RemoteSigningError",
    "RemoteSigningProvider",
    "SignatureAlgorithm",
    "SignerNotFound",
    "SigningProvider",
    "SigningRefused",
    "provider_from_config",
    "provider_kinds",
]
