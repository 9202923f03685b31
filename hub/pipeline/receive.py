"""A document the vendor signed itself, checked as the ministry will check it, and compared.

The hub never signs nor re-serialises such a document (sources.md: vnEdu signs its own), so
before its bytes are sent they pass the receiver's full checks, in the spec's order, each a
gate as at the ministry (hub.sandbox.checks composes the same functions):

    1  HB001        well-formed, no DTD/entity, ≤ 2 MB  ┐ hub.document.parse.parse_tree
    2  HB002        the transcript schema               ┘ (+ hub.document.read)
    3–6 HB003–HB006 profile, values, trust, roles       hub.signing.verify.verify_tree, against
                                                        the [trust] folder of config.toml
    7  HB101–HB202  identity structure, assessment rules hub.rules.check_transcript (+ plugins')
    +  VENDOR_DATA_DIFFERS  the document against the learner's data   hub.document.compare

Rules and the comparison are reported together, so the school fixes everything at once; a
failing gate stops there (content under a broken signature is not the school's). The document
is parsed once: the validated tree is read into the canonical model and verified. Runs in the
worker processes, next to the hub's own check → build → sign (hub.pipeline.worker).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from cryptography import x509
from lxml import etree

from hub.codes import CodeLists
from hub.document.compare import differences
from hub.document.parse import parse_tree
from hub.document.read import transcript_from_tree
from hub.errors import DocumentError
from hub.findings import Finding
from hub.model import Transcript
from hub.pipeline.sign import CertificateNames, SignerId, certificate_names
from hub.rules import Rule, check_transcript
from hub.signing.profile import doc, ds
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_tree

SIGNATURE_GATES = ("HB003", "HB004", "HB005", "HB006")
"""The signature checks, in order: the first with an error stops the document there."""


@dataclass(frozen=True, slots=True)
class Received:
    """What the checks found (errors: the document is held back) and who signed it."""

    findings: tuple[Finding, ...]
    signers: tuple[SignerId, ...] = ()
    ma_ho_so: str | None = None  # the document's MaHoSo: the vendor's key, which the hub sends

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings)


def check_received(
    content: bytes,
    data: Transcript,
    *,
    trust: TrustStore,
    codes: CodeLists,
    today: date,
    rules: Sequence[Rule],
    received_at: datetime,
    vendor: str,
) -> Received:
    """The receiver's checks of a vendor's signed document, then the comparison with `data`.

    Args:
        content: the document's bytes exactly as the vendor served them.
        data: the transcript the learner's data (the same vendor's) maps to.
        trust: the roots, intermediates and CRLs of [trust] folder.
        codes, today, rules: as the hub's own check stage takes them.
        received_at: when the hub received it (a signing time after it is HB006).
        vendor: the source's name, for the comparison's messages.
    """
    try:
        tree = parse_tree(content)
        document = transcript_from_tree(tree)
    except DocumentError as exc:
        return Received(tuple(exc.findings))
    report = verify_tree(tree, trust, received_at=received_at)
    for gate in SIGNATURE_GATES:
        stopped = tuple(f for f in report.findings if f.is_error and f.code == gate)
        if stopped:
            return Received(stopped)
    found = list(report.findings)  # warnings, if any
    found += check_transcript(document, codes, today, rules)
    found += differences(document, data, vendor)
    return Received(tuple(found), _signers(tree), document.header.record_id)


def _signers(tree: etree._ElementTree) -> tuple[SignerId, ...]:
    """(role, certificate SHA-256, serial, issuer) of each signature, as the audit log names them.

    Read after verification, so every signature holds one readable signer certificate.
    """
    found: list[SignerId] = []
    for holder in tree.getroot().iterfind(f"{doc('DSCKS')}/{doc('ChuKy')}"):
        element = holder.find(f".//{ds('X509Certificate')}")
        if element is None or not element.text:
            continue
        try:
            der = base64.b64decode("".join(element.text.split()), validate=True)
            names = _names_of(der)
        except (binascii.Error, ValueError):
            continue
        found.append((holder.get("VaiTro", ""), *names))
    return tuple(found)


@lru_cache(maxsize=4096)
def _names_of(der: bytes) -> CertificateNames:
    """A certificate's audit names, by its bytes: a school's few dozen signers sign every one
    of its documents, so each certificate is loaded once per worker, not once per signature."""
    return certificate_names(x509.load_der_x509_certificate(der))
