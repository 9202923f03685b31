"""The plugin manager: entry points, a real outside plugin, failures that do not stop the rest."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import hookspecs
from hub import plugins as plugins_module
from hub.mapping import load_mappings
from hub.plugins import load_plugins
from hub.signing.providers import provider_from_config, provider_kinds
from hub.signing.providers.factory import _kinds as kinds
from hub.sources import Checkpoint, RawRecord

from .outside import make_plugin, pip_install

HUB = str(Path(sys.executable).parent / "hub")

TOY = """
from pathlib import Path
from hub.hookspecs import hookimpl
from hub.findings import warning
from hub.sources import Checkpoint, Provenance, RawRecord, SourceSpec


class ToySource:
    def __init__(self, config):
        self.url = config["url"]

    def read(self, cursor):
        where = Provenance(url=self.url, vendor_key="1")
        yield RawRecord("1", "toy", {"ho_ten": "An"}, {(): where})
        yield Checkpoint("done")


class ToyTarget:
    def submit(self, submission):
        return "receipt-1"

    def poll(self, receipt):
        return []


def toy_rule(transcript, context):
    yield warning("HB999", "/HocBaSo", "quy tắc đồ chơi", "toy rule")


@hookimpl
def register_sources(register):
    schema = {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}}
    register(SourceSpec("toy_vendor", ToySource, schema, "a toy vendor"))


@hookimpl
def register_transforms(register):
    register("toy_shout", lambda value, arg: str(value).upper() + arg)


@hookimpl
def register_rules(register):
    register(toy_rule)


@hookimpl
def register_delivery_targets(register):
    register("toy_target", lambda config: ToyTarget())


class ToyHsm:
    def __init__(self, section):
        self.label = section.text("label")


@hookimpl
def register_signing_providers(register):
    register("toy_hsm", ToyHsm)


@hookimpl
def register_mappings(register):
    register(Path(__file__).parent / "toy_mappings")
"""

BROKEN = """
import hub_does_not_exist  # an import error, as a plugin built against another hub would have
"""

MISSPELT = """
from hub.hookspecs import hookimpl


@hookimpl
def register_source(register):  # misspelt: the hook is register_sources
    pass
"""

BAD_REGISTRATION = """
from hub.hookspecs import hookimpl


@hookimpl
def register_transforms(register):
    register("score", lambda value, arg: value)  # clashes with the hub's own transform
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Four outside plugins pip-installed into a folder put on sys.path for the module."""
    root = tmp_path_factory.mktemp("plugins")
    target = root / "site"
    for dist, module, ep, source in (
        ("hub-toy-vendor", "hub_toy_vendor", "toy_vendor", TOY),
        ("hub-broken", "hub_broken", "broken", BROKEN),
        ("hub-misspelt", "hub_misspelt", "misspelt", MISSPELT),
        ("hub-clash", "hub_clash", "clash", BAD_REGISTRATION),
    ):
        pip_install(make_plugin(root, dist, module, ep, source), target)
    labels = target / "toy_mappings" / "labels"
    labels.mkdir(parents=True)
    (labels / "toy.yaml").write_text(
        'list: subjects-secondary\nlabels:\n  TOAN: ["Toán nâng cao"]\n'
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    kinds.pop("toy_hsm", None)  # leave the process's provider kinds as they were
    plugins_module._signing_registered.pop("toy_hsm", None)
    for name in ("hub_toy_vendor", "hub_broken", "hub_misspelt", "hub_clash"):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def test_the_bundled_generic_excel_is_found_through_its_entry_point() -> None:
    registry = load_plugins()
    plugin = next(p for p in registry.plugins if p.name == "generic_excel")
    assert plugin.distribution == "hub-generic-excel"
    assert plugin.hooks == ("register_sources",)
    assert registry.sources["generic_excel"].config_schema["type"] == "object"


def test_an_outside_plugin_is_installed_found_and_run(site: Path) -> None:
    registry = load_plugins()
    info = next(p for p in registry.plugins if p.name == "toy_vendor")
    assert (info.distribution, info.version) == ("hub-toy-vendor", "0.0.1")
    assert set(info.hooks) == {
        "register_sources",
        "register_transforms",
        "register_rules",
        "register_delivery_targets",
        "register_mappings",
        "register_signing_providers",
    }
    items = list(
        registry.sources["toy_vendor"].factory({"url": "https://vendor.test/x"}).read(None)
    )
    assert isinstance(items[0], RawRecord)
    assert items[0].location_of(("ho_ten",)).vendor_key == "1"
    assert items[-1] == Checkpoint("done")
    assert registry.transforms["toy_shout"]("ab", "!") == "AB!"
    assert registry.targets["toy_target"]({}).submit(None) == "receipt-1"  # type: ignore[arg-type]
    assert "toy_hsm" in provider_kinds()
    hsm = provider_from_config({"kind": "toy_hsm", "label": "seal"}, name="signing.providers.x")
    assert hsm.label == "seal"  # type: ignore[attr-defined]
    findings = list(registry.rules[0](None, None))  # type: ignore[arg-type]
    assert findings[0].code == "HB999"
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    assert mappings.labels["subjects-secondary"].resolve("Toán nâng cao") == "TOAN"


def test_broken_plugins_are_reported_and_the_others_still_run(site: Path) -> None:
    registry = load_plugins()
    failed = {f.name: f for f in registry.failures}
    assert set(failed) == {"broken", "misspelt", "clash"}
    assert "ModuleNotFoundError" in failed["broken"].error
    assert "register_source" in failed["misspelt"].error
    assert "score" in failed["clash"].error
    assert "Không nạp được plugin 'broken'" in failed["broken"].message_vi
    assert {"toy_vendor", "generic_excel"} <= {p.name for p in registry.plugins}
    assert "toy_vendor" in registry.sources
    assert "generic_excel" in registry.sources


def test_hub_load_plugins_chooses_by_entry_point_or_distribution(site: Path) -> None:
    only_toy = load_plugins({"HUB_LOAD_PLUGINS": "hub-toy-vendor"})
    assert [p.name for p in only_toy.plugins] == ["hub.mapping.builtin", "toy_vendor"]
    assert not only_toy.failures
    none = load_plugins({"HUB_LOAD_PLUGINS": ""})
    assert [p.name for p in none.plugins] == ["hub.mapping.builtin"]
    assert "score" in none.transforms
    assert not none.sources


def test_hub_trace_plugins_logs_each_hook_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="hub.plugins")
    load_plugins({"HUB_TRACE_PLUGINS": "1", "HUB_LOAD_PLUGINS": "generic_excel"})
    assert "plugin generic_excel: calling register_sources" in caplog.text


def test_hub_plugins_lists_name_version_hooks_and_failures(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [HUB, "plugins", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # a plugin failed: reported, exit 1
    listed = json.loads(done.stdout)
    toy = next(p for p in listed["plugins"] if p["name"] == "toy_vendor")
    assert toy["version"] == "0.0.1"
    assert "register_sources" in toy["hooks"]
    assert {f["name"] for f in listed["failures"]} == {"broken", "misspelt", "clash"}
    text = subprocess.run(
        [HUB, "plugins"],
        capture_output=True,
        text=True,
        env={**env, "HUB_LOAD_PLUGINS": "generic_excel"},
        check=False,
    )
    assert text.returncode == 0
    assert "generic_excel 0.1.0  (hub-generic-excel)\n    register_sources" in text.stdout


def test_every_hook_is_documented_for_vendors() -> None:
    guide = Path(__file__).parents[2].joinpath("docs", "writing-a-plugin.md").read_text()
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    assert len(hooks) == 6
    for name in hooks:
        assert f"### `{name}`" in guide, f"docs/writing-a-plugin.md has no heading for {name}"
        assert getattr(hookspecs, name).__doc__, f"{name} has no docstring"


def test_every_hook_is_exercised_by_a_test() -> None:
    tested = Path(__file__).read_text()
    for name in (n for n in dir(hookspecs) if n.startswith("register_")):
        assert f"def {name}(register)" in tested, f"no test plugin implements {name}"
