"""The conformance kit itself: set up and read once per class, API provenance, skip and extend."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import MappingSet
from hub.sources import Checkpoint, Problem, Provenance, RawRecord, ReadItem, SourceSpec
from hub.testing import Kit, SampleCase, source_test_class
from hub.testing.checks import check_provenance

SUITE = """
from pathlib import Path

from hub_generic_excel.sample import sample_case as excel_sample
from hub_generic_excel.source import ExcelSource

from hub.testing import source_test_class

LOG = Path(__file__).parent / "log.txt"
_read = ExcelSource.read


def logged_read(self, cursor):
    with LOG.open("a") as log:
        log.write(f"read {'none' if cursor is None else 'cursor'}\\n")
    yield from _read(self, cursor)


ExcelSource.read = logged_read


def sample_case(folder):
    with LOG.open("a") as log:
        log.write("set up\\n")
    yield excel_sample(folder)
    with LOG.open("a") as log:
        log.write("torn down\\n")


TestSkipping = source_test_class(
    "generic_excel", sample_case, skip={"future_cursor": "a reason pytest shows"}
)


class TestExtended(source_test_class("generic_excel", sample_case)):
    def test_added_by_the_plugin(self, kit):
        mapped, _problems = kit.mapped
        assert len(mapped) == len(kit.first.result.records) - 1  # the "tám" mid-term refused
"""


def test_sample_set_up_and_torn_down_once_per_class_skip_and_extend(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(SUITE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "test_suite.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "14 passed, 1 skipped" in done.stdout, done.stdout[-2000:]
    assert "generic_excel: a reason pytest shows" in done.stdout
    log = (tmp_path / "log.txt").read_text().splitlines()
    steps = [line for line in log if not line.startswith("read")]
    assert steps == ["set up", "torn down", "set up", "torn down"]  # once per class, in order
    first_class = log[1 : log.index("torn down")]
    # One shared full read; the others are the checks' own: determinism's second full read,
    # the incremental read from its cursor (future_cursor skipped in this class).
    assert first_class == ["read none", "read none", "read cursor"]


def test_skip_refuses_an_unknown_check_or_a_missing_reason() -> None:
    with pytest.raises(ValueError, match="no conformance check"):
        source_test_class("generic_excel", lambda folder: None, skip={"incremntal": "typo"})  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="reason"):
        source_test_class("generic_excel", lambda folder: None, skip={"incremental": " "})  # type: ignore[arg-type,return-value]


URL = "/schools/36300001/learners"


class _Yields:
    def __init__(self, items: list[ReadItem]) -> None:
        self.items = items

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        yield from self.items
        yield Checkpoint("{}")


def _kit(*items: ReadItem) -> Kit:
    def factory(options: Any) -> _Yields:
        return _Yields(list(items))

    spec = SourceSpec("toy_api", factory, {"type": "object", "required": ["x"]})
    return Kit(spec, SampleCase({"x": 1}, len(items), "{}"), MappingSet())


def _problem(where: Provenance, message_en: str = "the date is not a date", **kw: Any) -> Problem:
    return Problem(
        "VALUE_INVALID", where, "31/02", "dd/mm/yyyy", "ngày không có thật", message_en, **kw
    )


def test_api_provenance_passes_the_kit() -> None:
    where = Provenance(url=URL, vendor_key="EC-000001")
    check_provenance(_kit(_problem(where, record_key="3630"), _problem(Provenance(url=URL))))


@pytest.mark.parametrize(
    ("item", "said"),
    [
        (_problem(Provenance(url=URL), record_key="3630"), "without vendor_key"),
        (_problem(Provenance()), "problem without provenance"),
        (
            _problem(Provenance("a.xlsx", "Toán", 7, ("H7",)), "a.xlsx › Toán › H7: not a date"),
            "repeats the location",
        ),
        (RawRecord("3630", "educloud", {}, {}), "has no provenance"),
    ],
    ids=["keyed-api-problem-without-key", "nowhere", "location-in-message", "record-nowhere"],
)
def test_the_kit_refuses_a_record_or_problem_that_does_not_say_where(
    item: ReadItem, said: str
) -> None:
    with pytest.raises(AssertionError, match=said):
        check_provenance(_kit(item))


def test_the_kit_reads_with_every_secret_set_to_the_canary() -> None:
    schema = {
        "type": "object",
        "properties": {"token_env": {"type": "string", "x-secret-env": True}},
    }
    seen: list[str] = []

    def factory(options: Any) -> _Yields:
        import os

        seen.append(os.environ[options["token_env"]])
        return _Yields([])

    kit = Kit(SourceSpec("toy", factory, schema), SampleCase({}, 0, "{}"), MappingSet())
    kit.read()
    assert kit.first.result.checkpoints == ["{}"]
    assert seen == [json.loads('"hub-conformance-canary-8c1f"')] * 2


def test_a_sample_yielding_twice_is_refused() -> None:
    from hub.testing.suite import _set_up

    def twice(folder: Path) -> Iterator[SampleCase]:
        yield SampleCase({}, 0, "{}")
        yield SampleCase({}, 0, "{}")

    case, tear_down = _set_up(twice(Path()))
    assert case.rows_in == 0
    with pytest.raises(RuntimeError, match="more than one"):
        tear_down()
