"""Assessment and identity rules (shared/spec/assessment-rules.md, codes.md).

`check_transcript` is the one entry point: it computes every value the rules fix and reports
each disagreement as a Finding with the ministry's code, the XPath and a message in Vietnamese
and English. The computations themselves live in `hub.rules.compute`.
"""

from __future__ import annotations

from datetime import date

from hub.codes import CodeLists
from hub.findings import Finding
from hub.model import Transcript


def check_transcript(
    transcript: Transcript, codes: CodeLists | None = None, today: date | None = None
) -> list[Finding]:
    """Every finding of the content and identity rules for one transcript."""
    raise NotImplementedError("being written: hub/rules checks")
