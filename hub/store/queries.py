"""The read side: records by batch, school and state, what to resume, what was rejected.

These return `RecordRef`s, records without their document bytes, so that listing 100,000
records does not load 2 GB of XML; `load_documents` fetches the bytes of the few being sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import TERMINAL_STATES, RecordState, Stage
from hub.store.records import CHUNK
from hub.store.tables import Record, RecordDocument, table_of

_RECORDS = table_of(Record)
_DOCUMENTS = table_of(RecordDocument)


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record without its document bytes: what listing and resuming need."""

    id: int
    batch_id: int
    ma_ho_so: str
    learner_key: str
    state: RecordState
    failed_stage: Stage | None
    content_hash: str
    source_ref: str | None
    ma_bam: str | None
    batch_key: str | None
    receipt: str | None
    transcript_id: str | None


_REF_COLUMNS = [_RECORDS.c[name] for name in RecordRef.__slots__]


def _refs(session: Session, query: sa.Select[Any]) -> list[RecordRef]:
    return [RecordRef(*row) for row in session.execute(query)]


def records_to_resume(session: Session, batch_id: int) -> list[RecordRef]:
    """The batch's records still on their way (not accepted, rejected, failed, superseded)."""
    c = _RECORDS.c
    return _refs(
        session,
        sa.select(*_REF_COLUMNS)
        .where(c.batch_id == batch_id, c.state.not_in(TERMINAL_STATES))
        .order_by(c.id),
    )


def records_in(
    session: Session,
    *,
    batch_id: int | None = None,
    school_code: str | None = None,
    school_year: str | None = None,
    states: Iterable[RecordState] | None = None,
    current_only: bool = False,
) -> list[RecordRef]:
    """Records of a batch, or of a school (and year), optionally in some states only."""
    c = _RECORDS.c
    query = sa.select(*_REF_COLUMNS).order_by(c.id)
    if batch_id is not None:
        query = query.where(c.batch_id == batch_id)
    if school_code is not None:
        query = query.where(c.school_code == school_code)
    if school_year is not None:
        query = query.where(c.school_year == school_year)
    if states is not None:
        query = query.where(c.state.in_(list(states)))
    if current_only:
        query = query.where(c.is_current)
    return _refs(session, query)


def rejected_records(session: Session, batch_id: int) -> list[RecordRef]:
    """The batch's rejected learners that no later record has replaced (retry --only-rejected)."""
    return records_in(session, batch_id=batch_id, states=[RecordState.REJECTED], current_only=True)


def load_documents(session: Session, record_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored document bytes of some records (absent where none is stored)."""
    d = _DOCUMENTS.c
    found: dict[int, bytes] = {}
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        query = sa.select(d.record_id, d.body).where(d.record_id.in_(chunk))
        found.update({row.record_id: row.body for row in session.execute(query)})
    return found


def document_sizes(session: Session, record_ids: Sequence[int]) -> dict[int, int]:
    """The sizes in bytes of some records' stored documents, without reading the documents."""
    d = _DOCUMENTS.c
    found: dict[int, int] = {}
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        query = sa.select(d.record_id, sa.func.length(d.body)).where(d.record_id.in_(chunk))
        found.update({record_id: int(size) for record_id, size in session.execute(query)})
    return found


@dataclass(frozen=True, slots=True)
class StateCount:
    """How many learners of one school and year stand in one state (their current record)."""

    school_code: str
    school_year: str
    state: RecordState
    count: int


def learners_by_state(session: Session) -> list[StateCount]:
    """Every school × year × state with its number of learners, in one grouped query.

    A learner is counted by the record that stands for it now (`is_current`); what /metrics
    shows (hub.web.metrics) and cheap enough to run at every scrape.
    """
    c = _RECORDS.c
    query = (
        sa.select(c.school_code, c.school_year, c.state, sa.func.count())
        .where(c.is_current)
        .group_by(c.school_code, c.school_year, c.state)
        .order_by(c.school_code, c.school_year, c.state)
    )
    return [
        StateCount(school, year, RecordState(state), int(count))
        for school, year, state, count in session.execute(query)
    ]
