"""Fixtures of the rule tests: the code lists and a `check` that judges by a fixed day."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.codes import CodeLists, load_codes
from hub.findings import Finding
from hub.model import Transcript
from hub.rules import check_transcript

from .builders import TODAY

Check = Callable[[Transcript], list[Finding]]


@pytest.fixture(scope="session")
def codes() -> CodeLists:
    return load_codes()


@pytest.fixture
def check(codes: CodeLists) -> Check:
    def run(transcript: Transcript) -> list[Finding]:
        return check_transcript(transcript, codes, TODAY)

    return run


def summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    """(code, severity, XPath) of each finding: what the tests pin."""
    return [(f.code, f.severity.value, f.xpath) for f in findings]
