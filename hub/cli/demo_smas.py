"""The demo's SMAS school: the second vendor API beside the spreadsheets and vnEdu, when the
smas plugin is here.

As for vnEdu (hub.cli.demo_vnedu), the hub does not import the plugin: the school is made and
served through the plugin's registered commands, run as child processes of `hub demo`
(hub.cli.demo_children):

    hub smas-sim init var/.demo-smas --level 04 ...   once, while the province is generated
    hub smas-sim serve var/demo/smas --port 0          for the length of the demo's sync

SMAS has no signatures of its own: the hub builds the school's documents and has them signed
as the people they name. So the school gets a test PKI like the province's schools
(pki/<MaTruong>/, its people's certificates from the `people.json` init writes, its trust
files in the sandbox's trust folder, `people@`/`seal@<MaTruong>` providers in hub.toml), and
its learners join the sector database the sandbox answers from. It is an upper-secondary
school (CapHoc 04) so that its codes never meet the province's (primary and lower secondary,
hub.cli.demo) or the vnEdu school's (another province).

The school's keys file (throw-away keys of a generated school) is var/demo/smas-keys.toml,
mode 600, named by HUB_SMAS_KEYS in the environment and demo.env, never in hub.toml. After the
demo, `hub smas-sim serve --demo` serves the same world on `DEMO_SMAS_PORT`, which hub.toml
names.
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
from hub.cli.demo_province import Province, add_school_pki, school_signing_text
from hub.signing.providers.base import Person

SMAS_PLUGIN = "smas"
SIM_COMMAND = "smas-sim"
KEYS_ENV = "HUB_SMAS_KEYS"
KEYS = "smas-keys.toml"  # in var/demo, mode 600
DEMO_SMAS_PORT = 8767
"""Where `hub smas-sim serve --demo` listens, and so the base_url var/demo/hub.toml names."""
WORLD = "smas"  # the simulator's world folder, under var/demo
SOURCE_NAME = "smas"
SCHOOL = {"level": "04", "learners_per_class": 3, "seed": 4, "moved_rate": 0.1}
"""One small school, fast to make (three classes of three): a seed whose pupils show both
SMAS outcomes, accepted (signed by the hub) and moved away (reported, not sent)."""


@dataclass(frozen=True)
class SmasSchool:
    """What `SchoolInit.finish` made."""

    world_dir: Path
    keys: Path
    pupils: int
    schools: dict[str, str]  # MaTruong → TenTruong


def available() -> bool:
    """Whether the smas plugin is installed and loads, with its source and its simulator."""
    return demo_children.available(SIM_COMMAND, SMAS_PLUGIN)


class SchoolInit(Making):
    """`hub smas-sim init` running beside the province's generation.

    It writes into a folder beside var/demo (which the province's generation makes anew);
    `finish` waits for it, moves the world to var/demo/smas and the keys file to var/demo,
    and makes the school's PKI. A `with` block stops the child and removes the folder if the
    demo ends before `finish`.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        scratch = directory.parent / f".{directory.name}-{WORLD}"
        super().__init__(
            scratch,
            [
                SIM_COMMAND,
                "init",
                str(scratch),
                "--level",
                str(SCHOOL["level"]),
                "--learners-per-class",
                str(SCHOOL["learners_per_class"]),
                "--seed",
                str(SCHOOL["seed"]),
                "--moved-rate",
                str(SCHOOL["moved_rate"]),
                "--no-old-year",
            ],
            "trường SMAS",
            "SMAS school",
        )

    def finish(self, province: Province, school_year: str) -> SmasSchool:
        """Wait for the school; merge its roster into the province's, make its test PKI
        (trust files into the province's trust folder), add its source and signing
        providers to hub.toml.

        Raises:
            UsageError: `init` failed (its message).
        """
        world = self.directory / WORLD
        shutil.move(self.wait(), world)
        keys = self.directory / KEYS
        (world / KEYS).rename(keys)  # keeps its mode, 600
        pupils = province.enrol(world / "roster.json")
        schools = json.loads((world / "people.json").read_text(encoding="utf-8"))["schools"]
        for code, school in schools.items():
            people = [Person(name) for name in school["signers"]]
            add_school_pki(province, code, school["name"], people)
        names = {code: str(school["name"]) for code, school in schools.items()}
        school = SmasSchool(world, keys, pupils, names)
        province.configure(config_text(school, school_year))
        return school


def config_text(school: SmasSchool, school_year: str) -> str:
    """var/demo/hub.toml's SMAS source (at the port `serve --demo` takes) and the signing
    providers of its schools."""
    signing = "\n".join(school_signing_text(code) for code in school.schools)
    return (
        f"{signing}\n"
        "[[sources]]\n"
        f'name = "{SOURCE_NAME}"\n'
        f'plugin = "{SMAS_PLUGIN}"\n'
        f'options = {{ base_url = "http://127.0.0.1:{DEMO_SMAS_PORT}", keys_file_env = '
        f'"{KEYS_ENV}", years = ["{school_year}"] }}\n'
    )


def marker_entry(school: SmasSchool, directory: Path) -> dict[str, object]:
    """demo.json's "smas" entry, read by `hub smas-sim serve --demo`."""
    return {"world": str(school.world_dir.relative_to(directory)), "port": DEMO_SMAS_PORT}


@contextmanager
def serving(school: SmasSchool) -> Iterator[Simulator]:
    """`hub smas-sim serve` on a free loopback port, as a child process started now.

    The child is stopped on the way out, whatever ends the block (an error, Ctrl-C).
    """
    with demo_children.serving(
        [SIM_COMMAND, "serve", str(school.world_dir), "--port", "0"],
        prefix="SMAS simulator: ",
        what="SMAS",
    ) as simulator:
        yield simulator
