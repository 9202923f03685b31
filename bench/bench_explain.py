"""What explaining a refused document costs, beside lxml's verdict on it.

    .venv/bin/python bench/bench_explain.py [--rounds R] [--count N]

lxml judges every document; only a document it refuses is validated again with xmlschema to
explain the refusal (hub/document/explain). This prints, for a lower-secondary transcript
(tests/cases/documents/lower-secondary-grade-7) with 1, 5 and 20 schema errors, the time per
document of lxml's validation and of the explanation (xmlschema's validation of the same tree
and the findings built from its errors), and, for reference, lxml on the valid document and
the one-off cost of building xmlschema's schema.

The machine is shared, so each figure is the best of `--rounds` rounds (interference only ever
slows a round), in wall time and in CPU time of this process (`time.process_time`; the work is
single-threaded).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from lxml import etree

from hub.document.explain import explain_schema_errors
from hub.document.explain.refusal import xmlschema_schema
from hub.document.parse import parse_tree, schema

CASE = Path(__file__).parent.parent / "tests/cases/documents/lower-secondary-grade-7/document.xml"

# Five independent errors of five kinds (a facet, a pattern, a length, a bound, an attribute's
# enumeration); beyond five, scores that are not numbers (xs:decimal).
_KINDS = [
    (b"<CapHoc>03</CapHoc>", b"<CapHoc>07</CapHoc>"),
    (b"<MaTruong>31234567</MaTruong>", b"<MaTruong>3123</MaTruong>"),
    (b"<TenLop>7A3</TenLop>", b"<TenLop>" + b"7" * 31 + b"</TenLop>"),
    (b"<Khoi>7</Khoi>", b"<Khoi>13</Khoi>"),
    (b'HinhThuc="DIEM"', b'HinhThuc="SCORE"'),
]


def with_errors(document: bytes, count: int) -> bytes:
    """The document with `count` schema errors, each at its own element."""
    for old, new in _KINDS[:count]:
        document = document.replace(old, new, 1)
    for _ in range(count - len(_KINDS)):
        document, replaced = re.subn(rb"<DTB>(?=\d)", b"<DTB>x", document, count=1)
        assert replaced, "not enough DTB elements for that many errors"
    return document


def best(work: Callable[[], object], count: int, rounds: int) -> tuple[float, float]:
    """Seconds per call of `work`, wall and CPU, each the best of `rounds` rounds of `count`."""
    work()  # warm: schemas built, caches filled
    wall = cpu = float("inf")
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(count):
            work()
        wall = min(wall, (time.perf_counter() - w0) / count)
        cpu = min(cpu, (time.process_time() - c0) / count)
    return wall, cpu


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms"


def row(valid: bytes, errors: int, count: int, rounds: int) -> None:
    """Print lxml's and the explanation's time for the document with `errors` errors."""
    refused = parse_tree(with_errors(valid, errors), validate=False)
    validator = schema()
    assert not validator.validate(refused)
    entries = list(cast("Iterable[etree._LogEntry]", validator.error_log))
    findings = explain_schema_errors(refused, entries)
    assert len(findings) == errors, findings
    assert not any(f.message_en.startswith("Does not match") for f in findings), (
        "fell back to libxml2's messages: the figures would not be xmlschema's"
    )
    lxml_wall, lxml_cpu = best(lambda: validator.validate(refused), count * 10, rounds)
    explain_wall, explain_cpu = best(lambda: explain_schema_errors(refused, entries), count, rounds)
    print(
        f"{errors:>6}  {_ms(lxml_wall)} / {_ms(lxml_cpu)}  "
        f"{_ms(explain_wall)} / {_ms(explain_cpu)}  {explain_cpu / lxml_cpu:6.0f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=20, help="explanations per round")
    args = parser.parse_args()

    started = time.perf_counter()
    xmlschema_schema()
    print(f"xmlschema's schema, built once per process: {_ms(time.perf_counter() - started)}")

    valid = CASE.read_bytes()
    tree = parse_tree(valid, validate=False)
    wall, cpu = best(lambda: schema().validate(tree), args.count * 10, args.rounds)
    print(f"valid document, lxml only: {_ms(wall)} wall / {_ms(cpu)} CPU")
    print()
    print(f"{'errors':>6}  {'lxml (wall / CPU)':^25}  {'explanation (wall / CPU)':^25}  CPU ratio")
    for errors in (1, 5, 20):
        row(valid, errors, args.count, args.rounds)


if __name__ == "__main__":
    main()
