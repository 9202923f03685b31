"""Filters and plugin choices that match nothing are usage errors (exit 2), not "read 0"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import exits

from .conftest import World, province_settings


def _hub_sync(world: World, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    hub = Path(sys.executable).parent / "hub"
    return subprocess.run(
        [str(hub), "sync", "--config", str(world.province.config_path), "--quiet", *args],
        env={**world.env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--school", "99999999"), "--school 99999999"),
        (("--year", "2031-2032"), "--year 2031-2032"),
        (("--year", "2024"), "YYYY-YYYY"),
        (("--year", "2024-2026"), "first + 1"),
        (("--school", "1234"), "8"),
    ],
    ids=["unknown-school", "unknown-year", "year-shape", "year-order", "school-shape"],
)
def test_a_filter_matching_nothing_is_a_usage_error(
    make_world, args: tuple[str, ...], said: str
) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(36, seed=51))
    done = _hub_sync(world, *args)
    assert done.returncode == exits.USAGE, done.stdout + done.stderr
    assert said in done.stderr
    assert world.sandbox_rows("SELECT count(*) FROM document") == [(0,)]


def test_plugins_that_are_not_installed_are_a_usage_error(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(36, seed=52))
    done = _hub_sync(world, HUB_LOAD_PLUGINS="generic-excel-typo")
    assert done.returncode == exits.USAGE, done.stdout + done.stderr
    assert "generic-excel-typo" in done.stderr
    assert "generic_excel" in done.stderr  # what is installed
