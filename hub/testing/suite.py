"""`source_test_class`: the conformance checks as a pytest test class for one source kind.

The class works as meltano's `get_tap_test_class` does: its sample is set up once per class
by a class-scoped `resource` fixture (which tears a simulator down after the last test), the
source is read once per class (`kit.first`), and each check is a test that reads that one read.
A plugin opts out of a check by name with a reason (`skip={"incremental": "…"}`: pytest shows
it as skipped, with the reason), and extends the class by subclassing it: every test method
it adds may ask for the `kit` fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingSet, load_mappings
from hub.plugins import Registry, load_plugins
from hub.testing import checks
from hub.testing.checks import Kit, SampleCase

SampleBuilder = Callable[[Path], SampleCase | Iterator[SampleCase]]
"""`sample_case(folder)`: returns a SampleCase, or yields one (a generator, as a pytest
fixture is written) and tears down what it started after the class's last test."""


@cache
def _registry() -> Registry:
    return load_plugins()


@cache
def _mappings() -> MappingSet:
    registry = _registry()
    return load_mappings(registry.mapping_dirs, registry.transforms)


def _set_up(made: SampleCase | Iterator[SampleCase]) -> tuple[SampleCase, Callable[[], None]]:
    """The sample and how to tear it down: a generator is run to its yield, then past it."""
    if isinstance(made, SampleCase):
        return made, lambda: None
    case = next(made)
    if not isinstance(case, SampleCase):
        raise TypeError(f"sample_case yielded {type(case).__name__}, not a SampleCase")

    def tear_down() -> None:
        try:
            next(made)
        except StopIteration:
            return
        raise RuntimeError("sample_case yielded more than one SampleCase")

    return case, tear_down


def source_test_class(
    kind: str, sample_case: SampleBuilder, *, skip: Mapping[str, str] | None = None
) -> type[Any]:
    """A test class running every conformance check against the source kind `kind`.

    Args:
        kind: the registered source kind (`SourceSpec.name`).
        sample_case: builds the sample input in a temporary folder (see `SampleBuilder`).
        skip: checks to leave out (names of `hub.testing.checks.CHECKS`), each with the
            reason pytest shows; an unknown name is refused, so a typo keeps no check off.

    Raises:
        ValueError: `skip` names a check that does not exist, or gives no reason.
    """
    skip = dict(skip or {})
    unknown = sorted(set(skip) - set(checks.CHECKS))
    if unknown:
        raise ValueError(f"no conformance check {unknown}; the checks: {sorted(checks.CHECKS)}")
    if not all(isinstance(reason, str) and reason.strip() for reason in skip.values()):
        raise ValueError("each skipped check needs its reason")

    class SourceConformance:
        @pytest.fixture(scope="class")
        @classmethod
        def resource(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleCase]:
            """The sample, set up once for the class and torn down after its last test."""
            case, tear_down = _set_up(sample_case(tmp_path_factory.mktemp(f"kit-{kind}")))
            yield case
            tear_down()

        @pytest.fixture(scope="class")
        @classmethod
        def kit(cls, resource: SampleCase) -> Kit:
            """The kind, its sample and the mappings; `kit.first` is read once per class."""
            registry = _registry()
            assert kind in registry.sources, (
                f"source kind {kind!r} is not registered; failures: {registry.failures}"
            )
            return Kit(registry.sources[kind], resource, _mappings())

        def test_registration_and_config_schema(self, kit: Kit) -> None:
            checks.check_registration(kit)

        def test_no_secret_in_repr_or_logs(self, kit: Kit) -> None:
            checks.check_no_secret_leaks(kit)

        def test_deterministic_mapping(self, kit: Kit) -> None:
            checks.check_deterministic(kit)

        def test_two_sequential_incremental_reads(self, kit: Kit) -> None:
            checks.check_incremental(kit)

        def test_abnormal_future_cursor(self, kit: Kit) -> None:
            checks.check_future_cursor(kit)

        def test_provenance_on_every_record_and_problem(self, kit: Kit) -> None:
            checks.check_provenance(kit)

        def test_rows_in_equal_records_out_plus_problems(self, kit: Kit) -> None:
            checks.check_accounting(kit)

    for name, reason in skip.items():
        test = _TESTS[name]
        marked = pytest.mark.skip(reason=f"{kind}: {reason}")(getattr(SourceConformance, test))
        setattr(SourceConformance, test, marked)
    SourceConformance.__name__ = f"Test{kind.title().replace('_', '')}Conformance"
    SourceConformance.__qualname__ = SourceConformance.__name__
    return SourceConformance


_TESTS = {
    "registration": "test_registration_and_config_schema",
    "secrets": "test_no_secret_in_repr_or_logs",
    "deterministic": "test_deterministic_mapping",
    "incremental": "test_two_sequential_incremental_reads",
    "future_cursor": "test_abnormal_future_cursor",
    "provenance": "test_provenance_on_every_record_and_problem",
    "accounting": "test_rows_in_equal_records_out_plus_problems",
}
"""The test of each check (`checks.CHECKS`), by the name `skip=` takes."""
