"""Fixtures of the jobs' tests: a configuration with schedules, a clock the test moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import HubConfig, load_config

BASE = """
[ministry]
unit = "SO01"
username = "SO01"

[[sources]]
name = "vnedu"
plugin = "vnedu"

[[sources]]
name = "smas"
plugin = "smas"

[[schedules]]
name = "nightly"
cron = "0 1 * * *"
job = "sync"

[[schedules]]
name = "retry"
cron = "30 7 * * 1-5"
job = "retry-rejected"
sources = ["smas"]
"""


@pytest.fixture
def config(tmp_path: Path) -> HubConfig:
    """Two sources; `nightly` syncs both at 01:00, `retry` retries smas at 07:30 on weekdays."""
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")
    return load_config(path)


# The generated province, its sandbox and store (tests/pipeline's fixtures), for `hub serve`.
from pipeline.conftest import make_world, province_cache  # noqa: E402, F401
