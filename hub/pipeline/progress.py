"""Progress bars for a sync (rich), on stderr, and nothing at all when switched off.

Four counters an operator watches on a long run: learners read, signed, sent and settled.
The number of learners a source holds is not known before it is read, so "read" counts up
without a total. Each other bar's total is what is known to be on its way to that step: the
learners handed to the workers (signed), the learners signed or found signed and waiting from
an earlier run (sent), the documents sent or found sent and waiting for their answer
(settled). A bar therefore never counts past its total, resumed work included.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

_STEPS = (
    ("read", "Đọc nguồn / reading"),
    ("signed", "Kiểm tra, ký / checked, signed"),
    ("sent", "Gửi Bộ / sent"),
    ("settled", "Kết quả / settled"),
)


class SyncProgress:
    """Counters for a sync; `advance(step, n)`. A context manager."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        if enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description:<32}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
                transient=False,
            )
            for step, label in _STEPS:
                self._tasks[step] = self._progress.add_task(label, total=None)

    def __enter__(self) -> SyncProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, step: str, amount: int = 1) -> None:
        """Count `amount` more learners at `step`."""
        if self._progress is None or amount == 0:
            return
        self._progress.advance(self._tasks[step], amount)
        if step == "sent":
            self.expect("settled", amount)

    def expect(self, step: str, amount: int) -> None:
        """`amount` more learners are on their way to `step` (its bar's total grows)."""
        if self._progress is None or amount == 0:
            return
        task = self._progress.tasks[self._tasks[step]]
        self._progress.update(self._tasks[step], total=(task.total or 0) + amount)

    def signed(self, done: int, ok: int) -> None:
        """The workers finished `done` learners, `ok` of them signed (now on their way out)."""
        self.advance("signed", done)
        self.expect("sent", ok)

    def resumed(self, to_send: int, to_settle: int) -> None:
        """An earlier run's learners: `to_send` signed and waiting, `to_settle` sent."""
        self.expect("sent", to_send)
        self.expect("settled", to_settle)
