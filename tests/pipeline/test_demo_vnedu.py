"""The demo's vnEdu school (hub.cli.demo_vnedu): the plugin's commands as child processes.

What `hub demo` relies on and its own test (test_demo.py) cannot show: the plugin's absence
is noticed, a simulator that cannot start is a clear error, and no child outlives the block
that started it, whatever ends it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.cli import demo_vnedu, exits
from hub.cli.demo_province import Province
from hub.cli.demo_vnedu import SchoolInit, VneduSchool
from hub.errors import UsageError

from .children import Interrupted, listening, served_until_interrupted


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> VneduSchool:
    directory = tmp_path_factory.mktemp("demo") / "demo"
    directory.mkdir()
    (directory / "trust").mkdir()
    roster = directory / "roster.json"
    roster.write_text(json.dumps([{"MaHocSinh": "0101"}]), encoding="utf-8")
    province = Province(
        directory, directory / "hub.toml", roster, directory / "trust", "SO36", "SO36"
    )
    with SchoolInit(directory, "2024-2025") as making:
        made = making.finish(province, "2024-2025")
    rows = json.loads(roster.read_text(encoding="utf-8"))
    # The province's roster keeps its rows and gains the school's learners.
    assert rows[0] == {"MaHocSinh": "0101"}
    assert len(rows) == 1 + made.learners
    assert any(p.name.startswith("vnedu-") for p in (directory / "trust").iterdir())
    assert not making.scratch.exists()
    return made


def test_the_plugin_is_found_by_its_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)
    assert demo_vnedu.available()
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "generic_excel")  # as if vnedu were not installed
    assert not demo_vnedu.available()


def _sync_interrupted(school: VneduSchool) -> None:
    """Serve the school, take a token, then Ctrl-C (as in the middle of the demo's sync)."""
    with demo_vnedu.serving(school, "throw-away") as simulator:
        url = simulator.url()
        answer = httpx.post(
            f"{url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "hub-test",
                "client_secret": "throw-away",
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        raise Interrupted(url)


def test_the_simulator_serves_the_school_and_stops_when_the_block_fails(
    school: VneduSchool,
) -> None:
    served = served_until_interrupted(lambda: _sync_interrupted(school))
    assert not listening(served)


def test_a_simulator_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-state"
    empty.mkdir()
    broken = VneduSchool(empty, tmp_path / "none.toml", 0, {})
    with pytest.raises(UsageError) as caught, demo_vnedu.serving(broken, "throw-away") as sim:
        sim.url()
    assert "did not start" in caught.value.message_en


def test_a_demo_ended_early_leaves_no_half_made_school(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    directory.mkdir()
    with SchoolInit(directory, "2024-2025") as making:
        child = making.child
    assert child.poll() is not None  # stopped, not left running
    assert not making.scratch.exists()
    assert not (directory / demo_vnedu.STATE).exists()


def test_a_demo_stopped_by_sigterm_leaves_no_simulator_running(tmp_path: Path) -> None:
    """SIGTERM while the simulators serve (vnEdu's and SMAS's): the demo unwinds and stops
    its children."""
    root = Path(__file__).parent.parent.parent
    shutil.copyfile(root / "config.toml", tmp_path / "config.toml")
    hub = Path(sys.executable).parent / "hub"
    demo = subprocess.Popen(
        [str(hub), "demo"],  # with progress bars: the sync takes long enough to be stopped
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": str(hub.parent), "HOME": str(tmp_path), "COLUMNS": "300"},
    )
    assert demo.stdout is not None
    urls: dict[str, str] = {}
    try:
        for line in demo.stdout:
            found = re.search(r"(vnEdu|SMAS) simulator: (http://\S+)", line)
            if found:
                urls[found.group(1)] = found.group(2)
            if len(urls) == 2:
                break
        assert set(urls) == {"vnEdu", "SMAS"}, "the demo never started its simulators"
        assert all(listening(url) for url in urls.values())
        demo.send_signal(signal.SIGTERM)
        rest = demo.communicate(timeout=60)[0]
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
    assert demo.returncode == exits.TERMINATED, rest
    assert not any(listening(url) for url in urls.values())
