"""A 3-school vnEdu province through the whole hub: simulator with faults → sync → sandbox.

The acceptance of the vnEdu issue, end to end and in process: the simulator serves a
generated province with 20 % of its requests failing in every way it knows (server errors,
slow answers, truncated bodies, malformed JSON, tokens revoked early) and tokens living 30 s,
some learners still unsigned and some documents wrong (a broken seal signature, a validly
signed score that is not the data's). The hub has no signing key at all: it cannot sign, so
whatever reaches the sandbox is the vendor's. At the end:

- exactly one accepted transcript per learner whose document is valid, and the sandbox holds
  the vendor's exact bytes (SHA-256 of what the simulator served);
- every other learner is named with its reason: awaiting the vendor, HB004, or the field
  whose signed value differs from the data;
- an updated learner is read again by the next sync, and only it; a sync with nothing
  changed asks for nothing beyond the first page of each school.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_vnedu.sim import FaultPlan, InitSettings, init_state, running_simulator
from sqlalchemy import select

from hub.config import load_config
from hub.lifecycle import RecordState
from hub.ministry import ClientMetrics, Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.pipeline import SyncOptions, SyncReport, run_sync
from hub.sandbox import Account, Accounts, SandboxConfig, running
from hub.store import Store, migrate
from hub.store.tables import Problem as StoredProblem
from hub.store.tables import Record

SECRET = "province-test-secret"
UNIT = "SO56"
YEAR = "2024-2025"


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vnedu-province") / "state"
    init_state(
        folder,
        InitSettings(schools=3, learners_per_school=8, seed=11, unsigned_share=0.15),
    )
    return folder


@dataclass
class Province:
    """The simulator, the sandbox and the hub's configuration for one test."""

    base_url: str
    simulator: Any
    config_path: Path
    db_url: str
    sandbox_endpoint: str
    sandbox_state: Path
    password: str

    def sync(self) -> SyncReport:
        client = MinistryClient(
            self.sandbox_endpoint,
            Credentials(UNIT, self.password),
            retry=RetryPolicy(attempts=12, backoff_first=0.05, backoff_longest=0.5),
            poll=PollPolicy(first=0.1, factor=1.5, longest=1.0, timeout=300.0),
            metrics=ClientMetrics(),
        )
        store = Store(self.db_url)
        try:
            return run_sync(
                load_config(self.config_path), SyncOptions(progress=False), client, store=store
            )
        finally:
            store.dispose()
            client.close()

    def control(self, method: str, path: str) -> Any:
        answer = httpx.request(method, f"{self.base_url}{path}", timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def accepted_in_sandbox(self) -> dict[str, str]:
        """MaHoSo → SHA-256 of the document the sandbox accepted."""
        with sqlite3.connect(self.sandbox_state) as conn:
            rows = conn.execute(
                "SELECT ma_ho_so, content FROM document WHERE outcome = 'CHAP_NHAN'"
            ).fetchall()
        found: dict[str, str] = {}
        for ma_ho_so, content in rows:
            assert ma_ho_so not in found, f"{ma_ho_so} accepted twice"
            found[ma_ho_so] = hashlib.sha256(content).hexdigest()
        return found

    def problem_codes(self) -> dict[int, set[str]]:
        """Each record's problem codes."""
        store = Store(self.db_url)
        try:
            with store.read() as session:
                rows = session.execute(select(StoredProblem.record_id, StoredProblem.code))
                found: dict[int, set[str]] = {}
                for record_id, code in rows:
                    if record_id is not None:
                        found.setdefault(record_id, set()).add(code)
                return found
        finally:
            store.dispose()

    def records(self) -> list[Record]:
        store = Store(self.db_url)
        try:
            with store.read() as session:
                return list(session.scalars(select(Record)))
        finally:
            store.dispose()


def _config(folder: Path, base_url: str, trust: Path, db_url: str) -> Path:
    path = folder / "hub.toml"
    path.write_text(
        f"""
[database]
url = "{db_url}"

[ministry]
endpoint = "sandbox"
unit = "{UNIT}"
username = "{UNIT}"
password_env = "HUB_MINISTRY_PASSWORD"

[trust]
folder = "{trust}"

[[sources]]
name = "vnedu"
plugin = "vnedu"
[sources.options]
base_url = "{base_url}"
client_id = "hub-test"
client_secret_env = "HUB_VNEDU_SECRET"
years = ["{YEAR}"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def province(
    state_dir: Path, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Province]:
    import shutil

    state = tmp_path / "state"
    shutil.copytree(state_dir, state)
    faults = FaultPlan(seed=5, share=0.2, slow_seconds=0.3, bad_signature=0.1, wrong_content=0.1)
    password = "sandbox-pw"
    monkeypatch.setenv("HUB_VNEDU_SECRET", SECRET)
    monkeypatch.setenv("HUB_MINISTRY_PASSWORD", password)
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "vnedu")
    migrate(db_url)
    sandbox_state = tmp_path / "sandbox.sqlite3"
    sandbox = SandboxConfig(
        state=sandbox_state,
        roster=state / "roster.json",
        trust=state / "trust",
        accounts=Accounts([Account.with_password(UNIT, password, [UNIT])]),
    )
    with (
        running_simulator(state, client_secret=SECRET, token_lifetime=30, faults=faults) as sim,
        running(sandbox) as box,
    ):
        monkeypatch.setenv("HUB_MINISTRY_ENDPOINT", box.endpoint)
        yield Province(
            sim.base_url,
            sim.simulator,
            _config(tmp_path, sim.base_url, state / "trust", db_url),
            db_url,
            box.endpoint,
            sandbox_state,
            password,
        )


def _learners(province: Province) -> list[dict[str, Any]]:
    listed = province.control("GET", "/_sim/learners")
    return list(listed["items"] if isinstance(listed, dict) else listed)


def test_a_faulty_province_ends_with_one_accepted_transcript_per_valid_document(
    province: Province,
) -> None:
    learners = _learners(province)
    assert len(learners) >= 24
    province.sync()
    records = {r.learner_key: r for r in province.records() if r.is_current}
    # Every learner the simulator holds is accounted for, once.
    assert set(records) == {item["vnedu_id"] for item in learners}

    sent = province.accepted_in_sandbox()
    expected_valid = {i["vnedu_id"] for i in learners if i["document"] == "signed"}
    assert expected_valid, "the province must hold valid documents"
    accepted = {k for k, r in records.items() if r.state == RecordState.ACCEPTED}
    assert accepted == expected_valid
    # The sandbox holds the vendor's exact bytes, one accepted transcript each.
    served = {
        records[k].ma_ho_so: hashlib.sha256(province.simulator.document(k)).hexdigest()
        for k in expected_valid
    }
    assert sent == served

    # Every other learner is named with its reason.
    codes = province.problem_codes()
    reasons = {"pending": None, "bad-signature": "HB004", "wrong-content": "VENDOR_DATA_DIFFERS"}
    kinds = {item["document"] for item in learners}
    assert {"pending", "bad-signature", "wrong-content"} <= kinds, kinds
    for item in learners:
        record = records[item["vnedu_id"]]
        if item["document"] == "pending":
            assert record.state == RecordState.AWAITING_VENDOR
        elif item["document"] in reasons:
            assert record.state == RecordState.FAILED, item
            assert reasons[item["document"]] in codes[record.id], (item, codes[record.id])


def test_a_second_sync_reads_only_what_changed(province: Province) -> None:
    province.sync()
    for item in _learners(province):  # the school finishes signing everyone
        if item["document"] == "pending":
            province.control("POST", f"/_sim/learners/{item['vnedu_id']}/sign")
    province.sync()  # the waiting learners' documents come
    province.control("POST", "/_sim/stats/reset")
    province.sync()
    stats = province.control("GET", "/_sim/stats")
    pages = stats["students_pages"]
    assert len(pages) == 3, stats
    assert all(p == {"first": 1, "next": 0} for p in pages.values()), stats
    assert stats["transcripts_by_learner"] == {}, stats

    changed = next(i["vnedu_id"] for i in _learners(province) if i["document"] == "signed")
    province.control("POST", f"/_sim/learners/{changed}/touch")
    province.control("POST", "/_sim/stats/reset")
    before = {r.id for r in province.records()}
    province.sync()
    stats = province.control("GET", "/_sim/stats")
    assert set(stats["transcripts_by_learner"]) == {changed}, stats
    after = province.records()
    new = [r for r in after if r.id not in before]
    assert {r.learner_key for r in new} == {changed}
    assert os.environ["HUB_LOAD_PLUGINS"] == "vnedu"


def test_a_school_vnedu_will_not_serve_is_named_at_that_school(province: Province) -> None:
    """A school that yields no learner at all (vnEdu refuses it) still has its problem filed
    at that school, not beside another school's learners."""
    from hub.store.tables import Batch

    schools = sorted({i["ma_truong"] for i in _learners(province)})
    unknown = "56999999"
    text = province.config_path.read_text(encoding="utf-8")
    listed = ", ".join(f'"{s}"' for s in [*schools, unknown])
    province.config_path.write_text(
        text.replace('years = ["2024-2025"]', f'years = ["2024-2025"]\nschools = [{listed}]'),
        encoding="utf-8",
    )
    province.sync()
    store = Store(province.db_url)
    try:
        with store.read() as session:
            rows = session.execute(
                select(Batch.school_code, StoredProblem.code).join(
                    StoredProblem, StoredProblem.batch_id == Batch.id
                )
            ).all()
    finally:
        store.dispose()
    at_unknown = {code for school, code in rows if school == unknown}
    assert at_unknown, rows
    assert all(c.startswith("VENDOR_") for c in at_unknown), rows
    elsewhere = {code for school, code in rows if school != unknown}
    assert not {c for c in elsewhere if c in at_unknown}, rows
