"""The fixed names and limits of the document format (shared/spec/transcript-document.md)."""

from __future__ import annotations

NAMESPACE = "urn:moet:hocbaso:1"
"""The document's namespace, used as the default namespace (no prefix)."""

DSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
"""XMLDSig, whose elements appear (prefix `ds`) only inside DSCKS/ChuKy."""

VERSION = "1.0"
"""HocBaSo/@PhienBan of the documents this schema describes."""

SCHEMA_FILE = "hocbaso-1.0.xsd"
"""The document's XSD, in hub/document/schemas/: lxml judges by it, xmlschema explains by it."""

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
"""The receiver refuses a larger document before parsing it (HB001, receiver's check 1)."""
