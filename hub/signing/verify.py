"""Strict verification of every signature of a document: the receiver's checks 3–6, in order.

    3 profile and references   HB003   hub.signing.structure
    4 digests and value        HB004   here (the digest of each signed element once per document)
    5 certificate trust        HB005   hub.signing.trust
    6 roles                    HB006   hub.signing.roles

A signature that fails a check is not taken to the next one (a wrong digest says nothing about
the certificate), and its `code` is the first failing check. Check 6 counts every signature
that passed check 3, so a broken GVCN signature is reported once (HB004), not again as a
missing role.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from hub.errors import DocumentError
from hub.findings import Finding, error, has_errors
from hub.privacy import mask_text
from hub.signing.keyinfo import CertificateChain
from hub.signing.profile import DATA_ID, doc, ds, signature_xpath
from hub.signing.providers.keys import signature_holds
from hub.signing.quick import quick_parts, quick_read
from hub.signing.roles import check_roles
from hub.signing.structure import (
    ParsedSignature,
    ProfileViolation,
    Reference,
    index_document,
    read_signature,
)
from hub.signing.trust import TrustStore
from hub.signing.xmlio import exc_c14n, parse_document


@dataclass(slots=True)
class SignatureResult:
    """What `hub verify` shows of one signature."""

    id: str
    role: str
    subject: str  # the signer certificate's subject (RFC 4514), "" when unreadable
    serial: str  # the certificate's serial, hexadecimal
    signing_time: str | None  # ThoiGianKy as written
    valid: bool
    code: str | None  # the first failing check's code, None when valid
    subject_code: str | None = None  # MaMon of a GVBM
    not_before: datetime | None = None
    not_after: datetime | None = None

    @property
    def shown_subject(self) -> str:
        """The subject as screens and JSON show it: a teacher's CCCD masked to its last digits.

        A teacher certificate's serialNumber is `CCCD:<personal ID>`; the hub never prints a
        full personal ID number.
        """
        return mask_text(self.subject)

    def as_json(self) -> dict[str, str | bool | None]:
        """The shape of `hub verify --format json`."""
        return {
            "id": self.id,
            "role": self.role,
            "subject": self.shown_subject,
            "serial": self.serial,
            "signing_time": self.signing_time,
            "valid": self.valid,
            "code": self.code,
        }


@dataclass(slots=True)
class VerifyReport:
    """Every signature's result and every finding of one document."""

    signatures: list[SignatureResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every signature holds and every required role is there."""
        return all(s.valid for s in self.signatures) and not has_errors(self.findings)

    def _fail(self, result: SignatureResult, finding: Finding) -> None:
        self.findings.append(finding)
        if result.code is None:
            result.code = finding.code
        result.valid = False


def _holder_id(holder: etree._Element) -> str:
    signature = holder.find(ds("Signature"))
    return (signature.get("Id") if signature is not None else None) or ""


def _b64(text: str) -> bytes | None:
    try:  # the usual value, unbroken canonical base64: decoded and checked in C at once
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        pass  # line breaks, or not base64 at all: the careful reading below decides
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _result(parsed: ParsedSignature) -> SignatureResult:
    chain = parsed.chain
    return SignatureResult(  # positional: sixteen of these per document
        parsed.signature_id,
        parsed.role.value,
        chain.subject,
        chain.serial,
        parsed.signing_time.isoformat(),
        True,  # valid
        None,  # code
        parsed.subject_code,
        chain.not_before,
        chain.not_after,
    )


_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

Digests = dict[str, tuple[bytes, str]]  # per Reference URI: SHA-256 of its C14N, and in base64


def _digest_holds(reference: Reference, digests: Digests) -> bool:
    uri, claimed = reference.uri, reference.digest_text
    known = digests.get(uri)
    if known is None:
        canonical = reference.canonical
        if canonical is None:
            canonical = exc_c14n(reference.target)
        digest = hashlib.sha256(canonical).digest()
        known = digests[uri] = (digest, binascii.b2a_base64(digest, newline=False).decode())
    # The usual DigestValue is the canonical base64 of the digest: a string comparison says
    # so. Anything else (line breaks, other padding bits) is decoded and compared as bytes.
    return claimed == known[1] or _b64(claimed) == known[0]


def _value_holds(chain: CertificateChain, signed: bytes, value: bytes) -> bool:
    """`signature_holds`, with the usual RSA case straight to the key KeyInfo parsing kept."""
    key = chain.rsa_key
    if key is None:
        return signature_holds(chain.leaf, signed, value)
    try:
        key.verify(value, signed, _PKCS1, _SHA256)
    except (InvalidSignature, ValueError):
        return False
    return True


def _value_problem(parsed: ParsedSignature, digests: Digests) -> tuple[str, str] | None:
    """Check 4 for one signature: both digests, then the signature value."""
    for reference in (parsed.data, parsed.time):
        if not _digest_holds(reference, digests):
            return (
                f"Giá trị băm của {reference.uri} không khớp: nội dung đã bị thay đổi sau khi ký.",
                f"The digest of {reference.uri} does not match: the content changed after signing.",
            )
    chain = parsed.chain
    key_fits = parsed.method == chain.key_method
    value = _b64(parsed.signature_value_text)
    signed = parsed.signed_info_c14n
    if signed is None:
        signed = exc_c14n(parsed.signed_info)
    if not key_fits or value is None or not _value_holds(chain, signed, value):
        return (
            "Giá trị chữ ký (SignatureValue) không đúng với khóa của chứng thư.",
            "The SignatureValue does not verify with the certificate's key.",
        )
    return None


def _data_root(root: etree._Element) -> etree._Element | None:
    if root.tag != doc("HocBaSo"):
        return None
    found = root.findall(doc("DLHocBa"))
    if len(found) != 1 or found[0].get("Id") != DATA_ID:
        return None
    return found[0]


def verify_tree(
    tree: etree._ElementTree, trust: TrustStore, *, received_at: datetime | None = None
) -> VerifyReport:
    """Checks 3–6 on a parsed document (see `verify_document`)."""
    report = VerifyReport()
    root = tree.getroot()
    holders = root.findall(f"{doc('DSCKS')}/{doc('ChuKy')}")
    # The quick path (hub.signing.quick) proves most signatures are the profile's tree before
    # the Ids are counted, so that their subtrees need not be walked for Ids again.
    proven = {h: parts for h in holders if (parts := quick_parts(h)) is not None}
    index = index_document(root, _data_root(root), {h: p.ids for h, p in proven.items()})
    passed: list[tuple[ParsedSignature, SignatureResult]] = []
    for position, holder in enumerate(holders, start=1):  # check 3
        parts = proven.get(holder)
        try:
            parsed = (parts and quick_read(holder, parts, position, index)) or read_signature(
                holder, position, index
            )
        except ProfileViolation as exc:
            holder_id = _holder_id(holder)
            result = SignatureResult(holder_id, holder.get("VaiTro", ""), "", "", None, False, None)
            result.subject_code = holder.get("MaMon")
            report.signatures.append(result)
            where = signature_xpath(holder_id, position)
            report._fail(result, error("HB003", where, exc.message_vi, exc.message_en))
            continue
        result = _result(parsed)
        report.signatures.append(result)
        passed.append((parsed, result))

    digests: Digests = {}  # the digest of DLHocBa (and of each MonHoc) once
    for parsed, result in passed:  # check 4
        problem = _value_problem(parsed, digests)
        if problem:
            where = signature_xpath(parsed.signature_id, parsed.position)
            report._fail(result, error("HB004", where, *problem))
    for parsed, result in passed:  # check 5
        if not result.valid:
            continue
        for trust_problem in trust.check(parsed.certificates, parsed.signing_time):
            where = signature_xpath(parsed.signature_id, parsed.position)
            report._fail(
                result, error("HB005", where, trust_problem.message_vi, trust_problem.message_en)
            )
    received = received_at or datetime.now(UTC)
    by_id = {r.id: r for _, r in passed}
    for finding, signature_id in check_roles(root, [p for p, _ in passed], received):  # check 6
        if signature_id is not None and by_id[signature_id].valid:
            report._fail(by_id[signature_id], finding)
        else:
            report.findings.append(finding)
    return report


def verify_document(
    data: bytes, trust: TrustStore, *, received_at: datetime | None = None
) -> VerifyReport:
    """Verify every signature of a transcript document strictly (checks 3–6 of the spec).

    Args:
        data: the document's bytes (read with the hardened parser; check 1).
        trust: trusted roots, intermediates and CRLs.
        received_at: when the document was received (signing times may not be later);
            default: now.

    Returns:
        Per-signature results and findings (HB001 when the document cannot be read at all).
    """
    try:
        tree = parse_document(data)
    except DocumentError as exc:
        return VerifyReport(findings=list(exc.findings))
    return verify_tree(tree, trust, received_at=received_at)
