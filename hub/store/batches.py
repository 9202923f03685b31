"""Runs, schools and batches, and the accounting that proves no learner was lost.

Accounting (DESIGN.md promise 2), per batch, once its records have all finished:

    rows_in = unchanged + unkeyed + accepted + rejected + failed + superseded

`rows_in`, `unchanged` and `unkeyed` are what the runner saw in its extraction pass (set, not
added, so a resumed pass does not count twice): a row whose `Upserted.batch_id` is another
batch is `unchanged` here (its record lives, finished or resuming, in that batch); a row that
could not become a record is `unkeyed` and has its problems. The other figures are counted from
the batch's records. `failed + unkeyed` is the promise's "problems".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from hub.lifecycle import TERMINAL_STATES, WAITING_STATES, RecordState
from hub.store.engine import StoreError
from hub.store.records import Upserted
from hub.store.scope import EVERYTHING, Scope
from hub.store.tables import Batch, BatchState, Record, Run, RunState, School, table_of, utcnow

_BATCHES = table_of(Batch)
_RECORDS = table_of(Record)
_RUNS = table_of(Run)
_SCHOOLS = table_of(School)


def _insert_ignoring_duplicates(session: Session, table: sa.Table) -> Any:
    # Dialect-specific ON CONFLICT DO NOTHING: a get-or-create that two processes can race.
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def start_run(session: Session, parameters: Mapping[str, Any], scope: Scope = EVERYTHING) -> int:
    """Record the start of a sync or retry: its parameters, and the piece it works on."""
    run = Run(parameters=dict(parameters), source=scope.source, school=scope.school)
    run.year = scope.year
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def finish_run(session: Session, run_id: int, state: RunState = RunState.FINISHED) -> Run:
    """End a run: its state, its time, and the sums of its batches' counts."""
    b = _BATCHES.c
    sums = session.execute(
        sa.select(
            *(
                sa.func.coalesce(sa.func.sum(b[name]), 0)
                for name in ("rows_in", "unchanged", "accepted", "rejected", "failed")
            )
        ).where(b.run_id == run_id)
    ).one()
    run = session.get(Run, run_id)
    if run is None:
        raise StoreError(f"Không có lượt chạy {run_id}.", f"No run {run_id}.")
    run.rows_in, run.unchanged, run.accepted, run.rejected, run.failed = (int(x) for x in sums)
    run.state, run.finished_at = state, utcnow()
    session.add(run)
    return run


def unfinished_runs(session: Session, scope: Scope = EVERYTHING) -> list[Run]:
    """Runs still marked running whose piece overlaps `scope`: crashed or killed ones, or
    ones running now elsewhere (hub.store.leases.live_run_ids tells them apart)."""
    r = _RUNS.c
    query = (
        sa.select(Run)
        .where(r.state == RunState.RUNNING, scope.overlap_clause(r.source, r.school, r.year))
        .order_by(r.id)
    )
    return list(session.scalars(query))


def ensure_schools(session: Session, schools: Iterable[tuple[str, str | None]]) -> None:
    """Make sure these schools (MaTruong, name) exist; existing ones are left as they are."""
    rows = [{"code": code, "name": name, "created_at": utcnow()} for code, name in schools]
    if rows:
        session.execute(_insert_ignoring_duplicates(session, _SCHOOLS), rows)


def open_batch(
    session: Session,
    run_id: int,
    school_code: str,
    school_year: str,
    source: str,
    *,
    partial_read: bool = False,
) -> int:
    """The batch of (run, school, year, source): created the first time, found after that.

    `partial_read`: the source's read brings only what changed since its cursor (an
    incremental source), not its whole roster (`Batch.partial_read`).
    """
    ensure_schools(session, [(school_code, None)])
    key = {"run_id": run_id, "school_code": school_code, "school_year": school_year}
    key["source"] = source
    made = {"state": BatchState.OPEN, "created_at": utcnow(), "partial_read": partial_read}
    session.execute(_insert_ignoring_duplicates(session, _BATCHES), [key | made | _ZERO_COUNTS])
    b = _BATCHES.c
    found = session.execute(
        sa.select(b.id).where(*(b[name] == value for name, value in key.items()))
    ).scalar_one()
    return int(found)


_ZERO_COUNTS = dict.fromkeys(
    ("rows_in", "unchanged", "unkeyed", "accepted", "rejected", "failed", "superseded"), 0
)


def set_extraction_counts(
    session: Session, batch_id: int, *, rows_in: int, unchanged: int, unkeyed: int
) -> None:
    """What the extraction pass saw; call at its end (again on a resumed pass: it replaces)."""
    session.execute(
        sa.update(_BATCHES)
        .where(_BATCHES.c.id == batch_id)
        .values(rows_in=rows_in, unchanged=unchanged, unkeyed=unkeyed)
    )


def count_unchanged(upserted: Sequence[Upserted], batch_id: int) -> int:
    """How many answers of `upsert_records` are carried by a record of another batch."""
    return sum(1 for answer in upserted if answer.batch_id != batch_id)


@dataclass(frozen=True, slots=True)
class BatchAccounting:
    """Where each row of a batch ended up (see the module docstring for the equation)."""

    batch_id: int
    rows_in: int
    unchanged: int
    unkeyed: int
    accepted: int
    rejected: int
    failed: int
    superseded: int
    in_flight: int  # records not yet in a final state (those awaiting their vendor included)
    awaiting_vendor: int = 0  # of `in_flight`: waiting for the documents their vendor signs

    @property
    def problems(self) -> int:
        return self.failed + self.unkeyed

    @property
    def accounted(self) -> int:
        return (
            self.unchanged
            + self.unkeyed
            + self.accepted
            + self.rejected
            + self.failed
            + self.superseded
        )

    @property
    def balanced(self) -> bool:
        """Every row is in a final place, and the places add up to the rows that came in."""
        return self.in_flight == 0 and self.rows_in == self.accounted


def batch_accounting(session: Session, batch_id: int) -> BatchAccounting:
    """The live accounting of one batch, counted from its records."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise StoreError(f"Không có lô {batch_id}.", f"No batch {batch_id}.")
    r = _RECORDS.c
    by_state: dict[RecordState, int] = {
        RecordState(state): count
        for state, count in session.execute(
            sa.select(r.state, sa.func.count()).where(r.batch_id == batch_id).group_by(r.state)
        )
    }
    return BatchAccounting(
        batch_id,
        batch.rows_in,
        batch.unchanged,
        batch.unkeyed,
        by_state.get(RecordState.ACCEPTED, 0),
        by_state.get(RecordState.REJECTED, 0),
        by_state.get(RecordState.FAILED, 0),
        by_state.get(RecordState.SUPERSEDED, 0),
        sum(count for state, count in by_state.items() if state not in TERMINAL_STATES),
        by_state.get(RecordState.AWAITING_VENDOR, 0),
    )


def close_batch(session: Session, batch_id: int) -> BatchAccounting:
    """Freeze a finished batch's counts and mark it complete.

    Raises:
        StoreError: records are still on their way, or the rows do not add up (a learner
            lost: a bug to report, never to hide).
    """
    counts = batch_accounting(session, batch_id)
    if not counts.balanced:
        raise StoreError(
            f"Lô {batch_id} chưa khớp: vào {counts.rows_in}, đã xử lý {counts.accounted}, "
            f"đang xử lý {counts.in_flight}.",
            f"Batch {batch_id} does not add up: {counts.rows_in} in, {counts.accounted} "
            f"accounted for, {counts.in_flight} still in flight.",
        )
    session.execute(
        sa.update(_BATCHES)
        .where(_BATCHES.c.id == batch_id)
        .values(
            state=BatchState.COMPLETE,
            closed_at=utcnow(),
            accepted=counts.accepted,
            rejected=counts.rejected,
            failed=counts.failed,
            superseded=counts.superseded,
        )
    )
    return counts


def batches(
    session: Session,
    *,
    run_id: int | None = None,
    school_code: str | None = None,
    school_year: str | None = None,
    state: BatchState | None = None,
    source: str | None = None,
) -> list[Batch]:
    """Batches by run, school, year, state or source, oldest first (`hub batches list`)."""
    b = _BATCHES.c
    query = sa.select(Batch).order_by(b.id)
    for column, value in (
        (b.run_id, run_id),
        (b.school_code, school_code),
        (b.school_year, school_year),
        (b.state, state),
        (b.source, source),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run did to each learner it worked on, counted from where they stand now.

    A learner counts once, in the state of its current record, if this run took that record
    forward (`records.worked_by_run`): new and changed learners, failed ones tried again, and
    those resumed from an earlier run's batches or submissions. `unchanged` and `unkeyed` are
    the run's batches' own counts (learners skipped by content hash; learners whose row never
    became a record).
    """

    accepted: int = 0
    rejected: int = 0
    failed: int = 0
    pending: int = 0  # still on the way when the run ended (the next sync resumes them)
    awaiting_vendor: int = 0  # waiting for the signatures their vendor makes (not a failure)
    unkeyed: int = 0
    unchanged: int = 0
    resumed: int = 0  # of the counted learners, those whose record an earlier run began
    batch_ids: tuple[int, ...] = ()  # every batch whose records this run worked on

    @property
    def problems(self) -> int:
        return self.failed + self.unkeyed

    @property
    def learners(self) -> int:
        return (
            self.accepted
            + self.rejected
            + self.problems
            + self.pending
            + self.awaiting_vendor
            + self.unchanged
        )


def run_outcome(session: Session, run_id: int) -> RunOutcome:
    """The learners of run `run_id` by where they stand now (see `RunOutcome`)."""
    r, b = _RECORDS.c, _BATCHES.c
    by_state: dict[RecordState, int] = {}
    for state, count in session.execute(
        sa.select(r.state, sa.func.count())
        .where(r.worked_by_run == run_id, r.is_current)
        .group_by(r.state)
    ):
        by_state[RecordState(state)] = int(count)
    worked: dict[int, int] = {
        int(batch_id): int(count)
        for batch_id, count in session.execute(
            sa.select(r.batch_id, sa.func.count())
            .where(r.worked_by_run == run_id, r.is_current)
            .group_by(r.batch_id)
        )
    }
    own = list(session.execute(sa.select(b.id, b.unkeyed, b.unchanged).where(b.run_id == run_id)))
    own_ids = {int(row.id) for row in own}
    return RunOutcome(
        accepted=by_state.get(RecordState.ACCEPTED, 0),
        rejected=by_state.get(RecordState.REJECTED, 0),
        failed=by_state.get(RecordState.FAILED, 0),
        pending=sum(
            n
            for state, n in by_state.items()
            if state not in TERMINAL_STATES and state not in WAITING_STATES
        ),
        awaiting_vendor=sum(n for state, n in by_state.items() if state in WAITING_STATES),
        unkeyed=sum(int(row.unkeyed) for row in own),
        unchanged=sum(int(row.unchanged) for row in own),
        resumed=sum(n for batch_id, n in worked.items() if batch_id not in own_ids),
        batch_ids=tuple(sorted(set(worked) | own_ids)),
    )
