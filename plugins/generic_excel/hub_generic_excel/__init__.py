"""generic_excel: the hub's source plugin for school spreadsheets, and the tutorial plugin.

It registers one source kind, ``generic_excel``, through the ``hub`` entry point (see
pyproject.toml): a folder holding the sector database's learner list and one file per class
(a secondary gradebook or a primary year-end summary), as .xlsx, .xls or .ods. Its templates
and record mappings ship in this package (mappings/templates/, mappings/sources/
generic_excel-*.yaml, registered with `register_mappings`); the label and code lists every
plugin shares are the hub's own mappings/. It imports only `hub.api` (and `hub.testing` for
its conformance sample). docs/writing-a-plugin.md walks through a plugin of this shape.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.api import SourceSpec, hookimpl
from hub_generic_excel.config import CONFIG_SCHEMA, MAPPINGS
from hub_generic_excel.source import ExcelSource, build

__all__ = ["CONFIG_SCHEMA", "MAPPINGS", "ExcelSource", "register_mappings", "register_sources"]


@hookimpl
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    register(
        SourceSpec(
            name="generic_excel",
            factory=build,
            config_schema=CONFIG_SCHEMA,
            description="school spreadsheets: learner list + class gradebooks / year-end summaries",
        )
    )


@hookimpl
def register_mappings(register: Callable[[Path], None]) -> None:
    register(MAPPINGS)
