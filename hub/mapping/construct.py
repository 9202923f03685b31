"""Building the model's frozen dataclasses faster than their own `__init__`.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`,
looked up again for every field: about 1 µs for ScoredSemester's four. A SMAS learner's
document holds 26 semesters and 13 subjects, so that alone was a fifth of mapping one record.
`maker(cls)` sets the same slots through their descriptors instead (half the time) and
gives the very object `cls(*fields)` would: it is used only for a frozen, slotted dataclass
without `__post_init__`, whose `__init__` does nothing but set the fields; any other class
is returned as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """`cls(*every_field_in_order)`, faster for a plain frozen slotted dataclass."""
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or "__slots__" not in cls.__dict__
        or hasattr(cls, "__post_init__")
    ):
        return cls
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if any(not f.init for f in fields):
        return cls
    names = [f.name for f in fields]
    if any(name in {"new", "cls", "obj"} or name.startswith("set") for name in names):
        return cls  # a field named as the function's own variables
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def make({', '.join(names)}):", "    obj = new(cls)"]
    for index, name in enumerate(names):
        namespace[f"set{index}"] = cls.__dict__[name].__set__
        lines.append(f"    set{index}(obj, {name})")
    lines.append("    return obj")
    exec(compile("\n".join(lines), f"<hub.mapping.construct {cls.__name__}>", "exec"), namespace)  # noqa: S102
    made: Callable[..., T] = namespace["make"]
    return made
