"""Fixtures of the vnEdu adapter's tests: a fake clock, the fake vnEdu, a client over it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hub_vnedu.client import ClientState, VneduClient
from hub_vnedu.config import Settings, settings_of

from .fake import FakeVnedu

SECRET_ENV = "HUB_TEST_VNEDU_SECRET"


class FakeClock:
    """monotonic() and sleep() without waiting: sleep moves the clock, and is recorded."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeVnedu:
    monkeypatch.setenv(SECRET_ENV, "s3cret")
    return FakeVnedu()


def options(**more: Any) -> dict[str, Any]:
    return {
        "base_url": "https://vnedu.example",
        "client_id": "hub-test",
        "client_secret_env": SECRET_ENV,
        "years": ["2024-2025"],
        **more,
    }


ClientMaker = Callable[..., VneduClient]


@pytest.fixture
def make_client(fake: FakeVnedu, clock: FakeClock) -> Iterator[ClientMaker]:
    made: list[VneduClient] = []

    def make(**more: Any) -> VneduClient:
        client = VneduClient(
            settings_of(options(**more)),
            transport=fake.transport(),
            sleep=clock.sleep,
            clock=clock.monotonic,
            jitter=lambda: 0.5,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client_factory(
    fake: FakeVnedu, clock: FakeClock
) -> Callable[[Settings, ClientState], VneduClient]:
    """What a VneduSource builds its clients with: over the fake, on the fake clock."""

    def factory(settings: Settings, state: ClientState) -> VneduClient:
        return VneduClient(
            settings,
            transport=fake.transport(),
            sleep=clock.sleep,
            clock=clock.monotonic,
            jitter=lambda: 0.5,
            state=state,
        )

    return factory
