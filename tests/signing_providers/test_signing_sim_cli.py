"""`hub signing-sim serve`: refuses bad set-ups, and serves a client end to end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.signing.providers.remote import RemoteSigningProvider

from .conftest import assert_verifies

TOKEN = "cli-token-8812"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--demo-signer", "gv"], "HUB_REMOTE_SIGNING_TOKEN is not set"),
        ([], "At least one --signer or --demo-signer is needed"),
        (["--demo-signer", "gv", "--host", "0.0.0.0"], "listens on loopback only"),
        (["--demo-signer", "gv", "--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"),
    ],
    ids=["no-token", "no-signer", "not-loopback", "half-tls"],
)
def test_serve_refuses_bad_setups_with_exit_2(
    args: list[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_REMOTE_SIGNING_TOKEN_FILE", raising=False)
    if expected.startswith("HUB_REMOTE"):
        monkeypatch.delenv("HUB_REMOTE_SIGNING_TOKEN", raising=False)
    else:
        monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", TOKEN)

    result = CliRunner().invoke(main, ["signing-sim", "serve", *args])

    assert result.exit_code == 2, result.output
    assert expected in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_a_simulator_a_client_signs_with(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", TOKEN)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from hub.cli import main; main()",
            "signing-sim",
            "serve",
            "--port",
            str(port),
            "--demo-signer",
            "gv-01",
            "--demo-key-type",
            "ec",
            "--after-polls",
            "1",
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait for the server to listen (no timing is asserted)
            try:
                httpx.get(url + "/v1/signers/gv-01", headers={"Authorization": f"Bearer {TOKEN}"})
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.05)
        with RemoteSigningProvider(url, "gv-01", poll_interval=0.01, timeout=10.0) as provider:
            signature = provider.sign(b"SignedInfo bytes")
            assert_verifies(provider.certificate_chain()[0], b"SignedInfo bytes", signature)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert b"signing simulator: http://127.0.0.1:" in stderr
    assert TOKEN.encode() not in stderr


def test_a_busy_port_is_a_usage_error_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", TOKEN)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["signing-sim", "serve", "--demo-signer", "gv", "--port", str(port)]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output  # not uvicorn's 3, the hub's store error
    assert f"Cổng {port} trên 127.0.0.1 đang được một chương trình khác dùng" in result.output
    assert f"Port {port} on 127.0.0.1 is in use" in result.output
