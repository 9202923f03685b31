"""The client: the signature exactly as the spec words it, pages, retries, the read cursor."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hub_smas.client import RequestFailed, SmasClient, signature
from hub_smas.config import Options
from hub_smas.keys import SchoolKey
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import build_world, sim_settings
from hub_smas.transport import TransportError

from .helpers import class_data, pivot_json, read, served


def _world():  # type: ignore[no-untyped-def]
    settings = sim_settings(levels=("03",), seed=4, learners_per_class=3)
    return build_world(settings, moved_rate=0.1, old_year=False)


def test_the_signature_is_hmac_sha256_over_method_target_and_timestamp() -> None:
    expected = hmac.new(
        b"s3cret", b"GET\n/api/v1/classes?schoolCode=80000001&schoolYear=2024\n1735689600",
        hashlib.sha256,
    ).hexdigest()  # fmt: skip
    target = SmasClient.target(
        "/api/v1/classes", [("schoolCode", "80000001"), ("schoolYear", 2024)]
    )
    assert target == "/api/v1/classes?schoolCode=80000001&schoolYear=2024"
    assert signature("s3cret", "GET", target, "1735689600") == expected


@pytest.mark.parametrize(
    "params",
    [
        [("subjectId", "2"), ("semester", 0), ("page", 1), ("pageSize", 100)],
        [("schoolCode", "80000001"), ("schoolYear", "2024-2025"), ("a.b_c~", "x-y")],
        [("q", "Lớp 6A1"), ("name", "a b&c=d/e?f"), ("plus", "1+1"), ("empty", "")],
        [("subjectId", "None"), ("x", "%20"), ("ý", "ø")],
    ],
)
def test_the_target_is_the_query_urlencode_writes(params: list[tuple[str, str | int]]) -> None:
    assert SmasClient.target("/api/v1/x", params) == f"/api/v1/x?{urlencode(params)}"


def test_the_request_sent_is_the_target_signed() -> None:
    seen: list[tuple[str, Mapping[str, str]]] = []

    def transport(target: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        seen.append((target, headers))
        return 200, b'{"data": [1], "page": 1, "pageSize": 100, "totalPages": 1}'

    options = Options.parse(
        {"base_url": "https://smas.example/partner", "keys_file_env": "K", "years": ["2024-2025"]}
    )
    key = SchoolKey("80000001", "the-key", "the-secret")
    client = SmasClient(options, key, transport, clock=lambda: 1735689600.4)
    assert client.get_list("/api/v1/classes/7/markbook", [("subjectId", "2"), ("semester", 1)])
    target, headers = seen[0]
    assert target == "/partner/api/v1/classes/7/markbook?subjectId=2&semester=1&page=1&pageSize=100"
    assert headers["X-Api-Key"] == "the-key"
    assert headers["X-Timestamp"] == "1735689600"
    assert headers["X-Signature"] == signature("the-secret", "GET", target, "1735689600")
    assert "the-secret" not in repr(client) + repr(key)


def test_500s_and_lost_connections_are_retried_then_reported() -> None:
    calls: list[str] = []

    def transport(target: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        calls.append(target)
        if len(calls) == 2:
            raise TransportError("RemoteDisconnected")
        return 500, b"{}"

    options = Options.parse({"base_url": "https://smas.example", "keys_file_env": "K",
                             "years": ["2024-2025"], "attempts": 3})  # fmt: skip
    waits: list[float] = []
    client = SmasClient(options, SchoolKey("1", "k", "s"), transport, sleep=waits.append)
    with pytest.raises(RequestFailed) as failed:
        client.get("/api/v1/schools/1")
    assert len(calls) == 3
    assert len(waits) == 2
    assert 0.125 <= waits[0] <= 0.25
    assert 0.25 <= waits[1] <= 0.5  # exponential back-off, with jitter
    assert "HTTP 500" in failed.value.message_en
    assert "3 attempts" in failed.value.message_en


def test_a_body_that_is_not_json_is_asked_again() -> None:
    answers = iter([(200, b'{"data": [1'), (200, b'{"schoolCode": "1"}')])
    options = Options.parse({"base_url": "https://smas.example", "keys_file_env": "K",
                             "years": ["2024-2025"]})  # fmt: skip
    client = SmasClient(options, SchoolKey("1", "k", "s"), lambda t, h: next(answers),
                        sleep=lambda s: None)  # fmt: skip
    assert client.get("/api/v1/schools/1") == {"schoolCode": "1"}
    assert client.metrics.retries == 1


def test_plain_http_is_only_for_this_machine() -> None:
    from hub.errors import UsageError

    with pytest.raises(UsageError):
        Options.parse(
            {"base_url": "http://smas.example", "keys_file_env": "K", "years": ["2024-2025"]}
        )
    Options.parse({"base_url": "http://127.0.0.1:9", "keys_file_env": "K", "years": ["2024-2025"]})


def test_small_pages_read_the_same_as_large(tmp_path: Path) -> None:
    world = _world()
    with served(world, tmp_path) as sim:
        large = read(sim)
        small = read(sim, page_size=2)
    assert small.requests > large.requests
    assert pivot_json(small.records) == pivot_json(large.records)


def test_faults_are_retried_and_the_pivot_is_the_same_byte_for_byte(tmp_path: Path) -> None:
    world = _world()
    with served(world, tmp_path) as sim:
        clean = read(sim)
    faults = FaultPlan(error_rate=0.15, malformed_rate=0.05, slow_rate=0.05, slow_seconds=0.05,
                       seed=3)  # fmt: skip
    with served(world, tmp_path, faults) as sim:
        faulty = read(sim, attempts=10)
    assert faulty.retries > 0
    assert pivot_json(faulty.records) == pivot_json(clean.records)
    assert [p.as_json() for p in faulty.problems] == [p.as_json() for p in clean.problems]


def test_a_second_read_yields_only_what_changed_and_a_failed_class_again(tmp_path: Path) -> None:
    world = _world()
    failing = class_data(world, 2)["class"]["classId"]
    with served(world, tmp_path, FaultPlan(failing_classes=frozenset({failing}))) as sim:
        first = read(sim, attempts=1)
    assert first.of("SMAS_CLASS_FAILED")
    with served(world, tmp_path) as sim:
        second = read(sim, first.cursor)
        third = read(sim, second.cursor)
    assert {r.data["class"]["classId"] for r in second.records} == {failing}
    assert not third.records
    assert not third.of("SMAS_CLASS_FAILED")


def test_a_bare_list_is_the_whole_list() -> None:
    """The spec shows the leaders' answer as `[{...}]`: a server may send it unpaged."""
    options = Options.parse({"base_url": "https://smas.example", "keys_file_env": "K",
                             "years": ["2024-2025"]})  # fmt: skip
    leaders = [{"teacherId": 1, "fullName": "Phạm Văn Hùng", "position": "HIEU_TRUONG"}]
    body = json.dumps(leaders).encode()
    client = SmasClient(options, SchoolKey("1", "k", "s"), lambda t, h: (200, body))
    assert client.get_list("/api/v1/schools/1/leaders", [("schoolYear", 2024)]) == leaders


def test_a_list_in_another_shape_is_reported() -> None:
    options = Options.parse({"base_url": "https://smas.example", "keys_file_env": "K",
                             "years": ["2024-2025"]})  # fmt: skip
    client = SmasClient(options, SchoolKey("1", "k", "s"), lambda t, h: (200, b'{"items": []}'))
    with pytest.raises(RequestFailed) as failed:
        client.get_list("/api/v1/classes/1/pupils")
    assert failed.value.found == "{items}"
    assert "totalPages" in failed.value.message_en


def test_a_pupil_who_left_is_reported_once_not_at_every_sync(tmp_path: Path) -> None:
    world = _world()
    assert world.moved
    with served(world, tmp_path) as sim:
        first = read(sim)
        second = read(sim, first.cursor)
        fresh = read(sim)
    assert len(first.of("SMAS_PUPIL_NOT_STUDYING")) == len(world.moved)
    assert not second.records
    assert not second.problems
    assert len(fresh.of("SMAS_PUPIL_NOT_STUDYING")) == len(world.moved)  # a full read again


def test_a_kept_alive_connection_the_server_closed_is_opened_again(tmp_path: Path) -> None:
    """uvicorn closes idle connections after its keep-alive timeout; a GET goes again once."""
    import socket
    import threading

    from hub_smas.transport import HttpTransport

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    def serve() -> None:
        first, _ = server.accept()  # answers once, then closes the kept-alive connection
        first.recv(65536)
        first.sendall(answer)
        first.recv(65536)
        first.close()
        second, _ = server.accept()
        second.recv(65536)
        second.sendall(answer)
        second.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    transport = HttpTransport(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=5)
    assert transport("/a", {}) == (200, b"{}")
    assert transport("/b", {}) == (200, b"{}")
    transport.close()
    thread.join(timeout=5)
    server.close()
