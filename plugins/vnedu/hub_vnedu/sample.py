"""The sample the conformance kit reads: the plugin's simulator serving a small generated school.

`sample_case(folder)` generates a simulator state in `folder` (one lower secondary school,
a quarter of its learners still unsigned), serves it on 127.0.0.1 for the test class, and
stops it after the class's last test. The simulator accepts the kit's canary as the client
secret (every secret variable of a kit's read is set to `hub.testing.CANARY`).

The simulator is hub_vnedu.sim (`running_simulator`, `init_state`); it is imported when a
sample is made, so that the plugin itself never depends on it.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub.testing import CANARY, SampleCase
from hub_vnedu.client import VneduClient
from hub_vnedu.config import settings_of
from hub_vnedu.record import students_path

SECRET_ENV = "HUB_VNEDU_SECRET"  # noqa: S105 - the name of a variable, not a secret
CLIENT_ID = "hub-conformance"
YEAR = "2024-2025"


def future_cursor(schools: list[str], year: str = YEAR) -> str:
    """A cursor far ahead of any vnEdu clock, for each of `schools`."""
    ahead = "2999-01-01T00:00:00+00:00"
    return json.dumps({"version": 1, "since": {year: dict.fromkeys(schools, ahead)}})


def listed(config: dict[str, Any]) -> tuple[list[str], int]:
    """The schools the server lists and how many learners they hold (read as the adapter
    reads them), so the sample's numbers come from the server, not from its generator."""
    saved = os.environ.get(SECRET_ENV)
    os.environ[SECRET_ENV] = CANARY
    try:
        with VneduClient(settings_of(config)) as client:
            items = client.get_json("/v2/schools", {"nam_hoc": YEAR}).body["items"]
            schools = [str(i["ma_truong"]) for i in items]
            count = 0
            for school in schools:
                cursor: str | None = None
                while True:
                    query = {"nam_hoc": YEAR, "limit": "200"}
                    if cursor:
                        query["cursor"] = cursor
                    page = client.get_json(students_path(school), query).body
                    count += len(page["items"])
                    cursor = page.get("next_cursor")
                    if not cursor:
                        break
    finally:
        if saved is None:
            os.environ.pop(SECRET_ENV, None)
        else:
            os.environ[SECRET_ENV] = saved
    return schools, count


def sample_case(folder: Path) -> Iterator[SampleCase]:
    """One generated lower secondary school of 8 learners, served by the simulator."""
    sim: Any = importlib.import_module("hub_vnedu.sim")
    state = folder / "vnedu-state"
    sim.init_state(
        state,
        sim.InitSettings(
            schools=1, learners_per_school=8, seed=7, unsigned_share=0.25, client_id=CLIENT_ID
        ),
    )
    with sim.running_simulator(state, client_secret=CANARY, client_id=CLIENT_ID) as running:
        config = {
            "base_url": running.base_url,
            "client_id": CLIENT_ID,
            "client_secret_env": SECRET_ENV,
            "years": [YEAR],
        }
        schools, rows_in = listed(config)
        yield SampleCase(config=config, rows_in=rows_in, future_cursor=future_cursor(schools))
