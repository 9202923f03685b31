"""A child that does not fit its parent's content model, or a model left incomplete.

xmlschema reports these as `XMLSchemaChildrenValidationError`: the parent, the index of the
child that does not fit (none when the content ended too early), the particle of the model that
was being matched with how often it occurred, and the elements the model still required. From
those and the tree the explanation tells apart an element that is missing, one too many, one
too few, one out of order, and one the parent does not have at all.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from xmlschema.validators import (
    XMLSchemaChildrenValidationError,
    XsdAnyElement,
    XsdElement,
    XsdGroup,
)

from hub.document.explain import words
from hub.document.explain.explained import Explained, Unexplained, at, lxml_element
from hub.document.locate import element_xpath, local_name, spec_name
from hub.document.names import DSIG_NAMESPACE


def explain_content(err: XMLSchemaChildrenValidationError, parent: etree._Element) -> Explained:
    """One content-model error of `parent` as a finding."""
    parent_name = local_name(parent)
    parent_xpath = element_xpath(parent)
    expected = list(err.expected or ())
    names = [_particle_name(p) for p in expected]
    wanted_vi, wanted_en = _expected_words(err.validator, expected, names)
    child = lxml_element(err.invalid_child)
    if child is None:
        where = f"{parent_xpath}/{names[0]}" if len(names) == 1 else parent_xpath
        return at(
            parent,
            where,
            f"Thiếu phần tử bắt buộc {wanted_vi} trong {parent_name}.",
            f"Missing element in {parent_name}: found none; expected {wanted_en}.",
        )
    found = local_name(child)
    if isinstance(err.validator, XsdGroup) and err.validator.is_empty():
        # libxml2 reports a child of an element that may have none at the parent.
        return at(
            parent,
            parent_xpath,
            f"{parent_name} không được chứa phần tử con (gặp {found}); chỉ có thuộc tính.",
            f"Found element {found} inside {parent_name}; expected no content (attributes only).",
        )
    where = element_xpath(child)
    particle, occurs = err.particle, err.occurs
    if isinstance(particle, XsdElement | XsdAnyElement) and occurs and particle.min_occurs > occurs:
        name = _particle_name(particle)
        return at(
            child,
            f"{parent_xpath}/{name}",
            f"Thiếu phần tử {name}: có {occurs}, cần ít nhất {particle.min_occurs} (gặp {found}).",
            f"Found too few {name} elements: {occurs}, then {found}; expected at least "
            f"{particle.min_occurs}.",
        )
    declared = _declaration_in(err.validator, child)
    previous = next((s for s in child.itersiblings(preceding=True) if isinstance(s.tag, str)), None)
    if declared is not None and previous is not None and previous.tag == child.tag:
        limit = declared.max_occurs
        limit_vi, limit_en = (f" (tối đa {limit})", f" (at most {limit})") if limit else ("", "")
        next_vi = f"; tiếp theo cần {wanted_vi}" if names else ""
        next_en = f"; expected {wanted_en} next" if names else f"; expected no further {found}"
        return at(
            child,
            where,
            f"Thừa phần tử {found}: nhiều hơn số lượng cho phép{limit_vi}{next_vi}.",
            f"Found one {found} too many{limit_en}{next_en}.",
        )
    if declared is None and (not names or _follows(child, names[0])):
        # Not an element of this parent at all (a misspelt or stray name), rather than one of
        # its elements in the wrong place.
        next_vi = f"; tại vị trí này cần {wanted_vi}" if names else ""
        next_en = (
            f"expected {wanted_en} at this position" if names else "expected no further element"
        )
        return at(
            child,
            where,
            f"Phần tử {found} không thuộc {parent_name} (thừa){next_vi}.",
            f"Found element {found}, which {parent_name} does not have; {next_en}.",
        )
    if not names:
        return at(
            child,
            where,
            f"Phần tử {found} không được phép ở đây (thừa).",
            f"Found element {found}, which is not allowed here; expected no further element.",
        )
    if len(names) > 1:
        return at(
            child,
            where,
            f"Phần tử {found} không được phép ở đây; cần {wanted_vi}.",
            f"Found element {found}; expected {wanted_en}.",
        )
    wanted = names[0]
    if _follows(child, wanted):
        return at(
            child,
            where,
            f"Phần tử {found} sai thứ tự: tại vị trí này cần {wanted}.",
            f"Found {found} out of order; expected {wanted} at this position.",
        )
    return at(
        child,
        f"{parent_xpath}/{wanted}",
        f"Thiếu phần tử bắt buộc {wanted} (gặp {found} ở vị trí của nó).",
        f"Missing element {wanted}: found {found} where {wanted} is expected.",
    )


def _follows(child: etree._Element, name: str) -> bool:
    """Whether an element named `name` comes after `child` among its siblings."""
    return any(local_name(s) == name for s in child.itersiblings() if isinstance(s.tag, str))


def _particle_name(particle: Any) -> str:
    """An expected element as findings name it; the XMLDSig wildcard is `ds:Signature`."""
    if isinstance(particle, XsdElement) and particle.name:
        return spec_name(particle.name)
    if isinstance(particle, XsdAnyElement) and list(particle.namespace) == [DSIG_NAMESPACE]:
        return words.SIGNATURE
    raise Unexplained(repr(particle))


def _declaration_in(model: Any, child: etree._Element) -> Any:
    """The particle of the parent's content model that declares the child's name, if any."""
    if not isinstance(model, XsdGroup):
        return None
    for particle in model.iter_elements():
        if isinstance(particle, XsdElement) and particle.name == child.tag:
            return particle
        if isinstance(particle, XsdAnyElement) and particle.is_matching(child.tag):
            return particle
    return None


def _expected_words(model: Any, expected: list[Any], names: list[str]) -> words.Words:
    """The expected elements as the content model groups them.

    xmlschema lists every element still required, flat. A choice between a sequence and an
    element (HocKy: DDGgk, DDGck and DTB, or KetQua) would read wrong as "one of" four, so the
    list is said through the model: `(DDGgk, DDGck, DTB) hoặc KetQua` / `... or KetQua`.
    """
    if not names:
        return "", ""
    said = _said(model, expected)
    if said is None:
        joined = ", ".join(names)
        return joined, joined
    return said


def _said(particle: Any, expected: list[Any]) -> words.Words | None:
    """The part of the model that holds expected elements, in words (None: holds none)."""
    if not isinstance(particle, XsdGroup):
        if any(particle is e for e in expected):
            name = _particle_name(particle)
            return name, name
        return None
    parts = [part for p in particle if (part := _said(p, expected)) is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if particle.model == "choice":
        return (
            " hoặc ".join(_grouped(vi) for vi, _ in parts),
            " or ".join(_grouped(en) for _, en in parts),
        )
    return ", ".join(vi for vi, _ in parts), ", ".join(en for _, en in parts)


def _grouped(text: str) -> str:
    return f"({text})" if " " in text else text
