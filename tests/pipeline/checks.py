"""Assertions shared by the sync tests: exactly once in the sandbox, balanced batches."""

from __future__ import annotations

from collections import Counter

from hub.store import RecordState, batch_accounting, batches, records_in, verify_chain

from .conftest import World


def assert_exactly_once(
    world: World, should_accept: set[str], resent: frozenset[str] = frozenset()
) -> None:
    """The sandbox holds one issued transcript per expected learner, none twice, none extra;
    no document was received twice (except `resent`: learners sent again after a rejection);
    the store agrees learner by learner; every batch adds up; the audit chain holds."""
    sent = Counter(
        ma for (ma,) in world.sandbox_rows("SELECT ma_ho_so FROM document ORDER BY ma_ho_so")
    )
    twice = {ma: n for ma, n in sent.items() if n > (2 if ma in resent else 1)}
    assert not twice, f"documents received more than once: {sorted(twice)[:5]}"
    issued = Counter(
        ma
        for (ma,) in world.sandbox_rows(
            "SELECT ma_ho_so FROM transcript WHERE withdrawn_at IS NULL"
        )
    )
    assert set(issued) == should_accept, (
        f"missing {sorted(should_accept - set(issued))[:5]}, "
        f"unexpected {sorted(set(issued) - should_accept)[:5]}"
    )
    assert max(issued.values(), default=1) == 1
    ids = dict(world.sandbox_rows("SELECT ma_ho_so, id FROM transcript"))
    store = world.store()
    try:
        with store.read() as session:
            current = records_in(session, current_only=True)
            accepted = {
                r.ma_ho_so: r.transcript_id for r in current if r.state is RecordState.ACCEPTED
            }
            assert accepted == {ma: ids[ma] for ma in should_accept}
            for batch in batches(session):
                assert batch.id is not None
                counts = batch_accounting(session, batch.id)
                assert counts.balanced, f"batch {batch.id} does not add up: {counts}"
            report = verify_chain(session)
            assert report.ok, report
    finally:
        store.dispose()
