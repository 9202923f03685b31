"""`hub demo` on a fresh folder, then the newcomer's next steps, as README.md gives them.

The demo is run once for the module; the next steps use what it left (var/demo/demo.env, the
demo sandbox, the demo's vnEdu simulator over its state and its SMAS simulator over its world)
without editing any file.
"""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.cli import exits
from hub.cli.demo import DEMO_PORT
from hub.cli.demo_smas import DEMO_SMAS_PORT
from hub.cli.demo_vnedu import DEMO_VNEDU_PORT
from hub.store import RecordState, Store, records_in

ROOT = Path(__file__).parent.parent.parent
HUB = Path(sys.executable).parent / "hub"


@dataclass
class Demo:
    folder: Path
    output: str

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.folder / 'var' / 'demo' / 'hub.sqlite3'}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("newcomer")
    shutil.copyfile(ROOT / "config.toml", folder / "config.toml")
    # Variables an operator's shell may hold: the demo keeps to its own store and sandbox.
    operators_store = folder / "operator" / "hub.sqlite3"
    done = subprocess.run(
        [str(HUB), "demo", "--quiet"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": str(HUB.parent),
            "HOME": str(folder),
            "COLUMNS": "500",
            "HUB_DATABASE_URL": f"sqlite:///{operators_store}",
            "HUB_MINISTRY_ENDPOINT": "https://ketnoi.example.invalid/ketnoi",
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert not operators_store.parent.exists()
    return Demo(folder, done.stdout)


def test_demo_syncs_a_generated_province_and_says_where_each_learner_ended(demo: Demo) -> None:
    out = demo.output
    accepted = re.findall(r"✔ (\S+) +chấp nhận / accepted +(HB\d+)", out)
    rejected = re.findall(r"✘ (\S+) +bị từ chối / rejected +(HB\d{3}):", out)
    problems = re.findall(r"⚠ (\d+) +vấn đề / problem \((\w+)\) +(HB\d{3}):.*?← (\S+\.xlsx)", out)
    # The vnEdu school (keys VN<MaTruong>-…): its problems are at an API record, not a cell.
    vendor_problems = re.findall(
        r"⚠ (VN\S+) +vấn đề / problem \((\w+)\) +(\w+):.*?← GET /v2/schools/", out, re.DOTALL
    )
    awaiting = re.findall(r"… (VN\S+) +chờ nhà cung cấp ký / awaiting vendor signatures", out)
    # The SMAS school (keys <MaTruong>-<NamHoc>-<pupilId>): the hub signs its documents.
    smas_accepted = [k for k, _ in accepted if re.fullmatch(r"364\d{5}-2024-2025-\d+", k)]
    reported = re.findall(
        r"↷ (364\d{5}-2024-2025-\d+) +báo cáo / reported +SMAS_PUPIL_NOT_STUDYING: .*chuyển đi"
        r".*← GET /api/v1/classes/\d+/pupils › pupilId \d+ › status",
        out,
    )
    assert len(accepted) >= 50
    assert {code for _, code in rejected} == {"HB105"}
    assert {code for _, _, code, _ in problems} >= {"HB104", "HB201"}
    # Spreadsheets and an API source side by side: the vnEdu school's learners are accepted
    # (the vendor's signed documents), awaiting the vendor's signatures, or held back with
    # the difference between the signed document and vnEdu's data.
    assert any(learner.startswith("VN") for learner, _ in accepted)
    assert any(not learner.startswith("VN") for learner, _ in accepted)
    assert awaiting
    assert {code for *_, code in vendor_problems} == {"VENDOR_DATA_DIFFERS"}
    total = re.search(r"chờ nhà cung cấp ký / awaiting vendor signatures (\d+)[.,]", out)
    assert total is not None
    assert int(total.group(1)) == len(awaiting)
    # Spreadsheets, vnEdu and SMAS: the SMAS school's learners are accepted, signed by the
    # people its documents name, and a pupil who moved away is reported, not sent.
    assert "SMAS: 1 trường/school" in out
    assert len(smas_accepted) >= 5
    assert reported
    assert not set(reported) & set(smas_accepted)
    not_sent = re.search(r"báo cáo, không gửi / reported, not sent (\d+)\.", out)
    assert not_sent is not None
    assert int(not_sent.group(1)) == len(reported)
    store = Store(demo.store_url)
    try:
        with store.read() as session:
            refs = records_in(session)
    finally:
        store.dispose()
    by_state = {state: {r.learner_key for r in refs if r.state is state} for state in RecordState}
    assert by_state[RecordState.ACCEPTED] == {learner for learner, _ in accepted}
    assert by_state[RecordState.REJECTED] == {learner for learner, _ in rejected}
    assert by_state[RecordState.FAILED] == {learner for learner, *_ in problems + vendor_problems}
    assert by_state[RecordState.AWAITING_VENDOR] == set(awaiting)
    assert not set(reported) & {r.learner_key for r in refs}  # never a record: never sent
    assert "demo.env" in out  # the next steps are printed
    assert "hub vnedu-sim serve --demo" in out
    assert "hub smas-sim serve --demo" in out
    env_text = (demo.folder / "var" / "demo" / "demo.env").read_text(encoding="utf-8")
    config_text = (demo.folder / "var" / "demo" / "hub.toml").read_text(encoding="utf-8")
    secret = re.search(r"^export HUB_VNEDU_SECRET=(\S+)$", env_text, re.MULTILINE)
    assert secret is not None
    assert secret.group(1) not in config_text  # the simulator's secret is never in hub.toml
    assert f'base_url = "http://127.0.0.1:{DEMO_VNEDU_PORT}"' in config_text
    # The SMAS keys file: in var/demo, its owner's only, named by demo.env, never in hub.toml.
    keys = re.search(r"^export HUB_SMAS_KEYS=(\S+)$", env_text, re.MULTILINE)
    assert keys is not None
    keys_file = Path(keys.group(1))
    assert keys_file.parent == demo.folder / "var" / "demo"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert 'keys_file_env = "HUB_SMAS_KEYS"' in config_text
    assert str(keys_file) not in config_text
    for line in keys_file.read_text(encoding="utf-8").splitlines():
        if line.startswith(("api_key", "secret")):
            assert line.split("=", 1)[1].strip().strip('"') not in config_text + out
    assert f'base_url = "http://127.0.0.1:{DEMO_SMAS_PORT}"' in config_text


def _demo_env(demo: Demo) -> dict[str, str]:
    """The environment `. var/demo/demo.env` makes (a shell reads the file as it is)."""
    env_file = demo.folder / "var" / "demo" / "demo.env"
    assert env_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    shown = subprocess.run(
        ["sh", "-c", f". {shlex.quote(str(env_file))} && env"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(demo.folder)},
    ).stdout
    env = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    return env | {"COLUMNS": "500"}


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def _serving(demo: Demo, env: dict[str, str], port: int, *command: str) -> Iterator[None]:
    """A next step's server (`hub … serve --demo &`), until it listens on `port`."""
    if not _port_free(port):
        pytest.fail(f"port {port}, the one `hub {' '.join(command)}` takes, is in use here")
    server = subprocess.Popen(
        ["hub", *command],
        cwd=demo.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while _port_free(port):
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, f"`hub {' '.join(command)}` did not start"
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.fixture(scope="module")
def demo_sandbox(demo: Demo) -> Iterator[dict[str, str]]:
    """README's next steps: the demo's ministry sandbox and its vnEdu and SMAS simulators,
    running."""
    env = _demo_env(demo)
    with (
        _serving(demo, env, DEMO_PORT, "sandbox", "serve", "--demo"),
        _serving(demo, env, DEMO_VNEDU_PORT, "vnedu-sim", "serve", "--demo"),
        _serving(demo, env, DEMO_SMAS_PORT, "smas-sim", "serve", "--demo"),
    ):
        yield env


def _hub(demo: Demo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["hub", *args],
        cwd=demo.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_operators_commands_run_on_the_demo_without_editing_a_file(
    demo: Demo, demo_sandbox: dict[str, str]
) -> None:
    env = demo_sandbox
    status = _hub(demo, env, "status")
    assert status.returncode == exits.OK, status.stderr
    assert "Tổng / Total" in status.stdout
    report = _hub(demo, env, "report", "--out", "var/demo/bao-cao", "--quiet")
    assert report.returncode == exits.OK, report.stderr
    assert (demo.folder / "var" / "demo" / "bao-cao" / "bao-cao.xlsx").is_file()
    listed = _hub(demo, env, "batches", "list")
    assert listed.returncode == exits.OK, listed.stderr
    # The learners the sector database does not enrol are refused again (nothing was fixed).
    again = _hub(demo, env, "retry", "--only-rejected", "--quiet")
    assert again.returncode == exits.FINDINGS, again.stdout + again.stderr
    assert re.search(r"từ chối/rejected [1-9]", again.stdout)
    # The way to strand learners: a refused password after a full sync.
    refused = _hub(demo, {**env, "HUB_DEMO_MINISTRY_PASSWORD": "wrong"}, "sync", "--quiet")
    assert refused.returncode == exits.MINISTRY, refused.stdout + refused.stderr
    plain = _hub(demo, env, "sync", "--quiet")
    assert plain.returncode == exits.FINDINGS, plain.stdout + plain.stderr  # the demo's defects
    assert "đang chờ/pending 0" in plain.stdout
    # The vnEdu school was asked again: its unsigned learners still wait, not a failure.
    assert re.search(r"^[1-9]\d* học sinh chờ nhà cung cấp ký", plain.stdout, re.MULTILINE)
    # The SMAS school was read again, every pupil unchanged (its simulator answered, where
    # hub.toml reads it, with the keys demo.env names).
    with sqlite3.connect(demo.folder / "var" / "demo" / "hub.sqlite3") as conn:
        (last_run,) = conn.execute("SELECT max(run_id) FROM batches").fetchone()
        smas = conn.execute(
            "SELECT rows_in, unchanged FROM batches WHERE source = 'smas' AND run_id = ?",
            (last_run,),
        ).fetchall()
    assert smas, plain.stdout + plain.stderr
    assert all(rows_in > 0 and unchanged == rows_in for rows_in, unchanged in smas), smas
    store = Store(demo.store_url)
    try:
        with store.read() as session:
            current = records_in(session, current_only=True)
            accepted = next(r for r in current if r.state is RecordState.ACCEPTED)
            settled = (
                RecordState.ACCEPTED,
                RecordState.REJECTED,
                RecordState.FAILED,
                RecordState.AWAITING_VENDOR,
            )
            assert all(r.state in settled for r in current)
            assert any(r.learner_key.startswith("VN") for r in current)
    finally:
        store.dispose()
    assert accepted.transcript_id is not None
    withdrawn = _hub(demo, env, "withdraw", accepted.transcript_id, "--reason", "Thử thu hồi")
    assert withdrawn.returncode == exits.OK, withdrawn.stdout + withdrawn.stderr
    audit = _hub(demo, env, "audit", "verify")
    assert audit.returncode == exits.OK, audit.stdout + audit.stderr
