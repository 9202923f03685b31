"""Sample learners for a plugin's conformance sample: a small generated school's transcripts.

A sample input is easiest to write from transcripts whose every value is known and valid: a
spreadsheet plugin exports them to files, an API plugin serves them from its simulator, and
the kit then checks that the source reads back what was written. They come from the hub's
deterministic generator (`hub gen`), so the same arguments give the same learners.
"""

from __future__ import annotations

from itertools import islice

from hub.gen import GenSettings, generate
from hub.model import SchoolLevel, Transcript


def sample_transcripts(
    level: SchoolLevel, count: int, *, seed: int = 0, per_class: int = 4
) -> list[Transcript]:
    """The first `count` learners of one generated school, class by class.

    Args:
        level: the school's CapHoc (SchoolLevel.PRIMARY, LOWER_SECONDARY, …).
        count: how many learners (the school has a class per grade of `per_class` learners).
        seed: another seed gives other learners.
        per_class: learners in each class.

    The learners are Vietnamese (no foreign documents) and the transcripts have no defect.
    """
    settings = GenSettings(seed=seed, levels=(level,), learners_per_class=per_class, foreign_rate=0)
    return [g.transcript for g in islice(generate(settings), count)]
