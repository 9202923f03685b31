"""The receiver's trust: roots, intermediates and CRLs from a folder; check 5 of the spec.

Path building and the CA rules (basic constraints, CA key usage, path length, signatures) are
cryptography's `x509.verification` (RFC 5280 path validation; the web-PKI CA profile, which the
Vietnamese national root and its licensed CAs follow). What it cannot do is written here:

- validity at the *signed signing time* (ThoiGianKy), not now: the verifier is built for that
  moment, and a path found once is re-checked by dates for other moments instead of being
  rebuilt (a path costs ≈ 0.3 ms; a batch has thousands of signatures from a few certificates);
- the end entity's key usage as the profile wants it (digitalSignature or nonRepudiation;
  the web-PKI end-entity profile wants TLS usages instead, so the end-entity policy is
  permit-all and the usage is checked here);
- the signer's key as the profile wants it: RSA of at least 2048 bits or EC on P-256
  (version 1.0.1; P-384, which the web PKI allows, is outside it);
- revocation from the CRLs the receiver holds (cryptography's verifier has no CRL support);
- the organisation certificate's school code (`UID = MaTruong:<code>`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from hub.errors import UsageError
from hub.signing.profile import MIN_RSA_BITS, key_outside_profile

CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
CRL_SUFFIXES = {".crl"}
SCHOOL_UID_PREFIX = "MaTruong:"
_CRL_PEM_BEGIN = b"-----BEGIN X509 CRL-----"
_CRL_PEM_END = b"-----END X509 CRL-----"
_MAX_KNOWN_OBJECTS = 4096


@dataclass(frozen=True, slots=True)
class TrustProblem:
    """Why a certificate is not accepted (always reported as HB005)."""

    message_vi: str
    message_en: str


_Verdict = tuple[dt.datetime, dt.datetime, list[TrustProblem]]  # window, problems inside it


class TrustStoreError(UsageError):
    """The trust folder cannot be read or holds something wrong (names the file)."""


def _fmt(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def describe(certificate: x509.Certificate) -> str:
    """Subject and serial, for messages: enough to find the certificate, nothing secret."""
    return f"{certificate.subject.rfc4514_string()} (serial {certificate.serial_number:X})"


def school_codes(certificate: x509.Certificate) -> list[str]:
    """The MaTruong values in the subject's UID attributes (an organisation certificate)."""
    return [
        str(attribute.value).removeprefix(SCHOOL_UID_PREFIX)
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.USER_ID)
        if str(attribute.value).startswith(SCHOOL_UID_PREFIX)
    ]


def _split_pem_crls(data: bytes) -> list[bytes]:
    blocks, start = [], data.find(_CRL_PEM_BEGIN)
    while start != -1:
        end = data.find(_CRL_PEM_END, start)
        if end == -1:
            break
        blocks.append(data[start : end + len(_CRL_PEM_END)])
        start = data.find(_CRL_PEM_BEGIN, end)
    return blocks


def _read_folder(
    folder: Path,
) -> tuple[list[x509.Certificate], list[tuple[Path, x509.CertificateRevocationList]]]:
    if not folder.is_dir():
        raise TrustStoreError(
            f"{folder}: không phải thư mục tin cậy (cần chứng thư gốc, trung gian, CRL).",
            f"{folder}: not a trust folder (root and intermediate certificates, CRLs).",
        )
    certificates: list[x509.Certificate] = []
    crls: list[tuple[Path, x509.CertificateRevocationList]] = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in CERT_SUFFIXES | CRL_SUFFIXES:
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN" in data:
                if b"-----BEGIN CERTIFICATE-----" in data:
                    certificates.extend(x509.load_pem_x509_certificates(data))
                crls.extend((path, x509.load_pem_x509_crl(b)) for b in _split_pem_crls(data))
            elif suffix in CRL_SUFFIXES:
                crls.append((path, x509.load_der_x509_crl(data)))
            else:
                certificates.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise TrustStoreError(
                f"{path}: không đọc được chứng thư số hoặc CRL ({exc}).",
                f"{path}: cannot read the certificate or CRL ({exc}).",
            ) from None
    return certificates, crls


class TrustStore:
    """Trusted roots, intermediates the receiver holds, and CRLs; checks one signer's chain.

    Args:
        roots: the trust anchors (self-signed).
        intermediates: CA certificates the receiver holds (documents may bring others).
        crls: revocation lists; each must be signed by one of the CAs above.

    Raises:
        TrustStoreError: no root, or a CRL signed by none of the CAs.
    """

    def __init__(
        self,
        roots: list[x509.Certificate],
        intermediates: list[x509.Certificate] | None = None,
        crls: list[x509.CertificateRevocationList] | None = None,
        *,
        source: str = "<memory>",
    ) -> None:
        if not roots:
            raise TrustStoreError(
                f"{source}: không có chứng thư gốc (root CA) nào để tin cậy.",
                f"{source}: no root certificate to trust.",
            )
        self._roots = list(roots)
        self._intermediates = list(intermediates or [])
        self._store = Store(self._roots)
        self._revoked: dict[x509.Name, list[x509.CertificateRevocationList]] = {}
        cas = self._roots + self._intermediates
        for crl in crls or []:
            if not any(
                ca.subject == crl.issuer and crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
                for ca in cas
            ):
                raise TrustStoreError(
                    f"{source}: CRL của {crl.issuer.rfc4514_string()} không do CA tin cậy nào ký.",
                    f"{source}: the CRL of {crl.issuer.rfc4514_string()} is not signed by a "
                    f"trusted CA.",
                )
            self._revoked.setdefault(crl.issuer, []).append(crl)
        # Per chain (certificates hash by their DER): the path found once (leaf … root).
        # Both caches grow with the number of distinct signers (a province: thousands).
        self._paths: dict[tuple[x509.Certificate, ...], list[x509.Certificate]] = {}
        # Per chain: the window in which its path is valid, and the verdict inside it.
        self._known: dict[tuple[x509.Certificate, ...], _Verdict] = {}
        # The same verdicts by the identity of the certificate objects: hashing a certificate
        # hashes its DER (≈ 2 µs), and the verifier hands over the same objects for the same
        # KeyInfo (hub.signing.structure parses each once). Each entry holds its certificates,
        # so no other object can take their ids while it is here.
        self._known_objects: dict[tuple[int, ...], tuple[_Verdict, tuple[object, ...]]] = {}

    @classmethod
    def from_folder(cls, folder: str | Path) -> TrustStore:
        """Read every certificate (.pem .crt .cer .der) and CRL (.crl, or PEM) in `folder`.

        Self-signed certificates are roots; the others are intermediates.
        """
        folder = Path(folder)
        try:
            certificates, crls = _read_folder(folder)
        except OSError as exc:
            raise TrustStoreError(
                f"{folder}: không đọc được: {exc.strerror}.",
                f"{folder}: cannot read: {exc.strerror}.",
            ) from None
        roots = [c for c in certificates if c.subject == c.issuer]
        intermediates = [c for c in certificates if c.subject != c.issuer]
        return cls(roots, intermediates, [crl for _, crl in crls], source=str(folder))

    def check(self, chain: Sequence[x509.Certificate], at: dt.datetime) -> list[TrustProblem]:
        """Problems of the signer's chain at signing time `at`; empty when it is trusted.

        A chain judged before is not judged again while `at` lies inside the window in which
        every certificate of its path is valid; outside it, the chain is judged at `at`.

        Args:
            chain: the signer's certificate first, then what the document brought.
            at: ThoiGianKy (aware).
        """
        objects = tuple(map(id, chain))
        seen = self._known_objects.get(objects)
        if seen is not None and seen[0][0] <= at <= seen[0][1]:
            return seen[0][2]  # the fastest path: these very objects, inside their window
        key = tuple(chain)
        known = self._known.get(key)
        if known is None or not known[0] <= at <= known[1]:
            problems = self._slow_check(key, at)
            known = self._known.get(key)
            if known is None or not known[0] <= at <= known[1]:
                return problems  # not cached: a verdict about this moment only
        if len(self._known_objects) >= _MAX_KNOWN_OBJECTS:
            self._known_objects.clear()  # callers that parse certificates afresh each time
        self._known_objects[objects] = (known, key)
        return known[2]

    def _slow_check(self, key: tuple[x509.Certificate, ...], at: dt.datetime) -> list[TrustProblem]:
        leaf = key[0]
        problems = []
        if at < leaf.not_valid_before_utc:
            problems.append(
                TrustProblem(
                    f"Chứng thư {describe(leaf)} chưa có hiệu lực lúc ký {_fmt(at)} "
                    f"(hiệu lực từ {_fmt(leaf.not_valid_before_utc)}).",
                    f"Certificate {describe(leaf)} was not yet valid at signing time {_fmt(at)} "
                    f"(valid from {_fmt(leaf.not_valid_before_utc)}).",
                )
            )
        elif at > leaf.not_valid_after_utc:
            problems.append(
                TrustProblem(
                    f"Chứng thư {describe(leaf)} đã hết hạn lúc ký {_fmt(at)} "
                    f"(hết hạn {_fmt(leaf.not_valid_after_utc)}).",
                    f"Certificate {describe(leaf)} had expired at signing time {_fmt(at)} "
                    f"(expired {_fmt(leaf.not_valid_after_utc)}).",
                )
            )
        weak = key_outside_profile(leaf)
        if weak is not None:
            problems.append(
                TrustProblem(
                    f"Khóa của chứng thư {describe(leaf)} là {weak}, ngoài hồ sơ chữ ký; cần RSA "
                    f"ít nhất {MIN_RSA_BITS} bit hoặc EC P-256.",
                    f"The key of certificate {describe(leaf)} is {weak}, outside the signature "
                    f"profile; expected RSA of at least {MIN_RSA_BITS} bits or EC P-256.",
                )
            )
        usage = self._usage_problem(leaf)
        if usage:
            problems.append(usage)
        if problems:
            return problems
        path = self._path(key, at)
        if isinstance(path, TrustProblem):
            return [path]
        problems = self._revocation_problems(path)
        # Inside this window every certificate of the path is valid, so the same verdict holds.
        window_start = max(c.not_valid_before_utc for c in path)
        window_end = min(c.not_valid_after_utc for c in path)
        self._known[key] = (window_start, window_end, problems)
        return problems

    def _usage_problem(self, leaf: x509.Certificate) -> TrustProblem | None:
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None
        if usage is not None and (usage.digital_signature or usage.content_commitment):
            return None
        return TrustProblem(
            f"Chứng thư {describe(leaf)} không có mục đích sử dụng khóa digitalSignature "
            f"hoặc nonRepudiation.",
            f"Certificate {describe(leaf)} lacks the digitalSignature or nonRepudiation key usage.",
        )

    def _path(
        self, chain: tuple[x509.Certificate, ...], at: dt.datetime
    ) -> list[x509.Certificate] | TrustProblem:
        cached = self._paths.get(chain)
        if cached is not None and all(
            c.not_valid_before_utc <= at <= c.not_valid_after_utc for c in cached
        ):
            return cached
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(at.astimezone(dt.UTC))
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(chain[0], [*chain[1:], *self._intermediates])
        except VerificationError as exc:
            return TrustProblem(
                f"Chứng thư {describe(chain[0])} không dẫn tới chứng thư gốc tin cậy lúc ký "
                f"{_fmt(at)} ({exc}).",
                f"Certificate {describe(chain[0])} does not chain to a trusted root at signing "
                f"time {_fmt(at)} ({exc}).",
            )
        path = list(verified.chain)
        self._paths[chain] = path
        return path

    def _revocation_problems(self, path: list[x509.Certificate]) -> list[TrustProblem]:
        problems = []
        for certificate in path[:-1]:  # the root is trusted as configured, not revocable here
            for crl in self._revoked.get(certificate.issuer, ()):
                entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
                if entry is not None:
                    when = _fmt(entry.revocation_date_utc)
                    problems.append(
                        TrustProblem(
                            f"Chứng thư {describe(certificate)} đã bị thu hồi ngày {when}.",
                            f"Certificate {describe(certificate)} was revoked on {when}.",
                        )
                    )
                    break
        return problems
