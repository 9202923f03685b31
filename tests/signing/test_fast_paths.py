"""The verifier's and the signer's quick paths give the same verdicts as the careful ones.

The one-pass shape check (hub.signing.shape) is taken by every well-formed signature; any
comment or stray node sends a signature down the element-by-element walk instead. Both must
refuse the whole attack corpus with the same codes. The caches (parsed KeyInfo chains, trust
verdicts by certificate object) must still judge each signature at its own signing time.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import pytest
from lxml import etree

from hub.findings import Finding
from hub.signing.keyinfo import chain_of
from hub.signing.pki import TestPki
from hub.signing.profile import DS_NS, Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.shape import ProfileViolation, signature_parts
from hub.signing.sign import append_signature, sign_document, sign_tree
from hub.signing.structure import index_document
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .conftest import NS, Documents
from .test_attacks import CORPUS, Attack, Ctx, _attacked

Provider = Callable[[str], MemoryProvider]
DAY = dt.timedelta(days=1)


def _with_comments_everywhere(data: bytes) -> bytes:
    """Comments in every signature: legal (exclusive C14N drops them), but not the one-pass
    shape, so every signature takes the element-by-element walk."""
    root = etree.fromstring(data)
    for signature in root.iterfind("h:DSCKS/h:ChuKy/ds:Signature", NS):
        signature.insert(0, etree.Comment(" chú thích / comment "))
        for inner in ("ds:SignedInfo", "ds:Object", "ds:KeyInfo/ds:X509Data"):
            found = signature.find(inner, NS)
            if found is not None:
                found.insert(0, etree.Comment(" x "))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _codes(findings: list[Finding]) -> list[str]:
    return sorted({f.code for f in findings if f.is_error})


def _holders(data: bytes) -> list[etree._Element]:
    return etree.fromstring(data).findall("h:DSCKS/h:ChuKy", NS)


def test_hub_signatures_have_the_one_pass_shape(signed_secondary: bytes) -> None:
    from hub.signing.shape import _shaped

    holders = _holders(signed_secondary)
    assert holders
    assert all(_shaped(holder) is not None for holder in holders)
    commented = _holders(_with_comments_everywhere(signed_secondary))
    assert all(_shaped(holder) is None for holder in commented)


def test_both_paths_find_the_same_elements(signed_secondary: bytes) -> None:
    from hub.signing.shape import _shaped, _walked

    for holder in _holders(signed_secondary):
        quick, careful = _shaped(holder), _walked(holder)
        assert quick is not None
        assert quick.references[0].digest_value is careful.references[0].digest_value
        assert quick.certificates == careful.certificates
        assert quick.signing_time is careful.signing_time


def test_comments_in_signatures_do_not_change_the_verdict(
    signed_secondary: bytes, trust: TrustStore
) -> None:
    report = verify_document(_with_comments_everywhere(signed_secondary), trust)
    assert report.ok, report.findings
    assert len(report.signatures) == signed_secondary.count(b"<ds:Signature ")


@pytest.mark.parametrize("attack", CORPUS, ids=[a.name for a in CORPUS])
def test_the_careful_path_refuses_each_attack_with_its_code(
    attack: Attack,
    signed_secondary: bytes,
    pki: TestPki,
    provider: Provider,
    base_time: dt.datetime,
    documents: Documents,
    trust: TrustStore,
) -> None:
    data = _attacked(attack, signed_secondary, pki, provider, base_time, documents)
    quick = verify_document(data, trust)
    careful = verify_document(_with_comments_everywhere(data), trust)
    assert not careful.ok
    assert _codes(careful.findings)[0] == attack.code, careful.findings
    assert [(s.id, s.code) for s in careful.signatures] == [
        (s.id, s.code) for s in quick.signatures
    ]


def test_the_walk_names_the_first_departure(signed_secondary: bytes) -> None:
    holder = _holders(signed_secondary)[0]
    key_info = holder.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    etree.SubElement(key_info, f"{{{DS_NS}}}KeyValue")
    with pytest.raises(ProfileViolation, match=r"ds:KeyInfo must hold exactly \[X509Data\]"):
        signature_parts(holder)


def test_a_line_broken_digest_value_still_verifies(
    signed_secondary: bytes,
    pki: TestPki,
    provider: Provider,
    base_time: dt.datetime,
    documents: Documents,
    trust: TrustStore,
) -> None:
    """Base64 with line breaks is the same digest: the verifier decodes what is not in the
    canonical form instead of refusing it."""
    tree = etree.fromstring(signed_secondary).getroottree()
    ctx = Ctx(tree, pki, provider, base_time, documents)
    signature = ctx.signature("GVCN")
    digest = signature.find("ds:SignedInfo/ds:Reference/ds:DigestValue", NS)
    assert digest is not None
    assert digest.text
    digest.text = f"{digest.text[:20]}\n{digest.text[20:]}"
    ctx.resign(signature, "homeroom")
    report = verify_document(etree.tostring(tree), trust)
    assert report.ok, report.findings


def test_ids_are_counted_over_the_whole_document(signed_secondary: bytes) -> None:
    root = etree.fromstring(signed_secondary)
    data_root = root.find("h:DLHocBa", NS)
    index = index_document(root, data_root)
    assert index.count("DLHocBa") == 1
    assert index.count("CKS-DV-TG") == 1
    assert index.count("nothing") == 0
    elsewhere = etree.SubElement(root.find("h:DSCKS", NS), "{urn:example}X", Id="DLHocBa")  # type: ignore[arg-type]
    assert index_document(root, data_root).count("DLHocBa") == 2
    root.find("h:DSCKS", NS).remove(elsewhere)  # type: ignore[union-attr]
    assert set(index_document(root, data_root).subjects) == {
        e.get("Id") for e in root.iterfind("h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc", NS)
    }


def test_a_keyinfo_chain_is_parsed_once_and_garbage_is_refused(pki: TestPki) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    texts = tuple(
        base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in pki["school"].chain
    )
    chain = chain_of(texts)
    assert chain_of(tuple(t[:30] + "\n" + t[30:] for t in texts)).certificates == chain.certificates
    assert chain_of(texts) is chain
    assert chain.leaf == pki["school"].certificate
    assert chain.school_codes == (pki.school_code,)
    with pytest.raises(ValueError):  # noqa: PT011 -- binascii.Error or a DER error, both ValueError
        chain_of(("bm90IGEgY2VydGlmaWNhdGU=",))


def test_a_cached_trust_verdict_is_not_reused_outside_its_validity(
    pki: TestPki, trust: TrustStore
) -> None:
    """The same certificate objects, judged again at other signing times."""
    chain = pki["school"].chain
    leaf = chain[0]
    inside = leaf.not_valid_before_utc + DAY
    assert trust.check(chain, inside) == []
    assert trust.check(chain, inside) == []  # from the cache
    after = trust.check(chain, leaf.not_valid_after_utc + DAY)
    assert after
    assert "had expired at signing time" in after[0].message_en
    before = trust.check(chain, leaf.not_valid_before_utc - DAY)
    assert before
    assert "not yet valid" in before[0].message_en
    assert trust.check(chain, inside) == []


def test_the_signature_template_keeps_every_value_exactly(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    """Characters XML must escape, in an Id, come back unchanged and the signature holds."""
    tree = etree.fromstring(documents.primary).getroottree()
    odd = 'CKS "a" <&> \t b\n'
    signature = append_signature(
        tree,
        Role.GVCN,
        provider("homeroom"),
        subject_code=None,
        signing_time=base_time,
        signature_id=odd,
    )
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    reread = etree.fromstring(data).find("h:DSCKS/h:ChuKy/ds:Signature", NS)
    assert reread is not None
    assert reread.get("Id") == odd == signature.get("Id")
    assert reread.find("ds:Object", NS).get("Id") == odd + "-TG"  # type: ignore[union-attr]
    result = verify_document(data, trust).signatures[0]
    assert (result.id, result.valid, result.code) == (odd, True, None)


def test_a_signed_document_declares_the_document_namespace_once(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    data = sign_document(documents.secondary, "DV", provider("school"), signing_time=base_time)
    assert data.count(b'xmlns="urn:moet:hocbaso:1"') == 1
    assert b"<ThoiGianKy>" in data


def test_sign_tree_signs_in_place_and_returns_the_signature(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    tree = etree.fromstring(documents.primary).getroottree()
    signers = {Role.GVCN: "homeroom", Role.HT: "principal", Role.DV: "school"}
    for hour, (role, name) in enumerate(signers.items()):
        signature = sign_tree(tree, role, provider(name), signing_time=base_time + hour * DAY / 24)
        assert signature.getparent().get("VaiTro") == role  # type: ignore[union-attr]
        assert signature.getroottree().getroot() is tree.getroot()
    report = verify_document(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), trust)
    assert report.ok, report.findings
    assert [s.role for s in report.signatures] == ["GVCN", "HT", "DV"]
