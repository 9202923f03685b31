"""Taking learners in, moving them through the states, and finding what is left to do."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from hub.findings import Severity
from hub.store import (
    Change,
    Failure,
    ProblemIn,
    RecordIn,
    RecordState,
    SourceLocation,
    Stage,
    StaleStateError,
    StateChange,
    Store,
    advance,
    fail_records,
    move_all,
    problems_of,
    records_in,
    records_to_resume,
    rejected_records,
    upsert_records,
)

S = RecordState


def rows(*specs: tuple[str, str]) -> list[RecordIn]:
    return [
        RecordIn(key, f"vn-{key}", content, f"lop6A.xlsx!A{i + 5}")
        for i, (key, content) in enumerate(specs)
    ]


def upsert(store: Store, batch_id: int, specs: list[RecordIn], **kw: bool) -> dict[str, object]:
    with store.write() as session:
        return {u.ma_ho_so: u for u in upsert_records(session, batch_id, specs, **kw)}


def finish(store: Store, record_id: int, state: RecordState, transcript: str | None = None) -> None:
    """Walk a record from `extracted` to a final state, the way the runner would."""
    path = [S.EXTRACTED, S.MAPPED, S.CHECKED, S.BUILT, S.SIGNED, S.SUBMITTED]
    with store.write() as session:
        if state is S.FAILED:
            batch = records_in(session, states=[S.EXTRACTED])[0].batch_id
            fail_records(session, batch, [Failure(record_id, S.EXTRACTED, Stage.MAP)])
            return
        for old, new in itertools.pairwise(path):
            advance(session, [StateChange(record_id, old, new)])
        values = {"transcript_id": transcript} if transcript else {}
        advance(session, [StateChange(record_id, S.SUBMITTED, state, values)])


def test_new_learners_become_extracted_records(store: Store, new_batch: Callable[..., int]) -> None:
    batch = new_batch()
    got = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b")))
    assert {u.change for u in got.values()} == {Change.NEW}
    assert all(
        u.needs_work and u.state is S.EXTRACTED and u.batch_id == batch for u in got.values()
    )
    with store.read() as session:
        listed = records_in(session, batch_id=batch)
    assert [(r.ma_ho_so, r.learner_key, r.content_hash) for r in listed] == [
        ("HS1", "vn-HS1", "a"),
        ("HS2", "vn-HS2", "b"),
    ]


def test_extracting_again_into_the_same_batch_resumes_instead_of_duplicating(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    first = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b")))
    finish(store, first["HS1"].record_id, S.ACCEPTED, "HB1")
    again = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b")))
    assert again["HS1"].change is Change.DONE
    assert not again["HS1"].needs_work
    assert again["HS2"].change is Change.RESUME
    assert again["HS2"].needs_work
    assert again["HS2"].record_id == first["HS2"].record_id
    with store.read() as session:
        assert len(records_in(session, batch_id=batch)) == 2


def test_an_unchanged_learner_is_skipped_and_a_changed_one_gets_a_new_record(
    store: Store, new_batch: Callable[..., int]
) -> None:
    first_batch = new_batch()
    first = upsert(store, first_batch, rows(("HS1", "a"), ("HS2", "b")))
    finish(store, first["HS1"].record_id, S.ACCEPTED, "HB1")
    finish(store, first["HS2"].record_id, S.REJECTED)
    second_batch = new_batch()
    second = upsert(store, second_batch, rows(("HS1", "a"), ("HS2", "b-fixed")))
    assert second["HS1"].change is Change.UNCHANGED
    assert second["HS1"].batch_id == first_batch
    assert not second["HS1"].needs_work
    assert second["HS2"].change is Change.CHANGED
    assert second["HS2"].batch_id == second_batch
    assert second["HS2"].previous_state is S.REJECTED
    with store.read() as session:
        # The first batch keeps its outcome; only the new record stands for HS2 now.
        assert [r.state for r in records_in(session, batch_id=first_batch)] == [
            S.ACCEPTED,
            S.REJECTED,
        ]
        current = records_in(session, school_code="01000001", current_only=True)
        assert {(r.ma_ho_so, r.batch_id) for r in current} == {
            ("HS1", first_batch),
            ("HS2", second_batch),
        }
        assert rejected_records(session, first_batch) == []


def test_a_changed_accepted_learner_reports_the_transcript_to_replace(
    store: Store, new_batch: Callable[..., int]
) -> None:
    first = upsert(store, new_batch(), rows(("HS1", "a")))
    finish(store, first["HS1"].record_id, S.ACCEPTED, "HB2024010000010000001")
    second = upsert(store, new_batch(), rows(("HS1", "a2")))
    assert second["HS1"].change is Change.CHANGED
    assert second["HS1"].previous_transcript_id == "HB2024010000010000001"


def test_failed_learners_are_retried_unless_told_otherwise(
    store: Store, new_batch: Callable[..., int]
) -> None:
    first = upsert(store, new_batch(), rows(("HS1", "a")))
    finish(store, first["HS1"].record_id, S.FAILED)
    assert (
        upsert(store, new_batch(), rows(("HS1", "a")), retry_failed=False)["HS1"].change
        is Change.UNCHANGED
    )
    retried = upsert(store, new_batch(), rows(("HS1", "a")))["HS1"]
    assert retried.change is Change.RETRY
    assert retried.record_id != first["HS1"].record_id


def test_redo_works_an_unchanged_finished_learner_again(
    store: Store, new_batch: Callable[..., int]
) -> None:
    first = upsert(store, new_batch(), rows(("HS1", "a")))
    finish(store, first["HS1"].record_id, S.REJECTED)
    assert upsert(store, new_batch(), rows(("HS1", "a")), redo=True)["HS1"].change is Change.RETRY


def test_new_content_before_sending_resets_in_place_or_supersedes(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    first = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b")))
    with store.write() as session:
        fail_records(
            session,
            batch,
            [
                Failure(
                    first["HS1"].record_id,
                    S.EXTRACTED,
                    Stage.MAP,
                    [ProblemIn("MAP01", Severity.ERROR, "sai", "wrong", Stage.MAP)],
                )
            ],
        )
    # Same batch, not yet sent: the record is reset to the new content, its problems dropped.
    again = upsert(store, batch, rows(("HS1", "a2")))["HS1"]
    assert (again.change, again.record_id, again.state) == (
        Change.CHANGED,
        first["HS1"].record_id,
        S.EXTRACTED,
    )
    with store.read() as session:
        assert problems_of(session, record_id=again.record_id) == []
    # Another batch while HS2 is unfinished here: the old record is superseded.
    later = new_batch()
    moved = upsert(store, later, rows(("HS2", "b2")))["HS2"]
    assert moved.change is Change.CHANGED
    assert moved.batch_id == later
    with store.read() as session:
        old = records_in(session, batch_id=batch, states=[S.SUPERSEDED])
    assert [r.id for r in old] == [first["HS2"].record_id]


def test_content_that_changes_after_submission_waits_for_the_next_sync(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    first = upsert(store, batch, rows(("HS1", "a")))
    finish(store, first["HS1"].record_id, S.ACCEPTED, "HB1")
    late = upsert(store, batch, rows(("HS1", "a2")))["HS1"]
    assert late.change is Change.LATE
    assert not late.needs_work


def test_a_learner_twice_in_one_call_is_refused(
    store: Store, new_batch: Callable[..., int]
) -> None:
    with pytest.raises(ValueError, match="twice"):
        upsert(store, new_batch(), rows(("HS1", "a"), ("HS1", "b")))


def test_a_stale_state_change_rolls_back_the_whole_transaction(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    got = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b")))
    one, two = got["HS1"].record_id, got["HS2"].record_id
    with pytest.raises(StaleStateError), store.write() as session:
        advance(
            session,
            [StateChange(one, S.EXTRACTED, S.MAPPED), StateChange(two, S.MAPPED, S.CHECKED)],
        )
    with store.read() as session:
        assert {r.state for r in records_in(session, batch_id=batch)} == {S.EXTRACTED}


def test_bulk_moves_and_values(store: Store, new_batch: Callable[..., int]) -> None:
    batch = new_batch()
    got = upsert(store, batch, rows(*[(f"HS{i}", "x") for i in range(1200)]))
    ids = [u.record_id for u in got.values()]
    with store.write() as session:
        move_all(session, ids, S.EXTRACTED, S.MAPPED)
        advance(session, [StateChange(i, S.MAPPED, S.CHECKED, {"receipt": f"R{i}"}) for i in ids])
    with store.read() as session:
        listed = records_in(session, batch_id=batch, states=[S.CHECKED])
    assert len(listed) == 1200
    assert all(r.receipt == f"R{r.id}" for r in listed)
    with pytest.raises(StaleStateError), store.write() as session:
        move_all(session, ids, S.MAPPED, S.CHECKED)
    with pytest.raises(ValueError, match="state"), store.write() as session:
        advance(session, [StateChange(ids[0], S.CHECKED, S.BUILT, {"state": "accepted"})])


def test_resume_finds_only_unfinished_records_and_problems_keep_their_source(
    store: Store, new_batch: Callable[..., int]
) -> None:
    batch = new_batch()
    got = upsert(store, batch, rows(("HS1", "a"), ("HS2", "b"), ("HS3", "c")))
    cell = SourceLocation(file="lop6A.xlsx", sheet="Lớp 6A", cell="D12")
    with store.write() as session:
        advance(session, [StateChange(got["HS1"].record_id, S.EXTRACTED, S.MAPPED)])
        fail_records(
            session,
            batch,
            [
                Failure(
                    got["HS3"].record_id,
                    S.EXTRACTED,
                    Stage.MAP,
                    [
                        ProblemIn(
                            "MAP02",
                            Severity.ERROR,
                            "Ngày sinh sai",
                            "Bad date of birth",
                            Stage.MAP,
                            "/HocBaSo/DLHocBa/HocSinh/NgaySinh",
                            cell,
                        )
                    ],
                )
            ],
        )
    with store.read() as session:
        resume = records_to_resume(session, batch)
        problems = problems_of(session, batch_id=batch)
        failed = records_in(session, batch_id=batch, states=[S.FAILED])
    assert [(r.ma_ho_so, r.state) for r in resume] == [("HS1", S.MAPPED), ("HS2", S.EXTRACTED)]
    assert [
        (p.record_id, p.stage, p.source_file, p.source_sheet, p.source_cell) for p in problems
    ] == [(got["HS3"].record_id, Stage.MAP, "lop6A.xlsx", "Lớp 6A", "D12")]
    assert failed[0].failed_stage is Stage.MAP
