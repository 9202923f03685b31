"""A source's signatories (SMAS's "who signs") recorded as assignments."""

from __future__ import annotations

from datetime import date

from hub.api import Signatory
from hub.signers import Position, Role, from_signatories, record_assignments, who_signs
from hub.store import Store

SCHOOL, YEAR = "79000002", "2024-2025"
PEOPLE = (
    Signatory("GVBM", "Lê Văn An", "079085001234", "TOAN", None, "T1"),
    Signatory("GVCN", "Trần Thị Bình", "079185004321", None, None, "T2"),
    Signatory("HT", "Phạm Văn Cường", "001080009999", None, "PHO_HIEU_TRUONG", "T3"),
    Signatory("GVBM", "Không Số", None, "NV", None, "T4"),  # no ID: cannot be asked to sign
)


def test_signatories_become_assignments_and_those_without_an_id_are_handed_back(
    store: Store,
) -> None:
    found, unusable = from_signatories(
        SCHOOL, YEAR, "10A1", PEOPLE, "smas/79000002", date(2025, 5, 20)
    )
    assert [s.name for s in unusable] == ["Không Số"]
    with store.write() as s:
        assert record_assignments(s, found).added == 3
        assert record_assignments(s, found).unchanged == 3
    with store.read() as s:
        maths = who_signs(s, SCHOOL, YEAR, "10A1", "TOAN", Role.GVBM)
        head = who_signs(s, SCHOOL, YEAR, "anything", None, Role.HT)
    assert maths is not None
    assert maths.person.teacher_key == "T1"
    assert maths.origin == "smas/79000002"
    assert head is not None
    assert head.position is Position.VICE_PRINCIPAL
