"""The quick path of check 3 (hub.signing.quick) gives the verdicts of the careful one.

The quick path reads SignedInfo and the time object from their canonical bytes and proves
each ChuKy's elements and attributes before the document's Ids are counted, so that those
subtrees are not walked for Ids again. It may only ever be faster: every attack of the corpus,
and every way of hiding an Id where only the quick path looks, must get the same per-signature
codes and the same findings with the quick path switched off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from lxml import etree

import hub.signing.verify as verify_module
from hub.signing.pki import TestPki
from hub.signing.profile import DS_NS
from hub.signing.providers.memory import MemoryProvider
from hub.signing.quick import quick_parts, quick_read
from hub.signing.structure import index_document
from hub.signing.trust import TrustStore
from hub.signing.verify import VerifyReport, verify_document

from .conftest import NS, Documents
from .test_attacks import CORPUS, Attack, _attacked

Provider = Callable[[str], MemoryProvider]


def _careful_only(data: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch) -> VerifyReport:
    with monkeypatch.context() as patch:
        patch.setattr(verify_module, "quick_parts", lambda _holder: None)
        return verify_document(data, trust)


def _verdict(report: VerifyReport) -> tuple[object, ...]:
    return (
        [(s.id, s.role, s.valid, s.code, s.signing_time, s.serial) for s in report.signatures],
        sorted((f.code, f.xpath, f.message_en) for f in report.findings),
    )


def test_every_hub_signature_takes_the_quick_path(signed_secondary: bytes) -> None:
    root = etree.fromstring(signed_secondary)
    holders = root.findall("h:DSCKS/h:ChuKy", NS)
    proven = {h: quick_parts(h) for h in holders}
    assert all(parts is not None for parts in proven.values())
    known = {h: p.ids for h, p in proven.items() if p is not None}
    index = index_document(root, root.find("h:DLHocBa", NS), known)
    assert index.id_counts == index_document(root, root.find("h:DLHocBa", NS)).id_counts
    for position, holder in enumerate(holders, start=1):
        parts = proven[holder]
        assert parts is not None
        assert quick_read(holder, parts, position, index) is not None


def test_the_quick_path_reads_what_the_careful_one_reads(
    signed_secondary: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = verify_document(signed_secondary, trust)
    assert quick.ok, quick.findings
    assert _verdict(quick) == _verdict(_careful_only(signed_secondary, trust, monkeypatch))


@pytest.mark.parametrize("attack", CORPUS, ids=[a.name for a in CORPUS])
def test_each_attack_gets_the_careful_paths_verdict(
    attack: Attack,
    signed_secondary: bytes,
    pki: TestPki,
    provider: Provider,
    base_time: dt.datetime,
    documents: Documents,
    trust: TrustStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _attacked(attack, signed_secondary, pki, provider, base_time, documents)
    quick = verify_document(data, trust)
    assert not quick.ok
    assert _verdict(quick) == _verdict(_careful_only(data, trust, monkeypatch))


def _hide_id(data: bytes, where: str, value: str) -> bytes:
    """An extra Id attribute (a copy of a signed Id) on one element inside the DV's ChuKy."""
    root = etree.fromstring(data)
    holder = root.find("h:DSCKS/h:ChuKy[@VaiTro='DV']", NS)
    assert holder is not None
    element = holder if where == "." else holder.find(where, NS)
    assert element is not None
    element.set("Id", value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    "where",
    [
        ".",
        "ds:Signature/ds:SignatureValue",
        "ds:Signature/ds:KeyInfo",
        "ds:Signature/ds:KeyInfo/ds:X509Data",
        "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
        "ds:Signature/ds:SignedInfo/ds:Reference",
        "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue",
        "ds:Signature/ds:Object/ds:SignatureProperties",
        "ds:Signature/ds:Object/ds:SignatureProperties/ds:SignatureProperty/h:ThoiGianKy",
    ],
)
@pytest.mark.parametrize("value", ["DLHocBa", "CKS-GVCN-TG"])
def test_an_id_hidden_inside_a_signature_is_counted(
    where: str, value: str, signed_secondary: bytes, trust: TrustStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    data = _hide_id(signed_secondary, where, value)
    quick = verify_document(data, trust)
    assert not quick.ok
    # The Id now occurs twice, so whatever signs it is refused as outside the profile.
    assert "HB003" in {f.code for f in quick.findings}
    assert _verdict(quick) == _verdict(_careful_only(data, trust, monkeypatch))


def test_an_id_elsewhere_in_dscks_is_counted(
    signed_secondary: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = etree.fromstring(signed_secondary)
    dscks = root.find("h:DSCKS", NS)
    assert dscks is not None
    etree.SubElement(dscks, f"{{{DS_NS}}}Wrapper").append(etree.Element("X", Id="CKS-DV"))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    quick = verify_document(data, trust)
    assert [s.code for s in quick.signatures if s.id == "CKS-DV"] == ["HB003"]
    assert _verdict(quick) == _verdict(_careful_only(data, trust, monkeypatch))


def test_whitespace_inside_signed_info_is_judged_alike(
    signed_secondary: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whitespace between the elements of SignedInfo changes the signed bytes (so the value
    no longer holds) but not the profile: both paths must say HB004, not HB003."""
    root = etree.fromstring(signed_secondary)
    signed_info = root.find("h:DSCKS/h:ChuKy[@VaiTro='HT']/ds:Signature/ds:SignedInfo", NS)
    assert signed_info is not None
    signed_info[0].tail = "\n  "
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    quick = verify_document(data, trust)
    assert [s.code for s in quick.signatures if s.role == "HT"] == ["HB004"]
    assert _verdict(quick) == _verdict(_careful_only(data, trust, monkeypatch))
