"""Where `hub demo` left its state (var/demo/demo.json), for the commands that serve it after.

`hub demo` writes demo.json into its folder: the sandbox's account and port, and an entry per
vendor simulator it ran ("vnedu", "smas": the simulator's folder, port and fault plan, paths
relative to that folder). `hub sandbox serve --demo`, `hub vnedu-sim serve --demo` and
`hub smas-sim serve --demo` find it the same way, here: in $HUB_CONFIG's folder (which
`. var/demo/demo.env` sets), else in ./var/demo. Plugins reach `demo_entry` through
hub.testing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hub.errors import UsageError

MARKER = "demo.json"


def demo_folder() -> tuple[Path, dict[str, Any]]:
    """The folder `hub demo` wrote and its demo.json.

    Raises:
        UsageError: no demo was run here.
    """
    candidates = []
    if os.environ.get("HUB_CONFIG"):
        candidates.append(Path(os.environ["HUB_CONFIG"]).resolve().parent)
    candidates.append(Path("var/demo").resolve())
    for folder in candidates:
        if (folder / MARKER).is_file():
            return folder, json.loads((folder / MARKER).read_text(encoding="utf-8"))
    shown = ", ".join(str(c) for c in candidates)
    raise UsageError(
        f"Không thấy dữ liệu của `hub demo` ({shown}); chạy `make demo` trước.",
        f"No `hub demo` state found ({shown}); run `make demo` first.",
    )


def demo_entry(key: str, plugin: str) -> tuple[Path, dict[str, Any]]:
    """The demo's folder and its `key` entry (a vendor simulator's), which `plugin` made.

    Raises:
        UsageError: no demo was run here, or it ran without `plugin`.
    """
    folder, marker = demo_folder()
    entry = marker.get(key)
    if not isinstance(entry, dict):
        raise UsageError(
            f"{folder / MARKER}: `hub demo` đã chạy khi chưa cài plugin {plugin}; chạy lại "
            f"`make demo`.",
            f"{folder / MARKER}: `hub demo` ran without the {plugin} plugin; run `make demo` "
            f"again.",
        )
    return folder, entry
