"""The sandbox's own state in SQLite: submissions, their documents and results, the issued
transcripts. It survives a restart: a submission still processing when the sandbox stopped is
picked up again when it starts.

SQLite in WAL mode with `BEGIN IMMEDIATE` for every write, so that the request threads and the
document worker never lose an update; one connection per thread, as sqlite3 requires.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submission (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL,
    batch_key TEXT NOT NULL,
    account TEXT NOT NULL,
    school TEXT NOT NULL,
    school_year TEXT NOT NULL,
    received_at TEXT NOT NULL,
    content_key TEXT NOT NULL,
    count INTEGER NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (unit, batch_key)
);
CREATE TABLE IF NOT EXISTS document (
    receipt TEXT NOT NULL REFERENCES submission (receipt),
    position INTEGER NOT NULL,
    ma_ho_so TEXT NOT NULL,
    digest TEXT NOT NULL,
    content BLOB NOT NULL,
    outcome TEXT,
    transcript_id TEXT,
    errors TEXT,
    PRIMARY KEY (receipt, position)
);
CREATE TABLE IF NOT EXISTS transcript (
    id TEXT PRIMARY KEY,
    ma_ho_so TEXT NOT NULL,
    learner TEXT NOT NULL,
    school TEXT NOT NULL,
    school_year TEXT NOT NULL,
    unit TEXT NOT NULL,
    receipt TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    replaces TEXT,
    replaced_by TEXT,
    withdrawn_at TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS transcript_learner ON transcript (learner, school, school_year);
CREATE TABLE IF NOT EXISTS sequence (
    school TEXT NOT NULL,
    school_year TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (school, school_year)
);
"""

PROCESSING = "DANG_XU_LY"
DONE = "DA_XU_LY"


@dataclass(frozen=True)
class Submission:
    """A received submission (one NopHocBa), as the receipt's owner sees it."""

    receipt: str
    unit: str
    batch_key: str
    account: str
    school: str
    school_year: str
    received_at: datetime
    content_key: str
    count: int
    state: str


@dataclass(frozen=True)
class NewDocument:
    """A document as received, before any check."""

    ma_ho_so: str
    digest: str
    content: bytes


@dataclass(frozen=True)
class StoredDocument:
    """A received document and, once processed, its outcome."""

    receipt: str
    position: int
    ma_ho_so: str
    digest: str
    content: bytes
    outcome: str | None
    transcript_id: str | None
    errors: list[dict[str, str]]


@dataclass(frozen=True)
class Transcript:
    """An issued transcript (withdrawn when `withdrawn_at` is set)."""

    id: str
    ma_ho_so: str
    learner: str
    school: str
    school_year: str
    unit: str
    replaces: str | None
    replaced_by: str | None
    withdrawn_at: str | None


class Store:
    """The sandbox's SQLite file; `Store(":memory:")` is not supported (threads need a file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (other threads' close when they end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE), committed on success, rolled back else."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # Submissions --------------------------------------------------------------------------

    def receive(
        self,
        submission: Submission,
        documents: Sequence[NewDocument],
    ) -> tuple[Submission, bool]:
        """Store a new submission, or return the one already stored under its batch key.

        Returns:
            The stored submission and whether it was stored by this call. The check of the
            batch key and the insert are one transaction, so two identical requests racing
            each other store one submission.
        """
        with self.write() as conn:
            existing = conn.execute(
                "SELECT * FROM submission WHERE unit = ? AND batch_key = ?",
                (submission.unit, submission.batch_key),
            ).fetchone()
            if existing is not None:
                return _submission(existing), False
            cursor = conn.execute(
                "INSERT INTO submission (receipt, unit, batch_key, account, school, school_year,"
                " received_at, content_key, count, state)"
                " VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    submission.unit,
                    submission.batch_key,
                    submission.account,
                    submission.school,
                    submission.school_year,
                    submission.received_at.isoformat(),
                    submission.content_key,
                    len(documents),
                    PROCESSING,
                ),
            )
            receipt = f"TN{submission.received_at:%Y%m%d}{cursor.lastrowid:010d}"
            conn.execute(
                "UPDATE submission SET receipt = ? WHERE id = ?", (receipt, cursor.lastrowid)
            )
            conn.executemany(
                "INSERT INTO document (receipt, position, ma_ho_so, digest, content)"
                " VALUES (?, ?, ?, ?, ?)",
                [(receipt, i, d.ma_ho_so, d.digest, d.content) for i, d in enumerate(documents)],
            )
            row = conn.execute("SELECT * FROM submission WHERE receipt = ?", (receipt,)).fetchone()
            return _submission(row), True

    def submission(self, receipt: str) -> Submission | None:
        """The submission with this receipt, if any."""
        row = (
            self._conn()
            .execute("SELECT * FROM submission WHERE receipt = ?", (receipt,))
            .fetchone()
        )
        return _submission(row) if row is not None else None

    def documents(self, receipt: str, *, unprocessed: bool = False) -> list[StoredDocument]:
        """A submission's documents in their order; only those not yet processed if asked."""
        where = " AND outcome IS NULL" if unprocessed else ""
        rows = self._conn().execute(
            f"SELECT * FROM document WHERE receipt = ?{where} ORDER BY position",  # noqa: S608
            (receipt,),
        )
        return [_document(row) for row in rows]

    def processing(self) -> list[str]:
        """Receipts still processing, oldest first (what the worker resumes after a restart)."""
        rows = self._conn().execute(
            "SELECT receipt FROM submission WHERE state = ? ORDER BY id", (PROCESSING,)
        )
        return [row["receipt"] for row in rows]

    def finish(self, receipt: str) -> None:
        """Mark a submission done: every document has its outcome."""
        with self.write() as conn:
            conn.execute("UPDATE submission SET state = ? WHERE receipt = ?", (DONE, receipt))

    @contextmanager
    def register(self) -> Iterator[Register]:
        """The issued-transcript register inside one write transaction."""
        with self.write() as conn:
            yield Register(conn)

    def transcript(self, transcript_id: str) -> Transcript | None:
        """An issued (possibly withdrawn) transcript by its MaDinhDanhHocBa."""
        return Register(self._conn()).transcript(transcript_id)

    def counts(self) -> dict[str, int]:
        """How many rows each table holds (for tests and GET /admin/stats)."""
        conn = self._conn()
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in ("submission", "document", "transcript")
        }


class Register:
    """Reads and writes of issued transcripts, on a connection inside a write transaction.

    The document worker checks duplicates (HB301/HB302) and issues in one transaction, so a
    withdrawal arriving meanwhile cannot slip between the check and the issue.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def transcript(self, transcript_id: str) -> Transcript | None:
        """A transcript by its id, withdrawn or not."""
        row = self._conn.execute(
            "SELECT * FROM transcript WHERE id = ?", (transcript_id,)
        ).fetchone()
        return transcript_from_row(row) if row is not None else None

    def issued_for(self, learner: str, school: str, school_year: str) -> Transcript | None:
        """The transcript in force (issued, not withdrawn) for a learner, school and year."""
        row = self._conn.execute(
            "SELECT * FROM transcript WHERE learner = ? AND school = ? AND school_year = ?"
            " AND withdrawn_at IS NULL",
            (learner, school, school_year),
        ).fetchone()
        return transcript_from_row(row) if row is not None else None

    def issue(
        self,
        document: StoredDocument,
        learner: str,
        school: str,
        school_year: str,
        unit: str,
        issued_at: datetime,
        replaces: str | None,
    ) -> str:
        """Issue a transcript; its id is "HB" + first year + MaTruong + a 6-digit sequence."""
        row = self._conn.execute(
            "INSERT INTO sequence (school, school_year, last) VALUES (?, ?, 1)"
            " ON CONFLICT (school, school_year) DO UPDATE SET last = last + 1 RETURNING last",
            (school, school_year),
        ).fetchone()
        transcript_id = f"HB{school_year[:4]}{school}{int(row[0]):06d}"
        self._conn.execute(
            "INSERT INTO transcript (id, ma_ho_so, learner, school, school_year, unit, receipt,"
            " issued_at, replaces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                transcript_id,
                document.ma_ho_so,
                learner,
                school,
                school_year,
                unit,
                document.receipt,
                issued_at.isoformat(),
                replaces,
            ),
        )
        if replaces is not None:
            self._conn.execute(
                "UPDATE transcript SET replaced_by = ? WHERE id = ?", (transcript_id, replaces)
            )
        return transcript_id

    def record(
        self,
        document: StoredDocument,
        outcome: str,
        transcript_id: str | None,
        errors: Sequence[dict[str, str]],
    ) -> None:
        """Write one document's outcome."""
        self._conn.execute(
            "UPDATE document SET outcome = ?, transcript_id = ?, errors = ?"
            " WHERE receipt = ? AND position = ?",
            (
                outcome,
                transcript_id,
                json.dumps(list(errors), ensure_ascii=False),
                document.receipt,
                document.position,
            ),
        )

    def withdraw(self, transcript_id: str, reason: str, at: datetime) -> None:
        """Withdraw a transcript; withdrawing it again keeps the first time and reason."""
        self._conn.execute(
            "UPDATE transcript SET withdrawn_at = ?, reason = ?"
            " WHERE id = ? AND withdrawn_at IS NULL",
            (at.isoformat(), reason, transcript_id),
        )


def _submission(row: sqlite3.Row) -> Submission:
    return Submission(
        receipt=row["receipt"],
        unit=row["unit"],
        batch_key=row["batch_key"],
        account=row["account"],
        school=row["school"],
        school_year=row["school_year"],
        received_at=datetime.fromisoformat(row["received_at"]),
        content_key=row["content_key"],
        count=row["count"],
        state=row["state"],
    )


def _document(row: sqlite3.Row) -> StoredDocument:
    return StoredDocument(
        receipt=row["receipt"],
        position=row["position"],
        ma_ho_so=row["ma_ho_so"],
        digest=row["digest"],
        content=bytes(row["content"]),
        outcome=row["outcome"],
        transcript_id=row["transcript_id"],
        errors=json.loads(row["errors"]) if row["errors"] else [],
    )


def transcript_from_row(row: sqlite3.Row) -> Transcript:
    """A transcript row as the typed record."""
    return Transcript(
        id=row["id"],
        ma_ho_so=row["ma_ho_so"],
        learner=row["learner"],
        school=row["school"],
        school_year=row["school_year"],
        unit=row["unit"],
        replaces=row["replaces"],
        replaced_by=row["replaced_by"],
        withdrawn_at=row["withdrawn_at"],
    )
