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
the last complete read: hub.pipeline.extract) and asks a source whose vendor signs the
documents itself again for the learners still waiting for them (hub.pipeline.vendor), then
sends what is left and polls. Every state change is committed before the next side effect, so
killing the process anywhere and running it again ends with exactly one accepted transcript
per learner (hub.pipeline.push explains the sending side).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.config import HubConfig
from hub.errors import StopRequested, UsageError
from hub.mapping import MappingSet, load_mappings
from hub.ministry import Credentials, MinistryClient, MinistryService
from hub.ministry.config import ENDPOINT_ENV as ENDPOINT_ENV  # where tests and scripts import it
from hub.ministry.config import choose_endpoint, read_password
from hub.ministry.contract import MAX_DOCUMENTS_PER_SUBMISSION
from hub.ministry.errors import MinistryError
from hub.pipeline.chain import Chain
from hub.pipeline.check import LearnerLookup
from hub.pipeline.extract import (
    SourceRun,
    build_source,
    check_options,
    mappings_digest,
    narrowed,
    read_changed,
    reading_context,
    source_runs,
    start_cursor,
)
from hub.pipeline.intake import Intake, SourcePass
from hub.pipeline.map import PIPELINE_VERSION, Mapped, map_record
from hub.pipeline.pool import WorkPool
from hub.pipeline.progress import SyncProgress
from hub.pipeline.push import Pusher
from hub.pipeline.sign import Signers
from hub.pipeline.vendor import ask_again, check_trust
from hub.pipeline.worker import WorkerSpec
from hub.plugins import Registry, load_plugins
from hub.sources import Checkpoint, Problem, Source, VendorSignedSource
from hub.store import (
    BatchAccounting,
    BatchState,
    RunOutcome,
    RunState,
    Store,
    StoredCursor,
    StoreError,
    batch_accounting,
    batches,
    close_batch,
    finish_run,
    load_cursors,
    open_existing,
    run_outcome,
    save_cursors,
    sources_with_unfinished_work,
    start_run,
    unfinished_runs,
)
from hub.store.leases import LeaseHolder, acquire, live_run_ids
from hub.store.scope import Scope

log = logging.getLogger(__name__)


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
    wait: float = 0.0  # seconds to wait for another holder of an overlapping piece (0: refuse)
    on_wait: Callable[[LeaseHolder], None] | None = None  # told once whom it waits for
    # Set by whoever runs the sync in a thread (`hub serve` on SIGTERM): the run stops after
    # the chunk it is committing, as on Ctrl-C (a signal reaches only the main thread).
    stop: threading.Event | None = field(default=None, compare=False)

    def parameters(self) -> dict[str, Any]:
        wanted = ("school", "year", "source", "only_rejected", "full_read")
        return {k: getattr(self, k) for k in wanted if getattr(self, k) not in (None, False)}

    @property
    def scope(self) -> Scope:
        """The piece this run works on and holds the lease of (None: all of them)."""
        return Scope(self.source, self.school, self.year)


@dataclass
class SyncReport:
    """What a run did, for the command line and the tests.

    `outcome` counts the learners this run worked on by where they stand at its end, those it
    resumed from earlier runs included; `batches` are the accounts of every batch it touched
    (its own, and the earlier ones whose learners it finished).
    """

    run_id: int
    batches: list[BatchAccounting] = field(default_factory=list)
    outcome: RunOutcome = field(default_factory=RunOutcome)
    read: int = 0  # learners read from the sources (records and learners' problems)
    sources_unchanged: int = 0  # sources with nothing new since their stored cursor
    resumed_submissions: int = 0
    requeued: int = 0
    submissions_sent: int = 0
    documents_sent: int = 0
    documents_settled: int = 0
    lookups: int = 0
    vendor_asked: int = 0  # learners waiting for their vendor's signatures, asked again
    vendor_unreachable: list[str] = field(default_factory=list)  # the vendors' own messages
    incomplete: MinistryError | None = None  # the ministry stopped us; run again later
    unsettled: list[str] = field(default_factory=list)  # receipts still processing
    unbalanced: list[BatchAccounting] = field(default_factory=list)  # a bug if ever non-empty
    stopped: bool = False  # SIGTERM or Ctrl-C ended the run early (nothing lost)

    @property
    def problems(self) -> int:
        """Learners of this run rejected by the ministry or with a problem of the hub's."""
        return self.outcome.rejected + self.outcome.problems


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

    Holds the lease of its piece (`options.scope`: hub.store.leases), so runs of pieces that
    overlap never work at once, and runs of other pieces (another school) work beside it. A
    run marks the unfinished runs of overlapping pieces as interrupted (killed or crashed:
    their lease was free) and takes over the open batches and submissions of its own piece
    only.

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


def _check_filters(options: SyncOptions, every: list[SourceRun], config: HubConfig) -> None:
    """`--school` and `--year` must name something a configured source holds.

    A filter that matches nothing would read nothing and report all is well. When every
    source says its school (and year), that is known before reading; a source that learns its
    school from its rows is read, and `_Run.run` checks afterwards.

    Raises:
        UsageError: the filter matches no configured source.
    """
    for asked, declared, flag in (
        (options.school, {r.school_code for r in every}, "--school"),
        (options.year, {r.school_year for r in every}, "--year"),
    ):
        if asked is None or None in declared or asked in declared:
            continue
        known = ", ".join(sorted(str(d) for d in declared)) or "-"
        raise UsageError(
            f"{flag} {asked}: không nguồn nào trong {config.path} có giá trị này (có: {known}).",
            f"{flag} {asked}: no source in {config.path} holds it (they hold: {known}).",
        )


def _check_narrowed(options: SyncOptions, left: list[SourceRun], config: HubConfig) -> None:
    """A filter every source that lists its schools and years turned down matches nothing.

    Raises:
        UsageError: no configured source holds the school (year) asked.
    """
    if left or not (options.school or options.year):
        return
    what = " ".join(
        f"{flag} {v}" for flag, v in (("--school", options.school), ("--year", options.year)) if v
    )
    raise UsageError(
        f"{what}: không nguồn nào trong {config.path} có trường/năm học này (xem `schools`, "
        f"`years` của các nguồn).",
        f"{what}: no source in {config.path} holds this school/year (see the sources' "
        f"`schools` and `years`).",
    )


class _Run:
    def __init__(
        self, config: HubConfig, options: SyncOptions, service: MinistryService, store: Store
    ) -> None:
        self.config, self.options, self.service, self.store = config, options, service, store
        self.registry: Registry = load_plugins()
        self.mappings: MappingSet = load_mappings(
            self.registry.mapping_dirs, self.registry.transforms
        )
        every = source_runs(config, options.source)
        _check_filters(options, every, config)
        wanted = [r for r in every if self._wanted(r)]
        for source in wanted:
            check_options(source, self.registry, config.path)
        self._whole = {r.label: r for r in wanted}  # before narrowing: their stored cursors
        self.sources = narrowed(wanted, self.registry, options.school, options.year)
        _check_narrowed(options, self.sources, config)
        self._built: dict[str, Source] = {
            source.label: build_source(source, self.registry) for source in self.sources
        }
        check_trust(config, [(s.label, self._built[s.label]) for s in self.sources])
        # A province whose every source is signed by its vendor (vnEdu) needs no key: the hub
        # never signs those documents, so it does not ask for a seal it would not use.
        hub_signed = [
            s for s in self.sources if not isinstance(self._built[s.label], VendorSignedSource)
        ]
        if hub_signed:
            signers = Signers(config, self.registry.provider_kinds())
            signers.check({s.school_code for s in hub_signed if s.school_code})
        self._mappings_digest = mappings_digest(self.registry.mapping_dirs)
        self._cursors_read: dict[str, StoredCursor] = {}  # saved once their learners are past work
        self._stored: dict[str, StoredCursor] = {}  # the cursors of the last complete reads
        self._unfinished: set[tuple[str, str]] = set()  # (source, school) to read in full

    def _wanted(self, source: SourceRun) -> bool:
        school, year = self.options.school, self.options.year
        return not (
            (school and source.school_code and source.school_code != school)
            or (year and source.school_year and source.school_year != year)
        )

    def run(self) -> SyncReport:
        scope = self.options.scope
        with acquire(
            self.store, scope, wait=self.options.wait, on_wait=self.options.on_wait
        ) as lease:
            with self.store.write() as session:
                live = live_run_ids(session)
                for stale in unfinished_runs(session, scope):
                    # An overlapping piece's run whose lease is gone: killed or crashed.
                    if stale.id is not None and stale.id not in live:
                        finish_run(session, stale.id, RunState.INTERRUPTED)
                run_id = start_run(session, self.options.parameters(), scope)
            lease.set_run(run_id)
            report = self._run(run_id)
        self._check_found(report)
        return report

    def _check_found(self, report: SyncReport) -> None:
        """After a filtered run over sources that learn their school from their rows."""
        school, year = self.options.school, self.options.year
        if not (school or year) or report.batches or report.read == 0:
            return
        with self.store.read() as session:
            seen = batches(session, school_code=school, school_year=year)
        if not seen:
            what = " ".join(
                f"{flag} {v}" for flag, v in (("--school", school), ("--year", year)) if v
            )
            raise UsageError(
                f"{what}: các nguồn đã đọc không có học sinh nào như vậy.",
                f"{what}: the sources read hold no such learner.",
            )

    def _run(self, run_id: int) -> SyncReport:
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
                run_id=run_id,
                scope=self.options.scope,
                on_sent=lambda n: progress.advance("sent", n),
                on_settled=lambda n: progress.advance("settled", n),
                on_known=progress.resumed,
                max_documents=min(self.options.submission_size, MAX_DOCUMENTS_PER_SUBMISSION),
            )
            try:
                report.resumed_submissions = pusher.resume()
                report.requeued = pusher.requeue_signed()
                with WorkPool(spec, workers=self.options.workers) as pool:
                    chain = Chain(self.store, lookup, pool, pusher, progress)
                    with self.store.read() as session:
                        self._stored = load_cursors(session)
                        self._unfinished = sources_with_unfinished_work(session)
                    for source in self.sources:
                        self._stop_if_asked()
                        report.read += self._read(source, intake, chain, progress, report)
                    chain.drain(self._stop_if_asked if self.options.stop is not None else None)
                self._stop_if_asked()  # signed learners wait, SIGNED, for the next run
                if self._cursors_read:  # every learner read is now signed or finished
                    with self.store.write() as session:
                        save_cursors(session, run_id, self._cursors_read)
                pusher.flush()
                pusher.settle()
                state = RunState.FINISHED
            except (StopRequested, KeyboardInterrupt):
                state, report.stopped = RunState.INTERRUPTED, True
                raise
            finally:
                report.lookups = lookup.calls
                report.incomplete = pusher.stopped
                report.unsettled = pusher.unsettled
                counts = pusher.counts
                report.submissions_sent = counts.submissions_sent
                report.documents_sent = counts.documents_sent
                report.documents_settled = counts.documents_settled
                self._close(report, state)
        return report

    def _read(
        self,
        source: SourceRun,
        intake: Intake,
        chain: Chain,
        progress: SyncProgress,
        report: SyncReport,
    ) -> int:
        """Extract and map one source into the run's batches; returns the learners read."""
        context = reading_context(source, self.registry, self._mappings_digest, PIPELINE_VERSION)
        full = self.options.full_read or self.options.only_rejected
        incremental = self.registry.source(source.plugin).incremental
        whole = None
        if source.piece is not None:  # a narrowed read may start from the whole source's
            whole_context = reading_context(
                self._whole[source.label], self.registry, self._mappings_digest, PIPELINE_VERSION
            )
            whole = (source.label, whole_context)
        cursor = start_cursor(
            source,
            context,
            self._stored,
            self._unfinished,
            full=full,
            incremental=incremental,
            whole=whole,
        )
        reading = SourcePass(
            intake,
            source,
            self.options.year,
            lambda: progress.advance("read"),
            partial_read=incremental and cursor is not None,
        )
        checkpoint: str | None = None
        built = self._built[source.label]
        vendor = source.name
        for item in read_changed(
            source, self.registry, cursor, incremental=incremental, source=built
        ):
            if isinstance(item, Checkpoint):
                checkpoint = item.cursor
            elif isinstance(item, Problem):
                reading.problem(item)
            else:
                work = reading.record(item, map_record(item, self.mappings), self._takes)
                chain.hand(work, vendor)
                if work:  # a chunk committed and handed on: a place to stop
                    self._stop_if_asked()
        learners = reading.learners
        chain.hand(reading.finish(), vendor)
        if not self.options.only_rejected:
            asked = ask_again(
                self.store,
                chain,
                source,
                built,
                run_id=report.run_id,
                school=self.options.school,
                year=self.options.year,
                chunk_size=self.options.chunk_size,
            )
            report.vendor_asked += asked.asked
            report.vendor_unreachable += asked.unreachable
        if cursor is not None and not reading.changed:
            report.sources_unchanged += 1
        complete = not (self.options.only_rejected or reading.skipped)
        if complete and checkpoint is not None:
            self._cursors_read[source.cursor_key] = StoredCursor(checkpoint, context)
        return learners

    def _stop_if_asked(self) -> None:
        """Raise StopRequested, as SIGTERM does in `hub sync`, when the caller set `stop`."""
        if self.options.stop is not None and self.options.stop.is_set():
            raise StopRequested(signal.SIGTERM)

    def _takes(self, mapped: Mapped) -> bool:
        school, year = self.options.school, self.options.year
        return (not school or mapped.school_code == school) and (
            not year or mapped.school_year == year
        )

    def _close(self, report: SyncReport, state: RunState) -> None:
        """Close every open batch whose learners have all finished; count; finish the run."""
        scope = self.options.scope
        with self.store.read() as session:
            found = batches(
                session,
                state=BatchState.OPEN,
                source=scope.source,
                school_code=scope.school,
                school_year=scope.year,
            )  # its own piece's: another piece's batch may be filling beside it
            open_ids = [b.id for b in found if b.id is not None]
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
            report.outcome = run_outcome(session, report.run_id)
            report.batches = [batch_accounting(session, b) for b in report.outcome.batch_ids]
            ended = state
            if state is RunState.FINISHED and (
                report.incomplete or report.unsettled or report.outcome.pending
            ):
                ended = RunState.FAILED
            finish_run(session, report.run_id, ended)
