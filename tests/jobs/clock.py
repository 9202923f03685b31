"""A clock the tests move by hand, and APScheduler 3 made to read it.

APScheduler 3 takes no clock: its scheduler and its executors call `datetime.now`. Patching the
`datetime` those two modules see is the narrowest way to drive its real timing (due jobs,
coalescing, misfire grace) from a test without waiting for the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest


class FakeClock:
    """Now, in UTC, as the test sets it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)


def drive_apscheduler(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    class Clocked(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            moment = clock()
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", Clocked)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", Clocked)
