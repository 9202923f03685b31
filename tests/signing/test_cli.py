"""`hub pki init`, `hub sign` and `hub verify` end to end, through click."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from hub.cli import main
from hub.signing.named import named_person, people_named
from hub.signing.pki import DEFAULT_TEST_PASSWORD, TestPki
from hub.signing.profile import Role
from hub.signing.providers import Pkcs12FolderProvider, Pkcs12Provider
from hub.signing.sign import sign_document

from .conftest import TEACHERS, Documents, H, subjects_of


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", DEFAULT_TEST_PASSWORD)
    return CliRunner()


def test_pki_init_writes_a_usable_trust_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["pki", "init", str(tmp_path / "pki"), "--school-code", "01000001"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pki" / "README.txt").is_file()
    assert (tmp_path / "pki" / "trust" / "root.pem").is_file()
    again = runner.invoke(main, ["pki", "init", str(tmp_path / "pki")])
    assert again.exit_code == 2
    assert "not empty" in again.output


def test_pki_init_refuses_a_bad_school_code(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["pki", "init", str(tmp_path / "p"), "--school-code", "12"])
    assert result.exit_code == 2
    assert "8 digits" in result.output


def _sign(runner: CliRunner, source: Path, out: Path, role: str, *key: str) -> None:
    result = runner.invoke(main, ["sign", str(source), "--role", role, *key, "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_sign_every_role_then_verify(
    runner: CliRunner, tmp_path: Path, documents: Documents, pki: TestPki
) -> None:
    current = tmp_path / "doc.xml"
    current.write_bytes(documents.secondary)
    for i, code in enumerate(subjects_of(documents.secondary)):
        teacher = pki[TEACHERS[i % len(TEACHERS)]]  # the teacher the document names (1.0.1)
        _sign(runner, current, current, "GVBM", "--subject", code, "--p12", str(teacher.p12_path))
    homeroom = pki["homeroom"]
    _sign(
        runner,
        current,
        current,
        "GVCN",
        "--key",
        str(homeroom.key_path),
        "--cert",
        str(homeroom.cert_path),
    )
    _sign(runner, current, current, "HT", "--p12", str(pki["principal"].p12_path))
    signed = tmp_path / "out" / "signed.xml"
    (tmp_path / "out").mkdir()
    _sign(runner, current, signed, "DV", "--p12", str(pki["school"].p12_path))

    text = runner.invoke(main, ["verify", str(signed), "--trust", str(pki.trust_dir)])
    assert text.exit_code == 0, text.output
    assert "OK" in text.output
    assert "CKS-DV" in text.output
    assert f"{pki['school'].certificate.serial_number:X}" in text.output

    as_json = runner.invoke(
        main, ["verify", str(signed), "--trust", str(pki.trust_dir), "--format", "json"]
    )
    assert as_json.exit_code == 0
    (entry,) = json.loads(as_json.output)
    assert entry["file"] == str(signed)
    assert entry["findings"] == []
    assert [s["role"] for s in entry["signatures"]][-3:] == ["GVCN", "HT", "DV"]
    assert all(s["valid"] and s["code"] is None for s in entry["signatures"])
    assert set(entry["signatures"][0]) == {
        "id",
        "role",
        "subject",
        "serial",
        "signing_time",
        "valid",
        "code",
    }
    # A teacher's certificate carries CCCD:<12-digit personal ID>: never shown whole.
    teacher_id = pki["homeroom"].certificate.subject.rfc4514_string().split("CCCD:")[1][:12]
    assert teacher_id not in text.output
    assert teacher_id not in as_json.output
    gvcn = next(s for s in entry["signatures"] if s["role"] == "GVCN")
    assert f"CCCD:*********{teacher_id[-3:]}" in gvcn["subject"]


def test_verify_exits_1_for_an_incomplete_document_and_prints_findings_as_json(
    runner: CliRunner, tmp_path: Path, documents: Documents, pki: TestPki
) -> None:
    source = tmp_path / "doc.xml"
    source.write_bytes(documents.primary)
    _sign(runner, source, source, "HT", "--p12", str(pki["principal"].p12_path))
    result = runner.invoke(
        main, ["verify", str(source), "--trust", str(pki.trust_dir), "--format", "json"]
    )
    assert result.exit_code == 1
    (entry,) = json.loads(result.output)
    assert [s["valid"] for s in entry["signatures"]] == [True]
    findings = entry["findings"]
    assert {f["code"] for f in findings} == {"HB006"}
    assert sorted(f["xpath"] for f in findings) == [
        "/HocBaSo/DSCKS/ChuKy[@VaiTro='DV']",
        "/HocBaSo/DSCKS/ChuKy[@VaiTro='GVCN']",
    ]
    assert set(findings[0]) == {"code", "severity", "xpath", "message_vi", "message_en"}


def test_verify_exits_2_for_a_missing_file_or_trust_folder(
    runner: CliRunner, tmp_path: Path, pki: TestPki
) -> None:
    missing = runner.invoke(
        main, ["verify", str(tmp_path / "nope.xml"), "--trust", str(pki.trust_dir)]
    )
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    no_trust = runner.invoke(
        main, ["verify", str(tmp_path / "x.xml"), "--trust", str(tmp_path / "t")]
    )
    assert no_trust.exit_code == 2
    assert "not a trust folder" in no_trust.output


def test_sign_refuses_an_ambiguous_key_source_and_a_wrong_password(
    runner: CliRunner,
    tmp_path: Path,
    documents: Documents,
    pki: TestPki,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "doc.xml"
    source.write_bytes(documents.primary)
    out = tmp_path / "out.xml"
    both = runner.invoke(main, ["sign", str(source), "--role", "DV", "--out", str(out)])
    assert both.exit_code == 2
    assert "exactly one key source" in both.output
    monkeypatch.setenv("HUB_SIGNING_PASSWORD", "wrong")
    wrong = runner.invoke(
        main,
        [
            "sign",
            str(source),
            "--role",
            "DV",
            "--p12",
            str(pki["school"].p12_path),
            "--out",
            str(out),
        ],
    )
    assert wrong.exit_code == 2
    assert "wrong password" in wrong.output
    assert not out.exists()


def test_sign_exits_1_and_writes_nothing_when_a_document_cannot_take_the_role(
    runner: CliRunner, tmp_path: Path, documents: Documents, pki: TestPki
) -> None:
    source = tmp_path / "doc.xml"
    source.write_bytes(documents.primary)
    out = tmp_path / "out.xml"
    result = runner.invoke(
        main,
        [
            "sign",
            str(source),
            "--role",
            "GVBM",
            "--subject",
            "TOAN",
            "--p12",
            str(pki["teacher-1"].p12_path),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "only for secondary" in result.output
    assert not out.exists()


def test_sign_takes_a_signing_time_with_offset_only(
    runner: CliRunner, tmp_path: Path, documents: Documents, pki: TestPki
) -> None:
    source = tmp_path / "doc.xml"
    source.write_bytes(documents.primary)
    args = [
        "sign",
        str(source),
        "--role",
        "HT",
        "--p12",
        str(pki["principal"].p12_path),
        "--out",
        str(tmp_path / "o.xml"),
        "--signing-time",
    ]
    assert runner.invoke(main, [*args, "2025-06-01T08:00:00"]).exit_code == 2
    ok = runner.invoke(main, [*args, "2025-06-01T08:00:00+07:00"])
    assert ok.exit_code == 0, ok.output
    assert (
        b"<ThoiGianKy>2025-06-01T08:00:00+07:00</ThoiGianKy>" in (tmp_path / "o.xml").read_bytes()
    )


def test_pki_init_issues_the_people_a_document_names_and_they_sign_it(
    runner: CliRunner, tmp_path: Path, generated_documents: Documents
) -> None:
    """`--people-from`: a certificate for each teacher, the homeroom teacher and the principal
    the document names, in people/, which a pkcs12-folder provider signs from (1.0.1)."""
    source = tmp_path / "doc.xml"
    source.write_bytes(generated_documents.secondary)
    directory = tmp_path / "pki"
    result = runner.invoke(
        main,
        [
            "pki", "init", str(directory), "--school-code", generated_documents.school_code,
            "--people-from", str(source), "--person", "Người Thêm Vào",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    root = etree.fromstring(generated_documents.secondary)
    wanted = {person.name for person in people_named(root)} | {"Người Thêm Vào"}
    assert f"{len(wanted)} people" in result.output
    people = Pkcs12FolderProvider(directory / "people", "HUB_SIGNING_PASSWORD")
    data = generated_documents.secondary
    tree = etree.fromstring(data).getroottree()
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for code in subjects_of(data):
        subject = tree.getroot().find(f".//{{{H}}}MonHoc[@MaMon='{code}']")
        assert subject is not None
        person = named_person(subject, Role.GVBM)
        assert person is not None
        sign_document(
            tree, Role.GVBM, people.signer_for(person), subject_code=code, signing_time=when
        )
    data_root = tree.getroot().find(f"{{{H}}}DLHocBa")
    assert data_root is not None
    for role in (Role.GVCN, Role.HT):
        person = named_person(data_root, role)
        assert person is not None
        sign_document(tree, role, people.signer_for(person), signing_time=when)
    seal = Pkcs12Provider(directory / "signers" / "school.p12")
    sign_document(tree, Role.DV, seal, signing_time=when)
    signed = tmp_path / "signed.xml"
    signed.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    verified = runner.invoke(main, ["verify", str(signed), "--trust", str(directory / "trust")])
    assert verified.exit_code == 0, verified.output


def test_pki_init_refuses_a_document_it_cannot_read(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<HocBaSo")
    result = runner.invoke(main, ["pki", "init", str(tmp_path / "p"), "--people-from", str(bad)])
    assert result.exit_code == 2
    assert "well-formed" in result.output
