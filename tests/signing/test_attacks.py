"""The attack corpus: attacked or faulty documents, each refused with the receiver's code.

Where an attack changes SignedInfo (an algorithm, a transform, a reference), the signature is
computed again with the signer's real key, so that the profile is the *only* thing wrong: a
verifier that skipped the profile check would accept the document.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from hub.findings import Finding
from hub.signing.pki import TestPki
from hub.signing.profile import Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import append_signature
from hub.signing.trust import TrustStore
from hub.signing.verify import VerifyReport, verify_document

from .conftest import DS, NS, Documents, subjects_of

Provider = Callable[[str], MemoryProvider]
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_WITH_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


@dataclass
class Ctx:
    """What an attack may use: the signed tree, the PKI, providers and the base time."""

    tree: etree._ElementTree
    pki: TestPki
    provider: Provider
    base_time: dt.datetime
    documents: Documents

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    def signature(self, role: str) -> etree._Element:
        found = self.root.find(f"h:DSCKS/h:ChuKy[@VaiTro='{role}']/ds:Signature", NS)
        assert found is not None
        return found

    def resign(self, signature: etree._Element, signer: str) -> None:
        """A valid SignatureValue over SignedInfo as it now stands (whatever its algorithms)."""
        signed_info = signature.find("ds:SignedInfo", NS)
        assert signed_info is not None
        method = signed_info.find("ds:SignatureMethod", NS).get("Algorithm")  # type: ignore[union-attr]
        c14n = signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm")  # type: ignore[union-attr]
        canonical = etree.tostring(
            signed_info, method="c14n", exclusive=True, with_comments=c14n == EXC_WITH_COMMENTS
        )
        key = self.pki[signer].key
        assert isinstance(key, rsa.RSAPrivateKey)
        digest = hashes.SHA1() if method == RSA_SHA1 else hashes.SHA256()
        value = key.sign(canonical, padding.PKCS1v15(), digest)
        signature.find("ds:SignatureValue", NS).text = base64.b64encode(value).decode()  # type: ignore[union-attr]


def _change_data(c: Ctx) -> None:
    name = c.root.find("h:DLHocBa/h:HocSinh/h:HoVaTen", NS)
    assert name is not None
    name.text = "Nguyễn Văn Giả"


def _change_signing_time(c: Ctx) -> None:
    element = c.signature("GVCN").find(".//h:ThoiGianKy", NS)
    assert element is not None
    element.text = (c.base_time - dt.timedelta(days=1)).isoformat()


def _strip_ids(element: etree._Element) -> None:
    for node in element.iter(tag=etree.Element):
        node.attrib.pop("Id", None)


def _wrap_moved(c: Ctx) -> None:
    """The signed DLHocBa moves into a wrapper; a forged copy (no Ids) takes its place."""
    original = c.root.find("h:DLHocBa", NS)
    assert original is not None
    forged = copy.deepcopy(original)
    _strip_ids(forged)
    forged.find("h:HocSinh/h:HoVaTen", NS).text = "Nguyễn Văn Giả"  # type: ignore[union-attr]
    original.addprevious(forged)
    wrapper = etree.SubElement(c.root.find("h:DSCKS", NS), "{urn:example}Wrapper")  # type: ignore[arg-type]
    wrapper.append(original)


def _duplicate_id(c: Ctx) -> None:
    """A second element with Id="DLHocBa" (and the subjects' Ids) elsewhere in the document."""
    copy_ = copy.deepcopy(c.root.find("h:DLHocBa", NS))
    c.signature("DV").find("ds:Object", NS).append(copy_)  # type: ignore[union-attr, arg-type]


def _subject_outside_data(c: Ctx) -> None:
    """A GVBM's signed MonHoc moved out of DLHocBa, a forged MonHoc without Id in its place."""
    code = subjects_of(c.documents.secondary)[0]
    subject = c.root.find(f"h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc[@MaMon='{code}']", NS)
    assert subject is not None
    forged = copy.deepcopy(subject)
    _strip_ids(forged)
    subject.addprevious(forged)
    c.root.find("h:DSCKS", NS).append(subject)  # type: ignore[union-attr]


def _sign_role_with(role: Role, signer: str) -> Callable[[Ctx], None]:
    """Replace the role's signature with one by `signer` (a certificate under test)."""

    def attack(c: Ctx) -> None:
        old = c.signature(str(role)).getparent()
        when = c.base_time + dt.timedelta(hours=role.rank)
        if role is Role.GVBM:
            when = c.base_time
        code = old.get("MaMon")  # type: ignore[union-attr]
        position = list(old.getparent()).index(old)  # type: ignore[union-attr, arg-type]
        dscks = old.getparent()  # type: ignore[union-attr]
        dscks.remove(old)  # type: ignore[union-attr, arg-type]
        new = append_signature(
            c.tree, role, c.provider(signer), subject_code=code, signing_time=when
        ).getparent()
        dscks.insert(position, new)  # type: ignore[union-attr, arg-type]

    return attack


def _remove_role(role: str) -> Callable[[Ctx], None]:
    def attack(c: Ctx) -> None:
        holder = c.signature(role).getparent()
        holder.getparent().remove(holder)  # type: ignore[union-attr]

    return attack


def _remove_one_gvbm(c: Ctx) -> None:
    holder = c.root.find("h:DSCKS/h:ChuKy[@VaiTro='GVBM']", NS)
    holder.getparent().remove(holder)  # type: ignore[union-attr]


def _duplicate_role(c: Ctx) -> None:
    """A second, valid GVCN signature (a different signer, a minute later)."""
    append_signature(
        c.tree,
        Role.GVCN,
        c.provider("teacher-1"),
        subject_code=None,
        signing_time=c.base_time + dt.timedelta(hours=1, minutes=1),
    )


def _out_of_order(c: Ctx) -> None:
    """GVCN signs (validly) after HT."""
    c.signature("GVCN").getparent().getparent().remove(c.signature("GVCN").getparent())  # type: ignore[union-attr]
    append_signature(
        c.tree,
        Role.GVCN,
        c.provider("homeroom"),
        subject_code=None,
        signing_time=c.base_time + dt.timedelta(hours=2, minutes=30),
    )


def _method(algorithm: str) -> Callable[[Ctx], None]:
    def attack(c: Ctx) -> None:
        signature = c.signature("GVCN")
        signature.find("ds:SignedInfo/ds:SignatureMethod", NS).set("Algorithm", algorithm)  # type: ignore[union-attr]
        c.resign(signature, "homeroom")

    return attack


def _extra_transform(algorithm: str) -> Callable[[Ctx], None]:
    def attack(c: Ctx) -> None:
        signature = c.signature("HT")
        transforms = signature.find("ds:SignedInfo/ds:Reference/ds:Transforms", NS)
        assert transforms is not None
        extra = etree.Element(f"{{{DS}}}Transform", Algorithm=algorithm)
        if algorithm == XPATH:
            etree.SubElement(extra, f"{{{DS}}}XPath").text = "not(ancestor-or-self::h:HoVaTen)"
        transforms.insert(0, extra)
        c.resign(signature, "principal")

    return attack


def _with_comments(c: Ctx) -> None:
    signature = c.signature("HT")
    method = signature.find("ds:SignedInfo/ds:CanonicalizationMethod", NS)
    method.set("Algorithm", EXC_WITH_COMMENTS)  # type: ignore[union-attr]
    c.resign(signature, "principal")


def _reference_with_comments(c: Ctx) -> None:
    signature = c.signature("HT")
    transform = signature.find("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform", NS)
    transform.set("Algorithm", EXC_WITH_COMMENTS)  # type: ignore[union-attr]
    c.resign(signature, "principal")


def _third_reference(c: Ctx) -> None:
    signature = c.signature("DV")
    signed_info = signature.find("ds:SignedInfo", NS)
    signed_info.append(copy.deepcopy(signed_info.find("ds:Reference", NS)))  # type: ignore[union-attr, arg-type]
    c.resign(signature, "school")


def _time_object_outside(c: Ctx) -> None:
    signature = c.signature("DV")
    signature.getparent().append(signature.find("ds:Object", NS))  # type: ignore[union-attr, arg-type]


def _missing_signing_time(c: Ctx) -> None:
    signature = c.signature("DV")
    element = signature.find(".//h:ThoiGianKy", NS)
    element.getparent().remove(element)  # type: ignore[union-attr]


def _signature_value(c: Ctx) -> None:
    value = c.signature("DV").find("ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode(value.text or ""))  # type: ignore[union-attr]
    raw[10] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()  # type: ignore[union-attr]


@dataclass(frozen=True)
class Attack:
    name: str
    mutate: Callable[[Ctx], None]
    code: str
    role: str | None  # the ChuKy whose result must carry the code; None: a document finding


CORPUS = [
    Attack("changed-data", _change_data, "HB004", "GVCN"),
    Attack("changed-signing-time", _change_signing_time, "HB004", "GVCN"),
    Attack("changed-signature-value", _signature_value, "HB004", "DV"),
    Attack("wrapped-referenced-element-moved", _wrap_moved, "HB003", "DV"),
    Attack("wrapped-duplicate-id", _duplicate_id, "HB003", "HT"),
    Attack("wrapped-reference-outside-dlhocba", _subject_outside_data, "HB003", "GVBM"),
    Attack("untrusted-root", _sign_role_with(Role.DV, "untrusted"), "HB005", "DV"),
    Attack("expired-at-signing-time", _sign_role_with(Role.GVCN, "expired"), "HB005", "GVCN"),
    Attack(
        "not-yet-valid-at-signing-time", _sign_role_with(Role.HT, "not-yet-valid"), "HB005", "HT"
    ),
    Attack("revoked", _sign_role_with(Role.GVCN, "revoked"), "HB005", "GVCN"),
    Attack("wrong-key-usage", _sign_role_with(Role.HT, "wrong-usage"), "HB005", "HT"),
    Attack("missing-role-ht", _remove_role("HT"), "HB006", None),
    Attack("missing-role-gvbm", _remove_one_gvbm, "HB006", None),
    Attack("duplicated-role", _duplicate_role, "HB006", None),
    Attack("roles-out-of-order", _out_of_order, "HB006", "HT"),
    Attack("dv-of-another-school", _sign_role_with(Role.DV, "other-school"), "HB006", "DV"),
    Attack("rsa-sha1", _method(RSA_SHA1), "HB003", "GVCN"),
    Attack("xslt-transform", _extra_transform(XSLT), "HB003", "HT"),
    Attack("xpath-transform", _extra_transform(XPATH), "HB003", "HT"),
    Attack("enveloped-transform", _extra_transform(ENVELOPED), "HB003", "HT"),
    Attack("c14n-with-comments", _with_comments, "HB003", "HT"),
    Attack("reference-over-comments", _reference_with_comments, "HB003", "HT"),
    Attack("third-reference", _third_reference, "HB003", "DV"),
    Attack("time-object-outside-signature", _time_object_outside, "HB003", "DV"),
    Attack("missing-signing-time", _missing_signing_time, "HB003", "DV"),
]


def _attacked(
    attack: Attack,
    signed: bytes,
    pki: TestPki,
    provider: Provider,
    base_time: dt.datetime,
    documents: Documents,
) -> bytes:
    tree = etree.fromstring(signed).getroottree()
    attack.mutate(Ctx(tree, pki, provider, base_time, documents))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _codes(findings: list[Finding]) -> list[str]:
    return sorted({f.code for f in findings if f.is_error})


@pytest.mark.parametrize("attack", CORPUS, ids=[a.name for a in CORPUS])
def test_each_attack_is_refused_with_its_code(
    attack: Attack,
    signed_secondary: bytes,
    pki: TestPki,
    provider: Provider,
    base_time: dt.datetime,
    documents: Documents,
    trust: TrustStore,
) -> None:
    data = _attacked(attack, signed_secondary, pki, provider, base_time, documents)
    report: VerifyReport = verify_document(data, trust)
    assert not report.ok
    # The document's rejection code is the first failing check's (the receiver stops there).
    assert _codes(report.findings)[0] == attack.code, report.findings
    if attack.role is not None:
        results = [s for s in report.signatures if s.role == attack.role and not s.valid]
        assert results, report.signatures
        assert results[0].code == attack.code
        # The finding names the signature (by Id, or by position when it has none).
        assert any(
            f.code == attack.code and (results[0].id in f.xpath or "ChuKy[" in f.xpath)
            for f in report.findings
        )


def test_the_untouched_document_is_accepted(signed_secondary: bytes, trust: TrustStore) -> None:
    """The control: the corpus fails because of each attack, not because of the base."""
    report = verify_document(signed_secondary, trust)
    assert report.ok, report.findings


def test_only_the_changed_subjects_teacher_fails_when_one_subject_changes(
    signed_secondary: bytes, trust: TrustStore, documents: Documents
) -> None:
    code = subjects_of(documents.secondary)[1]
    root = etree.fromstring(signed_secondary)
    subject = root.find(f"h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc[@MaMon='{code}']", NS)
    assert subject is not None
    etree.SubElement(subject, "{urn:moet:hocbaso:1}NhanXet").text = "thêm"
    report = verify_document(etree.tostring(root), trust)
    failed = {(s.role, s.subject_code, s.code) for s in report.signatures if not s.valid}
    assert failed == {
        ("GVBM", code, "HB004"),
        ("GVCN", None, "HB004"),
        ("HT", None, "HB004"),
        ("DV", None, "HB004"),
    }


def test_a_gvbm_signature_on_a_primary_document_is_refused(
    signed_primary: bytes, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    """The signer refuses to make it; append_signature (no policy) can, the verifier refuses."""
    tree = etree.fromstring(signed_primary).getroottree()
    subject = tree.getroot().find("h:DLHocBa/h:KetQuaTieuHoc/h:MonHoc", NS)
    assert subject is not None
    assert subject.get("Id")
    append_signature(
        tree,
        Role.GVBM,
        provider("teacher-1"),
        subject_code=subject.get("MaMon"),
        signing_time=base_time,
    )
    report = verify_document(etree.tostring(tree), trust)
    assert _codes(report.findings) == ["HB006"]
    assert [s.code for s in report.signatures if s.role == "GVBM"] == ["HB006"]


def test_a_signing_time_after_receipt_is_refused(
    signed_secondary: bytes, trust: TrustStore, base_time: dt.datetime
) -> None:
    # HT signed at +2 h, DV at +3 h: received at +2 h, only DV's time is after receipt.
    report = verify_document(signed_secondary, trust, received_at=base_time + dt.timedelta(hours=2))
    assert _codes(report.findings) == ["HB006"]
    assert {s.role for s in report.signatures if s.code == "HB006"} == {"DV"}


def test_a_document_with_a_doctype_is_refused_before_any_signature_check(
    signed_secondary: bytes, trust: TrustStore
) -> None:
    data = signed_secondary.replace(b"?>\n", b'?>\n<!DOCTYPE HocBaSo [<!ENTITY x "y">]>\n', 1)
    report = verify_document(data, trust)
    assert _codes(report.findings) == ["HB001"]
    assert report.signatures == []
