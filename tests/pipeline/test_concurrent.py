"""Two plain `hub sync` on one store (both hold the whole store, which overlaps): the second says
who holds the work and touches nothing (tests/pipeline/test_pieces.py: pieces side by side)."""

from __future__ import annotations

import time

from hub.cli import exits
from hub.store.leases import holder_of

from .checks import assert_exactly_once
from .conftest import expected_ids, province_settings


def test_a_second_sync_names_the_one_at_work_and_leaves_its_learners_alone(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(36, seed=31)
    world = make_world(settings)
    first = world.hub_sync()
    store = world.store()
    try:
        deadline = time.monotonic() + 60
        while holder_of(store) is None and first.poll() is None:
            assert time.monotonic() < deadline, "the first sync never took its lease"
            time.sleep(0.02)
        holder = holder_of(store)
    finally:
        store.dispose()
    assert holder is not None, "the first sync ended before the second could start"
    second = world.hub_sync()
    output, _ = second.communicate(timeout=120)
    text = output.decode()
    assert second.returncode == exits.STORE, text
    assert f"process {holder.pid} on host {holder.host}" in text
    assert f"tiến trình {holder.pid}" in text
    first_output, _ = first.communicate(timeout=300)
    assert first.returncode == exits.OK, first_output.decode()
    assert_exactly_once(world, expected_ids(settings))
