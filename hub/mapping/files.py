"""Loading the mapping folder(s): record mappings, spreadsheet templates and label lists.

    mappings/
      codes/       the code lists (hub.codes)
      labels/      label lists: the names people type for a code   (mapping-labels.schema.json)
      sources/     record mappings: a raw record → a Transcript    (mapping-record.schema.json)
      templates/   spreadsheet templates: where the columns are    (mapping-template.schema.json)

Every file is checked against its schema when loaded, and every transform or label list a
record mapping names must exist: a mistake is a DataFileError naming the file and the line,
raised when the hub starts, not in the middle of a batch.

The hub's own folder holds what every plugin shares: the code lists and the label lists. A
plugin ships its record mappings and templates in its own package and registers the folder
(`register_mappings`, e.g. generic_excel's hub_generic_excel/mappings/); a later folder may
add label aliases, not redefine a mapping or a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.codes import CodeLists, load_codes
from hub.datafiles import line_of, load_checked, mappings_dir
from hub.errors import DataFileError
from hub.mapping.engine import RecordMapping, compile_mapping
from hub.mapping.labels import LabelList, add_label_file
from hub.mapping.transforms import BUILTIN, Transform


@dataclass
class MappingSet:
    """Every mapping the hub knows, compiled and ready.

    Attributes:
        folders: the folders it was loaded from (the hub's own first, then the plugins').
    """

    records: dict[str, RecordMapping] = field(default_factory=dict)
    templates: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    labels: dict[str, LabelList] = field(default_factory=dict)
    codes: CodeLists | None = None
    folders: list[Path] = field(default_factory=list)

    def record(self, name: str) -> RecordMapping:
        """The record mapping `name` (a file's ``mapping:``), or an error naming the folders."""
        found = self.records.get(name)
        if found is None:
            raise self._missing("sources", name, "tệp ánh xạ", "record mapping")
        return found

    def template(self, name: str) -> Mapping[str, Any]:
        """The spreadsheet template `name` (a file's ``template:``)."""
        found = self.templates.get(name)
        if found is None:
            raise self._missing("templates", name, "mẫu bảng tính", "spreadsheet template")
        return found

    def _missing(self, sub: str, name: str, what_vi: str, what_en: str) -> DataFileError:
        folders = ", ".join(str(folder / sub) for folder in self.folders) or "-"
        return DataFileError(
            f"{sub}/{name}.yaml",
            None,
            f"không có {what_vi} {name!r} trong {folders}; cài plugin mang nó (`hub plugins`)",
            f"no {what_en} {name!r} in {folders}; install the plugin that ships it (`hub plugins`)",
        )


def _yaml_files(folders: Iterable[Path], sub: str) -> list[Path]:
    return [path for folder in folders for path in sorted((folder / sub).glob("*.yaml"))]


def load_mappings(
    extra_dirs: Iterable[Path] = (),
    transforms: Mapping[str, Transform] | None = None,
    codes: CodeLists | None = None,
    compile_records: bool = True,
) -> MappingSet:
    """Load and check the hub's mappings folder and the plugins' folders.

    Args:
        extra_dirs: folders registered by plugins (`Registry.mapping_dirs`); a plugin reading
            its own templates passes its own folder.
        transforms: the registered transforms (`Registry.transforms`); the built-ins when None.
        codes: the code lists; `load_codes()` when None.
        compile_records: False for a reader that needs only templates and labels (a source
            plugin), so that a record mapping naming another plugin's transform is not bound.

    Raises:
        DataFileError: a file breaks its schema, or names an unknown transform or label list.
    """
    folders = [mappings_dir(), *extra_dirs]
    codes = codes or load_codes()
    transforms = dict(BUILTIN if transforms is None else transforms)
    result = MappingSet(codes=codes, folders=folders)
    for path in _yaml_files(folders, "labels"):
        add_label_file(result.labels, load_checked(path, "mapping-labels.schema.json"), path, codes)
    for path in _yaml_files(folders, "templates"):
        data = load_checked(path, "mapping-template.schema.json")
        _unique(result.templates, data["template"], path, data, "template")
        result.templates[data["template"]] = data
    for path in _yaml_files(folders, "sources"):
        data = load_checked(path, "mapping-record.schema.json")
        _unique(result.records, data["mapping"], path, data, "mapping")
        if not compile_records:
            continue
        result.records[data["mapping"]] = compile_mapping(
            data, str(path), transforms, result.labels, codes
        )
    return result


def _unique(table: Mapping[str, Any], name: str, path: Path, data: Any, key: str) -> None:
    if name in table:
        raise DataFileError(
            str(path),
            line_of(data, [key]),
            f"tên {name!r} đã được một tệp khác dùng",
            f"the name {name!r} is used by another file",
        )
