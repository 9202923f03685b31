"""The runner: extract → map → check → build → sign → push, as DESIGN.md draws it.

It only chains the stages; each lives in its own module:

    extract   hub.pipeline.extract   sources, read one item at a time
    map       hub.pipeline.map       raw → Transcript, content hash, trace   (+ intake: store)
    check     hub.pipeline.check     look-up in the parent, rules in the workers
    build     hub.pipeline.build     document bytes, schema-validated         } worker processes
    sign      hub.pipeline.sign      the configured roles                     } (hub.pipeline.pool)
    push      hub.pipeline.push      submissions, receipts, results

A run first finishes what an earlier, killed run left (submissions to resend or poll, signed
learners to group), then reads every source from its stored cursor (only what changed since
the last complete read: hub.pipeline.extract), then sends what is left and polls. Every state
change is committed before the next side effect, so killing the process anywhere and running
it again ends with exactly one accepted transcript per learner (hub.pipeline.push explains the
sending side).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.config import HubConfig
from hub.mapping import MappingSet, load_mappings
from hub.ministry import Credentials, MinistryClient, MinistryService
from hub.ministry.config import ENDPOINT_ENV as ENDPOINT_ENV  # where tests and scripts import it
from hub.ministry.config import choose_endpoint, read_password
from hub.ministry.contract import MAX_DOCUMENTS_PER_SUBMISSION
from hub.ministry.errors import MinistryError
from hub.pipeline.check import LearnerLookup
from hub.pipeline.extract import (
    SourceRun,
    check_options,
    mappings_digest,
    read_source,
    reading_context,
    source_runs,
)
from hub.pipeline.intake import Intake, OpenBatch
from hub.pipeline.map import PIPELINE_VERSION, Mapped, map_record, problem_in
from hub.pipeline.pool import WorkPool
from hub.pipeline.progress import SyncProgress
from hub.pipeline.push import Pusher
from hub.pipeline.sign import Signers
from hub.pipeline.worker import WorkerSpec
from hub.plugins import Registry, load_plugins
from hub.sources import Checkpoint, CursorError, Problem, RawRecord, Severity
from hub.store import (
    BatchAccounting,
    BatchState,
    RunState,
    Stage,
    Store,
    StoredCursor,
    StoreError,
    batch_accounting,
    batches,
    close_batch,
    finish_run,
    load_cursors,
    open_existing,
    save_cursors,
    sources_with_failures,
    start_run,
    unfinished_runs,
)

log = logging.getLogger(__name__)

UNKNOWN_SCHOOL = "00000000"  # the batch of problems of a source that names no school


@dataclass(frozen=True)
class SyncOptions:
    """What one `hub sync` (or `hub retry --only-rejected`) is asked to do."""

    school: str | None = None  # MaTruong
    year: str | None = None  # NamHoc
    source: str | None = None  # a configured source name
    only_rejected: bool = False  # take only learners whose current record was rejected
    workers: int | None = None  # worker processes; one per core by default
    chunk_size: int = 64  # learners per committed chunk
    progress: bool = True
    today: date | None = None  # the day the rules judge by (NgayLap not in the future)
    look_up: bool = True  # TraCuuHocSinh before signing (off: leave identity to the ministry)
    submission_size: int = MAX_DOCUMENTS_PER_SUBMISSION  # documents per NopHocBa (≤ 500)
    full_read: bool = False  # read every source from the start, not from its stored cursor

    def parameters(self) -> dict[str, Any]:
        wanted = ("school", "year", "source", "only_rejected", "full_read")
        return {k: getattr(self, k) for k in wanted if getattr(self, k) not in (None, False)}


@dataclass
class SyncReport:
    """What a run did, for the command line and the tests."""

    run_id: int
    batches: list[BatchAccounting] = field(default_factory=list)
    read: int = 0
    sources_unchanged: int = 0  # sources with nothing new since their stored cursor
    resumed_submissions: int = 0
    requeued: int = 0
    submissions_sent: int = 0
    documents_sent: int = 0
    documents_settled: int = 0
    lookups: int = 0
    incomplete: MinistryError | None = None  # the ministry stopped us; run again later
    unsettled: list[str] = field(default_factory=list)  # receipts still processing
    unbalanced: list[BatchAccounting] = field(default_factory=list)  # a bug if ever non-empty

    @property
    def problems(self) -> int:
        return sum(b.rejected + b.problems for b in self.batches)


def open_store(config: HubConfig, environ: Mapping[str, str] | None = None) -> Store:
    """The configured store; never created here (`hub db upgrade` does that).

    A sync on a store that does not exist would send the whole province again, so a missing
    SQLite file, a database without the hub's schema and one at another revision are refused.

    Raises:
        StoreError: absent, unreachable, not a hub database, or at another schema revision.
    """
    return open_existing(config.database_url(environ))


def ministry_client(config: HubConfig, endpoint: str | None = None) -> MinistryClient:
    """The connection-service client of the configuration (password from its variable).

    The address is `endpoint` when given (`hub demo`'s own sandbox), else [ministry] endpoint;
    HUB_MINISTRY_ENDPOINT names a running sandbox only when that is "sandbox", and its use is
    logged. Each is sent the password only over https://, or http:// on loopback.

    Raises:
        UsageError: the endpoint is "sandbox" and no sandbox address was given; the variable is
            set while the configured endpoint is not "sandbox"; the address is not https (nor
            http on loopback); the password variable is not set. Each names the setting.
    """
    setting = f"{config.path}: [ministry] endpoint"
    address = choose_endpoint(config.ministry.endpoint, setting, endpoint)
    password = read_password(config.ministry.password_env)
    return MinistryClient(address, Credentials(config.ministry.username, password))


def run_sync(
    config: HubConfig,
    options: SyncOptions,
    service: MinistryService,
    *,
    store: Store | None = None,
) -> SyncReport:
    """One sync of the configured sources (or retry of rejected learners), to its end.

    Run one sync at a time per store: a run marks runs it finds unfinished as interrupted
    (killed or crashed) and takes over their open batches and submissions.

    Args:
        config: the configuration (its file is re-read by each worker process).
        options: filters and switches.
        service: the ministry (a MinistryClient, or a fake in tests).
        store: an open store; opened from the configuration when None.

    Raises:
        UsageError: a source, option or signing key is misconfigured.
        StoreError: the store cannot be used.
        MinistryError: the ministry refused the credentials or broke the contract.
        SourceFailed: a plugin failed while reading.
    """
    own_store = store is None
    store = store or open_store(config)
    try:
        return _Run(config, options, service, store).run()
    finally:
        if own_store:
            store.dispose()


def retry_rejected(
    config: HubConfig, service: MinistryService, *, school: str | None = None, **kw: Any
) -> SyncReport:
    """Send again only the learners whose current record was rejected (after a fix at source).

    Every other learner and batch is left as it is. `hub retry --only-rejected` calls this.
    """
    return run_sync(config, SyncOptions(school=school, only_rejected=True, **kw), service)


class _Run:
    def __init__(
        self, config: HubConfig, options: SyncOptions, service: MinistryService, store: Store
    ) -> None:
        self.config, self.options, self.service, self.store = config, options, service, store
        self.registry: Registry = load_plugins()
        self.mappings: MappingSet = load_mappings(
            self.registry.mapping_dirs, self.registry.transforms
        )
        self.sources = [r for r in source_runs(config, options.source) if self._wanted(r)]
        for source in self.sources:
            check_options(source, self.registry, config.path)
        Signers(config).check({s.school_code for s in self.sources if s.school_code})
        self._mappings_digest = mappings_digest(self.registry.mapping_dirs)
        self._cursors_read: dict[str, StoredCursor] = {}  # saved once their learners are past work
        self._stored: dict[str, StoredCursor] = {}  # the cursors of the last complete reads
        self._failing: set[tuple[str, str]] = set()  # (source, school) with failed learners

    def _wanted(self, source: SourceRun) -> bool:
        school, year = self.options.school, self.options.year
        return not (
            (school and source.school_code and source.school_code != school)
            or (year and source.school_year and source.school_year != year)
        )

    def run(self) -> SyncReport:
        with self.store.write() as session:
            for stale in unfinished_runs(session):
                assert stale.id is not None
                finish_run(session, stale.id, RunState.INTERRUPTED)
            run_id = start_run(session, self.options.parameters())
        report = SyncReport(run_id)
        today = self.options.today or date.today()
        spec = WorkerSpec(str(self.config.path), today)
        intake = Intake(
            self.store, run_id, self.options.chunk_size, only_rejected=self.options.only_rejected
        )
        lookup = LearnerLookup(self.service if self.options.look_up else None)
        state = RunState.FAILED
        with SyncProgress(self.options.progress) as progress:
            pusher = Pusher(
                self.store,
                self.service,
                self.config.ministry.unit,
                on_sent=lambda n: progress.advance("sent", n),
                on_settled=lambda n: progress.advance("settled", n),
                max_documents=min(self.options.submission_size, MAX_DOCUMENTS_PER_SUBMISSION),
            )
            try:
                report.resumed_submissions = pusher.resume()
                report.requeued = pusher.requeue_signed()
                with WorkPool(
                    self.store,
                    spec,
                    lookup,
                    pusher,
                    workers=self.options.workers,
                    on_signed=lambda n: progress.advance("signed", n),
                ) as pool:
                    with self.store.read() as session:
                        self._stored = load_cursors(session)
                        self._failing = sources_with_failures(session)
                    for source in self.sources:
                        report.read += self._read(source, intake, pool, progress, report)
                    pool.drain()
                if self._cursors_read:  # every learner read is now signed or finished
                    with self.store.write() as session:
                        save_cursors(session, run_id, self._cursors_read)
                pusher.flush()
                pusher.settle()
                state = RunState.FINISHED
            finally:
                report.lookups = lookup.calls
                report.incomplete = pusher.stopped
                report.unsettled = pusher.unsettled
                counts = pusher.counts
                report.submissions_sent = counts.submissions_sent
                report.documents_sent = counts.documents_sent
                report.documents_settled = counts.documents_settled
                self._close(report, [b.id for b in intake.batches.values()], state)
        return report

    def _start_from(self, source: SourceRun, context: str) -> str | None:
        """The cursor to read a source from: the stored one, if still valid and wanted."""
        if self.options.full_read or self.options.only_rejected:
            return None  # a retry of rejected learners looks at every row, changed or not
        if any(
            name == source.name and (source.school_code in (None, school))
            for name, school in self._failing
        ):
            return None  # its failed learners are tried again (upsert_records: retry_failed)
        found = self._stored.get(source.label)
        if found is None or found.context != context:
            return None
        return found.cursor

    def _whole_or_nothing(
        self, source: SourceRun, cursor: str | None
    ) -> Iterator[RawRecord | Problem | Checkpoint]:
        """The source read in full, or only its last checkpoint when nothing changed.

        The stored cursor is used as a probe: as soon as the incremental read yields anything
        (a record or a problem), the source is read again from the start. A batch then always
        holds its source's every row, so "rows in" of a school's latest batch is the school's
        whole roster and the report's source problems are never half of what the files hold;
        a school whose files did not change costs only the plugin's change check.
        """
        if cursor is None:
            yield from read_source(source, self.registry, None)
            return
        last: Checkpoint | None = None
        probe = read_source(source, self.registry, cursor)
        try:
            for item in probe:
                if not isinstance(item, Checkpoint):
                    log.info("source %s changed since its last read: read in full", source.label)
                    break
                last = item
            else:
                if last is not None:
                    yield last
                return
        except CursorError:  # e.g. a plugin upgrade changed its cursor's format
            log.warning("source %s: stored cursor not understood; read in full", source.label)
        finally:
            probe.close()
        yield from read_source(source, self.registry, None)

    def _read(
        self,
        source: SourceRun,
        intake: Intake,
        pool: WorkPool,
        progress: Any,
        report: SyncReport,
    ) -> int:
        """Extract and map one source into the run's batches; returns the rows read."""
        read = 0
        context = reading_context(source, self.registry, self._mappings_digest, PIPELINE_VERSION)
        cursor = self._start_from(source, context)
        changed = False  # the source yielded a record or a problem
        checkpoint: str | None = None
        complete = not self.options.only_rejected  # False once a record is left out by a filter
        last: list[OpenBatch] = []
        waiting: list[Problem] = []  # problems met before the source's batch is known

        def source_batch() -> OpenBatch:
            if source.school_code and source.school_year:
                return intake.batch(source.school_code, source.school_year, source.name)
            if last:
                return last[-1]
            year = source.school_year or self.options.year or "0000-0000"
            return intake.batch(source.school_code or UNKNOWN_SCHOOL, year, source.name)

        def take_problem(problem: Problem, batch: OpenBatch) -> None:
            stored = problem_in(problem, Stage.EXTRACT)
            if problem.record_key is None or problem.severity is Severity.WARNING:
                intake.note(batch, [stored])
            else:
                intake.reject_row(batch, problem.record_key, [stored])

        for item in self._whole_or_nothing(source, cursor):
            if isinstance(item, Checkpoint):
                checkpoint = item.cursor
                continue
            changed = True
            if isinstance(item, Problem):
                if item.record_key is not None and item.severity is Severity.ERROR:
                    read += 1
                    progress.advance("read")
                if not last and not (source.school_code and source.school_year):
                    waiting.append(item)
                    continue
                take_problem(item, source_batch())
                continue
            assert isinstance(item, RawRecord)
            read += 1
            progress.advance("read")
            outcome = map_record(item, self.mappings)
            if isinstance(outcome, list):
                intake.reject_row(source_batch(), item.key, outcome)
                continue
            if not self._takes(outcome):
                complete = False  # the next sync must still read this learner
                continue
            header = outcome.transcript.header
            batch = intake.batch(header.school_code, header.school_year, source.name,
                                 header.school_name)  # fmt: skip
            last.append(batch)
            del last[:-1]
            for problem in waiting:
                take_problem(problem, batch)
            waiting.clear()
            pool.submit(intake.add(batch, outcome) or [])
        if waiting:
            batch = source_batch()
            for problem in waiting:
                take_problem(problem, batch)
        for batch in list(intake.batches.values()):
            if batch.source == source.name:
                pool.submit(intake.flush(batch))
                if source.school_code and batch.school_code == source.school_code:
                    # This school's pass is over (a province folder reads each school once):
                    # its keys need not be held for the rest of a province-sized run.
                    batch.seen.clear()
                    batch.unkeyed_keys.clear()
        if cursor is not None and not changed:
            report.sources_unchanged += 1
        if complete and checkpoint is not None:
            self._cursors_read[source.label] = StoredCursor(checkpoint, context)
        return read

    def _takes(self, mapped: Mapped) -> bool:
        school, year = self.options.school, self.options.year
        return (not school or mapped.school_code == school) and (
            not year or mapped.school_year == year
        )

    def _close(self, report: SyncReport, run_batches: list[int], state: RunState) -> None:
        """Close every open batch whose learners have all finished; finish the run."""
        with self.store.read() as session:
            open_ids = [b.id for b in batches(session, state=BatchState.OPEN) if b.id is not None]
        for batch_id in open_ids:
            with self.store.write() as session:
                counts = batch_accounting(session, batch_id)
                if counts.in_flight == 0:
                    try:
                        close_batch(session, batch_id)
                    except StoreError:
                        report.unbalanced.append(counts)
                        log.error("batch %s does not add up: %s", batch_id, counts)
        with self.store.write() as session:
            report.batches = [batch_accounting(session, b) for b in run_batches]
            ended = state
            if state is RunState.FINISHED and (report.incomplete or report.unsettled):
                ended = RunState.FAILED
            finish_run(session, report.run_id, ended)
