"""The hub's store: every record's state, problems and receipts, and the audit log.

SQLite by default (one file, WAL, writers serialised with BEGIN IMMEDIATE), PostgreSQL by URL.
The tables are in `hub.store.tables`; this package exports the few operations the runner and
the operator's commands need, each taking a session from `Store.write()` or `Store.read()`:

    migrate(url)                     # hub db upgrade: create or upgrade the schema
    store = open_existing(url)       # every other command: refused unless it exists at head
    with store.write() as s:
        run_id = start_run(s, {"school": ..., "year": ...})
        batch_id = open_batch(s, run_id, "01234567", "2024-2025", "demo-excel")
    with store.write() as s:
        upserted = upsert_records(s, batch_id, rows)        # commit, then map ...
    with store.write() as s:
        advance(s, [StateChange(u.record_id, RecordState.EXTRACTED, RecordState.MAPPED)])

See docs/architecture.md ("The store") for the states and the order of commits.
"""

from hub.lifecycle import TERMINAL_STATES, RecordState, Stage
from hub.store.audit import ChainReport, SignedBy, verify_chain
from hub.store.batches import (
    BatchAccounting,
    RunOutcome,
    batch_accounting,
    batches,
    close_batch,
    count_unchanged,
    ensure_schools,
    finish_run,
    open_batch,
    run_outcome,
    set_extraction_counts,
    start_run,
    unfinished_runs,
)
from hub.store.cursors import (
    StoredCursor,
    forget_cursors,
    load_cursors,
    save_cursors,
    sources_with_unfinished_work,
)
from hub.store.engine import StaleStateError, Store, StoreError
from hub.store.migrate import check_schema, migrate, open_existing
from hub.store.problems import ProblemIn, SourceLocation, add_problems, problems_of
from hub.store.queries import (
    RecordRef,
    document_sizes,
    load_documents,
    records_in,
    records_to_resume,
    rejected_records,
)
from hub.store.records import (
    Change,
    Failure,
    RecordIn,
    StateChange,
    Upserted,
    advance,
    fail_records,
    mark_worked,
    move_all,
    upsert_records,
)
from hub.store.submissions import (
    DocumentResult,
    SignedDocument,
    SubmissionRef,
    mark_sent,
    mark_signed,
    mark_submission_worked,
    open_submissions,
    prepare_submission,
    record_results,
    refuse_submission,
    submission_documents,
)
from hub.store.tables import AuditKind, BatchState, RunState, SubmissionState

__all__ = [
    "TERMINAL_STATES",
    "AuditKind",
    "BatchAccounting",
    "BatchState",
    "ChainReport",
    "Change",
    "DocumentResult",
    "Failure",
    "ProblemIn",
    "RecordIn",
    "RecordRef",
    "RecordState",
    "RunOutcome",
    "RunState",
    "SignedBy",
    "SignedDocument",
    "SourceLocation",
    "Stage",
    "StaleStateError",
    "StateChange",
    "Store",
    "StoreError",
    "StoredCursor",
    "SubmissionRef",
    "SubmissionState",
    "Upserted",
    "add_problems",
    "advance",
    "batch_accounting",
    "batches",
    "check_schema",
    "close_batch",
    "count_unchanged",
    "document_sizes",
    "ensure_schools",
    "fail_records",
    "finish_run",
    "forget_cursors",
    "load_cursors",
    "load_documents",
    "mark_sent",
    "mark_signed",
    "mark_submission_worked",
    "mark_worked",
    "migrate",
    "move_all",
    "open_batch",
    "open_existing",
    "open_submissions",
    "prepare_submission",
    "problems_of",
    "record_results",
    "records_in",
    "records_to_resume",
    "refuse_submission",
    "rejected_records",
    "run_outcome",
    "save_cursors",
    "set_extraction_counts",
    "sources_with_unfinished_work",
    "start_run",
    "submission_documents",
    "unfinished_runs",
    "upsert_records",
    "verify_chain",
]
