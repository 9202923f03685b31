"""Assessment and identity rules (shared/spec/assessment-rules.md, codes.md).

`check_transcript` is the one entry point: it computes every value the rules fix and reports
each disagreement as a Finding with the ministry's code, the XPath and a message in Vietnamese
and English. The computations themselves live in `hub.rules.compute`; the checks are split by
what they look at:

    header.py     HB002  field rules the XSD cannot express (NamHoc, Khoi, NgayLap, MaSoGD,
                         age, results present)
    identity.py   HB101, HB102 (+ HB002)  SoDinhDanh, foreign learners, DanToc, guardians
    secondary.py  HB202, HB201  subjects, scores, averages of secondary and GDTX
    levels.py     HB201  KetQuaHocTap, KetQuaRenLuyen, KetLuan, DanhHieu
    primary.py    HB202, HB201  subjects, test scores, qualities, DanhGiaCuoiNam
    compulsory.py HB202  every compulsory subject of the grade is present (version 1.0.1)

A rule is any `Rule` callable `(transcript, context) -> Iterable[Finding]`; plugins add their
own through `register_rules` (hub/hookspecs.py) and the caller passes them as `extra_rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hub.codes import CodeLists, load_codes
from hub.findings import Finding
from hub.model import Transcript
from hub.rules.base import Rule, RuleContext
from hub.rules.compulsory import check_compulsory
from hub.rules.header import check_header
from hub.rules.identity import check_identity
from hub.rules.primary import check_primary
from hub.rules.secondary import check_secondary

BUILTIN_RULES: tuple[Rule, ...] = (
    check_header,
    check_identity,
    check_secondary,
    check_primary,
    check_compulsory,
)
"""The hub's own rules, in the order their findings are reported."""


def check_transcript(
    transcript: Transcript,
    codes: CodeLists | None = None,
    today: date | None = None,
    extra_rules: Sequence[Rule] = (),
) -> list[Finding]:
    """Every finding of the content and identity rules for one transcript.

    Args:
        transcript: the transcript to check; it is not changed.
        codes: the code lists; `hub.codes.load_codes()` (loaded once per process) by default.
        today: the day "not in the future" is judged against; `date.today()` by default.
            Pass one day for a whole run so that every document is judged alike.
        extra_rules: rules run after the hub's own (e.g. the registry's plugin rules); their
            findings follow the hub's in the order given.

    Returns:
        The findings, errors and warnings mixed, in rule order; empty when all is well.
    """
    context = RuleContext(
        codes if codes is not None else load_codes(),
        today if today is not None else date.today(),
    )
    findings: list[Finding] = []
    for rule in BUILTIN_RULES:
        findings.extend(rule(transcript, context))
    for rule in extra_rules:
        findings.extend(rule(transcript, context))
    return findings


__all__ = ["BUILTIN_RULES", "Rule", "RuleContext", "check_transcript"]
