"""Seeded faults from a plan file: what goes wrong with which request, reproducibly.

    # faults.toml
    seed = 7
    share = 0.2                  # of API requests, each failing in one of `kinds`
    kinds = ["server-error", "slow", "truncated", "malformed-json", "expired-token"]
    slow_seconds = 1.5           # how long a slow answer waits (then answers correctly)

    [documents]                  # per learner, for signed documents
    bad_signature = 0.05         # a byte of the seal's signature value flipped (HB004)
    wrong_content = 0.05         # validly signed, but a score differs from the data

A request's fate is drawn from (seed, the request's number since the start), so one run of
requests meets the same faults every time, yet a retried request is a new number and can
succeed: no request fails forever. A learner's document fault is drawn from (seed, vnedu_id),
so it is the same learner every time. The token endpoint never gets "expired-token" nor the
XML endpoint "malformed-json": each gets a server error instead.
"""

from __future__ import annotations

import random
import threading
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from hub.api import UsageError


class Fault(StrEnum):
    """What can go wrong with one request."""

    SERVER_ERROR = "server-error"  # 500
    SLOW = "slow"  # the answer waits slow_seconds
    TRUNCATED = "truncated"  # the body stops halfway and the connection closes
    MALFORMED_JSON = "malformed-json"  # 200 with a body that is not JSON
    EXPIRED_TOKEN = "expired-token"  # noqa: S105 -- 401: the token is revoked before its time


class DocumentFault(StrEnum):
    """What can be wrong with one learner's signed document."""

    BAD_SIGNATURE = "bad-signature"
    WRONG_CONTENT = "wrong-content"


@dataclass(frozen=True)
class FaultPlan:
    """The faults to inject (none by default)."""

    seed: int = 0
    share: float = 0.0
    kinds: tuple[Fault, ...] = tuple(Fault)
    slow_seconds: float = 1.0
    bad_signature: float = 0.0
    wrong_content: float = 0.0

    @classmethod
    def from_toml(cls, path: Path) -> FaultPlan:
        """Read a plan file.

        Raises:
            UsageError: unreadable, not TOML, or a value out of range (named).
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(
                f"{path}: không đọc được kế hoạch lỗi ({exc.strerror}).",
                f"{path}: cannot read the fault plan ({exc.strerror}).",
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(
                f"{path}: không phải TOML: {exc}.", f"{path}: not TOML: {exc}."
            ) from None
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "faults") -> FaultPlan:
        documents = data.get("documents", {})
        try:
            kinds = tuple(Fault(k) for k in data.get("kinds", [k.value for k in Fault]))
        except ValueError:
            known = ", ".join(k.value for k in Fault)
            raise UsageError(
                f"{where}: kinds chỉ gồm {known}.", f"{where}: kinds must be among {known}."
            ) from None
        plan = cls(
            seed=int(data.get("seed", 0)),
            share=float(data.get("share", 0.0)),
            kinds=kinds,
            slow_seconds=float(data.get("slow_seconds", 1.0)),
            bad_signature=float(documents.get("bad_signature", 0.0)),
            wrong_content=float(documents.get("wrong_content", 0.0)),
        )
        for name, value in (
            ("share", plan.share),
            ("documents.bad_signature", plan.bad_signature),
            ("documents.wrong_content", plan.wrong_content),
        ):
            if not 0.0 <= value <= 1.0:
                raise UsageError(
                    f"{where}: {name} = {value}, cần trong khoảng 0..1.",
                    f"{where}: {name} = {value}; expected 0..1.",
                )
        if plan.bad_signature + plan.wrong_content > 1.0 or plan.slow_seconds < 0:
            raise UsageError(
                f"{where}: tổng tỉ lệ lỗi tài liệu vượt 1, hoặc slow_seconds âm.",
                f"{where}: the document fault shares add up to more than 1, or slow_seconds < 0.",
            )
        return plan


@dataclass
class FaultInjector:
    """Draws each request's fault from the plan; counts what it injected."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def draw(self, *, xml: bool = False, token_endpoint: bool = False) -> Fault | None:
        """The fault of the next request, or None."""
        with self._lock:
            self._counter += 1
            number = self._counter
        if self.plan.share <= 0 or not self.plan.kinds:
            return None
        rng = random.Random(f"{self.plan.seed}:request:{number}")
        if rng.random() >= self.plan.share:
            return None
        fault = rng.choice(self.plan.kinds)
        if (fault is Fault.MALFORMED_JSON and xml) or (
            fault is Fault.EXPIRED_TOKEN and token_endpoint
        ):
            return Fault.SERVER_ERROR
        return fault

    def document_fault(self, key: str) -> DocumentFault | None:
        """The fault of learner `key`'s signed document, the same on every call."""
        roll = random.Random(f"{self.plan.seed}:document:{key}").random()
        if roll < self.plan.bad_signature:
            return DocumentFault.BAD_SIGNATURE
        if roll < self.plan.bad_signature + self.plan.wrong_content:
            return DocumentFault.WRONG_CONTENT
        return None
