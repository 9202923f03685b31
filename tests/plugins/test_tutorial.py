"""docs/writing-a-plugin.md is tested as a vendor would use it: copied out, installed, kit run.

The plugin is taken from the guide mechanically — every fenced block whose first line names a
file is that file, blocks naming one file joined in order — written into a fresh folder
outside the repository, pip-installed into a folder of its own (its dependencies are the
hub's, already installed), and checked with the conformance kit by pytest run there, exactly
as the guide says; `hub plugins` then lists it as the guide shows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "writing-a-plugin.md").read_text()
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_FILE = re.compile(r"^# ((?:[\w-]+/)*[\w-]+\.(?:py|toml|yaml))\n")


def blocks(language: str | None = None) -> list[str]:
    """The guide's fenced blocks (of one language)."""
    return [body for lang, body in _BLOCK.findall(GUIDE) if language in (None, lang)]


def tutorial_files() -> dict[str, str]:
    """Path → text of every file the guide's blocks name, in the order shown."""
    files: dict[str, str] = {}
    for body in blocks():
        named = _FILE.match(body)
        if named:
            files[named[1]] = files.get(named[1], "") + body
    return files


def console(command: str) -> str:
    """The output the guide shows for `$ <command>`."""
    for body in blocks("console"):
        first, _, rest = body.partition("\n")
        if first == f"$ {command}":
            return rest
    raise AssertionError(f"the guide shows no `$ {command}`")


def test_every_python_block_of_the_guide_compiles() -> None:
    python = blocks("python")
    assert len(python) >= 8
    for number, body in enumerate(python):
        compile(body, f"docs/writing-a-plugin.md, python block {number + 1}", "exec")


def test_the_project_tree_names_every_file_the_guide_writes() -> None:
    tree = next(b for b in blocks("") if b.startswith("hub-educloud/\n"))
    listed = {line.split()[0] for line in tree.splitlines()[1:]}
    assert listed == set(tutorial_files())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tutorial's plugin written into a fresh folder and pip-installed into `site`."""
    root = tmp_path_factory.mktemp("vendor")
    assert not root.resolve().is_relative_to(ROOT.resolve()), "not a fresh folder"
    project = root / "hub-educloud"
    for name, text in tutorial_files().items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    site = root / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, project],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return project, site


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HUB_LOAD_PLUGINS"}
    return {**env, "PYTHONPATH": str(site)}


def test_the_installed_wheel_carries_the_mapping_files(installed: tuple[Path, Path]) -> None:
    _project, site = installed
    assert (site / "hub_educloud" / "mappings" / "sources" / "educloud.yaml").is_file()


def test_a_vendor_following_the_guide_passes_the_kit(installed: tuple[Path, Path]) -> None:
    project, site = installed
    # -P: the installed package, not the folder it was copied from, is what pytest imports.
    kit = ["-p", "no:cacheprovider", "tests/test_conformance.py"]
    done = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-q", *kit],
        cwd=project,
        env=_env(site),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    promised = console("pytest tests/test_conformance.py -q").strip().splitlines()[-1]
    assert f"\n{promised} in " in done.stdout, done.stdout[-2000:]


def test_hub_plugins_lists_it_as_the_guide_shows(installed: tuple[Path, Path]) -> None:
    _project, site = installed
    done = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "plugins"],
        cwd=site.parent,
        env=_env(site),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == console("hub plugins")
