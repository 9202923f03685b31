"""The receiver's document checks short of signatures: parse, schema, content and identity rules.

`check_document` is what `hub validate` runs on each file and what the sandbox runs on each
document it receives after the signature checks: HB001 and HB002 from the parser (which stop
everything, as at the ministry), then every finding of `hub.rules.check_transcript`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hub.codes import CodeLists
from hub.document.parse import parse_document
from hub.errors import DocumentError
from hub.findings import Finding, has_errors
from hub.model import Transcript
from hub.rules import check_transcript


@dataclass(frozen=True, slots=True)
class DocumentReport:
    """What the checks found in one document.

    `transcript` is None when the document could not be read (HB001) or does not fit the
    schema (HB002); `findings` then holds those and nothing else.
    """

    transcript: Transcript | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """True when the ministry would reject the document."""
        return has_errors(self.findings)


def check_document(
    data: bytes, *, codes: CodeLists | None = None, today: date | None = None
) -> DocumentReport:
    """Parse, schema-validate and rule-check one document's bytes.

    Args:
        data: the document as received (≤ 2 MB, UTF-8).
        codes: the code lists; the rules load the project's own when None.
        today: the day the rules take as today (NgayLap not in the future); the real day
            when None.
    """
    try:
        transcript = parse_document(data)
    except DocumentError as exc:
        return DocumentReport(None, list(exc.findings))
    return DocumentReport(transcript, check_transcript(transcript, codes=codes, today=today))
