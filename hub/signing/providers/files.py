"""Providers whose key is a file: a PKCS#12 bundle, or a PEM key beside its certificates.

The key is read once, at construction, so a wrong password fails when the hub starts rather
than halfway through a batch; the password itself is read from the environment and dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

from hub.signing.providers.base import ProviderConfigError, SignatureAlgorithm
from hub.signing.providers.keys import InMemoryKeySigner, signer_first_chain
from hub.signing.providers.secrets import read_secret


def _read_bytes(path: Path, what_vi: str, what_en: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProviderConfigError(
            f"{path}: không đọc được {what_vi}: {exc.strerror}.",
            f"{path}: cannot read the {what_en}: {exc.strerror}.",
        ) from None


def read_certificates(path: Path) -> list[x509.Certificate]:
    data = _read_bytes(path, "tệp chứng thư số", "certificate file")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        pass
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ProviderConfigError(
            f"{path}: không phải chứng thư số X.509 (PEM hoặc DER).",
            f"{path}: not an X.509 certificate (PEM or DER).",
        ) from None


class Pkcs12Provider:
    """A signer whose key and certificates are in one PKCS#12 (.p12 / .pfx) file.

    Args:
        path: the PKCS#12 file.
        password_env: the environment variable holding its password (or `<name>_FILE`
            naming a secrets file). Set it to the empty string for a file without password.

    Raises:
        ProviderConfigError: the file is missing or unreadable, the password is missing or
            wrong, the file holds no key or no certificate, or the key is outside the profile.
    """

    def __init__(self, path: str | Path, password_env: str = "HUB_SIGNING_PASSWORD") -> None:  # noqa: S107 (a variable name)
        self.path = Path(path)
        self.password_env = password_env
        data = _read_bytes(self.path, "tệp PKCS#12", "PKCS#12 file")
        password = read_secret(
            password_env,
            f"Mật khẩu của tệp PKCS#12 {self.path}",
            f"The password of the PKCS#12 file {self.path}",
        )
        try:
            key, certificate, others = pkcs12.load_key_and_certificates(
                data, password.encode("utf-8") if password else None
            )
        except ValueError:
            # cryptography says "Invalid password or PKCS12 data" for both; both are fixed by
            # the operator checking the file and the password, so one message serves.
            raise ProviderConfigError(
                f"{self.path}: mật khẩu sai (biến {password_env}) hoặc tệp không phải PKCS#12.",
                f"{self.path}: wrong password (variable {password_env}) or not a PKCS#12 file.",
            ) from None
        if key is None or certificate is None:
            raise ProviderConfigError(
                f"{self.path}: tệp PKCS#12 không chứa khóa bí mật và chứng thư số của nó.",
                f"{self.path}: the PKCS#12 file holds no private key with its certificate.",
            )
        chain = signer_first_chain(certificate, others)
        self._signer = InMemoryKeySigner(key, chain, str(self.path))

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of the file's key."""
        return self._signer.algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then the intermediates the file holds (its root, if any, left out)."""
        return self._signer.certificate_chain()

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data`."""
        return self._signer.sign(data)

    def __repr__(self) -> str:
        return f"Pkcs12Provider(path={str(self.path)!r}, password_env={self.password_env!r})"


class PemKeyProvider:
    """A signer whose key is a PEM file (PKCS#8 or traditional), with PEM/DER certificates.

    Args:
        key_path: the private key, PEM; encrypted or not.
        cert_path: the signer's certificate (PEM or DER); a PEM file may carry the chain after it.
        chain_paths: more files of intermediate certificates, in any order.
        password_env: the environment variable holding the key's password, when it is
            encrypted; None for an unencrypted key.

    Raises:
        ProviderConfigError: a file is missing or unreadable, the key is encrypted and no
            password is configured (or it is wrong), or key and certificate do not match.
    """

    def __init__(
        self,
        key_path: str | Path,
        cert_path: str | Path,
        chain_paths: Sequence[str | Path] = (),
        password_env: str | None = None,
    ) -> None:
        self.key_path = Path(key_path)
        self.cert_path = Path(cert_path)
        self.chain_paths = tuple(Path(p) for p in chain_paths)
        self.password_env = password_env
        certificates = read_certificates(self.cert_path)
        for chain_path in self.chain_paths:
            certificates.extend(read_certificates(chain_path))
        if not certificates:
            raise ProviderConfigError(
                f"{self.cert_path}: tệp không chứa chứng thư số nào.",
                f"{self.cert_path}: the file holds no certificate.",
            )
        key = self._load_key()
        chain = signer_first_chain(certificates[0], certificates[1:])
        self._signer = InMemoryKeySigner(key, chain, str(self.key_path))

    def _load_key(self) -> object:
        data = _read_bytes(self.key_path, "tệp khóa bí mật", "private key file")
        password: bytes | None = None
        if self.password_env is not None:
            password = read_secret(
                self.password_env,
                f"Mật khẩu của khóa {self.key_path}",
                f"The password of the key {self.key_path}",
            ).encode("utf-8")
        try:
            return load_pem_private_key(data, password)
        except TypeError:
            # cryptography raises TypeError for "encrypted but no password" and the reverse.
            if password is None:
                raise ProviderConfigError(
                    f"{self.key_path}: khóa được mã hóa; hãy khai báo password_env (tên biến "
                    f"môi trường chứa mật khẩu).",
                    f"{self.key_path}: the key is encrypted; configure password_env (the name "
                    f"of the environment variable holding its password).",
                ) from None
            raise ProviderConfigError(
                f"{self.key_path}: khóa không được mã hóa; bỏ password_env.",
                f"{self.key_path}: the key is not encrypted; remove password_env.",
            ) from None
        except ValueError:
            raise ProviderConfigError(
                f"{self.key_path}: mật khẩu sai (biến {self.password_env}) hoặc tệp không phải "
                f"khóa PEM.",
                f"{self.key_path}: wrong password (variable {self.password_env}) or not a PEM "
                f"private key.",
            ) from None

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of the key."""
        return self._signer.algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then intermediates found in the certificate files (roots left out)."""
        return self._signer.certificate_chain()

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data`."""
        return self._signer.sign(data)

    def __repr__(self) -> str:
        return (
            f"PemKeyProvider(key_path={str(self.key_path)!r}, cert_path={str(self.cert_path)!r}, "
            f"chain_paths={tuple(str(p) for p in self.chain_paths)!r}, "
            f"password_env={self.password_env!r})"
        )
