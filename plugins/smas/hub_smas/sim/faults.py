"""The simulator's fault plan: what goes wrong, how often, drawn from a seed.

    {"error_rate": 0.2, "slow_rate": 0.05, "slow_seconds": 0.2, "malformed_rate": 0.05,
     "failing_classes": [1203], "clock_offset": 0, "seed": 1}

Each request draws once: a 500 (`error_rate`), else a malformed body (`malformed_rate`: a
200 whose JSON is cut short), else a slow answer (`slow_rate`, `slow_seconds` late). A class
in `failing_classes` answers 500 to every markbook request (its class list still answers:
the adapter must report each of its pupils and go on). `clock_offset` shifts the
server's clock (seconds), to test the clock window.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class FaultPlan:
    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.2
    malformed_rate: float = 0.0
    failing_classes: frozenset[int] = frozenset()
    clock_offset: int = 0
    seed: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        return cls(
            error_rate=float(data.get("error_rate", 0)),
            slow_rate=float(data.get("slow_rate", 0)),
            slow_seconds=float(data.get("slow_seconds", 0.2)),
            malformed_rate=float(data.get("malformed_rate", 0)),
            failing_classes=frozenset(int(c) for c in data.get("failing_classes", ())),
            clock_offset=int(data.get("clock_offset", 0)),
            seed=int(data.get("seed", 1)),
        )

    @classmethod
    def load(cls, path: Path) -> FaultPlan:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def draw(self) -> str | None:
        """ "error", "malformed", "slow" or None for this request."""
        with self._lock:
            roll = self._rng.random()
        if roll < self.error_rate:
            return "error"
        roll -= self.error_rate
        if roll < self.malformed_rate:
            return "malformed"
        roll -= self.malformed_rate
        if roll < self.slow_rate:
            return "slow"
        return None
