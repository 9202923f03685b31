"""The signer writes exactly the profile, and refuses what the receiver would refuse."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from cryptography import x509
from lxml import etree

from hub.signing.profile import ECDSA_SHA256, EXC_C14N, RSA_SHA256, SHA256, Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import SigningError, sign_document
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .conftest import DS, NS, SIGNERS, TEACHERS, Documents, subjects_of

Provider = Callable[[str], MemoryProvider]


def _signature(data: bytes, role: str) -> etree._Element:
    root = etree.fromstring(data)
    found = root.findall(f"h:DSCKS/h:ChuKy[@VaiTro='{role}']/ds:Signature", NS)
    assert len(found) == 1
    return found[0]


def test_a_dv_signature_has_exactly_the_profile_shape(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    data = sign_document(documents.secondary, Role.DV, provider("school"), signing_time=base_time)
    signature = _signature(data, "DV")
    signature_id = signature.get("Id")
    assert signature_id
    assert [etree.QName(c).localname for c in signature] == [
        "SignedInfo",
        "SignatureValue",
        "KeyInfo",
        "Object",
    ]
    signed_info = signature.find("ds:SignedInfo", NS)
    assert signed_info is not None
    assert signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == EXC_C14N  # type: ignore[union-attr]
    assert signed_info.find("ds:SignatureMethod", NS).get("Algorithm") == RSA_SHA256  # type: ignore[union-attr]
    references = signed_info.findall("ds:Reference", NS)
    assert [r.get("URI") for r in references] == ["#DLHocBa", f"#{signature_id}-TG"]
    for reference in references:
        transforms = reference.findall("ds:Transforms/ds:Transform", NS)
        assert [t.get("Algorithm") for t in transforms] == [EXC_C14N]
        assert reference.find("ds:DigestMethod", NS).get("Algorithm") == SHA256  # type: ignore[union-attr]
    time_object = signature.find("ds:Object", NS)
    assert time_object is not None
    assert time_object.get("Id") == f"{signature_id}-TG"
    prop = time_object.find("ds:SignatureProperties/ds:SignatureProperty", NS)
    assert prop is not None
    assert prop.get("Target") == f"#{signature_id}"
    assert prop.findtext("h:ThoiGianKy", namespaces=NS) == base_time.isoformat()
    certificates = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    leaf = x509.load_der_x509_certificate(base64.b64decode(certificates[0].text or ""))
    assert leaf == provider("school").certificate_chain()[0]
    # The data digest is the SHA-256 of DLHocBa's exclusive canonical form.
    data_root = etree.fromstring(data).find("h:DLHocBa", NS)
    assert data_root is not None
    expected = hashlib.sha256(etree.tostring(data_root, method="c14n", exclusive=True)).digest()
    assert (
        base64.b64decode(references[0].findtext("ds:DigestValue", namespaces=NS) or "") == expected
    )


def test_a_gvbm_signature_references_its_subject(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    code = subjects_of(documents.secondary)[0]
    data = sign_document(
        documents.secondary,
        "GVBM",
        provider("teacher-1"),
        subject_code=code,
        signing_time=base_time,
    )
    root = etree.fromstring(data)
    holder = root.find("h:DSCKS/h:ChuKy", NS)
    assert holder is not None
    assert holder.get("MaMon") == code
    uris = [r.get("URI") for r in holder.findall("ds:Signature/ds:SignedInfo/ds:Reference", NS)]
    assert uris[0] == f"#Mon-{code}"


def test_signing_is_deterministic(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    first = sign_document(documents.secondary, "GVCN", provider("homeroom"), signing_time=base_time)
    second = sign_document(
        documents.secondary, "GVCN", provider("homeroom"), signing_time=base_time
    )
    assert first == second


def test_an_ec_key_signs_with_ecdsa_sha256_and_verifies(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    code = subjects_of(documents.secondary)[TEACHERS.index("teacher-ec")]  # hers (conftest)
    data = sign_document(
        documents.secondary,
        "GVBM",
        provider("teacher-ec"),
        subject_code=code,
        signing_time=base_time,
    )
    method = _signature(data, "GVBM").find("ds:SignedInfo/ds:SignatureMethod", NS)
    assert method is not None
    assert method.get("Algorithm") == ECDSA_SHA256
    report = verify_document(data, trust)
    assert [(s.role, s.valid) for s in report.signatures] == [("GVBM", True)]


def test_signature_ids_stay_unique_when_the_default_is_taken(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    taken = documents.secondary.replace(b"<TenLop>", b'<TenLop Id="CKS-GVCN">', 1)
    data = sign_document(taken, "GVCN", provider("homeroom"), signing_time=base_time)
    assert _signature(data, "GVCN").get("Id") == "CKS-GVCN-2"


def test_a_tree_is_signed_in_place(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    tree = etree.fromstring(documents.secondary).getroottree()
    sign_document(tree, "HT", provider("principal"), signing_time=base_time)
    assert tree.find("h:DSCKS/h:ChuKy", NS).get("VaiTro") == "HT"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("HT", "GVCN", "must sign before"),
        ("DV", "HT", "must sign before"),
        ("GVCN", "GVCN", "already has a GVCN"),
        ("DV", "DV", "already has a DV"),
    ],
)
def test_roles_out_of_order_or_twice_are_refused(
    documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    first: str,
    then: str,
    message: str,
) -> None:
    data = sign_document(
        documents.secondary, first, provider(SIGNERS[Role(first)]), signing_time=base_time
    )
    later = base_time + dt.timedelta(hours=1)
    with pytest.raises(SigningError, match=message):
        sign_document(data, then, provider(SIGNERS[Role(then)]), signing_time=later)


def test_a_gvbm_after_the_homeroom_teacher_is_refused(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    data = sign_document(documents.secondary, "GVCN", provider("homeroom"), signing_time=base_time)
    code = subjects_of(documents.secondary)[0]
    with pytest.raises(SigningError, match="GVCN has already signed"):
        sign_document(
            data, "GVBM", provider("teacher-1"), subject_code=code, signing_time=base_time
        )


def test_a_signing_time_before_an_earlier_role_is_refused(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    data = sign_document(documents.secondary, "GVCN", provider("homeroom"), signing_time=base_time)
    with pytest.raises(SigningError, match="is before the GVCN signature"):
        sign_document(
            data, "HT", provider("principal"), signing_time=base_time - dt.timedelta(minutes=5)
        )


@pytest.mark.parametrize(
    ("role", "subject", "message"),
    [
        ("GVBM", "KHONGCO", "no subject KHONGCO"),
        ("GVBM", None, "goes with the GVBM role"),
        ("GVCN", "TOAN", "goes with the GVBM role"),
    ],
)
def test_subject_codes_are_checked(
    documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    role: str,
    subject: str | None,
    message: str,
) -> None:
    with pytest.raises(SigningError, match=message):
        sign_document(
            documents.secondary,
            role,
            provider("teacher-1"),
            subject_code=subject,
            signing_time=base_time,
        )


def test_a_gvbm_on_a_primary_document_is_refused(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    with pytest.raises(SigningError, match="only for secondary"):
        sign_document(
            documents.primary,
            "GVBM",
            provider("teacher-1"),
            subject_code="TOAN",
            signing_time=base_time,
        )


def test_a_signing_time_without_offset_is_refused(documents: Documents, provider: Provider) -> None:
    with pytest.raises(SigningError, match="UTC offset"):
        sign_document(
            documents.secondary,
            "DV",
            provider("school"),
            signing_time=dt.datetime(2025, 6, 1, 8, 0),
        )


def test_a_document_that_is_not_a_transcript_is_refused(
    provider: Provider, base_time: dt.datetime
) -> None:
    with pytest.raises(SigningError, match="not a transcript"):
        sign_document(b"<a/>", "DV", provider("school"), signing_time=base_time)


def test_the_signed_document_keeps_one_ds_namespace_declaration(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    data = sign_document(documents.secondary, "DV", provider("school"), signing_time=base_time)
    assert data.count(f'xmlns:ds="{DS}"'.encode()) == 1
