"""Why lxml refused a document: HB002 findings an operator can act on.

lxml (libxml2) judges every document and is fast; a valid document never comes here. When it
refuses one, its reasons are English sentences at unreadable paths (`/*/*[1]/*/*[7]`). The
explanation comes from xmlschema instead (hub/document/explain/refusal.py), which reports each
error as structured data: the element, the facet or content model that refused it, what it
expected. xmlschema is about a hundred times slower, which a refused document can afford.

The two validators are independent implementations of XSD, so the explanation is trusted only
when xmlschema refuses the document at the same elements as libxml2. When they disagree
(xmlschema finds nothing, errs elsewhere, fails, or reports something it has no words for), the
findings keep libxml2's own messages at readable XPaths, and the disagreement is logged: the
verdict is lxml's either way and no refusal goes unexplained.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml import etree

from hub.document.locate import element_xpath
from hub.document.names import DSIG_NAMESPACE, NAMESPACE
from hub.findings import Finding, error

log = logging.getLogger(__name__)

MAX_EXPLAINED = 200
"""Refusals explained by xmlschema at the most: xmlschema collects every error before it returns
any, about 1 ms each, so a 2 MB document of garbage with thousands of errors would cost seconds
of CPU (the sandbox takes documents from anyone it serves). Beyond this many, libxml2's own
messages are given, at readable XPaths: the verdict is lxml's either way."""


def explain_schema_errors(
    tree: etree._ElementTree, entries: Sequence[etree._LogEntry]
) -> list[Finding]:
    """HB002 findings for a tree lxml refused, given lxml's error log, in lxml's order."""
    # Imported here so that only a refused document loads xmlschema (and builds its schema).
    from hub.document.explain.refusal import explain_refusal

    refused_at = [entry.path or "" for entry in entries]
    if len(entries) > MAX_EXPLAINED:
        return _libxml2_findings(tree, entries)
    try:
        explained = explain_refusal(tree)
    except Exception as exc:  # whatever goes wrong in the explainer, the refusal stands
        # The exception's text may quote the document's values: its kind and the places only.
        log.warning(
            "Schema errors explained from libxml2's messages: xmlschema could not explain them "
            "(%s); lxml refused the document at %s",
            type(exc).__name__,
            ", ".join(dict.fromkeys(refused_at)),
        )
        return _libxml2_findings(tree, entries)
    # The places are in explain_refusal's copy of the tree, whose paths are the original's.
    places = [item.place.getroottree().getpath(item.place) for item in explained]
    if set(places) != set(refused_at):
        log.warning(
            "Schema errors explained from libxml2's messages: lxml and xmlschema disagree "
            "(only lxml: %s; only xmlschema: %s)",
            ", ".join(p for p in dict.fromkeys(refused_at) if p not in places) or "-",
            ", ".join(p for p in dict.fromkeys(places) if p not in refused_at) or "-",
        )
        return _libxml2_findings(tree, entries)
    first_refusal = {path: n for n, path in reversed(list(enumerate(refused_at)))}
    order = sorted(range(len(explained)), key=lambda n: first_refusal[places[n]])
    return [explained[n].finding for n in order]


def _libxml2_findings(
    tree: etree._ElementTree, entries: Sequence[etree._LogEntry]
) -> list[Finding]:
    """One finding per libxml2 error: its own message, at the readable XPath of its element."""
    root = tree.getroot()
    elements = {tree.getpath(e): e for e in root.iter() if isinstance(e.tag, str)}
    findings = []
    for entry in entries:
        element = elements.get(entry.path or "", root)
        text = entry.message.replace(f"{{{NAMESPACE}}}", "").replace(f"{{{DSIG_NAMESPACE}}}", "ds:")
        findings.append(
            error(
                "HB002",
                element_xpath(element),
                f"Không khớp lược đồ: {text.strip()}",
                f"Does not match the schema: {text.strip()}",
            )
        )
    return findings
