"""The exception tree in hub/errors.py is the whole tree, and each family has its exit code."""

from __future__ import annotations

import importlib
import pkgutil

import hub
from hub.errors import ExitCode, HubError


def _every_error_class() -> set[type[HubError]]:
    for module in pkgutil.walk_packages(hub.__path__, "hub."):
        if ".migrations" in module.name:
            continue
        importlib.import_module(module.name)
    found: set[type[HubError]] = set()
    todo: list[type[HubError]] = [HubError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("hub.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_error_family_is_drawn_in_the_tree_with_its_module() -> None:
    tree = hub.errors.__doc__ or ""
    missing = sorted(
        f"{cls.__module__}.{cls.__name__}"
        for cls in _every_error_class()
        if cls.__name__ not in tree and (_family(cls) is cls or HubError in cls.__bases__)
    )
    assert not missing, f"draw these families in hub/errors.py: {missing}"


def _family(cls: type[HubError]) -> type[HubError]:
    """The class that sets the exit code `cls` has (itself, or the ancestor it inherits from)."""
    for ancestor in cls.__mro__:
        if "exit_code" in vars(ancestor):
            return ancestor  # type: ignore[return-value]
    return HubError


def test_each_family_exits_with_the_code_its_operator_acts_on() -> None:
    from hub.ministry.errors import AuthenticationFailed, GaveUp, NetworkFailure
    from hub.pipeline.extract import SourceFailed
    from hub.signing.providers import ProviderConfigError, SigningRefused
    from hub.sources import CursorError
    from hub.store import StoreError
    from hub.store.leases import LeaseHeld

    assert ProviderConfigError.exit_code is ExitCode.SIGNING  # a UsageError, but about a key
    assert SigningRefused.exit_code is ExitCode.SIGNING
    assert CursorError.exit_code is ExitCode.USAGE
    assert StoreError.exit_code is LeaseHeld.exit_code is ExitCode.STORE
    assert GaveUp.exit_code is NetworkFailure.exit_code is ExitCode.RETRY_LATER
    assert AuthenticationFailed.exit_code is ExitCode.MINISTRY
    assert SourceFailed.exit_code is ExitCode.SOURCE
    assert all(cls.exit_code in ExitCode for cls in _every_error_class())
