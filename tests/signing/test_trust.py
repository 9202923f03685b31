"""The trust store: reading the folder, chains at the signing time, usage, revocation."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from cryptography import x509

from hub.signing.pki import TestPki
from hub.signing.trust import TrustStore, TrustStoreError, school_codes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_the_folder_gives_roots_intermediates_and_the_crl(pki: TestPki, trust: TrustStore) -> None:
    assert trust.check(pki["school"].chain, _now()) == []
    # The document need not bring the intermediate: the folder holds it.
    assert trust.check([pki["school"].certificate], _now()) == []
    assert "revoked" in trust.check(pki["revoked"].chain, _now())[0].message_en


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("expired", "had expired at signing time"),
        ("not-yet-valid", "was not yet valid at signing time"),
        ("wrong-usage", "lacks the digitalSignature or nonRepudiation key usage"),
        ("untrusted", "does not chain to a trusted root"),
    ],
)
def test_each_faulty_certificate_has_its_message(
    pki: TestPki, trust: TrustStore, name: str, message: str
) -> None:
    problems = trust.check(pki[name].chain, _now())
    assert len(problems) == 1
    assert message in problems[0].message_en
    assert problems[0].message_vi


def test_validity_is_judged_at_the_signing_time_not_now(pki: TestPki, trust: TrustStore) -> None:
    expired = pki["expired"].certificate
    during = expired.not_valid_before_utc + dt.timedelta(days=10)
    assert trust.check(pki["expired"].chain, during) == []
    # The same chain, checked again at another moment, is re-judged (not served stale).
    assert trust.check(pki["expired"].chain, _now()) != []
    school = pki["school"]
    before_the_root = school.certificate.not_valid_before_utc - dt.timedelta(days=1)
    assert trust.check(school.chain, before_the_root) != []


def test_the_school_code_comes_from_the_uid(pki: TestPki) -> None:
    assert school_codes(pki["school"].certificate) == [pki.school_code]
    assert school_codes(pki["other-school"].certificate) == [pki.other_school_code]
    assert school_codes(pki["principal"].certificate) == []


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="no root certificate"):
        TrustStore.from_folder(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="not a trust folder"):
        TrustStore.from_folder(tmp_path / "absent")


def test_a_crl_signed_by_no_trusted_ca_is_refused(pki: TestPki, tmp_path: Path) -> None:
    folder = tmp_path / "trust"
    folder.mkdir()
    shutil.copy(pki.directory / "untrusted" / "untrusted-root.pem", folder / "root.pem")
    shutil.copy(pki.trust_dir / "issuing-ca.crl", folder / "issuing-ca.crl")
    with pytest.raises(TrustStoreError, match="not signed by a trusted CA"):
        TrustStore.from_folder(folder)


def test_a_garbage_certificate_file_is_named(pki: TestPki, tmp_path: Path) -> None:
    folder = tmp_path / "trust"
    shutil.copytree(pki.trust_dir, folder)
    (folder / "broken.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(TrustStoreError, match=r"broken\.pem"):
        TrustStore.from_folder(folder)


def test_der_files_are_read_too(pki: TestPki, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "root.cer").write_bytes(pki.root.public_bytes(Encoding.DER))
    store = TrustStore.from_folder(folder)
    assert store.check(pki["school"].chain, _now()) == []
    assert isinstance(pki.root, x509.Certificate)
