"""Seeded faults: each kind as a client meets it, deterministic by (seed, request number),
never the same request failing forever; per-learner document faults the verifier catches."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from hub_vnedu.sim import DocumentFault, Fault, FaultPlan, running_simulator
from hub_vnedu.sim.faults import FaultInjector

from hub.api import UsageError
from hub.document.check import check_document
from hub.document.parse import parse_document
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .helpers import SECRET, Api, learners


def _only(kind: Fault, **extra: float) -> FaultPlan:
    return FaultPlan(seed=1, share=1.0, kinds=(kind,), **extra)  # type: ignore[arg-type]


def test_draws_are_the_same_for_the_same_seed_and_differ_with_the_request_number() -> None:
    plan = FaultPlan(seed=3, share=0.2)
    one, two = FaultInjector(plan), FaultInjector(plan)
    assert [one.draw() for _ in range(200)] == [two.draw() for _ in range(200)]
    other = FaultInjector(FaultPlan(seed=4, share=0.2))
    assert [other.draw() for _ in range(200)] != [FaultInjector(plan).draw() for _ in range(200)]
    many = FaultInjector(plan)
    fates = [many.draw() for _ in range(1000)]
    failing = sum(f is not None for f in fates)
    assert 150 < failing < 250  # about the share
    assert {f for f in fates if f is not None} == set(Fault)
    # A request retried is a new number: no run of more than a few failures in a row.
    longest = run = 0
    for fate in fates:
        run = run + 1 if fate is not None else 0
        longest = max(longest, run)
    assert longest < 6


def test_no_plan_injects_nothing() -> None:
    injector = FaultInjector()
    assert {injector.draw() for _ in range(100)} == {None}
    assert injector.document_fault("VN56300001-000001") is None


def test_the_xml_and_token_endpoints_get_a_server_error_for_faults_they_cannot_have() -> None:
    assert FaultInjector(_only(Fault.MALFORMED_JSON)).draw(xml=True) is Fault.SERVER_ERROR
    token = FaultInjector(_only(Fault.EXPIRED_TOKEN)).draw(token_endpoint=True)
    assert token is Fault.SERVER_ERROR


def test_a_plan_file_is_read_and_bad_values_are_named(tmp_path: Path) -> None:
    path = tmp_path / "faults.toml"
    path.write_text(
        'seed = 9\nshare = 0.2\nkinds = ["server-error", "slow"]\nslow_seconds = 0.5\n'
        "[documents]\nbad_signature = 0.1\nwrong_content = 0.05\n",
        encoding="utf-8",
    )
    plan = FaultPlan.from_toml(path)
    assert plan == FaultPlan(9, 0.2, (Fault.SERVER_ERROR, Fault.SLOW), 0.5, 0.1, 0.05)
    path.write_text("share = 1.5\n", encoding="utf-8")
    with pytest.raises(UsageError, match="share"):
        FaultPlan.from_toml(path)
    path.write_text('kinds = ["explode"]\n', encoding="utf-8")
    with pytest.raises(UsageError, match="kinds"):
        FaultPlan.from_toml(path)
    path.write_text("share = [\n", encoding="utf-8")
    with pytest.raises(UsageError, match="TOML"):
        FaultPlan.from_toml(path)
    with pytest.raises(UsageError, match="cannot read"):
        FaultPlan.from_toml(tmp_path / "absent.toml")


def test_server_error_fault(state_dir: Path) -> None:
    plan = _only(Fault.SERVER_ERROR)
    with running_simulator(state_dir, client_secret=SECRET, faults=plan) as sim:
        credentials = {"client_id": "hub-test", "client_secret": SECRET}
        answer = httpx.post(f"{sim.base_url}/oauth/token", data=credentials)
        assert answer.status_code == 500
        assert "date" in answer.headers
        assert httpx.get(f"{sim.base_url}/_sim/stats").json()["faults"] == {"server-error": 1}


def test_slow_fault_answers_correctly_after_the_delay(state_dir: Path) -> None:
    plan = _only(Fault.SLOW, slow_seconds=0.4)
    with running_simulator(state_dir, client_secret=SECRET, faults=plan, rate_limit=100) as sim:
        api = Api(sim.base_url)
        started = time.monotonic()
        api.login()
        assert time.monotonic() - started >= 0.4
        assert api.get("/v2/schools").json()["items"]
        api.close()


def test_truncated_fault_cuts_the_body_and_the_connection(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET) as sim:
        api = Api(sim.base_url)
        api.login()
        school = api.get("/v2/schools").json()["items"][0]["ma_truong"]
        signed = next(r for r in learners(sim.base_url) if r["document"] == "signed")
        sim.simulator.faults = FaultInjector(_only(Fault.TRUNCATED))
        with pytest.raises(httpx.RemoteProtocolError):
            api.get(f"/v2/schools/{school}/students")
        with pytest.raises(httpx.RemoteProtocolError):
            api.get(f"/v2/transcripts/{signed['vnedu_id']}")
        sim.simulator.faults = FaultInjector()
        assert api.get(f"/v2/schools/{school}/students").status_code == 200  # a retry works
        api.close()


def test_malformed_json_fault_is_a_200_that_does_not_parse(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET) as sim:
        api = Api(sim.base_url)
        api.login()
        sim.simulator.faults = FaultInjector(_only(Fault.MALFORMED_JSON))
        answer = api.get("/v2/schools")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(answer.content)
        api.close()


def test_expired_token_fault_revokes_the_token_before_its_time(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET) as sim:
        api = Api(sim.base_url)
        api.login()
        assert api.get("/v2/schools").status_code == 200
        sim.simulator.faults = FaultInjector(_only(Fault.EXPIRED_TOKEN))
        first = api.get("/v2/schools")
        assert first.status_code == 401
        assert first.json()["error"] == "invalid_token"
        sim.simulator.faults = FaultInjector()
        assert api.get("/v2/schools").status_code == 401  # the token stays expired
        api.login()
        assert api.get("/v2/schools").status_code == 200
        api.close()


def test_a_fifth_of_requests_failing_still_lets_a_retrying_client_read_everything(
    state_dir: Path,
) -> None:
    plan = FaultPlan(seed=4, share=0.2, slow_seconds=0.05)
    with running_simulator(state_dir, client_secret=SECRET, faults=plan, rate_limit=1000) as sim:
        api = Api(sim.base_url)
        school = "56300001"
        read: list[str] = []
        cursor = None
        failures = 0
        while True:
            try:
                if not api.token:
                    api.login()
                query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
                answer = api.get(f"/v2/schools/{school}/students", **query)
                if answer.status_code == 401:
                    api.token = ""
                    raise ValueError("expired")
                answer.raise_for_status()
                body = answer.json()
            except (httpx.HTTPError, ValueError, AssertionError):
                failures += 1
                api.token = api.token if failures % 2 else ""
                continue
            read += [i["vnedu_id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        everyone = [r["vnedu_id"] for r in learners(sim.base_url) if r["ma_truong"] == school]
        assert read == everyone
        assert failures > 0
        api.close()


# --- document faults -----------------------------------------------------------------------


def test_document_faults_are_per_learner_and_the_verifier_finds_them(state_dir: Path) -> None:
    plan = FaultPlan(seed=2, bad_signature=0.4, wrong_content=0.4)
    trust = TrustStore.from_folder(state_dir / "trust")
    with running_simulator(state_dir, client_secret=SECRET, faults=plan, rate_limit=1000) as sim:
        rows = learners(sim.base_url)
        states = {r["document"] for r in rows}
        assert {"signed", "pending", "bad-signature", "wrong-content"} <= states
        api = Api(sim.base_url)
        api.login()
        bad = next(r for r in rows if r["document"] == DocumentFault.BAD_SIGNATURE)
        document = api.get(f"/v2/transcripts/{bad['vnedu_id']}").content
        report = verify_document(document, trust)
        assert not report.ok
        assert {f.code for f in report.findings} == {"HB004"}
        assert [s.role for s in report.signatures if not s.valid] == ["DV"]

        wrong = next(r for r in rows if r["document"] == DocumentFault.WRONG_CONTENT)
        document = api.get(f"/v2/transcripts/{wrong['vnedu_id']}").content
        assert verify_document(document, trust).ok
        assert [f.code for f in check_document(document).findings] == []
        unsigned = sim.simulator.state.unsigned_document(wrong["vnedu_id"])
        assert parse_document(document) != parse_document(unsigned)
        # The same learner's document is the same wrong one on every request.
        assert api.get(f"/v2/transcripts/{wrong['vnedu_id']}").content == document
        api.close()
    # Another run with the same plan picks the same learners.
    with running_simulator(state_dir, client_secret=SECRET, faults=plan) as again:
        assert learners(again.base_url) == rows
