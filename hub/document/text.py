"""An element's text as canonicalisation sees it: the one way the hub reads a document's values.

Exclusive C14N without comments (the profile's only transform) drops comments and keeps
processing instructions; neither is text. So the value a signature covers is the concatenation
of an element's text nodes, which is what XPath `string()` gives. lxml's `.text` and
`findtext()` give only the text before the first child node, so a comment slipped into a
signed name (`<HoTen>Nguyễn<!---->Văn A</HoTen>`, the SAML comment-truncation class of flaws)
would make a check read "Nguyễn" while the signature covers "NguyễnVăn A". Every place that
reads a value of a document (hub.document.read, the signature checks, the sandbox) reads it
here instead.

`person_key` is how the spec compares the name a document gives a person with the name in
their certificate (transcript-document.md check 6, version 1.0.1).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import cast

from lxml import etree


def text_of(element: etree._Element) -> str:
    """The concatenation of the element's text nodes (its XPath string value).

    Comments and processing instructions inside it are not text and are skipped; the text
    around them is joined. An element with no child node at all (the usual case) costs one
    attribute read.
    """
    if len(element) == 0:  # no child node: comments and PIs count as children in lxml
        return element.text or ""
    return "".join(cast("Iterator[str]", element.itertext()))


def child_text(parent: etree._Element, path: str) -> str | None:
    """`text_of` the first element `path` finds under `parent`; None when there is none.

    The replacement for lxml's `findtext()`, which stops at the first comment or PI.
    """
    found = parent.find(path)
    return text_of(found) if found is not None else None


def person_key(name: str) -> str:
    """A person's name as the signature checks compare it: NFC, case-folded, spaces collapsed.

    Two names are the same person's when their keys are equal (transcript-document.md check 6:
    "compared after NFC normalisation, case folding and collapsing white space"). Diacritics
    stay: Nguyễn is not Nguyên. Case folding can undo NFC (a few letters fold to a base letter
    and a combining mark), so the folded text is normalised again.
    """
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(folded.split())
