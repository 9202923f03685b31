"""A learner record's life: the stages, the states, and the one table of the moves allowed.

    extracted ─► mapped ─► checked ─► built ─► signed ─► submitted ─► accepted
        │          │          │         │        │           └──────► rejected
        └──────────┴──────────┴─────────┴────────┴─► failed      (stopped at a named stage)
        └──────────┴──────────┴─────────┴────────┴─► superseded  (newer content came first)

    a document the vendor signed itself (vnEdu; the hub never builds nor signs it):
        mapped (checked, built) ─► awaiting_vendor ─► signed       (verified and compared)
                                        ├──────────► failed       (a check or the comparison)
                                        └──────────► superseded

    redo (an operator's `hub retry`, new content in the same batch):
        failed, rejected ─► extracted | mapped | checked | built

Everything else is derived from `FORWARD`, `VENDOR_ROUTE` and `REDO`: the terminal states (no
forward move), the waiting states (entered only on the vendor's route: the learner waits for
someone outside the hub, and every sync asks the vendor again), the work states (those the
worker processes take a record out of on the hub's own way to `signed`), the push states, and
the state a stage starts from. `hub.store.records.advance` refuses a move
that is not in these tables, so a bug that would skip a step fails loudly instead of sending a
document that was never checked. Adding a state is one line in `RecordState` and its moves here.

This module is a leaf: it imports nothing of the hub, so that the store, the stages, the
worker processes and the command line all read the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Stage(StrEnum):
    """The pipeline's stages, to name where a record failed or a problem was found."""

    EXTRACT = "extract"
    MAP = "map"
    CHECK = "check"
    BUILD = "build"
    SIGN = "sign"
    PUSH = "push"


class RecordState(StrEnum):
    """Where one learner's document is (DESIGN.md: "record")."""

    EXTRACTED = "extracted"
    MAPPED = "mapped"
    CHECKED = "checked"
    BUILT = "built"
    # The vendor signs the document itself (vnEdu): waiting for its signatures, or for the
    # hub's verification of the document it served (hub.pipeline.vendor).
    AWAITING_VENDOR = "awaiting_vendor"
    SIGNED = "signed"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"  # stopped at `failed_stage`, with its problems
    SUPERSEDED = "superseded"  # newer source content arrived before this one was sent


_S = RecordState

FORWARD: Mapping[RecordState, frozenset[RecordState]] = {
    _S.EXTRACTED: frozenset({_S.MAPPED, _S.FAILED, _S.SUPERSEDED}),
    _S.MAPPED: frozenset({_S.CHECKED, _S.AWAITING_VENDOR, _S.FAILED, _S.SUPERSEDED}),
    _S.CHECKED: frozenset({_S.BUILT, _S.AWAITING_VENDOR, _S.FAILED, _S.SUPERSEDED}),
    _S.BUILT: frozenset({_S.SIGNED, _S.AWAITING_VENDOR, _S.FAILED, _S.SUPERSEDED}),
    # The vendor's document: it comes (verified and compared: signed, its bytes as served),
    # fails a check, or gives way to newer content. Never built, never signed by the hub.
    _S.AWAITING_VENDOR: frozenset({_S.SIGNED, _S.FAILED, _S.SUPERSEDED}),
    # A signed document no submission holds yet can still give way to newer content; a
    # refused submission (a fault a person must fix) fails its records at `push`.
    _S.SIGNED: frozenset({_S.SUBMITTED, _S.FAILED, _S.SUPERSEDED}),
    _S.SUBMITTED: frozenset({_S.ACCEPTED, _S.REJECTED}),
    _S.ACCEPTED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.FAILED: frozenset(),
    _S.SUPERSEDED: frozenset(),
}
"""The moves a sync makes, from each state."""

VENDOR_ROUTE = frozenset(
    (state, _S.AWAITING_VENDOR) for state, moves in FORWARD.items() if _S.AWAITING_VENDOR in moves
) | {(_S.AWAITING_VENDOR, _S.SIGNED)}
"""The moves of a document the vendor signed (`RawRecord.vendor_document`): from wherever the
learner stands before `signed` (a redo may have put them back to `checked` or `built`) to
waiting for the vendor, and from there to `signed`. Every vendor document passes
`awaiting_vendor`, even one served at the first read, so the hub's own route never skips a
step: `mapped` cannot reach `signed` but through the vendor's verification."""

WAITING_STATES = frozenset(new for _, new in VENDOR_ROUTE if new is not _S.SIGNED)
"""States of a learner who waits for someone outside the hub (the vendor's signatures): not
work for the workers, not half-way, not a failure; every sync asks the vendor again."""

TERMINAL_STATES = frozenset(state for state, moves in FORWARD.items() if not moves)
"""A record in one of these states needs no more work."""

SETTLED_STATES = TERMINAL_STATES - {_S.SUPERSEDED}
"""Terminal states that stand for their learner: the outcome an operator sees."""

ANSWERED_STATES = FORWARD[_S.SUBMITTED]
"""The ministry's answers to a document sent: accepted or rejected."""

WITHOUT_TRANSCRIPT_STATES = SETTLED_STATES - {_S.ACCEPTED}
"""Settled without a transcript: rejected by the ministry or stopped by the hub (a person acts)."""


def _reaches(start: RecordState, goal: RecordState) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        for following in FORWARD[frontier.pop()]:
            if following is goal:
                return True
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return False


WORK_STATES = frozenset(
    s
    for s in RecordState
    if s is not _S.SIGNED and s not in WAITING_STATES and _reaches(s, _S.SIGNED)
)
"""States a record leaves in the worker processes (check → build → sign), toward `signed`."""

PUSH_STATES = frozenset(
    s for s in RecordState if s not in WORK_STATES | TERMINAL_STATES | WAITING_STATES
)
"""States of a signed record on its way to the ministry (push resumes them)."""

STAGE_STARTS_FROM: Mapping[Stage, RecordState] = {
    Stage.EXTRACT: _S.EXTRACTED,
    Stage.MAP: _S.EXTRACTED,
    Stage.CHECK: _S.MAPPED,
    Stage.BUILD: _S.CHECKED,
    Stage.SIGN: _S.BUILT,
    Stage.PUSH: _S.SIGNED,
}
"""The state a record is in when `stage` is next to do for it."""

NEXT_WORK_STATE: Mapping[RecordState, RecordState] = {
    state: next(iter(FORWARD[state] - {_S.FAILED, _S.SUPERSEDED} - WAITING_STATES))
    for state in sorted(WORK_STATES, key=list(RecordState).index)
}
"""The state after each work state when its stage succeeds (extracted → mapped, ...)."""

REDO_STATES = frozenset(STAGE_STARTS_FROM[s] for s in Stage if s is not Stage.PUSH)
"""The states a redo puts a record back to (`hub retry --from-stage`): before a worker stage."""

REDO: Mapping[RecordState, frozenset[RecordState]] = {
    _S.FAILED: REDO_STATES,
    _S.REJECTED: REDO_STATES,
    # New content in the same batch, before anything of it was sent: back to the start.
    **{state: frozenset({_S.EXTRACTED}) for state in WORK_STATES | WAITING_STATES | {_S.SIGNED}},
}
"""The moves back an operator's redo (or new content before sending) may make."""


def allowed(old: RecordState, new: RecordState) -> bool:
    """Whether a record may move from `old` to `new` (staying put to set values is allowed)."""
    return new is old or new in FORWARD[old] or new in REDO.get(old, frozenset())


def work_walk(start: RecordState, goal: RecordState) -> tuple[RecordState, ...]:
    """The states a record passes from `start` to the work state `goal` when every stage in
    between succeeds (`NEXT_WORK_STATE`), `goal` included; () when `start` is `goal`.

    Raises:
        ValueError: `goal` is not ahead of `start` on the hub's own way.
    """
    walk: list[RecordState] = []
    state = start
    while state is not goal:
        following = NEXT_WORK_STATE.get(state)
        if following is None:
            raise ValueError(f"{goal} is not ahead of {start} on the way to signed")
        walk.append(following)
        state = following
    return tuple(walk)


def stage_of_failure(state: RecordState, failed_stage: Stage | None) -> Stage:
    """The stage a finished record stopped at: a rejection counts as stopped at `push`."""
    if state is _S.REJECTED:
        return Stage.PUSH
    return failed_stage or Stage.EXTRACT


def order(state: RecordState) -> int:
    """A state's place along the way (for sorting and "at or after" tests)."""
    return list(RecordState).index(state)


__all__ = [
    "ANSWERED_STATES",
    "FORWARD",
    "NEXT_WORK_STATE",
    "PUSH_STATES",
    "REDO",
    "REDO_STATES",
    "SETTLED_STATES",
    "STAGE_STARTS_FROM",
    "TERMINAL_STATES",
    "VENDOR_ROUTE",
    "WAITING_STATES",
    "WITHOUT_TRANSCRIPT_STATES",
    "WORK_STATES",
    "RecordState",
    "Stage",
    "allowed",
    "order",
    "stage_of_failure",
    "work_walk",
]
