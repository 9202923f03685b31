"""Who signed what: the names the audit log keeps must be the certificates in the document."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from hub.cli.demo_province import DEFAULT_TEST_PASSWORD, PKI_PASSWORD_ENV
from hub.config import load_config
from hub.gen import generate
from hub.pipeline.build import build_tree
from hub.pipeline.sign import Signers
from hub.signing.profile import doc

from .conftest import province_settings

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _signed_certificates(tree) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(VaiTro, SHA-256 of the signer's certificate) of each signature, in document order."""
    found = []
    for holder in tree.getroot().iter(doc("ChuKy")):
        first = holder.find(f".//{DS}X509Certificate")
        assert first is not None
        assert first.text
        der = base64.b64decode(first.text)
        found.append((holder.get("VaiTro"), hashlib.sha256(der).hexdigest()))
    return found


def test_every_signature_is_named_by_its_role_and_the_certificate_that_made_it(
    province_cache, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(36)  # a primary and a lower-secondary school
    monkeypatch.setenv(PKI_PASSWORD_ENV, DEFAULT_TEST_PASSWORD)
    signers = Signers(load_config(province_cache(settings).config_path))
    by_school = {}
    for item in generate(settings):
        by_school.setdefault(item.transcript.header.school_code, []).append(item.transcript)
    at = datetime(2026, 6, 1, 8, tzinfo=UTC)
    seals = set()
    for transcripts in by_school.values():
        for transcript in transcripts[:2]:  # the second of a school: names already known
            tree = build_tree(transcript)
            assert not isinstance(tree, list)
            named = signers.sign(tree, transcript.header.school_code, at)
            in_document = _signed_certificates(tree)
            assert [(role, digest) for role, digest, _serial, _issuer in named] == in_document
            assert {role for role, _ in in_document} >= {"GVCN", "HT", "DV"}
            seals |= {digest for role, digest in in_document if role == "DV"}
    assert len(seals) == len(by_school) == 2  # each school's seal is its own, not the first's
