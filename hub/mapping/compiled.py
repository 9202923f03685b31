"""The per-record hot path of the mapping engine: rules compiled once into closures.

A mapping file is read once and applied to tens of thousands of records, so everything that
depends only on the file is done at compile time: the raw path of each rule becomes a getter,
its transform chain a single converter, and the steps of pure built-in transforms get a memo
(subject labels, context values, teacher names and scores repeat across records; a float
score such as 8.5 is converted to Decimal once per distinct value, not once per cell).

Nothing here builds a raw path tuple or a Problem unless a value is refused: where a value
was is computed from the rule only when a problem needs it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hub.mapping.transforms import BUILTIN, Transform, TransformError
from hub.sources import RawPath

if TYPE_CHECKING:
    from hub.mapping.engine import FieldRule, Step, _Run

Getter = Callable[[Any], Any]
Converter = Callable[["_Run", Any, RawPath, RawPath], Any]
"""`convert(run, value, base, tail)`: the converted value, or None after reporting a problem
at `(*base, *tail)`."""
RuleValue = Callable[["_Run", Any, RawPath, Any], Any]
"""`value(run, data, base, fallback)`, as `_Run.value(rule, data, base, fallback)`."""

MEMO_LIMIT = 8192  # distinct values remembered per step


class _Memo:
    """Results remembered per distinct value, until the table is full.

    When it fills, a table that served fewer hits than it holds entries is emptied and closed:
    its values are mostly unique (names, ID numbers, parents' names), and keeping 8,192 of
    them for each such step held ≈ 20 MB more while reading and mapping 100,000 learners, for
    almost no hits.
    """

    __slots__ = ("hits", "open", "table")

    def __init__(self) -> None:
        self.table: dict[Any, Any] = {}
        self.hits = 0
        self.open = True

    def keep(self, key: Any, value: Any) -> None:
        if not self.open:
            return
        table = self.table
        table[key] = value
        if len(table) >= MEMO_LIMIT:
            self.open = False
            if self.hits < len(table):
                table.clear()


_PURE_STEPS: weakref.WeakSet[Callable[[Any], Any]] = weakref.WeakSet()


def memoised(function: Transform, arg: str) -> Callable[[Any], Any]:
    """A pure transform step that remembers its result per distinct text or float value.

    Only `str` and `float` values are remembered: they never compare equal to each other, and
    keying on the exact type keeps True, 1 and 1.0 apart (the transforms treat them
    differently). A refused value raises every time, so each record gets its own problem.
    """
    memo = _Memo()
    table = memo.table

    def step(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is float:
            found = table.get(value)
            if found is None:
                found = function(value, arg)
                memo.keep(value, found)
            else:
                memo.hits += 1
            return found
        return function(value, arg)

    _PURE_STEPS.add(step)
    return step


def all_pure(steps: tuple[Step, ...]) -> bool:
    """Whether every step of a chain is a memoised pure step (its result a function of the
    value alone, so a caller may remember it too)."""
    return bool(steps) and all(function in _PURE_STEPS for _spec, function in steps)


def is_pure(name: str, function: Transform) -> bool:
    """The built-in transforms are pure functions of (value, arg); a plugin's may not be."""
    return BUILTIN.get(name) is function


def get_path(data: Any, path: RawPath) -> Any:
    """The value at `path` in nested dicts and lists (None where a step is missing)."""
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


def getter(path: RawPath | None) -> Getter:
    """`get_path(data, path)` specialised for a path of mapping keys (strings).

    Raw records are plain dicts: `type(...) is dict` is tried before the (slower) ABC check.
    """
    if not path:
        return lambda data: None
    steps = tuple(path)
    if any(not isinstance(step, str) for step in steps):
        return lambda data: get_path(data, steps)
    if len(steps) == 1:
        (only,) = steps

        def get1(data: Any) -> Any:
            if type(data) is dict or isinstance(data, Mapping):
                return data.get(only)
            return None

        return get1
    if len(steps) == 2:
        first, second = steps

        def get2(data: Any) -> Any:
            if not (type(data) is dict or isinstance(data, Mapping)):
                return None
            data = data.get(first)
            if data is None:
                return None
            if type(data) is dict or isinstance(data, Mapping):
                return data.get(second)
            return None

        return get2

    def get_n(data: Any) -> Any:
        for step in steps:
            if not (type(data) is dict or isinstance(data, Mapping)):
                return None
            data = data.get(step)
            if data is None:
                return None
        return data

    return get_n


def converter(steps: tuple[Step, ...], *, personal: bool = False) -> Converter:
    """The chain of a rule's steps as one call; a refused value is reported where it was.

    With `personal`, the value is a personal ID: the problem shows it masked (hub.privacy).
    """
    functions = tuple(function for _spec, function in steps)
    if not functions:
        return lambda run, value, base, tail: value
    if len(functions) == 1:
        (only,) = functions

        def convert_one(run: _Run, value: Any, base: RawPath, tail: RawPath) -> Any:
            try:
                return only(value)
            except TransformError as exc:
                run.refused(exc, value, (*base, *tail), personal=personal)
                return None

        return convert_one

    def convert_chain(run: _Run, value: Any, base: RawPath, tail: RawPath) -> Any:
        for function in functions:
            try:
                value = function(value)
            except TransformError as exc:
                run.refused(exc, value, (*base, *tail), personal=personal)
                return None
            if value is None:
                return None
        return value

    return convert_chain


def _itself(data: Any) -> Any:
    return data


def _blank(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and not value.strip()


_INDEX = tuple((index,) for index in range(64))


def rule_value(rule: FieldRule, start: int = 0) -> RuleValue:
    """`_Run.value(rule, …)` compiled: get, default, convert (each item for `each`).

    With `start`, the closure is given the value under the first `start` steps of the rule's
    path (the caller has looked them up already); problems still name the whole path.
    """
    return rule_parts(rule, start)[0]


def rule_parts(rule: FieldRule, start: int = 0) -> tuple[RuleValue, _Memo | None]:
    """`rule_value(rule, start)`, and the memo it looks a value up in first, when it has one.

    A rule with a memo (plain, every step pure) gives the same result for a value found in
    the memo as the closure would, so hub.mapping.inline may look it up itself and call the
    closure only on a miss. The memo of an `each` rule (a list of scores) is its items': a
    non-empty list whose items are all floats found in it gives the tuple of what was found."""
    if rule.value is not None:
        constant = rule.value
        return (lambda run, data, base, fallback: constant), None
    source: RawPath = tuple(rule.source or ())
    get = getter(source[start:]) if len(source) > start else _itself
    default_from = rule.default_from
    get_default = getter(default_from) if default_from is not None else None
    default = rule.default
    convert = converter(rule.steps, personal=rule.personal)
    each = rule.each
    pure = all_pure(rule.steps)
    if default is None and default_from is None and not each:
        if pure:
            return _remembered(get, convert, source)

        def plain(run: _Run, data: Any, base: RawPath, fallback: Any) -> Any:
            found = get(data)
            if found is None or (isinstance(found, str) and not found.strip()):
                return None
            return convert(run, found, base, source)

        return plain, None
    memo = _Memo()
    table = memo.table
    scores = each and pure  # a list of scores (8.0, 7.5, …) is usually remembered whole

    def value(run: _Run, data: Any, base: RawPath, fallback: Any) -> Any:
        found = get(data)
        if scores and type(found) is list and found:
            out = []
            for item in found:
                if type(item) is not float:
                    break
                converted = table.get(item)
                if converted is None:
                    break
                out.append(converted)
            else:  # every item remembered: what the loop below gives, without its checks
                memo.hits += len(out)
                return tuple(out)
        at_base, tail = base, source
        if found is None or _blank(found) or (isinstance(found, list | tuple) and not found):
            if get_default is not None:
                assert default_from is not None
                found = get_default(fallback if fallback is not None else data)
                at_base, tail = (), default_from
            if _blank(found):
                return default
        if each:
            items = found if isinstance(found, list | tuple) else [found]
            path = (*at_base, *tail)
            out = []
            for index, item in enumerate(items):
                if pure and type(item) is float:  # a list of scores: 8.0, 7.5, …
                    converted = table.get(item)
                    if converted is not None:
                        memo.hits += 1
                        out.append(converted)
                        continue
                if _blank(item):
                    continue
                converted = convert(run, item, path, _INDEX[index] if index < 64 else (index,))
                if converted is not None:
                    out.append(converted)
                    if pure and type(item) is float:
                        memo.keep(item, converted)
            return tuple(out)
        return convert(run, found, at_base, tail)

    return value, memo if scores else None  # `each`: the memo is the items'


def _remembered(get: Getter, convert: Converter, source: RawPath) -> tuple[RuleValue, _Memo]:
    """A plain rule whose steps are all pure: its result remembered per distinct value.

    The usual cell (a score, a subject's teacher, a context value) is then one dict lookup;
    a value the steps refuse is never remembered, so each record reports its own problem.
    A vendor's numeric code (SMAS's genderId 2, a grade 7) is remembered too, in a table of
    its own: an int never meets the float 7.0 or the bool True there.
    """
    memo = _Memo()
    table = memo.table
    numbers = _Memo()

    def value(run: _Run, data: Any, base: RawPath, fallback: Any) -> Any:
        found = get(data)
        if found is None:
            return None
        kind = type(found)
        if kind is float or kind is str:
            hit = table.get(found)
            if hit is not None:
                memo.hits += 1
                return hit
            if kind is str and not found.strip():
                return None
            result = convert(run, found, base, source)
            if result is not None:
                memo.keep(found, result)
            return result
        if kind is int:
            hit = numbers.table.get(found)
            if hit is not None:
                numbers.hits += 1
                return hit
            result = convert(run, found, base, source)
            if result is not None:
                numbers.keep(found, result)
            return result
        if isinstance(found, str) and not found.strip():
            return None
        return convert(run, found, base, source)

    return value, memo
