"""The stored read cursors of the sources (see tables.SourceCursor for when one is saved)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import WORK_STATES, RecordState
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


def sources_with_unfinished_work(session: Session) -> set[tuple[str, str]]:
    """(source, school) pairs with a learner whose current record failed or is still in work.

    A plain sync reads such a source in full rather than from its cursor, whatever the cursor
    says: a failed learner is tried again (the failure may have been the signer, the network,
    the sector database), and a learner an earlier run left half-way (killed, stopped by the
    ministry or a signer) is resumed. Without this, a source whose files did not change would
    not be read, and its half-done learners would wait for ever (a cursor must never stand
    ahead of work that is not finished). Signed learners are not listed: the push stage
    resumes them without reading anything.
    """
    b, r = _BATCHES.c, _RECORDS.c
    states = [state.value for state in (RecordState.FAILED, *WORK_STATES)]
    query = (
        sa.select(b.source, r.school_code)
        .distinct()
        .select_from(_RECORDS.join(_BATCHES, b.id == r.batch_id))
        .where(r.is_current, r.state.in_(states))
    )
    return {(source, school) for source, school in session.connection().execute(query)}
