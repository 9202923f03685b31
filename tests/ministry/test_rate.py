"""Under the ministry's limits (10 requests/s, 4 at a time) the client paces itself and
finishes the job without being refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hub.ministry.client import MinistryClient
from hub.ministry.messages import LearnerQuery
from hub.sandbox import RunningSandbox

from .world import World


def test_sustained_rate_stays_within_the_limit(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    documents = [world.document(i) for i in range(8)]
    queries = [LearnerQuery(learner_code=str(r["MaHocSinh"])) for r in world.roster[:2]]

    def job(n: int) -> bool:
        if n < len(documents):
            receipt = client.submit(world.submission([documents[n]], f"lo-nhip-{n}"))
            return client.wait_for_result(receipt.receipt).documents[0].accepted
        return all(client.look_up(queries))

    with ThreadPoolExecutor(max_workers=8) as pool:  # more threads than the 4 allowed
        outcomes = list(pool.map(job, range(40)))

    assert all(outcomes)
    assert sum(client.metrics.requests.values()) >= 40
    assert client.metrics.max_starts_per_second() <= 10
    assert client.metrics.faults["E_QUA_TAI"] == 0  # the service never had to refuse
    assert client.metrics.total_retries == 0
    assert sandbox.app.store.counts()["transcript"] == len(documents)
