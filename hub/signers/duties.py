"""Assignments in the store: record them (idempotent), ask who signs a slot, what a person owes.

The substitute rule, as the rows keep it:

    slot GVBM/8A1/TOAN   Lê Văn A   from 2024-08-01   until 2025-03-10
                         Trần Thị B from 2025-03-10   until None        ← signs on 31 May

Recording an assignment for a slot:

| the slot on its from-day holds       | then                                                  |
|---|---|
| the same person (same personal ID)   | nothing: importing a file again adds no row           |
| a row starting that very day         | that row's person is replaced (the file was corrected) |
| another person, from an earlier day  | that row ends on the new from-day; a new row starts    |
| nobody (the day is before every row) | a new row, ending where the next one starts            |

Callers pass the whole set of a file or a source's answer inside one write transaction, so a
refused import writes nothing (hub.signers.sheet checks every cell before this is called).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hub.signers.model import (
    Assignment,
    Person,
    Position,
    Role,
    default_signing_day,
    slot_of,
)
from hub.store.tables import SignerAssignment, table_of

_T = table_of(SignerAssignment).c


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a set of assignments did: rows added, rows closed, rows unchanged."""

    added: int = 0
    closed: int = 0
    corrected: int = 0
    unchanged: int = 0


def _assignment(row: SignerAssignment) -> Assignment:
    return Assignment(
        school=row.school_code,
        year=row.school_year,
        role=Role(row.role),
        class_name=row.class_name,
        subject=row.subject,
        person=Person(row.full_name, row.personal_id, row.teacher_key),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        origin=row.origin,
        position=Position(row.position) if row.position else None,
    )


def _slot_rows(session: Session, school: str, year: str, slot: str) -> list[SignerAssignment]:
    query = (
        sa.select(SignerAssignment)
        .where(
            _T.school_code == school,
            _T.school_year == year,
            _T.slot == slot,
        )
        .order_by(_T.valid_from)
    )
    return list(session.scalars(query))


def _same_person(row: SignerAssignment, a: Assignment) -> bool:
    return row.personal_id == a.person.personal_id and row.full_name == a.person.full_name


def _set_person(row: SignerAssignment, a: Assignment) -> None:
    row.full_name = a.person.full_name
    row.personal_id = a.person.personal_id
    row.teacher_key = a.person.teacher_key
    row.position = a.position.value if a.position else None
    row.origin = a.origin


def record_assignments(session: Session, assignments: Iterable[Assignment]) -> Recorded:
    """Record `assignments` by the substitute rule (module docstring); idempotent.

    A name corrected for the same ID on the same from-day replaces the row's name; the same
    person again from a later day changes nothing (they still hold the slot).
    """
    added = closed = corrected = unchanged = 0
    for a in assignments:
        rows = _slot_rows(session, a.school, a.year, a.slot)
        starting = next((r for r in rows if r.valid_from == a.valid_from), None)
        if starting is not None:
            if _same_person(starting, a):
                unchanged += 1
            else:
                _set_person(starting, a)
                corrected += 1
            continue
        holding = next(
            (
                r
                for r in rows
                if r.valid_from < a.valid_from
                and (r.valid_until is None or a.valid_from < r.valid_until)
            ),
            None,
        )
        if holding is not None and _same_person(holding, a):
            unchanged += 1
            continue
        later = [r.valid_from for r in rows if r.valid_from > a.valid_from]
        if holding is not None:
            holding.valid_until = a.valid_from
            closed += 1
        session.add(
            SignerAssignment(
                school_code=a.school,
                school_year=a.year,
                slot=a.slot,
                role=a.role.value,
                class_name=a.class_name,
                subject=a.subject,
                full_name=a.person.full_name,
                personal_id=a.person.personal_id,
                teacher_key=a.person.teacher_key,
                position=a.position.value if a.position else None,
                valid_from=a.valid_from,
                valid_until=min(later) if later else None,
                origin=a.origin,
            )
        )
        session.flush()  # the next assignment of the same slot sees this one
        added += 1
    return Recorded(added, closed, corrected, unchanged)


def who_signs(
    session: Session,
    school: str,
    year: str,
    class_name: str | None,
    subject: str | None,
    role: Role,
    on: date | None = None,
) -> Assignment | None:
    """The assignment in force for one slot on the signing day, or None (nobody assigned).

    Args:
        class_name: the class; ignored for HT and DV (one per school).
        subject: the MaMon; only for a GVBM.
        on: the signing day; by default 31 May of the year's end (`default_signing_day`).
    """
    day = on or default_signing_day(year)
    slot = slot_of(role, class_name, subject)
    for row in _slot_rows(session, school, year, slot):
        found = _assignment(row)
        if found.holds_on(day):
            return found
    return None


def owed(
    session: Session, school: str, year: str, person_id: str, on: date | None = None
) -> list[Assignment]:
    """Every slot a person signs on the signing day (their batches: one per class and role).

    Ordered by role (GVBM, GVCN, HT, DV: the signing order), class and subject.
    """
    day = on or default_signing_day(year)
    query = sa.select(SignerAssignment).where(
        _T.school_code == school,
        _T.school_year == year,
        _T.personal_id == person_id,
    )
    found = [a for a in map(_assignment, session.scalars(query)) if a.holds_on(day)]
    order = list(Role)
    return sorted(found, key=lambda a: (order.index(a.role), a.class_name or "", a.subject or ""))


def assignments(
    session: Session, school: str | None = None, year: str | None = None
) -> list[Assignment]:
    """Every recorded assignment (optionally one school's, one year's), in reading order."""
    query = sa.select(SignerAssignment)
    if school is not None:
        query = query.where(_T.school_code == school)
    if year is not None:
        query = query.where(_T.school_year == year)
    query = query.order_by(_T.school_code, _T.school_year, _T.slot, _T.valid_from)
    return [_assignment(row) for row in session.scalars(query)]
