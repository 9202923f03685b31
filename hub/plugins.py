"""Finding, loading and asking the plugins: `load_plugins()` builds a `Registry`.

The plugin manager is built by a factory, never at import time, so that tests and commands
choose what to load (llm and datasette load at import and need `sys._called_from_test`).
Each entry point of the group ``hub`` is loaded on its own: a plugin that fails to import,
whose hooks are misspelt (`check_pending()`), or whose registration raises is reported as a
`PluginFailure` (and logged) while the others load, as dlt does, so that a broken SMAS plugin
never stops vnEdu pushes. What the plugins register lands in the `Registry` the load returns
and nowhere else (no process-wide table), so a dropped plugin leaves nothing behind.

Environment:
    HUB_LOAD_PLUGINS: comma-separated entry-point or distribution names to load; set but empty
        loads none (only the hub's built-ins). Unset loads every installed plugin.
    HUB_TRACE_PLUGINS: ``1`` logs every hook call and registration at INFO level.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from hub import hookspecs
from hub.errors import UsageError

if TYPE_CHECKING:
    import click

    from hub.mapping.transforms import Transform
    from hub.rules import Rule
    from hub.signing.providers import ProviderFactory
    from hub.sources import SourceSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "hub"
BUILTIN_PLUGINS = ("hub.mapping.builtin",)
"""The hub's own hook implementations, registered like any plugin (listed by `hub plugins`)."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One loaded plugin as `hub plugins` shows it."""

    name: str
    version: str | None
    distribution: str | None
    hooks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin that could not be loaded or registered, and why."""

    name: str
    distribution: str | None
    error: str

    @property
    def message_vi(self) -> str:
        return f"Không nạp được plugin {self.name!r}: {self.error}. Các plugin khác vẫn chạy."

    @property
    def message_en(self) -> str:
        return f"Plugin {self.name!r} could not be loaded: {self.error}. The others still run."


@dataclass
class Registry:
    """Everything the plugins of one load registered, by kind.

    A registry is the whole outcome of a load: nothing a plugin registers is kept anywhere
    else, so a plugin dropped for failing leaves nothing behind, and two loads (a test, a
    worker process) never see each other's plugins.
    """

    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    sources: dict[str, SourceSpec] = field(default_factory=dict)
    transforms: dict[str, Transform] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    signing_providers: dict[str, ProviderFactory] = field(default_factory=dict)
    mapping_dirs: list[Path] = field(default_factory=list)
    commands: dict[str, click.Command] = field(default_factory=dict)

    def provider_kinds(self) -> Mapping[str, ProviderFactory]:
        """The signing-provider kinds a section may name: the hub's own and the plugins'.

        Hand it to `hub.signing.providers.provider_from_config(kinds=...)` (the sign stage's
        `Signers` takes it); the plugins' kinds exist nowhere else.
        """
        from hub.signing.providers import BUILTIN_KINDS

        return {**BUILTIN_KINDS, **self.signing_providers}

    def source(self, name: str) -> SourceSpec:
        """The source kind `name`, or a UsageError listing the known kinds."""
        spec = self.sources.get(name)
        if spec is None:
            known = ", ".join(sorted(self.sources)) or "-"
            raise UsageError(
                f"Không có nguồn dữ liệu loại {name!r} (có: {known}); cài plugin của nó.",
                f"No source kind {name!r} (known: {known}); install its plugin.",
            )
        return spec


def make_plugin_manager() -> pluggy.PluginManager:
    """A fresh manager that knows the hub's hook specifications and nothing else."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _selected(env: Mapping[str, str]) -> set[str] | None:
    raw = env.get("HUB_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _entry_points(selected: set[str] | None) -> Iterable[metadata.EntryPoint]:
    """The installed entry points `selected` names (all when None).

    Raises:
        UsageError: `selected` names a plugin that is not installed (a typo would otherwise
            load nothing, and a sync would read no source and say all is well).
    """
    found = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    if selected is not None:
        known = {ep.name for ep in found} | {ep.dist.name for ep in found if ep.dist is not None}
        unknown = sorted(selected - known)
        if unknown:
            names, installed = ", ".join(unknown), ", ".join(sorted(known)) or "-"
            raise UsageError(
                f"HUB_LOAD_PLUGINS nêu plugin chưa cài: {names}. Plugin đã cài: {installed} "
                f"(`hub plugins` liệt kê).",
                f"HUB_LOAD_PLUGINS names plugins that are not installed: {names}. Installed: "
                f"{installed} (`hub plugins` lists them).",
            )
    for ep in found:
        dist = ep.dist.name if ep.dist is not None else None
        if selected is None or ep.name in selected or dist in selected:
            yield ep


def _register_one(
    pm: pluggy.PluginManager, plugin: object, name: str, dist: str | None
) -> PluginFailure | None:
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except Exception as exc:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        return PluginFailure(name, dist, f"{type(exc).__name__}: {exc}")
    return None


def _load(
    pm: pluggy.PluginManager, env: Mapping[str, str], registry: Registry
) -> dict[str, tuple[str | None, str | None]]:
    """Register built-ins and entry points; return plugin name → (distribution, version)."""
    origins: dict[str, tuple[str | None, str | None]] = {}
    for module_name in BUILTIN_PLUGINS:
        module = __import__(module_name, fromlist=["_"])
        pm.register(module, name=module_name)
        origins[module_name] = ("hub", _version("hub"))
    for ep in _entry_points(_selected(env)):
        dist = ep.dist.name if ep.dist is not None else None
        version = ep.dist.version if ep.dist is not None else None
        failure: PluginFailure | None
        try:
            plugin: ModuleType | object = ep.load()
        except Exception as exc:
            failure = PluginFailure(ep.name, dist, f"{type(exc).__name__}: {exc}")
        else:
            failure = _register_one(pm, plugin, ep.name, dist)
        if failure is not None:
            log.warning("%s / %s", failure.message_vi, failure.message_en)
            registry.failures.append(failure)
        else:
            origins[ep.name] = (dist, version)
    return origins


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


class _Collector:
    """The `register` callbacks handed to one plugin's hooks, checking each registration."""

    def __init__(self, registry: Registry, plugin: str) -> None:
        self.registry = registry
        self.plugin = plugin

    def _claim(self, table: Mapping[str, Any], kind: str, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{kind} name must be a non-empty string, got {name!r}")
        if name in table:
            raise ValueError(f"{kind} {name!r} is already registered by another plugin")

    def source(self, spec: SourceSpec) -> None:
        from hub.sources import SourceSpec

        if not isinstance(spec, SourceSpec):
            raise TypeError(f"register_sources expects a SourceSpec, got {type(spec).__name__}")
        self._claim(self.registry.sources, "source", spec.name)
        self.registry.sources[spec.name] = spec

    def transform(self, name: str, function: Transform) -> None:
        self._claim(self.registry.transforms, "transform", name)
        if not callable(function):
            raise TypeError(f"transform {name!r} is not callable")
        self.registry.transforms[name] = function

    def rule(self, rule: Rule) -> None:
        self.registry.rules.append(rule)

    def signing_provider(self, name: str, factory: ProviderFactory) -> None:
        from hub.signing.providers import BUILTIN_KINDS

        self._claim(self.registry.signing_providers, "signing provider", name)
        if name in BUILTIN_KINDS:
            raise ValueError(f"signing provider {name!r} is one of the hub's own kinds")
        if not callable(factory):
            raise TypeError(f"signing provider {name!r}: the factory is not callable")
        self.registry.signing_providers[name] = factory

    def mappings(self, folder: Path) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"mapping folder {folder} does not exist")
        self.registry.mapping_dirs.append(folder)

    def command(self, command: click.Command) -> None:
        import click

        if not isinstance(command, click.Command):
            raise TypeError(f"register_commands expects a click command, got {command!r}")
        name = command.name or ""
        # A name of the hub's own commands is refused where commands are looked up (hub.cli),
        # which owns that list; here only plugins are told apart.
        self._claim(self.registry.commands, "command", name)
        self.registry.commands[name] = command

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "register_sources": self.source,
            "register_transforms": self.transform,
            "register_rules": self.rule,
            "register_signing_providers": self.signing_provider,
            "register_mappings": self.mappings,
            "register_commands": self.command,
        }


def _collect(pm: pluggy.PluginManager, name: str, registry: Registry, trace: bool) -> list[str]:
    """Call each hook of one plugin; raise on the first registration that fails."""
    plugin = pm.get_plugin(name)
    callbacks = _Collector(registry, name).callbacks()
    hooks: list[str] = []
    for caller in pm.get_hookcallers(plugin) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            if trace:
                log.info("plugin %s: calling %s", name, caller.name)
            impl.function(register=callbacks[caller.name])
            hooks.append(caller.name)
    return sorted(hooks)


def load_plugins(env: Mapping[str, str] | None = None) -> Registry:
    """Build a manager, load the plugins, and collect what each registers.

    A plugin whose registration raises is dropped with everything it registered, reported in
    `Registry.failures` and logged; the others are kept.
    """
    env = os.environ if env is None else env
    trace = env.get("HUB_TRACE_PLUGINS", "") not in ("", "0")
    pm = make_plugin_manager()
    if trace:
        pm.trace.root.setwriter(lambda message: log.info("pluggy: %s", message.rstrip()))
        pm.enable_tracing()
    registry = Registry()
    origins = _load(pm, env, registry)
    for name, (dist, version) in origins.items():
        staged = Registry()
        try:
            hooks = _collect(pm, name, staged, trace)
            _merge(registry, staged)
        except Exception as exc:
            failure = PluginFailure(name, dist, f"{type(exc).__name__}: {exc}")
            log.warning("%s / %s", failure.message_vi, failure.message_en)
            registry.failures.append(failure)
            pm.unregister(name=name)
            continue
        registry.plugins.append(PluginInfo(name, version, dist, tuple(hooks)))
    return registry


def _merge(registry: Registry, staged: Registry) -> None:
    for table, new in (
        (registry.sources, staged.sources),
        (registry.transforms, staged.transforms),
        (registry.signing_providers, staged.signing_providers),
        (registry.commands, staged.commands),
    ):
        clash = set(table) & set(new)
        if clash:
            raise ValueError(f"already registered by another plugin: {', '.join(sorted(clash))}")
    registry.sources.update(staged.sources)
    registry.transforms.update(staged.transforms)
    registry.signing_providers.update(staged.signing_providers)
    registry.commands.update(staged.commands)
    registry.rules.extend(staged.rules)
    registry.mapping_dirs.extend(staged.mapping_dirs)
