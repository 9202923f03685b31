"""A small client of the simulator for the tests, and the control endpoints' readers."""

from __future__ import annotations

import time
from typing import Any

import httpx

SECRET = "sim-test-secret"
YEAR = "2024-2025"


class Api:
    """A small client: a token, then GETs with the bearer header."""

    def __init__(self, base_url: str, client_id: str = "hub-test") -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.client_id = client_id
        self.token = ""

    def login(self) -> str:
        answer = self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": SECRET,
            },
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]
        return self.token

    def get(self, path: str, **params: Any) -> httpx.Response:
        params.setdefault("nam_hoc", YEAR)
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.http.get(path, params=params, headers=headers)

    def all_items(self, school: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
        """Every item of a school's cursor pages, and how many pages it took."""
        items: list[dict[str, Any]] = []
        cursor = None
        pages = 0
        while True:
            query = dict(params)
            if cursor:
                query["cursor"] = cursor
            answer = self.get(f"/v2/schools/{school}/students", **query)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            items += body["items"]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                return items, pages

    def close(self) -> None:
        self.http.close()


def learners(base_url: str) -> list[dict[str, str]]:
    """The control endpoint's list: each learner's school, updated_at and document state."""
    answer = httpx.get(f"{base_url}/_sim/learners", timeout=10)
    assert answer.status_code == 200
    rows: list[dict[str, str]] = answer.json()["items"]
    return rows


def wait_until(moment: float) -> None:
    while time.monotonic() < moment:
        time.sleep(0.01)
