"""A small store with learners in every state, and the means to run the operator's commands.

(A module of its own rather than conftest.py: test modules import from it, and pytest keeps
several modules named `conftest` in one session.)

Built through the store's own API, as the runner would write it: two schools; in school A a
batch with learners accepted, rejected by the ministry (HB104 traced to a cell), failed at
check (a message quoting a personal ID number, to test masking), failed at sign, still on
their way, and a source row that never became a learner; in school B a closed batch with one
accepted and one rejected learner. Runs on SQLite and on PostgreSQL (the root `store`
fixture).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from hub.cli import main
from hub.findings import Severity
from hub.store import (
    DocumentResult,
    Failure,
    ProblemIn,
    RecordIn,
    RecordState,
    SignedBy,
    SignedDocument,
    SourceLocation,
    Stage,
    Store,
    add_problems,
    close_batch,
    fail_records,
    mark_sent,
    mark_signed,
    move_all,
    open_batch,
    prepare_submission,
    record_results,
    set_extraction_counts,
    start_run,
    upsert_records,
)

SCHOOL_A, SCHOOL_B, YEAR = "01000001", "01000002", "2024-2025"
PERSONAL_ID = "079123456789"
SEAL = SignedBy("DV", "ab" * 32, "1f", "CN=Hub Test CA")
WHEN = datetime(2025, 9, 30, 8, 0, tzinfo=UTC)
LEARNER_LIST = SourceLocation(file="danh-sach.xlsx", sheet="Lớp 6A")


def ma(school: str, n: int) -> str:
    return f"{school}-{YEAR}-00000000{n:02d}"


@dataclass
class Seeded:
    """The seeded store: ids of its batches and records by name."""

    store: Store
    db_url: str
    batch_a: int
    batch_b: int
    ids: dict[str, int]

    def run(self, tmp_path: Path, *args: str) -> Result:
        """`hub ARGS --config <a config naming this store>`, in-process."""
        config = tmp_path / "config.toml"
        if not config.exists():
            config.write_text('[ministry]\nunit = "SO01"\nusername = "SO01"\n', encoding="utf-8")
        runner = CliRunner()
        return runner.invoke(
            main, [*args, "--config", str(config)], env={"HUB_DATABASE_URL": self.db_url}
        )


def _take(store: Store, batch: int, names: list[str], school: str) -> dict[str, int]:
    rows = [
        RecordIn(ma(school, int(n[1:])), f"HS{n}", f"hash-{n}", f"danh-sach.xlsx › row {n}")
        for n in names
    ]
    with store.write() as session:
        got = upsert_records(session, batch, rows)
        move_all(session, [u.record_id for u in got], RecordState.EXTRACTED, RecordState.MAPPED)
    return {name: u.record_id for name, u in zip(names, got, strict=True)}


def _sign(store: Store, ids: dict[str, int], school: str) -> None:
    path = [RecordState.MAPPED, RecordState.CHECKED, RecordState.BUILT]
    with store.write() as session:
        for old, new in itertools.pairwise(path):
            move_all(session, list(ids.values()), old, new)
        mark_signed(
            session,
            [
                SignedDocument(i, ma(school, int(n[1:])), [SEAL], document=f"<d>{n}</d>".encode())
                for n, i in ids.items()
            ],
        )


def _rejection(code: str, cell: str, xpath: str) -> ProblemIn:
    return ProblemIn(
        code,
        Severity.ERROR,
        "Bộ từ chối: Họ và tên khác với cơ sở dữ liệu ngành.",
        "Rejected by the ministry: identity differs from the sector database.",
        Stage.PUSH,
        xpath,
        SourceLocation(file="danh-sach.xlsx", sheet="Lớp 6A", cell=cell),
    )


def _submit(
    store: Store, batch: int, key: str, accepted: dict[str, int], rejected: dict[str, int],
    school: str,
) -> None:  # fmt: skip
    members = {**accepted, **rejected}
    with store.write() as session:
        prepare_submission(session, batch, key, list(members.values()), 100)
    with store.write() as session:
        mark_sent(session, key, f"TN-{key}", WHEN)
    results = [
        DocumentResult(ma(school, int(n[1:])), f"HB2024{school}{int(n[1:]):06d}") for n in accepted
    ] + [
        DocumentResult(
            ma(school, int(n[1:])),
            None,
            [_rejection("HB104", "C12", "/HocBaSo/DLHocBa/HocSinh/HoVaTen")],
        )
        for n in rejected
    ]
    with store.write() as session:
        record_results(session, key, results)


def seed(store: Store, db_url: str) -> Seeded:
    with store.write() as session:
        run = start_run(session, {})
        batch_a = open_batch(session, run, SCHOOL_A, YEAR, "demo-excel")
        batch_b = open_batch(session, run, SCHOOL_B, YEAR, "demo-excel")
    ids = _take(store, batch_a, ["a1", "a2", "a3", "a4", "a5", "a6", "a7"], SCHOOL_A)
    signed = {n: ids[n] for n in ("a1", "a2", "a6")}
    _sign(store, signed, SCHOOL_A)
    _submit(store, batch_a, "KEY-A", {"a1": ids["a1"], "a6": ids["a6"]}, {"a2": ids["a2"]},
            SCHOOL_A)  # fmt: skip
    check_problem = ProblemIn(
        "HB102",
        Severity.ERROR,
        f"SoDinhDanh {PERSONAL_ID} không khớp NgaySinh.",
        f"SoDinhDanh {PERSONAL_ID} does not match NgaySinh.",
        Stage.CHECK,
        "/HocBaSo/DLHocBa/HocSinh/SoDinhDanh",
        SourceLocation(file="danh-sach.xlsx", sheet="Lớp 6A", cell="E14"),
    )
    formula = ProblemIn(
        "HB201",
        Severity.ERROR,
        "=SUM(A1) không phải điểm",
        "=SUM(A1) is not a score",
        Stage.CHECK,
        "/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/CaNam/DTB",
        SourceLocation(file="diem-toan.xlsx", sheet="Toán", cell="H9"),
    )
    sign_problem = ProblemIn(
        "SIGNING_REFUSED",
        Severity.ERROR,
        "Khóa ký của trường không mở được.",
        "The school's signing key cannot be opened.",
        Stage.SIGN,
    )
    with store.write() as session:
        move_all(session, [ids["a4"]], RecordState.MAPPED, RecordState.CHECKED)
        move_all(session, [ids["a4"]], RecordState.CHECKED, RecordState.BUILT)
        fail_records(
            session,
            batch_a,
            [
                Failure(ids["a3"], RecordState.MAPPED, Stage.CHECK, [check_problem, formula]),
                Failure(ids["a4"], RecordState.BUILT, Stage.SIGN, [sign_problem]),
            ],
        )
        unkeyed = ProblemIn(
            "MISSING_VALUE",
            Severity.ERROR,
            "Thiếu mã học sinh ở dòng 20.",
            "No learner code on row 20.",
            Stage.MAP,
            source=SourceLocation(file="danh-sach.xlsx", sheet="Lớp 6A", cell="B20"),
            learner_key="danh-sach.xlsx!Lớp 6A!20",
        )
        add_problems(session, batch_a, [unkeyed])
        set_extraction_counts(session, batch_a, rows_in=8, unchanged=0, unkeyed=1)
    # a5 stays `mapped` (on its way); a7 too, then is moved to checked.
    with store.write() as session:
        move_all(session, [ids["a7"]], RecordState.MAPPED, RecordState.CHECKED)
    ids_b = _take(store, batch_b, ["b1", "b2"], SCHOOL_B)
    _sign(store, ids_b, SCHOOL_B)
    _submit(store, batch_b, "KEY-B", {"b1": ids_b["b1"]}, {"b2": ids_b["b2"]}, SCHOOL_B)
    with store.write() as session:
        set_extraction_counts(session, batch_b, rows_in=2, unchanged=0, unkeyed=0)
        close_batch(session, batch_b)
    return Seeded(store, db_url, batch_a, batch_b, {**ids, **ids_b})
