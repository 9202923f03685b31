"""Check 3 of the receiver: each signature is exactly the profile, and its references resolve.

Strict on purpose: every element of a ds:Signature is read by position and compared with the
profile, and anything else (another algorithm, c14n with comments, a second or unknown
transform, a third reference, HMACOutputLength, InclusiveNamespaces, a KeyValue) is refused.
References are resolved by the document's `Id` attribute through an index of the whole
document built once, so that an Id that occurs twice anywhere, or a data element that is not
where the profile puts it, is caught: there is no "find any element with this Id" that a
wrapped copy could satisfy.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from lxml import etree

from hub.signing.profile import (
    DATA_ID,
    EXC_C14N,
    SHA256,
    SIGNATURE_METHODS,
    SUBJECT_ID_PREFIX,
    TIME_SUFFIX,
    Role,
    data_uri,
    doc,
    ds,
    parse_signing_time,
)

IdIndex = dict[str, list[etree._Element]]


class ProfileViolation(Exception):
    """One reason a signature is outside the profile (reported as HB003)."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class Reference:
    """One checked Reference: the element it resolved to and the digest it claims."""

    uri: str
    target: etree._Element
    digest_text: str


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """A signature that passed check 3, with everything checks 4–6 need."""

    position: int  # 1-based position of its ChuKy in DSCKS
    signature_id: str
    role: Role
    subject_code: str | None
    signed_info: etree._Element
    method: str
    data: Reference
    time: Reference
    signature_value_text: str
    certificates: list[x509.Certificate]
    signing_time: datetime


def index_ids(root: etree._Element) -> IdIndex:
    """Every element by its `Id`, in one pass over the document."""
    index: IdIndex = {}
    for element in root.iter(tag=etree.Element):
        value = element.get("Id")
        if value is not None:
            index.setdefault(value, []).append(element)
    return index


def _children(element: etree._Element) -> list[etree._Element]:
    """Element children only: comments and processing instructions are not structure."""
    return list(element.iterchildren(tag=etree.Element))


def _expect_tags(element: etree._Element, tags: list[str], what: str) -> list[etree._Element]:
    children = _children(element)
    if [c.tag for c in children] != tags:
        found = [etree.QName(c).localname for c in children]
        expected = ", ".join(etree.QName(t).localname for t in tags)
        raise ProfileViolation(
            f"{what} phải chứa đúng [{expected}], nhưng có [{', '.join(found)}].",
            f"{what} must hold exactly [{expected}], but holds [{', '.join(found)}].",
        )
    return children


def _algorithm(element: etree._Element, allowed: frozenset[str], what: str) -> str:
    algorithm = element.get("Algorithm", "")
    if algorithm not in allowed:
        raise ProfileViolation(
            f"{what} dùng thuật toán {algorithm or '(trống)'}, ngoài hồ sơ chữ ký "
            f"(cho phép: {', '.join(sorted(allowed))}).",
            f"{what} uses the algorithm {algorithm or '(empty)'}, outside the profile "
            f"(allowed: {', '.join(sorted(allowed))}).",
        )
    if _children(element):
        raise ProfileViolation(
            f"{what} không được có phần tử con (tham số thuật toán ngoài hồ sơ).",
            f"{what} must have no child elements (algorithm parameters are outside the profile).",
        )
    return algorithm


def _resolve(ids: IdIndex, uri: str) -> etree._Element:
    if not uri.startswith("#") or len(uri) == 1:
        raise ProfileViolation(
            f'Reference URI="{uri}" không phải tham chiếu "#Id" trong tài liệu.',
            f'Reference URI="{uri}" is not a same-document "#Id" reference.',
        )
    found = ids.get(uri[1:], [])
    if len(found) != 1:
        raise ProfileViolation(
            f'Reference URI="{uri}" trỏ tới {len(found)} phần tử có Id đó; phải đúng 1 '
            f"(Id trùng lặp hoặc không có).",
            f'Reference URI="{uri}" resolves to {len(found)} elements with that Id; exactly '
            f"1 is required (a duplicate or unknown Id).",
        )
    return found[0]


def _reference(element: etree._Element, ids: IdIndex) -> Reference:
    uri = element.get("URI", "")
    transforms, digest_method, digest_value = _expect_tags(
        element,
        [ds("Transforms"), ds("DigestMethod"), ds("DigestValue")],
        f'Reference URI="{uri}"',
    )
    (transform,) = _expect_tags(transforms, [ds("Transform")], f'Transforms của/of "{uri}"')
    _algorithm(transform, frozenset({EXC_C14N}), f'Transform của/of "{uri}"')
    _algorithm(digest_method, frozenset({SHA256}), f'DigestMethod của/of "{uri}"')
    return Reference(uri, _resolve(ids, uri), digest_value.text or "")


def _check_data_place(
    target: etree._Element, data_root: etree._Element | None, role: Role, subject_code: str | None
) -> None:
    if role is not Role.GVBM:
        if target is not data_root:
            raise ProfileViolation(
                f'Phần tử có Id="{DATA_ID}" được ký không phải /HocBaSo/DLHocBa.',
                f'The signed element with Id="{DATA_ID}" is not /HocBaSo/DLHocBa.',
            )
        return
    parent = target.getparent()
    if (
        data_root is None
        or target.tag != doc("MonHoc")
        or target.get("MaMon") != subject_code
        or parent is None
        or parent.getparent() is not data_root
        or parent.tag not in (doc("KetQuaTrungHoc"), doc("KetQuaTieuHoc"))
    ):
        raise ProfileViolation(
            f"Phần tử được ký #{SUBJECT_ID_PREFIX}{subject_code} không phải "
            f"MonHoc[@MaMon='{subject_code}'] trong DLHocBa.",
            f"The signed element #{SUBJECT_ID_PREFIX}{subject_code} is not "
            f"MonHoc[@MaMon='{subject_code}'] inside DLHocBa.",
        )


def _role_of(holder: etree._Element) -> tuple[Role, str | None]:
    raw = holder.get("VaiTro", "")
    try:
        role = Role(raw)
    except ValueError:
        raise ProfileViolation(
            f"VaiTro='{raw}' không phải GVBM, GVCN, HT hoặc DV.",
            f"VaiTro='{raw}' is not GVBM, GVCN, HT or DV.",
        ) from None
    subject_code = holder.get("MaMon")
    if (role is Role.GVBM) != (subject_code is not None):
        raise ProfileViolation(
            "MaMon phải có ở ChuKy GVBM và chỉ ở đó.",
            "MaMon must be on a GVBM ChuKy, and only there.",
        )
    return role, subject_code


def _time_of(time_object: etree._Element, signature_id: str) -> datetime:
    (properties,) = _expect_tags(time_object, [ds("SignatureProperties")], "ds:Object")
    (prop,) = _expect_tags(properties, [ds("SignatureProperty")], "ds:SignatureProperties")
    if prop.get("Target") != f"#{signature_id}":
        raise ProfileViolation(
            f'SignatureProperty phải có Target="#{signature_id}".',
            f'SignatureProperty must have Target="#{signature_id}".',
        )
    (element,) = _expect_tags(prop, [doc("ThoiGianKy")], "ds:SignatureProperty")
    moment = parse_signing_time(element.text)
    if moment is None:
        raise ProfileViolation(
            f"ThoiGianKy '{element.text}' không phải xsd:dateTime có múi giờ.",
            f"ThoiGianKy '{element.text}' is not an xsd:dateTime with a UTC offset.",
        )
    return moment


@lru_cache(maxsize=4096)
def _certificate(text: str) -> x509.Certificate:
    """A KeyInfo certificate, parsed once per run: a school's few certificates sign thousands
    of documents, and the same object lets the trust store's caches hit."""
    return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))


def _certificates(key_info: etree._Element) -> list[x509.Certificate]:
    (x509_data,) = _expect_tags(key_info, [ds("X509Data")], "ds:KeyInfo")
    elements = _children(x509_data)
    if not elements or any(e.tag != ds("X509Certificate") for e in elements):
        raise ProfileViolation(
            "ds:X509Data chỉ được chứa các ds:X509Certificate (ít nhất một).",
            "ds:X509Data must hold only ds:X509Certificate elements (at least one).",
        )
    try:
        return [_certificate(e.text or "") for e in elements]
    except (ValueError, binascii.Error):
        raise ProfileViolation(
            "ds:X509Certificate không phải chứng thư X.509 (DER, base64).",
            "ds:X509Certificate is not an X.509 certificate (DER, base64).",
        ) from None


def read_signature(
    holder: etree._Element,
    position: int,
    ids: IdIndex,
    data_root: etree._Element | None,
) -> ParsedSignature:
    """Check one ChuKy against the profile and resolve its references (check 3).

    Raises:
        ProfileViolation: the first way the signature departs from the profile.
    """
    role, subject_code = _role_of(holder)
    (signature,) = _expect_tags(holder, [ds("Signature")], "ChuKy")
    signature_id = signature.get("Id", "")
    if not signature_id:
        raise ProfileViolation("ds:Signature thiếu Id.", "ds:Signature lacks an Id.")
    if len(ids.get(signature_id, [])) != 1:
        raise ProfileViolation(
            f'Id="{signature_id}" của chữ ký xuất hiện nhiều lần trong tài liệu.',
            f'The signature\'s Id="{signature_id}" occurs more than once in the document.',
        )
    signed_info, signature_value, key_info, time_object = _expect_tags(
        signature,
        [ds("SignedInfo"), ds("SignatureValue"), ds("KeyInfo"), ds("Object")],
        "ds:Signature",
    )
    c14n, method_element, *references = _expect_tags(
        signed_info,
        [ds("CanonicalizationMethod"), ds("SignatureMethod"), ds("Reference"), ds("Reference")],
        "ds:SignedInfo (đúng hai Reference / exactly two References)",
    )
    _algorithm(c14n, frozenset({EXC_C14N}), "CanonicalizationMethod")
    method = _algorithm(method_element, SIGNATURE_METHODS, "SignatureMethod")
    by_uri = {r.get("URI", ""): r for r in references}
    wanted_data, wanted_time = data_uri(role, subject_code), f"#{signature_id}{TIME_SUFFIX}"
    if set(by_uri) != {wanted_data, wanted_time}:
        raise ProfileViolation(
            f"Hai Reference phải là {wanted_data} và {wanted_time}, nhưng là "
            f"{', '.join(r.get('URI', '') for r in references)}.",
            f"The two References must be {wanted_data} and {wanted_time}, but are "
            f"{', '.join(r.get('URI', '') for r in references)}.",
        )
    data = _reference(by_uri[wanted_data], ids)
    _check_data_place(data.target, data_root, role, subject_code)
    time = _reference(by_uri[wanted_time], ids)
    if time.target is not time_object:
        raise ProfileViolation(
            f"{wanted_time} phải là ds:Object nằm trong chính chữ ký này.",
            f"{wanted_time} must be the ds:Object inside this same signature.",
        )
    return ParsedSignature(
        position=position,
        signature_id=signature_id,
        role=role,
        subject_code=subject_code,
        signed_info=signed_info,
        method=method,
        data=data,
        time=time,
        signature_value_text=signature_value.text or "",
        certificates=_certificates(key_info),
        signing_time=_time_of(time_object, signature_id),
    )
