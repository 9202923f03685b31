"""Injected defects: one per transcript at most, recorded in the ledger, changing what they say."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import replace

import pytest

from hub.codes import load_codes
from hub.errors import UsageError
from hub.gen import DefectKind, Generated, GenSettings, generate
from hub.gen.kinds import EXPECTED_CODE


def _comparable(name: str) -> str:
    """How the sector database compares names: case, spaces and normal form ignored."""
    return unicodedata.normalize("NFC", name).strip().casefold()


@pytest.fixture(scope="module")
def clean(defective_settings: GenSettings) -> dict[str, Generated]:
    items = generate(replace(defective_settings, defects={}))
    return {g.transcript.header.record_id: g for g in items}


def test_every_kind_is_injected_and_recorded(defective: list[Generated]) -> None:
    ledger = [g.defect for g in defective if g.defect is not None]
    kinds = Counter(entry.kind for entry in ledger)
    assert set(kinds) == set(DefectKind)
    for entry in ledger:
        assert entry.code == EXPECTED_CODE[entry.kind]
        # A missing subject is reported where the spec says, which names no element.
        assert entry.xpath.startswith("/HocBaSo/DLHocBa/") or (
            entry.kind is DefectKind.MISSING_COMPULSORY_SUBJECT
            and entry.xpath == "/HocBa/DLHocBa/KetQuaHocTap"
        )
    record_ids = [entry.record_id for entry in ledger]
    assert len(set(record_ids)) == len(record_ids)  # one defect per transcript at most


def test_rates_are_shares_of_applicable_transcripts(defective: list[Generated]) -> None:
    kinds = Counter(g.defect.kind for g in defective if g.defect is not None)
    # 5 % of ~760 transcripts: the kinds that apply to every transcript land near 38.
    for kind in (DefectKind.ROSTER_NAME_DIFFERS, DefectKind.FOREIGN_WITHOUT_DOCUMENTS):
        assert 15 <= kinds[kind] <= 65, (kind, kinds[kind])
    assert sum(kinds.values()) < len(defective) * 0.8


def test_document_defects_change_the_transcript_only(
    defective: list[Generated], clean: dict[str, Generated]
) -> None:
    for g in defective:
        if g.defect is None or g.defect.kind.roster_side:
            continue
        before = clean[g.defect.record_id]
        assert g.transcript != before.transcript, g.defect
        if g.defect.kind is DefectKind.FOREIGN_WITHOUT_DOCUMENTS:
            assert g.transcript.learner.foreign_document is None
            assert g.transcript.learner.nationality != "VN"
            assert g.roster == replace(before.roster, personal_id=None) if before.roster else False
        else:
            assert g.roster == before.roster


def test_roster_defects_change_the_roster_only(
    defective: list[Generated], clean: dict[str, Generated]
) -> None:
    school_codes = {g.transcript.header.school_code for g in defective}
    for g in defective:
        if g.defect is None or not g.defect.kind.roster_side:
            continue
        before = clean[g.defect.record_id]
        assert g.transcript == before.transcript
        kind = g.defect.kind
        if kind is DefectKind.NOT_IN_SECTOR_DATABASE:
            assert g.roster is None
            continue
        assert g.roster is not None
        if kind is DefectKind.ROSTER_NAME_DIFFERS:
            assert _comparable(g.roster.full_name) != _comparable(g.transcript.learner.full_name)
            assert unicodedata.is_normalized("NFC", g.roster.full_name)
        else:
            assert g.roster.school_code not in school_codes
            assert g.roster.school_code[:3] == g.transcript.header.school_code[:3]


def test_defect_xpaths_point_at_the_changed_subject(defective: list[Generated]) -> None:
    for g in defective:
        if g.defect is None or "MonHoc[@MaMon=" not in g.defect.xpath:
            continue
        code = g.defect.xpath.split("MonHoc[@MaMon='")[1].split("'")[0]
        assert g.transcript.results is not None
        assert code in {s.code for s in g.transcript.results.subjects}


def test_rates_adding_up_to_more_than_one_are_refused() -> None:
    settings = GenSettings(defects={DefectKind.MISSING_ID: 0.6, DefectKind.WRONG_TITLE: 0.6})
    with pytest.raises(UsageError, match="add up to more than 1"):
        settings.check(load_codes())
