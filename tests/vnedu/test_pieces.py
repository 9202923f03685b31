"""A vnEdu read narrowed to one school: only that school is asked for, and the cursors of the
schools it did not read stay where they were."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hub_vnedu.sim import FaultPlan, InitSettings, init_state, running_simulator

from hub.ministry import ClientMetrics, Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.pipeline import SyncOptions, SyncReport, run_sync
from hub.sandbox import Account, Accounts, SandboxConfig, running
from hub.store import Store, load_cursors, migrate

from .test_province import SECRET, UNIT, YEAR, Province, _config


@pytest.fixture(scope="module")
def quiet_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vnedu-pieces") / "state"
    init_state(folder, InitSettings(schools=3, learners_per_school=4, seed=13, unsigned_share=0))
    return folder


@pytest.fixture
def quiet(
    quiet_state: Path, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Province]:
    """The province without faults: what is asked of vnEdu depends only on the hub."""
    state = tmp_path / "state"
    shutil.copytree(quiet_state, state)
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
        running_simulator(state, client_secret=SECRET, faults=FaultPlan(share=0.0)) as sim,
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


def _sync(province: Province, **options: Any) -> SyncReport:
    from hub.config import load_config

    client = MinistryClient(
        province.sandbox_endpoint,
        Credentials(UNIT, province.password),
        retry=RetryPolicy(attempts=12, backoff_first=0.05, backoff_longest=0.5),
        poll=PollPolicy(first=0.1, factor=1.5, longest=1.0, timeout=300.0),
        metrics=ClientMetrics(),
    )
    store = Store(province.db_url)
    try:
        config = load_config(province.config_path)
        return run_sync(config, SyncOptions(progress=False, **options), client, store=store)
    finally:
        store.dispose()
        client.close()


def _cursors(province: Province) -> dict[str, str]:
    store = Store(province.db_url)
    try:
        with store.read() as session:
            return {key: stored.cursor for key, stored in load_cursors(session).items()}
    finally:
        store.dispose()


def _asked(province: Province) -> dict[str, Any]:
    stats = province.control("GET", "/_sim/stats")
    province.control("POST", "/_sim/stats/reset")
    return dict(stats)


def test_a_narrowed_read_asks_for_its_school_only_and_leaves_the_others_cursors(
    quiet: Province,
) -> None:
    learners = quiet.control("GET", "/_sim/learners")
    items = learners["items"] if isinstance(learners, dict) else learners
    schools = sorted({i["ma_truong"] for i in items})
    first, other = schools[0], schools[1]
    quiet.control("POST", "/_sim/stats/reset")

    report = _sync(quiet, school=first, year=YEAR)
    asked = _asked(quiet)
    assert set(asked["students_pages"]) == {first}, asked
    assert report.outcome.accepted == sum(1 for i in items if i["ma_truong"] == first)
    assert set(_cursors(quiet)) == {f"vnedu@{first}/{YEAR}"}  # the source's own: none yet

    _sync(quiet)  # the whole source: every school, and the source's cursor
    _asked(quiet)
    whole = _cursors(quiet)["vnedu"]

    touched = next(i["vnedu_id"] for i in items if i["ma_truong"] == other)
    quiet.control("POST", f"/_sim/learners/{touched}/touch")
    _sync(quiet, school=first)
    asked = _asked(quiet)
    assert set(asked["students_pages"]) == {first}, asked
    assert asked["transcripts_by_learner"] == {}, asked  # the other school's change: not read
    assert _cursors(quiet)["vnedu"] == whole  # the other schools' places did not move

    _sync(quiet)  # so the next whole read still finds the change
    asked = _asked(quiet)
    assert set(asked["transcripts_by_learner"]) == {touched}, asked


def test_a_school_outside_the_configured_list_is_refused_before_reading(
    quiet: Province,
) -> None:
    from hub.errors import UsageError

    text = quiet.config_path.read_text(encoding="utf-8")
    quiet.config_path.write_text(
        text.replace(f'years = ["{YEAR}"]', f'years = ["{YEAR}"]\nschools = ["56000001"]'),
        encoding="utf-8",
    )
    quiet.control("POST", "/_sim/stats/reset")
    with pytest.raises(UsageError) as refused:
        _sync(quiet, school="56999999")
    assert "--school 56999999" in refused.value.message_en
    assert _asked(quiet)["requests"] == {}
