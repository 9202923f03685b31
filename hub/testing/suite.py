"""`source_test_class`: the conformance checks as a pytest test class for one source kind."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingSet, load_mappings
from hub.plugins import Registry, load_plugins
from hub.sources import SourceSpec
from hub.testing import checks
from hub.testing.checks import SampleCase


@cache
def _registry() -> Registry:
    return load_plugins()


@cache
def _mappings() -> MappingSet:
    registry = _registry()
    return load_mappings(registry.mapping_dirs, registry.transforms)


def source_test_class(kind: str, sample_case: Callable[[Path], SampleCase]) -> type[Any]:
    """A test class running every conformance check against the source kind `kind`.

    Args:
        kind: the registered source kind (`SourceSpec.name`).
        sample_case: builds the sample input in a temporary folder and describes it.
    """

    class SourceConformance:
        @pytest.fixture
        def registry(self) -> Registry:
            return _registry()

        @pytest.fixture
        def spec(self, registry: Registry) -> SourceSpec:
            assert kind in registry.sources, (
                f"source kind {kind!r} is not registered; failures: {registry.failures}"
            )
            return registry.sources[kind]

        @pytest.fixture
        def mappings(self) -> MappingSet:
            return _mappings()

        @pytest.fixture
        def case(self, tmp_path: Path) -> SampleCase:
            return sample_case(tmp_path)

        def test_registration_and_config_schema(self, spec: SourceSpec, case: SampleCase) -> None:
            checks.check_registration(spec, case)

        def test_no_secret_in_repr_or_logs(self, spec: SourceSpec, case: SampleCase) -> None:
            checks.check_no_secret_leaks(spec, case)

        def test_deterministic_mapping(
            self, spec: SourceSpec, case: SampleCase, mappings: MappingSet
        ) -> None:
            checks.check_deterministic(spec, case, mappings)

        def test_two_sequential_incremental_reads(self, spec: SourceSpec, case: SampleCase) -> None:
            checks.check_incremental(spec, case)

        def test_abnormal_future_cursor(self, spec: SourceSpec, case: SampleCase) -> None:
            checks.check_future_cursor(spec, case)

        def test_provenance_on_every_problem(
            self, spec: SourceSpec, case: SampleCase, mappings: MappingSet
        ) -> None:
            checks.check_problems(spec, case, mappings)

        def test_rows_in_equal_records_out_plus_problems(
            self, spec: SourceSpec, case: SampleCase, mappings: MappingSet
        ) -> None:
            checks.check_accounting(spec, case, mappings)

    SourceConformance.__name__ = f"Test{kind.title().replace('_', '')}Conformance"
    SourceConformance.__qualname__ = SourceConformance.__name__
    return SourceConformance
