"""The /_sim/ controls tests drive the simulator with: touch a learner, finish a signature,
count requests (what "a second sync makes no request beyond the first pages" reads)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from hub_vnedu.sim import RunningSimulator, SimState, running_simulator
from starlette.requests import Request

from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .helpers import SECRET, Api, learners


@pytest.fixture
def own_sim(state_copy: Path) -> Iterator[RunningSimulator]:
    with running_simulator(state_copy, client_secret=SECRET, rate_limit=1000) as running:
        yield running


def _post(sim: RunningSimulator, path: str, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{sim.base_url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_a_touched_learner_is_listed_again_with_its_change_and_a_signed_document(
    own_sim: RunningSimulator,
) -> None:
    api = Api(own_sim.base_url)
    api.login()
    state = own_sim.simulator.state
    row = next(
        r
        for r in learners(own_sim.base_url)
        if r["document"] == "signed" and state.item(r["vnedu_id"])["ket_qua"]  # type: ignore[index]
    )
    school, key = row["ma_truong"], row["vnedu_id"]
    first = api.get(f"/v2/schools/{school}/students")
    since = parsedate_to_datetime(first.headers["date"])
    assert (
        api.get(f"/v2/schools/{school}/students", updated_since=since.isoformat()).json()["items"]
        == []
    )
    touched = _post(own_sim, f"/_sim/learners/{key}/touch", json={"nhan_xet_gvcn": "Tiến bộ."})
    assert touched.status_code == 200
    assert datetime.fromisoformat(touched.json()["updated_at"]) >= since
    again = api.get(f"/v2/schools/{school}/students", updated_since=since.isoformat()).json()
    assert [i["vnedu_id"] for i in again["items"]] == [key]
    assert again["items"][0]["nhan_xet_gvcn"] == "Tiến bộ."
    document = api.get(f"/v2/transcripts/{key}").content
    assert "<NhanXetGVCN>Tiến bộ.</NhanXetGVCN>".encode() in document
    assert verify_document(document, TrustStore.from_folder(own_sim.trust_dir)).ok
    # The change is kept in the state folder: a restarted simulator serves it.
    reloaded = SimState.load(own_sim.simulator.state.directory)
    assert reloaded.item(key)["nhan_xet_gvcn"] == "Tiến bộ."  # type: ignore[index]
    api.close()


def test_touch_without_a_body_changes_the_comment_too(own_sim: RunningSimulator) -> None:
    row = next(r for r in learners(own_sim.base_url) if r["document"] == "pending")
    before = own_sim.simulator.state.item(row["vnedu_id"])
    assert before is not None
    comment = before["nhan_xet_gvcn"]
    assert _post(own_sim, f"/_sim/learners/{row['vnedu_id']}/touch").status_code == 200
    after = own_sim.simulator.state.item(row["vnedu_id"])
    assert after is not None
    if after["ket_qua"]:
        assert after["nhan_xet_gvcn"] != comment
    assert after["updated_at"] != row["updated_at"]
    assert _post(own_sim, "/_sim/learners/VN00000000-000000/touch").status_code == 404


def test_patch_sets_bad_values_a_test_needs_and_keeps_them(own_sim: RunningSimulator) -> None:
    api = Api(own_sim.base_url)
    api.login()
    row = learners(own_sim.base_url)[0]
    key, school = row["vnedu_id"], row["ma_truong"]
    answer = httpx.patch(
        f"{own_sim.base_url}/_sim/learners/{key}",
        json={"ngay_sinh": "31/02/2012", "so_dinh_danh": None, "vnedu_id": "ignored"},
    )
    assert answer.status_code == 200
    listed = next(i for i in api.all_items(school)[0] if i["vnedu_id"] == key)
    assert listed["ngay_sinh"] == "31/02/2012"
    assert listed["so_dinh_danh"] is None
    assert listed["updated_at"] != row["updated_at"]
    reloaded = SimState.load(own_sim.simulator.state.directory).item(key)
    assert reloaded is not None
    assert reloaded["ngay_sinh"] == "31/02/2012"
    bad = httpx.patch(f"{own_sim.base_url}/_sim/learners/{key}", content=b"[1]")
    assert bad.status_code == 400
    missing = httpx.patch(f"{own_sim.base_url}/_sim/learners/VN0-0", json={})
    assert missing.status_code == 404
    api.close()


def test_signing_a_pending_learner_makes_its_document_available(
    own_sim: RunningSimulator,
) -> None:
    api = Api(own_sim.base_url)
    api.login()
    row = next(r for r in learners(own_sim.base_url) if r["document"] == "pending")
    key = row["vnedu_id"]
    assert api.get(f"/v2/transcripts/{key}").status_code == 404
    signed = _post(own_sim, f"/_sim/learners/{key}/sign")
    assert signed.json() == {"vnedu_id": key, "signed": True, "changed": True}
    answer = api.get(f"/v2/transcripts/{key}")
    assert answer.status_code == 200
    assert verify_document(answer.content, TrustStore.from_folder(own_sim.trust_dir)).ok
    assert _post(own_sim, f"/_sim/learners/{key}/sign").json()["changed"] is False
    assert next(r for r in learners(own_sim.base_url) if r["vnedu_id"] == key)["document"] == (
        "signed"
    )
    api.close()


def test_stats_count_requests_by_endpoint_and_first_and_next_pages(
    own_sim: RunningSimulator,
) -> None:
    assert _post(own_sim, "/_sim/stats/reset").status_code == 200
    api = Api(own_sim.base_url)
    api.login()
    schools = [s["ma_truong"] for s in api.get("/v2/schools").json()["items"]]
    _, pages = api.all_items(schools[0], limit=4)
    api.all_items(schools[1])
    key = learners(own_sim.base_url)[0]["vnedu_id"]
    api.get(f"/v2/transcripts/{key}")
    stats = httpx.get(f"{own_sim.base_url}/_sim/stats").json()
    assert stats["requests"] == {
        "token": 1,
        "schools": 1,
        "students": pages + 1,
        "transcripts": 1,
    }
    assert stats["students_pages"] == {
        schools[0]: {"first": 1, "next": pages - 1},
        schools[1]: {"first": 1, "next": 0},
    }
    assert stats["transcripts_by_learner"] == {key: 1}
    assert pages > 1
    reset = _post(own_sim, "/_sim/stats/reset").json()
    assert reset["requests"] == {}
    assert httpx.get(f"{own_sim.base_url}/_sim/stats").json()["requests"] == {}
    api.close()


def _request(method: str, path: str, host: str) -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "client": (host, 50000),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "path_params": {"vnedu_id": "VN56300001-000001"},
    }
    return Request(scope, receive)


@pytest.mark.parametrize(
    "handler", ["control_stats", "control_learners", "control_reset", "control_touch",
                "control_sign", "control_patch"],
)  # fmt: skip
def test_controls_answer_only_loopback(own_sim: RunningSimulator, handler: str) -> None:
    call = getattr(own_sim.simulator, handler)
    remote = asyncio.run(call(_request("POST", "/_sim/x", "192.0.2.7")))
    assert remote.status_code == 403
    assert json.loads(remote.body)["error"] == "forbidden"
    local = asyncio.run(call(_request("POST", "/_sim/x", "127.0.0.1")))
    assert local.status_code == (400 if handler == "control_patch" else 200)  # no body
