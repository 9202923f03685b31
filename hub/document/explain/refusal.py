"""A refused tree validated again with xmlschema, each error object explained.

xmlschema validates the lxml tree (a copy without comments; nothing is parsed again) against
hocbaso-1.0.xsd, built once per process. Its errors are objects; each goes to the module that
knows its kind: content models (content.py), values (values.py), the element as a whole and its
attributes (elements.py). Before that, the errors libxml2 would not report are set aside, so
that the places of the two validators can be compared (hub/document/explain/__init__.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from functools import cache
from importlib import resources
from typing import Any, cast

from lxml import etree
from xmlschema import XMLSchema10
from xmlschema.validators import (
    XMLSchemaBase,
    XMLSchemaChildrenValidationError,
    XMLSchemaValidationError,
    XsdAttribute,
    XsdAttributeGroup,
    XsdElement,
    XsdGroup,
)

from hub.document.explain.content import explain_content
from hub.document.explain.elements import (
    explain_attributes,
    explain_element,
    explain_root,
    explain_text,
)
from hub.document.explain.explained import (
    BreaksFacet,
    Explained,
    NotOfType,
    Unexplained,
    lxml_element,
)
from hub.document.explain.values import explain_fixed, explain_value
from hub.document.names import SCHEMA_FILE


@cache
def xmlschema_schema() -> XMLSchema10:
    """hocbaso-1.0.xsd for xmlschema, built once per process, reaching for nothing outside.

    The XSD imports and includes nothing. `allow="none"` makes any attempt to open a location
    (an import, a document's xsi:schemaLocation) fail instead of fetching it, and
    `defuse="always"` reads the XSD text with xmlschema's parser that refuses entities. The
    documents arrive as trees the hardened parser already read, so no document text is parsed.
    """
    text = resources.files("hub.document").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return XMLSchema10(text, allow="none", defuse="always")


def explain_refusal(tree: etree._ElementTree) -> list[Explained]:
    """Every schema error of a tree lxml refused, explained from xmlschema's error objects.

    Raises:
        Unexplained: an error there are no words for.
    """
    schema = xmlschema_schema()
    declarations: dict[etree._Element, XsdElement] = {}

    def remember(element: Any, declaration: XsdElement) -> bool:
        declarations[element] = declaration  # which declaration a value error is about
        return False  # and validate the element as usual

    # Location hints stay off (the default); allow="none" would refuse them anyway.
    errors = list(
        schema.iter_errors(cast("Any", _without_comments(tree)), validation_hook=remember)
    )
    explained: list[Explained] = []
    for err in _without_consequences(errors):
        explained.extend(_explain(err, declarations, schema))
    return _type_before_facets(_once(explained))


def _without_comments(tree: etree._ElementTree) -> etree._ElementTree:
    """A copy of the tree without comments and processing instructions.

    libxml2 passes over them (`<CapHoc>0<!-- -->3</CapHoc>` is `03`); xmlschema counts them as
    children, so a comment inside a value would be an error to it alone. Elements keep their
    positions, so the copy's element paths are the original's.
    """
    bare = deepcopy(tree)
    etree.strip_elements(bare, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return bare


def _explain(
    err: XMLSchemaValidationError,
    declarations: dict[etree._Element, XsdElement],
    schema: XMLSchema10,
) -> list[Explained]:
    """One error, by the kind of XSD component that reported it."""
    element = lxml_element(err.elem)
    if element is None:
        raise Unexplained(type(err.validator).__name__)
    validator = err.validator
    if isinstance(err, XMLSchemaChildrenValidationError):
        return [explain_content(err, element)]
    if isinstance(validator, XMLSchemaBase):
        return [explain_root(element, validator)]
    if isinstance(validator, XsdAttributeGroup):
        return explain_attributes(element, validator, schema)
    if isinstance(validator, XsdAttribute):
        return [explain_fixed(element, validator)]
    if isinstance(validator, XsdGroup):
        return [explain_text(element, validator.is_empty())]
    if isinstance(validator, XsdElement):
        return [explain_element(element, validator)]
    return [explain_value(err, element, declarations.get(element))]


def _without_consequences(
    errors: Sequence[XMLSchemaValidationError],
) -> list[XMLSchemaValidationError]:
    """The errors libxml2 reports too: an element's first content error, and nothing after it.

    Once a child does not fit its parent's content model, the positions after it mean nothing.
    xmlschema goes on matching the later children by name and reports them, and the errors
    inside them; libxml2 stops at the first. The first is the one to fix, and keeping to it
    lets the two validators' places be compared.
    """
    broken: dict[etree._Element, int] = {}
    for err in errors:
        parent = lxml_element(err.elem)
        if isinstance(err, XMLSchemaChildrenValidationError) and parent is not None:
            broken[parent] = min(err.index, broken.get(parent, err.index))
    kept: list[XMLSchemaValidationError] = []
    reported: set[etree._Element] = set()
    for err in errors:
        anchor = lxml_element(err.elem)
        if anchor is None:
            kept.append(err)  # _explain refuses it
            continue
        if isinstance(err, XMLSchemaChildrenValidationError):
            if anchor in reported:
                continue
            reported.add(anchor)
        if not _after_a_broken_position(anchor, broken):
            kept.append(err)
    return kept


def _after_a_broken_position(element: etree._Element, broken: dict[etree._Element, int]) -> bool:
    """Whether the element is (inside) a child at or after its parent's first content error."""
    node = element
    while (parent := node.getparent()) is not None:
        if parent in broken and parent.index(node) >= broken[parent]:
            return True
        node = parent
    return False


def _once(explained: list[Explained]) -> list[Explained]:
    """Without repeats: xmlschema may report one fault twice (text in an empty element)."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[Explained] = []
    for item in explained:
        key = (item.finding.xpath, item.finding.message_vi, item.finding.message_en)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _type_before_facets(explained: list[Explained]) -> list[Explained]:
    """A value not of its type is reported as such, without its facets' complaints.

    xmlschema checks a pattern before the built-in type (`2026-5-22` fails both `Date`'s
    pattern and xs:date); libxml2 checks the type first and no facet after it. One finding per
    value, the type's, is what the operator needs.
    """
    not_typed = {item.finding.xpath for item in explained if isinstance(item, NotOfType)}
    return [
        item
        for item in explained
        if not (isinstance(item, BreaksFacet) and item.finding.xpath in not_typed)
    ]
