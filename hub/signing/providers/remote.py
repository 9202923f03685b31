"""A signer who approves each signature on their phone, through a remote signing service.

The client side of `hub.signing.providers.remote_protocol`: create a request, poll it with
back-off until the signer approves or denies it, the service expires it, or our own deadline
passes. The returned signature is verified against the signer's certificate before it is used, so a
service that answers with another key's signature fails here and not at the ministry.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import ssl
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from cryptography import x509

from hub.errors import ExitCode, HubError
from hub.signing.providers.base import (
    ProviderConfigError,
    RefusalReason,
    SignatureAlgorithm,
    SigningRefused,
)
from hub.signing.providers.keys import algorithm_for, signature_holds
from hub.signing.providers.remote_protocol import (
    DEFAULT_TOKEN_ENV,
    REQUESTS_PATH,
    Status,
    is_loopback,
    request_path,
    signer_path,
)
from hub.signing.providers.secrets import read_secret

log = logging.getLogger(__name__)

BACKOFF_FACTOR = 1.5


class RemoteSigningError(HubError):
    """The signing service failed (unreachable, an HTTP error, an answer outside the protocol)."""

    exit_code = ExitCode.SIGNING


def read_token(env_name: str) -> str:
    """The API token from the environment, checked to be a bearer token (RFC 6750 b64token).

    A token pasted with a stray space or typed with a diacritic would otherwise reach the
    service mangled and come back as a puzzling 401.
    """
    token = read_secret(
        env_name, "Mã truy cập dịch vụ ký từ xa", "The remote signing service's API token"
    )
    if not token or not all(c.isascii() and (c.isalnum() or c in "-._~+/=") for c in token):
        raise ProviderConfigError(
            f"Mã truy cập trong {env_name} phải là chữ, số và -._~+/= (ASCII, không khoảng trắng).",
            f"The API token in {env_name} must be letters, digits and -._~+/= (ASCII, no spaces).",
        )
    return token


class _BearerFromEnv(httpx.Auth):
    """Adds the API token, read from the environment at each request and never stored."""

    def __init__(self, env_name: str) -> None:
        self.env_name = env_name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {read_token(self.env_name)}"
        yield request

    def __repr__(self) -> str:
        return f"_BearerFromEnv(env_name={self.env_name!r})"


class RemoteSigningProvider:
    """A signer whose key is behind a remote signing service that asks them to approve.

    Args:
        base_url: the service, https://… (plain http only on loopback, for the simulator).
        signer_id: the signer's identifier at the service.
        token_env: the environment variable holding the API token (or `<name>_FILE`).
        poll_interval: seconds before the first poll; later polls back off by 1.5×.
        timeout: seconds to wait for the signer in total, before giving up with TIMEOUT.
        max_poll_interval: the longest pause between two polls.
        description: what the signer's phone shows (Vietnamese first).
        ca_file: a PEM bundle of CAs to trust instead of the system's (a private service).
        request_timeout: seconds for one HTTP exchange.

    Raises:
        ProviderConfigError: a bad URL, a missing token variable, an unreadable CA file.
    """

    def __init__(
        self,
        base_url: str,
        signer_id: str,
        token_env: str = DEFAULT_TOKEN_ENV,
        poll_interval: float = 2.0,
        timeout: float = 300.0,
        *,
        max_poll_interval: float = 15.0,
        description: str = "Ký học bạ số / Sign a digital school transcript",
        ca_file: str | Path | None = None,
        request_timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer_id = signer_id
        self.token_env = token_env
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_poll_interval = max_poll_interval
        self.description = description
        url = urlsplit(self.base_url)
        if url.scheme != "https" and not (url.scheme == "http" and is_loopback(url.hostname or "")):
            raise ProviderConfigError(
                f"{base_url}: dịch vụ ký từ xa phải dùng https (http chỉ cho máy cục bộ).",
                f"{base_url}: a remote signing service must use https (http only on loopback).",
            )
        # Fail now, not at the first document, when the token is not configured.
        read_token(token_env)
        verify: ssl.SSLContext | bool = True
        if ca_file is not None:
            try:
                verify = ssl.create_default_context(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise ProviderConfigError(
                    f"{ca_file}: không đọc được tệp CA: {exc}.",
                    f"{ca_file}: cannot read the CA file: {exc}.",
                ) from None
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=_BearerFromEnv(token_env),
            verify=verify,
            timeout=request_timeout,
            headers={"Accept": "application/json"},
        )
        self._chain: list[x509.Certificate] | None = None
        self._algorithm: SignatureAlgorithm | None = None

    # -- the SigningProvider interface -------------------------------------------------------

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The SignatureMethod of the signer's key, from the certificate the service reports."""
        if self._algorithm is None:
            self._load_signer()
        assert self._algorithm is not None
        return self._algorithm

    def certificate_chain(self) -> list[x509.Certificate]:
        """Signer first, then intermediates, as the service reports them (fetched once)."""
        if self._chain is None:
            self._load_signer()
        assert self._chain is not None
        return list(self._chain)

    def sign(self, data: bytes) -> bytes:
        """Ask the signer to approve, wait for the answer, and return the verified signature.

        Raises:
            SigningRefused: denied by the signer, expired at the service, or no answer within
                `timeout` (the request is then cancelled).
            RemoteSigningError: the service failed or answered outside the protocol.
        """
        leaf = self.certificate_chain()[0]
        digest = hashlib.sha256(data).digest()
        created = self._call(
            "POST",
            REQUESTS_PATH,
            json={
                "signer_id": self.signer_id,
                "algorithm": str(self.algorithm),
                "digest_b64": base64.b64encode(digest).decode("ascii"),
                "description": self.description,
            },
        )
        request_id = _text_field(created, "request_id")
        log.info("remote signing request %s sent to signer %s", request_id, self.signer_id)
        answer = self._wait(request_id)
        try:
            signature = base64.b64decode(_text_field(answer, "signature_b64"), validate=True)
        except ValueError:
            signature = b""  # not base64: reported below as a signature that does not hold
        if not signature_holds(leaf, digest, signature, prehashed=True):
            self._chain = None  # perhaps a renewed certificate: fetch it again next time
            raise RemoteSigningError(
                f"Dịch vụ ký từ xa trả về chữ ký không khớp chứng thư số của {self.signer_id} "
                f"(yêu cầu {request_id}); hãy chạy lại.",
                f"The remote signing service returned a signature that does not match "
                f"{self.signer_id}'s certificate (request {request_id}); run again.",
            )
        log.info("remote signing request %s approved", request_id)
        return signature

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> RemoteSigningProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"RemoteSigningProvider(base_url={self.base_url!r}, signer_id={self.signer_id!r}, "
            f"token_env={self.token_env!r}, poll_interval={self.poll_interval!r}, "
            f"timeout={self.timeout!r})"
        )

    # -- the protocol ------------------------------------------------------------------------

    def _load_signer(self) -> None:
        answer = self._call("GET", signer_path(quote(self.signer_id, safe="")))
        pem = _text_field(answer, "certificate_chain_pem")
        try:
            chain = x509.load_pem_x509_certificates(pem.encode("ascii"))
        except ValueError:
            raise RemoteSigningError(
                f"Dịch vụ ký từ xa trả về chứng thư số không đọc được cho {self.signer_id}.",
                f"The remote signing service returned an unreadable certificate for "
                f"{self.signer_id}.",
            ) from None
        self._algorithm = algorithm_for(chain[0], f"{self.base_url} {self.signer_id}")
        self._chain = chain

    def _wait(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        pause = self.poll_interval
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._cancel(request_id)
                raise SigningRefused(
                    f"{self.signer_id} chưa duyệt yêu cầu ký {request_id} sau {self.timeout:g} "
                    f"giây; hủy yêu cầu. Hãy nhắc người ký rồi chạy lại.",
                    f"{self.signer_id} did not approve signing request {request_id} within "
                    f"{self.timeout:g} s; the request is cancelled. Remind the signer and re-run.",
                    reason=RefusalReason.TIMEOUT,
                )
            time.sleep(min(pause, remaining))
            pause = min(pause * BACKOFF_FACTOR, self.max_poll_interval)
            try:
                answer = self._call("GET", request_path(quote(request_id, safe="")))
            except RemoteSigningError as exc:
                # One failed poll is not the end: the phone's answer is kept by the service.
                log.warning("poll of signing request %s failed: %s", request_id, exc.message_en)
                continue
            status = _text_field(answer, "status")
            if status == Status.PENDING:
                continue
            if status == Status.APPROVED:
                return answer
            if status == Status.DENIED:
                raise SigningRefused(
                    f"{self.signer_id} đã từ chối yêu cầu ký {request_id}.",
                    f"{self.signer_id} denied signing request {request_id}.",
                    reason=RefusalReason.DENIED,
                )
            if status in (Status.EXPIRED, Status.CANCELLED):
                raise SigningRefused(
                    f"Yêu cầu ký {request_id} của {self.signer_id} đã hết hạn ở dịch vụ ký từ xa "
                    f"trước khi được duyệt. Hãy nhắc người ký rồi chạy lại.",
                    f"Signing request {request_id} for {self.signer_id} expired at the remote "
                    f"signing service before it was approved. Remind the signer and re-run.",
                    reason=RefusalReason.EXPIRED,
                )
            raise RemoteSigningError(
                f"Dịch vụ ký từ xa trả về trạng thái lạ {status!r} cho yêu cầu {request_id}.",
                f"The remote signing service returned an unknown status {status!r} for "
                f"request {request_id}.",
            )

    def _cancel(self, request_id: str) -> None:
        try:
            self._call("DELETE", request_path(quote(request_id, safe="")))
        except RemoteSigningError as exc:
            log.warning("could not cancel signing request %s: %s", request_id, exc.message_en)

    def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise RemoteSigningError(
                f"Không kết nối được dịch vụ ký từ xa {self.base_url}: {exc}.",
                f"Cannot reach the remote signing service {self.base_url}: {exc}.",
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == httpx.codes.UNAUTHORIZED:
            raise ProviderConfigError(
                f"{self.base_url}: dịch vụ ký từ xa không chấp nhận mã truy cập (biến "
                f"{self.token_env}).",
                f"{self.base_url}: the remote signing service refuses the API token (variable "
                f"{self.token_env}).",
            )
        if not response.is_success or not isinstance(body, dict):
            vi = body.get("message_vi") if isinstance(body, dict) else None
            en = body.get("message_en") if isinstance(body, dict) else None
            raise RemoteSigningError(
                f"Dịch vụ ký từ xa trả lỗi HTTP {response.status_code} cho {method} {path}"
                f"{': ' + vi if vi else ''}.",
                f"The remote signing service answered HTTP {response.status_code} to {method} "
                f"{path}{': ' + en if en else ''}.",
            )
        return body


def _text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise RemoteSigningError(
            f"Câu trả lời của dịch vụ ký từ xa thiếu trường {name!r}.",
            f"The remote signing service's answer lacks the field {name!r}.",
        )
    return value
