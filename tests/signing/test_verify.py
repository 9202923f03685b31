"""Verification of well-signed documents: what the report says, and how much work it does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from lxml import etree

import hub.signing.quick as quick_module
import hub.signing.verify as verify_module
from hub.signing.pki import TestPki
from hub.signing.providers.memory import MemoryProvider
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .conftest import NS, Documents, subjects_of

Provider = Callable[[str], MemoryProvider]


def test_a_fully_signed_secondary_document_verifies(
    signed_secondary: bytes,
    trust: TrustStore,
    documents: Documents,
    pki: TestPki,
    base_time: dt.datetime,
) -> None:
    report = verify_document(signed_secondary, trust)
    assert report.ok
    assert report.findings == []
    subjects = subjects_of(documents.secondary)
    assert [(s.role, s.subject_code) for s in report.signatures] == [
        *(("GVBM", code) for code in subjects),
        ("GVCN", None),
        ("HT", None),
        ("DV", None),
    ]
    dv = report.signatures[-1]
    school = pki["school"].certificate
    assert dv.subject == school.subject.rfc4514_string()
    assert dv.serial == f"{school.serial_number:X}"
    assert dv.signing_time == (base_time + dt.timedelta(hours=3)).isoformat()
    assert dv.valid
    assert dv.code is None
    assert dv.id == "CKS-DV"


def test_a_fully_signed_primary_document_verifies(signed_primary: bytes, trust: TrustStore) -> None:
    report = verify_document(signed_primary, trust)
    assert report.ok, report.findings
    assert [s.role for s in report.signatures] == ["GVCN", "HT", "DV"]


def test_the_json_shape_of_a_signature(signed_secondary: bytes, trust: TrustStore) -> None:
    report = verify_document(signed_secondary, trust)
    shape = report.signatures[-1].as_json()
    assert list(shape) == ["id", "role", "subject", "serial", "signing_time", "valid", "code"]
    assert shape["valid"] is True
    assert shape["role"] == "DV"


def test_the_data_digest_is_computed_once_per_document(
    signed_secondary: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = verify_module.exc_c14n

    def counting(element: etree._Element) -> bytes:
        seen.append(element.get("Id") or etree.QName(element).localname)
        return real(element)

    # Check 3's quick path canonicalises SignedInfo and the time object (quick), check 4
    # the data (verify): each element once, wherever it is done.
    monkeypatch.setattr(verify_module, "exc_c14n", counting)
    monkeypatch.setattr(quick_module, "exc_c14n", counting)
    report = verify_document(signed_secondary, trust)
    assert report.ok
    assert seen.count("DLHocBa") == 1  # three signatures (GVCN, HT, DV) share it
    assert seen.count("SignedInfo") == len(report.signatures)
    with_ids = [label for label in seen if label != "SignedInfo"]
    assert len(with_ids) == len(set(with_ids))  # every signed Id once
    assert len(seen) == 1 + len(subjects_of(signed_secondary)) + 2 * len(report.signatures)


def test_an_unsigned_document_lacks_every_required_role(
    documents: Documents, trust: TrustStore
) -> None:
    report = verify_document(documents.secondary, trust)
    assert not report.ok
    assert report.signatures == []
    missing = sorted(f.xpath for f in report.findings)
    expected = [
        f"/HocBaSo/DSCKS/ChuKy[@VaiTro='GVBM'][@MaMon='{c}']"
        for c in subjects_of(documents.secondary)
    ]
    expected += [f"/HocBaSo/DSCKS/ChuKy[@VaiTro='{r}']" for r in ("DV", "GVCN", "HT")]
    assert missing == sorted(expected)
    assert {f.code for f in report.findings} == {"HB006"}
    assert all(f.message_vi and f.message_en for f in report.findings)


def test_a_signature_without_id_is_named_by_position(
    signed_secondary: bytes, trust: TrustStore
) -> None:
    root = etree.fromstring(signed_secondary)
    signature = root.find("h:DSCKS/h:ChuKy[@VaiTro='DV']/ds:Signature", NS)
    assert signature is not None
    del signature.attrib["Id"]
    report = verify_document(etree.tostring(root), trust)
    position = len(root.findall("h:DSCKS/h:ChuKy", NS))
    assert [f.xpath for f in report.findings if f.code == "HB003"] == [
        f"/HocBaSo/DSCKS/ChuKy[{position}]"
    ]


def test_an_unknown_role_is_outside_the_profile(signed_secondary: bytes, trust: TrustStore) -> None:
    root = etree.fromstring(signed_secondary)
    holder = root.find("h:DSCKS/h:ChuKy[@VaiTro='HT']", NS)
    holder.set("VaiTro", "PHT")  # type: ignore[union-attr]
    report = verify_document(etree.tostring(root), trust)
    assert [(s.role, s.code) for s in report.signatures if not s.valid] == [("PHT", "HB003")]
    assert "/HocBaSo/DSCKS/ChuKy[@VaiTro='HT']" in {f.xpath for f in report.findings}


def test_not_well_formed_input_is_hb001(trust: TrustStore) -> None:
    report = verify_document(b"<HocBaSo", trust)
    assert [f.code for f in report.findings] == ["HB001"]
