"""Which transcripts the ministry holds in force, as the store knows it.

The ministry keeps one transcript in force per learner, school and year; a second one is
rejected (HB301) until the first is withdrawn (ministry-service.md). The store knows a
transcript was issued from the accepted record that holds its MaDinhDanhHocBa, and that it
was withdrawn from the audit log (kind `withdrawn`, written by `hub withdraw` and `hub
replace`), so "in force" is "accepted here and not withdrawn in the audit log".

The runner asks this before sending a learner that has a history: a learner whose source
changed after its transcript was issued is held with a problem that names `hub replace`,
instead of being sent to a certain HB301.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import RecordState
from hub.store.records import CHUNK
from hub.store.tables import AuditEntry, AuditKind, Record, table_of

_RECORDS = table_of(Record)
_AUDIT = table_of(AuditEntry)


def withdrawn_transcripts(session: Session) -> dict[str, str | None]:
    """MaDinhDanhHocBa withdrawn (from the audit log) → what replaced it (None: nothing yet)."""
    found: dict[str, str | None] = {}
    query = sa.select(_AUDIT.c.payload).where(_AUDIT.c.kind == AuditKind.WITHDRAWN)
    for (payload,) in session.execute(query.order_by(_AUDIT.c.seq)):
        entry = json.loads(payload)
        transcript = entry.get("transcript_id")
        if isinstance(transcript, str):
            replaced = entry.get("replaced_by")
            found[transcript] = replaced if isinstance(replaced, str) else found.get(transcript)
    return found


def transcripts_in_force(
    session: Session,
    school_code: str,
    school_year: str,
    keys: Sequence[str],
    withdrawn: Collection[str],
) -> dict[str, str]:
    """MaHoSo → the MaDinhDanhHocBa in force for it, for those of `keys` that have one.

    Args:
        session: any session.
        school_code, school_year: the batch's school and year (MaHoSo is per school and year;
            the pair also lets the query use the records' (school, year, state) index).
        keys: MaHoSo to ask about.
        withdrawn: transcripts withdrawn so far (`withdrawn_transcripts`), read once by the
            caller: the audit log is not re-read for every chunk of a run.
    """
    c = _RECORDS.c
    found: dict[str, str] = {}
    for start in range(0, len(keys), CHUNK):
        query = (
            sa.select(c.ma_ho_so, c.transcript_id)
            .where(
                c.school_code == school_code,
                c.school_year == school_year,
                c.state == RecordState.ACCEPTED,
                c.transcript_id.is_not(None),
                c.ma_ho_so.in_(keys[start : start + CHUNK]),
            )
            .order_by(c.id)
        )
        for ma_ho_so, transcript_id in session.execute(query):
            if transcript_id not in withdrawn:
                found[ma_ho_so] = transcript_id  # the newest accepted one wins
    return found
