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
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.cli import demo_children
from hub.cli.demo_children import Making, Simulator
from hub.cli.demo_province import Province

__all__ = ["SchoolInit", "Simulator", "VneduSchool", "available", "serving"]

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
    return demo_children.available(SIM_COMMAND, VNEDU_PLUGIN)


class SchoolInit(Making):
    """`hub vnedu-sim init` running beside the province's generation (it is mostly key making).

    It writes into a folder beside var/demo (which the province's generation makes anew);
    `finish` waits for it and moves the state to var/demo/vnedu. A `with` block stops the child
    and removes the folder if the demo ends before `finish`.
    """

    def __init__(self, directory: Path, school_year: str) -> None:
        self.directory = directory
        scratch = directory.parent / f".{directory.name}-{STATE}"
        super().__init__(
            scratch,
            [
                SIM_COMMAND,
                "init",
                "--out",
                str(scratch),
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
            "trường vnEdu",
            "vnEdu school",
        )

    def finish(self, province: Province, school_year: str) -> VneduSchool:
        """Wait for the school; merge its roster and trust files into the province's, its
        source and trust folder into hub.toml.

        Raises:
            UsageError: `init` failed (its message).
        """
        state = self.directory / STATE
        shutil.move(self.wait(), state)
        province.enrol(state / "roster.json")
        for path in sorted((state / "trust").iterdir()):
            shutil.copyfile(path, province.trust_dir / f"vnedu-{path.name}")
        faults = self.directory / FAULTS
        faults.write_text(FAULT_PLAN, encoding="utf-8")
        summary = json.loads((state / "state.json").read_text(encoding="utf-8"))
        schools = {s["ma_truong"]: s["ten_truong"] for s in summary["schools"]}
        province.configure(config_text(school_year, str(summary["client_id"])))
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


@contextmanager
def serving(school: VneduSchool, secret: str) -> Iterator[Simulator]:
    """`hub vnedu-sim serve` on a free loopback port, as a child process started now.

    The child is stopped on the way out, whatever ends the block (an error, Ctrl-C).
    """
    argv = [SIM_COMMAND, "serve", "--state", str(school.state_dir), "--port", "0"]
    with demo_children.serving(
        [*argv, "--faults", str(school.faults)],
        prefix="vnEdu simulator: ",
        what="vnEdu",
        env={SECRET_ENV: secret},
    ) as simulator:
        yield simulator
