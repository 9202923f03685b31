"""check_transcript: defaults, extra (plugin) rules, and the Rule / RuleContext contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from hub import xpath
from hub.codes import CodeLists
from hub.findings import Finding, warning
from hub.model import Transcript
from hub.rules import BUILTIN_RULES, Rule, RuleContext, check_transcript

from .builders import TODAY, secondary
from .conftest import summary


def test_defaults_load_the_code_lists_and_judge_by_today() -> None:
    transcript = secondary()
    assert check_transcript(transcript) == []
    tomorrow = date.today() + timedelta(days=1)
    future = replace(transcript, header=replace(transcript.header, issue_date=tomorrow))
    assert ("HB002", "error", xpath.header("NgayLap")) in summary(check_transcript(future))


def test_extra_rules_run_after_the_builtin_ones_with_the_context(codes: CodeLists) -> None:
    seen: list[RuleContext] = []

    def short_class_names(transcript: Transcript, context: RuleContext) -> Iterator[Finding]:
        seen.append(context)
        if len(transcript.header.class_name) < 4:  # "7A1"
            yield warning(
                "HB002",
                xpath.header("TenLop"),
                "Tên lớp quá ngắn.",
                "Class name is too short.",
            )

    rules: list[Rule] = [short_class_names]
    transcript = secondary(personal_id=None)  # one built-in finding first
    findings = check_transcript(transcript, codes, TODAY, extra_rules=rules)
    assert summary(findings) == [
        ("HB101", "error", xpath.learner("SoDinhDanh")),
        ("HB002", "warning", xpath.header("TenLop")),
    ]
    assert seen == [RuleContext(codes, TODAY)]


def test_builtin_rules_satisfy_the_rule_protocol(codes: CodeLists) -> None:
    context = RuleContext(codes, TODAY)
    for rule in BUILTIN_RULES:
        assert list(rule(secondary(), context)) == []
