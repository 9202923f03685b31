"""Fixtures of the jobs' tests: a PostgreSQL store with the job queue installed (as `hub db
upgrade` leaves it), a configuration with schedules, the generated province for `hub serve`.

The queue lives in PostgreSQL only: these fixtures skip (or fail, with HUB_REQUIRE_POSTGRES=1)
without HUB_TEST_POSTGRES_URL, like the root conftest's postgres half of `db_url`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pgschema import schema_url

from hub.config import HubConfig, load_config
from hub.jobs.queue_schema import install_queue
from hub.store import Store, migrate

CONFIG = '[ministry]\nunit = "SO01"\nusername = "SO01"\n'


@pytest.fixture
def pg_url(postgres_database: sa.URL) -> str:
    """A fresh schema's URL on the test server, migrated and with the queue installed."""
    url = schema_url(postgres_database)
    migrate(url)
    install_queue(url)
    return url


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A minimal config.toml (the database comes from HUB_DATABASE_URL)."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


BASE = """
[ministry]
unit = "SO01"
username = "SO01"

[[sources]]
name = "vnedu"
plugin = "vnedu"

[[sources]]
name = "smas"
plugin = "smas"

[[schedules]]
name = "nightly"
cron = "0 1 * * *"
job = "sync"

[[schedules]]
name = "retry"
cron = "30 7 * * 1-5"
job = "retry-rejected"
sources = ["smas"]
"""


@pytest.fixture
def config(tmp_path: Path) -> HubConfig:
    """Two sources; `nightly` syncs both at 01:00, `retry` retries smas at 07:30 on weekdays."""
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")
    return load_config(path)


# The generated province, its sandbox and store (tests/pipeline's fixtures), for `hub serve`.
from pipeline.conftest import make_world, province_cache  # noqa: E402, F401
