"""Findings: what a check found wrong with one document, in the ministry's own terms.

A Finding carries the ministry's error code (ministry-service.md: HB001 … HB302), a severity,
the XPath (or signature Id) it concerns, and a message in Vietnamese for operators and in
English alongside. Every check of the hub (parser, schema, signatures, rules) reports through
this one type so that `hub validate`, `hub verify`, the sandbox and the reports all speak alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """An error makes the ministry reject the document; a warning is for a person to look at."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement between a document and the contract, with where and why."""

    code: str
    severity: Severity
    xpath: str
    message_vi: str
    message_en: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_json(self) -> dict[str, str]:
        """The finding shape shared by `hub validate --format json` and `hub verify`."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "xpath": self.xpath,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


def error(code: str, xpath: str, message_vi: str, message_en: str) -> Finding:
    """Shorthand for an error finding."""
    return Finding(code, Severity.ERROR, xpath, message_vi, message_en)


def warning(code: str, xpath: str, message_vi: str, message_en: str) -> Finding:
    """Shorthand for a warning finding."""
    return Finding(code, Severity.WARNING, xpath, message_vi, message_en)


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when any finding would make the ministry reject the document."""
    return any(f.is_error for f in findings)
