"""`hub sandbox serve` as a separate process, configured only by files and the environment."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.ministry.client import Credentials, MinistryClient
from hub.ministry.messages import LearnerQuery

from .world import World

ACCOUNTS = """
[[account]]
username = "so36"
password_env = "HUB_SANDBOX_PASSWORD_SO36"
units = ["SO36"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hub.cli import main; main()", *args]


@pytest.fixture
def files(world: World, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "accounts.toml").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "roster.json").write_text(json.dumps(world.roster), encoding="utf-8")
    (tmp_path / "faults.json").write_text(json.dumps({"drop": {"count": 1}}), encoding="utf-8")
    return {
        "--state": str(tmp_path / "state.db"),
        "--roster": str(tmp_path / "roster.json"),
        "--trust": str(world.pki.trust_dir),
        "--accounts": str(tmp_path / "accounts.toml"),
        "--faults": str(tmp_path / "faults.json"),
    }


def test_serve_runs_the_sandbox_on_loopback(world: World, files: dict[str, str]) -> None:
    port = free_port()
    env = {**os.environ, "HUB_SANDBOX_PASSWORD_SO36": "mat-khau", "HUB_SANDBOX_ADMIN_TOKEN": "t"}
    args = [a for pair in files.items() for a in pair]
    process = subprocess.Popen(
        hub("sandbox", "serve", "--port", str(port), *args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    endpoint = f"http://127.0.0.1:{port}/ketnoi"
    try:
        for _ in range(300):
            try:
                if httpx.get(endpoint + "?wsdl").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with MinistryClient(endpoint, Credentials("so36", "mat-khau")) as client:
            [found] = client.look_up([LearnerQuery(learner_code=str(world.roster[0]["MaHocSinh"]))])
        assert found is not None
        assert client.metrics.retries["NETWORK"] == 1  # the plan's one dropped connection
        stats = httpx.get(
            f"http://127.0.0.1:{port}/admin/stats", headers={"Authorization": "Bearer t"}
        )
        assert stats.json()["faults"] == {"drop": 1}
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert b"mat-khau" not in stderr


def test_serve_refuses_other_hosts_and_missing_passwords(files: dict[str, str]) -> None:
    args = [a for pair in files.items() for a in pair]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_SANDBOX_")}
    outside = subprocess.run(
        hub("sandbox", "serve", "--host", "0.0.0.0", *args),
        env={**env, "HUB_SANDBOX_PASSWORD_SO36": "x"},
        capture_output=True,
        timeout=60,
    )
    assert outside.returncode == 2
    assert b"loopback" in outside.stderr
    no_password = subprocess.run(
        hub("sandbox", "serve", *args), env=env, capture_output=True, timeout=60
    )
    assert no_password.returncode == 2
    assert b"HUB_SANDBOX_PASSWORD_SO36" in no_password.stderr


def test_serve_on_a_busy_port_is_a_usage_error_that_names_it(files: dict[str, str]) -> None:
    args = [a for pair in files.items() for a in pair]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            hub("sandbox", "serve", "--port", str(port), *args),
            env={**os.environ, "HUB_SANDBOX_PASSWORD_SO36": "x"},
            capture_output=True,
            timeout=60,
        )
    assert result.returncode == 2  # uvicorn's own failure would exit 3: the store's code
    assert f"Port {port} on 127.0.0.1 is in use".encode() in result.stderr
    assert f"Cổng {port}".encode() in result.stderr
