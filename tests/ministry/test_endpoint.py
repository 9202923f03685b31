"""Where the ministry password may go: https, or plain http on loopback, from named settings.

Every request carries the WS-Security password in clear (PasswordText), so the address is
checked wherever it comes from: [ministry] endpoint, HUB_MINISTRY_ENDPOINT (which stands in
for `endpoint = "sandbox"` only, and says so in the log), `hub demo`'s own sandbox, or a
client made in code. A refused address is a usage error (exit 2) naming the setting and why.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from hub.cli import exits, main
from hub.config import load_config
from hub.errors import UsageError
from hub.ministry.client import Credentials, MinistryClient, RetryPolicy
from hub.ministry.config import ENDPOINT_ENV, is_loopback
from hub.ministry.contract import FaultCode
from hub.pipeline import ministry_client
from hub.sandbox.soap import ServiceFault, child, element, envelope, fault_envelope

PASSWORD_ENV = "HUB_MINISTRY_PASSWORD"


def _config(tmp_path: Path, endpoint: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[ministry]\nendpoint = "{endpoint}"\nunit = "SO36"\nusername = "SO36"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "mat-khau")
    monkeypatch.delenv(PASSWORD_ENV + "_FILE", raising=False)
    monkeypatch.delenv(ENDPOINT_ENV, raising=False)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "::1"], ids=str
)
def test_loopback_is_127_0_0_0_8_ipv6_one_and_localhost(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "ketnoi.example", "127.0.0.1.nip.io", "", None])
def test_other_hosts_are_not_loopback(host: str | None) -> None:
    assert not is_loopback(host)


def test_the_variable_cannot_replace_a_configured_https_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(_config(tmp_path, "https://ketnoi.moet.example/ketnoi"))
    monkeypatch.setenv(ENDPOINT_ENV, "http://203.0.113.9/ketnoi")  # left from a trial
    with pytest.raises(UsageError) as refused:
        ministry_client(config)
    assert ENDPOINT_ENV in refused.value.message_vi
    assert "[ministry] endpoint" in refused.value.message_en
    assert 'applies only when endpoint = "sandbox"' in refused.value.message_en


def test_the_variable_names_the_sandbox_and_says_so_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(_config(tmp_path, "sandbox"))
    monkeypatch.setenv(ENDPOINT_ENV, "http://127.0.0.1:8080/ketnoi")
    with caplog.at_level(logging.INFO), ministry_client(config) as client:
        assert client.endpoint == "http://127.0.0.1:8080/ketnoi"
    (record,) = [r for r in caplog.records if ENDPOINT_ENV in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "http://127.0.0.1:8080/ketnoi" in record.getMessage()


@pytest.mark.parametrize(
    "address",
    ["http://192.0.2.7:8080/ketnoi", "http://sandbox.example/ketnoi", "ftp://127.0.0.1/x"],
)
def test_the_variable_may_not_send_the_password_in_clear_off_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    config = load_config(_config(tmp_path, "sandbox"))
    monkeypatch.setenv(ENDPOINT_ENV, address)
    with pytest.raises(UsageError) as refused:
        ministry_client(config)
    assert refused.value.message_vi.startswith(f"{ENDPOINT_ENV} = {address!r}")
    assert refused.value.message_en.startswith(f"{ENDPOINT_ENV} = {address!r}")


def test_the_configured_endpoint_may_not_be_plain_http_off_this_machine(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as refused:
        load_config(_config(tmp_path, "http://127.0.0.1.nip.io/ketnoi"))
    assert "key `ministry.endpoint`" in refused.value.message_en
    assert "clear text" in refused.value.message_en
    assert "http:// không mã hóa" in refused.value.message_vi
    config = load_config(_config(tmp_path, "http://127.0.0.2:9000/ketnoi"))  # loopback: fine
    assert config.ministry.endpoint == "http://127.0.0.2:9000/ketnoi"


def test_the_demo_sandbox_address_is_checked_too(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "sandbox"))
    with pytest.raises(UsageError, match="hub demo"):
        ministry_client(config, "http://198.51.100.3:8080/ketnoi")
    with ministry_client(config, "http://[::1]:8080/ketnoi") as client:
        assert client.endpoint == "http://[::1]:8080/ketnoi"


def test_a_client_made_in_code_refuses_plain_http_off_this_machine() -> None:
    with pytest.raises(UsageError, match="clear text"):
        MinistryClient("http://ketnoi.example/ketnoi", Credentials("so36", "mat-khau"))


def test_hub_sync_exits_with_the_usage_code_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, "https://ketnoi.moet.example/ketnoi")
    monkeypatch.setenv(ENDPOINT_ENV, "http://203.0.113.9/ketnoi")
    result = CliRunner().invoke(main, ["sync", "--config", str(config), "--quiet"])
    assert result.exit_code == exits.USAGE
    assert ENDPOINT_ENV in result.output
    assert not (tmp_path / "var").exists()  # refused before anything was opened


def test_a_missing_ministry_password_is_a_usage_error_naming_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setenv(ENDPOINT_ENV, "http://127.0.0.1:9/ketnoi")
    config = _config(tmp_path, "sandbox")
    with pytest.raises(UsageError) as refused:
        ministry_client(load_config(config))
    assert type(refused.value) is UsageError  # not a signing provider's error
    result = CliRunner().invoke(main, ["sync", "--config", str(config), "--quiet"])
    assert result.exit_code == exits.USAGE, result.output
    assert PASSWORD_ENV in result.output


def test_retry_lines_are_vietnamese_first_with_english_beside(
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy = ServiceFault(FaultCode.RATE_LIMITED, "mô tả", 1)
    answers = iter([httpx.Response(busy.http_status, content=fault_envelope(busy)), _withdrawn()])
    client = MinistryClient(
        "https://ketnoi.example.invalid/ketnoi",
        Credentials("so36", "mat-khau"),
        http=httpx.Client(transport=httpx.MockTransport(lambda _request: next(answers))),
        retry=RetryPolicy(attempts=3),
        sleep=lambda _seconds: None,
        rate=1000.0,
    )
    with caplog.at_level(logging.WARNING, logger="hub.ministry.client"):
        client.withdraw("HB202436300001000001", "sai")
    (line,) = [r.getMessage() for r in caplog.records]
    vietnamese, english = line.split(" / ")
    assert vietnamese.startswith("ThuHoiHocBa: E_QUA_TAI, lần thử 1; thử lại sau")
    assert "retrying" not in vietnamese
    assert "attempt" not in vietnamese
    assert english.startswith("ThuHoiHocBa: E_QUA_TAI, attempt 1; retrying in")


def _withdrawn() -> httpx.Response:
    response = element("ThuHoiHocBaResponse")
    child(response, "TrangThai", "DA_THU_HOI")
    return httpx.Response(200, content=envelope(response), headers={"Content-Type": "text/xml"})
