"""People providers: many people's keys, each signature made with the named person's own.

Version 1.0.1 of the spec (check 6, HB006) wants every GVBM, GVCN and HT certificate to name
the person the document names for that signature. A school signs with dozens of people's
keys, so the sign stage asks a `PeopleProvider` for the key of the person each signature is
for (`signer_for(Person)`), and this module holds them:

    PeopleKeys              signers indexed by the CN of their certificate (in memory)
    Pkcs12FolderProvider    a folder of PKCS#12 files, one per person, one password variable

    [signing.providers.people]            # config.toml
    kind = "pkcs12-folder"
    folder = "keys/79000001/people"
    password_env = "HUB_PEOPLE_PASSWORD"

Names are matched by the spec's comparison (`hub.document.text.person_key`: NFC, case
folding, white space collapsed). Two keys whose certificates name the same person are told
apart by the document's MaGV when a file is named after it (`<MaGV>.p12`); otherwise that name
is refused, never signed by one of them at random. Nobody is ever signed for with someone
else's key: a person without a key fails the document at `sign`, naming whom it looked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hub.document.text import person_key
from hub.signing.providers.base import (
    Person,
    ProviderConfigError,
    SignerNotFound,
    SigningProvider,
)
from hub.signing.providers.files import Pkcs12Provider
from hub.signing.providers.keys import common_names


class PeopleKeys:
    """Signers found by the name their certificate's CN gives.

    Args:
        signers: (label, provider) pairs; the label names the key in messages and tells
            namesakes apart (the file's stem, e.g. the MaGV).
        where: what holds them, for messages (a folder, "test PKI").

    Raises:
        ProviderConfigError: a certificate without exactly one CN (it could name no one, or
            two people).
    """

    def __init__(self, signers: Iterable[tuple[str, SigningProvider]], where: str) -> None:
        self.where = where
        self._by_name: dict[str, list[tuple[str, SigningProvider]]] = {}
        for label, provider in signers:
            names = common_names(provider.certificate_chain()[0])
            if len(names) != 1:
                raise ProviderConfigError(
                    f"{where}: chứng thư của {label} có {len(names)} CN; cần đúng một (tên người).",
                    f"{where}: the certificate of {label} has {len(names)} CNs; expected exactly "
                    f"one (the person's name).",
                )
            self._by_name.setdefault(person_key(names[0]), []).append((label, provider))

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_name.values())

    def signer_for(self, person: Person) -> SigningProvider:
        """The key whose certificate names `person` (see the module's docstring).

        Raises:
            SignerNotFound: nobody here by that name, or namesakes that MaGV cannot tell apart.
        """
        found = self._by_name.get(person_key(person.name), [])
        if len(found) > 1 and person.staff_code:
            found = [(label, p) for label, p in found if label == person.staff_code] or found
        if len(found) == 1:
            return found[0][1]
        if not found:
            raise SignerNotFound(
                f"{self.where}: không có khóa nào mang tên '{person.name}'.",
                f"{self.where}: no key names '{person.name}'.",
            )
        labels = ", ".join(label for label, _ in found)
        raise SignerNotFound(
            f"{self.where}: {len(found)} khóa cùng mang tên '{person.name}' ({labels}); đặt tên "
            f"tệp theo MaGV của người đó để phân biệt.",
            f"{self.where}: {len(found)} keys name '{person.name}' ({labels}); name the file "
            f"after the person's MaGV to tell them apart.",
        )

    def __repr__(self) -> str:
        return f"PeopleKeys(where={self.where!r}, keys={len(self)})"


class Pkcs12FolderProvider:
    """A folder of people's PKCS#12 files (`*.p12`, `*.pfx`), all under one password.

    Every file is opened when the provider is, so that a wrong password or a broken file fails
    when the hub starts, not halfway through a batch (≈ 1 ms a file for an EC key, ≈ 40 ms for
    an RSA key, once per process).

    Args:
        folder: the folder; other files in it (certificates, README) are ignored.
        password_env: the environment variable holding the files' password (or `<name>_FILE`).

    Raises:
        ProviderConfigError: not a folder, no PKCS#12 file in it, or one that cannot be opened.
    """

    SUFFIXES = frozenset({".p12", ".pfx"})

    def __init__(self, folder: str | Path, password_env: str = "HUB_SIGNING_PASSWORD") -> None:  # noqa: S107 (a variable name)
        self.folder = Path(folder)
        self.password_env = password_env
        if not self.folder.is_dir():
            raise ProviderConfigError(
                f"{self.folder}: không phải thư mục khóa của từng người.",
                f"{self.folder}: not a folder of people's keys.",
            )
        files = sorted(
            p for p in self.folder.iterdir() if p.suffix.lower() in self.SUFFIXES and p.is_file()
        )
        if not files:
            raise ProviderConfigError(
                f"{self.folder}: thư mục không có tệp PKCS#12 (.p12, .pfx) nào.",
                f"{self.folder}: the folder holds no PKCS#12 file (.p12, .pfx).",
            )
        self._keys = PeopleKeys(
            ((path.stem, Pkcs12Provider(path, password_env)) for path in files), str(self.folder)
        )

    def signer_for(self, person: Person) -> SigningProvider:
        """The key of the file whose certificate names `person`."""
        return self._keys.signer_for(person)

    def __repr__(self) -> str:
        return (
            f"Pkcs12FolderProvider(folder={str(self.folder)!r}, "
            f"password_env={self.password_env!r}, keys={len(self._keys)})"
        )
