"""Stage 4, build: canonical transcript → document bytes, parsed back and schema-validated.

The bytes are deterministic (hub.document.build) and are validated against the project's XSD
with lxml before anyone signs them: a document the ministry would refuse with HB002 stops
here, at stage `build`, with the schema's findings. The parsed tree is handed on to the
signers, so a document is parsed once for validation and signing together.
"""

from __future__ import annotations

from lxml import etree

from hub.document.build import build_document
from hub.document.parse import parse_tree
from hub.errors import DocumentError
from hub.findings import Finding
from hub.model import Transcript


def build_tree(transcript: Transcript) -> etree._ElementTree | list[Finding]:
    """The validated, unsigned document as an lxml tree, or the findings that stop it."""
    try:
        return parse_tree(build_document(transcript), validate=True)
    except DocumentError as exc:
        return list(exc.findings)
