"""`hub retry`: which records are chosen, how they are reset, and that nothing else moves."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from operator_seed import SCHOOL_B, Seeded

from hub.lifecycle import STAGE_STARTS_FROM
from hub.pipeline.retry import RetryScope
from hub.pipeline.retry import select as select_records
from hub.store import (
    BatchState,
    RecordState,
    Stage,
    StaleStateError,
    batch_accounting,
    problems_of,
    records_in,
)
from hub.store.redo import fail_not_found, reset_records
from hub.store.tables import Batch, Record


def _scope(seeded: Seeded, **changes: object) -> RetryScope:
    base: dict[str, object] = {
        "batch_id": seeded.batch_a, "school": None, "year": None, "source": None,
        "only_rejected": False, "from_stage": Stage.EXTRACT,
    }  # fmt: skip
    return RetryScope(**{**base, **changes})  # type: ignore[arg-type]


def _chosen(seeded: Seeded, **changes: object) -> set[str]:
    names = {i: n for n, i in seeded.ids.items()}
    with seeded.store.read() as session:
        return {names[r.id] for r in select_records(session, _scope(seeded, **changes))}


def _snapshot(seeded: Seeded) -> dict[str, tuple[object, ...]]:
    names = {i: n for n, i in seeded.ids.items()}
    with seeded.store.read() as session:
        rows = session.scalars(sa.select(Record)).all()
        return {
            names[r.id]: (r.state, r.failed_stage, r.batch_key, r.receipt, r.transcript_id,
                          r.ma_bam, r.is_current)
            for r in rows
            if r.id is not None
        }  # fmt: skip


def test_selection_takes_the_rejected_failed_and_half_done_never_the_accepted(
    seeded: Seeded,
) -> None:
    # a5 (mapped) and a7 (checked) were left half-way by a run that no longer holds the store:
    # a retry shows them too (its sync resumes them where they stand).
    assert _chosen(seeded) == {"a2", "a3", "a4", "a5", "a7"}
    assert _chosen(seeded, only_rejected=True) == {"a2"}
    assert _chosen(seeded, from_stage=Stage.SIGN) == {"a2", "a4"}  # rejected = after push
    assert _chosen(seeded, from_stage=Stage.BUILD) == {"a2", "a4", "a7"}
    assert _chosen(seeded, from_stage=Stage.CHECK) == {"a2", "a3", "a4", "a5", "a7"}
    assert _chosen(seeded, batch_id=None, school=SCHOOL_B) == {"b2"}
    assert _chosen(seeded, batch_id=None, only_rejected=True) == {"a2", "b2"}


def test_reset_moves_only_the_chosen_records_back_and_reopens_their_batch(
    seeded: Seeded,
) -> None:
    before = _snapshot(seeded)
    scope = _scope(seeded, batch_id=None, school=SCHOOL_B, from_stage=Stage.SIGN)
    with seeded.store.write() as session:
        chosen = select_records(session, scope)
        reopened = reset_records(session, chosen, STAGE_STARTS_FROM[Stage.SIGN])
    assert reopened == {seeded.batch_b}
    after = _snapshot(seeded)
    assert after["b2"] == (RecordState.BUILT, None, None, None, None, None, True)
    assert {n: v for n, v in after.items() if n != "b2"} == {
        n: v for n, v in before.items() if n != "b2"
    }  # the accepted learners and every other record are exactly as they were
    with seeded.store.read() as session:
        assert problems_of(session, record_id=seeded.ids["b2"]) == []
        batch = session.get(Batch, seeded.batch_b)
        assert batch is not None
        assert batch.state is BatchState.OPEN
        assert batch_accounting(session, seeded.batch_b).in_flight == 1


def test_a_record_moved_meanwhile_stops_the_whole_reset(seeded: Seeded) -> None:
    before = _snapshot(seeded)
    with seeded.store.read() as session:
        chosen = select_records(session, _scope(seeded, only_rejected=False))
        chosen = [ref for ref in chosen if ref.state in (RecordState.FAILED, RecordState.REJECTED)]
    with seeded.store.write() as session:  # another process retires a3 meanwhile
        session.execute(
            sa.update(Record).where(Record.id == seeded.ids["a3"]).values(is_current=False)  # type: ignore[arg-type]
        )
    before["a3"] = (*before["a3"][:-1], False)
    with pytest.raises(StaleStateError), seeded.store.write() as session:
        reset_records(session, chosen, RecordState.EXTRACTED)
    assert _snapshot(seeded) == before


def test_records_the_run_did_not_meet_again_fail_and_their_batch_closes(seeded: Seeded) -> None:
    scope = _scope(seeded, batch_id=seeded.batch_b)
    with seeded.store.write() as session:
        chosen = select_records(session, scope)
        reset_records(session, chosen, RecordState.EXTRACTED)
    with seeded.store.write() as session:
        gone = fail_not_found(session, chosen, run_id=99)
    assert gone == [seeded.ids["b2"]]
    with seeded.store.read() as session:
        record = session.get(Record, seeded.ids["b2"])
        assert record is not None
        assert (record.state, record.failed_stage) == (RecordState.FAILED, Stage.EXTRACT)
        assert [p.code for p in problems_of(session, record_id=record.id)] == ["NOT_IN_SOURCE"]
        counts = batch_accounting(session, seeded.batch_b)
        assert counts.balanced
        batch = session.get(Batch, seeded.batch_b)
        assert batch is not None
        assert batch.state is BatchState.COMPLETE


def test_dry_run_lists_the_selection_and_changes_nothing(seeded: Seeded, tmp_path: Path) -> None:
    before = _snapshot(seeded)
    result = seeded.run(tmp_path, "retry", str(seeded.batch_a), "--from-stage", "sign", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 học sinh" in result.output
    assert "rejected (push)" in result.output
    assert "failed (sign)" in result.output
    assert "failed (check)" not in result.output
    assert _snapshot(seeded) == before


@pytest.mark.parametrize(
    "args",
    [(), ("1", "--school", "01000001"), ("--from-stage", "push", "--school", "01000001"), ("999",)],
)
def test_retry_refuses_what_it_cannot_do_narrowly(
    seeded: Seeded, tmp_path: Path, args: tuple[str, ...]
) -> None:
    before = _snapshot(seeded)
    result = seeded.run(tmp_path, "retry", *args, "--dry-run")
    assert result.exit_code == 2, result.output
    assert _snapshot(seeded) == before


def test_a_reset_never_redoes_an_accepted_transcript(seeded: Seeded) -> None:
    with seeded.store.read() as session:
        accepted = [r for r in records_in(session) if r.state is RecordState.ACCEPTED]
    assert accepted
    before = _snapshot(seeded)
    with pytest.raises(ValueError, match="may not go back"), seeded.store.write() as session:
        reset_records(session, accepted[:1], RecordState.EXTRACTED)
    assert _snapshot(seeded) == before
