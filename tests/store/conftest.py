"""Fixtures of the store's own tests; the database fixtures live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.store import Store

NewBatch = Callable[..., int]


@pytest.fixture
def new_batch(store: Store) -> NewBatch:
    """A function that opens a batch of a new run: new_batch(school=..., year=...) -> id."""
    from hub.store import open_batch, start_run

    def make(school: str = "01000001", year: str = "2024-2025") -> int:
        with store.write() as session:
            run_id = start_run(session, {"school": school, "year": year})
            return open_batch(session, run_id, school, year, "demo-excel")

    return make
