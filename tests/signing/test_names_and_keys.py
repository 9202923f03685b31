"""Version 1.0.1 of checks 5 and 6: keys weaker than RSA-2048 / P-256 are HB005, and a personal
certificate must name the person the document names for that signature (HB006).

Through `verify_document` and `hub verify`; the sandbox's side is tests/ministry.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from hub.cli import main
from hub.signing.pki import TestPki
from hub.signing.profile import Role
from hub.signing.providers import ProviderConfigError, SigningProvider
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import SigningError, append_signature, sign_document
from hub.signing.trust import TrustStore
from hub.signing.verify import VerifyReport, verify_document

from .conftest import SIGNERS, TEACHERS, Documents, common_name, name_people, subjects_of

Provider = Callable[[str], MemoryProvider]


def sign_roles(
    data: bytes,
    provider: Provider,
    base_time: dt.datetime,
    *,
    instead: Mapping[str, SigningProvider] | None = None,
    impostor: Mapping[str, SigningProvider] | None = None,
) -> bytes:
    """Every role in order, as the conftest's people; `instead` signs a role (or `GVBM:<MaMon>`)
    with another key through the signer's policy, `impostor` without it (what a forger does)."""
    instead, impostor = instead or {}, impostor or {}
    tree = etree.fromstring(data).getroottree()
    slots: list[tuple[Role, str | None, str, SigningProvider]] = []
    for i, code in enumerate(subjects_of(data) if b"<KetQuaTrungHoc>" in data else []):
        slots.append((Role.GVBM, code, f"GVBM:{code}", provider(TEACHERS[i % len(TEACHERS)])))
    slots += [(role, None, str(role), provider(name)) for role, name in SIGNERS.items()]
    for n, (role, code, key, own) in enumerate(slots):
        when = base_time + n * dt.timedelta(minutes=1)
        if key in impostor:
            append_signature(tree, role, impostor[key], subject_code=code, signing_time=when)
        else:
            signer = instead.get(key, own)
            sign_document(tree, role, signer, subject_code=code, signing_time=when)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def codes(report: VerifyReport) -> list[tuple[str, str]]:
    return [(f.code, f.xpath) for f in report.findings]


def at(signature_id: str) -> str:
    return f"/HocBaSo/DSCKS/ChuKy/Signature[@Id='{signature_id}']"


# --- HB006: whom the certificate names -------------------------------------------------------


def test_the_control_document_signed_by_the_people_it_names_verifies(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    # The DV's CN is the school's name, which names no person: the seal is not compared by
    # name (its MaTruong is).
    assert verify_document(sign_roles(documents.secondary, provider, base_time), trust).ok


@pytest.mark.parametrize(
    ("role", "stranger", "named_at"),
    [
        ("GVBM", "teacher-2", "MonHoc[@MaMon='{code}']/GiaoVien/HoTen"),
        ("GVCN", "teacher-1", "XacNhan/GVCN/HoTen"),
        ("HT", "homeroom", "XacNhan/HieuTruong/HoTen"),
    ],
)
def test_a_personal_certificate_of_someone_else_is_hb006(
    documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    trust: TrustStore,
    pki: TestPki,
    role: str,
    stranger: str,
    named_at: str,
) -> None:
    code = subjects_of(documents.secondary)[0]  # taught by teacher-1 (conftest)
    key = f"GVBM:{code}" if role == "GVBM" else role
    data = sign_roles(documents.secondary, provider, base_time, impostor={key: provider(stranger)})
    report = verify_document(data, trust)
    signature_id = f"CKS-GVBM-{code}" if role == "GVBM" else f"CKS-{role}"
    assert codes(report) == [("HB006", at(signature_id))]
    (finding,) = report.findings
    assert f"'{common_name(pki, stranger)}'" in finding.message_en
    assert named_at.format(code=code) in finding.message_en
    assert [s.id for s in report.signatures if not s.valid] == [signature_id]


def test_a_name_that_differs_only_by_case_nfd_and_spaces_is_the_same_person(
    generated_documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    trust: TrustStore,
    pki: TestPki,
) -> None:
    shouted = f"  {common_name(pki, 'homeroom').upper()}  ".replace(" ", "   ")
    decomposed = unicodedata.normalize("NFD", common_name(pki, "principal").lower())
    spaced = [common_name(pki, t).replace(" ", " \t ") for t in TEACHERS]
    assert shouted != common_name(pki, "homeroom")
    assert decomposed != common_name(pki, "principal")
    data = name_people(
        generated_documents.secondary, teachers=spaced, homeroom=shouted, principal=decomposed
    )
    report = verify_document(sign_roles(data, provider, base_time), trust)
    assert report.ok, report.findings


def test_a_name_that_differs_by_a_diacritic_is_another_person(
    documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    trust: TrustStore,
    pki: TestPki,
) -> None:
    homeroom = common_name(pki, "homeroom")  # Nguyễn Thị Lan
    other = homeroom.replace("Nguyễn", "Nguyên")
    assert other != homeroom
    data = name_people(documents.secondary, homeroom=other)
    with pytest.raises(SigningError, match="Nguyên Thị Lan"):
        sign_roles(data, provider, base_time)  # the signer refuses it (below)
    forged = sign_roles(data, provider, base_time, impostor={"GVCN": provider("homeroom")})
    assert codes(verify_document(forged, trust)) == [("HB006", at("CKS-GVCN"))]


def test_the_signer_refuses_a_certificate_that_names_someone_else(
    documents: Documents, provider: Provider, base_time: dt.datetime
) -> None:
    code = subjects_of(documents.secondary)[0]
    with pytest.raises(SigningError) as raised:
        sign_document(
            documents.secondary,
            Role.GVBM,
            provider("teacher-2"),
            subject_code=code,
            signing_time=base_time,
        )
    assert "Lê Thị Hoa" in raised.value.message_en  # the certificate's name
    assert "Trần Văn Minh" in raised.value.message_en  # the name the document gives
    assert f"MonHoc[@MaMon='{code}']/GiaoVien/HoTen" in raised.value.message_vi


# --- HB005: keys outside the profile ---------------------------------------------------------


@pytest.mark.parametrize(
    ("signer", "role", "described"),
    [("weak-rsa", "GVCN", "RSA 1024 bit"), ("ec-p384", "HT", "EC secp384r1")],
)
def test_a_key_outside_rsa_2048_or_p256_is_hb005(
    generated_documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    trust: TrustStore,
    pki: TestPki,
    signer: str,
    role: str,
    described: str,
) -> None:
    # The document names the weak key's holder, so that only the key is wrong.
    holder = common_name(pki, signer)
    people = {"homeroom": common_name(pki, "homeroom"), "principal": common_name(pki, "principal")}
    people["homeroom" if role == "GVCN" else "principal"] = holder
    data = name_people(
        generated_documents.secondary, teachers=[common_name(pki, t) for t in TEACHERS], **people
    )
    signed = sign_roles(data, provider, base_time, instead={role: pki.outside_profile(signer)})
    report = verify_document(signed, trust)
    assert codes(report) == [("HB005", at(f"CKS-{role}"))]
    assert described in report.findings[0].message_en
    assert "RSA of at least 2048 bits or EC P-256" in report.findings[0].message_en


def test_the_providers_of_the_hub_refuse_to_open_those_keys(pki: TestPki) -> None:
    for name in ("weak-rsa", "ec-p384"):
        with pytest.raises(ProviderConfigError, match="2048"):
            MemoryProvider(pki[name].key, pki[name].chain, name)


# --- through `hub verify` --------------------------------------------------------------------


def test_hub_verify_reports_hb005_and_hb006_and_exits_1(
    tmp_path: Path,
    generated_documents: Documents,
    documents: Documents,
    provider: Provider,
    base_time: dt.datetime,
    pki: TestPki,
) -> None:
    weak_holder = common_name(pki, "weak-rsa")
    weak = name_people(
        generated_documents.secondary,
        teachers=[common_name(pki, t) for t in TEACHERS],
        homeroom=weak_holder,
        principal=common_name(pki, "principal"),
    )
    files = {
        "weak.xml": sign_roles(
            weak, provider, base_time, instead={"GVCN": pki.outside_profile("weak-rsa")}
        ),
        "stranger.xml": sign_roles(
            documents.secondary, provider, base_time, impostor={"HT": provider("homeroom")}
        ),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    received = (base_time + dt.timedelta(days=1)).isoformat()
    result = CliRunner().invoke(
        main,
        ["verify", *paths, "--trust", str(pki.trust_dir), "--format", "json"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 1, result.output
    weak_entry, stranger_entry = json.loads(result.output)
    assert [(f["code"], f["xpath"]) for f in weak_entry["findings"]] == [("HB005", at("CKS-GVCN"))]
    assert [(f["code"], f["xpath"]) for f in stranger_entry["findings"]] == [
        ("HB006", at("CKS-HT"))
    ]
    text = CliRunner().invoke(
        main, ["verify", paths[1], "--trust", str(pki.trust_dir), "--received-at", received]
    )
    assert text.exit_code == 1
    assert "HB006" in text.output
    assert "Chứng thư của hiệu trưởng (HT) mang tên 'Nguyễn Thị Lan'" in text.output
