"""The profile's element structure of one ChuKy, checked before any value is read.

Every ChuKy must hold exactly this tree (ds: is XMLDSig, the rest the document's namespace):

    ChuKy/ds:Signature
        ds:SignedInfo
            ds:CanonicalizationMethod, ds:SignatureMethod            (no children)
            ds:Reference × 2: ds:Transforms/ds:Transform, ds:DigestMethod, ds:DigestValue
        ds:SignatureValue
        ds:KeyInfo/ds:X509Data/ds:X509Certificate (one or more)
        ds:Object/ds:SignatureProperties/ds:SignatureProperty/ThoiGianKy

Two ways to check it, with the same verdict on every tree the profile allows:

- `_shaped`: one pass over the ChuKy's nodes comparing (tag, number of child nodes) with the
  list above. Pre-order tags with child counts pin a tree down completely, and comments or
  processing instructions count as nodes, so a match is exactly the profile's tree and
  nothing else. Every signature a conforming signer makes takes this path (a secondary
  document has ~16 of them, so it is worth being quick).
- `_walked`: element by element, ignoring comments and processing instructions (they are not
  structure, and exclusive C14N without comments drops them); it names the first departure.
  Used when the one-pass check fails, so the message says what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from hub.signing.profile import doc, ds


class ProfileViolation(Exception):
    """One reason a signature is outside the profile (reported as HB003)."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(slots=True)
class ReferenceParts:
    """The elements of one ds:Reference."""

    reference: etree._Element
    transform: etree._Element
    digest_method: etree._Element
    digest_value: etree._Element


@dataclass(slots=True)
class SignatureParts:
    """The elements of a ChuKy whose structure is the profile's; values not yet checked."""

    signature: etree._Element
    signed_info: etree._Element
    c14n_method: etree._Element
    signature_method: etree._Element
    references: tuple[ReferenceParts, ReferenceParts]
    signature_value: etree._Element
    certificates: list[etree._Element]  # the ds:X509Certificate elements, in order
    time_object: etree._Element
    time_property: etree._Element  # ds:SignatureProperty
    signing_time: etree._Element  # ThoiGianKy


_SIGNATURE = ds("Signature")
_SIGNATURE_CHILDREN = (ds("SignedInfo"), ds("SignatureValue"), ds("KeyInfo"), ds("Object"))
_SIGNED_INFO_CHILDREN = (
    ds("CanonicalizationMethod"),
    ds("SignatureMethod"),
    ds("Reference"),
    ds("Reference"),
)
_REFERENCE_CHILDREN = (ds("Transforms"), ds("DigestMethod"), ds("DigestValue"))
_TRANSFORM = ds("Transform")
_X509_DATA = ds("X509Data")
_CERTIFICATE = ds("X509Certificate")
_PROPERTIES = ds("SignatureProperties")
_PROPERTY = ds("SignatureProperty")
_SIGNING_TIME = doc("ThoiGianKy")

# The profile's ChuKy, node by node in document order: (tag, number of child nodes).
_REFERENCE_SHAPE = (
    (ds("Reference"), 3),
    (ds("Transforms"), 1),
    (_TRANSFORM, 0),
    (ds("DigestMethod"), 0),
    (ds("DigestValue"), 0),
)
_SHAPE_BEFORE_CERTIFICATES = (
    (doc("ChuKy"), 1),
    (_SIGNATURE, 4),
    (ds("SignedInfo"), 4),
    (ds("CanonicalizationMethod"), 0),
    (ds("SignatureMethod"), 0),
    *_REFERENCE_SHAPE,
    *_REFERENCE_SHAPE,
    (ds("SignatureValue"), 0),
    (ds("KeyInfo"), 1),
)  # then X509Data with its n X509Certificate children
_SHAPE_AFTER_CERTIFICATES = (
    (ds("Object"), 1),
    (_PROPERTIES, 1),
    (_PROPERTY, 1),
    (_SIGNING_TIME, 0),
)
_FIXED_NODES = len(_SHAPE_BEFORE_CERTIFICATES) + 1 + len(_SHAPE_AFTER_CERTIFICATES)


@lru_cache(maxsize=16)
def _profile_shape(certificates: int) -> list[tuple[object, int]]:
    return [
        *_SHAPE_BEFORE_CERTIFICATES,
        (_X509_DATA, certificates),
        *[(_CERTIFICATE, 0)] * certificates,
        *_SHAPE_AFTER_CERTIFICATES,
    ]


def signature_parts(holder: etree._Element) -> SignatureParts:
    """The elements of a ChuKy whose structure is exactly the profile's.

    Raises:
        ProfileViolation: the first element that departs from the profile's structure.
    """
    return _shaped(holder) or _walked(holder)


def _shaped(holder: etree._Element) -> SignatureParts | None:
    nodes = list(holder.iter())
    certificates = len(nodes) - _FIXED_NODES
    if certificates < 1 or [(n.tag, len(n)) for n in nodes] != _profile_shape(certificates):
        return None
    return SignatureParts(
        signature=nodes[1],
        signed_info=nodes[2],
        c14n_method=nodes[3],
        signature_method=nodes[4],
        references=(
            ReferenceParts(nodes[5], nodes[7], nodes[8], nodes[9]),
            ReferenceParts(nodes[10], nodes[12], nodes[13], nodes[14]),
        ),
        signature_value=nodes[15],
        certificates=nodes[18:-4],
        time_object=nodes[-4],
        time_property=nodes[-2],
        signing_time=nodes[-1],
    )


def _expect_tags(element: etree._Element, tags: Sequence[str], what: str) -> list[etree._Element]:
    """The element children (comments and PIs are not structure), exactly `tags`, or refuse."""
    children = list(element.iterchildren(tag=etree.Element))
    if [c.tag for c in children] != list(tags):
        found = [etree.QName(c).localname for c in children]
        expected = ", ".join(etree.QName(t).localname for t in tags)
        raise ProfileViolation(
            f"{what} phải chứa đúng [{expected}], nhưng có [{', '.join(found)}].",
            f"{what} must hold exactly [{expected}], but holds [{', '.join(found)}].",
        )
    return children


def _no_children(element: etree._Element, what: str) -> None:
    if next(element.iterchildren(tag=etree.Element), None) is not None:
        raise ProfileViolation(
            f"{what} không được có phần tử con (tham số thuật toán ngoài hồ sơ).",
            f"{what} must have no child elements (algorithm parameters are outside the profile).",
        )


def _reference(reference: etree._Element) -> ReferenceParts:
    uri = reference.get("URI", "")
    transforms, digest_method, digest_value = _expect_tags(
        reference, _REFERENCE_CHILDREN, f'Reference URI="{uri}"'
    )
    (transform,) = _expect_tags(transforms, (_TRANSFORM,), f'Transforms của/of "{uri}"')
    _no_children(transform, f'Transform của/of "{uri}"')
    _no_children(digest_method, f'DigestMethod của/of "{uri}"')
    return ReferenceParts(reference, transform, digest_method, digest_value)


def _walked(holder: etree._Element) -> SignatureParts:
    (signature,) = _expect_tags(holder, (_SIGNATURE,), "ChuKy")
    signed_info, signature_value, key_info, time_object = _expect_tags(
        signature, _SIGNATURE_CHILDREN, "ds:Signature"
    )
    c14n_method, signature_method, first, second = _expect_tags(
        signed_info,
        _SIGNED_INFO_CHILDREN,
        "ds:SignedInfo (đúng hai Reference / exactly two References)",
    )
    _no_children(c14n_method, "CanonicalizationMethod")
    _no_children(signature_method, "SignatureMethod")
    references = (_reference(first), _reference(second))
    (x509_data,) = _expect_tags(key_info, (_X509_DATA,), "ds:KeyInfo")
    certificates = list(x509_data.iterchildren(tag=etree.Element))
    if not certificates or any(e.tag != _CERTIFICATE for e in certificates):
        raise ProfileViolation(
            "ds:X509Data chỉ được chứa các ds:X509Certificate (ít nhất một).",
            "ds:X509Data must hold only ds:X509Certificate elements (at least one).",
        )
    (properties,) = _expect_tags(time_object, (_PROPERTIES,), "ds:Object")
    (time_property,) = _expect_tags(properties, (_PROPERTY,), "ds:SignatureProperties")
    (signing_time,) = _expect_tags(time_property, (_SIGNING_TIME,), "ds:SignatureProperty")
    return SignatureParts(
        signature=signature,
        signed_info=signed_info,
        c14n_method=c14n_method,
        signature_method=signature_method,
        references=references,
        signature_value=signature_value,
        certificates=certificates,
        time_object=time_object,
        time_property=time_property,
        signing_time=signing_time,
    )
