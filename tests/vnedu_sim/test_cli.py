"""`hub vnedu-sim init` and `serve`: the state folder, the secret from the environment only,
loopback only, a base URL and a ready line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner
from hub_vnedu.commands import register_commands, vnedu_sim

from hub.sandbox import Roster

from .helpers import SECRET, YEAR


def test_the_hook_registers_the_vnedu_sim_group() -> None:
    registered: list[click.Command] = []
    register_commands(registered.append)
    assert [c.name for c in registered] == ["vnedu-sim"]
    group = registered[0]
    assert isinstance(group, click.Group)
    assert sorted(group.commands) == ["init", "serve"]


def test_init_writes_the_state_folder(tmp_path: Path) -> None:
    out = tmp_path / "state"
    result = CliRunner().invoke(
        vnedu_sim,
        ["init", "--out", str(out), "--schools", "1", "--learners-per-school", "4",
         "--seed", "2", "--unsigned-share", "0.5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert state["nam_hoc"] == YEAR
    assert [s["cap_hoc"] for s in state["schools"]] == ["03"]
    code = state["schools"][0]["ma_truong"]
    items = json.loads((out / "schools" / code / "students.json").read_text(encoding="utf-8"))
    assert len(items) == state["learners"] == state["signed"] + state["unsigned"]
    assert len(list((out / "documents" / "signed").glob("*.xml"))) == state["signed"]
    assert state["unsigned"] > 0
    assert (out / "trust").is_dir()
    assert (out / "pki" / code / "people").is_dir()
    snippet = tomllib.loads((out / "sources.toml").read_text(encoding="utf-8"))
    options = snippet["sources"][0]["options"]
    assert options["client_secret_env"] == "HUB_VNEDU_SECRET"
    assert options["years"] == [YEAR]
    assert Path(snippet["trust"]["folder"]) == (out / "trust").resolve()
    roster = Roster.from_json(out / "roster.json")  # the ministry sandbox reads it
    assert roster is not None
    rows = json.loads((out / "roster.json").read_text(encoding="utf-8"))
    assert sorted(r["MaHocSinh"] for r in rows) == sorted(i["ma_hs_bo"] for i in items)
    again = CliRunner().invoke(vnedu_sim, ["init", "--out", str(out)])
    assert again.exit_code == 2
    assert "not empty" in again.output


def test_init_refuses_a_share_out_of_range(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        vnedu_sim, ["init", "--out", str(tmp_path / "s"), "--unsigned-share", "2"]
    )
    assert result.exit_code == 2
    assert "--unsigned-share" in result.output


def test_serve_needs_the_secret_in_the_environment_and_loopback(state_dir: Path) -> None:
    runner = CliRunner()
    env = {"HUB_VNEDU_SECRET": ""}
    missing = runner.invoke(vnedu_sim, ["serve", "--state", str(state_dir)], env=env)
    assert missing.exit_code == 2
    assert "HUB_VNEDU_SECRET" in missing.output
    env = {"HUB_VNEDU_SECRET": SECRET}
    outside = runner.invoke(
        vnedu_sim, ["serve", "--state", str(state_dir), "--host", "0.0.0.0"], env=env
    )
    assert outside.exit_code == 2
    assert "loopback" in outside.output
    assert "--client-secret" not in runner.invoke(vnedu_sim, ["serve", "--help"]).output


def test_serve_prints_its_base_url_and_answers(state_dir: Path, tmp_path: Path) -> None:
    plan = tmp_path / "faults.toml"
    plan.write_text("seed = 1\nshare = 0.0\n", encoding="utf-8")
    code = "from hub_vnedu.commands import vnedu_sim; vnedu_sim()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--state", str(state_dir), "--port", "0",
         "--token-lifetime", "60", "--faults", str(plan)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HUB_VNEDU_SECRET": SECRET},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[2].startswith("ready")
        base_url = lines[0].split()[2]
        assert base_url.startswith("http://127.0.0.1:")
        assert SECRET not in "".join(lines)
        token = httpx.post(
            f"{base_url}/oauth/token", data={"client_id": "hub-test", "client_secret": SECRET}
        ).json()
        assert token["expires_in"] == 60
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_simulator_runs_where_pytest_is_not_installed() -> None:
    """`hub vnedu-sim` and `hub demo` run it outside tests: hub.testing's kit loads pytest
    only when asked for."""
    code = (
        "import sys; sys.modules['pytest'] = None\n"
        "from hub_vnedu.commands import vnedu_sim\n"
        "import hub_vnedu.sim.server\n"
        "print('imported')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "imported", done.stderr


def test_init_refuses_a_bad_year_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "state"
    result = CliRunner().invoke(vnedu_sim, ["init", "--out", str(out), "--year", "2024"])
    assert result.exit_code == 2
    assert "2024" in result.output
    assert not out.exists()


def test_serve_demo_finds_the_state_hub_demo_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hub vnedu-sim serve --demo` after `. var/demo/demo.env`: HUB_CONFIG's folder, its
    demo.json naming the state folder, port and fault plan; a port taken is a usage error."""
    from hub_vnedu.commands import demo_settings

    demo = tmp_path / "var" / "demo"
    demo.mkdir(parents=True)
    (demo / "hub.toml").write_text("", encoding="utf-8")
    (demo / "demo.json").write_text(
        json.dumps({"port": 8765, "vnedu": {"state": "vnedu", "port": 8766, "faults": "f.toml"}}),
        encoding="utf-8",
    )
    monkeypatch.setenv("HUB_CONFIG", str(demo / "hub.toml"))
    assert demo_settings() == (demo / "vnedu", 8766, demo / "f.toml")
    monkeypatch.delenv("HUB_CONFIG")
    monkeypatch.chdir(tmp_path)  # no HUB_CONFIG: ./var/demo
    assert demo_settings()[0] == demo / "vnedu"
    monkeypatch.chdir(demo)
    runner = CliRunner()
    env = {"HUB_VNEDU_SECRET": SECRET, "HUB_CONFIG": str(tmp_path / "elsewhere" / "hub.toml")}
    nothing = runner.invoke(vnedu_sim, ["serve", "--demo"], env=env)
    assert nothing.exit_code == 2
    assert "make demo" in nothing.output
    (demo / "demo.json").write_text(json.dumps({"port": 8765}), encoding="utf-8")
    without = runner.invoke(
        vnedu_sim, ["serve", "--demo"], env={**env, "HUB_CONFIG": str(demo / "hub.toml")}
    )
    assert without.exit_code == 2
    assert "without the vnedu plugin" in without.output
    neither = runner.invoke(vnedu_sim, ["serve"], env=env)
    assert neither.exit_code == 2
    assert "--state" in neither.output
