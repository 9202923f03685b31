"""The readable XPath of an element of a parsed document, in hub/xpath.py's style.

libxml2 reports where a schema error is as `/*/*[1]/*[3]`: exact but unreadable. Findings say
`/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB` instead: the spec's
element names, the stable keys as predicates, and a position only where names and keys do not
tell siblings apart (the third DDGtx, the second of two MonHoc that share a MaMon).
"""

from __future__ import annotations

from lxml import etree

from hub.document.names import DSIG_NAMESPACE, NAMESPACE

_PREFIXES = {NAMESPACE: "", DSIG_NAMESPACE: "ds:"}

# The attribute that keys each repeated element, as hub/xpath.py writes it.
_KEYS = {"MonHoc": "MaMon", "HocKy": "So", "PhamChat": "Ma", "NangLuc": "Ma"}


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace, with `ds:` for XMLDSig elements."""
    qname = etree.QName(element)
    prefix = _PREFIXES.get(qname.namespace or "", f"{{{qname.namespace}}}")
    return prefix + qname.localname


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
