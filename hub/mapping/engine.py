"""The mapping engine: a raw record and a compiled mapping file → a Transcript or Problems.

A mapping file says, for each canonical field, where the raw value is (`from: learner.ho_ten`)
and which named transforms convert it (`transform: [name]`); the groups `subjects`,
`qualities` and `competencies` map a table keyed by the vendor's labels ("Thể dục") to codes
(GDTC) with `label:<list>`. Compilation binds every name once, so mapping one record is a walk
over prepared closures (the bench needs tens of thousands a second).

The engine never guesses: a value a transform refuses, a label no list knows, or a required
value that is absent becomes a Problem carrying the raw value's Provenance (file, sheet, cell
or API record) as its location, its messages saying what is wrong and what was found but not
where (the edge formats the location). Values the source leaves out but the rules define
(averages, levels, conclusions) are computed by hub.rules.compute in hub.mapping.assemble, the
rules' own code.
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
from hub.mapping.compiled import (
    MEMO_LIMIT,
    Converter,
    all_pure,
    converter,
    getter,
    is_pure,
    memoised,
    rule_parts,
    rule_value,
)
from hub.mapping.inline import GroupFill, InlineRule, group_filler, plain_filler
from hub.mapping.labels import LabelList
from hub.mapping.transforms import Transform, TransformError
from hub.model import Transcript
from hub.privacy import mask_id
from hub.sources import Problem, ProblemCode, RawPath, RawRecord

Step = tuple[str, Callable[[Any], Any]]
_FORMAT_KEY = re.compile(r"\{([a-z_.0-9]+)\}")

PERSONAL_ID_FIELDS = frozenset({"learner.personal_id", "learner.foreign_number"})
"""Canonical fields that hold a personal ID (SoDinhDanh, GiayToNuocNgoai/So) in every mapping;
a mapping marks any other with `personal_id: true`."""


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
    personal: bool = False  # a personal ID: what was found is masked in problems


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
            steps.append((spec, memoised(_label_step(labels[arg]), "")))
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
        pure = is_pure(name, function)
        steps.append((spec, memoised(function, arg) if pure else _with_arg(function, arg)))
    return tuple(steps)


def _with_arg(function: Transform, arg: str) -> Callable[[Any], Any]:
    return lambda value: function(value, arg)


def _label_step(labels: LabelList) -> Transform:
    def resolve(value: Any, arg: str) -> str:
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
        personal=target in PERSONAL_ID_FIELDS or bool(spec.get("personal_id", False)),
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    """A raw value as an operator would recognise it, shortened."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass(frozen=True, slots=True)
class _Group:
    """A GroupRule compiled: its table getter, label and value converters, its fields' fill."""

    name: str
    source: RawPath
    table: Callable[[Any], Any]
    code: Converter
    value: Converter
    fields: tuple[str, ...]  # the targets of the group's fields
    tails: Mapping[str, RawPath]  # field target → its path under the label's entry
    fill: GroupFill  # the fields above, unrolled (hub.mapping.inline): one label's entry
    known: dict[str, str] | None  # label → code already converted (None: steps not pure)


def _first_step(rule: FieldRule) -> str | None:
    """The first step of a rule that yields nothing when that step is absent, else None."""
    plain = rule.value is None and rule.default is None and rule.default_from is None
    if plain and rule.source and isinstance(rule.source[0], str):
        return rule.source[0]
    return None


def _plain_inline(rule: FieldRule) -> InlineRule:
    value, memo = rule_parts(rule)
    plain = rule.value is None and rule.default is None and rule.default_from is None
    path = rule.source if plain and rule.source else None
    return InlineRule(rule.target, value, memo, path, 0, rule.each)


def _group_fill(rules: tuple[FieldRule, ...]) -> GroupFill:
    """A group's fields as hub.mapping.inline writes them out (the loop of _map_groups)."""
    inline = []
    for rule in rules:
        if _first_step(rule) is None:
            inline.append(InlineRule(rule.target, rule_value(rule), None, None, 0))
            continue
        value, memo = rule_parts(rule, start=1)
        inline.append(InlineRule(rule.target, value, memo, rule.source, 1, rule.each))
    return group_filler(inline, [rule_value(rule) for rule in rules])


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
        self._fill_plain = plain_filler([_plain_inline(r) for r in fields if r.fmt is None])
        self._formats = tuple(r for r in fields if r.fmt is not None)
        # Where a missing plain field would have been: the same for every record.
        self._sources: dict[str, RawPath] = {
            r.target: r.source or r.default_from or () for r in fields if r.fmt is None
        }
        self._groups = tuple(
            _Group(
                name,
                group.source,
                getter(group.source),
                converter(group.code_steps),
                converter(group.value_steps),
                tuple(r.target for r in group.fields),
                {r.target: tuple(r.source or ()) for r in group.fields},
                _group_fill(group.fields),
                {} if all_pure(group.code_steps) else None,
            )
            for name, group in groups.items()
        )

    def __repr__(self) -> str:
        return f"RecordMapping({self.name!r}, {self.path!r})"

    def map(self, raw: RawRecord) -> MappingOutcome:
        run = _Run(raw)
        data = raw.data
        values: dict[str, Any] = {}
        self._fill_plain(run, data, values)
        for rule in self._formats:
            filled = run.format(rule, values)
            if filled is not None:
                values[rule.target] = filled
        collected = Collected(values=values)
        located = self._map_groups(run, collected)

        def where(target: str, subject: str | None) -> RawPath | None:
            if not subject:
                return self._sources.get(target)
            return self._located(located, subject, target)

        def missing(target: str, subject: str | None = None) -> None:
            run.problem(
                ProblemCode.VALUE_MISSING,
                where(target, subject) or (),
                "",
                target_label(target, subject)[2],
                f"thiếu {target_label(target, subject)[0]}",
                f"missing {target_label(target, subject)[1]}",
            )

        def invalid(target: str, subject: str | None, vi: str, en: str) -> None:
            path = where(target, subject)
            run.problem(ProblemCode.CANNOT_COMPUTE, path or (), "", target, vi, en)

        transcript = None
        if not run.problems:
            transcript = assemble(self.level, collected, self.codes, missing, invalid)
        if run.problems:
            transcript = None
        return MappingOutcome(transcript, tuple(run.problems))

    def _located(
        self, located: Mapping[str, Mapping[str, RawPath]], code: str, target: str
    ) -> RawPath | None:
        """The raw path of a group field of `code`, found only when a problem needs it.

        A group with fields locates each field under the label's entry; a group without
        (qualities) locates the label itself under the group's name. A later group wins,
        as it would have overwritten an earlier one's entry.
        """
        for group in reversed(self._groups):
            at = located.get(group.name, {}).get(code)
            if at is None:
                continue
            if group.fields and target in group.tails:
                return (*at, *group.tails[target])
            if not group.fields and target == group.name:
                return at
        return None

    def _map_groups(self, run: _Run, collected: Collected) -> dict[str, dict[str, RawPath]]:
        """Convert each group's table; return where each code's label was, by group."""
        data = run.raw.data
        located: dict[str, dict[str, RawPath]] = {}
        for group in self._groups:
            table = group.table(data)
            if not isinstance(table, Mapping):
                continue
            target = getattr(collected, group.name)
            seen = located[group.name] = {}
            known = group.known
            for label, raw_value in table.items():
                at: RawPath = (*group.source, label)
                code = known.get(label) if known is not None and type(label) is str else None
                if code is None:
                    code = group.code(run, label, at, ())
                    if code is None:
                        continue
                    if known is not None and type(label) is str and len(known) < MEMO_LIMIT:
                        known[label] = code  # a pure chain's success: the same next time
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
                seen[code] = at  # a blank is missing *here*
                if not group.fields:
                    if not _blank(raw_value):
                        target[code] = group.value(run, raw_value, at, ())
                    continue
                target[code] = group.fill(run, raw_value, at, data)
        return located


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

    def refused(
        self, exc: TransformError, value: Any, at: RawPath, *, personal: bool = False
    ) -> None:
        """A transform refused `value`, found at `at`.

        A personal ID's value is masked before it enters the problem (its `found` and both
        messages, where a transform may have quoted it), whatever its shape: a pattern at the
        output could not know an ID typed with spaces or as a number that lost its zero.
        """
        found, message_vi, message_en = show(value), exc.message_vi, exc.message_en
        if personal:
            masked = mask_id(found)
            for quoted in {found, str(value)}:
                message_vi = message_vi.replace(quoted, masked)
                message_en = message_en.replace(quoted, masked)
            found = masked
        self.problem(
            exc.code,
            at,
            found,
            exc.expected,
            f"{message_vi}; cần {exc.expected_vi}",
            f"{message_en}; expected {exc.expected}",
        )

    def format(self, rule: FieldRule, values: Mapping[str, Any]) -> str | None:
        assert rule.fmt is not None
        absent = [k for k in _FORMAT_KEY.findall(rule.fmt) if k not in values]
        if absent:
            return None  # the absent fields are reported as missing themselves
        return _FORMAT_KEY.sub(lambda m: str(values[m[1]]), rule.fmt)
