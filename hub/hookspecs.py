"""The hub's whole plugin contract: five `register_*` hooks, each handed a `register` callback.

A plugin is a module (or object) with functions marked `@hookimpl`, named after the hooks
below, installed as a distribution with an entry point in the group ``hub``::

    [project.entry-points.hub]
    my_vendor = "hub_my_vendor"

Each hook receives one `register` callback and calls it once per thing it offers, instead of
returning values: a plugin can register nothing, one thing or many, and the hub can check each
registration on its own (a bad one is reported with the plugin's name; the others still load).
Hooks take no other arguments, so a hook added later never breaks an existing plugin.
docs/writing-a-plugin.md walks through one; `hub.testing` holds the tests every source passes.

Version notes: all hooks exist since hub 0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hub.mapping.transforms import Transform
    from hub.rules import Rule
    from hub.signing.providers import ProviderFactory
    from hub.sources import SourceSpec
    from hub.targets import TargetFactory

PROJECT = "hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    """Register source adapters: the kinds a ``[sources.<name>]`` section can name.

    Args:
        register: call ``register(SourceSpec(name, factory, config_schema))`` per adapter.
            `factory(config)` builds a `hub.sources.Source` whose `read(cursor)` yields
            `RawRecord`, `Problem` and `Checkpoint` (see hub/sources.py).
    """


@hookspec
def register_signing_providers(register: Callable[[str, ProviderFactory], None]) -> None:
    """Register kinds of signing providers (an HSM, a vendor's remote signing service).

    Args:
        register: call ``register(kind, factory)``; `factory(section)` returns a
            `hub.signing.providers.SigningProvider` (one key), or a `PeopleProvider` (many
            people's keys, each personal signature by the person named: spec 1.0.1), built
            from a ``[signing.providers.*]`` section whose ``kind`` is `kind`.
    """


@hookspec
def register_delivery_targets(register: Callable[[str, TargetFactory], None]) -> None:
    """Register receivers of signed documents other than the ministry's service.

    Args:
        register: call ``register(kind, factory)``; `factory(config)` returns a
            `hub.targets.DeliveryTarget` (`submit(submission)`, `poll(receipt)`).
    """


@hookspec
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register extra validation rules run after the hub's own (a province's extra checks).

    Args:
        register: call ``register(rule)`` with a `hub.rules.Rule`; its findings are reported
            like the hub's own, with a code, an XPath and messages in Vietnamese and English.
    """


@hookspec
def register_transforms(register: Callable[[str, Transform], None]) -> None:
    """Register named transform functions that mapping files may use (``transform: [name]``).

    Args:
        register: call ``register(name, function)``; `function(value, arg)` returns the
            converted value or raises `hub.mapping.TransformError` saying what it expected.
            `arg` is the text after a colon in the mapping file (``label:subjects``), or "".
    """


@hookspec
def register_mappings(register: Callable[[Path], None]) -> None:
    """Register a folder of mapping files (record mappings, templates, label lists).

    Args:
        register: call ``register(folder)``; the files are checked against the hub's schemas
            when loaded, like those of the hub's own mappings/ folder.
    """
