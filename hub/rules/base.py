"""What every rule shares: the `Rule` contract, its `RuleContext`, and message formatting.

A rule is any callable `(transcript, context) -> Iterable[Finding]`; the hub's own rules and a
plugin's (`register_rules`, hub/hookspecs.py) have the same shape, so a province's extra checks
report exactly like the hub's. The context carries what a rule may not fetch for itself: the
code lists (loaded once per process, never per document) and "today" (injected so that the
date rules are testable and the same run judges every document by the same day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from hub.codes import CodeLists
from hub.findings import Finding, Severity
from hub.model import Level, Transcript


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may consult besides the transcript.

    Attributes:
        codes: the code lists of codes.md (subjects, qualities, ethnic groups, provinces).
        today: the day the check runs; "not in the future" is judged against it.
    """

    codes: CodeLists
    today: date


class Rule(Protocol):
    """A validation rule: every disagreement it finds in one transcript, as Findings.

    A plain function ``def my_rule(transcript, context): ...`` satisfies this protocol. A rule
    must not mutate the transcript, must not do I/O per call (load what it needs once, at
    import or registration), and reports with the ministry's codes (ministry-service.md) and an
    XPath built with `hub.xpath`, with messages in Vietnamese and English.
    """

    def __call__(self, transcript: Transcript, context: RuleContext, /) -> Iterable[Finding]:
        """Every finding of this rule for `transcript`; empty when it has nothing to say."""
        ...


def stated_severity(transcript: Transcript) -> Severity:
    """The severity of a stated value (average, level, conclusion) that disagrees with the rules.

    For a learner with a disability exempt from assessment (KhuyetTatKhongDanhGia) the
    regulations leave the assessment to the principal: the stated value stands and the check
    only warns.
    """
    return Severity.WARNING if transcript.learner.exempt_from_assessment else Severity.ERROR


def en_score(value: Decimal) -> str:
    """A score as English text: decimal point, never exponent notation (8.3, 10.0)."""
    return format(value, "f")


def vi_score(value: Decimal) -> str:
    """A score as Vietnamese text: decimal comma (8,3)."""
    return format(value, "f").replace(".", ",")


def vi_date(value: date) -> str:
    """A date as Vietnamese text: dd/mm/yyyy."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


LEVEL_VI = {Level.T: "Tốt", Level.K: "Khá", Level.D: "Đạt", Level.CD: "Chưa đạt"}
LEVEL_EN = {Level.T: "Good", Level.K: "Fair", Level.D: "Pass", Level.CD: "Fail"}


def vi_level(level: Level | None) -> str:
    """A level as Vietnamese text: its code and name, e.g. "K (Khá)"; "trống" when absent."""
    return f"{level.value} ({LEVEL_VI[level]})" if level is not None else "trống"


def en_level(level: Level | None) -> str:
    """A level as English text: its code and meaning, e.g. "K (Fair)"; "empty" when absent."""
    return f"{level.value} ({LEVEL_EN[level]})" if level is not None else "empty"


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day` (a birthday counts on the day itself)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
