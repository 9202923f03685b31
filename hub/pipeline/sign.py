"""Stage 5, sign: the signatures the hub is configured to make, by the one profile.

`[signing.roles]` names a provider for each role the hub signs (VaiTro GVBM, GVCN, HT, DV).
A school's own key overrides it by naming convention: for role DV → `school-seal`, the
provider `school-seal@79000001` (when configured) signs the documents of school 79000001. A
province hub signs for many schools and each school's seal carries its own MaTruong, so the
seal at least must be per school; the convention keeps config.toml's shape.

Roles sign in the profile's order (a GVBM per subject of a secondary document, then GVCN, HT,
DV) at one signing time, which keeps GVBM ≤ GVCN ≤ HT ≤ DV. Roles without a provider are not
signed by the hub (a vendor's, or a person's through a remote provider configured later).

Version 1.0.1: a GVBM, GVCN or HT certificate must name the person the document names for
that signature (check 6, HB006). A role's provider may therefore be a `PeopleProvider` (e.g.
`kind = "pkcs12-folder"`): for each signature the stage reads whom the document names
(hub.signing.named, the verifier's own reading) and signs with that person's key. A person it
holds no key for fails the learner at `sign`, naming the role, the subject and the person;
nobody else signs in their place. A one-key provider on a personal role is checked the same
way by `sign_tree`, which refuses a certificate naming someone else.

Providers are opened in each worker process from the configuration, never pickled: a key
never crosses a process boundary, and an HSM session belongs to the process that opened it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree

from hub.config import HubConfig
from hub.errors import UsageError
from hub.findings import Finding, error
from hub.signing.named import named_person
from hub.signing.profile import ROLE_NAMES_VI, Role, doc
from hub.signing.providers import (
    AnyProvider,
    PeopleProvider,
    ProviderFactory,
    SignerNotFound,
    SigningProvider,
    provider_from_config,
)
from hub.signing.sign import SigningError, sign_tree
from hub.signing.xmlio import serialize

SignerId = tuple[str, str, str, str]
"""(role, certificate SHA-256, serial, issuer): who signed, as the audit log names a signer
(hub.store.SignedBy), in plain values so that a worker does not load the store."""

CertificateNames = tuple[str, str, str]
"""(certificate SHA-256, serial, issuer): a SignerId without its role."""

SIGN_FAILED = "SIGN_FAILED"
"""The hub's problem code for a document its signers could not sign."""

ROLE_ORDER = (Role.GVBM, Role.GVCN, Role.HT, Role.DV)


class Signers:
    """The configured providers, opened on first use, and who signs what for each school.

    Args:
        config: the hub's configuration (its `[signing]` sections).
        kinds: the provider kinds a section may name, from the plugin load
            (`Registry.provider_kinds()`); only the hub's own kinds when None.
    """

    def __init__(
        self, config: HubConfig, kinds: Mapping[str, ProviderFactory] | None = None
    ) -> None:
        self._config = config
        self._kinds = kinds
        self._opened: dict[str, AnyProvider] = {}
        # Each key's certificate names, worked out once per key: the fingerprint and issuer
        # string cost 3 % of a worker's time at every signature. By the key holder's id (a
        # plugin's provider need not be hashable); each entry keeps its holder, so that no
        # other object can take the id while it is here.
        self._names: dict[int, tuple[SigningProvider, CertificateNames]] = {}

    def provider_name(self, role: Role, school_code: str) -> str | None:
        """The provider that signs `role` for `school_code`, or None when the hub does not."""
        base = self._config.signing.roles.get(role.value)
        if base is None:
            return None
        own = f"{base}@{school_code}"
        return own if own in self._config.signing.providers else base

    def open(self, name: str) -> AnyProvider:
        """The provider `name`, opened once per process.

        Raises:
            ProviderConfigError: the key cannot be opened (file, password, token).
        """
        found = self._opened.get(name)
        if found is None:
            section = self._config.signing.providers[name]
            found = provider_from_config(
                section,
                name=f"signing.providers.{name}",
                base_dir=self._config.base_dir,
                kinds=self._kinds,
            )
            self._opened[name] = found
        return found

    def signer_id(self, provider: SigningProvider, role: Role) -> SignerId:
        """How the audit log names the signer of one signature."""
        known = self._names.get(id(provider))
        if known is None:
            known = (provider, certificate_names(provider.certificate_chain()[0]))
            self._names[id(provider)] = known
        return (role.value, *known[1])

    def check(self, school_codes: Iterable[str]) -> None:
        """Open every provider the given schools need, so a wrong key fails before any work.

        Raises:
            UsageError: no role is configured, or a provider cannot be opened.
        """
        if not self._config.signing.roles:
            raise UsageError(
                f"{self._config.path}: chưa cấu hình vai trò ký nào ([signing.roles]); ít nhất "
                f"con dấu của trường (DV).",
                f"{self._config.path}: no signing role is configured ([signing.roles]); at least "
                f"the school seal (DV).",
            )
        for school in school_codes:
            for role in ROLE_ORDER:
                name = self.provider_name(role, school)
                if name is not None:
                    self.open(name)

    def sign(self, tree: etree._ElementTree, school_code: str, at: datetime) -> list[SignerId]:
        """Sign the document in place for every configured role; who signed, in order.

        The tree is serialised once, by the caller (`signed_bytes`), not after each role:
        a secondary document carries 19 signatures, and serialising the growing document
        after each cost an eighth of a worker's time.

        Raises:
            SigningError, SigningRefused, ProviderConfigError: the document cannot be signed
                (SigningError also when a people provider has no key for the person named).
        """
        signed: list[SignerId] = []
        data = tree.getroot().find(doc("DLHocBa"))
        if data is None:
            raise SigningError(
                "Thiếu /HocBaSo/DLHocBa: không phải tài liệu học bạ số.",
                "The document lacks /HocBaSo/DLHocBa: not a transcript document.",
            )
        secondary = data.find(doc("KetQuaTrungHoc"))
        for role in ROLE_ORDER:
            name = self.provider_name(role, school_code)
            if name is None:
                continue
            provider = self.open(name)
            if role is Role.GVBM:
                if secondary is None:
                    continue
                for subject in secondary.iterfind(doc("MonHoc")):
                    code = subject.get("MaMon")
                    key = _key_for(provider, role, subject, code)
                    sign_tree(tree, role, key, subject_code=code, signing_time=at)
                    signed.append(self.signer_id(key, role))
            else:
                key = _key_for(provider, role, data, None)
                sign_tree(tree, role, key, signing_time=at)
                signed.append(self.signer_id(key, role))
        return signed


def _key_for(
    provider: AnyProvider, role: Role, signed: etree._Element, subject_code: str | None
) -> SigningProvider:
    """The key that signs `role` over `signed`: a people provider's key of the person named."""
    if not isinstance(provider, PeopleProvider):
        return provider
    person = named_person(signed, role)
    what_vi = ROLE_NAMES_VI[role] + (f" {subject_code}" if subject_code else "")
    what_en = f"{role}" + (f" for subject {subject_code}" if subject_code else "")
    if person is None:
        raise SigningError(
            f"Học bạ không ghi tên {what_vi} ({role}) để chọn khóa ký.",
            f"The document names no {what_en} signer to choose a key for.",
        )
    try:
        return provider.signer_for(person)
    except SignerNotFound as exc:
        raise SigningError(
            f"Không có khóa của {what_vi} ({role}) '{person.name}': {exc.message_vi} Thêm "
            f"khóa của người này, hoặc sửa tên trong nguồn, rồi chạy lại.",
            f"No key for the {what_en} signer '{person.name}': {exc.message_en} Add this "
            f"person's key, or correct the name in the source, then run again.",
        ) from None


def certificate_names(certificate: x509.Certificate) -> CertificateNames:
    """How the audit log names a signer's certificate: never by the person's name."""
    return (
        certificate.fingerprint(hashes.SHA256()).hex(),
        format(certificate.serial_number, "x"),
        certificate.issuer.rfc4514_string(),
    )


def signed_bytes(tree: etree._ElementTree) -> bytes:
    """The signed document's bytes, as sent and as hashed into MaBam."""
    return serialize(tree)


def sign_failure(exc: Exception) -> Finding:
    """The finding for a document the signers refused or could not sign."""
    return error(
        SIGN_FAILED,
        "/HocBaSo/DSCKS",
        f"Không ký được học bạ: {getattr(exc, 'message_vi', exc)}",
        f"The document could not be signed: {getattr(exc, 'message_en', exc)}",
    )
