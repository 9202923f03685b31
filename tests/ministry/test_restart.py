"""The sandbox's state survives a restart: receipts, results, and work left half done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.sandbox import RunningSandbox

from .conftest import make_client
from .world import World

Factory = Callable[..., RunningSandbox]


def test_receipts_and_results_survive_a_restart(
    world: World, make_sandbox: Factory, tmp_path: Path
) -> None:
    state = tmp_path / "kept.db"
    first = make_sandbox(state=state)
    with make_client(first) as client:
        submission = world.submission([world.document(0), world.document(1)], "lo-ben")
        receipt = client.submit(submission)
        before = client.wait_for_result(receipt.receipt)
    first.stop()

    second = make_sandbox(state=state)
    with make_client(second) as client:
        assert client.result(receipt.receipt) == before
        assert client.submit(submission) == receipt  # the batch key is remembered too


def test_work_left_processing_resumes_after_a_restart(
    world: World, make_sandbox: Factory, tmp_path: Path
) -> None:
    state = tmp_path / "half.db"
    slow = make_sandbox(state=state, delay=3600)  # received, never processed in this run
    with make_client(slow) as client:
        receipt = client.submit(world.submission([world.document(2)], "lo-do-dang"))
        assert not client.result(receipt.receipt).done
    slow.stop()

    again = make_sandbox(state=state)
    with make_client(again) as client:
        result = client.wait_for_result(receipt.receipt)
    assert result.documents[0].accepted
