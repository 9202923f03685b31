"""What an explanation is: a finding, and the element libxml2 reports the same error at."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hub.document.explain.words import Words
from hub.findings import Finding, error


class Unexplained(Exception):
    """xmlschema reported an error there are no words for here (the caller falls back)."""


@dataclass(frozen=True, slots=True)
class Explained:
    """One HB002 finding, and the element it is about in libxml2's terms.

    `place` is where libxml2 reports the error (the unexpected child, the parent of a missing
    one, the element of a bad value or attribute); hub/document/explain compares these places
    with lxml's error log before it trusts the explanation.
    """

    place: etree._Element
    finding: Finding


@dataclass(frozen=True, slots=True)
class NotOfType(Explained):
    """A value that is not of its built-in type at all (not a date, not a number)."""


@dataclass(frozen=True, slots=True)
class BreaksFacet(Explained):
    """A value that breaks a facet (pattern, length, bound, enumeration, fixed value)."""


def lxml_element(node: object) -> etree._Element | None:
    """The lxml element xmlschema reports (it validated the lxml tree itself), or None."""
    return node if isinstance(node, etree._Element) else None


def at(place: etree._Element, where: str, vi: str, en: str) -> Explained:
    """An explanation at `where` (an XPath in the spec's names), Vietnamese first."""
    return Explained(place, error("HB002", where, vi, en))


def value_at(
    kind: type[NotOfType | BreaksFacet],
    element: etree._Element,
    where: str,
    found: Words,
    expected: Words,
) -> Explained:
    """A refused value: `Giá trị … không hợp lệ; cần …` / `Found …; expected …`."""
    return kind(
        element,
        error(
            "HB002",
            where,
            f"Giá trị {found[0]} không hợp lệ; cần {expected[0]}.",
            f"Found {found[1]}; expected {expected[1]}.",
        ),
    )
