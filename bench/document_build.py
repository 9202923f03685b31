"""Microseconds per document for each step of hub/document, on generated transcripts.

    .venv/bin/python bench/document_build.py [--count N]

Prints, per document (best of five passes over N generated transcripts of every grade and
level, so other processes on a shared machine disturb the figures less):

- build: `build_document` (text building, the hub's choice);
- lxml build: the same elements made with lxml `SubElement` and serialised, to show why the
  builder writes text (hub/document/build.py's docstring);
- parse+schema: `parse_tree` (screen, hardened parse, XSD validation);
- read: `transcript_from_tree` (tree → canonical model);
- check: `check_document` (parse, schema, read and every rule).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from itertools import islice

from lxml import etree

from hub.codes import load_codes
from hub.document.build import build_document
from hub.document.check import check_document
from hub.document.parse import parse_tree
from hub.document.read import transcript_from_tree
from hub.gen import GenSettings, generate
from hub.model import Transcript


def _lxml_build(tree: etree._ElementTree) -> bytes:
    """Rebuild a document element by element with lxml and serialise it."""

    def copy(source: etree._Element, parent: etree._Element | None) -> etree._Element:
        attributes = {str(k): str(v) for k, v in source.attrib.items()}
        element = (
            etree.Element(source.tag, attributes, nsmap=source.nsmap)  # type: ignore[arg-type]
            if parent is None
            else etree.SubElement(parent, source.tag, attributes)
        )
        element.text = source.text
        for child in source:
            copy(child, element)
        return element

    return etree.tostring(copy(tree.getroot(), None), xml_declaration=True, encoding="UTF-8")


def _best(run: Callable[[], object], count: int) -> float:
    """Best of five passes of `run` (which handles `count` documents), in µs per document."""
    passes = []
    for _ in range(5):
        started = time.perf_counter()
        run()
        passes.append(time.perf_counter() - started)
    return min(passes) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000)
    args = parser.parse_args()
    settings = GenSettings(seed=7, schools=args.count // (19 * 30) + 1)
    transcripts: list[Transcript] = [g.transcript for g in islice(generate(settings), args.count)]
    documents = [build_document(t) for t in transcripts]
    trees = [parse_tree(d) for d in documents]
    load_codes()
    day = settings.today
    sizes = sum(len(d) for d in documents) / len(documents)
    print(f"{len(documents)} generated documents, {sizes:,.0f} bytes on average")
    steps: list[tuple[str, Callable[[], object]]] = [
        ("build (text)", lambda: [build_document(t) for t in transcripts]),
        ("lxml build", lambda: [_lxml_build(t) for t in trees]),
        ("parse+schema", lambda: [parse_tree(d) for d in documents]),
        ("read", lambda: [transcript_from_tree(t) for t in trees]),
        ("check", lambda: [check_document(d, today=day) for d in documents]),
    ]
    for name, run in steps:
        micros = _best(run, len(documents))
        print(f"  {name:<14} {micros:8.1f} µs/document  {1e6 / micros:9,.0f}/s")


if __name__ == "__main__":
    main()
