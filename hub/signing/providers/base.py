"""The signing-provider interface: the one thing a key holder must offer the hub.

A provider holds one signer's private key (a PKCS#12 file, a PEM key, a PKCS#11 token, a
remote signing service on a teacher's phone) and signs bytes with it. The XMLDSig profile
(`hub.signing`) builds and canonicalises SignedInfo, asks the provider for a raw signature
value over those bytes, and assembles the ds:Signature. Keeping the interface this small is
what lets a plugin add a provider (an HSM, another vendor's remote service) without touching
the profile.

A `PeopleProvider` holds many people's keys (a folder of a school's teachers' PKCS#12 files)
and hands the sign stage the key of the person a document names (`signer_for(Person)`): under
version 1.0.1 a personal certificate must name that person (check 6, HB006).

Errors a provider raises, by what the caller should do next:

    HubError
    ├── UsageError
    │   └── ProviderConfigError    the provider cannot be built or opened (missing secret,
    │                              wrong password or PIN, missing file or token label): fix
    │                              the configuration and re-run
    ├── SigningRefused             the key holder said no or did not answer (remote signing:
    │                              denied, expired, timed out): ask the signer, then re-run
    └── SignerNotFound             a people provider has no key for the person the document
                                   names (or cannot tell namesakes apart): add their key, or
                                   correct the name in the source, then re-run

A provider must never put a key, PIN, password or API token in `repr()`, in an exception
message or in a log line: secrets come from the environment (see `hub.signing.providers.secrets`)
and are read when needed, not kept as attributes where a debugger or a traceback would show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from cryptography import x509

from hub.errors import ExitCode, HubError, UsageError


class SignatureAlgorithm(StrEnum):
    """The SignatureMethod algorithms the profile allows."""

    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"


class RefusalReason(StrEnum):
    """Why no signature came back, so a caller can tell "ask again" from "ask someone else"."""

    DENIED = "denied"  # the signer declined on their device
    EXPIRED = "expired"  # the service gave up waiting for the signer
    TIMEOUT = "timeout"  # the hub gave up waiting for the service
    REFUSED = "refused"  # any other refusal (a provider that cannot say more)


class SigningRefused(HubError):
    """The key holder refused, or did not answer in time (remote signing: denied, expired).

    Args:
        message_vi: what happened, in Vietnamese (operators read this first).
        message_en: the same in English; defaults to `message_vi` so that a plugin raising
            `SigningRefused("...")` with one message still works.
        reason: the machine-readable cause.
    """

    exit_code = ExitCode.SIGNING

    def __init__(
        self,
        message_vi: str,
        message_en: str | None = None,
        *,
        reason: RefusalReason = RefusalReason.REFUSED,
    ) -> None:
        super().__init__(message_vi, message_en if message_en is not None else message_vi)
        self.reason = reason


class ProviderConfigError(UsageError):
    """A provider cannot be built or opened: a secret missing or wrong, a file or label absent."""

    exit_code = ExitCode.SIGNING


@runtime_checkable
class SigningProvider(Protocol):
    """A holder of one private key and its certificate chain.

    Three members, nothing else: the profile needs no more, and every extra member would be
    one more thing each plugin provider has to get right. Implementations must be safe to
    call from several threads (the pipeline signs in parallel) and must never include the
    key, a PIN, a password or a token in `repr()` or logs.
    """

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod this key makes (RSA → rsa-sha256, EC P-256 → ecdsa-sha256)."""
        ...

    def certificate_chain(self) -> list[x509.Certificate]:
        """The signer's certificate first, then any intermediates (never the root)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The raw SignatureValue over `data` (the canonical SignedInfo bytes).

        RSA: PKCS#1 v1.5 with SHA-256. ECDSA: the XMLDSig form, r || s, each 32 bytes.
        Raises SigningRefused when the holder declines or does not answer in time.
        """
        ...


@dataclass(frozen=True, slots=True)
class Person:
    """Whom a document names for one signature: the person whose key must make it.

    Attributes:
        name: HoTen as the document writes it (GiaoVien, XacNhan/GVCN, XacNhan/HieuTruong).
        staff_code: MaGV, when the document gives one (it tells namesakes apart).
    """

    name: str
    staff_code: str | None = None


class SignerNotFound(HubError):
    """A people provider holds no key that names the person, or several it cannot tell apart.

    The sign stage adds the role and subject; the message says whom and where it looked, never
    a personal ID.
    """

    exit_code = ExitCode.SIGNING


@runtime_checkable
class PeopleProvider(Protocol):
    """A holder of many people's keys (a school's teachers, homeroom teachers, principal).

    Version 1.0.1 of the spec wants every personal signature (GVBM, GVCN, HT) made with the
    certificate of the very person the document names for it, so the sign stage hands such a
    provider the person and signs with the key it picks. One member: the key holder is still
    a `SigningProvider`, and everything else about it stays there.
    """

    def signer_for(self, person: Person) -> SigningProvider:
        """The key of `person`: the one whose certificate's CN names them (check 6's comparison).

        Raises:
            SignerNotFound: no key names the person, or several do and nothing tells them apart.
        """
        ...
