"""Options and fixtures shared by every test folder (folders add their own conftest.py).

Databases: `db_url` is parametrised over SQLite (always) and PostgreSQL (when
HUB_TEST_POSTGRES_URL is set). PostgreSQL gets one scratch database per test session (dropped at
the end) and one fresh schema per test, chosen through the connection's search_path, so tests
never see each other's rows and Alembic's version table is per test too. With
HUB_REQUIRE_POSTGRES=1 a missing or unreachable server fails the PostgreSQL tests instead of
skipping them (CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pgschema import schema_url

from hub.store import Store, migrate


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/cases/ from the current code instead of "
        "comparing against them (review the diff before committing).",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files (`pytest --update-golden`)."""
    return bool(request.config.getoption("--update-golden"))


POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"
REQUIRE_ENV = "HUB_REQUIRE_POSTGRES"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL tests required ({REQUIRE_ENV}=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[sa.URL]:
    """A scratch database on the server of HUB_TEST_POSTGRES_URL, for this session only."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        _unavailable(f"{POSTGRES_ENV} is not set")
    url = sa.make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(f"cannot reach {url.render_as_string(hide_password=True)}: {exc.orig}")
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database's URL, on each back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    database = request.getfixturevalue("postgres_database")
    return schema_url(database)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store on each back end (created, as `hub db upgrade` would create it)."""
    migrate(db_url)
    opened = Store(db_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL only, for the tests of SQLite's own settings."""
    return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
