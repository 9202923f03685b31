"""Reading the hub's declarative data files (code lists, mappings) with line-exact errors.

The files are YAML because vendors and provincial IT edit them by hand. PyYAML's composer
knows the line of every node, which plain `yaml.safe_load` throws away; we keep it so that a
schema violation names the file and the line, not just a JSON path. Schemas are JSON Schema
(draft 2020-12), checked with the `jsonschema` library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from hub.errors import DataFileError

_SCHEMA_DIR = Path(__file__).parent / "schemas"


def mappings_dir() -> Path:
    """The folder of mapping files and code lists: `HUB_MAPPINGS_DIR` or the project's own."""
    configured = os.environ.get("HUB_MAPPINGS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "mappings"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = value_node.start_mark.line + 1
    return _LinedDict(result, lines, node.start_mark.line + 1)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list[Any]:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    return _LinedList(items, [child.start_mark.line + 1 for child in node.value])


class _LinedDict(dict[Any, Any]):
    def __init__(self, data: dict[Any, Any], lines: dict[Any, int], line: int) -> None:
        super().__init__(data)
        self.lines = lines
        self.line = line


class _LinedList(list[Any]):
    def __init__(self, data: list[Any], lines: list[int]) -> None:
        super().__init__(data)
        self.lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(data: Any, path: Sequence[str | int]) -> int | None:
    """The line of the deepest node along `path` that the loader recorded."""
    line: int | None = getattr(data, "line", None)
    node = data
    for step in path:
        if isinstance(node, _LinedDict) and step in node:
            line = node.lines.get(step, line)
            node = node[step]
        elif isinstance(node, _LinedList) and isinstance(step, int) and step < len(node):
            line = node.lines[step]
            node = node[step]
        else:
            break
    return line


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, keeping lines; a syntax error becomes a DataFileError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(
            str(path), None, f"không đọc được tệp ({exc})", f"cannot read the file ({exc})"
        ) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(
            str(path), line, f"cú pháp YAML sai: {exc}", f"invalid YAML: {exc}"
        ) from exc


def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with the hub, by file name."""
    schema: dict[str, Any] = json.loads((_SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return schema


def _errors(schema: dict[str, Any], data: Any) -> Iterator[jsonschema.ValidationError]:
    validator = jsonschema.Draft202012Validator(schema)
    return iter(sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))))


def load_checked(path: Path, schema_name: str) -> Any:
    """Load a YAML data file and check it against a shipped schema.

    Raises:
        DataFileError: naming the file and the line of the first violation.
    """
    data = load_yaml(path)
    for err in _errors(load_schema(schema_name), data):
        where = "/".join(str(p) for p in err.path) or "(gốc/root)"
        raise DataFileError(
            str(path),
            line_of(data, list(err.path)),
            f"{where}: không đúng lược đồ ({err.message})",
            f"{where}: does not match the schema ({err.message})",
        )
    return data
