"""A sync's store writes, on SQLite and on PostgreSQL in the same run.

    .venv/bin/python bench/bench_store_writes.py [--learners 20000] [--chunk 500]
        [--document-bytes 2000] [--postgres URL] [--phases]

Goal (issue 19, on this 2-core machine): ≥ 50,000 records/s on PostgreSQL, printed beside
SQLite's figure measured in the same run.

What is written is what a sync writes for each learner, through the store's own functions and
in the transactions the runner makes (hub.pipeline.intake, hub.pipeline.commit,
hub.pipeline.push), with nothing else in between (no source to read, no worker to sign):

- **intake**, one transaction per chunk: `upsert_records` (every learner new), `move_all` to
  `mapped`, the rows' problems (`add_problems`: 5 % of learners with one), the extraction
  counts;
- **commit**, one transaction per chunk: `commit_results` as the parent runs it when the
  workers hand a chunk back: 2 % failed at `check` with two problems, 10 % signed with a
  warning, the rest walked `mapped → checked → built → signed` with their document
  (`--document-bytes` of bytes each), its MaBam and an audit entry naming three signatures;
- **push**, per submission of 500 signed learners: `prepare_submission`, `mark_sent`,
  `record_results` (4 % rejected with a problem each), each in its own transaction, with their
  audit entries.

Records per second = learners / the wall time of the three phases (setup, migration and the
scratch database are not timed). Messages carry Vietnamese text, the problems' optional
columns are NULL or not in turn, and the documents are bytes that are not valid UTF-8.

PostgreSQL: HUB_TEST_POSTGRES_URL (or --postgres, default
postgresql+psycopg://postgres@127.0.0.1:5432/test) names a server on which a scratch database
is created and dropped after; the SQLite store is a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from hub.findings import Finding, Severity
from hub.lifecycle import RecordState, Stage
from hub.pipeline.commit import InFlight, commit_results
from hub.pipeline.sign import SignerId
from hub.pipeline.worker import WorkResult
from hub.store import (
    DocumentResult,
    ProblemIn,
    RecordIn,
    SourceLocation,
    Store,
    add_problems,
    mark_sent,
    migrate,
    move_all,
    open_batch,
    prepare_submission,
    record_results,
    set_extraction_counts,
    start_run,
    upsert_records,
)

T = TypeVar("T")
GOAL = 50_000  # records/s on PostgreSQL
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SUBMISSION = 500
SCHOOL, YEAR = "79000001", "2024-2025"
SIGNERS: tuple[SignerId, ...] = tuple(
    (role, hashlib.sha256(role.encode()).hexdigest(), f"{i + 1:x}a3f", "CN=CA Giáo dục,C=VN")
    for i, role in enumerate(("GVBM", "GVCN", "HT"))
)
REJECTION = ProblemIn(
    "HB201",
    Severity.ERROR,
    "Xếp loại học lực không khớp điểm trung bình các môn.",
    "The stated standing disagrees with the subjects' averages.",
    Stage.PUSH,
    "/HocBaSo/DLHocBa/KetQuaHocTap/HocLuc",
)


@dataclass
class Timings:
    """Seconds per phase (transactions included) and per store call, over the run's chunks."""

    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    calls: dict[str, list[float]] = field(default_factory=dict)  # name -> [seconds, rows]

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] += time.perf_counter() - start

    def call(self, name: str, rows: int, function: Callable[..., T], *args: Any) -> T:
        """Run one store call, counting its time and the records it writes."""
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            seconds_rows = self.calls.setdefault(name, [0.0, 0])
            seconds_rows[0] += time.perf_counter() - start
            seconds_rows[1] += rows

    @property
    def total(self) -> float:
        return sum(self.phases.values())


PHASES = ("intake", "commit", "push")


def _warning(i: int) -> Finding:
    return Finding(
        "HB202",
        Severity.WARNING,
        f"/HocBaSo/DLHocBa/KetQuaHocTap/MonHoc[{i % 12 + 1}]/DiemTB",
        f"Điểm trung bình môn Ngữ văn của học sinh thứ {i} được làm tròn (8,25 → 8,3).",
        f"The average mark of learner {i} in Literature was rounded (8.25 → 8.3).",
    )


def _error(i: int, n: int) -> Finding:
    return Finding(
        f"HB10{n}",
        Severity.ERROR,
        "/HocBaSo/DLHocBa/HocSinh/NgaySinh",
        f"Ngày sinh “{i % 28 + 1:02d}/13/2012” không hợp lệ; cần dạng ngày/tháng/năm.",
        f"The birth date “{i % 28 + 1:02d}/13/2012” is not valid; expected day/month/year.",
    )


def _document(i: int, size: int) -> bytes:
    # Not UTF-8 (0xff, 0x00 inside): a bytea column must take any byte.
    head = f"<HocBa MaHoSo='HS{i:08d}'>".encode() + b"\xff\x00\xfe"
    return (head * (size // len(head) + 1))[:size]


def run_sync_writes(store: Store, learners: int, chunk: int, document_bytes: int) -> Timings:
    """Write `learners` through the three phases; returns the time each took."""
    timings = Timings()
    with store.write() as session:
        run_id = start_run(session, {"bench": "store_writes"})
        batch_id = open_batch(session, run_id, SCHOOL, YEAR, "bench")
    signed_all: list[tuple[int, str, int]] = []
    taken = unkeyed = 0
    for start in range(0, learners, chunk):
        numbers = range(start, min(start + chunk, learners))
        rows = [
            RecordIn(
                f"HS{i:08d}",
                f"vnedu-{i}",
                hashlib.sha256(str(i).encode()).hexdigest(),
                f"lop{i % 30}.xlsx › Lớp 6A › dòng {i % 40 + 2}" if i % 3 else None,
            )
            for i in numbers
        ]
        problems = [
            ProblemIn(
                "ROW_SKIPPED",
                Severity.ERROR,
                "Dòng không có mã học sinh; bỏ qua.",
                "A row without a learner code; skipped.",
                Stage.EXTRACT,
                source=SourceLocation(
                    f"lop{i % 30}.xlsx", "Lớp 6A", f"B{i % 40 + 2}", row=i % 40 + 2
                ),
                learner_key=f"row-{i}",
                found="" if i % 2 else None,
                expected="HS + 8 chữ số" if i % 2 else None,
            )
            for i in numbers
            if i % 20 == 7
        ]
        with timings.phase("intake"), store.write() as session:
            answers = timings.call(
                "upsert_records", len(rows), upsert_records, session, batch_id, rows
            )
            ids = [a.record_id for a in answers]
            moved = (RecordState.EXTRACTED, RecordState.MAPPED)
            timings.call("move_all", len(ids), move_all, session, ids, *moved)
            timings.call("add_problems", len(problems), add_problems, session, batch_id, problems)
            taken += len(rows)
            unkeyed += len(problems)
            set_extraction_counts(
                session, batch_id, rows_in=taken + unkeyed, unchanged=0, unkeyed=unkeyed
            )
        flights = {
            a.record_id: InFlight(
                a.record_id, batch_id, RecordState.MAPPED, a.ma_ho_so, SCHOOL, YEAR, None
            )
            for a in answers
        }
        results = []
        for n, answer in zip(numbers, answers, strict=True):
            if n % 50 == 3:  # stopped by the rules, with two problems
                errors = (_error(n, 2), _error(n, 4))
                results.append(WorkResult(answer.record_id, Stage.CHECK, errors))
                continue
            warnings = (_warning(n),) if n % 10 == 1 else ()
            document = _document(n, document_bytes)
            results.append(WorkResult(answer.record_id, None, warnings, document, SIGNERS))
        # The parent's commit of a chunk the workers finished: failures, walks to `signed`
        # with the documents and their audit entries, warnings.
        with timings.phase("commit"), store.write() as session:
            signed = timings.call(
                "commit_results", len(results), commit_results, session, flights, results
            )
        signed_all += [(s.record_id, s.ma_ho_so, s.size) for s in signed]
    now = datetime.now(UTC)
    for start in range(0, len(signed_all), SUBMISSION):
        part = signed_all[start : start + SUBMISSION]
        key = f"HUB-bench-{start:08d}"
        results = [
            DocumentResult(ma_ho_so, f"HB{rid:012d}")
            if rid % 25
            else DocumentResult(ma_ho_so, None, [REJECTION])
            for rid, ma_ho_so, _ in part
        ]
        with timings.phase("push"):
            with store.write() as session:
                ids, size = [rid for rid, _, _ in part], sum(size for _, _, size in part)
                timings.call(
                    "prepare_submission",
                    len(ids),
                    prepare_submission,
                    session,
                    batch_id,
                    key,
                    ids,
                    size,
                )
            with store.write() as session:
                timings.call(
                    "mark_sent", len(part), mark_sent, session, key, f"TN{start:010d}", now
                )
            with store.write() as session:
                timings.call("record_results", len(part), record_results, session, key, results)
    return timings


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        url = f"sqlite:///{Path(folder) / 'hub.sqlite3'}"
        migrate(url)
        store = Store(url)
        try:
            yield store
        finally:
            store.dispose()


@contextmanager
def postgres_store(base: str) -> Iterator[Store]:
    url = sa.make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        scratch = url.set(database=name).render_as_string(hide_password=False)
        migrate(scratch)
        store = Store(scratch)
        try:
            yield store
        finally:
            store.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


BOUND_STATES = ("checked", "built", "signed", "submitted", "accepted")
"""The state changes a learner's record goes through after its insert in a sync."""


def server_bound(store: Store, chunk: int) -> float:
    """Records/s of the same records rows with no hub code: what this server does at best.

    The records the sync just wrote are copied out, then written again into a twin table with
    the same columns, defaults and indexes (`LIKE records INCLUDING ALL`): one psycopg COPY
    per chunk, then one `UPDATE ... WHERE id = ANY(...)` per chunk for each state a record
    passes through (BOUND_STATES), each chunk its own transaction as in the sync. Problems,
    documents, audit entries and batches are left out, so the hub's whole sync can only be
    slower than this.
    """
    raw = store.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor() as cur:
            cur.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'records'::regclass AND attname = 'state'"
            )
            found = cur.fetchone()
            assert found is not None
            state_type = found[0]
            cur.execute("CREATE TABLE records_bound (LIKE records INCLUDING ALL)")
            dump = bytearray()
            with cur.copy("COPY (SELECT * FROM records ORDER BY id) TO STDOUT") as out:
                for block in out:
                    dump += block
            cur.execute("SELECT id FROM records ORDER BY id")
            ids = [row[0] for row in cur.fetchall()]
        conn.commit()
        lines = bytes(dump).splitlines(keepends=True)  # text COPY: one row a line
        assert len(lines) == len(ids)
        start = time.perf_counter()
        with conn.cursor() as cur:
            for at in range(0, len(lines), chunk):
                with cur.copy("COPY records_bound FROM STDIN") as into:
                    into.write(b"".join(lines[at : at + chunk]))
                conn.commit()
            for state in BOUND_STATES:
                for at in range(0, len(ids), chunk):
                    cur.execute(
                        f"UPDATE records_bound SET state = %s::{state_type} WHERE id = ANY(%s)",
                        (state, ids[at : at + chunk]),
                    )
                    conn.commit()
        seconds = time.perf_counter() - start
        with conn.cursor() as cur:
            cur.execute("DROP TABLE records_bound")
        conn.commit()
        return len(ids) / seconds
    finally:
        raw.close()


def report(figures: dict[str, Timings], learners: int) -> None:
    """The whole sync's rate per back end, then each store call's (records it wrote / its time)."""
    names = list(figures)
    print(f"{'':<20}" + "".join(f"{name:>14}" for name in names) + "   records/s")
    whole = {name: learners / t.total for name, t in figures.items()}
    print(f"{'whole sync':<20}" + "".join(f"{whole[n]:>14,.0f}" for n in names))
    for phase in PHASES:
        rates = [learners / figures[n].phases[phase] for n in names]
        print(f"  {phase:<18}" + "".join(f"{r:>14,.0f}" for r in rates))
    calls = list(next(iter(figures.values())).calls)
    for call in calls:
        rates = []
        for n in names:
            seconds, rows = figures[n].calls[call]
            rates.append(rows / seconds if seconds else 0.0)
        print(f"    {call:<16}" + "".join(f"{r:>14,.0f}" for r in rates))
    if "postgresql" in figures:
        pg = figures["postgresql"]
        slowest = min((rows / seconds, call) for call, (seconds, rows) in pg.calls.items() if rows)
        print(
            f"goal ≥ {GOAL:,} records/s on PostgreSQL: the whole sync {whole['postgresql']:,.0f}, "
            f"the slowest call ({slowest[1]}) {slowest[0]:,.0f}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=500, help="learners per committed chunk")
    parser.add_argument("--document-bytes", type=int, default=2_000)
    parser.add_argument(
        "--postgres", default=os.environ.get("HUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    print(
        f"{args.learners:,} learners, chunks of {args.chunk}, documents of "
        f"{args.document_bytes:,} bytes, submissions of {SUBMISSION}",
        flush=True,
    )
    figures: dict[str, Timings] = {}
    if args.only != "postgresql":
        with sqlite_store() as store:
            figures["sqlite"] = run_sync_writes(
                store, args.learners, args.chunk, args.document_bytes
            )
    if args.only != "sqlite":
        with postgres_store(args.postgres) as store:
            figures["postgresql"] = run_sync_writes(
                store, args.learners, args.chunk, args.document_bytes
            )
            bound = server_bound(store, args.chunk)
    report(figures, args.learners)
    if args.only != "sqlite":
        print(
            f"server bound on PostgreSQL (the records rows alone, COPY + {len(BOUND_STATES)} "
            f"state changes each, psycopg only, no hub code): {bound:,.0f} records/s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
