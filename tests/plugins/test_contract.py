"""The plugin contract keeps its word: every hook documented and tested, one public face.

As datasette's tests/test_docs.py and tests/test_plugins.py do: a hook without its heading in
docs/writing-a-plugin.md, its outsider's docstring or a test plugin implementing it fails
here, and so does a bundled plugin importing the hub past `hub.api` and `hub.testing`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import hub.api
import hub.testing
from hub import hookspecs

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "writing-a-plugin.md").read_text()
HOOKS = sorted(
    name
    for name in dir(hookspecs)
    if hasattr(getattr(hookspecs, name), f"{hookspecs.PROJECT}_spec")
)
NUMBERS = {4: "four", 5: "five", 6: "six", 7: "seven"}


def test_the_hookspecs_docstring_counts_and_lists_every_hook() -> None:
    assert HOOKS, "no hook specification found"
    doc = hookspecs.__doc__ or ""
    assert f"{NUMBERS[len(HOOKS)]} `register_*` hooks" in doc, "the count in the docstring is wrong"
    for name in HOOKS:
        assert name in doc, f"hub/hookspecs.py's docstring does not list {name}"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_heading_in_the_guide(name: str) -> None:
    assert f"### `{name}`" in GUIDE, f"docs/writing-a-plugin.md has no heading for {name}"


def test_the_guide_has_no_heading_for_a_hook_that_does_not_exist() -> None:
    headings = {line[5:-1] for line in GUIDE.splitlines() if line.startswith("### `register_")}
    assert headings == set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_for_outsiders(name: str) -> None:
    doc = getattr(hookspecs, name).__doc__ or ""
    for part in ("Args:", "register: ``register(", "Since: hub "):
        assert part in doc, f"{name}'s docstring has no {part!r}"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_implemented_by_a_test_plugin(name: str) -> None:
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("*.py"))
    assert f"def {name}(register)" in tests, f"no test plugin in tests/plugins/ implements {name}"


def test_the_config_shape_is_documented_as_config_toml_has_it() -> None:
    for path in (ROOT / "hub" / "hookspecs.py", ROOT / "hub" / "sources.py"):
        text = path.read_text()
        assert "[sources." not in text, f"{path.name} documents [sources.<name>]"
        assert "[[sources]]" in text, f"{path.name} does not document [[sources]]"
    assert "[sources." not in GUIDE
    assert '[[sources]]\nname = "' in GUIDE
    assert "\nplugin = " in GUIDE
    assert "\noptions = {" in GUIDE


def test_the_public_face_holds_what_it_names_and_nothing_else() -> None:
    public = {name for name in vars(hub.api) if not name.startswith("_")} - {"annotations"}
    assert public == set(hub.api.__all__)
    assert len(hub.api.__all__) == len(set(hub.api.__all__))
    for name in hub.api.__all__:
        assert getattr(hub.api, name) is not None


@pytest.mark.parametrize("face", [hub.api, hub.testing], ids=["hub.api", "hub.testing"])
def test_every_public_name_is_in_the_guide(face: object) -> None:
    missing = [name for name in face.__all__ if f"`{name}`" not in GUIDE]  # type: ignore[attr-defined]
    assert not missing, f"docs/writing-a-plugin.md does not name {missing}"


def _hub_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [name for name in found if name == "hub" or name.startswith("hub.")]


def test_the_bundled_plugin_imports_only_the_public_faces() -> None:
    package = ROOT / "plugins" / "generic_excel" / "hub_generic_excel"
    wrong = {
        f"{path.name}: {name}"
        for path in package.glob("*.py")
        for name in _hub_imports(path)
        if name not in ("hub.api", "hub.testing")
    }
    assert not wrong, f"generic_excel imports hub internals: {sorted(wrong)}"


def test_the_import_linter_contract_holds_the_bundled_plugin_to_it() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint), "--no-logo", "--no-cache", "--contract", "plugins-public-face"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout
