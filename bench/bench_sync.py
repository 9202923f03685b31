"""A province-sized sync against the physical limit measured in the same run.

    .venv/bin/python bench/bench_sync.py [--learners 100000] [--compare 10000] [--keep DIR]

Goals (issue 6, on this 2-core machine): sync rate ≥ 0.5 × the physical limit; peak memory
≤ 500 MB and within 100 MB of a 10,000-learner run; a second sync with no change in the
sources takes ≤ 5 % of the first's time.

- **Physical limit**: the least work a signed document costs, over every core: parse and
  schema-validate its unsigned bytes, sign every role the sync signs (exclusive C14N, digest,
  RSA per signature), serialise. Measured on a sample of the same province's documents, with
  the same signers opened from the same configuration, in a process pool of one worker per
  core. Read twice, before the sync and after it (once the disk is quiet), and the higher
  reading is the one the ratio uses.
- **Sync**: `hub.pipeline.run_sync` from the spreadsheets to settled results: read, map,
  look-up, rules, build, validate, sign, store, submit, poll. The ministry is an in-memory
  double that accepts every document at once (in production it is another machine; the real
  sandbox would take the same cores the hub is measured on). It runs in a child process, so
  that its peak memory is the sync's alone. Memory: the largest total of the sync's processes
  (main + workers) sampled from /proc every 50 ms (the figure the goals are about), the main
  process's exact peak (ru_maxrss) and the largest worker seen.
- **Second sync**: the same sync again at once, nothing changed: its time over the first's.

Learners per second = learners / wall time of the sync. Setup (generating the province, the
spreadsheets and the test PKIs) is not timed.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import queue
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

# Only the standard library at the top: with the spawn start method every worker process
# imports this module again (as __mp_main__), and the sync's workers must weigh what they
# weigh under `hub sync`, not carry the bench's own imports.
if TYPE_CHECKING:
    from hub.gen import GenSettings
    from hub.ministry import LearnerQuery, LearnerRecord, Receipt, Submission, SubmissionResult
    from hub.pipeline.sign import Signers

SAMPLE = 1500  # documents in the physical-limit measurement


def settings_for(learners: int) -> GenSettings:
    """Primary and lower-secondary schools of up to 20 classes × 30 learners a grade."""
    from hub.gen import GenSettings
    from hub.model import SchoolLevel

    per_class = 30 if learners >= 270 else max(1, learners // 9)
    classes = min(20, max(1, math.ceil(learners / (9 * per_class))))
    schools = max(1, math.ceil(learners / (9 * per_class * classes)))
    return GenSettings(
        seed=42,
        levels=(SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY),
        schools=schools,
        classes_per_grade=classes,
        learners_per_class=per_class,
        foreign_rate=0.0,
        exempt_rate=0.0,
    )


# -- the ministry double ------------------------------------------------------------------------


@dataclass
class FastMinistry:
    """Accepts every document at once; answers look-ups from the roster (kept in SQLite, so
    that the double's own memory does not count against the sync's)."""

    roster_db: Path
    receipts: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    issued: int = 0

    def submit(self, submission: Submission) -> Receipt:
        from hub.ministry import Receipt

        receipt = self.keys.get(submission.batch_key)
        if receipt is None:
            receipt = f"R{len(self.keys) + 1:08d}"
            self.keys[submission.batch_key] = receipt
            self.receipts[receipt] = [d.record_id for d in submission.documents]
        return Receipt(receipt, datetime.now(UTC), len(submission.documents))

    def result(self, receipt: str) -> SubmissionResult:
        from hub.ministry import DocumentResult, SubmissionResult
        from hub.ministry.contract import Outcome, ProcessingState

        documents = []
        for ma_ho_so in self.receipts.pop(receipt, []):
            self.issued += 1
            transcript_id = f"HB{self.issued:018d}"
            documents.append(DocumentResult(ma_ho_so, Outcome.ACCEPTED, transcript_id))
        return SubmissionResult(receipt, ProcessingState.DONE, tuple(documents))

    def wait_for_result(self, receipt: str) -> SubmissionResult:
        return self.result(receipt)

    def look_up(self, queries: Sequence[LearnerQuery]) -> list[LearnerRecord | None]:
        from hub.ministry import LearnerRecord

        codes = [q.learner_code for q in queries]
        with sqlite3.connect(self.roster_db) as conn:
            marks = ",".join("?" * len(codes))
            rows = dict(
                conn.execute(f"SELECT code, row FROM roster WHERE code IN ({marks})", codes)
            )
        found: list[LearnerRecord | None] = []
        for code in codes:
            row = json.loads(rows[code]) if code in rows else None
            found.append(
                None
                if row is None
                else LearnerRecord(
                    row["MaHocSinh"],
                    row["SoDinhDanh"],
                    row["HoVaTen"],
                    date.fromisoformat(row["NgaySinh"]),
                    row["GioiTinh"],
                    row["MaTruong"],
                    row["NamHoc"],
                    row["TenLop"],
                )
            )
        return found

    def withdraw(self, transcript_id: str, reason: str) -> str:
        return "DA_THU_HOI"


def roster_db(roster_json: Path) -> Path:
    path = roster_json.with_suffix(".sqlite3")
    rows = json.loads(roster_json.read_text(encoding="utf-8"))
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS roster (code TEXT PRIMARY KEY, row TEXT)")
        conn.executemany(
            "INSERT OR REPLACE INTO roster VALUES (?, ?)",
            [(r["MaHocSinh"], json.dumps(r, ensure_ascii=False)) for r in rows],
        )
    return path


# -- the physical limit -------------------------------------------------------------------------

_signers: Signers | None = None


def _limit_init(config_path: str) -> None:
    from hub.config import load_config
    from hub.pipeline.sign import Signers

    global _signers
    _signers = Signers(load_config(config_path))


def _limit_work(batch: list[tuple[str, bytes]]) -> int:
    from hub.document.parse import parse_tree
    from hub.pipeline.sign import signed_bytes

    assert _signers is not None
    at = datetime.now(UTC).replace(microsecond=0)
    for school, data in batch:
        tree = parse_tree(data, validate=True)
        _signers.sign(tree, school, at)
        signed_bytes(tree)
    return len(batch)


def physical_limit(config_path: Path, settings: GenSettings, workers: int) -> float:
    """Documents per second over every core: parse + validate + sign every role + serialise."""
    from hub.document.build import build_document
    from hub.gen import generate

    sample: list[tuple[str, bytes]] = []
    primary = secondary = 0
    for item in generate(settings):  # the province's own mix of primary and secondary
        t = item.transcript
        if t.header.level.is_primary and primary < SAMPLE * 5 // 9:
            primary += 1
        elif not t.header.level.is_primary and secondary < SAMPLE * 4 // 9:
            secondary += 1
        else:
            if primary + secondary >= SAMPLE:
                break
            continue
        sample.append((t.header.school_code, build_document(t)))
    chunks = [sample[i : i + 16] for i in range(0, len(sample), 16)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_limit_init, initargs=(str(config_path),)
    ) as pool:
        list(pool.map(_limit_work, chunks[: workers * 2]))  # warm: keys opened, schema loaded
        started = time.perf_counter()
        done = sum(pool.map(_limit_work, chunks))
        return done / (time.perf_counter() - started)


# -- the sync, in a child process ---------------------------------------------------------------


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _tree_rss(root: int) -> tuple[int, list[int]]:
    """Resident memory of a process and of each of its children, in bytes (Linux /proc).

    Sampled, not taken from RUSAGE_CHILDREN: a spawned child's ru_maxrss counts the parent's
    pages it shares between fork and exec, which are never really copied. The children are
    read from each thread's `children` file: walking all of /proc every 50 ms took 6 % of a
    core from the sync being measured.
    """
    children: set[int] = set()
    try:
        for task in Path(f"/proc/{root}/task").iterdir():
            try:
                children.update(int(pid) for pid in (task / "children").read_text().split())
            except OSError:
                continue
    except OSError:
        pass
    return _rss(root), [_rss(pid) for pid in sorted(children)]


def _sync_child(config_path: str, roster: str, out: multiprocessing.queues.Queue) -> None:  # type: ignore[name-defined]
    from hub.config import load_config
    from hub.pipeline import SyncOptions, run_sync

    config = load_config(config_path)
    ministry = FastMinistry(Path(roster))
    started = time.perf_counter()
    report = run_sync(config, SyncOptions(progress=False), ministry)
    elapsed = time.perf_counter() - started
    peak_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    accepted = sum(b.accepted for b in report.batches)
    started = time.perf_counter()
    again = run_sync(config, SyncOptions(progress=False), ministry)
    second = time.perf_counter() - started
    assert again.documents_sent == 0, "a second sync with no change sent documents"
    out.put((elapsed, report.read, accepted, peak_main, second))


@dataclass
class SyncFigures:
    learners: int
    seconds: float
    accepted: int
    peak_main: int  # the main process's own peak (ru_maxrss: exact)
    peak_worker: int  # the largest RSS seen of one worker (sampled)
    peak_tree: int  # the largest total of main + workers seen (sampled every 50 ms)
    second: float  # a second sync with no change, seconds

    @property
    def rate(self) -> float:
        return self.learners / self.seconds


def prepare(directory: Path, settings: GenSettings) -> tuple[Path, Path]:
    """The province's spreadsheets, PKIs and configuration; its roster for the double."""
    from hub.cli.demo_province import build_province
    from hub.store import migrate

    database_url = f"sqlite:///{directory / 'hub.sqlite3'}"
    province = build_province(directory, settings, database_url=database_url)
    migrate(database_url)  # `hub db upgrade`: a sync never creates its store
    return province.config_path, roster_db(province.roster_path)


def quiet_limit(config_path: Path, settings: GenSettings, workers: int) -> float:
    """The physical limit once the disk has written out what the sync left dirty.

    Measured straight after a sync, the limit came out 20 % low while the OS was still
    flushing gigabytes of store pages, which would flatter the ratio.
    """
    os.sync()
    time.sleep(2.0)
    return physical_limit(config_path, settings, workers)


def measure_sync(config_path: Path, roster: Path) -> SyncFigures:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_sync_child, args=(str(config_path), str(roster), results))
    child.start()
    peak = peak_worker = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_worker
        while not stop.is_set():
            if child.pid is not None:
                main, workers = _tree_rss(child.pid)
                peak = max(peak, main + sum(workers))
                peak_worker = max([peak_worker, *workers])
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        while True:
            try:
                elapsed, read, accepted, peak_main, second = results.get(timeout=1.0)
                break
            except queue.Empty:
                if not child.is_alive():
                    died = f"the sync process died (exit code {child.exitcode})"
                    raise RuntimeError(died) from None
    finally:
        stop.set()
    child.join()
    stop.set()
    sampler.join()
    return SyncFigures(read, elapsed, accepted, peak_main, peak_worker, peak, second)


def _mb(value: int) -> str:
    return f"{value / 1e6:,.0f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument(
        "--compare", type=int, default=10_000, help="a smaller run to compare memory with (0: none)"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    from hub.cli.demo_province import DEFAULT_TEST_PASSWORD, MINISTRY_PASSWORD_ENV, PKI_PASSWORD_ENV
    from hub.pipeline.pool import default_workers

    os.environ[PKI_PASSWORD_ENV] = DEFAULT_TEST_PASSWORD  # the test PKI's documented password
    os.environ[MINISTRY_PASSWORD_ENV] = "unused-by-the-double"
    os.environ.setdefault("HUB_LOAD_PLUGINS", "generic_excel")
    workers = default_workers()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        figures: dict[int, SyncFigures] = {}
        sizes = [args.learners] + ([args.compare] if 0 < args.compare < args.learners else [])
        limits: list[float] = []
        for size in sizes:
            settings = settings_for(size)
            print(f"{size:,} learners: generating the province…", flush=True)
            config_path, roster = prepare(base / f"p{size}", settings)
            if size == args.learners:
                limits.append(quiet_limit(config_path, settings, workers))
                print(f"  physical limit before the sync: {limits[-1]:,.1f} documents/s")
            figures[size] = measure_sync(config_path, roster)
            f = figures[size]
            print(
                f"  sync: {f.learners:,} learners in {f.seconds:,.1f} s = {f.rate:,.1f}/s; "
                f"accepted {f.accepted:,}; peak memory: all processes {_mb(f.peak_tree)}, main "
                f"{_mb(f.peak_main)}, one worker {_mb(f.peak_worker)}; second sync, no change: "
                f"{f.second:,.1f} s = {f.second / f.seconds:.1%}",
                flush=True,
            )
            if size == args.learners:
                limits.append(quiet_limit(config_path, settings, workers))
                print(f"  physical limit after the sync: {limits[-1]:,.1f} documents/s")
    main_run = figures[args.learners]
    limit = max(limits)  # the higher reading: the ratio is never flattered by a slow one
    ratio = main_run.rate / limit
    print(f"\nphysical limit ({workers} workers): {limit:,.1f} documents/s (the higher reading)")
    print(f"ratio sync / limit = {ratio:.2f} (goal ≥ 0.5)")
    print(f"peak memory {_mb(main_run.peak_tree)} (goal ≤ 500 MB)")
    print(f"second sync / first = {main_run.second / main_run.seconds:.1%} (goal ≤ 5%)")
    if args.compare in figures:
        delta = main_run.peak_tree - figures[args.compare].peak_tree
        print(f"peak memory vs {args.compare:,} learners: {delta / 1e6:+,.0f} MB (goal ≤ +100 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
