"""End to end against the real sandbox: a sync, a second sync, a retry of rejected learners,
and faults of every retryable kind. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import sqlalchemy as sa
from openpyxl import load_workbook

from hub.pipeline import SyncOptions, retry_rejected, run_sync
from hub.sandbox import FaultPlan
from hub.sandbox.faults import ErrorAfterStore, Latency, RateLimit, Trigger, Window
from hub.store import AuditKind, RecordState, problems_of, records_in
from hub.store.tables import AuditEntry

from .checks import assert_exactly_once
from .conftest import DefectKind, expected_ids, province_settings

SMALL = 36  # one primary and one lower-secondary school, four learners a class


def _sync(world, client, **options):  # type: ignore[no-untyped-def]
    store = world.store()
    try:
        return run_sync(world.config, SyncOptions(progress=False, **options), client, store=store)
    finally:
        store.dispose()


def test_a_sync_sends_every_learner_once_and_a_second_sync_sends_nothing(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(SMALL)
    world = make_world(settings)
    first = _sync(world, world.client())
    expected = expected_ids(settings)
    assert first.read == len(expected)
    assert first.documents_sent == len(expected) == first.documents_settled
    assert all(b.balanced and b.accepted == b.rows_in for b in first.batches)
    assert_exactly_once(world, expected)
    store = world.store()
    with store.read() as session:  # what was signed (certificate, digest) and sent is audited
        entries = list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))
    store.dispose()
    signed = [json.loads(e.payload) for e in entries if e.kind is AuditKind.SIGNED]
    assert len(signed) == len(expected)
    assert all({s["role"] for s in p["signatures"]} >= {"GVCN", "HT", "DV"} for p in signed)
    assert all(len(p["digest"]) == 64 for p in signed)
    sent = [json.loads(e.payload) for e in entries if e.kind is AuditKind.SENT]
    assert sum(p["documents"] for p in sent) == len(expected)
    assert all(p["batch_key"] and p["receipt"] and p["received_at"] for p in sent)

    client = world.client()
    second = _sync(world, client)
    assert client.metrics.requests["NopHocBa"] == 0
    assert second.documents_sent == 0
    assert second.read == 0
    assert second.batches == []
    assert second.sources_unchanged == len(world.province.schools)
    assert_exactly_once(world, expected)


def _learner_list(world, school):  # type: ignore[no-untyped-def]
    return world.province.school_folder(school) / "danh-sach-hoc-sinh.xlsx"


def test_retry_only_rejected_sends_just_the_fixed_learners(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(SMALL, seed=5, defects={DefectKind.ROSTER_NAME_DIFFERS: 0.2})
    world = make_world(settings)
    roster = {r["MaHocSinh"]: r for r in json.loads(world.province.roster_path.read_text())}
    wrong = {
        e.record_id.rsplit("-", 1)[-1]
        for e in world.province.ledger
        if e.kind is DefectKind.ROSTER_NAME_DIFFERS
    }
    assert len(wrong) >= 2
    # Without the look-up, the ministry is the one to find the names that differ.
    first = _sync(world, world.client(), look_up=False)
    store = world.store()
    with store.read() as session:
        rejected = records_in(session, states=[RecordState.REJECTED], current_only=True)
        assert {r.learner_key for r in rejected} == wrong
        for ref in rejected:  # each rejection points at the name's cell in the learner list
            (problem,) = problems_of(session, record_id=ref.id)
            assert problem.code == "HB104"
            assert problem.xpath == "/HocBaSo/DLHocBa/HocSinh/HoVaTen"
            assert problem.source_file == "danh-sach-hoc-sinh.xlsx"
            assert (problem.source_cell or "").startswith("C")
        before = {
            r.id: (r.state, r.transcript_id)
            for r in records_in(session, current_only=True)
            if r.state is not RecordState.REJECTED
        }
        fixes = {r.learner_key: (r.source_ref, r.ma_ho_so) for r in rejected}
    store.dispose()
    sent_before = world.sandbox_rows("SELECT count(*) FROM document")[0][0]

    for school in {ma.split("-")[0] for _, ma in fixes.values()}:  # fix the names at source
        path = _learner_list(world, school)
        book = load_workbook(path)
        sheet = book.active
        assert sheet is not None
        for row in sheet.iter_rows(min_row=1):
            code = str(row[1].value or "")
            if code in fixes:
                row[2].value = roster[code]["HoVaTen"]
        book.save(path)

    client = world.client()
    again = retry_rejected(world.config, client, progress=False)
    assert client.metrics.requests["NopHocBa"] >= 1
    assert again.documents_sent == len(wrong)
    new_docs = world.sandbox_rows(
        "SELECT ma_ho_so FROM document ORDER BY rowid LIMIT -1 OFFSET ?", sent_before
    )
    assert sorted(ma for (ma,) in new_docs) == sorted(ma for _, ma in fixes.values())
    store = world.store()
    with store.read() as session:
        after = {
            r.id: (r.state, r.transcript_id)
            for r in records_in(session, current_only=True)
            if r.id in before
        }
        assert after == before  # every other learner left as it was
        fixed = records_in(session, current_only=True, states=[RecordState.ACCEPTED])
        assert wrong <= {r.learner_key for r in fixed}
    store.dispose()
    assert all(b.accepted == b.rows_in for b in again.batches)
    assert first.batches[0].batch_id not in {b.batch_id for b in again.batches}
    resent = frozenset(ma for _, ma in fixes.values())
    assert_exactly_once(world, expected_ids(settings), resent)


def test_faults_of_every_retryable_kind_give_the_same_exactly_once_result(make_world) -> None:  # type: ignore[no-untyped-def]
    plan = FaultPlan(
        seed=3,
        rate_limit=RateLimit(rate=6, concurrent=2),
        maintenance=[Window(seconds=1.5, from_request=6)],
        latency=Latency(seconds=0.3, fraction=0.1),
        drop=Trigger(fraction=0.12),
        # The worst case for exactly-once: the submission is stored, the answer is a 5xx.
        error_after_store=ErrorAfterStore(fraction=0.3, operations=["NopHocBa"]),
    )
    settings = province_settings(SMALL * 2, seed=9)
    world = make_world(settings, faults=plan)
    client = world.client()
    report = _sync(world, client, submission_size=12)
    fired = world.sandbox.app.faults.snapshot()["fired"]
    assert {"drop", "error_after_store", "maintenance"} <= set(fired), fired
    assert client.metrics.retries["HTTP_5xx"] >= fired["error_after_store"]
    requests = sum(client.metrics.requests.values())
    assert client.metrics.total_retries >= 0.15 * requests  # about one request in five fails
    assert report.submissions_sent == world.sandbox_rows("SELECT count(*) FROM submission")[0][0]
    assert report.incomplete is None
    assert not report.unsettled
    assert_exactly_once(world, expected_ids(settings))
