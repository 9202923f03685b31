"""Independent implementations agree with the hub: xmlsec1 (libxmlsec1) and signxml.

Both verify the hub's signatures; signxml also signs in our profile and the hub verifies it.
signxml cannot make the profile's ds:Object by itself (its `signature_properties` option
fixes the Object's Id to "prop"), so the arrangement is: put our ds:Object (Id `<Id>-TG`)
in the document first, let signxml sign detached with the two references
(`#DLHocBa`, `#<Id>-TG`) and exclusive C14N, then set the Signature's Id and move the Object
inside it. Neither the Signature's Id nor the Object's place is covered by a digest, so
moving them changes nothing signed.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier, methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest

from hub.signing.pki import TestPki
from hub.signing.providers.memory import MemoryProvider
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .conftest import DS, NS, H

Provider = Callable[[str], MemoryProvider]
XMLSEC1 = shutil.which("xmlsec1")


def _signature_ids(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    return [s.get("Id", "") for s in root.findall("h:DSCKS/h:ChuKy/ds:Signature", NS)]


def _xmlsec1(path: Path, signature_id: str, pki: TestPki) -> subprocess.CompletedProcess[str]:
    """xmlsec1 verifying one signature (Debian's build has no CRL option; revocation is ours)."""
    assert XMLSEC1 is not None
    command = [
        XMLSEC1,
        "--verify",
        "--trusted-pem",
        str(pki.trust_dir / "root.pem"),
        "--untrusted-pem",
        str(pki.trust_dir / "intermediate.pem"),
        "--id-attr:Id",
        f"{H}:DLHocBa",
        "--id-attr:Id",
        f"{H}:MonHoc",
        "--id-attr:Id",
        f"{DS}:Object",
        "--id-attr:Id",
        f"{DS}:Signature",
        "--enabled-reference-uris",
        "same-doc",
        "--node-id",
        signature_id,
        str(path),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 (Debian package xmlsec1) not installed")
def test_xmlsec1_verifies_every_signature_the_hub_made(
    signed_secondary: bytes, pki: TestPki, tmp_path: Path
) -> None:
    path = tmp_path / "signed.xml"
    path.write_bytes(signed_secondary)
    ids = _signature_ids(signed_secondary)
    assert len(ids) > 3
    for signature_id in ids:
        result = _xmlsec1(path, signature_id, pki)
        assert result.returncode == 0, (signature_id, result.stderr)
        assert "SignedInfo References (ok/all): 2/2" in result.stderr + result.stdout


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 (Debian package xmlsec1) not installed")
def test_xmlsec1_refuses_a_changed_document(
    signed_secondary: bytes, pki: TestPki, tmp_path: Path
) -> None:
    path = tmp_path / "changed.xml"
    path.write_bytes(signed_secondary.replace(b"<NamHoc>", b"<NamHoc> ", 1))
    assert _xmlsec1(path, "CKS-DV", pki).returncode != 0


def _only(data: bytes, signature_id: str) -> bytes:
    """The document with one signature left: signxml verifies the first ds:Signature it finds."""
    root = etree.fromstring(data)
    for holder in root.findall("h:DSCKS/h:ChuKy", NS):
        if holder.find("ds:Signature", NS).get("Id") != signature_id:  # type: ignore[union-attr]
            holder.getparent().remove(holder)  # type: ignore[union-attr]
    return etree.tostring(root)


SIGNXML_PROFILE = SignatureConfiguration(
    expect_references=2,
    default_reference_c14n_method=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
)


def test_signxml_verifies_every_signature_the_hub_made(
    signed_secondary: bytes, pki: TestPki
) -> None:
    for signature_id in _signature_ids(signed_secondary):
        results = XMLVerifier().verify(
            _only(signed_secondary, signature_id),
            ca_pem_file=str(pki.trust_dir / "root.pem"),
            expect_config=SIGNXML_PROFILE,
            id_attribute="Id",
        )
        tags = [etree.QName(r.signed_xml).localname for r in results]  # type: ignore[union-attr]
        assert tags in (["DLHocBa", "Object"], ["MonHoc", "Object"]), signature_id


def test_signxml_refuses_a_changed_document(signed_secondary: bytes, pki: TestPki) -> None:
    changed = signed_secondary.replace(b"<NamHoc>", b"<NamHoc> ", 1)
    with pytest.raises(InvalidDigest):
        XMLVerifier().verify(
            _only(changed, "CKS-DV"),
            ca_pem_file=str(pki.trust_dir / "root.pem"),
            expect_config=SIGNXML_PROFILE,
            id_attribute="Id",
        )


def _sign_dv_with_signxml(data: bytes, pki: TestPki, when: dt.datetime) -> bytes:
    root = etree.fromstring(data)
    signature_id = "SX-DV"
    holder = etree.SubElement(root.find("h:DSCKS", NS), f"{{{H}}}ChuKy", VaiTro="DV")  # type: ignore[arg-type]
    time_object = etree.SubElement(
        holder, f"{{{DS}}}Object", nsmap={"ds": DS}, Id=f"{signature_id}-TG"
    )
    prop = etree.SubElement(
        etree.SubElement(time_object, f"{{{DS}}}SignatureProperties"),
        f"{{{DS}}}SignatureProperty",
        Target=f"#{signature_id}",
    )
    etree.SubElement(prop, f"{{{H}}}ThoiGianKy").text = when.isoformat()
    signer = XMLSigner(
        method=methods.detached,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    school = pki["school"]
    signature = signer.sign(
        root,
        key=school.key,
        cert=school.chain,
        reference_uri=["#DLHocBa", f"#{signature_id}-TG"],
        id_attribute="Id",
    )
    signature.set("Id", signature_id)
    holder.remove(time_object)
    holder.append(signature)
    signature.append(time_object)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def test_a_document_signxml_signed_in_our_profile_verifies_with_the_hub(
    signed_secondary: bytes, pki: TestPki, trust: TrustStore, base_time: dt.datetime
) -> None:
    root = etree.fromstring(signed_secondary)
    dv = root.find("h:DSCKS/h:ChuKy[@VaiTro='DV']", NS)
    dv.getparent().remove(dv)  # type: ignore[union-attr]
    data = _sign_dv_with_signxml(etree.tostring(root), pki, base_time + dt.timedelta(hours=4))
    report = verify_document(data, trust)
    assert report.ok, report.findings
    assert [s.id for s in report.signatures][-1] == "SX-DV"
    # …and the hub's verifier still catches a change in it.
    tampered = data.replace(b"<NamHoc>", b"<NamHoc> ", 1)
    results = {s.id: s.code for s in verify_document(tampered, trust).signatures}
    assert results["SX-DV"] == "HB004"


def test_a_signxml_signature_keeps_verifying_with_signxml_after_the_arrangement(
    signed_secondary: bytes, pki: TestPki, base_time: dt.datetime
) -> None:
    root = etree.fromstring(signed_secondary)
    for holder in root.findall("h:DSCKS/h:ChuKy", NS):
        root.find("h:DSCKS", NS).remove(holder)  # type: ignore[union-attr]
    data = _sign_dv_with_signxml(etree.tostring(root), pki, base_time)
    XMLVerifier().verify(
        copy.copy(data),
        ca_pem_file=str(pki.trust_dir / "root.pem"),
        expect_config=SIGNXML_PROFILE,
        id_attribute="Id",
    )
