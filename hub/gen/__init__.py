"""A synthetic province: schools, classes and learners with transcripts right by construction.

The generator feeds the hub's tests, the ministry sandbox's roster, and the benchmarks. Usage:

    from hub.gen import GenSettings, DefectKind, generate
    for item in generate(GenSettings(seed=7, schools=2, defects={DefectKind.MISSING_ID: 0.01})):
        item.transcript, item.roster, item.defect

`generate` streams one learner at a time (a 100,000-learner province never sits in memory) and
is deterministic: equal settings give equal transcripts, and each learner's data depends only on
the seed and their place (school, grade, class, number), never on what came before.
`generate_school` regenerates one school on its own. Clean transcripts pass every rule; each
injected defect is written to a ledger entry naming the finding a checker must report.
"""

from __future__ import annotations

from hub.gen.kinds import DefectKind, LedgerEntry, RosterEntry
from hub.gen.province import Generated, School, generate, generate_school, make_school
from hub.gen.settings import ALL_LEVELS, DEFAULT_TODAY, GenSettings

__all__ = [
    "ALL_LEVELS",
    "DEFAULT_TODAY",
    "DefectKind",
    "GenSettings",
    "Generated",
    "LedgerEntry",
    "RosterEntry",
    "School",
    "generate",
    "generate_school",
    "make_school",
]
