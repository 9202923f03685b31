"""The demo's SMAS school (hub.cli.demo_smas): the plugin's commands as child processes.

What `hub demo` relies on and its own test (test_demo.py) cannot show: the school's making
(its roster merged, its keys file private, its people's certificates and trust files), the
plugin's absence noticed (the demo runs without it and says so), a simulator that cannot
start is a clear error, and no child outlives the block that started it.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.cli import demo_smas
from hub.cli.demo_province import Province
from hub.cli.demo_smas import SchoolInit, SmasSchool
from hub.errors import UsageError

from .children import Interrupted, listening, served_until_interrupted

ROOT = Path(__file__).parent.parent.parent
HUB = Path(sys.executable).parent / "hub"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Province, SmasSchool]:
    directory = tmp_path_factory.mktemp("demo") / "demo"
    (directory / "trust").mkdir(parents=True)
    roster = directory / "roster.json"
    roster.write_text(json.dumps([{"MaHocSinh": "0101"}]), encoding="utf-8")
    province = Province(
        directory, directory / "hub.toml", roster, directory / "trust", "SO36", "SO36"
    )
    with SchoolInit(directory) as making:
        school = making.finish(province, "2024-2025")
    assert not making.scratch.exists()
    return province, school


def test_the_school_joins_the_roster_the_trust_folder_and_gets_a_pki(
    made: tuple[Province, SmasSchool],
) -> None:
    province, school = made
    rows = json.loads(province.roster_path.read_text(encoding="utf-8"))
    # The province's roster keeps its rows and gains every pupil the simulator lists.
    assert rows[0] == {"MaHocSinh": "0101"}
    assert len(rows) == 1 + school.pupils
    (code,) = school.schools
    assert all(row["MaTruong"] == code for row in rows[1:])
    assert code[2] == "4"  # upper secondary: never a code of the province's schools
    assert any(p.name.startswith(f"{code}-") for p in province.trust_dir.iterdir())
    # A certificate for everyone the school's documents name for a personal signature.
    people = json.loads((school.world_dir / "people.json").read_text(encoding="utf-8"))
    signers = people["schools"][code]["signers"]
    certificates = list((province.directory / "pki" / code / "people").glob("*.p12"))
    assert len(signers) >= 4
    assert len(certificates) == len(signers)
    assert (province.directory / "pki" / code / "signers" / "school.p12").is_file()


def test_the_keys_file_is_in_the_demo_folder_and_its_owners_only(
    made: tuple[Province, SmasSchool],
) -> None:
    province, school = made
    assert school.keys == province.directory / demo_smas.KEYS
    assert stat.S_IMODE(school.keys.stat().st_mode) == 0o600
    assert not (school.world_dir / demo_smas.KEYS).exists()
    # The world holds the same keys, for the simulator: its owner's only too.
    assert stat.S_IMODE((school.world_dir / "world.json").stat().st_mode) == 0o600
    (code,) = school.schools
    text = province.config_path.read_text(encoding="utf-8")  # what finish added to hub.toml
    assert 'plugin = "smas"' in text
    assert f'[signing.providers."people@{code}"]' in text
    assert 'keys_file_env = "HUB_SMAS_KEYS"' in text
    assert "secret" not in text


def _served_then_interrupted(school: SmasSchool) -> None:
    with demo_smas.serving(school) as simulator:
        url = simulator.url()
        # An unsigned request: SMAS's own refusal, so it is the SMAS simulator answering.
        answer = httpx.get(f"{url}/api/v1/schools/{next(iter(school.schools))}", timeout=10)
        assert answer.status_code == 401, answer.text
        raise Interrupted(url)


def test_the_simulator_serves_the_school_and_stops_when_the_block_fails(
    made: tuple[Province, SmasSchool],
) -> None:
    served = served_until_interrupted(lambda: _served_then_interrupted(made[1]))
    assert not listening(served)


def test_a_simulator_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-world"
    empty.mkdir()
    broken = SmasSchool(empty, tmp_path / "none.toml", 0, {})
    with pytest.raises(UsageError) as caught, demo_smas.serving(broken) as simulator:
        simulator.url()
    assert "SMAS simulator did not start" in caught.value.message_en
    assert "world.json" in caught.value.message_en  # what the simulator said


def test_a_demo_ended_early_leaves_no_half_made_school(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    directory.mkdir()
    with SchoolInit(directory) as making:
        child = making.child
    assert child.poll() is not None  # stopped, not left running
    assert not making.scratch.exists()
    assert not (directory / demo_smas.WORLD).exists()


def test_without_the_plugin_the_demo_runs_and_says_so(tmp_path: Path) -> None:
    shutil.copyfile(ROOT / "config.toml", tmp_path / "config.toml")
    env = {"PATH": str(HUB.parent), "HOME": str(tmp_path), "COLUMNS": "300"}
    done = subprocess.run(
        [str(HUB), "demo", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "HUB_LOAD_PLUGINS": "generic_excel,vnedu"},  # as if smas were not installed
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "the smas plugin is not installed: no SMAS school" in done.stdout
    assert "✔" in done.stdout  # the other sources' learners were synced
    assert "hub smas-sim serve --demo" not in done.stdout
    demo = tmp_path / "var" / "demo"
    assert "smas" not in json.loads((demo / "demo.json").read_text(encoding="utf-8"))
    assert "HUB_SMAS_KEYS" not in (demo / "demo.env").read_text(encoding="utf-8")
    assert 'plugin = "smas"' not in (demo / "hub.toml").read_text(encoding="utf-8")
    assert not (demo / demo_smas.KEYS).exists()
    # The next step, asked for anyway (the plugin is here now), says why it cannot serve.
    served = subprocess.run(
        [str(HUB), "smas-sim", "serve", "--demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert "ran without the smas plugin" in served.stderr


def test_serve_demo_without_a_demo_says_to_run_one(tmp_path: Path) -> None:
    served = subprocess.run(
        [str(HUB), "smas-sim", "serve", "--demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(HUB.parent), "HOME": str(tmp_path)},
        check=False,
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert "run `make demo` first" in served.stderr
