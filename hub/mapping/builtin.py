"""The hub's own hook implementations, registered like a plugin's so that `hub plugins` shows
them and a plugin's transform of the same name is reported as a clash, not silently shadowed."""

from __future__ import annotations

from collections.abc import Callable

from hub.hookspecs import hookimpl
from hub.mapping.transforms import BUILTIN, Transform


@hookimpl
def register_transforms(register: Callable[[str, Transform], None]) -> None:
    for name, function in BUILTIN.items():
        register(name, function)
