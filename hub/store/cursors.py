"""The stored read cursors of the sources (see tables.SourceCursor for when one is saved)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import RecordState
from hub.store.tables import Batch, Record, SourceCursor, table_of, utcnow

_CURSORS = table_of(SourceCursor)
_BATCHES = table_of(Batch)
_RECORDS = table_of(Record)


@dataclass(frozen=True, slots=True)
class StoredCursor:
    cursor: str
    context: str


def load_cursors(session: Session) -> dict[str, StoredCursor]:
    """Every source's stored cursor, by source label."""
    rows = session.connection().execute(
        sa.select(_CURSORS.c.source, _CURSORS.c.cursor, _CURSORS.c.context)
    )
    return {source: StoredCursor(cursor, context) for source, cursor, context in rows}


def save_cursors(session: Session, run_id: int, cursors: Mapping[str, StoredCursor]) -> None:
    """Replace the stored cursors of these sources (in the caller's transaction)."""
    if not cursors:
        return
    connection = session.connection()
    connection.execute(_CURSORS.delete().where(_CURSORS.c.source.in_(list(cursors))))
    now = utcnow()
    connection.execute(
        _CURSORS.insert(),
        [
            {
                "source": source,
                "cursor": stored.cursor,
                "context": stored.context,
                "run_id": run_id,
                "updated_at": now,
            }
            for source, stored in cursors.items()
        ],
    )


def forget_cursors(session: Session, sources: list[str] | None = None) -> int:
    """Drop stored cursors (all, or these sources'): their next read starts from the start."""
    statement = _CURSORS.delete()
    if sources is not None:
        statement = statement.where(_CURSORS.c.source.in_(sources))
    return session.connection().execute(statement).rowcount


def sources_with_failures(session: Session) -> set[tuple[str, str]]:
    """(source, school) pairs with a learner whose current record failed.

    A plain sync tries such learners again even when their source did not change (the
    failure may have been the signer, the network, the sector database), so their source is
    read in full rather than from its cursor.
    """
    b, r = _BATCHES.c, _RECORDS.c
    query = (
        sa.select(b.source, r.school_code)
        .distinct()
        .select_from(_RECORDS.join(_BATCHES, b.id == r.batch_id))
        .where(r.is_current, r.state == RecordState.FAILED.value)
    )
    return {(source, school) for source, school in session.connection().execute(query)}
