"""The demo's vnEdu school: an API source beside the spreadsheets, when the vnedu plugin is here.

The hub does not import a plugin (import-linter), so the school is made and served through the
plugin's own registered commands, run as child processes of `hub demo`:

    hub vnedu-sim init --out var/demo/vnedu ...     once, while the province is generated
    hub vnedu-sim serve --state var/demo/vnedu --port 0   for the length of the demo's sync

Its roster joins the sector database the sandbox answers from and its PKI's trust files join
the sandbox's trust folder, which var/demo/hub.toml also names as `[trust] folder` (the vendor's
signed documents are verified against it). The simulator's client secret is a throw-away
value, in the environment only (demo.env), never in hub.toml. After the demo,
`hub vnedu-sim serve --demo` serves the same state on `DEMO_VNEDU_PORT`, which hub.toml names.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.errors import UsageError

VNEDU_PLUGIN = "vnedu"
SIM_COMMAND = "vnedu-sim"
SECRET_ENV = "HUB_VNEDU_SECRET"  # noqa: S105 - the variable's name
DEMO_VNEDU_PORT = 8766
"""Where `hub vnedu-sim serve --demo` listens, and so the base_url var/demo/hub.toml names."""
STATE = "vnedu"  # the simulator's state folder, under var/demo
FAULTS = "vnedu-faults.toml"
SOURCE_NAME = "vnedu"
SCHOOL = {"learners": 8, "seed": 3, "unsigned_share": 0.3}
"""One small school, fast to make: a seed whose learners show every vnEdu outcome (accepted,
awaiting the vendor's signatures, a signed document that differs from the data)."""
FAULT_PLAN = "[documents]\nwrong_content = 0.15  # validly signed, a score not the data's\n"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class VneduSchool:
    """What `add_school` made."""

    state_dir: Path
    faults: Path
    learners: int
    schools: dict[str, str]  # MaTruong → TenTruong
    client_id: str = "hub-test"


def available() -> bool:
    """Whether the vnedu plugin is installed and loads, with its source and its simulator."""
    from hub.plugins import load_plugins

    registry = load_plugins()
    return SIM_COMMAND in registry.commands and VNEDU_PLUGIN in registry.sources


def _hub_command() -> list[str]:
    """The `hub` of this interpreter: the script beside it, else the module's entry point."""
    script = Path(sys.executable).parent / "hub"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from hub.cli import main; main()"]


def _child_env(secret: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HUB_LOAD_PLUGINS", None)  # the child needs the plugin whatever the shell selects
    if secret is not None:
        env[SECRET_ENV] = secret
    return env


class SchoolInit:
    """`hub vnedu-sim init` running beside the province's generation (it is mostly key making).

    It writes into a folder beside var/demo (which the province's generation makes anew);
    `finish` waits for it and moves the state to var/demo/vnedu. A `with` block stops the child
    and removes the folder if the demo ends before `finish`.
    """

    def __init__(self, directory: Path, school_year: str) -> None:
        self.directory = directory
        self.scratch = directory.parent / f".{directory.name}-{STATE}"
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.child = subprocess.Popen(
            [
                *_hub_command(),
                SIM_COMMAND,
                "init",
                "--out",
                str(self.scratch),
                "--schools",
                "1",
                "--learners-per-school",
                str(SCHOOL["learners"]),
                "--seed",
                str(SCHOOL["seed"]),
                "--unsigned-share",
                str(SCHOOL["unsigned_share"]),
                "--exempt-share",
                "0",
                "--foreign-share",
                "0",
                "--year",
                school_year,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )

    def __enter__(self) -> SchoolInit:
        return self

    def __exit__(self, *exc: object) -> None:
        _stop(self.child)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def finish(self, roster_path: Path, trust_dir: Path) -> VneduSchool:
        """Wait for the school; merge its roster and trust files into the province's.

        Raises:
            UsageError: `init` failed (its message).
        """
        try:
            _, errors = self.child.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            errors = "timeout"
        if self.child.returncode != 0:
            told = (errors or "").strip()
            raise UsageError(
                f"Không tạo được trường vnEdu của demo: {told}",
                f"Could not make the demo's vnEdu school: {told}",
            )
        state = self.directory / STATE
        shutil.move(self.scratch, state)
        rows = json.loads(roster_path.read_text(encoding="utf-8"))
        rows += json.loads((state / "roster.json").read_text(encoding="utf-8"))
        roster_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        for path in sorted((state / "trust").iterdir()):
            shutil.copyfile(path, trust_dir / f"vnedu-{path.name}")
        faults = self.directory / FAULTS
        faults.write_text(FAULT_PLAN, encoding="utf-8")
        summary = json.loads((state / "state.json").read_text(encoding="utf-8"))
        schools = {s["ma_truong"]: s["ten_truong"] for s in summary["schools"]}
        return VneduSchool(
            state, faults, int(summary["learners"]), schools, str(summary["client_id"])
        )


def config_text(school_year: str, client_id: str) -> str:
    """var/demo/hub.toml's vnEdu source (at the port `serve --demo` takes) and trust folder."""
    return (
        "[[sources]]\n"
        f'name = "{SOURCE_NAME}"\n'
        f'plugin = "{VNEDU_PLUGIN}"\n'
        f'options = {{ base_url = "http://127.0.0.1:{DEMO_VNEDU_PORT}", client_id = '
        f'"{client_id}", client_secret_env = "{SECRET_ENV}", years = ["{school_year}"] }}\n'
        "\n"
        "[trust]  # the vendor's signed documents are verified against it (and the sandbox's)\n"
        'folder = "trust"\n'
    )


def marker_entry(school: VneduSchool, directory: Path) -> dict[str, object]:
    """demo.json's "vnedu" entry, read by `hub vnedu-sim serve --demo`."""
    return {
        "state": str(school.state_dir.relative_to(directory)),
        "port": DEMO_VNEDU_PORT,
        "faults": str(school.faults.relative_to(directory)),
    }


def _lines(stream: object, into: queue.Queue[str | None]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        into.put(line)
    into.put(None)


class Simulator:
    """`hub vnedu-sim serve` started as a child process; `url()` waits until it listens."""

    def __init__(self, child: subprocess.Popen[str]) -> None:
        self.child = child
        self._url: str | None = None

    def url(self) -> str:
        """Its base URL, once it says it is ready.

        Raises:
            UsageError: it exited or did not say it was ready within START_TIMEOUT.
        """
        if self._url is None:
            self._url = _wait_ready(self.child)
        return self._url


@contextmanager
def serving(school: VneduSchool, secret: str) -> Iterator[Simulator]:
    """`hub vnedu-sim serve` on a free loopback port, as a child process started now.

    The child is stopped on the way out, whatever ends the block (an error, Ctrl-C).
    """
    child = subprocess.Popen(
        [
            *_hub_command(),
            SIM_COMMAND,
            "serve",
            "--state",
            str(school.state_dir),
            "--port",
            "0",
            "--faults",
            str(school.faults),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_child_env(secret),
    )
    try:
        yield Simulator(child)
    finally:
        _stop(child)


def _wait_ready(child: subprocess.Popen[str]) -> str:
    """The base URL the simulator prints, once it prints its ready line."""
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    said: list[str] = []
    url = None
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        said.append(line.rstrip())
        if line.startswith("vnEdu simulator: "):
            url = line.split()[2]
        elif line.startswith("ready") and url is not None:
            return url
    told = " / ".join(said[-3:]) or "-"
    raise UsageError(
        f"Mô phỏng vnEdu của demo không khởi động được: {told}",
        f"The demo's vnEdu simulator did not start: {told}",
    )


def _stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGINT)  # uvicorn's orderly shutdown
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()
