"""A mapping's rules written out as one function per table: the per-record loop, unrolled.

hub.mapping.compiled makes each rule a closure; calling ~200 of them per learner (a SMAS
learner has 13 subjects of 16 fields, plus 40 fields of its own) cost more than the work
they do, and the bench's goal (pivot + map ≥ 5,000 learners per CPU-second) needs that
overhead gone. So a table's rules (the record's own fields, or one group's fields under a
label) become the source of one Python function, compiled once per mapping file:

- every raw path prefix the rules share (`pupil`, `results.semester1`) is looked up once;
- a rule whose result is remembered (hub.mapping.compiled.rule_parts: plain, pure steps)
  has its memo looked up right there, and its closure is called only on a miss;
- every other rule, and every value not in a plain dict, goes through its closure as before.

The result is by construction the closures' own: the same values in the same order, the
same problems at the same places (a problem is only ever made inside a closure). The source
holds no text from the mapping file but as `repr()` literals, and names the closures and
memos it calls by index in its namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from hub.mapping.compiled import RuleValue, _Memo
from hub.sources import RawPath

if TYPE_CHECKING:
    from hub.mapping.engine import _Run

PlainFill = Callable[["_Run", Any, dict[str, Any]], None]
"""`fill(run, data, values)`: the record's plain fields converted into `values`."""
GroupFill = Callable[["_Run", Any, RawPath, Any], dict[str, Any]]
"""`fill(run, raw_value, at, data)`: one label's entry, as the group's fields give it."""


class _Other:
    """Where a value is in something other than a plain dict: the closure finds it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not a plain dict>"


OTHER = _Other()


@dataclass(frozen=True, slots=True)
class InlineRule:
    """One rule as the unrolled function sees it.

    `path` is where its value is under the table (None: no fast path, always the closure);
    `value` the closure, called as `value(run, node, at, data)` with the value under
    `path[:start]`; `memo` the closure's memo (None: no lookup of our own).
    """

    target: str
    value: RuleValue
    memo: _Memo | None
    path: RawPath | None
    start: int  # 0: the closure takes the table; 1: the value under path[0]
    each: bool = False  # a list: the memo is its items' (hub.mapping.compiled.rule_parts)


class _Source:
    """The lines of the function being written, and the objects its namespace holds."""

    def __init__(self, root: str) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"OTHER": OTHER}
        self.nodes: dict[RawPath, str] = {(): root}

    def bind(self, prefix: str, thing: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = thing
        return name

    def node(self, path: RawPath) -> str:
        """The variable holding the value at `path` (looked up once), OTHER when not a dict."""
        if path in self.nodes:
            return self.nodes[path]
        parent = self.node(path[:-1])
        name = f"n{len(self.nodes)}"
        self.lines.append(f"    {name} = {_step(parent, path[-1], root=not path[:-1])}")
        self.nodes[path] = name
        return name


def _step(parent: str, key: Any, *, root: bool) -> str:
    if root:  # the table itself is known to be a plain dict
        return f"{parent}.get({key!r})"
    return (
        f"{parent}.get({key!r}) if type({parent}) is dict "
        f"else (None if {parent} is None else OTHER)"
    )


def _fast(rule: InlineRule) -> bool:
    path = rule.path
    return (
        rule.memo is not None
        and path is not None
        and len(path) >= max(1, rule.start)
        and all(type(step) is str for step in path)
    )


def _store(into: str, target: str, found: str, indent: str) -> list[str]:
    return [f"{indent}if {found} is not None:", f"{indent}    {into}[{target!r}] = {found}"]


def _write_rules(
    source: _Source, rules: Sequence[InlineRule], into: str, args: tuple[str, str, str]
) -> None:
    """Every rule, in order; `args` are the closures' (table, at, data) arguments."""
    table, at, data = args
    lines = source.lines
    for rule in rules:
        value = source.bind("V", rule.value)
        if rule.start == 0:
            node = table
        else:
            assert rule.path is not None
            node = source.node(rule.path[: rule.start])
        call = f"{value}(run, {node}, {at}, {data})"
        if not _fast(rule):
            indent = "    "
            if rule.start:  # nothing under the rule's first step: no value, no problem
                lines.append(f"    if {node} is not None:")
                indent = "        "
            lines.append(f"{indent}f = {call}")
            lines.extend(_store(into, rule.target, "f", indent))
            continue
        assert rule.path is not None
        assert rule.memo is not None
        memo = source.bind("M", rule.memo)
        memo_table = source.bind("T", rule.memo.table)
        found = source.node(rule.path)
        if rule.each:
            lines += _each(found, memo, memo_table, call, into, rule.target)
            continue
        lines += [
            f"    if {found} is not None:",
            f"        t = type({found})",
            f"        if (t is float or t is str) and (h := {memo_table}.get({found})) "
            "is not None:",
            f"            {memo}.hits += 1",
            f"            {into}[{rule.target!r}] = h",
            "        else:",
            f"            f = {call}",
        ]
        lines.extend(_store(into, rule.target, "f", "            "))


def _each(found: str, memo: str, table: str, call: str, into: str, target: str) -> list[str]:
    """A list of scores: every item a float in the memo, or else the closure (the whole list).

    The listed items are compared by type first, so that 7 or True never finds 7.0's entry."""
    return [
        f"    if type({found}) is list and {found}:",
        f"        out = [{table}.get(x) if type(x) is float else None for x in {found}]",
        "        if None not in out:",
        f"            {memo}.hits += len(out)",
        f"            {into}[{target!r}] = tuple(out)",
        "        else:",
        f"            f = {call}",
        *_store(into, target, "f", "            "),
        f"    elif {found} is not None:  # (None: nothing there, the closure gives None too)",
        f"        f = {call}",
        *_store(into, target, "f", "        "),
    ]


def _compile(source: _Source, name: str) -> Callable[..., Any]:
    text = "\n".join(source.lines) + "\n"
    namespace = dict(source.names)
    exec(compile(text, f"<hub.mapping.inline {name}>", "exec"), namespace)  # noqa: S102
    return cast(Callable[..., Any], namespace[name])


def plain_filler(rules: Sequence[InlineRule]) -> PlainFill:
    """The record's plain fields (`rules`' start is 0; their table is the record's data)."""
    source = _Source("data")
    source.names["RULES"] = tuple((r.target, r.value) for r in rules)
    source.lines += [
        "def fill_plain(run, data, values):",
        "    if type(data) is not dict:",
        "        for target, value in RULES:",
        "            f = value(run, data, (), None)",
        "            if f is not None:",
        "                values[target] = f",
        "        return",
    ]
    _write_rules(source, rules, "values", ("data", "()", "None"))
    return cast(PlainFill, _compile(source, "fill_plain"))


def group_filler(rules: Sequence[InlineRule], whole: Sequence[RuleValue]) -> GroupFill:
    """One label's entry: `rules` under the label's raw value; `whole[i]` is rule i's closure
    over the whole raw value, for a raw value that is not a plain dict."""
    source = _Source("raw_value")
    source.names["WHOLE"] = tuple((r.target, v) for r, v in zip(rules, whole, strict=True))
    source.lines += [
        "def fill_group(run, raw_value, at, data):",
        "    entry = {}",
        "    if type(raw_value) is not dict:",
        "        for target, value in WHOLE:",
        "            f = value(run, raw_value, at, data)",
        "            if f is not None:",
        "                entry[target] = f",
        "        return entry",
    ]
    _write_rules(source, rules, "entry", ("raw_value", "at", "data"))
    source.lines.append("    return entry")
    return cast(GroupFill, _compile(source, "fill_group"))
