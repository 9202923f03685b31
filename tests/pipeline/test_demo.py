"""`hub demo` on a fresh folder: the newcomer's main job, end to end, with every outcome."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from hub.store import RecordState, Store, records_in

ROOT = Path(__file__).parent.parent.parent


def test_demo_syncs_a_generated_province_and_says_where_each_learner_ended(
    tmp_path: Path,
) -> None:
    shutil.copyfile(ROOT / "config.toml", tmp_path / "config.toml")
    hub = Path(sys.executable).parent / "hub"
    # Variables an operator's shell may hold: the demo keeps to its own store and sandbox.
    operators_store = tmp_path / "operator" / "hub.sqlite3"
    done = subprocess.run(
        [str(hub), "demo", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": str(Path(sys.executable).parent),
            "HOME": str(tmp_path),
            "COLUMNS": "500",
            "HUB_DATABASE_URL": f"sqlite:///{operators_store}",
            "HUB_MINISTRY_ENDPOINT": "https://ketnoi.example.invalid/ketnoi",
        },
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert not operators_store.parent.exists()
    out = done.stdout
    accepted = re.findall(r"✔ (\d+) +chấp nhận / accepted +(HB\d+)", out)
    rejected = re.findall(r"✘ (\d+) +bị từ chối / rejected +(HB\d{3}):", out)
    problems = re.findall(r"⚠ (\d+) +vấn đề / problem \((\w+)\) +(HB\d{3}):.*?← (\S+\.xlsx)", out)
    assert len(accepted) >= 50
    assert {code for _, code in rejected} == {"HB105"}
    assert {code for _, _, code, _ in problems} >= {"HB104", "HB201"}
    store = Store(f"sqlite:///{tmp_path / 'var' / 'demo' / 'hub.sqlite3'}")
    try:
        with store.read() as session:
            refs = records_in(session)
    finally:
        store.dispose()
    by_state = {state: {r.learner_key for r in refs if r.state is state} for state in RecordState}
    assert by_state[RecordState.ACCEPTED] == {learner for learner, _ in accepted}
    assert by_state[RecordState.REJECTED] == {learner for learner, _ in rejected}
    assert by_state[RecordState.FAILED] == {learner for learner, *_ in problems}
