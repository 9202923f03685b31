"""The layering contracts of pyproject.toml hold, and each would catch the imports it forbids.

The contracts run in `make lint` (lint-imports); this test checks them on the real import graph
and on the graph with one forbidden import added, one case per defect the contracts exist to
keep out (the cycles and cross-layer imports of the restructuring issue), so that a contract
loosened by mistake fails here.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import api
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"
TYPES: dict[str, Any] = {
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


@pytest.fixture(scope="module")
def configured() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    config = api.read_configuration(str(PYPROJECT))
    return config["session_options"], config["contracts_options"]


@pytest.fixture(scope="module")
def graph(configured: tuple[dict[str, Any], list[dict[str, Any]]]) -> grimp.ImportGraph:
    session, _ = configured
    return grimp.build_graph(*session["root_packages"], exclude_type_checking_imports=True)


def _broken(
    configured: tuple[dict[str, Any], list[dict[str, Any]]], graph: grimp.ImportGraph
) -> set[str]:
    session, contracts = configured
    return {
        options["name"]
        for options in contracts
        # A contract's check takes its ignored imports out of the graph it is given: a copy each.
        if not TYPES[options["type"]](options["name"], session, options)
        .check(copy.deepcopy(graph), verbose=False)
        .kept
    }


def test_the_code_keeps_every_contract(configured, graph) -> None:  # type: ignore[no-untyped-def]
    assert _broken(configured, graph) == set()


# (importer, imported, words in the name of the contract that must break)
FORBIDDEN = [
    ("hub.rules.secondary", "hub.store.records", "The core"),
    ("hub.document.read", "hub.pipeline.runner", "The core"),
    ("hub.signing.verify", "hub.cli.verify", "The core"),
    ("hub.model", "hub.report.rows", "The core"),
    ("hub.cli.status", "hub.store.tables", "command line reads no store table"),
    ("hub.mapping.compiled", "hub.mapping.engine", "No import cycles"),  # engine → compiled
    ("hub.cli.retry", "hub.cli.corrections", "No import cycles"),
    ("hub.signing.providers.remote", "hub.signing.remote.simulator", "No import cycles"),
    ("hub_generic_excel.source", "hub.mapping.legacy", "public faces"),
    ("hub_generic_excel.workbook", "hub.store", "public faces"),
]


@pytest.mark.parametrize(("importer", "imported", "contract"), FORBIDDEN)
def test_a_forbidden_import_breaks_its_contract(  # type: ignore[no-untyped-def]
    configured, graph, importer: str, imported: str, contract: str
) -> None:
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    if "cycles" in contract and imported == "hub.cli.corrections":
        changed.add_import(importer=imported, imported=importer, line_number=1, line_contents="x")
    broken = _broken(configured, changed)
    assert any(contract in name for name in broken), broken
