"""Fixtures of the operator's command tests (the data: operator_seed.py)."""

from __future__ import annotations

import pytest
from operator_seed import Seeded, seed

from hub.store import Store


@pytest.fixture
def seeded(store: Store, db_url: str) -> Seeded:
    """The seeded store of operator_seed.py, on each back end."""
    return seed(store, db_url)
