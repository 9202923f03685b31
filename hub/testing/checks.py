"""The conformance checks as plain functions: each raises AssertionError naming what is wrong."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from hub.canonical import to_canonical_json
from hub.mapping import MappingSet
from hub.sources import Checkpoint, CursorError, Problem, RawRecord, Severity, Source, SourceSpec

CANARY = "hub-conformance-canary-8c1f"
"""The value every secret environment variable is set to; it must never be seen again."""


@dataclass(frozen=True)
class SampleCase:
    """A small input the adapter can read, built by the plugin in a temporary folder.

    Attributes:
        config: the source's config section (already valid for its schema).
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


def check_registration(spec: SourceSpec, case: SampleCase) -> None:
    """The config schema is a valid JSON Schema, accepts the sample and refuses an empty config."""
    jsonschema.Draft202012Validator.check_schema(dict(spec.config_schema))
    validator = jsonschema.Draft202012Validator(dict(spec.config_schema))
    errors = [e.message for e in validator.iter_errors(dict(case.config))]
    assert not errors, f"the sample config does not match {spec.name}'s schema: {errors}"
    assert spec.config_schema.get("required"), f"{spec.name}'s schema requires nothing"
    assert list(validator.iter_errors({})), f"{spec.name}'s schema accepts an empty config"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def check_no_secret_leaks(spec: SourceSpec, case: SampleCase) -> None:
    """With every secret variable set to a canary, the canary is in no repr, log or problem."""
    config = dict(case.config)
    env = dict(case.env)
    for key in secret_env_keys(spec.config_schema):
        env[str(config.get(key) or f"HUB_KIT_{key.upper()}")] = CANARY
        config.setdefault(key, f"HUB_KIT_{key.upper()}")
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        with environment(env):
            source = spec.factory(config)
            result = read_all(source, None)
            seen = [repr(source), str(source), *capture.lines]
            seen += [json.dumps(p.as_json(), ensure_ascii=False) for p in result.problems]
            seen += [repr(r.locations) for r in result.records]
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    leaks = [text[:120] for text in seen if CANARY in text]
    assert not leaks, f"a secret leaked into: {leaks}"


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


def check_deterministic(spec: SourceSpec, case: SampleCase, mappings: MappingSet) -> None:
    """Two full reads of the same input give the same canonical JSON and the same problems."""
    with environment(case.env):
        first = read_all(spec.factory(case.config), None)
        second = read_all(spec.factory(case.config), None)
    one, one_problems = map_records(first.records, mappings)
    two, two_problems = map_records(second.records, mappings)
    assert one, "the sample maps to no transcript at all: the check would prove nothing"
    assert one == two, "the same input mapped to different canonical JSON"
    assert [p.as_json() for p in first.problems + one_problems] == [
        p.as_json() for p in second.problems + two_problems
    ], "the same input gave different problems"


def check_incremental(spec: SourceSpec, case: SampleCase) -> None:
    """A read ends with a checkpoint; a second read from it yields no record."""
    with environment(case.env):
        source = spec.factory(case.config)
        first = read_all(source, None)
        assert first.cursor is not None, "the read yielded no Checkpoint"
        assert first.records, "the first read yielded no record"
        second = read_all(spec.factory(case.config), first.cursor)
    assert second.cursor is not None, "the second read yielded no Checkpoint"
    assert not second.records, (
        f"nothing changed, yet the second read yielded {len(second.records)} records"
    )
    errors = [p for p in second.problems if p.severity is Severity.ERROR]
    assert not errors, f"nothing changed, yet the second read reported {errors[:3]}"


def check_future_cursor(spec: SourceSpec, case: SampleCase) -> None:
    """A cursor from the future reads no record; a garbled cursor raises CursorError."""
    with environment(case.env):
        future = read_all(spec.factory(case.config), case.future_cursor)
        assert not future.records, "a cursor from the future still yielded records"
        try:
            read_all(spec.factory(case.config), '{"garbled": ')
        except CursorError:
            pass
        else:
            raise AssertionError("a garbled cursor did not raise hub.sources.CursorError")


def check_problems(spec: SourceSpec, case: SampleCase, mappings: MappingSet) -> None:
    """Every problem (reading and mapping) has a provenance and messages in both languages."""
    with environment(case.env):
        result = read_all(spec.factory(case.config), None)
    _mapped, mapping_problems = map_records(result.records, mappings)
    for problem in result.problems + mapping_problems:
        where = problem.location
        assert where.file or where.url, f"problem without provenance: {problem.as_json()}"
        assert problem.message_vi, f"problem without a Vietnamese message: {problem.code}"
        assert problem.message_en, f"problem without an English message: {problem.code}"
        assert problem.message_vi != problem.message_en, (
            f"untranslated problem: {problem.message_en}"
        )


def check_accounting(spec: SourceSpec, case: SampleCase, mappings: MappingSet) -> None:
    """rows in = records mapped + learners with an error problem; none counted twice."""
    with environment(case.env):
        result = read_all(spec.factory(case.config), None)
    mapped, mapping_problems = map_records(result.records, mappings)
    rejected = {
        p.record_key
        for p in result.problems + mapping_problems
        if p.severity is Severity.ERROR and p.record_key
    }
    both = set(mapped) & rejected
    assert not both, f"learners both mapped and rejected: {sorted(both)[:5]}"
    total = len(mapped) + len(rejected)
    assert total == case.rows_in, (
        f"rows in {case.rows_in} ≠ records out {len(mapped)} + learners with problems "
        f"{len(rejected)}"
    )


Check = Callable[..., None]
