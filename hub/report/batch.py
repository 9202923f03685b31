"""One batch as an operator reads it: what it is, its accounts, its learners and their problems.

`hub batches show` prints it, `hub demo` prints one per school; both render, neither queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from hub.errors import UsageError
from hub.lifecycle import RecordState
from hub.report.rows import ProblemRow, batch_problems
from hub.store import BatchAccounting, BatchState, RecordRef, batch_accounting, records_in
from hub.store.tables import Batch


@dataclass(frozen=True, slots=True)
class BatchView:
    """A batch with its live accounts, its records and every problem stored for it."""

    id: int
    run_id: int
    school_code: str
    school_year: str
    source: str
    state: BatchState
    counts: BatchAccounting
    records: list[RecordRef]
    problems: list[ProblemRow] = field(default_factory=list)

    def problems_of(self, record_id: int | None) -> list[ProblemRow]:
        """The problems of one record (None: of the source rows that never became one)."""
        return [p for p in self.problems if p.record_id == record_id]


def batch_view(
    session: Session, batch_id: int, states: Sequence[RecordState] | None = None
) -> BatchView:
    """The batch `batch_id`, its records (only those in `states`, when given) and problems.

    Raises:
        UsageError: there is no such batch.
    """
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise UsageError(
            f"Không có lô {batch_id}; xem `hub batches list`.",
            f"No batch {batch_id}; see `hub batches list`.",
        )
    return BatchView(
        batch_id,
        batch.run_id,
        batch.school_code,
        batch.school_year,
        batch.source,
        batch.state,
        batch_accounting(session, batch_id),
        records_in(session, batch_id=batch_id, states=list(states) if states else None),
        batch_problems(session, batch_id),
    )
