"""The demo's vendor simulators as child processes: started, awaited, and always stopped.

The hub does not import a plugin (import-linter), so `hub demo` drives each vendor plugin's
simulator through the command the plugin registers (`hub vnedu-sim`, `hub smas-sim`), run as a
child process of this interpreter's `hub`. Two kinds of child:

- `Making`: the simulator's `init`, started at once so it runs beside the province's
  generation, into a scratch folder beside var/demo (which the generation makes anew);
  `wait()` waits for it. A `with` block stops it and removes the scratch folder if the demo
  ends first.
- `serving(...)`: the simulator's `serve` on a free loopback port; `Simulator.url()` waits
  for the line that names its address, then its ready line.

Whatever ends the block (an error, Ctrl-C, SIGTERM turned into StopRequested by `hub demo`),
the child is stopped on the way out: no simulator outlives the demo.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from hub.errors import UsageError

START_TIMEOUT = 60.0
INIT_TIMEOUT = 300.0


def available(command: str, source: str) -> bool:
    """Whether a plugin is installed and loads, with its `source` kind and its `command`."""
    from hub.plugins import load_plugins

    registry = load_plugins()
    return command in registry.commands and source in registry.sources


def hub_command() -> list[str]:
    """The `hub` of this interpreter: the script beside it, else the module's entry point."""
    script = Path(sys.executable).parent / "hub"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from hub.cli import main; main()"]


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HUB_LOAD_PLUGINS", None)  # the child needs the plugin whatever the shell selects
    env.update(extra or {})
    return env


class Making:
    """A simulator's `init` into `scratch`, running beside the rest of the demo's making."""

    def __init__(self, scratch: Path, argv: Sequence[str], what_vi: str, what_en: str) -> None:
        self.scratch = scratch
        self.what = (what_vi, what_en)
        shutil.rmtree(scratch, ignore_errors=True)
        self.child = subprocess.Popen(
            [*hub_command(), *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.child)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def wait(self) -> Path:
        """The scratch folder, once `init` has written it.

        Raises:
            UsageError: `init` failed (its message) or took longer than INIT_TIMEOUT.
        """
        try:
            _, errors = self.child.communicate(timeout=INIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            errors = "timeout"
        if self.child.returncode != 0:
            told = (errors or "").strip()
            raise UsageError(
                f"Không tạo được {self.what[0]} của demo: {told}",
                f"Could not make the demo's {self.what[1]}: {told}",
            )
        return self.scratch


class Simulator:
    """A simulator's `serve` started as a child process; `url()` waits until it listens."""

    def __init__(self, child: subprocess.Popen[str], prefix: str, what: str) -> None:
        self.child = child
        self.prefix = prefix
        self.what = what
        self._url: str | None = None

    def url(self) -> str:
        """Its base URL, once it says it is ready.

        Raises:
            UsageError: it exited or did not say it was ready within START_TIMEOUT.
        """
        if self._url is None:
            self._url = _wait_ready(self.child, self.prefix, self.what)
        return self._url


@contextmanager
def serving(
    argv: Sequence[str], *, prefix: str, what: str, env: Mapping[str, str] | None = None
) -> Iterator[Simulator]:
    """`hub <argv>` as a child process started now; it prints `<prefix><url> …`, then a
    line starting "ready". The child is stopped on the way out, whatever ends the block."""
    child = subprocess.Popen(
        [*hub_command(), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=child_env(env),
    )
    try:
        yield Simulator(child, prefix, what)
    finally:
        stop(child)


def _lines(stream: object, into: queue.Queue[str | None]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        into.put(line)
    into.put(None)


def _wait_ready(child: subprocess.Popen[str], prefix: str, what: str) -> str:
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
        if line.startswith(prefix):
            url = line[len(prefix) :].split()[0]
        elif line.startswith("ready") and url is not None:
            return url
    told = " / ".join(said[-3:]) or "-"
    raise UsageError(
        f"Mô phỏng {what} của demo không khởi động được: {told}",
        f"The demo's {what} simulator did not start: {told}",
    )


def stop(child: subprocess.Popen[str]) -> None:
    """Stop `child` (SIGINT: uvicorn's orderly shutdown; SIGKILL after 10 s) and close its pipes."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()
