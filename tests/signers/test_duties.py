"""The substitute rule in the store: who signs a slot on a day, what a person owes."""

from __future__ import annotations

from datetime import date

from hub.signers import (
    Assignment,
    Person,
    Position,
    Role,
    owed,
    record_assignments,
    who_signs,
)
from hub.store import Store

SCHOOL, YEAR = "79000001", "2024-2025"
AN = Person("Lê Văn An", "079085001234", "GV01")
BINH = Person("Trần Thị Bình", "079185004321")
CUONG = Person("Phạm Văn Cường", "001080009999")


def _gvbm(person: Person, start: date, klass: str = "8A1", subject: str = "TOAN") -> Assignment:
    return Assignment(SCHOOL, YEAR, Role.GVBM, klass, subject, person, start, origin="test")


def test_a_substitute_signs_from_the_day_they_took_over(store: Store) -> None:
    with store.write() as s:
        record_assignments(s, [_gvbm(AN, date(2024, 8, 1))])
        done = record_assignments(s, [_gvbm(BINH, date(2025, 3, 10))])
    assert (done.added, done.closed) == (1, 1)
    with store.read() as s:
        before = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM, on=date(2025, 3, 9))
        on_the_day = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM, on=date(2025, 3, 10))
        signing_day = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM)  # 31 May
        other = who_signs(s, SCHOOL, YEAR, "8A1", "NV", Role.GVBM)
        too_early = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM, on=date(2024, 7, 1))
    assert before is not None
    assert before.person == AN
    assert before.valid_until == date(2025, 3, 10)
    assert on_the_day is not None
    assert on_the_day.person == BINH
    assert signing_day is not None
    assert signing_day.person == BINH
    assert signing_day.valid_until is None
    assert other is None  # nobody assigned: the signing stage reports it
    assert too_early is None


def test_recording_the_same_assignments_again_adds_no_row(store: Store) -> None:
    batch = [
        _gvbm(AN, date(2024, 8, 1)),
        Assignment(SCHOOL, YEAR, Role.GVCN, "8A1", None, AN, date(2024, 8, 1)),
        Assignment(
            SCHOOL, YEAR, Role.HT, None, None, CUONG, date(2024, 8, 1),
            position=Position.PRINCIPAL,
        ),
    ]  # fmt: skip
    with store.write() as s:
        first = record_assignments(s, batch)
    with store.write() as s:
        again = record_assignments(s, batch)
        later = record_assignments(s, [_gvbm(AN, date(2025, 1, 1))])  # still the same teacher
    assert first.added == 3
    assert (again.added, again.unchanged) == (0, 3)
    assert (later.added, later.closed, later.unchanged) == (0, 0, 1)
    with store.read() as s:
        from hub.signers import assignments

        assert len(assignments(s, SCHOOL, YEAR)) == 3
        principal = who_signs(s, SCHOOL, YEAR, None, None, Role.HT)
    assert principal is not None
    assert principal.position is Position.PRINCIPAL


def test_an_assignment_recorded_before_a_later_one_ends_where_it_starts(store: Store) -> None:
    with store.write() as s:
        record_assignments(s, [_gvbm(BINH, date(2025, 3, 10))])
        record_assignments(s, [_gvbm(AN, date(2024, 8, 1))])  # the earlier file, imported late
    with store.read() as s:
        first = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM, on=date(2024, 9, 1))
        last = who_signs(s, SCHOOL, YEAR, "8A1", "TOAN", Role.GVBM)
    assert first is not None
    assert first.person == AN
    assert first.valid_until == date(2025, 3, 10)
    assert last is not None
    assert last.person == BINH


def test_owed_lists_what_a_person_signs_on_the_signing_day(store: Store) -> None:
    with store.write() as s:
        record_assignments(
            s,
            [
                _gvbm(AN, date(2024, 8, 1), "8A2"),
                _gvbm(AN, date(2024, 8, 1), "8A1"),
                Assignment(SCHOOL, YEAR, Role.GVCN, "8A1", None, AN, date(2024, 8, 1)),
                _gvbm(AN, date(2024, 8, 1), "8A1", "VL"),
            ],
        )
        record_assignments(s, [_gvbm(BINH, date(2025, 3, 10), "8A1", "VL")])
    with store.read() as s:
        duties = owed(s, SCHOOL, YEAR, AN.personal_id)
        in_january = owed(s, SCHOOL, YEAR, AN.personal_id, on=date(2025, 1, 15))
        nobody = owed(s, SCHOOL, YEAR, "000000000000")
    assert [(a.role, a.class_name, a.subject) for a in duties] == [
        (Role.GVBM, "8A1", "TOAN"),
        (Role.GVBM, "8A2", "TOAN"),
        (Role.GVCN, "8A1", None),
    ]
    assert (Role.GVBM, "8A1", "VL") in [(a.role, a.class_name, a.subject) for a in in_january]
    assert nobody == []
