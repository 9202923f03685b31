"""The record lifecycle: one table of moves, the sets derived from it, a store keeping to it."""

from __future__ import annotations

import pytest

from hub.lifecycle import (
    ANSWERED_STATES,
    FORWARD,
    NEXT_WORK_STATE,
    PUSH_STATES,
    STAGE_STARTS_FROM,
    TERMINAL_STATES,
    VENDOR_ROUTE,
    WAITING_STATES,
    WITHOUT_TRANSCRIPT_STATES,
    WORK_STATES,
    RecordState,
    Stage,
    allowed,
)
from hub.store import Failure, StateChange, Store, advance, fail_records, migrate, move_all

S = RecordState


def test_every_state_has_its_moves_and_the_sets_follow_from_them() -> None:
    assert set(FORWARD) == set(RecordState)
    assert {S.ACCEPTED, S.REJECTED, S.FAILED, S.SUPERSEDED} == TERMINAL_STATES
    assert {S.EXTRACTED, S.MAPPED, S.CHECKED, S.BUILT} == WORK_STATES
    assert {S.SIGNED, S.SUBMITTED} == PUSH_STATES
    assert {S.AWAITING_VENDOR} == WAITING_STATES
    assert (S.AWAITING_VENDOR, S.SIGNED) in VENDOR_ROUTE
    assert {new for old, new in VENDOR_ROUTE if old is not S.AWAITING_VENDOR} == WAITING_STATES
    assert NEXT_WORK_STATE == {
        S.EXTRACTED: S.MAPPED,
        S.MAPPED: S.CHECKED,
        S.CHECKED: S.BUILT,
        S.BUILT: S.SIGNED,
    }
    assert STAGE_STARTS_FROM[Stage.SIGN] is S.BUILT
    assert {S.ACCEPTED, S.REJECTED} == ANSWERED_STATES
    assert {S.REJECTED, S.FAILED} == WITHOUT_TRANSCRIPT_STATES


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        (S.EXTRACTED, S.MAPPED, True),
        (S.MAPPED, S.SIGNED, False),  # skipping check and build
        (S.SUBMITTED, S.FAILED, False),  # a sent document gets the ministry's answer
        (S.ACCEPTED, S.EXTRACTED, False),  # an issued transcript is never redone in place
        (S.REJECTED, S.BUILT, True),  # hub retry --from-stage sign
        (S.FAILED, S.MAPPED, True),
        (S.SIGNED, S.EXTRACTED, True),  # new content before anything was sent
        (S.SUBMITTED, S.EXTRACTED, False),
        (S.MAPPED, S.AWAITING_VENDOR, True),  # the vendor signs the document itself
        (S.AWAITING_VENDOR, S.SIGNED, True),  # verified and compared
        (S.AWAITING_VENDOR, S.FAILED, True),
        (S.AWAITING_VENDOR, S.SUBMITTED, False),  # never sent before it is signed
        (S.EXTRACTED, S.AWAITING_VENDOR, False),  # mapped first: compared with its data
        (S.AWAITING_VENDOR, S.EXTRACTED, True),  # new content while waiting
    ],
)
def test_allowed_moves(old: RecordState, new: RecordState, ok: bool) -> None:
    assert allowed(old, new) is ok


def test_the_store_refuses_a_move_the_table_does_not_hold(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'hub.sqlite3'}", create=True)
    migrate(store)
    try:
        with pytest.raises(ValueError, match="may not move"), store.write() as session:
            advance(session, [StateChange(1, S.MAPPED, S.SIGNED)])
        with pytest.raises(ValueError, match="may not move"), store.write() as session:
            move_all(session, [1], S.ACCEPTED, S.EXTRACTED)
        with pytest.raises(ValueError, match="may not move"), store.write() as session:
            fail_records(session, 1, [Failure(1, S.SUBMITTED, Stage.PUSH)])
    finally:
        store.dispose()


def test_no_module_but_the_lifecycle_spells_out_a_set_of_states() -> None:
    # A set, tuple or list of two or more RecordState members anywhere else restates part of
    # the lifecycle: derive it from hub.lifecycle's table instead.
    import ast
    from pathlib import Path

    import hub

    root = Path(hub.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "lifecycle.py" and path.parent == root:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Set | ast.Tuple | ast.List):
                members = [
                    e
                    for e in node.elts
                    if isinstance(e, ast.Attribute)
                    and isinstance(e.value, ast.Name)
                    and e.value.id == "RecordState"
                ]
                if len(members) >= 2:
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not found, found
