"""Every injected fault, survived by the real client with its retries counted."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from hub.ministry.client import RetryPolicy
from hub.ministry.errors import GaveUp, Maintenance
from hub.ministry.messages import LearnerQuery
from hub.sandbox import FaultPlan, RunningSandbox
from hub.sandbox.faults import ErrorAfterStore, Latency, RateLimit, Reject, Trigger, Window

from .conftest import ADMIN_TOKEN, make_client
from .world import World

Factory = Callable[..., RunningSandbox]


class Sleeps:
    """A sleep that really sleeps and remembers how long it was asked to."""

    def __init__(self, real: bool = True) -> None:
        self.asked: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        if self.real:
            time.sleep(seconds)


def queries(world: World, n: int) -> list[LearnerQuery]:
    return [LearnerQuery(learner_code=str(r["MaHocSinh"])) for r in world.roster[:n]]


def test_rate_limit_waits_thu_lai_sau(world: World, make_sandbox: Factory) -> None:
    sandbox = make_sandbox(faults=FaultPlan(rate_limit=RateLimit(rate=1, concurrent=1)))
    sleeps = Sleeps()
    with make_client(sandbox, sleep=sleeps) as client:
        answers = [client.look_up(queries(world, 2)) for _ in range(3)]
    assert all(a[0] is not None and a[1] is not None for a in answers)
    assert client.metrics.retries["E_QUA_TAI"] >= 1
    assert client.metrics.faults["E_QUA_TAI"] == client.metrics.retries["E_QUA_TAI"]
    assert max(sleeps.asked) >= 1.0  # ThuLaiSau is whole seconds, at least 1


def test_maintenance_window_waits_thu_lai_sau(world: World, make_sandbox: Factory) -> None:
    sandbox = make_sandbox(faults=FaultPlan(maintenance=[Window(seconds=1.5, from_request=1)]))
    sleeps = Sleeps()
    with make_client(sandbox, sleep=sleeps) as client:
        receipt = client.submit(world.submission([world.document(0)], "lo-bao-tri"))
        assert client.wait_for_result(receipt.receipt).documents[0].accepted
    assert client.metrics.retries["E_BAO_TRI"] >= 1
    assert min(sleeps.asked[: client.metrics.retries["E_BAO_TRI"]]) >= 1.0
    assert sandbox.app.store.counts()["submission"] == 1


def test_maintenance_longer_than_the_policy_gives_up(world: World, make_sandbox: Factory) -> None:
    sandbox = make_sandbox(faults=FaultPlan(maintenance=[Window(seconds=600)]))
    policy = RetryPolicy(attempts=3, total_seconds=3600.0)
    with (
        make_client(sandbox, retry=policy, sleep=Sleeps(real=False)) as client,
        pytest.raises(GaveUp) as caught,
    ):
        client.look_up(queries(world, 1))
    assert isinstance(caught.value.last, Maintenance)
    assert caught.value.attempts == 3
    assert client.metrics.retries["E_BAO_TRI"] == 2
    assert client.metrics.gave_up == 1
    short = RetryPolicy(attempts=10, total_seconds=60.0)  # ThuLaiSau ≈ 600 s > 60 s: stop
    with (
        make_client(sandbox, retry=short, sleep=Sleeps(real=False)) as client,
        pytest.raises(GaveUp) as caught,
    ):
        client.look_up(queries(world, 1))
    assert caught.value.attempts == 1


def test_slow_answers_time_out_and_are_retried(world: World, make_sandbox: Factory) -> None:
    plan = FaultPlan(latency=Latency(seconds=1.0, count=2, operations=["NopHocBa"]))
    sandbox = make_sandbox(faults=plan)
    with make_client(sandbox, timeout=0.3) as client:
        receipt = client.submit(world.submission([world.document(0)], "lo-cham"))
        result = client.wait_for_result(receipt.receipt)
    assert result.documents[0].accepted
    assert client.metrics.retries["NETWORK"] == 2
    # The slow attempts were stored meanwhile; the retry got their receipt, not a duplicate.
    assert sandbox.app.store.counts()["submission"] == 1


def test_dropped_connections_are_retried(world: World, make_sandbox: Factory) -> None:
    sandbox = make_sandbox(faults=FaultPlan(drop=Trigger(count=2)))
    with make_client(sandbox) as client:
        found = client.look_up(queries(world, 3))
    assert all(found)
    assert client.metrics.retries["NETWORK"] == 2
    assert client.metrics.requests["TraCuuHocSinh"] == 3
    assert sandbox.app.faults.fired["drop"] == 2


def test_5xx_after_store_gets_the_stored_receipt(world: World, make_sandbox: Factory) -> None:
    plan = FaultPlan(error_after_store=ErrorAfterStore(count=1, operations=["NopHocBa"]))
    sandbox = make_sandbox(faults=plan)
    documents = [world.document(0), world.document(1)]
    with make_client(sandbox) as client:
        receipt = client.submit(world.submission(documents, "lo-5xx"))
        result = client.wait_for_result(receipt.receipt)
    assert client.metrics.retries["HTTP_5xx"] == 1
    assert client.metrics.requests["NopHocBa"] == 2
    counts = sandbox.app.store.counts()
    assert counts["submission"] == 1
    assert counts["document"] == 2
    assert [d.accepted for d in result.documents] == [True, True]
    assert counts["transcript"] == 2


def _rejected(world: World, sandbox: RunningSandbox, n: int) -> list[str]:
    with make_client(sandbox) as client:
        documents = [world.document(i) for i in range(n)]
        receipt = client.submit(world.submission(documents, "lo-tu-choi"))
        result = client.wait_for_result(receipt.receipt)
    for outcome in result.documents:
        if not outcome.accepted:
            assert [e.code for e in outcome.errors] == ["HB104"]
    return [d.record_id for d in result.documents if not d.accepted]


def test_a_fraction_is_rejected_with_the_chosen_code_deterministically(
    world: World, make_sandbox: Factory, tmp_path: object
) -> None:
    plan = FaultPlan(seed=5, reject=Reject(fraction=0.5, code="HB104"))
    first = _rejected(world, make_sandbox(faults=plan), 8)
    second = _rejected(
        world,
        make_sandbox(faults=plan, state=tmp_path / "again.db"),
        8,  # type: ignore[operator]
    )
    assert first == second
    assert 0 < len(first) < 8
    everything = FaultPlan(seed=5, reject=Reject(fraction=1.0, code="HB104"))
    third = _rejected(world, make_sandbox(faults=everything, state=tmp_path / "all.db"), 3)  # type: ignore[operator]
    assert len(third) == 3


def test_admin_endpoint_sets_faults_on_loopback_with_its_token(
    world: World, sandbox: RunningSandbox
) -> None:
    url = sandbox.base_url + "/admin/faults"
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert httpx.put(url, json={"drop": {"count": 1}}).status_code == 403
    assert (
        httpx.put(
            url, json={"drop": {"count": 1}}, headers={"Authorization": "Bearer x"}
        ).status_code
        == 403
    )
    bad = httpx.put(url, json={"drop": {"count": -1}}, headers=auth)
    assert bad.status_code == 400
    assert httpx.put(url, json={"drop": {"count": 1}}, headers=auth).status_code == 200
    with make_client(sandbox) as client:
        assert all(client.look_up(queries(world, 1)))
    assert client.metrics.retries["NETWORK"] == 1
    stats = httpx.get(sandbox.base_url + "/admin/stats", headers=auth).json()
    assert stats["faults"] == {"drop": 1}
    assert httpx.delete(url, headers=auth).json()["plan"]["drop"] is None
