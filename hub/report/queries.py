"""The read side the operator's commands need, on the store's tables (read sessions only).

The store (hub.store) answers the runner's questions: what to resume, what a batch counts. An
operator asks across batches: where does each school stand *now*, why is a learner missing,
which rows of which file must be fixed. "Now" is read from the records that stand for their
learner (`is_current`) and, for the source rows that never became a record, from the latest
batch of each school × year × source that read its source in full (a run of
`retry --only-rejected` or a correction reads only some learners, so its batches do not say
what the source holds).

Withdrawals are evidence in the audit log (kind `withdrawn`); a transcript is "withdrawn,
awaiting its replacement" until an entry names what replaced it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.findings import Severity
from hub.lifecycle import (
    TERMINAL_STATES,
    WAITING_STATES,
    WITHOUT_TRANSCRIPT_STATES,
    RecordState,
    Stage,
)
from hub.store.issued import withdrawn_transcripts
from hub.store.records import CHUNK
from hub.store.tables import AuditEntry, Batch, BatchState, Problem, Record, Run, School, table_of

_BATCHES = table_of(Batch)
_PROBLEMS = table_of(Problem)
_RECORDS = table_of(Record)
_RUNS = table_of(Run)
_SCHOOLS = table_of(School)
_AUDIT = table_of(AuditEntry)

PARTIAL_RUN_KEYS = frozenset({"only_rejected", "correction"})
"""Run parameters that mark a run as reading only some learners of its sources."""

MISSING_STATES = tuple(sorted(WITHOUT_TRANSCRIPT_STATES))
"""Current records whose learner has no transcript, for a reason a person must act on."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One cause of missing learners: a code, the stage that found it, how many, an example."""

    code: str
    stage: str
    count: int
    example_vi: str
    example_en: str


@dataclass
class SchoolYearStatus:
    """Where the learners of one school and year stand now; each learner counted once.

    `learners` = accepted + withdrawn + rejected + problems + pending + awaiting_vendor
    (learners whose vendor signs the documents itself and has not finished: not a failure,
    every sync asks the vendor again). A learner whose
    transcript is in force but whose source changed since (`changed_since_issued`, held until
    `hub replace`) counts as accepted: they have a transcript. Problems of the source that
    name no learner (a stray file, a row matching nobody) are `source_problems`, not learners.
    """

    school_code: str
    school_name: str | None
    school_year: str
    accepted: int = 0
    withdrawn: int = 0  # accepted, then withdrawn; no replacement accepted yet
    rejected: int = 0
    failed: int = 0
    unkeyed: int = 0  # learners the source names whose row could not become a record
    pending: int = 0  # on their way: in a running sync, or left half-way (`halfway`)
    halfway: int = 0  # of `pending`, left by a run that ended early: `hub sync` resumes them
    awaiting_vendor: int = 0  # waiting for the signatures their vendor makes (vnEdu)
    changed_since_issued: int = 0  # of `accepted`: source changed after issue (hub replace)
    source_problems: int = 0  # errors of the source that name no learner
    failed_by_stage: dict[str, int] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return self.failed + self.unkeyed

    @property
    def learners(self) -> int:
        return (self.accepted + self.withdrawn + self.rejected + self.failed + self.unkeyed) + (
            self.pending + self.awaiting_vendor
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "school_code": self.school_code,
            "school_name": self.school_name,
            "school_year": self.school_year,
            "learners": self.learners,
            "accepted": self.accepted,
            "withdrawn": self.withdrawn,
            "rejected": self.rejected,
            "problems": self.problems,
            "failed": self.failed,
            "failed_by_stage": dict(sorted(self.failed_by_stage.items())),
            "unkeyed": self.unkeyed,
            "pending": self.pending,
            "halfway": self.halfway,
            "awaiting_vendor": self.awaiting_vendor,
            "changed_since_issued": self.changed_since_issued,
            "source_problems": self.source_problems,
            "reasons": [reason_json(r) for r in self.reasons],
        }


def reason_json(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "stage": reason.stage,
        "count": reason.count,
        "example_vi": reason.example_vi,
        "example_en": reason.example_en,
    }


def latest_full_batches(
    session: Session, *, school_code: str | None = None, school_year: str | None = None
) -> list[Batch]:
    """The newest batch of each school × year × source whose run read its source in full.

    With the batches after it that an incremental source's reads from its cursor filled
    (`Batch.partial_read`): each holds only the learners changed since, so the source's
    learners without a record are those of all of them (each counted once, by its key, and
    only while no record of that key stands for it).
    """
    b, r = _BATCHES.c, _RUNS.c
    query = sa.select(Batch, r.parameters).join(_RUNS, r.id == b.run_id).order_by(b.id)
    if school_code is not None:
        query = query.where(b.school_code == school_code)
    if school_year is not None:
        query = query.where(b.school_year == school_year)
    latest: dict[tuple[str, str, str], list[Batch]] = {}
    for batch, parameters in session.execute(query):
        if PARTIAL_RUN_KEYS & set(parameters or {}):
            continue
        key = (batch.school_code, batch.school_year, batch.source)
        if batch.partial_read and key in latest:
            latest[key].append(batch)
        else:
            latest[key] = [batch]
    return [batch for batches in latest.values() for batch in batches]


def _current_filter(query: Any, school_code: str | None, school_year: str | None) -> Any:
    r = _RECORDS.c
    query = query.where(r.is_current)
    if school_code is not None:
        query = query.where(r.school_code == school_code)
    if school_year is not None:
        query = query.where(r.school_year == school_year)
    return query


HOLD_CODE = "ISSUED_CHANGED"
"""The problem of a learner held back because their transcript is in force (hub.pipeline.intake)."""


def school_status(
    session: Session,
    *,
    school_code: str | None = None,
    school_year: str | None = None,
    top: int = 5,
) -> list[SchoolYearStatus]:
    """Each school × year's learners by where they stand, with the top reasons of the missing.

    Each learner counts once: current records by state, plus the learners a source names
    whose row never became a record (distinct source keys with an error problem in the
    latest full read, and no current record of that key). The reasons count each missing
    learner once, under their first error problem, so they add up to rejected + problems.
    """
    r = _RECORDS.c
    rows: dict[tuple[str, str], SchoolYearStatus] = {}
    names: dict[str, str | None] = {}
    for code, name in session.execute(sa.select(_SCHOOLS.c.code, _SCHOOLS.c.name)):
        names[code] = name

    def row(school: str, year: str) -> SchoolYearStatus:
        key = (school, year)
        if key not in rows:
            rows[key] = SchoolYearStatus(school, names.get(school), year)
        return rows[key]

    counts = _current_filter(
        sa.select(r.school_code, r.school_year, r.state, r.failed_stage, sa.func.count()),
        school_code,
        school_year,
    ).group_by(r.school_code, r.school_year, r.state, r.failed_stage)
    for school, year, state, stage, count in session.execute(counts):
        status = row(school, year)
        state = RecordState(state)
        if state is RecordState.ACCEPTED:
            status.accepted += count
        elif state is RecordState.REJECTED:
            status.rejected += count
        elif state is RecordState.FAILED:
            status.failed += count
            name = Stage(stage).value if stage else "?"
            status.failed_by_stage[name] = status.failed_by_stage.get(name, 0) + count
        elif state in WAITING_STATES:
            status.awaiting_vendor += count
        elif state not in TERMINAL_STATES:
            status.pending += count
    _count_withdrawn(session, school_code, school_year, row)
    _count_held(session, school_code, school_year, row)
    for (school, year), n in _count_halfway(session, school_code, school_year).items():
        row(school, year).halfway = n
    latest = latest_full_batches(session, school_code=school_code, school_year=school_year)
    for (school, year), (learners, source) in _source_rows(session, latest).items():
        status = row(school, year)
        status.unkeyed += learners
        status.source_problems += source
    for (school, year), reasons in _reasons(session, school_code, school_year, latest).items():
        row(school, year).reasons = reasons[:top]
    return [rows[key] for key in sorted(rows)]


def _count_held(session: Session, school: str | None, year: str | None, row: Any) -> None:
    """Learners held because their issued transcript is in force: accepted, not failed."""
    r, p = _RECORDS.c, _PROBLEMS.c
    query = _current_filter(
        sa.select(r.school_code, r.school_year, sa.func.count(sa.distinct(r.id))).join(
            _PROBLEMS, p.record_id == r.id
        ),
        school,
        year,
    ).where(r.state == RecordState.FAILED, p.code == HOLD_CODE)
    for school_code, school_year, count in session.execute(
        query.group_by(r.school_code, r.school_year)
    ):
        status = row(school_code, school_year)
        status.failed -= count
        status.accepted += count
        status.changed_since_issued += count
        stage = Stage.PUSH.value
        status.failed_by_stage[stage] = status.failed_by_stage.get(stage, 0) - count
        if status.failed_by_stage[stage] <= 0:
            del status.failed_by_stage[stage]


def running_runs(session: Session) -> set[int]:
    """The runs live syncs work in now (their leases renewed within the lease timeout).

    Several at once when they work on pieces that do not overlap (two schools).
    """
    from hub.store.leases import live_run_ids

    return live_run_ids(session)


def _count_halfway(
    session: Session, school: str | None, year: str | None
) -> dict[tuple[str, str], int]:
    """Current records still in work or push states that no live sync is working on.

    A learner waiting for its vendor's signatures is not half-way: no run left it, the
    vendor has the next move.
    """
    r = _RECORDS.c
    query = _current_filter(
        sa.select(r.school_code, r.school_year, sa.func.count()), school, year
    ).where(r.state.not_in(list(TERMINAL_STATES | WAITING_STATES)))
    live = running_runs(session)
    if live:
        query = query.where(sa.or_(r.worked_by_run.is_(None), r.worked_by_run.not_in(live)))
    return {
        (s, y): int(n) for s, y, n in session.execute(query.group_by(r.school_code, r.school_year))
    }


def _unkeyed_learner(b: Any, p: Any) -> Any:
    """SQL: the problem names a learner (by source key) with no current record of that key."""
    r = _RECORDS.c
    has_record = (
        sa.select(r.id)
        .where(
            r.is_current,
            r.school_code == b.school_code,
            r.school_year == b.school_year,
            r.learner_key == p.learner_key,
        )
        .exists()
    )
    return sa.and_(p.learner_key.is_not(None), ~has_record)


def _source_rows(
    session: Session, latest: Sequence[Batch]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per school and year: (learners without a record, source problems naming no learner)."""
    p, b = _PROBLEMS.c, _BATCHES.c
    ids = [x.id for x in latest]
    found: dict[tuple[str, str], tuple[int, int]] = {}
    if not ids:
        return found
    base = (
        sa.select(b.school_code, b.school_year)
        .select_from(_PROBLEMS.join(_BATCHES, p.batch_id == b.id))
        .where(p.batch_id.in_(ids), p.record_id.is_(None), p.severity == Severity.ERROR)
        .group_by(b.school_code, b.school_year)
    )
    learners = base.add_columns(sa.func.count(sa.distinct(p.learner_key))).where(
        _unkeyed_learner(b, p)
    )
    source = base.add_columns(sa.func.count()).where(p.learner_key.is_(None))
    for s, y, n in session.execute(learners):
        found[(s, y)] = (int(n), found.get((s, y), (0, 0))[1])
    for s, y, n in session.execute(source):
        found[(s, y)] = (found.get((s, y), (0, 0))[0], int(n))
    # Batches written before problems named their learner (revision 0004) kept only a count.
    named = {
        int(batch_id)
        for (batch_id,) in session.execute(
            sa.select(p.batch_id).where(p.batch_id.in_(ids), p.learner_key.is_not(None)).distinct()
        )
    }
    for batch in latest:
        if batch.unkeyed and batch.id not in named:
            learners_n, source_n = found.get((batch.school_code, batch.school_year), (0, 0))
            key = (batch.school_code, batch.school_year)
            found[key] = (learners_n + batch.unkeyed, max(0, source_n - batch.unkeyed))
    return found


def _count_withdrawn(session: Session, school: str | None, year: str | None, row: Any) -> None:
    waiting = [t for t, replaced in withdrawn_transcripts(session).items() if replaced is None]
    r = _RECORDS.c
    for start in range(0, len(waiting), CHUNK):
        query = _current_filter(
            sa.select(r.school_code, r.school_year, sa.func.count()),
            school,
            year,
        ).where(
            r.state == RecordState.ACCEPTED, r.transcript_id.in_(waiting[start : start + CHUNK])
        )
        for school_code, school_year, count in session.execute(
            query.group_by(r.school_code, r.school_year)
        ):
            status = row(school_code, school_year)
            status.accepted -= count
            status.withdrawn += count


def _reasons(
    session: Session, school: str | None, year: str | None, latest: Sequence[Batch]
) -> dict[tuple[str, str], list[Reason]]:
    """The first error of each missing learner, by code and stage, most learners first."""
    p, r, b = _PROBLEMS.c, _RECORDS.c, _BATCHES.c
    tally: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    examples: dict[tuple[str, str], tuple[str, str]] = {}
    first_of_record = _current_filter(
        sa.select(sa.func.min(p.id).label("first"))
        .select_from(_PROBLEMS.join(_RECORDS, p.record_id == r.id))
        .where(r.state.in_(MISSING_STATES), p.severity == Severity.ERROR)
        .group_by(p.record_id),
        school,
        year,
    )
    first_of_row = (
        sa.select(sa.func.min(p.id).label("first"))
        .select_from(_PROBLEMS.join(_BATCHES, p.batch_id == b.id))
        .where(
            p.record_id.is_(None),
            p.severity == Severity.ERROR,
            p.batch_id.in_([x.id for x in latest]),
            _unkeyed_learner(b, p),
        )
        .group_by(b.school_code, b.school_year, p.learner_key)
    )
    for firsts in (first_of_record, first_of_row):
        chosen = firsts.subquery()
        query = (
            sa.select(
                b.school_code,
                b.school_year,
                p.code,
                p.stage,
                sa.func.count(),
                sa.func.min(p.message_vi),
                sa.func.min(p.message_en),
            )
            .select_from(_PROBLEMS.join(_BATCHES, p.batch_id == b.id))
            .where(p.id.in_(sa.select(chosen.c.first)), p.code != HOLD_CODE)
            .group_by(b.school_code, b.school_year, p.code, p.stage)
        )
        for s, y, code, stage, count, vi, en in session.execute(query):
            tally[(s, y)][(code, str(stage))] += count
            examples.setdefault((code, str(stage)), (vi, en))
    return {
        key: [
            Reason(code, stage, count, *examples[(code, stage)])
            for (code, stage), count in sorted(counted.items(), key=lambda i: (-i[1], i[0]))
        ]
        for key, counted in tally.items()
    }


def total_reasons(statuses: Iterable[SchoolYearStatus], top: int = 5) -> list[Reason]:
    """The reasons of several rows added up (each row keeps its own top ones only)."""
    counted: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], Reason] = {}
    for status in statuses:
        for reason in status.reasons:
            counted[(reason.code, reason.stage)] += reason.count
            examples.setdefault((reason.code, reason.stage), reason)
    ordered = sorted(counted.items(), key=lambda i: (-i[1], i[0]))[:top]
    return [
        Reason(
            code, stage, n, examples[(code, stage)].example_vi, examples[(code, stage)].example_en
        )
        for (code, stage), n in ordered
    ]


@dataclass(frozen=True, slots=True)
class BatchRow:
    """A batch with its live figures (`hub batches list`)."""

    id: int
    run_id: int
    school_code: str
    school_year: str
    source: str
    state: BatchState
    created_at: datetime
    rows_in: int
    unchanged: int
    unkeyed: int
    accepted: int
    rejected: int
    failed: int
    superseded: int
    in_flight: int

    @property
    def problems(self) -> int:
        return self.failed + self.unkeyed

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "school_code": self.school_code,
            "school_year": self.school_year,
            "source": self.source,
            "state": self.state.value,
            "created_at": self.created_at.isoformat(),
            "rows_in": self.rows_in,
            "unchanged": self.unchanged,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "problems": self.problems,
            "failed": self.failed,
            "unkeyed": self.unkeyed,
            "superseded": self.superseded,
            "in_flight": self.in_flight,
        }


def batch_rows(session: Session, batches: Sequence[Batch]) -> list[BatchRow]:
    """The live figures of many batches in one grouped query per chunk."""
    r = _RECORDS.c
    ids = [b.id for b in batches if b.id is not None]
    by_state: dict[int, Counter[RecordState]] = defaultdict(Counter)
    for start in range(0, len(ids), CHUNK):
        query = (
            sa.select(r.batch_id, r.state, sa.func.count())
            .where(r.batch_id.in_(ids[start : start + CHUNK]))
            .group_by(r.batch_id, r.state)
        )
        for batch_id, state, count in session.execute(query):
            by_state[batch_id][RecordState(state)] += count
    out = []
    for batch in batches:
        assert batch.id is not None
        states = by_state[batch.id]
        out.append(
            BatchRow(
                batch.id,
                batch.run_id,
                batch.school_code,
                batch.school_year,
                batch.source,
                batch.state,
                batch.created_at,
                batch.rows_in,
                batch.unchanged,
                batch.unkeyed,
                states[RecordState.ACCEPTED],
                states[RecordState.REJECTED],
                states[RecordState.FAILED],
                states[RecordState.SUPERSEDED],
                sum(n for state, n in states.items() if state not in TERMINAL_STATES),
            )
        )
    return out
