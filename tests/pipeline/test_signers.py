"""Who signed what: the names the audit log keeps must be the certificates in the document."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from hub.cli.demo_province import DEFAULT_TEST_PASSWORD, PKI_PASSWORD_ENV
from hub.config import load_config
from hub.gen import generate
from hub.model import SchoolLevel, SecondaryResults, Teacher, Transcript
from hub.pipeline.build import build_tree
from hub.pipeline.sign import SIGN_FAILED, Signers
from hub.pipeline.worker import WorkerSpec, WorkItem, init_worker, work
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


def _lower_secondary(settings) -> Transcript:  # type: ignore[no-untyped-def]
    for item in generate(settings):
        transcript = item.transcript
        if transcript.header.level is SchoolLevel.LOWER_SECONDARY and transcript.results:
            return transcript
    raise AssertionError("no lower-secondary learner")


def test_each_personal_signature_is_made_by_the_person_the_document_names(
    province_cache, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Version 1.0.1 (HB006): the GVBM certificates are the subjects' own teachers'."""
    settings = province_settings(36)
    monkeypatch.setenv(PKI_PASSWORD_ENV, DEFAULT_TEST_PASSWORD)
    signers = Signers(load_config(province_cache(settings).config_path))
    transcript = _lower_secondary(settings)
    tree = build_tree(transcript)
    assert not isinstance(tree, list)
    signers.sign(tree, transcript.header.school_code, datetime(2026, 6, 1, 8, tzinfo=UTC))
    assert transcript.results is not None
    named = {s.code: s.teacher.name for s in transcript.results.subjects}
    signed_by = {}
    for holder in tree.getroot().iter(doc("ChuKy")):
        if holder.get("VaiTro") == "GVBM":
            der = base64.b64decode(holder.find(f".//{DS}X509Certificate").text)  # type: ignore[union-attr,arg-type]
            cn = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(
                NameOID.COMMON_NAME
            )
            signed_by[holder.get("MaMon")] = cn[0].value
    assert signed_by == named
    assert len(set(named.values())) > 1  # several teachers, each signing their own subject


def test_a_person_without_a_key_fails_the_learner_at_sign_naming_role_subject_and_person(
    province_cache, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(36)
    monkeypatch.setenv(PKI_PASSWORD_ENV, DEFAULT_TEST_PASSWORD)
    province = province_cache(settings)
    transcript = _lower_secondary(settings)
    results = transcript.results
    assert isinstance(results, SecondaryResults)
    subject = results.subjects[2]
    stranger = replace(subject, teacher=Teacher("Hoàng Văn Vắng Mặt", "GV9999"))
    changed = replace(
        transcript,
        results=replace(
            results, subjects=tuple(stranger if s is subject else s for s in results.subjects)
        ),
    )
    init_worker(WorkerSpec(str(province.config_path), settings.today))
    (result,) = work([WorkItem(7, changed)])
    assert (result.record_id, result.stage, result.document) == (7, "sign", None)
    (problem,) = [f for f in result.findings if f.is_error]
    assert problem.code == SIGN_FAILED
    for text in (problem.message_vi, problem.message_en):
        assert "GVBM" in text
        assert subject.code in text
        assert "'Hoàng Văn Vắng Mặt'" in text
        assert not re.search(r"\d{12}", text)  # no personal ID (CCCD) of anyone
    assert "giáo viên bộ môn" in problem.message_vi
    # Nobody else signed in their place: the other learners of the class still sign.
    (fine,) = work([WorkItem(8, transcript)])
    assert fine.stage is None
    assert fine.document is not None
