"""Pausing Python's cycle collector while a school's answers are read and pivoted.

A school's year is a few hundred thousand small JSON objects (1,800 answers) and as many
again once pivoted, none in a reference cycle. The collector runs by allocation counts and
walks every live object each time its oldest generation is collected, so while those objects
pile up it ran over them again and again: measured against the simulator, it took about 40 %
of the client's CPU per request and half of the pivot's (bench/bench_smas.py). It is paused
for those two steps only, and put back as it was (nested pauses keep the outer one's state).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
