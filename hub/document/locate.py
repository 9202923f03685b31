"""The readable XPath of an element of a parsed document, in hub/xpath.py's style.

libxml2 reports where a schema error is as `/*/*[1]/*[3]`: exact but unreadable. Findings say
`/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB` instead: the spec's
element names, the stable keys as predicates, and a position only where names and keys do not
tell siblings apart (the third DDGtx, the second of two MonHoc that share a MaMon).
"""

from __future__ import annotations

from lxml import etree

from hub.document.names import DSIG_NAMESPACE, NAMESPACE

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
"""XML Schema's instance attributes (`xsi:nil`, `xsi:type`), which any document may carry."""

XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
"""XML's own attributes (`xml:lang`, `xml:space`)."""

_PREFIXES = {NAMESPACE: "", DSIG_NAMESPACE: "ds:", XSI_NAMESPACE: "xsi:", XML_NAMESPACE: "xml:"}

# The attribute that keys each repeated element, as hub/xpath.py writes it.
_KEYS = {"MonHoc": "MaMon", "HocKy": "So", "PhamChat": "Ma", "NangLuc": "Ma"}


def spec_name(tag: str) -> str:
    """A tag as findings write it.

    `{urn:moet:hocbaso:1}TenTruong` → `TenTruong`, XMLDSig's with `ds:` (`ds:Signature`), any
    other namespace kept (`{urn:x}Foo`) so that a stray element is not mistaken for the spec's.
    """
    qname = etree.QName(tag)
    namespace = qname.namespace or ""
    if not namespace:
        return qname.localname
    return _PREFIXES.get(namespace, f"{{{namespace}}}") + qname.localname


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace, with `ds:` for XMLDSig elements."""
    return spec_name(element.tag)


def _same_name_siblings(element: etree._Element) -> list[etree._Element]:
    parent = element.getparent()
    if parent is None:
        return [element]
    return list(parent.iterchildren(element.tag))


def _step(element: etree._Element) -> str:
    name = local_name(element)
    siblings = _same_name_siblings(element)
    key = _KEYS.get(name)
    value = element.get(key) if key else None
    if key and value is not None and "'" not in value:
        step = f"{name}[@{key}='{value}']"
        siblings = [s for s in siblings if s.get(key) == value]
    else:
        step = name
    if len(siblings) > 1:
        step += f"[{siblings.index(element) + 1}]"
    return step


def element_xpath(element: etree._Element) -> str:
    """`/HocBaSo/DLHocBa/.../MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB` for this element."""
    steps = [_step(e) for e in element.iterancestors()]
    steps.reverse()
    steps.append(_step(element))
    return "/" + "/".join(steps)
