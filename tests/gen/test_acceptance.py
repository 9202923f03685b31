"""Issue 2's acceptance for the generator: clean documents pass, each defect is found as recorded.

Clean documents of every grade 1-12 and GDTX validate against the XSD and pass every rule with
no error finding; each injected document-side defect is reported by the hub's own document
check with the ledger's code and XPath; each roster-side defect makes the identity comparison
against the generated roster (what the ministry sandbox will do) report the ledger's code.
"""

from __future__ import annotations

import unicodedata

import pytest

from hub import xpath
from hub.document.build import build_document
from hub.document.check import check_document
from hub.document.parse import parse_document
from hub.findings import Finding
from hub.gen import DEFAULT_TODAY, DefectKind, Generated, RosterEntry
from hub.model import GRADES, Transcript


def _errors(data: bytes) -> list[Finding]:
    """The error findings of the hub's document check, judged on the generator's "today"."""
    return [f for f in check_document(data, today=DEFAULT_TODAY).findings if f.is_error]


def _comparable(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


def _roster_findings(t: Transcript, roster: dict[str, RosterEntry]) -> set[tuple[str, str]]:
    """The sector-database comparison of ministry-service.md (HB103, HB104, HB105)."""
    entry = roster.get(t.learner.learner_code)
    if entry is None:
        return {("HB103", xpath.learner("MaHocSinh"))}
    found = set()
    if _comparable(entry.full_name) != _comparable(t.learner.full_name):
        found.add(("HB104", xpath.learner("HoVaTen")))
    if (entry.school_code, entry.school_year) != (t.header.school_code, t.header.school_year):
        found.add(("HB105", xpath.header("MaTruong")))
    return found


def test_clean_documents_of_every_grade_pass_schema_and_rules(
    small: list[Generated], varied: list[Generated]
) -> None:
    seen = set()
    for g in (*small, *varied):
        data = build_document(g.transcript)
        assert parse_document(data) == g.transcript  # XSD-valid, and the round trip holds
        errors = _errors(data)
        assert errors == [], (g.transcript.header.record_id, errors)
        seen.add((g.transcript.header.level, g.transcript.header.grade))
    assert seen == {(level, grade) for level, grades in GRADES.items() for grade in grades}


@pytest.mark.parametrize(
    "kind", [k for k in DefectKind if not k.roster_side], ids=lambda k: k.value
)
def test_each_document_defect_is_reported_as_recorded(
    defective: list[Generated], kind: DefectKind
) -> None:
    hits = [g for g in defective if g.defect is not None and g.defect.kind is kind]
    assert hits
    for g in hits:
        assert g.defect is not None
        data = build_document(g.transcript)
        assert parse_document(data) == g.transcript  # a defect never breaks the schema
        errors = {(f.code, f.xpath) for f in _errors(data)}
        assert (g.defect.code, g.defect.xpath) in errors, (g.defect, errors)
        assert {code for code, _ in errors} == {g.defect.code}, (g.defect, errors)


@pytest.mark.parametrize("kind", [k for k in DefectKind if k.roster_side], ids=lambda k: k.value)
def test_each_roster_defect_is_found_against_the_roster(
    defective: list[Generated], kind: DefectKind
) -> None:
    roster = {g.roster.learner_code: g.roster for g in defective if g.roster is not None}
    hits = [g for g in defective if g.defect is not None and g.defect.kind is kind]
    assert hits
    for g in hits:
        assert g.defect is not None
        assert _roster_findings(g.transcript, roster) == {(g.defect.code, g.defect.xpath)}
        # The document itself is clean: only the sector database disagrees.
        assert _errors(build_document(g.transcript)) == []
    clean = [g for g in defective if g.defect is None]
    assert all(_roster_findings(g.transcript, roster) == set() for g in clean)
