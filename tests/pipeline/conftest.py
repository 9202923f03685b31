"""A generated province, its spreadsheets, test PKIs and a running ministry sandbox, per test.

The province is built once per size and session (PKIs take seconds); each test gets its own
copy of the folder (tests edit spreadsheets), its own sandbox state and its own store, on
SQLite and on PostgreSQL (the root conftest's `db_url` fixture, HUB_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hub.cli.demo_province import (
    DEFAULT_TEST_PASSWORD,
    MINISTRY_PASSWORD_ENV,
    PKI_PASSWORD_ENV,
    Province,
    build_province,
)
from hub.config import HubConfig, load_config
from hub.gen import DefectKind, GenSettings, generate
from hub.ministry import ClientMetrics, Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.model import SchoolLevel
from hub.pipeline import SyncOptions, SyncReport, run_sync
from hub.pipeline.runner import ENDPOINT_ENV
from hub.sandbox import FaultPlan, RunningSandbox, running
from hub.store import Store, migrate

CRASH_SIZE_ENV = "HUB_TEST_SYNC_LEARNERS"
TODAY_SETTINGS: dict[str, Any] = {"foreign_rate": 0.0, "exempt_rate": 0.0}


def province_settings(learners: int, seed: int = 17, **changes: Any) -> GenSettings:
    """One primary and one lower-secondary school with about `learners` learners."""
    per_class = 28 if learners >= 250 else 4
    classes = max(1, math.ceil(learners / (9 * per_class)))
    return GenSettings(
        seed=seed,
        levels=(SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY),
        schools=1,
        classes_per_grade=classes,
        learners_per_class=per_class,
        **TODAY_SETTINGS,
        **changes,
    )


def expected_ids(settings: GenSettings) -> set[str]:
    """MaHoSo of every learner, as generic_excel's mapping forms it (school-year-learner)."""
    return {
        f"{t.header.school_code}-{t.header.school_year}-{t.learner.learner_code}"
        for t in (item.transcript for item in generate(settings))
    }


_built: dict[tuple[Any, ...], Province] = {}


@pytest.fixture(scope="session")
def province_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Province]:
    def build(settings: GenSettings) -> Province:
        key = (settings.seed, settings.classes_per_grade, settings.learners_per_class,
               tuple(sorted(settings.defects.items())))  # fmt: skip
        if key not in _built:
            folder = tmp_path_factory.mktemp("province")
            _built[key] = build_province(
                folder / "p", settings, database_url="sqlite:///unused.sqlite3"
            )
        return _built[key]

    return build


@dataclass
class World:
    """One test's province copy, sandbox, store and the means to run syncs against them."""

    province: Province
    settings: GenSettings
    db_url: str
    sandbox: RunningSandbox
    password: str
    clients: list[MinistryClient] = field(default_factory=list)

    @property
    def config(self) -> HubConfig:
        return load_config(self.province.config_path)

    def store(self) -> Store:
        return Store(self.db_url)

    def client(self, *, fast: bool = True) -> MinistryClient:
        """A ministry client with its own metrics (fast retries and polls for tests)."""
        client = MinistryClient(
            self.sandbox.endpoint,
            Credentials(self.province.username, self.password),
            retry=RetryPolicy(attempts=12, backoff_first=0.05, backoff_longest=0.5)
            if fast
            else None,
            poll=PollPolicy(first=0.1, factor=1.5, longest=1.0, timeout=300.0) if fast else None,
            metrics=ClientMetrics(),
        )
        self.clients.append(client)
        return client

    def sync(self, client: MinistryClient | None = None, **options: Any) -> SyncReport:
        """One in-process sync of this world (a fresh client by default), to its end."""
        store = self.store()
        try:
            return run_sync(
                self.config,
                SyncOptions(progress=False, **options),
                client or self.client(),
                store=store,
            )
        finally:
            store.dispose()

    def env(self) -> dict[str, str]:
        """The environment of a `hub sync` subprocess against this world."""
        return {
            **os.environ,
            "HUB_DATABASE_URL": self.db_url,
            ENDPOINT_ENV: self.sandbox.endpoint,
            PKI_PASSWORD_ENV: DEFAULT_TEST_PASSWORD,
            MINISTRY_PASSWORD_ENV: self.password,
            "HUB_LOAD_PLUGINS": "generic_excel",
        }

    def hub_sync(self, *extra: str) -> subprocess.Popen[bytes]:
        """Start `hub sync` as its own process group (so a kill reaches its workers too)."""
        hub = Path(sys.executable).parent / "hub"
        return subprocess.Popen(
            [str(hub), "sync", "--config", str(self.province.config_path), "--quiet", *extra],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def sandbox_rows(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read the sandbox's own state (its SQLite file) directly."""
        with sqlite3.connect(self.sandbox_state) as conn:
            return list(conn.execute(query, args))

    @property
    def sandbox_state(self) -> Path:
        return self.province.directory / "sandbox.sqlite3"


@pytest.fixture
def make_world(
    province_cache: Callable[[GenSettings], Province],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., World]]:
    """`make_world(settings, faults=None)`: a fresh copy of the province and a sandbox."""
    stack: list[Any] = []

    def make(settings: GenSettings, faults: FaultPlan | None = None) -> World:
        built = province_cache(settings)
        folder = tmp_path / "province"
        shutil.copytree(built.directory, folder)
        province = dataclasses.replace(
            built,
            directory=folder,
            config_path=folder / "hub.toml",
            roster_path=folder / "roster.json",
            trust_dir=folder / "trust",
        )
        password = secrets.token_urlsafe(12)
        monkeypatch.setenv(PKI_PASSWORD_ENV, DEFAULT_TEST_PASSWORD)
        monkeypatch.setenv("HUB_DATABASE_URL", db_url)
        monkeypatch.setenv("HUB_LOAD_PLUGINS", "generic_excel")
        context = running(province.sandbox_config(password, faults=faults))
        sandbox = context.__enter__()
        stack.append(context)
        migrate(db_url)
        world = World(province, settings, db_url, sandbox, password)
        stack.append(world)
        return world

    yield make
    for item in reversed(stack):
        if isinstance(item, World):
            for client in item.clients:
                client.close()
        else:
            item.__exit__(None, None, None)


__all__ = ["DefectKind", "World", "expected_ids", "province_settings"]
