"""The hub's whole plugin contract: six `register_*` hooks, each handed a `register` callback.

    register_sources            source kinds that `[[sources]] plugin = "…"` names
    register_mappings           a folder of mapping files shipped inside the plugin's package
    register_transforms         named functions mapping files may use (`transform: [name]`)
    register_rules              extra checks run after the hub's own
    register_signing_providers  kinds of signing providers (`kind = "…"` of a provider section)
    register_commands           commands a plugin adds to `hub` (its vendor's simulator)

A plugin is a module with functions marked `@hookimpl` (``from hub.api import hookimpl``),
named after the hooks below, installed as a distribution with an entry point in the group
``hub``::

    [project.entry-points.hub]
    my_vendor = "hub_my_vendor"

Each hook receives one `register` callback and calls it once per thing it offers, instead of
returning values: a plugin can register nothing, one thing or many, and the hub checks each
registration on its own (a bad one is reported with the plugin's name, the plugin is dropped
with everything it registered, and the others still load). Hooks take no other arguments, so a
hook added later never breaks an existing plugin. A plugin imports only `hub.api` (and
`hub.testing` in its tests); docs/writing-a-plugin.md walks through one, with a heading per hook.

Version notes: every hook exists since hub 0.1 except `register_commands` (hub 0.2).
`register_delivery_targets` was removed before the first release: push has one receiver, the
ministry's service (docs/architecture.md, "Decisions"); a plugin still implementing it fails
to load, named, instead of being ignored. `SourceSpec.narrow` and `SourceSpec.pieces`
(optional; a source reads one school and year when asked) are new in the release after 0.2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from hub.mapping.transforms import Transform
    from hub.rules import Rule
    from hub.signing.providers import ProviderFactory
    from hub.sources import SourceSpec

PROJECT = "hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    """Register source kinds: what a ``[[sources]]`` entry's ``plugin = "…"`` names.

    ``[[sources]] name = "excel"  plugin = "generic_excel"  options = { folder = "…" }`` makes
    the hub call the kind's factory with the entry's `options`, checked first against the
    kind's JSON Schema; `read(cursor)` of what it builds yields `RawRecord`, `Problem` and
    `Checkpoint` (hub.api).

    Args:
        register: ``register(SourceSpec(name, factory, config_schema, description))``, once
            per kind; a name another plugin took is refused.

    Since: hub 0.1.
    """


@hookspec
def register_mappings(register: Callable[[Path], None]) -> None:
    """Register a folder of mapping files: record mappings, spreadsheet templates, label lists.

    The folder has the layout of the hub's own mappings/ (``sources/``, ``templates/``,
    ``labels/``) and lives inside the plugin's package (``Path(__file__).parent / "mappings"``,
    shipped as package data), so it is installed with the plugin. Every file is checked
    against its schema when the hub loads the mappings, and is hashed with the hub's own, so
    editing one invalidates the stored read cursors.

    Args:
        register: ``register(folder)``, once per folder; a folder that does not exist is
            refused.

    Since: hub 0.1.
    """


@hookspec
def register_transforms(register: Callable[[str, Transform], None]) -> None:
    """Register named transform functions that mapping files may use (``transform: [name]``).

    Args:
        register: ``register(name, function)``; `function(value, arg)` returns the converted
            value or raises `TransformError(expected, message_vi, message_en)`; `arg` is the
            text after a colon in the mapping file (``label:subjects``), or "". A name the hub
            or another plugin registered is refused.

    Since: hub 0.1.
    """


@hookspec
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register extra validation rules, run after the hub's own (a province's extra checks).

    Args:
        register: ``register(rule)``; a `Rule` is ``(transcript, context) ->
            Iterable[Finding]``, its findings reported like the hub's own, with a code, an
            XPath (`hub.api.xpath`) and messages in Vietnamese and English.

    Since: hub 0.1.
    """


@hookspec
def register_signing_providers(register: Callable[[str, ProviderFactory], None]) -> None:
    """Register kinds of signing providers (an HSM, a vendor's remote signing service).

    A ``[signing.providers.<name>]`` section whose ``kind`` is the registered name is built by
    its factory. The kinds belong to the load that found them (`Registry.provider_kinds()`).

    Args:
        register: ``register(kind, factory)``; `factory(section)` takes a `ProviderSection`
            and returns a `SigningProvider` (one key) or a `PeopleProvider` (many people's
            keys, each personal signature by the person named: spec 1.0.1). A kind the hub
            or another plugin registered is refused.

    Since: hub 0.1 (people providers since hub 0.1 with spec 1.0.1).
    """


@hookspec
def register_commands(register: Callable[[click.Command], None]) -> None:
    """Register commands a plugin adds to `hub` (``hub vnedu-sim serve``: its vendor's simulator).

    Each is a click command or group (click is the hub's command-line library; a plugin that
    registers commands depends on it). Its name must not be one of the hub's own commands or
    another plugin's. The hub's own commands are listed and imported without loading any
    plugin; a plugin's command is found by loading the plugins when a name is not the hub's.

    Args:
        register: ``register(command)``, once per command; a name taken is refused.

    Since: hub 0.2.
    """
