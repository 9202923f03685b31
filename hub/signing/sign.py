"""Signing a transcript document for one role, exactly by the profile.

`sign_document` adds `DSCKS/ChuKy[@VaiTro]` holding one ds:Signature with the two References of
the profile (the role's data; the signature's own signed time object) and refuses what the
receiver would refuse later: a role out of order, a duplicated role, a GVBM for a subject the
document does not have. `append_signature` is the same construction without the role policy,
for tools that must produce unusual documents on purpose (the attack corpus of the tests).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from hub.errors import HubError
from hub.signing.profile import (
    DATA_ID,
    DS_NS,
    EXC_C14N,
    SHA256,
    SUBJECT_ID_PREFIX,
    TIME_SUFFIX,
    Role,
    data_uri,
    doc,
    ds,
    format_signing_time,
    parse_signing_time,
)
from hub.signing.providers.base import SigningProvider
from hub.signing.xmlio import exc_c14n, parse_document, serialize

DocumentInput = bytes | etree._ElementTree | etree._Element


class SigningError(HubError):
    """The document cannot be signed for this role (shape, order, duplicate, subject)."""


def _tree_of(data_or_tree: DocumentInput) -> etree._ElementTree:
    if isinstance(data_or_tree, bytes):
        return parse_document(data_or_tree)
    if isinstance(data_or_tree, etree._Element):
        return data_or_tree.getroottree()
    return data_or_tree


def _data_root(root: etree._Element) -> etree._Element:
    if root.tag != doc("HocBaSo"):
        raise SigningError(
            f"Phần tử gốc là {root.tag}, không phải HocBaSo: không phải tài liệu học bạ số.",
            f"The root element is {root.tag}, not HocBaSo: not a transcript document.",
        )
    data = root.find(doc("DLHocBa"))
    if data is None or data.get("Id") != DATA_ID:
        raise SigningError(
            'Thiếu /HocBaSo/DLHocBa với Id="DLHocBa".',
            'The document lacks /HocBaSo/DLHocBa with Id="DLHocBa".',
        )
    return data


def _subject_element(data: etree._Element, subject_code: str) -> etree._Element:
    subjects = data.iterfind(f"{doc('KetQuaTrungHoc')}/{doc('MonHoc')}")
    if data.find(doc("KetQuaTrungHoc")) is None:  # only append_signature gets here
        subjects = data.iterfind(f"{doc('KetQuaTieuHoc')}/{doc('MonHoc')}")
    for subject in subjects:
        if subject.get("MaMon") == subject_code:
            if subject.get("Id") != SUBJECT_ID_PREFIX + subject_code:
                raise SigningError(
                    f'MonHoc[@MaMon="{subject_code}"] không có Id="Mon-{subject_code}".',
                    f'MonHoc[@MaMon="{subject_code}"] lacks Id="Mon-{subject_code}".',
                )
            return subject
    raise SigningError(
        f"Học bạ không có môn {subject_code} để giáo viên bộ môn ký.",
        f"The document has no subject {subject_code} for a subject teacher to sign.",
    )


def _ids(root: etree._Element) -> dict[str, int]:
    counts: dict[str, int] = {}
    for element in root.iter(tag=etree.Element):
        value = element.get("Id")
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return counts


def _check_order(root: etree._Element, role: Role, subject_code: str | None, at: datetime) -> None:
    """Refuse what check 6 of the receiver would refuse: order, duplicates, earlier times."""
    for existing in root.iterfind(f"{doc('DSCKS')}/{doc('ChuKy')}"):
        try:
            other = Role(existing.get("VaiTro", ""))
        except ValueError:
            continue
        if other.rank > role.rank:
            raise SigningError(
                f"Đã có chữ ký {other}; {role} phải ký trước (thứ tự GVBM, GVCN, HT, DV).",
                f"{other} has already signed; {role} must sign before it "
                f"(order GVBM, GVCN, HT, DV).",
            )
        if other is role and (role is not Role.GVBM or existing.get("MaMon") == subject_code):
            what = f"{role} {subject_code}" if subject_code else str(role)
            raise SigningError(
                f"Học bạ đã có chữ ký {what}; mỗi vai trò chỉ ký một lần.",
                f"The document already has a {what} signature; each role signs once.",
            )
        when = parse_signing_time(existing.findtext(f".//{doc('ThoiGianKy')}"))
        if when is not None and when > at:
            raise SigningError(
                f"Thời gian ký {at.isoformat()} sớm hơn chữ ký {other} ({when.isoformat()}).",
                f"Signing time {at.isoformat()} is before the {other} signature "
                f"({when.isoformat()}).",
            )


def sign_document(
    data_or_tree: DocumentInput,
    role: Role | str,
    provider: SigningProvider,
    *,
    subject_code: str | None = None,
    signing_time: datetime,
) -> bytes:
    """Add one signature for `role` to the document and return the document's bytes.

    Args:
        data_or_tree: the document's bytes (parsed with the hardened parser), or an lxml
            tree or root element, which is changed in place (signing several roles in a row
            then costs one parse).
        role: GVBM, GVCN, HT or DV.
        provider: holds the signer's key and certificate chain.
        subject_code: the MaMon a GVBM signs; only for GVBM.
        signing_time: ThoiGianKy, an aware datetime; signed with the data.

    Raises:
        SigningError: the document is not a transcript, the role is out of order or already
            signed, or the subject is missing.
        SigningRefused: the provider's key holder declined.
    """
    role = Role(role)
    tree = _tree_of(data_or_tree)
    root = tree.getroot()
    if signing_time.tzinfo is None or signing_time.utcoffset() is None:
        raise SigningError(
            "Thời gian ký phải có múi giờ (UTC offset).",
            "The signing time needs a UTC offset.",
        )
    data = _data_root(root)
    if role is Role.GVBM and data.find(doc("KetQuaTrungHoc")) is None:
        raise SigningError(
            "Chữ ký GVBM chỉ dành cho học bạ THCS, THPT, GDTX (có KetQuaTrungHoc).",
            "A GVBM signature is only for secondary or GDTX documents (with KetQuaTrungHoc).",
        )
    if (role is Role.GVBM) != (subject_code is not None):
        raise SigningError(
            "Mã môn (MaMon) chỉ và luôn đi cùng vai trò GVBM.",
            "A subject code (MaMon) goes with the GVBM role, and only with it.",
        )
    _check_order(root, role, subject_code, signing_time)
    append_signature(tree, role, provider, subject_code=subject_code, signing_time=signing_time)
    return serialize(tree)


def append_signature(
    tree: etree._ElementTree,
    role: Role,
    provider: SigningProvider,
    *,
    subject_code: str | None,
    signing_time: datetime,
    signature_id: str | None = None,
) -> etree._Element:
    """Build and append one profile signature, with no role-order policy; return ds:Signature.

    Raises:
        SigningError: the document lacks DLHocBa or the subject, or the Id is taken.
    """
    root = tree.getroot()
    data = _data_root(root)
    target = _subject_element(data, subject_code) if role is Role.GVBM and subject_code else data
    ids = _ids(root)
    if signature_id is None:
        base = f"CKS-{role}" + (f"-{subject_code}" if role is Role.GVBM else "")
        signature_id, n = base, 1
        while signature_id in ids or signature_id + TIME_SUFFIX in ids:
            n += 1
            signature_id = f"{base}-{n}"
    elif signature_id in ids:
        raise SigningError(
            f'Id="{signature_id}" đã có trong tài liệu.',
            f'Id="{signature_id}" is already used in the document.',
        )

    signatures = root.find(doc("DSCKS"))
    if signatures is None:
        signatures = etree.SubElement(root, doc("DSCKS"))
    holder = etree.SubElement(signatures, doc("ChuKy"), VaiTro=str(role))
    if role is Role.GVBM and subject_code is not None:
        holder.set("MaMon", subject_code)

    signature = etree.SubElement(holder, ds("Signature"), nsmap={"ds": DS_NS}, Id=signature_id)
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=str(provider.algorithm))
    data_digest = _reference(signed_info, data_uri(role, subject_code))
    time_digest = _reference(signed_info, f"#{signature_id}{TIME_SUFFIX}")
    signature_value = etree.SubElement(signature, ds("SignatureValue"))

    x509_data = etree.SubElement(etree.SubElement(signature, ds("KeyInfo")), ds("X509Data"))
    for certificate in provider.certificate_chain():
        element = etree.SubElement(x509_data, ds("X509Certificate"))
        element.text = base64.b64encode(certificate.public_bytes(Encoding.DER)).decode("ascii")

    time_object = etree.SubElement(signature, ds("Object"), Id=signature_id + TIME_SUFFIX)
    properties = etree.SubElement(time_object, ds("SignatureProperties"))
    prop = etree.SubElement(properties, ds("SignatureProperty"), Target=f"#{signature_id}")
    etree.SubElement(prop, doc("ThoiGianKy")).text = format_signing_time(signing_time)

    data_digest.text = _digest(target)
    time_digest.text = _digest(time_object)
    raw = provider.sign(exc_c14n(signed_info))
    signature_value.text = base64.b64encode(raw).decode("ascii")
    return signature


def _reference(signed_info: etree._Element, uri: str) -> etree._Element:
    """A Reference with the profile's one transform; returns its empty DigestValue."""
    reference = etree.SubElement(signed_info, ds("Reference"), URI=uri)
    transforms = etree.SubElement(reference, ds("Transforms"))
    etree.SubElement(transforms, ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=SHA256)
    return etree.SubElement(reference, ds("DigestValue"))


def _digest(element: etree._Element) -> str:
    return base64.b64encode(hashlib.sha256(exc_c14n(element)).digest()).decode("ascii")
