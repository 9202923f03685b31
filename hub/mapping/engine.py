"""The mapping engine: a raw record and a compiled mapping file → a Transcript or Problems.

A mapping file says, for each canonical field, where the raw value is (`from: learner.ho_ten`)
and which named transforms convert it (`transform: [name]`); the groups `subjects`,
`qualities` and `competencies` map a table keyed by the vendor's labels ("Thể dục") to codes
(GDTC) with `label:<list>`. Compilation binds every name once, so mapping one record is a walk
over prepared closures (the bench needs tens of thousands a second).

The engine never guesses: a value a transform refuses, a label no list knows, or a required
value that is absent becomes a Problem carrying the raw value's Provenance (file, sheet, cell
or API record). Values the source leaves out but the rules define (averages, levels,
conclusions) are computed by hub.rules.compute in hub.mapping.assemble, the rules' own code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.codes import CodeLists
from hub.datafiles import line_of
from hub.errors import DataFileError
from hub.mapping.assemble import Collected, assemble, target_label
from hub.mapping.labels import LabelList
from hub.mapping.transforms import Transform, TransformError
from hub.model import Transcript
from hub.sources import Problem, ProblemCode, RawPath, RawRecord

Step = tuple[str, Callable[[Any], Any]]
_FORMAT_KEY = re.compile(r"\{([a-z_.0-9]+)\}")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One canonical field: where its raw value is and how it is converted."""

    target: str
    source: RawPath | None = None
    value: Any = None
    fmt: str | None = None
    default: Any = None
    default_from: RawPath | None = None
    steps: tuple[Step, ...] = ()
    each: bool = False


@dataclass(frozen=True, slots=True)
class GroupRule:
    """A table keyed by labels (subjects, qualities, competencies)."""

    source: RawPath
    code_steps: tuple[Step, ...]
    value_steps: tuple[Step, ...] = ()
    fields: tuple[FieldRule, ...] = ()


@dataclass(frozen=True, slots=True)
class MappingOutcome:
    """What mapping one record gave: a transcript (None when an error stopped it) and problems."""

    transcript: Transcript | None
    problems: tuple[Problem, ...] = ()


def _path(text: str | None) -> RawPath | None:
    return tuple(text.split(".")) if text else None


def _bind(
    names: Sequence[str],
    transforms: Mapping[str, Transform],
    labels: Mapping[str, LabelList],
    where: tuple[str, int | None],
) -> tuple[Step, ...]:
    steps: list[Step] = []
    for spec in names:
        name, _, arg = spec.partition(":")
        if name == "label":
            if arg not in labels:
                raise DataFileError(
                    where[0], where[1], f"không có danh sách nhãn {arg!r}", f"no label list {arg!r}"
                )
            steps.append((spec, _label_step(labels[arg])))
            continue
        function = transforms.get(name)
        if function is None:
            known = ", ".join(sorted(transforms))
            raise DataFileError(
                where[0],
                where[1],
                f"không có phép biến đổi {name!r} (có: {known})",
                f"no transform {name!r} (known: {known})",
            )
        steps.append((spec, _with_arg(function, arg)))
    return tuple(steps)


def _with_arg(function: Transform, arg: str) -> Callable[[Any], Any]:
    return lambda value: function(value, arg)


def _label_step(labels: LabelList) -> Callable[[Any], Any]:
    def resolve(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        code = labels.resolve(str(value))
        if code is None:
            raise TransformError(
                labels.expected(),
                f"nhãn không có trong danh sách {labels.name}",
                f"label not in the list {labels.name}",
                code=ProblemCode.LABEL_UNKNOWN.value,
            )
        return code

    return resolve


def _rule(
    target: str,
    spec: Mapping[str, Any],
    bind: Callable[[Sequence[str], list[str | int]], tuple[Step, ...]],
    at: list[str | int],
) -> FieldRule:
    return FieldRule(
        target=target,
        source=_path(spec.get("from")),
        value=spec.get("value"),
        fmt=spec.get("format"),
        default=spec.get("default"),
        default_from=_path(spec.get("default_from")),
        steps=bind(spec.get("transform", []), [*at, "transform"]),
        each=bool(spec.get("each", False)),
    )


def compile_mapping(
    data: Mapping[str, Any],
    path: str,
    transforms: Mapping[str, Transform],
    labels: Mapping[str, LabelList],
    codes: CodeLists,
) -> RecordMapping:
    """Bind a checked mapping file's transform and label names (errors name file and line)."""

    def bind(names: Sequence[str], at: list[str | int]) -> tuple[Step, ...]:
        return _bind(names, transforms, labels, (path, line_of(data, at)))

    fields = tuple(
        _rule(target, spec, bind, ["fields", target]) for target, spec in data["fields"].items()
    )
    groups: dict[str, GroupRule] = {}
    for group in ("subjects", "qualities", "competencies"):
        spec = data.get(group)
        if spec is None:
            continue
        groups[group] = GroupRule(
            source=tuple(spec["from"].split(".")),
            code_steps=bind(spec["code"], [group, "code"]),
            value_steps=bind(spec.get("value", []), [group, "value"]),
            fields=tuple(
                _rule(t, s, bind, [group, "fields", t]) for t, s in spec.get("fields", {}).items()
            ),
        )
    return RecordMapping(data["mapping"], data["level"], fields, groups, codes, path)


def _get(data: Any, path: RawPath) -> Any:
    for step in path:
        if isinstance(data, Mapping):
            data = data.get(step)
        elif isinstance(data, list | tuple) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return None
        if data is None:
            return None
    return data


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    """A raw value as an operator would recognise it, shortened."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


class RecordMapping:
    """A compiled mapping file; `map(raw)` turns one raw record into a MappingOutcome."""

    def __init__(
        self,
        name: str,
        level: str,
        fields: tuple[FieldRule, ...],
        groups: dict[str, GroupRule],
        codes: CodeLists,
        path: str,
    ) -> None:
        self.name = name
        self.level = level
        self.fields = fields
        self.groups = groups
        self.codes = codes
        self.path = path
        self._plain = tuple(r for r in fields if r.fmt is None)
        self._formats = tuple(r for r in fields if r.fmt is not None)

    def __repr__(self) -> str:
        return f"RecordMapping({self.name!r}, {self.path!r})"

    def map(self, raw: RawRecord) -> MappingOutcome:
        run = _Run(raw)
        values: dict[str, Any] = {}
        sources: dict[str, RawPath] = {}
        for rule in self._plain:
            sources[rule.target] = rule.source or rule.default_from or ()
            found = run.value(rule, raw.data, ())
            if found is not None:
                values[rule.target] = found
        for rule in self._formats:
            filled = run.format(rule, values)
            if filled is not None:
                values[rule.target] = filled
        collected = Collected(values=values)
        self._groups(run, collected, sources)

        def missing(target: str, subject: str | None = None) -> None:
            key = (subject, target) if subject else target
            path = collected.sources.get(key) if subject else sources.get(target)
            run.problem(
                ProblemCode.VALUE_MISSING,
                path or (),
                "",
                target_label(target, subject)[2],
                f"thiếu {target_label(target, subject)[0]}",
                f"missing {target_label(target, subject)[1]}",
            )

        def invalid(target: str, subject: str | None, vi: str, en: str) -> None:
            key = (subject, target) if subject else target
            path = collected.sources.get(key) if subject else sources.get(target)
            run.problem(ProblemCode.CANNOT_COMPUTE, path or (), "", target, vi, en)

        transcript = None
        if not run.problems:
            transcript = assemble(self.level, collected, self.codes, missing, invalid)
        if run.problems:
            transcript = None
        return MappingOutcome(transcript, tuple(run.problems))

    def _groups(self, run: _Run, collected: Collected, sources: dict[str, RawPath]) -> None:
        for group_name, group in self.groups.items():
            table = _get(run.raw.data, group.source)
            if not isinstance(table, Mapping):
                continue
            target = getattr(collected, group_name)
            for label, raw_value in table.items():
                at: RawPath = (*group.source, label)
                code = run.convert(group.code_steps, label, at, f"{group_name}")
                if code is None:
                    continue
                if code in target:
                    run.problem(
                        ProblemCode.VALUE_INVALID,
                        at,
                        str(label),
                        f"one {code}",
                        f"{code} xuất hiện hai lần ({label})",
                        f"{code} appears twice ({label})",
                    )
                    continue
                if not group.fields:
                    collected.sources[(code, group_name)] = at  # a blank is missing *here*
                    if not _blank(raw_value):
                        target[code] = run.convert(group.value_steps, raw_value, at, code)
                    continue
                entry: dict[str, Any] = {}
                for rule in group.fields:
                    collected.sources[(code, rule.target)] = (*at, *(rule.source or ()))
                    found = run.value(rule, raw_value, at, fallback=run.raw.data)
                    if found is not None:
                        entry[rule.target] = found
                target[code] = entry


class _Run:
    """The problems of one record's mapping, and the helpers that add to them."""

    def __init__(self, raw: RawRecord) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def problem(
        self, code: ProblemCode | str, path: RawPath, found: str, expected: str, vi: str, en: str
    ) -> None:
        self.problems.append(
            Problem.at(
                str(code),
                self.raw.location_of(path),
                found,
                expected,
                vi + (f" (gặp {found!r})" if found else ""),
                en + (f" (found {found!r})" if found else ""),
                record_key=self.raw.key,
            )
        )

    def convert(self, steps: tuple[Step, ...], value: Any, at: RawPath, target: str) -> Any:
        for _spec, step in steps:
            try:
                value = step(value)
            except TransformError as exc:
                self.problem(
                    exc.code,
                    at,
                    show(value),
                    exc.expected,
                    f"{exc.message_vi}; cần {exc.expected}",
                    f"{exc.message_en}; expected {exc.expected}",
                )
                return None
            if value is None:
                return None
        return value

    def value(self, rule: FieldRule, data: Any, base: RawPath, fallback: Any = None) -> Any:
        if rule.value is not None:
            return rule.value
        found = _get(data, rule.source) if rule.source else None
        path = (*base, *(rule.source or ()))
        if _blank(found) or (isinstance(found, list | tuple) and not found):
            if rule.default_from is not None:
                found = _get(fallback if fallback is not None else data, rule.default_from)
                path = rule.default_from
            if _blank(found):
                return rule.default
        if rule.each:
            items = found if isinstance(found, list | tuple) else [found]
            out = []
            for index, item in enumerate(items):
                if _blank(item):
                    continue
                converted = self.convert(rule.steps, item, (*path, index), rule.target)
                if converted is not None:
                    out.append(converted)
            return tuple(out)
        return self.convert(rule.steps, found, path, rule.target)

    def format(self, rule: FieldRule, values: Mapping[str, Any]) -> str | None:
        assert rule.fmt is not None
        absent = [k for k in _FORMAT_KEY.findall(rule.fmt) if k not in values]
        if absent:
            return None  # the absent fields are reported as missing themselves
        return _FORMAT_KEY.sub(lambda m: str(values[m[1]]), rule.fmt)
