"""pytest fixtures for plugin authors: ``pytest_plugins = ["hub.testing.plugin"]`` in conftest.py.

hub_registry   the loaded plugins (hub.plugins.load_plugins), once per session
hub_mappings   the mapping files with the plugins' transforms and folders
"""

from __future__ import annotations

import pytest

from hub.mapping import MappingSet, load_mappings
from hub.plugins import Registry, load_plugins


@pytest.fixture(scope="session")
def hub_registry() -> Registry:
    """Every installed plugin, loaded as the hub loads them."""
    return load_plugins()


@pytest.fixture(scope="session")
def hub_mappings(hub_registry: Registry) -> MappingSet:
    """The mapping folders, checked and compiled with the registered transforms."""
    return load_mappings(hub_registry.mapping_dirs, hub_registry.transforms)
