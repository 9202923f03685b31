"""Signing a transcript document for one role, exactly by the profile.

`sign_document` adds `DSCKS/ChuKy[@VaiTro]` holding one ds:Signature with the two References of
the profile (the role's data; the signature's own signed time object) and refuses what the
receiver would refuse later: a role out of order, a duplicated role, a GVBM for a subject the
document does not have, and (version 1.0.1) a personal certificate (GVBM, GVCN, HT) that does
not name the person the document names for that signature. `append_signature` is the same
construction without the role policy, for tools that must produce unusual documents on purpose
(the attack corpus of the tests).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from hub.document.text import child_text
from hub.errors import ExitCode, HubError
from hub.signing.named import PERSONAL_ROLES, common_names, named_name, named_xpath, names_person
from hub.signing.profile import (
    DATA_ID,
    DOC_NS,
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
from hub.signing.xmlio import exc_c14n, id_values, parse_document, serialize

DocumentInput = bytes | etree._ElementTree | etree._Element


_local = threading.local()


class SigningError(HubError):
    """The document cannot be signed for this role (shape, order, duplicate, subject)."""

    exit_code = ExitCode.SIGNING


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


@lru_cache(maxsize=256)
def _certificate_texts(chain: tuple[x509.Certificate, ...]) -> tuple[str, ...]:
    """The ds:X509Certificate texts of a chain, encoded once per signer and process."""
    return tuple(base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain)


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
        when = parse_signing_time(child_text(existing, f".//{doc('ThoiGianKy')}"))
        if when is not None and when > at:
            raise SigningError(
                f"Thời gian ký {at.isoformat()} sớm hơn chữ ký {other} ({when.isoformat()}).",
                f"Signing time {at.isoformat()} is before the {other} signature "
                f"({when.isoformat()}).",
            )


@lru_cache(maxsize=1024)
def _names_of(certificate: x509.Certificate) -> tuple[str, ...]:
    """A signer certificate's CNs, read once per certificate and process."""
    return common_names(certificate)


def _check_person(
    signed: etree._Element, role: Role, subject_code: str | None, provider: SigningProvider
) -> None:
    """Refuse to sign as someone other than the person the document names (check 6, 1.0.1)."""
    person = named_name(signed, role)
    names = _names_of(provider.certificate_chain()[0])
    if person is not None and names_person(names, person):
        return
    what = f"{role} {subject_code}" if subject_code else str(role)
    where = named_xpath(role, subject_code)
    cn = " / ".join(f"'{n}'" for n in names) or "(no CN)"
    named = f"'{person}'" if person is not None else "(không có / none)"
    raise SigningError(
        f"Chứng thư ký {what} mang tên {cn}, không phải người học bạ ghi ở {where}: {named}; "
        f"cần khóa của chính người đó.",
        f"The {what} signing certificate names {cn}, not the person the document names at "
        f"{where}: {named}; that person's own key is needed.",
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
    tree = _tree_of(data_or_tree)
    sign_tree(tree, role, provider, subject_code=subject_code, signing_time=signing_time)
    return serialize(tree)


def sign_tree(
    tree: etree._ElementTree | etree._Element,
    role: Role | str,
    provider: SigningProvider,
    *,
    subject_code: str | None = None,
    signing_time: datetime,
) -> etree._Element:
    """`sign_document` on a parsed document, in place, without serialising it.

    For signing every role of a document in a row: each `sign_document` call serialises
    the whole, growing document (≈ 0.1 ms at 16 signatures), which only the last one needs.

    Returns:
        The new ds:Signature.

    Raises:
        SigningError, SigningRefused: as `sign_document`.
    """
    role = Role(role)
    tree = _tree_of(tree)
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
    if role in PERSONAL_ROLES:
        signed = _subject_element(data, subject_code) if subject_code is not None else data
        _check_person(signed, role, subject_code, provider)
    return append_signature(
        tree, role, provider, subject_code=subject_code, signing_time=signing_time
    )


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
    ids = set(id_values(root))
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

    chain = _certificate_texts(tuple(provider.certificate_chain()))
    signature = _signature_element(
        signature_id, str(provider.algorithm), data_uri(role, subject_code), chain, signing_time
    )
    holder.append(signature)  # lxml drops the fragment's now redundant default namespace
    signed_info, signature_value, _, time_object = signature
    data_digest, time_digest = (reference[2] for reference in signed_info.iterchildren(_REFERENCE))
    data_digest.text = _digest(target)
    time_digest.text = _digest(time_object)
    raw = provider.sign(exc_c14n(signed_info))
    signature_value.text = base64.b64encode(raw).decode("ascii")
    return signature


_REFERENCE = ds("Reference")
# One ds:Signature of the profile with its values left open. Filling a template and parsing it
# once costs a fraction of building its ~22 elements one call at a time. The default namespace
# is declared for ThoiGianKy; once appended under ChuKy, lxml drops that declaration as
# redundant, so the document reads exactly as if built element by element.
_SIGNATURE_TEMPLATE = (
    f'<ds:Signature xmlns:ds="{DS_NS}" xmlns="{DOC_NS}" Id="{{id}}">'
    "<ds:SignedInfo>"
    f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/>'
    '<ds:SignatureMethod Algorithm="{method}"/>'
    '<ds:Reference URI="{data_uri}">{reference_tail}'
    '<ds:Reference URI="#{id}{time_suffix}">{reference_tail}'
    "</ds:SignedInfo>"
    "<ds:SignatureValue/>"
    "<ds:KeyInfo><ds:X509Data>{certificates}</ds:X509Data></ds:KeyInfo>"
    '<ds:Object Id="{id}{time_suffix}"><ds:SignatureProperties>'
    '<ds:SignatureProperty Target="#{id}"><ThoiGianKy>{time}</ThoiGianKy></ds:SignatureProperty>'
    "</ds:SignatureProperties></ds:Object>"
    "</ds:Signature>"
)
_REFERENCE_TAIL = (
    f'<ds:Transforms><ds:Transform Algorithm="{EXC_C14N}"/></ds:Transforms>'
    f'<ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue/></ds:Reference>'
)


_ESCAPES = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def _xml_text(value: str) -> str:
    """`value` escaped for an XML attribute or text, so that parsing gives it back unchanged
    (a parser would turn a raw tab or line break in an attribute into a space)."""
    return escape(value, _ESCAPES)


def _signature_element(
    signature_id: str,
    method: str,
    uri: str,
    certificates: tuple[str, ...],
    signing_time: datetime,
) -> etree._Element:
    """The ds:Signature with every value but the two digests and the signature value."""
    text = _SIGNATURE_TEMPLATE.format(
        id=_xml_text(signature_id),
        method=_xml_text(method),
        data_uri=_xml_text(uri),
        reference_tail=_REFERENCE_TAIL,
        time_suffix=TIME_SUFFIX,
        certificates="".join(
            f"<ds:X509Certificate>{certificate}</ds:X509Certificate>"
            for certificate in certificates  # base64: nothing to escape
        ),
        time=_xml_text(format_signing_time(signing_time)),
    )
    return etree.fromstring(text, _template_parser())


def _template_parser() -> etree.XMLParser:
    """This thread's parser for the template (lxml parsers must not be shared by threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False
        )
    return parser


def _digest(element: etree._Element) -> str:
    return base64.b64encode(hashlib.sha256(exc_c14n(element)).digest()).decode("ascii")
