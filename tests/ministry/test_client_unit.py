"""The client's retry policy, pacing, polling and credentials, over httpx's MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.errors import UsageError
from hub.ministry.client import Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.ministry.contract import NS, WSSE, WSU, FaultCode
from hub.ministry.errors import Fatal, GaveUp, ServerFailure, StillProcessing, UnexpectedAnswer
from hub.ministry.pacing import ClientMetrics, Pacer
from hub.sandbox.soap import ServiceFault, child, element, envelope, fault_envelope

ENDPOINT = "https://ketnoi.example.invalid/ketnoi"
Handler = Callable[[httpx.Request], httpx.Response]


def soap(body: etree._Element, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=envelope(body), headers={"Content-Type": "text/xml"})


def fault(code: FaultCode, retry_after: int | None = None) -> httpx.Response:
    failure = ServiceFault(code, "mô tả", retry_after)
    return httpx.Response(failure.http_status, content=fault_envelope(failure))


def withdrawn() -> httpx.Response:
    response = element("ThuHoiHocBaResponse")
    child(response, "TrangThai", "DA_THU_HOI")
    return soap(response)


def state(value: str) -> httpx.Response:
    response = element("TraCuuKetQuaResponse")
    child(response, "TrangThai", value)
    if value == "DA_XU_LY":
        etree.SubElement(etree.SubElement(response, f"{{{NS}}}DanhSachKetQua"), f"{{{NS}}}HocBa")
        item = response[1][0]
        child(item, "MaHoSo", "hs-1")
        child(item, "KetQua", "CHAP_NHAN")
        child(item, "MaDinhDanhHocBa", "HB202436300001000001")
    return soap(response)


class Script:
    """A MockTransport handler answering from a list, recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.requests: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.read())
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(script: Script, sleeps: list[float], **options: object) -> MinistryClient:
    options.setdefault("retry", RetryPolicy(attempts=5, backoff_first=0.5, backoff_longest=4.0))
    return MinistryClient(
        ENDPOINT,
        Credentials("so36", "mat-khau"),
        http=httpx.Client(transport=httpx.MockTransport(script)),
        sleep=sleeps.append,
        rate=1000.0,
        seed=3,
        **options,  # type: ignore[arg-type]
    )


def test_rate_limit_and_maintenance_wait_thu_lai_sau() -> None:
    script = Script(fault(FaultCode.RATE_LIMITED, 3), fault(FaultCode.MAINTENANCE, 7), withdrawn())
    sleeps: list[float] = []
    client = client_for(script, sleeps)
    assert client.withdraw("HB202436300001000001", "sai") == "DA_THU_HOI"
    assert len(sleeps) == 2
    assert 3.0 <= sleeps[0] <= 3.3
    assert 7.0 <= sleeps[1] <= 7.7
    assert client.metrics.retries == {"E_QUA_TAI": 1, "E_BAO_TRI": 1}


def test_5xx_and_network_failures_back_off_exponentially_then_give_up() -> None:
    script = Script(
        httpx.Response(502, text="Bad Gateway"),
        httpx.ConnectError("refused"),
        httpx.Response(500, text="oops"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
    )
    sleeps: list[float] = []
    client = client_for(script, sleeps)
    with pytest.raises(GaveUp) as caught:
        client.withdraw("HB202436300001000001", "sai")
    assert caught.value.attempts == 5
    assert caught.value.code == "NETWORK"
    assert client.metrics.retries == {"HTTP_5xx": 2, "NETWORK": 2}
    assert client.metrics.gave_up == 1
    for n, wait in enumerate(sleeps):
        base = min(0.5 * 2**n, 4.0)
        assert base <= wait <= base + 0.5
    assert sleeps[3] > sleeps[0]


def test_fatal_faults_are_not_retried_and_keep_their_code() -> None:
    for code in (FaultCode.BAD_REQUEST, FaultCode.AUTHENTICATION, FaultCode.NOT_FOUND):
        script = Script(fault(code))
        sleeps: list[float] = []
        client = client_for(script, sleeps)
        with pytest.raises(Fatal) as caught:
            client.withdraw("HB202436300001000001", "sai")
        assert caught.value.code == code
        assert len(script.requests) == 1
        assert sleeps == []


def test_answers_outside_the_contract_are_fatal() -> None:
    unknown = ServiceFault(FaultCode.BAD_REQUEST, "x")
    unknown.code = "E_MOI"  # type: ignore[assignment]
    for answer in (
        httpx.Response(500, content=fault_envelope(unknown)),
        httpx.Response(200, text="<html>hello</html>"),
    ):
        client = client_for(Script(answer), [])
        with pytest.raises(UnexpectedAnswer):
            client.withdraw("HB202436300001000001", "sai")
    client = client_for(Script(httpx.Response(503, text="")), [], retry=RetryPolicy(attempts=1))
    with pytest.raises(GaveUp) as caught:
        client.withdraw("HB202436300001000001", "sai")
    assert isinstance(caught.value.last, ServerFailure)


def test_every_attempt_carries_a_fresh_username_token_and_timestamp() -> None:
    script = Script(httpx.Response(500, text="x"), withdrawn())
    client = client_for(script, [])
    client.withdraw("HB202436300001000001", "sai")
    assert len(script.requests) == 2
    for body in script.requests:
        root = etree.fromstring(body)
        security = root.find(f".//{{{WSSE}}}Security")
        assert security is not None
        password = security.find(f"{{{WSSE}}}UsernameToken/{{{WSSE}}}Password")
        assert password is not None
        assert password.get("Type", "").endswith("#PasswordText")
        created = security.findtext(f"{{{WSU}}}Timestamp/{{{WSU}}}Created")
        assert created is not None
        age = datetime.now(UTC) - datetime.fromisoformat(created)
        assert abs(age.total_seconds()) < 60
    first, second = (etree.fromstring(b).find(f".//{{{WSSE}}}Security") for b in script.requests)
    assert first is not second


def test_polling_backs_off_until_done_or_gives_up() -> None:
    script = Script(state("DANG_XU_LY"), state("DANG_XU_LY"), state("DA_XU_LY"))
    sleeps: list[float] = []
    poll = PollPolicy(first=1.0, factor=2.0, longest=10.0, timeout=100.0)
    client = client_for(script, sleeps, poll=poll)
    result = client.wait_for_result("TN1")
    assert result.done
    assert result.documents[0].transcript_id == "HB202436300001000001"
    assert len(sleeps) == 2
    assert 0.9 <= sleeps[0] <= 1.1
    assert 1.8 <= sleeps[1] <= 2.2
    assert client.metrics.polls == 3

    script = Script(*[state("DANG_XU_LY")] * 10)
    client = client_for(script, [], poll=PollPolicy(first=1.0, factor=2.0, timeout=5.0))
    with pytest.raises(StillProcessing) as caught:
        client.wait_for_result("TN1")
    assert caught.value.receipt == "TN1"


def test_pacer_spaces_starts_by_the_interval() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(10.0, clock=lambda: now[0], sleep=sleep)
    starts = [pacer.wait() for _ in range(5)]
    assert starts == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    now[0] += 1.0  # idle: no wait after a pause
    assert pacer.wait() == pytest.approx(1.4)
    assert len(waits) == 4

    metrics = ClientMetrics()
    for moment in (0.0, 0.1, 0.5, 0.99, 1.0, 1.05):
        metrics.sent("x", moment)
    assert metrics.max_starts_per_second() == 5  # [0.1, 1.1) holds 0.1 … 1.05


def test_credentials_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HUB_MINISTRY_PASSWORD", "HUB_MINISTRY_PASSWORD_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HUB_MINISTRY_USERNAME", raising=False)
    with pytest.raises(UsageError):
        Credentials.from_env()
    monkeypatch.setenv("HUB_MINISTRY_USERNAME", "so36")
    with pytest.raises(UsageError):
        Credentials.from_env()
    monkeypatch.setenv("HUB_MINISTRY_PASSWORD", "tu-bien")
    assert Credentials.from_env() == Credentials("so36", "tu-bien")
    monkeypatch.delenv("HUB_MINISTRY_PASSWORD")
    secret = tmp_path / "password"
    secret.write_text("tu-tep\n", encoding="utf-8")
    monkeypatch.setenv("HUB_MINISTRY_PASSWORD_FILE", str(secret))
    from_file = Credentials.from_env()
    assert from_file == Credentials("so36", "tu-tep")
    assert "tu-tep" not in repr(from_file)
