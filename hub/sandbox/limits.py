"""Per-account request limits: 10 requests per second and 4 at a time.

The rate is a token bucket (rate 10/s, burst 10), the reading API gateways give "10 requests
per second": a client that paces itself at 10/s is never refused whatever the network jitter,
and one that bursts gets at most 10 before it must slow down. Over either limit the answer is
E_QUA_TAI with ThuLaiSau, the whole seconds after which a token is back.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hub.ministry.contract import MAX_CONCURRENT_REQUESTS, MAX_REQUESTS_PER_SECOND, FaultCode
from hub.sandbox.soap import ServiceFault


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


class AccountLimits:
    """Token buckets and in-flight counters, one of each per account; thread-safe.

    Args:
        rate: requests per second per account.
        concurrent: requests at a time per account.
        clock: a monotonic clock in seconds (tests may pass their own).
    """

    def __init__(
        self,
        rate: float = MAX_REQUESTS_PER_SECOND,
        concurrent: int = MAX_CONCURRENT_REQUESTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self._clock = clock
        self.rate = rate
        self.concurrent = concurrent

    def configure(self, rate: float, concurrent: int) -> None:
        """Change the limits (fault injection tightens them); buckets keep their state."""
        with self._lock:
            self.rate = rate
            self.concurrent = concurrent
            for bucket in self._buckets.values():
                bucket.tokens = min(bucket.tokens, self._burst)

    @property
    def _burst(self) -> float:
        return max(1.0, self.rate)

    @contextmanager
    def admit(self, account: str) -> Iterator[None]:
        """Hold one of the account's request slots for the duration of the block.

        Raises:
            ServiceFault: E_QUA_TAI (with ThuLaiSau) over the rate or the concurrency limit.
        """
        with self._lock:
            now = self._clock()
            bucket = self._buckets.setdefault(account, _Bucket(self._burst, now))
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = (1.0 - bucket.tokens) / self.rate
                raise ServiceFault(
                    FaultCode.RATE_LIMITED,
                    f"Vượt giới hạn {self.rate:g} yêu cầu/giây của tài khoản.",
                    retry_after=max(1, math.ceil(wait)),
                )
            if bucket.in_flight >= self.concurrent:
                raise ServiceFault(
                    FaultCode.RATE_LIMITED,
                    f"Vượt giới hạn {self.concurrent} yêu cầu đồng thời của tài khoản.",
                    retry_after=1,
                )
            bucket.tokens -= 1.0
            bucket.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                bucket.in_flight -= 1
