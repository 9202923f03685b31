"""The vnEdu client's policy, on httpx.MockTransport and a fake clock (no test waits)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from hub_vnedu.client import VneduRefused, VneduUnavailable
from hub_vnedu.config import settings_of

from hub.api import UsageError

from .conftest import SECRET_ENV, ClientMaker, FakeClock, options
from .fake import FakeVnedu

SCHOOLS = "/v2/schools"
Y = {"nam_hoc": "2024-2025"}


def _status(
    code: int, headers: dict[str, str] | None = None, body: bytes = b"{}"
) -> httpx.Response:
    return httpx.Response(code, content=body, headers=headers or {})


def test_the_token_is_kept_and_renewed_once_on_401(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    client = make_client()
    for _ in range(3):
        assert client.get_json(SCHOOLS, Y).body == {"items": []}
    assert fake.count("/oauth/token") == 1  # kept between requests
    fake.expire_tokens()  # vnEdu forgets it: the next request gets 401
    assert client.get_json(SCHOOLS, Y).body == {"items": []}
    assert fake.count("/oauth/token") == 2  # renewed once, transparently
    assert fake.count(SCHOOLS) == 5  # the refused request was sent once more, not failed


def test_a_401_to_a_token_just_renewed_is_a_failure_then_reported(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    fake.fail(SCHOOLS, *[_status(401)] * 10)
    client = make_client(retries=2)
    with pytest.raises(VneduUnavailable) as caught:
        client.get_json(SCHOOLS, Y)
    assert "401" in caught.value.cause
    assert caught.value.attempts == 3
    # each attempt renewed the token once: the renewal never loops on its own
    assert fake.count("/oauth/token") == 1 + 3


def test_429_waits_retry_after_and_is_not_counted_as_a_failure(
    fake: FakeVnedu, make_client: ClientMaker, clock: FakeClock
) -> None:
    fake.fail(SCHOOLS, _status(429, {"Retry-After": "3"}), _status(429, {"Retry-After": "2"}))
    client = make_client(retries=0)  # no retry left: a 429 still gets through
    assert client.get_json(SCHOOLS, Y).body == {"items": []}
    assert 3.0 in clock.sleeps
    assert 2.0 in clock.sleeps
    assert fake.count(SCHOOLS) == 3


def test_5xx_is_retried_with_exponential_back_off_then_reported(
    fake: FakeVnedu, make_client: ClientMaker, clock: FakeClock
) -> None:
    fake.fail(SCHOOLS, _status(500), _status(502), _status(503))
    client = make_client(retries=4)
    client.get_json(SCHOOLS, Y)  # the token first: no sleep before it
    assert [s for s in clock.sleeps if s >= 0.5] == [0.5, 1.0, 2.0]  # jitter 0.5 → ×1.0
    fake.fail(SCHOOLS, *[_status(500)] * 5)
    with pytest.raises(VneduUnavailable) as caught:
        client.get_json(SCHOOLS, Y)
    assert (caught.value.attempts, caught.value.cause) == (5, "HTTP 500")
    assert caught.value.shown == "GET /v2/schools?nam_hoc=2024-2025"


def test_back_off_has_jitter(fake: FakeVnedu, clock: FakeClock) -> None:
    from hub_vnedu.client import VneduClient

    draws = iter([0.0, 1.0])
    client = VneduClient(
        settings_of(options()),
        transport=fake.transport(),
        sleep=clock.sleep,
        clock=clock.monotonic,
        jitter=lambda: next(draws),
    )
    fake.fail(SCHOOLS, _status(500), _status(500))
    with client:
        client.get_json(SCHOOLS, Y)
    backs = [s for s in clock.sleeps if s >= 0.25]
    assert backs == [0.25, 1.5]  # 0.5 × (0.5 + 0.0), 1.0 × (0.5 + 1.0)


@pytest.mark.parametrize(
    "bad",
    [
        b'{"items": [{"ma_truong": "5600',  # truncated
        b"<html>gateway</html>",  # malformed
        b'["not", "an", "object"]',  # not the spec's shape
    ],
    ids=["truncated", "malformed", "wrong-shape"],
)
def test_a_bad_body_is_retried(fake: FakeVnedu, make_client: ClientMaker, bad: bytes) -> None:
    fake.fail(SCHOOLS, _status(200, body=bad))
    assert make_client().get_json(SCHOOLS, Y).body == {"items": []}
    assert fake.count(SCHOOLS) == 2


def test_a_body_cut_short_in_transfer_and_network_errors_are_retried(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection reset")

    fake.fail(SCHOOLS, cut, reset)
    assert make_client().get_json(SCHOOLS, Y).body == {"items": []}
    assert fake.count(SCHOOLS) == 3


def test_requests_are_paced_within_5_per_second(
    fake: FakeVnedu, make_client: ClientMaker, clock: FakeClock
) -> None:
    starts: list[float] = []
    inner = fake.handle

    def timed(request: httpx.Request) -> httpx.Response:
        starts.append(clock.t)
        return inner(request)

    fake.handle = timed  # type: ignore[method-assign]
    fake.fail(SCHOOLS, _status(500), _status(429, {"Retry-After": "0"}))
    client = make_client()
    for _ in range(30):
        client.get_json(SCHOOLS, Y)
    assert len(starts) == 33  # the token, 30 answers, a 500 and a 429
    for i, start in enumerate(starts):
        in_window = [s for s in starts[i:] if s <= start + 1.0]  # a closed second
        assert len(in_window) <= 5, f"{len(in_window)} requests within 1 s from t={start}"
    # and not slower than it needs to be: 30 plain requests take about 6 s, not 30
    assert starts[-1] - starts[0] < 0.2 * 33 + 3


def test_the_server_time_is_the_date_header(fake: FakeVnedu, make_client: ClientMaker) -> None:
    answer = make_client().get_json(SCHOOLS, Y)
    assert answer.server_time == fake.now
    fake.send_date = False
    assert make_client().get_json(SCHOOLS, Y).server_time is None


def test_a_wrong_secret_is_one_usage_error_naming_base_url_and_the_variable(
    fake: FakeVnedu, make_client: ClientMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong-secret-value")
    with pytest.raises(UsageError) as caught:
        make_client().get_json(SCHOOLS, Y)
    error = caught.value
    for message in (error.message_vi, error.message_en):
        assert "https://vnedu.example" in message
        assert SECRET_ENV in message
        assert "invalid_client" in message
        assert "wrong-secret-value" not in message
    assert fake.count("/oauth/token") == 1  # refused credentials are not retried
    assert fake.count(SCHOOLS) == 0


def test_an_unset_secret_variable_is_named(
    make_client: ClientMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(UsageError, match=SECRET_ENV):
        make_client().get_json(SCHOOLS, Y)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_one_usage_error(
    fake: FakeVnedu, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub_vnedu.client import VneduClient

    url = f"http://127.0.0.1:{_closed_port()}"
    client = VneduClient(
        settings_of(options(base_url=url, retries=2)), sleep=clock.sleep, clock=clock.monotonic
    )
    with client, pytest.raises(UsageError) as caught:
        client.get_json(SCHOOLS, Y)
    assert url in caught.value.message_en
    assert url in caught.value.message_vi
    assert "cannot reach" in caught.value.message_en
    assert "3 attempts" in caught.value.message_en


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://vnedu.example", True),
        ("http://10.0.0.5:8080", True),
        ("ftp://vnedu.example", True),
        ("https://vnedu.example", False),
        ("http://127.0.0.1:8765", False),
        ("http://localhost:8765", False),
        ("http://[::1]:8765", False),
    ],
)
def test_plain_http_only_to_loopback(url: str, refused: bool) -> None:
    if refused:
        with pytest.raises(UsageError, match="https://"):
            settings_of(options(base_url=url))
    else:
        assert settings_of(options(base_url=url)).base_url == url


def test_a_missing_ca_bundle_is_named(tmp_path: object) -> None:
    with pytest.raises(UsageError, match="ca_bundle"):
        settings_of(options(ca_bundle="/nonexistent/ca.pem"))


def test_a_document_is_its_exact_bytes_or_none_on_404(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    signed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<HocBaSo PhienBan="1.0"><x>Đạt</x></HocBaSo>\n'
    )
    fake.documents["VN1"] = signed.encode()
    client = make_client()
    assert client.get_document("/v2/transcripts/VN1", Y) == signed.encode()
    assert client.get_document("/v2/transcripts/VN2", Y) is None


def test_a_cut_document_is_retried_and_kept_as_it_is_when_it_stays_cut(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    fake.documents["VN1"] = b"<HocBaSo><DLHocBa/></HocBaSo>"
    fake.fail("/v2/transcripts/", _status(200, body=b"<HocBaSo><DLHo"))
    client = make_client(retries=2)
    assert client.get_document("/v2/transcripts/VN1", Y) == b"<HocBaSo><DLHocBa/></HocBaSo>"
    fake.fail("/v2/transcripts/", *[_status(200, body=b"<HocBaSo><DLHo")] * 3)
    # still cut after the retries: handed on as served, for the receiver's checks (HB001)
    assert client.get_document("/v2/transcripts/VN1", Y) == b"<HocBaSo><DLHo"


def test_another_4xx_is_refused_without_retry(fake: FakeVnedu, make_client: ClientMaker) -> None:
    fake.fail(SCHOOLS, _status(403, body=b'{"error": "forbidden"}'))
    with pytest.raises(VneduRefused) as caught:
        make_client().get_json(SCHOOLS, Y)
    assert (caught.value.status, caught.value.detail) == (403, "HTTP 403 forbidden")
    assert fake.count(SCHOOLS) == 1


def test_no_secret_or_token_in_repr(fake: FakeVnedu, make_client: ClientMaker) -> None:
    client = make_client()
    client.get_json(SCHOOLS, Y)
    shown = repr(client) + repr(client.state)
    assert "s3cret" not in shown
    assert "tok-" not in shown


def test_a_short_lived_token_is_renewed_before_it_expires_not_every_request(
    fake: FakeVnedu, make_client: ClientMaker, clock: FakeClock
) -> None:
    original = fake._token

    def thirty_seconds(request: httpx.Request) -> httpx.Response:
        answer = original(request)
        body = json.loads(answer.content)
        body["expires_in"] = 30
        return httpx.Response(200, json=body)

    fake._token = thirty_seconds  # type: ignore[method-assign]
    client = make_client()
    for _ in range(100):  # 100 requests at 5/s: 20 s, within one token's 27 s
        client.get_json(SCHOOLS, Y)
    assert fake.count("/oauth/token") == 1
    for _ in range(100):
        client.get_json(SCHOOLS, Y)
    assert fake.count("/oauth/token") == 2  # renewed ahead of expiry: never a 401 round trip


def test_the_secret_may_come_from_a_file(
    fake: FakeVnedu, make_client: ClientMaker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "secret").write_text("s3cret\n", encoding="utf-8")
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv(SECRET_ENV + "_FILE", str(tmp_path / "secret"))
    assert make_client().get_json(SCHOOLS, Y).body == {"items": []}
    monkeypatch.setenv(SECRET_ENV, "s3cret")  # both set: refused, as for every secret
    with pytest.raises(UsageError, match="_FILE") as caught:
        make_client().get_json(SCHOOLS, Y)
    assert type(caught.value) is UsageError  # exit 2, a source's error


def test_a_token_server_that_reads_json_is_asked_again_in_json(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    seen: list[str] = []
    original = fake._token

    def json_only(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("content-type", ""))
        if not request.headers.get("content-type", "").startswith("application/json"):
            return httpx.Response(415, json={"error": "unsupported_media_type"})
        body = json.loads(request.content)
        form = httpx.Request("POST", "http://x/oauth/token", data=body)
        return original(form)

    fake._token = json_only  # type: ignore[method-assign]
    assert make_client().get_json(SCHOOLS, Y).body == {"items": []}
    assert [kind.split(";")[0] for kind in seen] == [
        "application/x-www-form-urlencoded",
        "application/json",
    ]


def test_a_credentials_error_to_the_form_is_not_asked_again(
    fake: FakeVnedu, make_client: ClientMaker
) -> None:
    fake.fail("/oauth/token", httpx.Response(400, json={"error": "invalid_client"}))
    with pytest.raises(UsageError, match="invalid_client"):
        make_client().get_json(SCHOOLS, Y)
    assert fake.count("/oauth/token") == 1


def test_more_than_5_per_second_only_to_a_loopback_simulator() -> None:
    with pytest.raises(UsageError, match="5 requests/s"):
        settings_of(options(rate=50))
    assert settings_of(options(base_url="http://127.0.0.1:9", rate=50)).rate == 50
    assert settings_of(options(rate=2.5)).rate == 2.5
