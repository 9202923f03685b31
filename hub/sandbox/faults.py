"""Fault injection: the failures a test asks the sandbox to make, deterministic with a seed.

A plan is plain JSON, the same whether it comes from `hub sandbox serve --faults FILE` or from
`PUT /admin/faults`:

    {"seed": 7,
     "rate_limit": {"rate": 2, "concurrent": 1},          tighter limits per account
     "maintenance": [{"seconds": 3}],                      503 E_BAO_TRI, ThuLaiSau to the end
     "latency": {"seconds": 0.5, "count": 3},              slow answers
     "drop": {"fraction": 0.2},                            close the connection, no answer
     "error_after_store": {"count": 1, "status": 500},     store the submission, then fail
     "reject": {"fraction": 0.1, "code": "HB104"}}         reject a share of accepted documents

A `seconds` maintenance window opens when the plan is set, or, given `from_request: N`, when
the N-th SOAP request after that arrives.

Each request-level fault fires on a request of a listed operation (all by default) when a draw
from the seeded generator falls under `fraction` and its `count` (if given) is not used up.
Which documents `reject` picks depends only on the seed and the document's MaHoSo, not on
timing, order or signing time, so a test can predict it and a resend meets the same fate.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.ministry.contract import DOCUMENT_CODES, OPERATIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class Trigger(_Strict):
    """When a request-level fault fires: a share of requests, at most `count` times."""

    fraction: Fraction = 1.0
    count: Annotated[int, Field(ge=0)] | None = None
    operations: list[str] | None = None

    @model_validator(mode="after")
    def _known_operations(self) -> Trigger:
        unknown = set(self.operations or ()) - set(OPERATIONS)
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)}; known: {list(OPERATIONS)}")
        return self


class Latency(Trigger):
    seconds: Annotated[float, Field(ge=0.0, le=600.0)]


class ErrorAfterStore(Trigger):
    status: Annotated[int, Field(ge=500, le=599)] = 500


class RateLimit(_Strict):
    rate: Annotated[float, Field(gt=0.0)]
    concurrent: Annotated[int, Field(ge=1)] = 4


class Window(_Strict):
    """A maintenance window: `start`..`end` (UTC), or `seconds` long.

    A `seconds` window opens when the plan is set, or, with `from_request`, when the sandbox
    receives that many-th SOAP request after it: a test then meets the window in the middle of
    its work however long its own set-up took (a clock-anchored window can close before the
    first request on a slow machine).
    """

    start: datetime | None = None
    end: datetime | None = None
    seconds: Annotated[float, Field(gt=0.0)] | None = None
    from_request: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Window:
        if (self.seconds is None) == (self.start is None or self.end is None):
            raise ValueError("give either start and end, or seconds")
        if self.from_request is not None and self.seconds is None:
            raise ValueError("from_request goes with seconds, not with start and end")
        for value in (self.start, self.end):
            if value is not None and value.tzinfo is None:
                raise ValueError("start and end need a UTC offset")
        return self

    def anchored(self, now: datetime) -> tuple[datetime, datetime]:
        """The window as two instants, `seconds` counted from `now`."""
        if self.seconds is not None:
            return now, now + timedelta(seconds=self.seconds)
        assert self.start is not None
        assert self.end is not None
        return self.start, self.end


class Reject(_Strict):
    fraction: Fraction
    code: str

    @model_validator(mode="after")
    def _known_code(self) -> Reject:
        if self.code not in DOCUMENT_CODES:
            raise ValueError(f"code must be one of {list(DOCUMENT_CODES)}")
        return self


class FaultPlan(_Strict):
    """What to break; an empty plan breaks nothing."""

    seed: int = 0
    rate_limit: RateLimit | None = None
    maintenance: list[Window] = []
    latency: Latency | None = None
    drop: Trigger | None = None
    error_after_store: ErrorAfterStore | None = None
    reject: Reject | None = None


class FaultInjector:
    """The live state of a plan: its random generator, remaining counts and what fired.

    Thread-safe: the app asks from the event loop and the document worker from its thread.
    """

    def __init__(self, plan: FaultPlan | None = None, now: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self.fired: dict[str, int] = {}
        self.set_plan(plan or FaultPlan(), now)

    def set_plan(self, plan: FaultPlan, now: datetime | None = None) -> None:
        """Replace the plan; relative maintenance windows start `now`."""
        now = now or datetime.now(UTC)
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)
            self._windows = [w.anchored(now) for w in plan.maintenance if w.from_request is None]
            self._requests = 0
            self._remaining: dict[str, int | None] = {
                "latency": plan.latency.count if plan.latency else None,
                "drop": plan.drop.count if plan.drop else None,
                "error_after_store": (
                    plan.error_after_store.count if plan.error_after_store else None
                ),
            }
            self.fired = {}

    def maintenance_retry_after(self, now: datetime) -> int | None:
        """ThuLaiSau when `now` is inside a maintenance window, else None.

        Asked once per SOAP request, so it also counts them for `from_request` windows.
        """
        with self._lock:
            self._requests += 1
            self._windows.extend(
                w.anchored(now) for w in self.plan.maintenance if w.from_request == self._requests
            )
            ends = [end for start, end in self._windows if start <= now < end]
        if not ends:
            return None
        self._count("maintenance")
        return max(1, math.ceil((max(ends) - now).total_seconds()))

    def latency(self, operation: str) -> float:
        """Seconds to wait before answering `operation` (0 when the fault does not fire)."""
        plan = self.plan.latency
        return plan.seconds if plan and self._fires("latency", plan, operation) else 0.0

    def drop(self, operation: str) -> bool:
        """Whether to close this request's connection without an answer."""
        plan = self.plan.drop
        return plan is not None and self._fires("drop", plan, operation)

    def error_after_store(self, operation: str) -> int | None:
        """The HTTP status to answer with after the work was stored, or None."""
        plan = self.plan.error_after_store
        if plan is not None and self._fires("error_after_store", plan, operation):
            return plan.status
        return None

    def rejection(self, ma_ho_so: str) -> str | None:
        """The code to reject this (otherwise accepted) document with, or None."""
        plan = self.plan.reject
        if plan is None:
            return None
        seed = f"{self.plan.seed}\0{ma_ho_so}".encode()
        draw = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64
        if draw >= plan.fraction:
            return None
        self._count("reject")
        return plan.code

    def snapshot(self) -> dict[str, Any]:
        """The plan and what fired so far (for GET /admin/faults)."""
        with self._lock:
            return {"plan": self.plan.model_dump(mode="json"), "fired": dict(self.fired)}

    def _fires(self, name: str, trigger: Trigger, operation: str) -> bool:
        if trigger.operations is not None and operation not in trigger.operations:
            return False
        with self._lock:
            remaining = self._remaining.get(name)
            if remaining is not None and remaining <= 0:
                return False
            if self._rng.random() >= trigger.fraction:
                return False
            if remaining is not None:
                self._remaining[name] = remaining - 1
            self.fired[name] = self.fired.get(name, 0) + 1
        return True

    def _count(self, name: str) -> None:
        with self._lock:
            self.fired[name] = self.fired.get(name, 0) + 1
