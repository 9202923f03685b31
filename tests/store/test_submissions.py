"""Signing, sending and settling: the commits that make a resend safe, and the accounting."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hub.findings import Severity
from hub.store import (
    DocumentResult,
    ProblemIn,
    RecordIn,
    RecordState,
    SignedBy,
    SignedDocument,
    Stage,
    StaleStateError,
    Store,
    StoreError,
    SubmissionState,
    batch_accounting,
    close_batch,
    count_unchanged,
    finish_run,
    mark_sent,
    mark_signed,
    move_all,
    open_submissions,
    prepare_submission,
    problems_of,
    record_results,
    records_in,
    refuse_submission,
    set_extraction_counts,
    submission_documents,
    upsert_records,
    verify_chain,
)
from hub.store.tables import AuditEntry, Run

S = RecordState
SEAL = SignedBy("DV", "ab" * 32, "1f", "CN=Hub Test CA,O=Sở GD&ĐT")
WHEN = datetime(2025, 9, 30, 8, 0, tzinfo=UTC)


def signed_batch(store: Store, batch_id: int, keys: list[str]) -> dict[str, int]:
    """Learners taken in and walked to `signed`, as the runner would."""
    with store.write() as session:
        got = upsert_records(session, batch_id, [RecordIn(k, f"v{k}", f"h{k}") for k in keys])
    ids = {u.ma_ho_so: u.record_id for u in got}
    path = [S.EXTRACTED, S.MAPPED, S.CHECKED, S.BUILT]
    with store.write() as session:
        for old, new in itertools.pairwise(path):
            move_all(session, list(ids.values()), old, new)
    with store.write() as session:
        mark_signed(
            session,
            [
                SignedDocument(i, k, [SEAL], document=f"<HocBaSo>{k}</HocBaSo>".encode())
                for k, i in ids.items()
            ],
        )
    return ids


def test_the_full_path_from_signed_to_accepted_and_rejected(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    ids = signed_batch(store, batch, ["HS1", "HS2", "HS3"])
    with store.write() as session:
        set_extraction_counts(session, batch, rows_in=4, unchanged=0, unkeyed=1)
        submission = prepare_submission(session, batch, "key-1", list(ids.values()), 300)
    assert submission.state is SubmissionState.PREPARED
    with store.read() as session:
        docs = submission_documents(session, "key-1")
        assert [d.ma_ho_so for d in docs] == ["HS1", "HS2", "HS3"]
        assert docs[0].ma_bam == hashlib.sha256(b"<HocBaSo>HS1</HocBaSo>").hexdigest()
        assert batch_accounting(session, batch).in_flight == 3
    with store.write() as session:
        assert mark_sent(session, "key-1", "TN-1", WHEN)
    with store.write() as session:  # a resend that got the original receipt back
        assert not mark_sent(session, "key-1", "TN-1", WHEN)
        assert [s.state for s in open_submissions(session, batch)] == [SubmissionState.SENT]
    loi = ProblemIn(
        "HB104",
        Severity.ERROR,
        "Ngày sinh khác CSDL ngành",
        "Date of birth differs",
        Stage.PUSH,
        "/HocBaSo/DLHocBa/HocSinh/NgaySinh",
    )
    results = [
        DocumentResult("HS1", "HB2024010000010000001"),
        DocumentResult("HS2", "HB2024010000010000002"),
        DocumentResult("HS3", None, [loi]),
    ]
    with store.write() as session:
        assert record_results(session, "key-1", results)
    with store.write() as session:
        assert not record_results(session, "key-1", results)  # a repeated poll
        assert open_submissions(session) == []
        states = {
            r.ma_ho_so: (r.state, r.receipt, r.transcript_id)
            for r in records_in(session, batch_id=batch)
        }
        assert states == {
            "HS1": (S.ACCEPTED, "TN-1", "HB2024010000010000001"),
            "HS2": (S.ACCEPTED, "TN-1", "HB2024010000010000002"),
            "HS3": (S.REJECTED, "TN-1", None),
        }
        assert [(p.code, p.record_id, p.stage) for p in problems_of(session, batch_id=batch)] == [
            ("HB104", ids["HS3"], Stage.PUSH)
        ]
        counts = close_batch(session, batch)
    assert (counts.accepted, counts.rejected, counts.problems, counts.balanced) == (2, 1, 1, True)
    with store.read() as session:
        entries = session.scalars(sa.select(AuditEntry).order_by(sa.column("seq")))
        kinds = [e.kind.value for e in entries]
        assert kinds == ["signed"] * 3 + ["sent", "accepted", "rejected"]
        assert verify_chain(session).ok


def test_a_batch_key_names_one_content_for_ever(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    ids = signed_batch(store, batch, ["HS1", "HS2"])
    with store.write() as session:
        first = prepare_submission(session, batch, "key-1", [ids["HS1"]], 100)
    with store.write() as session:  # after a crash the runner prepares the same again
        assert prepare_submission(session, batch, "key-1", [ids["HS1"]], 100) == first
    with pytest.raises(StoreError, match="key-1"), store.write() as session:
        prepare_submission(session, batch, "key-1", [ids["HS1"], ids["HS2"]], 200)
    with pytest.raises(StaleStateError), store.write() as session:
        prepare_submission(session, batch, "key-2", [ids["HS1"]], 100)  # already in key-1
    with store.read() as session:
        assert [s.batch_key for s in open_submissions(session)] == ["key-1"]


def test_results_must_cover_exactly_the_documents_sent(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    ids = signed_batch(store, batch, ["HS1", "HS2"])
    with store.write() as session:
        prepare_submission(session, batch, "key-1", list(ids.values()), 100)
    with pytest.raises(StoreError, match="not sent"), store.write() as session:
        record_results(session, "key-1", [DocumentResult("HS1", "X"), DocumentResult("HS2", "Y")])
    with store.write() as session:
        mark_sent(session, "key-1", "TN-1", WHEN)
    with pytest.raises(StoreError, match="do not match"), store.write() as session:
        record_results(session, "key-1", [DocumentResult("HS1", "X")])


def test_a_refused_submission_fails_its_records_at_push(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    ids = signed_batch(store, batch, ["HS1"])
    fault = ProblemIn("E_DU_LIEU", Severity.ERROR, "Yêu cầu sai", "Malformed request", Stage.PUSH)
    with store.write() as session:
        prepare_submission(session, batch, "key-1", list(ids.values()), 100)
        refuse_submission(session, "key-1", fault)
    with store.read() as session:
        record = records_in(session, batch_id=batch)[0]
        assert (record.state, record.failed_stage) == (S.FAILED, Stage.PUSH)
        assert [p.code for p in problems_of(session, record_id=record.id)] == ["E_DU_LIEU"]


def test_a_signed_document_must_match_its_digest(
    store: Store, new_batch: Callable[..., int]
) -> None:
    with pytest.raises(ValueError, match="ma_bam"):
        SignedDocument(1, "HS1", [SEAL], document=b"x", ma_bam="0" * 64).digest()
    with pytest.raises(ValueError, match="path"):
        SignedDocument(1, "HS1", [SEAL]).digest()


def test_accounting_counts_unchanged_rows_and_refuses_to_close_an_unbalanced_batch(
    store: Store, new_batch: Callable[..., int]
) -> None:
    first = new_batch()
    ids = signed_batch(store, first, ["HS1"])
    with store.write() as session:
        prepare_submission(session, first, "key-1", list(ids.values()), 10)
        mark_sent(session, "key-1", "TN-1", WHEN)
        record_results(session, "key-1", [DocumentResult("HS1", "HB1")])
        set_extraction_counts(session, first, rows_in=1, unchanged=0, unkeyed=0)
        close_batch(session, first)
    second = new_batch()
    with store.write() as session:
        got = upsert_records(
            session, second, [RecordIn("HS1", "vHS1", "hHS1"), RecordIn("HS9", "vHS9", "hHS9")]
        )
        set_extraction_counts(
            session, second, rows_in=2, unchanged=count_unchanged(got, second), unkeyed=0
        )
    with pytest.raises(StoreError, match="in flight"), store.write() as session:
        close_batch(session, second)
    with store.write() as session:
        # A learner lost by a bug: the books must not balance.
        session.execute(sa.text("DELETE FROM records WHERE ma_ho_so = 'HS9'"))
    with store.read() as session:
        counts = batch_accounting(session, second)
    assert (counts.rows_in, counts.unchanged, counts.accounted, counts.balanced) == (2, 1, 1, False)
    with pytest.raises(StoreError, match="does not add up"), store.write() as session:
        close_batch(session, second)


def test_finishing_a_run_sums_its_batches(store: Store, new_batch: Callable[..., int]) -> None:
    batch = new_batch()
    with store.write() as session:
        set_extraction_counts(session, batch, rows_in=0, unchanged=0, unkeyed=0)
        close_batch(session, batch)
        run = finish_run(session, 1)
    with store.read() as session:
        stored = session.get(Run, run.id)
        assert stored is not None
        assert stored.finished_at is not None
        assert stored.state.value == "finished"
