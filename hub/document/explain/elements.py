"""Errors about an element as a whole: the root, its attributes, its kind of content, its key.

xmlschema reports these with the XSD component that holds the rule: the schema itself for a
root it does not declare, the attribute group for attributes missing or not allowed, the
content model for stray text, the element declaration for xsi:nil, content of the wrong kind
and a key its xs:unique finds twice. The explanation reads the rule from that component and
the facts from the element.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from xmlschema.validators import XMLSchemaBase, XsdAttributeGroup, XsdElement

from hub.document.explain import words
from hub.document.explain.explained import Explained, Unexplained, at
from hub.document.locate import XSI_NAMESPACE, element_xpath, local_name, spec_name

_XSI_NIL = f"{{{XSI_NAMESPACE}}}nil"


def explain_root(root: etree._Element, schema: XMLSchemaBase) -> Explained:
    """A root element the schema does not declare (wrong name or namespace)."""
    found = local_name(root)
    wanted = ", ".join(spec_name(e.name) for e in schema.elements.values() if e.name)
    namespace = schema.target_namespace
    return at(
        root,
        element_xpath(root),
        f"Phần tử gốc {found} không phải {wanted} ({namespace}).",
        f"Found root element {found}; expected {wanted} in {namespace}.",
    )


def explain_attributes(
    element: etree._Element, group: XsdAttributeGroup, schema: XMLSchemaBase
) -> list[Explained]:
    """Every attribute of the element that is not allowed, then every required one missing.

    xmlschema reports each as an error of the attribute group, with the element's attributes
    and no name but in its English reason; the group and the element say which they are. The
    same list comes back for each such error of one element, and the caller drops the repeats.
    """
    where = element_xpath(element)
    extra = [str(n) for n in element.attrib if not _allowed(str(n), group, schema)]
    missing = [str(n) for n in group.iter_required() if n not in element.attrib]
    if not extra and not missing:
        raise Unexplained(repr(group))
    not_allowed = [
        at(
            element,
            f"{where}/@{spec_name(name)}",
            f"Thuộc tính {spec_name(name)} không được phép ở đây.",
            f"Found attribute {spec_name(name)}, which is not allowed here; expected none.",
        )
        for name in extra
    ]
    return not_allowed + [
        at(
            element,
            f"{where}/@{name}",
            f"Thiếu thuộc tính bắt buộc {name}.",
            f"Missing attribute {name}: found none; expected one.",
        )
        for name in missing
    ]


def _allowed(name: str, group: XsdAttributeGroup, schema: XMLSchemaBase) -> bool:
    """As xmlschema decides: declared, one of XML Schema's own xsi: attributes, or a wildcard's."""
    if name in group:
        return True
    if etree.QName(name).namespace == XSI_NAMESPACE:
        return name in schema.maps.attributes
    wildcard = group.get(None)
    return wildcard is not None and bool(wildcard.is_matching(name))


def explain_text(element: etree._Element, empty: bool) -> Explained:
    """Text where the content model allows only child elements, or nothing at all."""
    if not _has_text(element):
        raise Unexplained("a content error without text")
    name = local_name(element)
    if empty:
        return at(
            element,
            element_xpath(element),
            f"{name} không được chứa nội dung; chỉ có thuộc tính.",
            f"Found text inside {name}; expected no content (attributes only).",
        )
    return at(
        element,
        element_xpath(element),
        f"{name} chỉ được chứa phần tử con, không chứa văn bản.",
        f"Found text inside {name}; expected child elements only.",
    )


def _has_text(element: etree._Element) -> bool:
    return bool((element.text or "").strip()) or any((c.tail or "").strip() for c in element)


def explain_element(element: etree._Element, declaration: XsdElement) -> Explained:
    """A repeated key, xsi:nil where the XSD allows none, or content of the wrong kind."""
    name = local_name(element)
    where = element_xpath(element)
    for identity in declaration.selected_by:
        duplicate = _duplicate_key(element, identity)
        if duplicate is not None:
            field, value = duplicate
            return at(
                element,
                f"{where}/@{field}",
                f"{field} {words.quoted(value)} xuất hiện hơn một lần; mỗi giá trị chỉ được "
                "một lần.",
                f"Found {field} {words.quoted(value)} more than once; expected each value once.",
            )
    if _XSI_NIL in element.attrib and not declaration.nillable:
        return at(
            element,
            where,
            f"{name} không được để trống bằng xsi:nil; cần một giá trị.",
            f"Found xsi:nil on {name}, which cannot be nil; expected a value.",
        )
    xsd_type = declaration.type
    if xsd_type.is_empty() and _has_text(element):
        return explain_text(element, empty=True)
    children = [c for c in element if isinstance(c.tag, str)]
    if (xsd_type.is_simple() or xsd_type.has_simple_content()) and children:
        child = local_name(children[0])
        return at(
            element,
            where,
            f"{name} chỉ chứa một giá trị, không chứa phần tử con (gặp {child}).",
            f"Found element {child} inside {name}; expected a value only.",
        )
    raise Unexplained(repr(declaration))


def _duplicate_key(element: etree._Element, identity: Any) -> tuple[str, str] | None:
    """The attribute and value an xs:unique finds twice, when this element is the second one.

    The constraint's own declaration says the field (`@MaMon`) and its scope (the element that
    declares it, KetQuaTrungHoc); the elements it selects in that scope are compared in
    document order.
    """
    fields = [f.path for f in identity.fields]
    if len(fields) != 1 or not fields[0].startswith("@"):
        return None  # the XSD's keys are single attributes; anything else is unexplained
    field = fields[0][1:]
    value = element.get(field)
    scope_tag = identity.parent.name if identity.parent is not None else None
    scope = next((a for a in element.iterancestors() if a.tag == scope_tag), None)
    if value is None or scope is None:
        return None
    for other in scope.iter(element.tag):
        if other is element:
            return None
        if other.get(field) == value:
            return field, value
    return None
