"""Taking what a source yields into the store, chunk by chunk, with the batch's accounting.

A `SourcePass` routes each item of one source's read: a record goes (mapped) to the batch of
its school and year, a problem to the batch of the learner or school it concerns (problems met
before any school is known wait for the first record). It counts the learners read: distinct
keys, whether they became a record or only a problem.

The end of stage 2 (map): each chunk of one batch is one committed transaction holding

- the learners (`upsert_records`: new, changed, unchanged, or a crashed run's to resume),
  the new ones moved to `mapped`;
- the problems of the rows that could not become a record (their source cell attached);
- the learners held back because the ministry already issued their transcript and their
  source changed since (a correction is `hub replace`, which withdraws first; sent plainly,
  the ministry would reject them, HB301), failed at `push` with a problem that says so;
- the batch's extraction counts so far (rows in, unchanged, unkeyed).

A learner counts once, whatever names them: a source key with an error problem is an
"unkeyed" learner only if no record with that key came from the same pass (a duplicate row of
a learner who has a record is a problem of the source, not a second learner), and a MaHoSo met
twice is taken once (the second row is reported, not counted).

Writing the counts with the rows they count is what keeps "rows in = accepted + rejected +
problems" true for every batch even when the run is killed half-way: whatever was committed
is counted, and whatever was not will be read again by the next run, into its own batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from hub.findings import Severity
from hub.lifecycle import WAITING_STATES, WORK_STATES
from hub.pipeline.extract import SourceRun
from hub.pipeline.map import Mapped, problem_in
from hub.pipeline.trace import locate
from hub.sources import Problem, RawRecord
from hub.store import (
    Change,
    Failure,
    ProblemIn,
    RecordState,
    Stage,
    Store,
    Upserted,
    add_problems,
    count_unchanged,
    ensure_schools,
    fail_records,
    move_all,
    open_batch,
    records_in,
    set_extraction_counts,
    upsert_records,
)
from hub.store.issued import transcripts_in_force, withdrawn_transcripts

UNKNOWN_SCHOOL = "00000000"  # the batch of problems of a source that names no school


@dataclass
class OpenBatch:
    """One batch of this run while its source is read."""

    id: int
    school_code: str
    school_year: str
    source: str
    taken: int = 0  # records taken this pass (one per MaHoSo)
    unchanged: int = 0
    unkeyed_before: int = 0  # learners without a record, of passes whose keys were let go
    pending: list[Mapped] = field(default_factory=list)
    problems: list[ProblemIn] = field(default_factory=list)
    unkeyed_keys: set[str] = field(default_factory=set)  # source keys with an error problem
    record_keys: set[str] = field(default_factory=set)  # source keys that became a record
    seen: set[str] = field(default_factory=set)  # MaHoSo met this pass
    only: frozenset[str] | None = None  # retry --only-rejected: the learners to take
    dirty: bool = False  # counts changed since the last commit

    @property
    def unkeyed(self) -> int:
        """Learners with an error problem and no record (each counted once)."""
        return self.unkeyed_before + len(self.unkeyed_keys - self.record_keys)

    @property
    def rows_in(self) -> int:
        return self.taken + self.unkeyed

    def let_go(self) -> None:
        """Forget this pass's keys (a school read once need not hold them); counts stay."""
        self.unkeyed_before = self.unkeyed
        self.unkeyed_keys.clear()
        self.record_keys.clear()
        self.seen.clear()


@dataclass(frozen=True, slots=True)
class Work:
    """A learner the workers must (re)do, with the transcript to build from."""

    answer: Upserted
    mapped: Mapped


class Intake:
    """The batches of one run and their chunks.

    Args:
        store: the hub's store.
        run_id: this run.
        chunk_size: learners per committed chunk.
        only_rejected: take only learners whose current record was rejected, and redo them
            even when their content did not change (`hub retry --only-rejected`).
    """

    def __init__(
        self, store: Store, run_id: int, chunk_size: int, *, only_rejected: bool = False
    ) -> None:
        self.store, self.run_id, self.chunk_size = store, run_id, chunk_size
        self.only_rejected = only_rejected
        self.batches: dict[tuple[str, str, str], OpenBatch] = {}
        self._withdrawn: frozenset[str] | None = None  # read from the audit log once a run

    def batch(
        self,
        school_code: str,
        school_year: str,
        source: str,
        school_name: str | None = None,
        *,
        partial_read: bool = False,
    ) -> OpenBatch:
        """The run's batch for a school, year and source (opened and committed on first use).

        `partial_read`: the source's read brings only the learners changed since its cursor.
        """
        key = (school_code, school_year, source)
        found = self.batches.get(key)
        if found is not None:
            return found
        only = None
        with self.store.write() as session:
            ensure_schools(session, [(school_code, school_name)])
            batch_id = open_batch(
                session, self.run_id, school_code, school_year, source, partial_read=partial_read
            )
            if self.only_rejected:
                rejected = records_in(
                    session,
                    school_code=school_code,
                    school_year=school_year,
                    states=[RecordState.REJECTED],
                    current_only=True,
                )
                only = frozenset(r.ma_ho_so for r in rejected)
        found = OpenBatch(batch_id, school_code, school_year, source, only=only)
        self.batches[key] = found
        return found

    def add(self, batch: OpenBatch, mapped: Mapped) -> list[Work] | None:
        """Queue a mapped learner; returns the chunk's work when the chunk was committed."""
        if batch.only is not None and mapped.record.ma_ho_so not in batch.only:
            return None  # retry --only-rejected: every other learner is left as it is
        batch.record_keys.add(mapped.raw.key)
        batch.dirty = True
        if mapped.record.ma_ho_so in batch.seen:
            batch.problems.append(_duplicate(mapped))
            return self._flush_if_full(batch)
        batch.seen.add(mapped.record.ma_ho_so)
        batch.pending.append(mapped)
        return self._flush_if_full(batch)

    def reject_row(self, batch: OpenBatch, key: str, problems: Sequence[ProblemIn]) -> None:
        """A learner's row that cannot become a record: its problems; the learner counted once."""
        if batch.only is not None:
            return  # a retry of rejected learners does not re-report other rows
        batch.problems.extend(replace(p, learner_key=key) for p in problems)
        if any(p.severity is Severity.ERROR for p in problems):
            batch.unkeyed_keys.add(key)
            batch.dirty = True

    def note(self, batch: OpenBatch, problems: Sequence[ProblemIn]) -> None:
        """Problems about the source as a whole (a file, a sheet): no row of their own."""
        if batch.only is None:
            batch.problems.extend(problems)

    def _flush_if_full(self, batch: OpenBatch) -> list[Work] | None:
        if len(batch.pending) >= self.chunk_size:
            return self.flush(batch)
        return None

    def flush(self, batch: OpenBatch) -> list[Work]:
        """Commit the batch's pending learners, problems and counts; return the work."""
        chunk, batch.pending = batch.pending, []
        problems, batch.problems = batch.problems, []
        if not chunk and not problems and not batch.dirty:
            return []
        with self.store.write() as session:
            answers = upsert_records(
                session,
                batch.id,
                [m.record for m in chunk],
                retry_failed=True,
                redo=batch.only is not None,
            )
            held = self._hold_issued(session, batch, chunk, answers)
            fresh = [
                a.record_id
                for a in answers
                if a.needs_work
                and a.state is RecordState.EXTRACTED
                and a.batch_id == batch.id
                and a.record_id not in held
            ]
            move_all(session, fresh, RecordState.EXTRACTED, RecordState.MAPPED)
            add_problems(session, batch.id, problems)
            batch.taken += len(chunk)
            batch.unchanged += count_unchanged(answers, batch.id)
            set_extraction_counts(
                session,
                batch.id,
                rows_in=batch.rows_in,
                unchanged=batch.unchanged,
                unkeyed=batch.unkeyed,
            )
            batch.dirty = False
        moved = set(fresh)
        work = []
        for answer, mapped in zip(answers, chunk, strict=True):
            if not answer.needs_work or answer.state not in WORK_STATES | WAITING_STATES:
                continue  # done, unchanged, late; or signed/submitted: push resumes those
            if answer.record_id in held:
                continue
            state = RecordState.MAPPED if answer.record_id in moved else answer.state
            work.append(Work(_with_state(answer, state), mapped))
        return work

    def _hold_issued(
        self, session: Session, batch: OpenBatch, chunk: list[Mapped], answers: list[Upserted]
    ) -> set[int]:
        """Fail, at `push`, the learners to work on whose transcript is already in force.

        Only learners with a history can have one (a NEW learner has no earlier record), so a
        first sync asks nothing. Returns the ids of the records held.
        """
        asked = {
            a.ma_ho_so
            for a in answers
            if a.needs_work and a.change is not Change.NEW and a.state in WORK_STATES
        }
        if not asked:
            return set()
        if self._withdrawn is None:
            self._withdrawn = frozenset(withdrawn_transcripts(session))
        in_force = transcripts_in_force(
            session, batch.school_code, batch.school_year, sorted(asked), self._withdrawn
        )
        failures: defaultdict[int, list[Failure]] = defaultdict(list)
        for answer, mapped in zip(answers, chunk, strict=True):
            transcript_id = in_force.get(answer.ma_ho_so)
            if transcript_id is None or answer.ma_ho_so not in asked:
                continue
            failure = Failure(
                answer.record_id, answer.state, Stage.PUSH, [_issued(mapped, transcript_id)]
            )
            failures[answer.batch_id].append(failure)  # a resumed record keeps its batch
        for batch_id, of_batch in failures.items():
            fail_records(session, batch_id, of_batch)
        return {f.record_id for of_batch in failures.values() for f in of_batch}


def _issued(mapped: Mapped, transcript_id: str) -> ProblemIn:
    ma = mapped.record.ma_ho_so
    return ProblemIn(
        code="ISSUED_CHANGED",
        severity=Severity.ERROR,
        message_vi=f"Bộ đã cấp học bạ {transcript_id} cho {ma}, và nguồn đã thay đổi từ đó; hub "
        f"không gửi bản mới (Bộ sẽ từ chối, HB301). Nếu là sửa sai: `hub replace {ma} --reason "
        f'"..."` thu hồi bản đã cấp và gửi bản thay thế.',
        message_en=f"The ministry issued transcript {transcript_id} for {ma} and the source has "
        f"changed since; the hub does not send the new version (the ministry would reject it, "
        f'HB301). If it is a correction, `hub replace {ma} --reason "..."` withdraws the issued '
        f"one and sends the replacement.",
        stage=Stage.PUSH,
        source=locate(mapped.record.source_ref, None),
    )


def _with_state(answer: Upserted, state: RecordState) -> Upserted:
    if answer.state is state:
        return answer
    return Upserted(
        answer.record_id,
        answer.ma_ho_so,
        answer.change,
        state,
        answer.batch_id,
        answer.previous_state,
        answer.previous_transcript_id,
    )


def _duplicate(mapped: Mapped) -> ProblemIn:
    where = locate(mapped.record.source_ref, None)
    ma = mapped.record.ma_ho_so
    return ProblemIn(
        code="DUPLICATE_LEARNER",
        severity=Severity.ERROR,
        message_vi=f"Học bạ {ma} xuất hiện hai lần trong nguồn; chỉ giữ lần đầu, xóa dòng thừa.",
        message_en=f"Transcript {ma} appears twice in the source; the first is kept, remove "
        f"the extra row.",
        stage=Stage.MAP,
        source=where,
    )


class SourcePass:
    """One source's read into the run's batches: each item routed to the batch it concerns.

    A source that names its school and year (a school folder of a province) has its batch from
    the start; one that does not learns it from its first record, and problems met before
    that wait for it. Problems of a source that yields no record at all go to the batch of
    its school, or of `UNKNOWN_SCHOOL` when not even that is known.

    Args:
        intake: the run's intake.
        source: the source read.
        default_year: the school year a school-less, record-less source's problems are filed
            under (the run's `--year`, else "0000-0000").
        on_learner: called once per learner met (progress).
        partial_read: the read brings only the learners changed since the source's cursor (an
            incremental source): its batches say so (`Batch.partial_read`).
    """

    def __init__(
        self,
        intake: Intake,
        source: SourceRun,
        default_year: str | None,
        on_learner: Callable[[], None] = lambda: None,
        *,
        partial_read: bool = False,
    ) -> None:
        self.intake, self.source = intake, source
        self.partial_read = partial_read
        self._default_year = default_year or "0000-0000"
        self._on_learner = on_learner
        self._last: OpenBatch | None = None
        self._waiting: list[Problem] = []
        self._learners: set[str] = set()  # source keys met: records and learners' problems
        self.changed = False  # the source yielded a record or a problem
        self.skipped = False  # a record was left out by the run's filters

    @property
    def learners(self) -> int:
        """Learners read: distinct source keys, whether they became a record or a problem."""
        return len(self._learners)

    def _met(self, key: str) -> None:
        if key not in self._learners:
            self._learners.add(key)
            self._on_learner()

    def _own_batch(self) -> OpenBatch | None:
        source = self.source
        if source.school_code and source.school_year:
            return self.intake.batch(
                source.school_code, source.school_year, source.name, partial_read=self.partial_read
            )
        return self._last

    def _fallback_batch(self) -> OpenBatch:
        source = self.source
        year = source.school_year or self._default_year
        return self.intake.batch(
            source.school_code or UNKNOWN_SCHOOL, year, source.name, partial_read=self.partial_read
        )

    def _file(self, problem: Problem, batch: OpenBatch) -> None:
        stored = problem_in(problem, Stage.EXTRACT)
        if problem.record_key is None or problem.severity is Severity.WARNING:
            self.intake.note(batch, [stored])
        else:
            self.intake.reject_row(batch, problem.record_key, [stored])

    def problem(self, problem: Problem) -> None:
        """A problem the source reported (with a learner's key, or about a file or the source)."""
        self.changed = True
        if problem.record_key is not None and problem.severity is Severity.ERROR:
            self._met(problem.record_key)
        if problem.school is not None and problem.record_key is None:
            code, year = problem.school  # the source names the school it concerns
            batch: OpenBatch | None = self.intake.batch(
                code, year, self.source.name, partial_read=self.partial_read
            )
        else:
            batch = self._own_batch()
        if batch is None:
            self._waiting.append(problem)
        else:
            self._file(problem, batch)

    def record(
        self, raw: RawRecord, outcome: Mapped | list[ProblemIn], takes: Callable[[Mapped], bool]
    ) -> list[Work]:
        """A record the source read, mapped (or the problems that kept it from mapping)."""
        self.changed = True
        self._met(raw.key)
        if isinstance(outcome, list):
            self.intake.reject_row(self._own_batch() or self._fallback_batch(), raw.key, outcome)
            return []
        if not takes(outcome):
            self.skipped = True  # the next sync must still read this learner
            return []
        header = outcome.transcript.header
        batch = self.intake.batch(
            header.school_code,
            header.school_year,
            self.source.name,
            header.school_name,
            partial_read=self.partial_read,
        )
        self._last = batch
        for waiting in self._waiting:
            self._file(waiting, batch)
        self._waiting.clear()
        return self.intake.add(batch, outcome) or []

    def finish(self) -> list[Work]:
        """The end of the read: file what still waits, commit every batch of this source."""
        if self._waiting:
            batch = self._own_batch() or self._fallback_batch()
            for waiting in self._waiting:
                self._file(waiting, batch)
            self._waiting.clear()
        work: list[Work] = []
        for batch in list(self.intake.batches.values()):
            if batch.source != self.source.name:
                continue
            work += self.intake.flush(batch)
            if self.source.school_code and batch.school_code == self.source.school_code:
                # This school's pass is over (a province folder reads each school once): its
                # keys need not be held for the rest of a province-sized run.
                batch.let_go()
        self._learners.clear()
        return work
