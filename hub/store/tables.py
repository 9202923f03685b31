"""The store's tables: schools, runs, batches, records and their documents, submissions,
problems, source cursors, the audit log.

    Run ──< Batch ──< Record >── Submission (by batch_key = MaLoGui)
     │        │          │ └── RecordDocument (the signed bytes, written once)
     │        └──< Problem >┘  (a problem belongs to a batch, and to a record when it has one)
     └ one `hub sync` (or retry)    AuditEntry: append-only, hash-chained (hub.store.audit)
                                    ScheduleRun: one firing of a schedule (hub.jobs.history)
                                    SignerAssignment: who signs what, from when (hub.signers)

A **batch** is one school × one school year × one source run. A **record** is one learner's
document in a batch. Records are history: a learner seen again with new content gets a new
record in the new batch and the old one keeps its outcome, so a batch, once complete, never
changes. `is_current` marks the record that stands for the learner (MaHoSo × NamHoc) now; a
partial unique index keeps it to one, which is what makes two runners racing on one learner fail
loudly instead of sending twice.

Enums are stored as short strings (no PostgreSQL enum types), so that adding a state later is a
code change rather than an `ALTER TYPE` migration.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hub.findings import Severity

# Re-exported: the tables store these enums; their one definition is hub.lifecycle.
from hub.lifecycle import RecordState as RecordState
from hub.lifecycle import Stage as Stage


class RunState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # stopped by an error it reported
    INTERRUPTED = "interrupted"  # found still "running" by a later run (killed, crashed)


class BatchState(StrEnum):
    OPEN = "open"  # records still moving
    COMPLETE = "complete"  # every record terminal, counts frozen


class SubmissionState(StrEnum):
    """A submission (NopHocBa) from the moment its key is fixed to its last result."""

    PREPARED = "prepared"  # key and documents fixed and committed; maybe not yet sent
    SENT = "sent"  # receipt (MaTiepNhan) in hand; results not yet in
    DONE = "done"  # every document accepted or rejected
    REFUSED = "refused"  # the whole request got a fault a person must fix (E_DU_LIEU, ...)


OPEN_SUBMISSION_STATES = frozenset({SubmissionState.PREPARED, SubmissionState.SENT})


class AuditKind(StrEnum):
    """What an audit entry is evidence of."""

    SIGNED = "signed"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    VERIFIED = "verified"  # a document the vendor signed, verified and compared, then kept


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on both back ends.

    SQLite has no time zone type and gives back naive datetimes; storing UTC and re-attaching
    the zone on the way out keeps comparisons in Python correct on both.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(kind: type[StrEnum], length: int = 16) -> sa.Enum:
    # native_enum=False: a VARCHAR on PostgreSQL too; values (not names) are stored.
    return sa.Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Named constraints, so that a later migration can drop or alter one by name on both back ends.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StoreTable(
    SQLModel, registry=registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))
):
    """The base of the store's tables, with metadata of its own.

    SQLModel's default metadata is shared by every table model in the process (the sandbox's
    too); a registry of our own keeps Alembic's comparison to exactly the hub store's tables.
    """


def _when(*, nullable: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable)


class School(StoreTable, table=True):
    __tablename__ = "schools"

    code: str = Field(primary_key=True, max_length=8)  # MaTruong
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when()


class Run(StoreTable, table=True):
    """One `hub sync` or `hub retry`: what was asked, when, and how it ended."""

    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    state: RunState = Field(default=RunState.RUNNING, sa_type=_enum(RunState))
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # The piece it works on, as its lease (hub.store.scope; None: all of them): a run marks
    # unfinished only the runs of pieces that overlap its own as interrupted.
    source: str | None = Field(default=None, max_length=64)
    school: str | None = Field(default=None, max_length=8)
    year: str | None = Field(default=None, max_length=9)
    started_at: datetime = _when()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Sums of the run's batches, written by finish_run() (live figures: batch_accounting()).
    rows_in: int = 0
    unchanged: int = 0
    accepted: int = 0
    rejected: int = 0
    failed: int = 0


class Batch(StoreTable, table=True):
    """One school × one school year × one source run: the unit operators see and re-run."""

    __tablename__ = "batches"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "school_code", "school_year", "source"),
        sa.Index("ix_batches_school_year", "school_code", "school_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    school_code: str = Field(foreign_key="schools.code", max_length=8)
    school_year: str = Field(max_length=9)  # NamHoc "2024-2025"
    source: str = Field(max_length=64)  # the source's configured name
    # True when an incremental source's read from its cursor brought only the learners changed
    # since (SourceSpec.incremental): the batch is not the school's whole roster, and the
    # report reads it together with the source's earlier batches (hub.report.queries).
    partial_read: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    state: BatchState = Field(default=BatchState.OPEN, sa_type=_enum(BatchState))
    created_at: datetime = _when()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set (not added to) by the runner at the end of each extraction pass, so that a resumed
    # run which extracts again counts each source row once.
    rows_in: int = 0  # rows the source gave for this school and year
    unchanged: int = 0  # rows whose content equals the learner's last finished record
    unkeyed: int = 0  # rows that could not become a record (no MaHoSo); see their problems
    # Frozen by close_batch() from the records; while open, read batch_accounting().
    accepted: int = 0
    rejected: int = 0
    failed: int = 0
    superseded: int = 0


class Submission(StoreTable, table=True):
    """One NopHocBa request: its deterministic key (MaLoGui), its receipt, its documents."""

    __tablename__ = "submissions"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batches.id", index=True)
    batch_key: str = Field(max_length=64, unique=True)  # MaLoGui
    state: SubmissionState = Field(
        default=SubmissionState.PREPARED, sa_type=_enum(SubmissionState), index=True
    )
    documents: int  # how many HocBa the request carries
    size_bytes: int
    receipt: str | None = Field(default=None, max_length=64)  # MaTiepNhan
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # ThoiGianTiepNhan
    created_at: datetime = _when()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Record(StoreTable, table=True):
    """One learner's document in one batch, and how far it got."""

    __tablename__ = "records"
    __table_args__ = (
        # One current record per learner and year: the guard against two runners sending one
        # learner twice (the second insert fails instead). The predicates are written as each
        # back end renders `WHERE records.is_current`, or its planner would not use the index.
        sa.Index(
            "ux_records_current",
            "ma_ho_so",
            "school_year",
            unique=True,
            sqlite_where=sa.text("is_current = 1"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.UniqueConstraint("batch_id", "ma_ho_so"),
        sa.Index("ix_records_batch_state", "batch_id", "state"),
        sa.Index("ix_records_school_state", "school_code", "school_year", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batches.id")
    ma_ho_so: str = Field(max_length=64)  # MaHoSo: the sender's key for learner × year × school
    school_code: str = Field(max_length=8)  # MaTruong (denormalised: per-school queries)
    school_year: str = Field(max_length=9)  # NamHoc
    # The source's own key for the learner (vnedu_id, SMAS pupil id, MaHocSinh), for tracing a
    # record back; never the personal ID number (SoDinhDanh).
    learner_key: str = Field(max_length=64)
    source_ref: str | None = Field(default=None)  # file/sheet/rows or API URL, for reports
    is_current: bool = True
    state: RecordState = Field(default=RecordState.EXTRACTED, sa_type=_enum(RecordState))
    failed_stage: Stage | None = Field(default=None, sa_type=_enum(Stage))
    content_hash: str = Field(max_length=64)  # of the source content, to skip it next time
    # The signed bytes are in RecordDocument; or, when kept on disk, here is where they are.
    document_path: str | None = Field(default=None)
    ma_bam: str | None = Field(default=None, max_length=64)  # SHA-256 of the signed bytes
    batch_key: str | None = Field(
        default=None, foreign_key="submissions.batch_key", max_length=64, index=True
    )
    receipt: str | None = Field(default=None, max_length=64)  # MaTiepNhan
    transcript_id: str | None = Field(default=None, max_length=32)  # MaDinhDanhHocBa
    replaces: str | None = Field(default=None, max_length=32)  # ThayTheCho, for a correction
    # The run that last took this record forward: its batch's run, or a later run that resumed
    # it. A run's summary counts its learners by this, resumed ones included.
    worked_by_run: int | None = Field(default=None, index=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class RecordDocument(StoreTable, table=True):
    """A record's signed document, in a table of its own: written once, at signing, never updated.

    A record's row changes after signing (its submission key, its receipt, its outcome), and
    SQLite rewrites a whole row, blob included, on every UPDATE. With the bytes in the row, a
    100,000-learner sync wrote every 40 KB document to the WAL and the database four times
    over (about 60 GB of writes); apart, each document is written once.
    """

    __tablename__ = "documents"

    record_id: int = Field(
        foreign_key="records.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    body: bytes = Field(sa_type=sa.LargeBinary)


class VendorWait(StoreTable, table=True):
    """A learner waiting for the document its vendor signs (RecordState.AWAITING_VENDOR).

    The vendor's document is compared with the learner's data as the source gave it when the
    learner was read (`transcript`: its canonical JSON, hub.canonical), because a later sync
    asks the vendor for the document again without reading the learner again (an incremental
    source yields only changed learners). Deleted when the record leaves the state.
    """

    __tablename__ = "vendor_waits"

    record_id: int = Field(
        foreign_key="records.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    transcript: str = Field(sa_type=sa.Text)  # canonical JSON of the mapped Transcript
    location: str | None = Field(default=None, sa_type=sa.Text)  # where the vendor serves it
    asks: int = 1  # how many syncs have asked the vendor for it
    asked_at: datetime = _when()


class Problem(StoreTable, table=True):
    """A finding with where it came from: the document's XPath and the source's cell or URL."""

    __tablename__ = "problems"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batches.id", index=True)
    record_id: int | None = Field(default=None, foreign_key="records.id", index=True)
    stage: Stage = Field(sa_type=_enum(Stage))
    code: str = Field(max_length=32)  # HB…, or the hub's own code for a source problem
    severity: Severity = Field(sa_type=_enum(Severity, 8))
    message_vi: str = Field(sa_type=sa.Text)
    message_en: str = Field(sa_type=sa.Text)
    xpath: str | None = Field(default=None, sa_type=sa.Text)
    source_file: str | None = None
    source_sheet: str | None = None
    source_row: int | None = None  # the spreadsheet row, 1-based, when known
    source_cell: str | None = Field(default=None, max_length=32)  # "D12", "D12, E12", "D7:H7"
    source_url: str | None = None
    vendor_key: str | None = Field(default=None, max_length=128)
    # For a source row that never became a record: the source's key of the learner it stops
    # (None for a problem with no learner: a stray file, a row matching nobody).
    learner_key: str | None = Field(default=None, max_length=64)
    found: str | None = Field(default=None, sa_type=sa.Text)  # the value as found there
    expected: str | None = Field(default=None, sa_type=sa.Text)  # what would be accepted
    created_at: datetime = _when()


class SourceCursor(StoreTable, table=True):
    """Where the last complete read of one source ended (the plugin's Checkpoint cursor).

    Saved only once every learner that read yielded has left the work states, so that a run
    resuming from it never strands a learner that was read but not yet signed. `context` is a
    digest of what else shapes the transcripts read (plugin version, options, mapping files,
    hub.pipeline.map.PIPELINE_VERSION): when it changes, the source is read from the start.
    """

    __tablename__ = "source_cursors"

    source: str = Field(primary_key=True, max_length=200)  # SourceRun.label: "demo/36200001"
    cursor: str = Field(sa_type=sa.Text)
    context: str = Field(max_length=64)
    run_id: int = Field(foreign_key="runs.id")
    updated_at: datetime = _when()


class Lease(StoreTable, table=True):
    """Who works on a piece of the store now (hub.store.leases): no two live leases overlap.

    The piece is (source, school, year), each None for "all of them" (hub.store.scope);
    `name` is its key ("vnedu/56000001/*"), so one piece has one row.
    """

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=200)  # the scope's key, e.g. "*/*/*"
    source: str | None = Field(default=None, max_length=64)  # None: every source
    school: str | None = Field(default=None, max_length=8)  # MaTruong; None: every school
    year: str | None = Field(default=None, max_length=9)  # NamHoc; None: every year
    holder: str = Field(max_length=64)  # a random token of the holding process
    host: str = Field(max_length=255)
    pid: int
    run_id: int | None = None
    since: datetime = _when()
    renewed_at: datetime = _when()  # the holder's last heartbeat


class ScheduleRun(StoreTable, table=True):
    """One firing of a [[schedules]] entry (hub.jobs.history): its jobs and how they ended.

    `slot` is the time the cron expression named (the latest slot when missed ones were
    coalesced); `hub serve` compares the last slot with the trigger's to run a missed one
    once at start. No personal data: names of schedules, counts and a one-line outcome.
    """

    __tablename__ = "schedule_runs"

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=64, index=True)
    slot: datetime = Field(sa_type=UTCDateTime)
    fired_at: datetime = _when()
    jobs: int = 0  # submitted
    done: int = 0
    failed: int = 0  # stopped ones included
    stopped: int = 0  # asked to stop (SIGTERM to the service) before their end
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16)  # hub.jobs.history.Outcome
    summary: str | None = Field(default=None, sa_type=sa.Text)  # one line, no personal data


class AuditEntry(StoreTable, table=True):
    """One link of the audit chain (see hub.store.audit for how it is made and checked)."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str = Field(max_length=32)  # ISO 8601 UTC, kept as text: it is hashed as written
    kind: AuditKind = Field(sa_type=_enum(AuditKind))
    payload: str = Field(sa_type=sa.Text)  # canonical JSON, exactly the text that was hashed
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


METADATA = StoreTable.metadata
"""The metadata Alembic compares against (hub.store.migrations)."""


def table_of(model: type[StoreTable]) -> sa.Table:
    """The Core table of a model, for bulk statements (typed: mypy sees `__table__` loosely)."""
    found = model.__table__  # type: ignore[attr-defined]
    assert isinstance(found, sa.Table)
    return found


class JobReason(StoreTable, table=True):
    """How a queued job's last attempt ended, in words (hub.jobs.queue; `hub jobs list`).

    Keyed by the job's id in procrastinate's own table (procrastinate_jobs, which exists only on
    PostgreSQL once `hub db upgrade` installed the queue): procrastinate keeps a job's state and
    attempts, not why it failed. No foreign key: the queue's tables are procrastinate's, and the
    hub's schema must migrate on SQLite too.
    """

    __tablename__ = "job_reasons"

    job_id: int = Field(
        primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    piece: str = Field(max_length=200)  # hub.jobs.pieces.Piece.key: no personal data
    attempt: int  # 1 for the first run
    outcome: str = Field(max_length=16)  # done | retrying | failed | stopped
    reason: str = Field(
        sa_type=sa.Text
    )  # hub.jobs.operations.JobOutcome.summary: one line, no personal data
    at: datetime = _when()


class SignerAssignment(StoreTable, table=True):
    """One person's duty to sign one part of a school's transcripts, from a day (hub.signers).

    `slot` is the part signed, as one string ("GVBM/8A1/TOAN", "GVCN/8A1", "HT"), so that one
    unique constraint holds on both back ends (a NULL class or subject would escape it): one
    row per slot and from-day. A change during the year is a new row with its own from-day;
    the row before it gets `valid_until`, the first day it no longer holds.
    """

    __tablename__ = "signer_assignments"
    __table_args__ = (
        sa.UniqueConstraint("school_code", "school_year", "slot", "valid_from"),
        sa.Index("ix_signer_assignments_person", "school_code", "school_year", "personal_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(max_length=8)  # MaTruong
    school_year: str = Field(max_length=9)  # NamHoc
    slot: str = Field(max_length=64)  # hub.signers.model.slot_of
    role: str = Field(max_length=4)  # GVBM | GVCN | HT | DV
    class_name: str | None = Field(default=None, max_length=32)  # None for HT and DV
    subject: str | None = Field(default=None, max_length=16)  # MaMon, GVBM only
    full_name: str = Field(max_length=200)  # as the document names them (GiaoVien/HoTen)
    personal_id: str = Field(max_length=12)  # the certificate's CCCD:<id>; never shown whole
    teacher_key: str | None = Field(default=None, max_length=64)  # the source's id (MaGV)
    position: str | None = Field(default=None, max_length=32)  # HT: HIEU_TRUONG | PHO_HIEU_TRUONG
    valid_from: date
    valid_until: date | None = None  # exclusive; None: still in force
    origin: str = Field(sa_type=sa.Text)  # the source's name, or "file › sheet › row 7"
    created_at: datetime = _when()
