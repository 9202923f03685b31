"""The conformance checks as plain functions: each takes a `Kit` and raises AssertionError.

A `Kit` is one source kind with its sample input and the mappings: `kit.first` is its one
full read (made on first use, then shared by every check), `kit.read(cursor)` another read
when a check needs one (the second of two incremental reads). Every read the kit makes runs
with each secret variable of the source's schema set to `CANARY`, so the secrets check has
nothing to read again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonschema

from hub.canonical import to_canonical_json
from hub.mapping import MappingSet
from hub.sources import (
    Checkpoint,
    CursorError,
    Problem,
    Provenance,
    RawRecord,
    Severity,
    Source,
    SourceSpec,
)

CANARY = "hub-conformance-canary-8c1f"
"""The value every secret environment variable is set to; it must never be seen again."""


@dataclass(frozen=True)
class SampleCase:
    """A small input the adapter can read, built by the plugin in a temporary folder.

    Attributes:
        config: the source's `options` (already valid for its schema).
        rows_in: how many learner rows the input holds (each must end as a record or problems).
        future_cursor: a cursor far ahead of the input: reading from it yields no record.
        env: extra environment variables the source needs (not secrets: the kit sets those).
    """

    config: Mapping[str, Any]
    rows_in: int
    future_cursor: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ReadResult:
    """What one read yielded, sorted by kind."""

    records: list[RawRecord]
    problems: list[Problem]
    checkpoints: list[str]

    @property
    def cursor(self) -> str | None:
        return self.checkpoints[-1] if self.checkpoints else None


def read_all(source: Source, cursor: str | None) -> ReadResult:
    """Drain one read, sorting what it yields."""
    result = ReadResult([], [], [])
    for item in source.read(cursor):
        if isinstance(item, RawRecord):
            result.records.append(item)
        elif isinstance(item, Problem):
            result.problems.append(item)
        elif isinstance(item, Checkpoint):
            result.checkpoints.append(item.cursor)
        else:
            raise AssertionError(
                f"read() yielded {type(item).__name__}, not a record, problem or checkpoint"
            )
    return result


def secret_env_keys(schema: Mapping[str, Any]) -> list[str]:
    """Config keys marked `"x-secret-env": true` (they name environment variables)."""
    props = schema.get("properties", {})
    return [
        key for key, spec in props.items() if isinstance(spec, Mapping) and spec.get("x-secret-env")
    ]


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in os.environ for the block, the old values back after it."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def _captured_logs() -> Iterator[list[str]]:
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture.lines
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


@dataclass
class FirstRead:
    """The kit's one full read: what it yielded, the source's repr and every log line."""

    result: ReadResult
    shown: list[str]  # repr() and str() of the source
    logs: list[str]


@dataclass
class Kit:
    """One source kind, its sample input and the mappings: what every check is given.

    Attributes:
        spec: the registered kind.
        case: the sample input (`SampleCase`).
        mappings: the mapping files, the plugins' folders included.
    """

    spec: SourceSpec
    case: SampleCase
    mappings: MappingSet

    @cached_property
    def config(self) -> dict[str, Any]:
        """The sample's options, each secret key naming a variable (the kit's own if unset)."""
        config = dict(self.case.config)
        for key in secret_env_keys(self.spec.config_schema):
            config.setdefault(key, f"HUB_KIT_{key.upper()}")
        return config

    @cached_property
    def env(self) -> dict[str, str]:
        """The sample's environment, with every secret variable set to `CANARY`."""
        env = dict(self.case.env)
        for key in secret_env_keys(self.spec.config_schema):
            env[str(self.config[key])] = CANARY
        return env

    def read(self, cursor: str | None = None) -> ReadResult:
        """One read by a fresh source, in the kit's environment."""
        with environment(self.env):
            return read_all(self.spec.factory(self.config), cursor)

    @cached_property
    def first(self) -> FirstRead:
        """The one full read (from no cursor) every check shares, with its logs."""
        with _captured_logs() as logs, environment(self.env):
            source = self.spec.factory(self.config)
            result = read_all(source, None)
            shown = [repr(source), str(source)]
        return FirstRead(result, shown, list(logs))

    @cached_property
    def mapped(self) -> tuple[dict[str, bytes], list[Problem]]:
        """The first read's records mapped: canonical JSON by record key, mapping problems."""
        return map_records(self.first.result.records, self.mappings)


def map_records(
    records: list[RawRecord], mappings: MappingSet
) -> tuple[dict[str, bytes], list[Problem]]:
    """Canonical JSON by record key, and the mapping problems."""
    mapped: dict[str, bytes] = {}
    problems: list[Problem] = []
    for record in records:
        outcome = mappings.record(record.mapping).map(record)
        problems.extend(outcome.problems)
        if outcome.transcript is not None:
            mapped[record.key] = to_canonical_json(outcome.transcript)
    return mapped, problems


def check_registration(kit: Kit) -> None:
    """The config schema is a valid JSON Schema, accepts the sample and refuses an empty config."""
    spec, case = kit.spec, kit.case
    jsonschema.Draft202012Validator.check_schema(dict(spec.config_schema))
    validator = jsonschema.Draft202012Validator(dict(spec.config_schema))
    errors = [e.message for e in validator.iter_errors(dict(case.config))]
    assert not errors, f"the sample config does not match {spec.name}'s schema: {errors}"
    assert spec.config_schema.get("required"), f"{spec.name}'s schema requires nothing"
    assert list(validator.iter_errors({})), f"{spec.name}'s schema accepts an empty config"


def check_no_secret_leaks(kit: Kit) -> None:
    """With every secret variable set to a canary, the canary is in no repr, log or problem."""
    first = kit.first
    seen = [*first.shown, *first.logs]
    seen += [json.dumps(p.as_json(), ensure_ascii=False) for p in first.result.problems]
    seen += [repr(r.locations) for r in first.result.records]
    leaks = [text[:120] for text in seen if CANARY in text]
    assert not leaks, f"a secret leaked into: {leaks}"


def check_deterministic(kit: Kit) -> None:
    """Two full reads of the same input give the same canonical JSON and the same problems."""
    one, one_problems = kit.mapped
    second = kit.read()
    two, two_problems = map_records(second.records, kit.mappings)
    assert one, "the sample maps to no transcript at all: the check would prove nothing"
    assert one == two, "the same input mapped to different canonical JSON"
    assert [p.as_json() for p in kit.first.result.problems + one_problems] == [
        p.as_json() for p in second.problems + two_problems
    ], "the same input gave different problems"


def check_incremental(kit: Kit) -> None:
    """A read ends with a checkpoint; a second read from it yields no record."""
    first = kit.first.result
    assert first.cursor is not None, "the read yielded no Checkpoint"
    assert first.records, "the first read yielded no record"
    second = kit.read(first.cursor)
    assert second.cursor is not None, "the second read yielded no Checkpoint"
    assert not second.records, (
        f"nothing changed, yet the second read yielded {len(second.records)} records"
    )
    errors = [p for p in second.problems if p.severity is Severity.ERROR]
    assert not errors, f"nothing changed, yet the second read reported {errors[:3]}"


def check_future_cursor(kit: Kit) -> None:
    """A cursor from the future reads no record; a garbled cursor raises CursorError."""
    future = kit.read(kit.case.future_cursor)
    assert not future.records, "a cursor from the future still yielded records"
    try:
        kit.read('{"garbled": ')
    except CursorError:
        pass
    else:
        raise AssertionError("a garbled cursor did not raise hub.api.CursorError")


def located(where: Provenance) -> bool:
    """Whether a location points somewhere a person can go: a file, or an API resource."""
    return bool(where.file or where.url)


def check_provenance(kit: Kit) -> None:
    """Every record and problem says where it is: file (sheet, row, cells) or URL and key.

    A spreadsheet's location names its file; an API's names its URL, and a problem that keeps
    a learner out names the vendor's key of the learner's record too. The messages say what is
    wrong in both languages and never start with the location (the edge formats it).
    """
    first = kit.first.result
    for record in first.records:
        assert located(record.location_of(())), (
            f"record {record.key!r} has no provenance at () (file, or url and vendor_key)"
        )
    for problem in first.problems + kit.mapped[1]:
        where = problem.location
        assert located(where), f"problem without provenance: {problem.as_json()}"
        if where.url and not where.file and problem.record_key:
            assert where.vendor_key, f"an API problem of a learner without vendor_key: {where}"
        assert problem.message_vi, f"problem without a Vietnamese message: {problem.code}"
        assert problem.message_en, f"problem without an English message: {problem.code}"
        assert problem.message_vi != problem.message_en, (
            f"untranslated problem: {problem.message_en}"
        )
        place = where.describe()
        for message in (problem.message_vi, problem.message_en):
            assert not message.startswith(place), (
                f"the message repeats the location (it is formatted where it is shown): "
                f"{message[:120]}"
            )


def check_accounting(kit: Kit) -> None:
    """rows in = records mapped + learners with an error problem; none counted twice."""
    mapped, mapping_problems = kit.mapped
    rejected = {
        p.record_key
        for p in kit.first.result.problems + mapping_problems
        if p.severity is Severity.ERROR and p.record_key
    }
    both = set(mapped) & rejected
    assert not both, f"learners both mapped and rejected: {sorted(both)[:5]}"
    total = len(mapped) + len(rejected)
    assert total == kit.case.rows_in, (
        f"rows in {kit.case.rows_in} ≠ records out {len(mapped)} + learners with problems "
        f"{len(rejected)}"
    )


Check = Callable[[Kit], None]

CHECKS: dict[str, Check] = {
    "registration": check_registration,
    "secrets": check_no_secret_leaks,
    "deterministic": check_deterministic,
    "incremental": check_incremental,
    "future_cursor": check_future_cursor,
    "provenance": check_provenance,
    "accounting": check_accounting,
}
"""Every check by the name `source_test_class(skip=...)` takes."""
