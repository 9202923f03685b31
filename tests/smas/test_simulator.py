"""The simulator keeps to the spec it stands for: signatures, the clock window, pages, a
school's key reading only its own school; and `hub smas-sim init` writes a private keys file."""

from __future__ import annotations

import http.client
import json
import stat
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hub_smas.client import signature
from hub_smas.sim.cli import smas_sim
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.running import running
from hub_smas.sim.world import World, build_world, sim_settings


def _world() -> World:
    settings = sim_settings(levels=("02", "03"), seed=2, learners_per_class=2)
    return build_world(settings, moved_rate=0, old_year=False)


def _get(base: str, target: str, key: str, secret: str, *, skew: int = 0,
         signed: str | None = None) -> tuple[int, Any]:  # fmt: skip
    host, port = base.removeprefix("http://").split(":")
    stamp = str(int(time.time()) + skew)
    conn = http.client.HTTPConnection(host, int(port))
    sig = signature(secret, "GET", signed or target, stamp)
    conn.request("GET", target, headers={"X-Api-Key": key, "X-Timestamp": stamp,
                                         "X-Signature": sig})  # fmt: skip
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return response.status, body


def test_signatures_clock_pages_and_schools() -> None:
    world = _world()
    first, second = sorted(world.schools)
    creds = world.schools[first]["credentials"]
    key, secret = creds["api_key"], creds["secret"]
    classes = f"/api/v1/classes?schoolCode={first}&schoolYear=2024"
    with running(world, FaultPlan()) as sim:
        base = sim.base_url
        status, body = _get(base, classes + "&page=1&pageSize=2", key, secret)
        assert status == 200
        assert (body["page"], body["pageSize"], len(body["data"])) == (1, 2, 2)
        assert body["totalPages"] == 3  # five primary classes, two a page
        tampered = _get(base, classes + "&page=2&pageSize=2", key, secret, signed=classes)
        assert tampered[0] == 401
        assert tampered[1]["error"] == "invalid_signature"
        assert isinstance(tampered[1]["serverTime"], int)
        skewed = _get(base, classes, key, secret, skew=-400)
        assert skewed[0] == 401
        assert skewed[1]["error"] == "clock_skew"
        assert _get(base, classes + "&pageSize=101", key, secret)[0] == 400
        other = world.schools[second]["years"]["2024"]["classes"][0]["classId"]
        assert _get(base, f"/api/v1/classes/{other}/pupils", key, secret)[0] == 404
        assert _get(base, f"/api/v1/schools/{second}", key, secret)[0] == 404


def test_init_writes_the_world_and_a_private_keys_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        smas_sim, ["init", str(tmp_path / "sim"), "--level", "03", "--learners-per-class", "2"]
    )
    assert result.exit_code == 0, result.output
    keys = tmp_path / "sim" / "smas-keys.toml"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    world = World.load(tmp_path / "sim" / "world.json")
    secret = next(iter(world.schools.values()))["credentials"]["secret"]
    assert secret in keys.read_text()
    assert secret not in result.output
    assert f"HUB_SMAS_KEYS={keys}" in result.output
