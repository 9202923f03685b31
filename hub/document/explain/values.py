"""A value the XSD refuses: what was found and what its facet or type expected, in words.

xmlschema reports a refused value with the XSD component that refused it: a facet object
(`XsdPatternFacets` with its regexps, `XsdMaxLengthFacet` with its value, the enumeration's
values, the bounds), a built-in type (`xs:decimal`), or a built-in type's own check. What it
does not say is whose value it was, the element's text or one of its attributes; the element's
declaration does, through which type uses that component.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree
from xmlschema.validators import (
    XMLSchemaValidationError,
    XsdAtomicBuiltin,
    XsdAttribute,
    XsdElement,
    XsdEnumerationFacets,
    XsdMaxInclusiveFacet,
    XsdMaxLengthFacet,
    XsdMinInclusiveFacet,
    XsdMinLengthFacet,
    XsdPatternFacets,
)

from hub.document.explain import words
from hub.document.explain.explained import (
    BreaksFacet,
    Explained,
    NotOfType,
    Unexplained,
    value_at,
)
from hub.document.locate import element_xpath, spec_name


def explain_value(
    err: XMLSchemaValidationError, element: etree._Element, declaration: XsdElement | None
) -> Explained:
    """A value a facet or a built-in type refused, as a finding."""
    if declaration is None:
        raise Unexplained("an element xmlschema matched to no declaration")
    validator = err.validator
    attribute = _site(element, declaration, validator)
    raw = (element.text or "") if attribute is None else element.get(attribute, "")
    where = element_xpath(element) + ("" if attribute is None else f"/@{spec_name(attribute)}")
    measured = err.obj if isinstance(err.obj, str) else raw
    found: words.Words = (words.quoted(raw), words.quoted(raw))
    kind: type[NotOfType | BreaksFacet] = BreaksFacet
    if isinstance(validator, XsdEnumerationFacets):
        expected = words.one_of(str(v) for v in validator.enumeration)
    elif isinstance(validator, XsdPatternFacets):
        said = [words.pattern(p) for p in validator.regexps]
        expected = (" và ".join(s[0] for s in said), " and ".join(s[1] for s in said))
    elif isinstance(validator, XsdMaxLengthFacet | XsdMinLengthFacet):
        found = words.length(len(measured))
        limit = validator.value
        maximum = isinstance(validator, XsdMaxLengthFacet)
        expected = words.max_length(limit) if maximum else words.min_length(limit)
    elif isinstance(validator, XsdMaxInclusiveFacet):
        expected = words.at_most(validator.value)
    elif isinstance(validator, XsdMinInclusiveFacet):
        expected = words.at_least(validator.value)
    elif isinstance(validator, XsdAtomicBuiltin):
        expected, kind = words.builtin_type(str(validator.prefixed_name)), NotOfType
    elif callable(validator):
        # A built-in type's own check (xs:nonNegativeInteger's sign): say the type.
        owner = _owner(_site_type(declaration, attribute), validator)
        if not isinstance(owner, XsdAtomicBuiltin):
            raise Unexplained(repr(validator))  # a facet kind the XSD does not use yet
        expected, kind = words.builtin_type(str(owner.prefixed_name)), NotOfType
    else:
        raise Unexplained(repr(validator))
    return value_at(kind, element, where, found, expected)


def explain_fixed(element: etree._Element, attribute: XsdAttribute) -> Explained:
    """An attribute whose value the XSD fixes (HocBaSo/@PhienBan, DLHocBa/@Id) but differs."""
    name = attribute.name
    value = element.get(name) if name else None
    if name is None or attribute.fixed is None or value is None or value == attribute.fixed:
        raise Unexplained(repr(attribute))
    where = f"{element_xpath(element)}/@{spec_name(name)}"
    found = words.quoted(value)
    return value_at(BreaksFacet, element, where, (found, found), words.exactly(attribute.fixed))


def _site(element: etree._Element, declaration: XsdElement, validator: Any) -> str | None:
    """Whose value the validator refused: the element's text (None) or an attribute's name."""
    sites: list[str | None] = []
    text_type = _site_type(declaration, None)
    if text_type is not None and _owner(text_type, validator) is not None:
        sites.append(None)
    for name, attribute in declaration.attributes.items():
        if name is not None and name in element.attrib and _owner(attribute.type, validator):
            sites.append(name)
    if len(sites) != 1:
        raise Unexplained(f"{len(sites)} values of the element use {validator!r}")
    return sites[0]


def _site_type(declaration: XsdElement, attribute: str | None) -> Any:
    """The simple type of the element's text (None when it has no text value), or of an
    attribute."""
    if attribute is not None:
        return declaration.attributes[attribute].type
    xsd_type: Any = declaration.type
    if xsd_type.is_simple():
        return xsd_type
    if xsd_type.has_simple_content():
        return xsd_type.content  # a complex type with simple content: its simple type
    return None


def _owner(xsd_type: Any, validator: Any) -> Any:
    """The type in `xsd_type`'s derivation that holds `validator` (as itself or a facet)."""
    for current in _derivation(xsd_type):
        if current is validator:
            return current
        facets = getattr(current, "facets", None) or {}
        if any(facet is validator for facet in facets.values()):
            return current
    return None


def _derivation(xsd_type: Any) -> Iterator[Any]:
    """The type, its base type, and so on up to xs:anyType."""
    current = xsd_type
    while current is not None:
        yield current
        base = getattr(current, "base_type", None)
        current = base if base is not current else None
