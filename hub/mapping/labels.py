"""Label lists: the names people type for a code ("Thể dục", "GD thể chất" → GDTC).

A list lives in mappings/labels/<name>.yaml (schema mapping-labels.schema.json). Each code
lists its aliases; `from_codes` also takes the canonical names from the code lists of
mappings/codes/, so a list never disagrees with them. Aliases are compared folded (hub.mapping
.text.fold: no diacritics, case or punctuation), and two codes claiming the same folded alias
is an error naming the file and the line: a label must never map two ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hub.codes import CodeLists
from hub.datafiles import line_of
from hub.errors import DataFileError
from hub.mapping.text import fold


@dataclass
class LabelList:
    """One list: folded alias → code, and each code's first (display) alias."""

    name: str
    codes: dict[str, str] = field(default_factory=dict)  # folded alias → code
    display: dict[str, str] = field(default_factory=dict)  # code → a readable label
    origin: dict[str, str] = field(default_factory=dict)  # folded alias → "file:line"

    def add(self, code: str, alias: str, where: str, path: str, line: int | None) -> None:
        key = fold(alias)
        if not key:
            raise DataFileError(path, line, f"nhãn rỗng cho {code}", f"empty label for {code}")
        known = self.codes.get(key)
        if known is not None and known != code:
            raise DataFileError(
                path,
                line,
                f"nhãn {alias!r} đã chỉ mã {known} ({self.origin[key]}), không thể chỉ {code}",
                f"label {alias!r} already means {known} ({self.origin[key]}), not {code}",
            )
        self.codes[key] = code
        self.origin.setdefault(key, where)
        self.display.setdefault(code, alias)

    def resolve(self, text: str) -> str | None:
        """The code `text` names, or None."""
        return self.codes.get(fold(text))

    def expected(self, limit: int = 8) -> str:
        """The accepted codes with one label each, for a Problem's `expected`."""
        items = [
            f"{code} ({label})" if label != code else code for code, label in self.display.items()
        ]
        more = ", …" if len(items) > limit else ""
        return ", ".join(items[:limit]) + more


_CODE_TABLES = {
    "secondary_subjects": lambda c: {k: v.name for k, v in c.secondary_subjects.items()},
    "primary_subjects": lambda c: {k: v.name for k, v in c.primary_subjects.items()},
    "ethnic_groups": lambda c: dict(c.ethnic_groups),
    "qualities": lambda c: dict(c.qualities),
    "competencies": lambda c: dict(c.competencies),
}


def add_label_file(
    lists: dict[str, LabelList], data: Mapping[str, object], path: Path, codes: CodeLists
) -> None:
    """Merge one checked label file into `lists` (a list may be extended by a plugin's file)."""
    name = str(data["list"])
    target = lists.setdefault(name, LabelList(name))
    labels = data.get("labels") or {}
    assert isinstance(labels, Mapping)
    for code, aliases in labels.items():
        line = line_of(data, ["labels", code])
        for alias in [*aliases, code]:
            target.add(str(code), str(alias), f"{path.name}:{line}", str(path), line)
    seed = data.get("from_codes")
    if isinstance(seed, str):
        line = line_of(data, ["from_codes"])
        for code, canonical in _CODE_TABLES[seed](codes).items():
            target.add(code, canonical, f"{path.name}:{line}", str(path), line)
            target.add(code, code, f"{path.name}:{line}", str(path), line)
