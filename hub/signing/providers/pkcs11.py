"""A signer whose key lives on a PKCS#11 token (a USB token, an HSM, SoftHSM2 in tests).

python-pkcs11 loads a module once per process (`pkcs11.lib` caches it by path) and a token's
login is shared by every session of the process: logging in twice fails. So the hub keeps one
logged-in session per (module, token) for the life of the process, shared by every provider
that names that token, and serialises use of it with a lock. A session that the token drops
(unplugged, HSM restart) is reopened once, with the PIN read again from the environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pkcs11
from cryptography import x509
from pkcs11 import exceptions as p11errors

from hub.errors import ExitCode, HubError
from hub.signing.providers.base import ProviderConfigError, SignatureAlgorithm
from hub.signing.providers.files import read_certificates
from hub.signing.providers.keys import algorithm_for, signature_holds, signer_first_chain
from hub.signing.providers.secrets import read_secret

log = logging.getLogger(__name__)

# Errors after which the session is gone but a new one may work.
_SESSION_LOST = (
    p11errors.SessionHandleInvalid,
    p11errors.SessionClosed,
    p11errors.DeviceRemoved,
    p11errors.TokenNotPresent,
    p11errors.UserNotLoggedIn,
    p11errors.KeyHandleInvalid,
    p11errors.ObjectHandleInvalid,
)
_PROBE = b"hub: does this key match its certificate?"


class TokenError(HubError):
    """The token failed an operation the configuration allows (device error, key refused)."""

    exit_code = ExitCode.SIGNING


@dataclass
class _TokenSession:
    """The process's one logged-in session on a token, and the lock that guards it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    session: Any = None  # pkcs11.Session once open
    generation: int = 0  # bumped on every reopen, so providers know to look their key up again


_sessions: dict[tuple[str, str], _TokenSession] = {}
_sessions_lock = threading.Lock()


def _token_session(module_path: str, token_label: str) -> _TokenSession:
    with _sessions_lock:
        return _sessions.setdefault((module_path, token_label), _TokenSession())


class Pkcs11Provider:
    """A signer whose private key stays on a PKCS#11 token.

    Args:
        module_path: the token's PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so.
        token_label: the token's label.
        key_label: the private key's CKA_LABEL; the certificate, when on the token, carries
            the same label.
        pin_env: the environment variable holding the user PIN (or `<name>_FILE`).
        cert_path: the signer's certificate as a file, when it is not stored on the token.
        chain_paths: files of intermediate certificates.

    Raises:
        ProviderConfigError: the module, token, key or certificate is not found, the PIN is
            missing or wrong, or the key does not match the certificate.
    """

    def __init__(
        self,
        module_path: str | Path,
        token_label: str,
        key_label: str,
        pin_env: str = "HUB_PKCS11_PIN",
        cert_path: str | Path | None = None,
        chain_paths: Sequence[str | Path] = (),
    ) -> None:
        self.module_path = str(module_path)
        self.token_label = token_label
        self.key_label = key_label
        self.pin_env = pin_env
        self.cert_path = Path(cert_path) if cert_path is not None else None
        self.chain_paths = tuple(Path(p) for p in chain_paths)
        self._where = f"PKCS#11 {self.token_label}/{self.key_label}"
        self._shared = _token_session(self.module_path, token_label)
        self._key: Any = None
        self._key_generation = -1
        with self._shared.lock:
            session = self._open_locked()
            self._key_locked(session)  # a missing key is the likelier mistake: report it first
            leaf = self._certificate_locked(session)
        others: list[x509.Certificate] = []
        for chain_path in self.chain_paths:
            others.extend(read_certificates(chain_path))
        self._chain = signer_first_chain(leaf, others)
        self._algorithm = algorithm_for(leaf, self._where)
        try:
            probe = self.sign(_PROBE)
        except TokenError:
            probe = b""  # e.g. an RSA key on the token behind an EC certificate
        if not signature_holds(leaf, _PROBE, probe):
            raise ProviderConfigError(
                f"{self._where}: khóa trên thiết bị không khớp với chứng thư số "
                f"{leaf.subject.rfc4514_string()}.",
                f"{self._where}: the key on the token does not match the certificate "
                f"{leaf.subject.rfc4514_string()}.",
            )

    # -- the SigningProvider interface -------------------------------------------------------

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of the token's key (from its certificate)."""
        return self._algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then the intermediates of `chain_paths`."""
        return list(self._chain)

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data`, made on the token.

        Raises:
            TokenError: the token refused the operation (after one reopen of a lost session).
        """
        with self._shared.lock:
            try:
                try:
                    return self._sign_locked(data)
                except _SESSION_LOST as exc:
                    log.warning(
                        "PKCS#11 session on token %r lost (%s); reopening once",
                        self.token_label,
                        type(exc).__name__,
                    )
                    self._drop_session_locked()
                    return self._sign_locked(data)
            except p11errors.PKCS11Error as exc:
                raise TokenError(
                    f"{self._where}: thiết bị không ký được ({type(exc).__name__}); kiểm tra "
                    f"thiết bị rồi chạy lại.",
                    f"{self._where}: the token could not sign ({type(exc).__name__}); check the "
                    f"token and re-run.",
                ) from exc

    def __repr__(self) -> str:
        return (
            f"Pkcs11Provider(module_path={self.module_path!r}, token_label={self.token_label!r}, "
            f"key_label={self.key_label!r}, pin_env={self.pin_env!r}, "
            f"cert_path={str(self.cert_path) if self.cert_path else None!r})"
        )

    # -- the token, under self._shared.lock ---------------------------------------------------

    def _sign_locked(self, data: bytes) -> bytes:
        key = self._key_locked(self._open_locked())
        if self._algorithm is SignatureAlgorithm.ECDSA_SHA256:
            # Many tokens (SoftHSM2 among them) offer only raw CKM_ECDSA: hash here, sign the
            # digest there. PKCS#11 already returns ECDSA as r || s, the XMLDSig form.
            return bytes(key.sign(hashlib.sha256(data).digest(), mechanism=pkcs11.Mechanism.ECDSA))
        return bytes(key.sign(data, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS))

    def _drop_session_locked(self) -> None:
        session, self._shared.session = self._shared.session, None
        if session is None:
            return
        # The token may already have forgotten it; then there is nothing left to release.
        with contextlib.suppress(p11errors.PKCS11Error):
            session.close()

    def _open_locked(self) -> Any:
        shared = self._shared
        if shared.session is not None:
            return shared.session
        try:
            lib = pkcs11.lib(self.module_path)
        except p11errors.PKCS11Error as exc:
            raise ProviderConfigError(
                f"{self.module_path}: không nạp được mô-đun PKCS#11 ({exc}).",
                f"{self.module_path}: cannot load the PKCS#11 module ({exc}).",
            ) from None
        try:
            token = lib.get_token(token_label=self.token_label)
        except p11errors.NoSuchToken:
            raise ProviderConfigError(
                f"{self._where}: không tìm thấy thiết bị (token) có nhãn {self.token_label!r}.",
                f"{self._where}: no token labelled {self.token_label!r}.",
            ) from None
        except p11errors.MultipleTokensReturned:
            raise ProviderConfigError(
                f"{self._where}: có nhiều thiết bị cùng nhãn {self.token_label!r}.",
                f"{self._where}: several tokens are labelled {self.token_label!r}.",
            ) from None
        pin = read_secret(
            self.pin_env,
            f"Mã PIN của thiết bị {self.token_label}",
            f"The PIN of token {self.token_label}",
        )
        try:
            # On a failed login python-pkcs11 leaves the new session open; this path ends the
            # run with a configuration error, so the handle dies with the process.
            session = token.open(user_pin=pin)
        except (p11errors.PinIncorrect, p11errors.PinInvalid, p11errors.PinLenRange):
            raise ProviderConfigError(
                f"{self._where}: mã PIN sai (biến {self.pin_env}).",
                f"{self._where}: wrong PIN (variable {self.pin_env}).",
            ) from None
        except (p11errors.PinLocked, p11errors.PinExpired) as exc:
            raise ProviderConfigError(
                f"{self._where}: mã PIN đã bị khóa hoặc hết hạn ({type(exc).__name__}); "
                f"hãy mở khóa thiết bị.",
                f"{self._where}: the PIN is locked or expired ({type(exc).__name__}); unlock "
                f"the token.",
            ) from None
        except p11errors.UserAlreadyLoggedIn:
            # Another part of this process logged in to the token: the login is shared by
            # every session of the process, so a session without login sees the key too.
            session = token.open()
        shared.session = session
        shared.generation += 1
        log.info("opened a PKCS#11 session on token %r", self.token_label)
        return session

    def _key_locked(self, session: Any) -> Any:
        if self._key is not None and self._key_generation == self._shared.generation:
            return self._key
        try:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=self.key_label)
        except p11errors.NoSuchKey:
            raise ProviderConfigError(
                f"{self._where}: không có khóa bí mật nhãn {self.key_label!r} trên thiết bị.",
                f"{self._where}: no private key labelled {self.key_label!r} on the token.",
            ) from None
        except p11errors.MultipleObjectsReturned:
            raise ProviderConfigError(
                f"{self._where}: có nhiều khóa bí mật cùng nhãn {self.key_label!r}.",
                f"{self._where}: several private keys are labelled {self.key_label!r}.",
            ) from None
        self._key = key
        self._key_generation = self._shared.generation
        return key

    def _certificate_locked(self, session: Any) -> x509.Certificate:
        if self.cert_path is not None:
            return read_certificates(self.cert_path)[0]
        objects = list(
            session.get_objects(
                {
                    pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                    pkcs11.Attribute.LABEL: self.key_label,
                }
            )
        )
        if len(objects) != 1:
            found = "không có" if not objects else f"có {len(objects)}"
            raise ProviderConfigError(
                f"{self._where}: {found} chứng thư số nhãn {self.key_label!r} trên thiết bị; "
                f"cần đúng một, hoặc khai báo cert_path.",
                f"{self._where}: {len(objects)} certificates labelled {self.key_label!r} on "
                f"the token; exactly one is needed, or configure cert_path.",
            )
        return x509.load_der_x509_certificate(bytes(objects[0][pkcs11.Attribute.VALUE]))
