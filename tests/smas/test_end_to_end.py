"""End to end: a 3-school province on the SMAS simulator with 20 % of its requests failing,
synced through the whole hub (pivot, mapping, checks, signing by the people the documents
name, the ministry sandbox): exactly one accepted transcript per learner who studies, each
other learner named with their reason, and the pivot byte for byte the one without faults."""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import build_world, sim_settings

from hub.cli.demo_province import DEFAULT_TEST_PASSWORD, MINISTRY_PASSWORD_ENV, PKI_PASSWORD_ENV
from hub.config import load_config
from hub.ministry import ClientMetrics, Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.pipeline import SyncOptions, run_sync
from hub.pipeline.runner import ENDPOINT_ENV
from hub.sandbox import Account, Accounts, Roster, SandboxConfig, running
from hub.signing.pki import make_test_pki
from hub.store import Store, migrate
from hub.testing import generate

from .helpers import KEYS_ENV, pivot_json, read, served

FAULTS = FaultPlan(error_rate=0.15, malformed_rate=0.05, slow_rate=0.02, slow_seconds=0.05, seed=8)


def _config(folder: Path, db_url: str, base_url: str, schools: list[str]) -> Path:
    def provider(kind: str, where: str) -> str:
        key = "folder" if kind == "pkcs12-folder" else "path"
        return f'kind = "{kind}"\n{key} = "{where}"\npassword_env = "{PKI_PASSWORD_ENV}"\n'

    lines = [
        "[database]", f"url = {json.dumps(db_url)}", "",
        "[ministry]", 'endpoint = "sandbox"', 'unit = "SO36"', 'username = "SO36"',
        f'password_env = "{MINISTRY_PASSWORD_ENV}"', "",
        "[signing.providers.people]", provider("pkcs12-folder", f"pki/{schools[0]}/people"),
        "[signing.providers.seal]", provider("pkcs12", f"pki/{schools[0]}/signers/school.p12"),
    ]  # fmt: skip
    for code in schools:
        lines += [f'[signing.providers."people@{code}"]']
        lines += [provider("pkcs12-folder", f"pki/{code}/people")]
        lines += [f'[signing.providers."seal@{code}"]']
        lines += [provider("pkcs12", f"pki/{code}/signers/school.p12")]
    lines += [
        "[signing.roles]", 'GVBM = "people"', 'GVCN = "people"', 'HT = "people"', 'DV = "seal"',
        "", "[[sources]]", 'name = "smas"', 'plugin = "smas"',
        f'options = {{ base_url = "{base_url}", keys_file_env = "{KEYS_ENV}", '
        'years = ["2024-2025"], attempts = 12, backoff_first = 0.01, backoff_longest = 0.05 }',
    ]  # fmt: skip
    path = folder / "hub.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_province_with_failing_requests_ends_with_one_transcript_per_learner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sim_settings(levels=("02", "03", "04"), seed=31, learners_per_class=2)
    world = build_world(settings, moved_rate=0.08, old_year=False)
    schools = sorted(world.schools)
    folder = tmp_path / "province"
    (folder / "trust").mkdir(parents=True)
    for code in schools:
        school = world.schools[code]["school"]
        pki = make_test_pki(
            folder / "pki" / code,
            school_code=code,
            school_name=school["schoolName"],
            people=world.signers(code),
        )
        for path in sorted(pki.trust_dir.iterdir()):
            shutil.copyfile(path, folder / "trust" / f"{code}-{path.name}")
    generated = list(generate(settings))
    roster = folder / "roster.json"
    roster.write_text(json.dumps([g.roster.as_json() for g in generated if g.roster]))
    moved = set(world.moved)
    pupils = {
        p["pupilId"]: p
        for s in world.schools.values()
        for d in s["years"]["2024"]["class_data"].values()
        for p in d["pupils"]
    }
    should_accept = {
        f"{code}-2024-2025-{p['pupilCode']}"
        for code in schools
        for d in world.schools[code]["years"]["2024"]["class_data"].values()
        for p in d["pupils"]
        if p["status"] == 1
    }
    assert moved
    assert should_accept

    db_url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    password = secrets.token_urlsafe(12)
    sandbox_config = SandboxConfig(
        state=tmp_path / "sandbox.sqlite3",
        roster=Roster.from_json(roster),
        trust=folder / "trust",
        accounts=Accounts([Account.with_password("SO36", password, ["SO36"])]),
    )
    with served(world, tmp_path) as clean_sim:
        clean = read(clean_sim)
    with served(world, tmp_path, FAULTS) as sim, running(sandbox_config) as sandbox:
        faulty = read(sim, attempts=12)
        assert faulty.retries > 0
        assert pivot_json(faulty.records) == pivot_json(clean.records)
        monkeypatch.setenv(PKI_PASSWORD_ENV, DEFAULT_TEST_PASSWORD)
        monkeypatch.setenv(MINISTRY_PASSWORD_ENV, password)
        monkeypatch.setenv(ENDPOINT_ENV, sandbox.endpoint)
        monkeypatch.setenv("HUB_LOAD_PLUGINS", "smas")
        migrate(db_url)
        config = load_config(_config(folder, db_url, sim.base_url, schools))
        client = MinistryClient(
            sandbox.endpoint,
            Credentials("SO36", password),
            retry=RetryPolicy(attempts=12, backoff_first=0.05, backoff_longest=0.5),
            poll=PollPolicy(first=0.1, factor=1.5, longest=1.0, timeout=300.0),
            metrics=ClientMetrics(),
        )
        store = Store(db_url)
        try:
            report = run_sync(config, SyncOptions(progress=False), client, store=store)
            again = run_sync(config, SyncOptions(progress=False), client, store=store)
        finally:
            store.dispose()
            client.close()
        before = sim.app.requests
    assert again.documents_sent == 0  # nothing changed at SMAS: nothing sent twice
    assert again.sources_unchanged == 1
    assert report.documents_sent == len(should_accept)
    assert all(b.balanced for b in report.batches)
    with sqlite3.connect(tmp_path / "sandbox.sqlite3") as conn:
        issued = [ma for (ma,) in conn.execute(
            "SELECT ma_ho_so FROM transcript WHERE withdrawn_at IS NULL")]  # fmt: skip
    assert sorted(issued) == sorted(should_accept)
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        named = {row[0] for row in conn.execute("SELECT code FROM problems")}
        texts = [row[0] for row in conn.execute("SELECT message_en FROM problems")]
    assert "SMAS_PUPIL_NOT_STUDYING" in named
    for pid in moved:
        code = pupils[pid]["pupilCode"]
        assert any(code in t and ("moved away" in t or "dropped out" in t) for t in texts), code
    assert before > 0
