"""The client's side of the limits: pacing under 10 requests/s, 4 at a time, and counters.

The ministry refuses a client over its limits with E_QUA_TAI; a client that keeps to them
never pays ThuLaiSau. `Pacer` spaces request starts at least 1/rate apart, measured on the
actual send times, so any one-second window holds at most `rate` starts whatever the threads
do. `ClientMetrics` counts every attempt, retry and fault, for tests, logs and the bench.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field


class Pacer:
    """Spaces request starts at least 1/rate seconds apart; shared by threads.

    Args:
        rate: request starts per second (the ministry's limit is 10).
        clock: monotonic seconds.
        sleep: how to wait (tests pass a fake).
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self) -> float:
        """Block until this request may start; return its start time (monotonic seconds)."""
        with self._lock:
            now = self._clock()
            if self._last is not None and now < self._last + self.interval:
                self._sleep(self._last + self.interval - now)
                now = max(self._clock(), self._last + self.interval)
            self._last = now
            return now


@dataclass
class ClientMetrics:
    """What the client did, counted; thread-safe. Tests and the bench read it.

    Attributes:
        requests: HTTP attempts by operation (every retry and poll is an attempt).
        retries: retries by cause: the fault code (E_QUA_TAI, E_BAO_TRI), HTTP_5xx, NETWORK.
        faults: every fault received, by MaLoi (retried or not).
        polls: TraCuuKetQua calls made while waiting for a result.
        gave_up: calls abandoned when the retry policy ran out.
        sent_at: monotonic start time of each attempt (the last 100,000).
    """

    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    polls: int = 0
    gave_up: int = 0
    sent_at: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def total_retries(self) -> int:
        return sum(self.retries.values())

    def sent(self, operation: str, at: float) -> None:
        with self._lock:
            self.requests[operation] += 1
            self.sent_at.append(at)

    def retried(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def fault(self, code: str) -> None:
        with self._lock:
            self.faults[code] += 1

    def polled(self) -> None:
        with self._lock:
            self.polls += 1

    def abandoned(self) -> None:
        with self._lock:
            self.gave_up += 1

    def max_starts_per_second(self) -> int:
        """The most attempts started within any one-second window (half-open)."""
        times = sorted(self.sent_at)
        best, first = 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 1.0:
                first += 1
            best = max(best, last - first + 1)
        return best
