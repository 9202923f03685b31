"""Check 3 of the receiver: each signature is exactly the profile, and its references resolve.

Strict on purpose: every element of a ds:Signature is read by position and compared with the
profile (hub.signing.shape), and anything else (another algorithm, c14n with comments, a
second or unknown transform, a third reference, HMACOutputLength, InclusiveNamespaces, a
KeyValue) is refused. References are resolved against the document's `Id` attributes, counted
once over the whole document, so that an Id that occurs twice anywhere, or a data element that
is not where the profile puts it, is caught: there is no "find any element with this Id" that
a wrapped copy could satisfy. Every value (DigestValue, SignatureValue, X509Certificate,
ThoiGianKy) is read as canonicalisation sees it (`hub.document.text.text_of`): a comment inside
one is not allowed to cut it short.
"""

from __future__ import annotations

import binascii
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from cryptography import x509
from lxml import etree

from hub.document.text import text_of
from hub.signing.keyinfo import CertificateChain, chain_of
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
    parse_signing_time,
)
from hub.signing.shape import ProfileViolation, ReferenceParts, SignatureParts, signature_parts
from hub.signing.xmlio import id_values

__all__ = [
    "DocumentIndex",
    "ParsedSignature",
    "ProfileViolation",
    "Reference",
    "index_document",
    "read_signature",
]

_RESULTS = (doc("KetQuaTrungHoc"), doc("KetQuaTieuHoc"))
_SUBJECT = doc("MonHoc")
_C14N_ONLY = frozenset({EXC_C14N})
_SHA256_ONLY = frozenset({SHA256})
_ROLES = {str(role): role for role in Role}
ROLES = _ROLES  # VaiTro text → Role, for hub.signing.quick
_DSCKS = doc("DSCKS")
# Every Id attribute of one subtree (the element included), in one C pass.
_SUBTREE_ID_VALUES = etree.XPath("descendant-or-self::*/@Id", smart_strings=False)


@dataclass(slots=True)
class DocumentIndex:
    """What check 3 needs of the whole document, gathered once for all its signatures."""

    id_counts: dict[str, int]  # every Id value of the document and how often it occurs
    data_root: etree._Element | None  # /HocBaSo/DLHocBa when it has Id="DLHocBa"
    subjects: dict[str, etree._Element]  # DLHocBa/KetQua*/MonHoc by Id (the first of each)

    def count(self, value: str) -> int:
        """How many elements of the document carry `Id=value`."""
        return self.id_counts.get(value, 0)


def _subtree_ids(element: etree._Element) -> list[str]:
    return cast("list[str]", _SUBTREE_ID_VALUES(element))


def _id_values(
    root: etree._Element, known: Mapping[etree._Element, tuple[str, ...]] | None
) -> list[str]:
    """Every Id value of the document, as `id_values(root)` finds them (order aside).

    `known` gives, for a DSCKS/ChuKy whose every element and attribute has been proven (the
    quick path: hub.signing.quick), the Ids its subtree carries; those subtrees, most of a
    signed document's nodes, are not walked again. Everything else is.
    """
    if not known:
        return id_values(root)
    values = [] if (own := root.get("Id")) is None else [own]
    for child in root.iterchildren(etree.Element):
        if child.tag != _DSCKS:
            values += _subtree_ids(child)
            continue
        if (own := child.get("Id")) is not None:
            values.append(own)
        for holder in child.iterchildren(etree.Element):
            ids = known.get(holder)
            if ids is None:
                values += _subtree_ids(holder)
            else:
                values += ids
    return values


def index_document(
    root: etree._Element,
    data_root: etree._Element | None,
    known: Mapping[etree._Element, tuple[str, ...]] | None = None,
) -> DocumentIndex:
    """Count every Id of the document and find the subjects a GVBM may sign.

    Args:
        root: the document element.
        data_root: /HocBaSo/DLHocBa, when it has Id="DLHocBa".
        known: per ChuKy proven to carry exactly these Ids (see `_id_values`).
    """
    values = _id_values(root, known)
    unique = set(values)
    counts = dict.fromkeys(unique, 1) if len(unique) == len(values) else dict(Counter(values))
    subjects: dict[str, etree._Element] = {}
    if data_root is not None:
        for results in data_root:
            if results.tag in _RESULTS:
                for subject in results.iterchildren(_SUBJECT):
                    subjects.setdefault(subject.get("Id", ""), subject)
    return DocumentIndex(counts, data_root, subjects)


@dataclass(slots=True)
class Reference:
    """One checked Reference: the element it resolved to and the digest it claims."""

    uri: str
    target: etree._Element
    digest_text: str
    canonical: bytes | None = None  # the target's exclusive C14N when check 3 made it already


@dataclass(slots=True)
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
    chain: CertificateChain
    signing_time: datetime
    signed_info_c14n: bytes | None = None  # SignedInfo's exclusive C14N, made by the quick path

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The KeyInfo certificates, the signer's first."""
        return self.chain.certificates


def _algorithm(element: etree._Element, allowed: frozenset[str], what: str) -> str:
    algorithm = element.get("Algorithm", "")
    if algorithm not in allowed:
        raise ProfileViolation(
            f"{what} dùng thuật toán {algorithm or '(trống)'}, ngoài hồ sơ chữ ký "
            f"(cho phép: {', '.join(sorted(allowed))}).",
            f"{what} uses the algorithm {algorithm or '(empty)'}, outside the profile "
            f"(allowed: {', '.join(sorted(allowed))}).",
        )
    return algorithm


def _resolve(index: DocumentIndex, parts: ReferenceParts) -> tuple[str, str]:
    """Check the Reference's algorithms and that exactly one element carries its Id.

    Returns:
        The URI and the Id it names.
    """
    uri = parts.reference.get("URI", "")
    _algorithm(parts.transform, _C14N_ONLY, f'Transform của/of "{uri}"')
    _algorithm(parts.digest_method, _SHA256_ONLY, f'DigestMethod của/of "{uri}"')
    if not uri.startswith("#") or len(uri) == 1:
        raise ProfileViolation(
            f'Reference URI="{uri}" không phải tham chiếu "#Id" trong tài liệu.',
            f'Reference URI="{uri}" is not a same-document "#Id" reference.',
        )
    found = index.count(uri[1:])
    if found != 1:
        raise ProfileViolation(
            f'Reference URI="{uri}" trỏ tới {found} phần tử có Id đó; phải đúng 1 '
            f"(Id trùng lặp hoặc không có).",
            f'Reference URI="{uri}" resolves to {found} elements with that Id; exactly '
            f"1 is required (a duplicate or unknown Id).",
        )
    return uri, uri[1:]


def _data_target(
    index: DocumentIndex, signed_id: str, role: Role, subject_code: str | None
) -> etree._Element:
    """The element the data reference signs, which must be where the profile puts it.

    The Id occurs once in the document (`_resolve`), so the element at the profile's place
    that carries it is the one element the reference resolves to.
    """
    if role is not Role.GVBM:
        if index.data_root is None or index.data_root.get("Id") != signed_id:
            raise ProfileViolation(
                f'Phần tử có Id="{DATA_ID}" được ký không phải /HocBaSo/DLHocBa.',
                f'The signed element with Id="{DATA_ID}" is not /HocBaSo/DLHocBa.',
            )
        return index.data_root
    subject = index.subjects.get(signed_id)
    if subject is None or subject.get("MaMon") != subject_code:
        raise ProfileViolation(
            f"Phần tử được ký #{SUBJECT_ID_PREFIX}{subject_code} không phải "
            f"MonHoc[@MaMon='{subject_code}'] trong DLHocBa.",
            f"The signed element #{SUBJECT_ID_PREFIX}{subject_code} is not "
            f"MonHoc[@MaMon='{subject_code}'] inside DLHocBa.",
        )
    return subject


def _role_of(holder: etree._Element) -> tuple[Role, str | None]:
    raw = holder.get("VaiTro", "")
    role = _ROLES.get(raw)
    if role is None:
        raise ProfileViolation(
            f"VaiTro='{raw}' không phải GVBM, GVCN, HT hoặc DV.",
            f"VaiTro='{raw}' is not GVBM, GVCN, HT or DV.",
        )
    subject_code = holder.get("MaMon")
    if (role is Role.GVBM) != (subject_code is not None):
        raise ProfileViolation(
            "MaMon phải có ở ChuKy GVBM và chỉ ở đó.",
            "MaMon must be on a GVBM ChuKy, and only there.",
        )
    return role, subject_code


def _signature_id(parts: SignatureParts, index: DocumentIndex) -> str:
    signature_id = parts.signature.get("Id", "")
    if not signature_id:
        raise ProfileViolation("ds:Signature thiếu Id.", "ds:Signature lacks an Id.")
    if index.count(signature_id) != 1:
        raise ProfileViolation(
            f'Id="{signature_id}" của chữ ký xuất hiện nhiều lần trong tài liệu.',
            f'The signature\'s Id="{signature_id}" occurs more than once in the document.',
        )
    return signature_id


def _chain(parts: SignatureParts) -> CertificateChain:
    try:
        return chain_of(tuple(text_of(e) for e in parts.certificates))
    except (ValueError, binascii.Error):
        raise ProfileViolation(
            "ds:X509Certificate không phải chứng thư X.509 (DER, base64).",
            "ds:X509Certificate is not an X.509 certificate (DER, base64).",
        ) from None


def _signing_time(parts: SignatureParts, signature_id: str) -> datetime:
    if parts.time_property.get("Target") != f"#{signature_id}":
        raise ProfileViolation(
            f'SignatureProperty phải có Target="#{signature_id}".',
            f'SignatureProperty must have Target="#{signature_id}".',
        )
    text = text_of(parts.signing_time)
    moment = parse_signing_time(text)
    if moment is None:
        raise ProfileViolation(
            f"ThoiGianKy '{text}' không phải xsd:dateTime có múi giờ.",
            f"ThoiGianKy '{text}' is not an xsd:dateTime with a UTC offset.",
        )
    return moment


def read_signature(holder: etree._Element, position: int, index: DocumentIndex) -> ParsedSignature:
    """Check one ChuKy against the profile and resolve its references (check 3), element by
    element (hub.signing.quick takes the signatures it can prove are the profile's first).

    Raises:
        ProfileViolation: the first way the signature departs from the profile.
    """
    role, subject_code = _role_of(holder)
    parts = signature_parts(holder)
    signature_id = _signature_id(parts, index)
    _algorithm(parts.c14n_method, _C14N_ONLY, "CanonicalizationMethod")
    method = _algorithm(parts.signature_method, SIGNATURE_METHODS, "SignatureMethod")
    by_uri = {r.reference.get("URI", ""): r for r in parts.references}
    wanted_data, wanted_time = data_uri(role, subject_code), f"#{signature_id}{TIME_SUFFIX}"
    if by_uri.keys() != {wanted_data, wanted_time}:
        found = ", ".join(r.reference.get("URI", "") for r in parts.references)
        raise ProfileViolation(
            f"Hai Reference phải là {wanted_data} và {wanted_time}, nhưng là {found}.",
            f"The two References must be {wanted_data} and {wanted_time}, but are {found}.",
        )
    data_parts, time_parts = by_uri[wanted_data], by_uri[wanted_time]
    uri, signed_id = _resolve(index, data_parts)
    data = Reference(
        uri, _data_target(index, signed_id, role, subject_code), text_of(data_parts.digest_value)
    )
    uri, signed_id = _resolve(index, time_parts)
    if parts.time_object.get("Id") != signed_id:
        raise ProfileViolation(
            f"{wanted_time} phải là ds:Object nằm trong chính chữ ký này.",
            f"{wanted_time} must be the ds:Object inside this same signature.",
        )
    return ParsedSignature(
        position=position,
        signature_id=signature_id,
        role=role,
        subject_code=subject_code,
        signed_info=parts.signed_info,
        method=method,
        data=data,
        time=Reference(uri, parts.time_object, text_of(time_parts.digest_value)),
        signature_value_text=text_of(parts.signature_value),
        chain=_chain(parts),
        signing_time=_signing_time(parts, signature_id),
    )
