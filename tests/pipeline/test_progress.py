"""The progress bars never count past their totals, resumed work included ("sent 500/192")."""

from __future__ import annotations

import io

from rich.console import Console

from hub.pipeline.progress import SyncProgress


def _bars(progress: SyncProgress) -> dict[str, tuple[float, float | None]]:
    inner = progress._progress
    assert inner is not None
    return {
        step: (inner.tasks[task].completed, inner.tasks[task].total)
        for step, task in progress._tasks.items()
    }


def test_a_resumed_run_counts_what_an_earlier_run_left_in_its_totals() -> None:
    console = Console(file=io.StringIO(), force_terminal=False)
    with SyncProgress(True, console) as progress:
        # 500 signed documents of a killed run wait to be sent, 192 more were only to settle;
        # this run reads 64 learners and signs 60 of them.
        progress.resumed(500, 192)
        for _ in range(64):
            progress.advance("read")
        progress.expect("signed", 64)
        progress.signed(64, 60)
        progress.advance("sent", 560)
        progress.advance("settled", 752)
        bars = _bars(progress)
    assert bars["signed"] == (64, 64)
    assert bars["sent"] == (560, 560)
    assert bars["settled"] == (752, 752)
    for completed, total in bars.values():
        assert total is None or completed <= total
