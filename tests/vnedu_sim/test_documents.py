"""hub.testing's vendor documents: signed by each named person then the seal, they pass the
hub's own receiver checks (`hub verify`, `hub validate`); the wrong ones fail as they must."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.api import SchoolLevel
from hub.cli import main
from hub.document.parse import parse_document
from hub.model import ScoredSubject, SecondaryResults, Transcript
from hub.signing.providers.base import SignerNotFound
from hub.testing import (
    VendorKeys,
    altered_score,
    sample_transcripts,
    school_pki,
    unsigned_document,
)


@pytest.fixture(scope="module")
def secondary() -> Transcript:
    found = next(
        t for t in sample_transcripts(SchoolLevel.LOWER_SECONDARY, 4, seed=11) if t.results
    )
    return found


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory, secondary: Transcript) -> Path:
    """A test PKI written by `hub pki init --people-from` the transcript's document."""
    folder = tmp_path_factory.mktemp("pki")
    document = folder / "unsigned.xml"
    document.write_bytes(unsigned_document(secondary))
    header = secondary.header
    result = CliRunner().invoke(
        main,
        ["pki", "init", str(folder / "pki"), "--school-code", header.school_code,
         "--school-name", header.school_name, "--people-from", str(document)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder / "pki"


def _verify(path: Path, trust: Path) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["verify", str(path), "--trust", str(trust),
                                       "--format", "json"])  # fmt: skip
    return result.exit_code, json.loads(result.output)


def test_a_vendor_signed_document_passes_hub_verify_and_hub_validate(
    tmp_path: Path, pki_dir: Path, secondary: Transcript
) -> None:
    path = tmp_path / "signed.xml"
    path.write_bytes(VendorKeys.from_folder(pki_dir).sign(secondary))
    status, results = _verify(path, pki_dir / "trust")
    assert status == 0
    signatures = results[0]["signatures"]
    assert isinstance(signatures, list)
    assert isinstance(secondary.results, SecondaryResults)
    roles = [s["role"] for s in signatures]
    assert roles == ["GVBM"] * len(secondary.results.subjects) + ["GVCN", "HT", "DV"]
    assert all(s["valid"] for s in signatures)
    validated = CliRunner().invoke(main, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output
    assert parse_document(path.read_bytes()) == secondary


def test_a_primary_document_is_signed_without_subject_teachers(tmp_path: Path) -> None:
    learners = [t for t in sample_transcripts(SchoolLevel.PRIMARY, 3, seed=2) if t.results]
    pki = school_pki(tmp_path / "pki", learners)
    path = tmp_path / "primary.xml"
    path.write_bytes(VendorKeys.from_folder(pki.directory).sign(learners[0]))
    status, results = _verify(path, pki.trust_dir)
    assert status == 0
    signatures = results[0]["signatures"]
    assert isinstance(signatures, list)
    assert [s["role"] for s in signatures] == ["GVCN", "HT", "DV"]


def test_a_bad_signature_fails_hub_verify_with_hb004_on_the_seal(
    tmp_path: Path, pki_dir: Path, secondary: Transcript
) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(VendorKeys.from_folder(pki_dir).bad_signature(secondary))
    status, results = _verify(path, pki_dir / "trust")
    assert status == 1
    signatures = results[0]["signatures"]
    assert isinstance(signatures, list)
    failed = [(s["role"], s["code"]) for s in signatures if not s["valid"]]
    assert failed == [("DV", "HB004")]
    assert parse_document(path.read_bytes()) == secondary  # the content is the data's


def test_wrong_content_is_signed_validly_but_differs_from_the_data_in_one_score(
    tmp_path: Path, pki_dir: Path, secondary: Transcript
) -> None:
    keys = VendorKeys.from_folder(pki_dir)
    for given in (secondary, unsigned_document(secondary)):
        path = tmp_path / "wrong.xml"
        path.write_bytes(keys.wrong_content(given))
        assert _verify(path, pki_dir / "trust")[0] == 0
        assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
        signed = parse_document(path.read_bytes())
        assert signed != secondary
        assert signed == altered_score(secondary)[0]
    assert isinstance(secondary.results, SecondaryResults)
    changed = altered_score(secondary)[0].results
    assert isinstance(changed, SecondaryResults)
    differing = [
        (a.code, a.semester1.regular, b.semester1.regular, a.semester2.regular, b.semester2.regular)
        for a, b in zip(secondary.results.subjects, changed.subjects, strict=True)
        if a != b
    ]
    assert len(differing) == 1
    before = next(s for s in secondary.results.subjects if s.code == differing[0][0])
    assert isinstance(before, ScoredSubject)
    # The same scores in another order: the averages, hence the rules, still hold.
    assert sorted(differing[0][1] + differing[0][3]) == sorted(differing[0][2] + differing[0][4])


def test_a_person_without_a_key_is_not_signed_for_by_someone_else(
    tmp_path: Path, pki_dir: Path
) -> None:
    stranger = next(
        t for t in sample_transcripts(SchoolLevel.LOWER_SECONDARY, 4, seed=99) if t.results
    )
    with pytest.raises(SignerNotFound):
        VendorKeys.from_folder(pki_dir).sign(stranger)
