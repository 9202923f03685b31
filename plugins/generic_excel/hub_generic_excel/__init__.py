"""generic_excel: the hub's source plugin for school spreadsheets, and the tutorial plugin.

It registers one source kind, ``generic_excel``, through the ``hub`` entry point (see
pyproject.toml): a folder holding the sector database's learner list and one file per class
(a secondary gradebook or a primary year-end summary), as .xlsx, .xls or .ods. The templates
and the record mappings it uses are the hub's mappings/templates/ and mappings/sources/
generic_excel-*.yaml. docs/writing-a-plugin.md walks through a plugin of this shape.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.hookspecs import hookimpl
from hub.sources import SourceSpec
from hub_generic_excel.config import CONFIG_SCHEMA
from hub_generic_excel.source import ExcelSource, build

__all__ = ["CONFIG_SCHEMA", "ExcelSource", "register_sources"]


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
