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

from hub.mapping import load_mappings
from hub.pipeline.extract import mappings_digest
from hub.plugins import load_plugins
from hub.signing.providers import ProviderConfigError, provider_from_config, provider_kinds
from hub.sources import Checkpoint, RawRecord

from .outside import make_plugin, pip_install

HUB = str(Path(sys.executable).parent / "hub")

TOY = """
from pathlib import Path
from hub.api import Checkpoint, Provenance, RawRecord, SourceSpec, hookimpl, warning


class ToySource:
    def __init__(self, config):
        self.url = config["url"]

    def read(self, cursor):
        where = Provenance(url=self.url, vendor_key="1")
        yield RawRecord("1", "toy", {"ho_ten": "An"}, {(): where})
        yield Checkpoint("done")


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


class ToyHsm:
    def __init__(self, section):
        self.label = section.text("label")


@hookimpl
def register_signing_providers(register):
    register("toy_hsm", ToyHsm)


@hookimpl
def register_mappings(register):
    register(Path(__file__).parent / "toy_mappings")


import click


@click.command("toy-sim")
@click.argument("word")
def toy_sim(word):
    '''Serve the toy vendor (a plugin's own command).'''
    click.echo(f"toy says {word}")


@click.command("status")
def shadow_status():
    '''A plugin cannot take a name of the hub's own commands.'''
    click.echo("shadowed")


@hookimpl
def register_commands(register):
    register(toy_sim)
    register(shadow_status)
"""

GHOST = """
from hub.api import hookimpl


class GhostHsm:
    def __init__(self, section):
        self.label = section.text("label")


@hookimpl
def register_signing_providers(register):
    register("ghost_hsm", GhostHsm)
    raise RuntimeError("the ghost's HSM library is missing")  # fails after registering a kind
"""

STALE = """
from hub.api import hookimpl


@hookimpl
def register_delivery_targets(register):  # removed before 0.1: push has one receiver
    register("province_archive", lambda config: None)
"""

BROKEN = """
import hub_does_not_exist  # an import error, as a plugin built against another hub would have
"""

MISSPELT = """
from hub.api import hookimpl


@hookimpl
def register_source(register):  # misspelt: the hook is register_sources
    pass
"""

BAD_REGISTRATION = """
from hub.api import hookimpl


@hookimpl
def register_transforms(register):
    register("score", lambda value, arg: value)  # clashes with the hub's own transform
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Outside plugins pip-installed into a folder put on sys.path for the module."""
    root = tmp_path_factory.mktemp("plugins")
    target = root / "site"
    for dist, module, ep, source in (
        ("hub-toy-vendor", "hub_toy_vendor", "toy_vendor", TOY),
        ("hub-broken", "hub_broken", "broken", BROKEN),
        ("hub-misspelt", "hub_misspelt", "misspelt", MISSPELT),
        ("hub-clash", "hub_clash", "clash", BAD_REGISTRATION),
        ("hub-ghost", "hub_ghost", "ghost", GHOST),
        ("hub-stale", "hub_stale", "stale", STALE),
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
    for name in ("hub_toy_vendor", "hub_broken", "hub_misspelt", "hub_clash", "hub_ghost"):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def test_the_bundled_generic_excel_is_found_through_its_entry_point() -> None:
    registry = load_plugins()
    plugin = next(p for p in registry.plugins if p.name == "generic_excel")
    assert plugin.distribution == "hub-generic-excel"
    assert plugin.hooks == ("register_mappings", "register_sources")
    assert registry.sources["generic_excel"].config_schema["type"] == "object"


def test_generic_excel_ships_its_mappings_in_its_own_package() -> None:
    import hub_generic_excel

    registry = load_plugins({"HUB_LOAD_PLUGINS": "generic_excel"})
    package = Path(hub_generic_excel.__file__).parent
    (folder,) = registry.mapping_dirs
    assert folder.is_relative_to(package)  # inside the package, so inside its wheel
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    assert {"generic_excel-primary", "generic_excel-secondary"} <= set(mappings.records)
    assert {"sector-learner-list", "secondary-gradebook", "primary-summary"} <= set(
        mappings.templates
    )
    hub_own = load_mappings()  # the hub's folder keeps only what every plugin shares
    assert not hub_own.records
    assert not hub_own.templates
    assert {"subjects-secondary", "sex"} <= set(hub_own.labels)


def test_a_record_mapping_no_folder_holds_is_named_with_the_folders() -> None:
    from hub.errors import DataFileError

    with pytest.raises(DataFileError) as caught:
        load_mappings().record("generic_excel-secondary")
    assert "no record mapping 'generic_excel-secondary' in " in caught.value.message_en
    assert "mappings/sources" in caught.value.message_en
    assert "cài plugin" in caught.value.message_vi


def test_an_outside_plugin_is_installed_found_and_run(site: Path) -> None:
    registry = load_plugins()
    info = next(p for p in registry.plugins if p.name == "toy_vendor")
    assert (info.distribution, info.version) == ("hub-toy-vendor", "0.0.1")
    assert set(info.hooks) == {
        "register_sources",
        "register_transforms",
        "register_rules",
        "register_mappings",
        "register_signing_providers",
        "register_commands",
    }
    bundled = {"smas-sim", "vnedu-sim"}  # the bundled plugins' simulators
    assert set(registry.commands) - bundled == {"toy-sim", "status"}
    items = list(
        registry.sources["toy_vendor"].factory({"url": "https://vendor.test/x"}).read(None)
    )
    assert isinstance(items[0], RawRecord)
    assert items[0].location_of(("ho_ten",)).vendor_key == "1"
    assert items[-1] == Checkpoint("done")
    assert registry.transforms["toy_shout"]("ab", "!") == "AB!"
    kinds = registry.provider_kinds()
    assert "toy_hsm" in kinds
    assert {"pkcs12", "pem", "pkcs11", "remote", "pkcs12-folder"} <= set(kinds)
    hsm = provider_from_config(
        {"kind": "toy_hsm", "label": "seal"}, name="signing.providers.x", kinds=kinds
    )
    assert hsm.label == "seal"  # type: ignore[attr-defined]
    assert "toy_hsm" not in provider_kinds()  # the load's, not the process's
    findings = list(registry.rules[0](None, None))  # type: ignore[arg-type]
    assert findings[0].code == "HB999"
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    assert mappings.labels["subjects-secondary"].resolve("Toán nâng cao") == "TOAN"


def test_broken_plugins_are_reported_and_the_others_still_run(site: Path) -> None:
    registry = load_plugins()
    failed = {f.name: f for f in registry.failures}
    assert set(failed) == {"broken", "misspelt", "clash", "ghost", "stale"}
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
    assert {f["name"] for f in listed["failures"]} == {
        "broken",
        "misspelt",
        "clash",
        "ghost",
        "stale",
    }
    text = subprocess.run(
        [HUB, "plugins"],
        capture_output=True,
        text=True,
        env={**env, "HUB_LOAD_PLUGINS": "generic_excel"},
        check=False,
    )
    assert text.returncode == 0
    assert (
        "generic_excel 0.1.0  (hub-generic-excel)\n    register_mappings\n    register_sources"
        in text.stdout
    )


def test_a_plugin_that_fails_after_registering_a_kind_leaves_no_kind_behind(site: Path) -> None:
    registry = load_plugins()
    failure = next(f for f in registry.failures if f.name == "ghost")
    assert "the ghost's HSM library is missing" in failure.error
    assert "ghost_hsm" not in registry.signing_providers
    assert "ghost_hsm" not in registry.provider_kinds()
    with pytest.raises(ProviderConfigError, match="no kind 'ghost_hsm'"):
        provider_from_config({"kind": "ghost_hsm", "label": "x"}, kinds=registry.provider_kinds())
    with pytest.raises(ProviderConfigError, match="no kind 'ghost_hsm'"):
        provider_from_config({"kind": "ghost_hsm", "label": "x"})  # nor in the process
    again = load_plugins({"HUB_LOAD_PLUGINS": "hub-toy-vendor"})  # a later load sees none
    assert "ghost_hsm" not in again.provider_kinds()


def test_a_plugin_still_implementing_the_removed_delivery_hook_fails_named(site: Path) -> None:
    failure = next(f for f in load_plugins().failures if f.name == "stale")
    assert "register_delivery_targets" in failure.error


def test_a_plugin_kind_may_not_take_a_builtin_name(tmp_path: Path) -> None:
    from hub.plugins import Registry, _Collector

    collector = _Collector(Registry(), "mine")
    with pytest.raises(ValueError, match="one of the hub's own kinds"):
        collector.signing_provider("pkcs12", lambda section: None)  # type: ignore[arg-type,return-value]


def test_a_plugin_mapping_folder_counts_in_the_mappings_digest(site: Path) -> None:
    registry = load_plugins({"HUB_LOAD_PLUGINS": "hub-toy-vendor"})
    (folder,) = registry.mapping_dirs
    label_file = folder / "labels" / "toy.yaml"
    before = mappings_digest(registry.mapping_dirs)
    assert before != mappings_digest([]), "the plugin's folder is not hashed"
    text = label_file.read_text()
    try:
        label_file.write_text(text.replace("Toán nâng cao", "Toán chuyên"))
        assert mappings_digest(registry.mapping_dirs) != before
    finally:
        label_file.write_text(text)
    assert mappings_digest(registry.mapping_dirs) == before


def test_a_plugin_adds_a_command_to_hub_but_cannot_shadow_the_hubs_own(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [HUB, "toy-sim", "hello"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "toy says hello"
    listed = subprocess.run([HUB, "plugins"], capture_output=True, text=True, env=env, check=False)
    assert "hub toy-sim  Serve the toy vendor" in listed.stdout
    assert "hub status  bỏ qua: trùng lệnh của hub / ignored" in listed.stdout
    own = subprocess.run(
        [HUB, "status", "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert "shadowed" not in own.stdout
    assert "A plugin cannot take" not in own.stdout
    unknown = subprocess.run(
        [HUB, "no-such-command"], capture_output=True, text=True, env=env, check=False
    )
    assert unknown.returncode == 2
    assert "No such command" in unknown.stderr
