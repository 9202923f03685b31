"""Writing a generated province to a folder: documents or spreadsheets, roster and ledger.

Layout (`write_province`): OUT_DIR/<MaTruong>/<MaHoSo>.xml, one document per learner;
OUT_DIR/roster.json, the sector database's rows (the ministry sandbox is seeded from it);
OUT_DIR/defects.json, the ledger of injected defects with the finding each must produce.
Everything is written as it is generated (the two JSON arrays one row per line), so memory
stays flat for any province size.

`write_spreadsheets` writes the same province as the schools would send it to a province hub:
OUT_DIR/<MaTruong>/ holds the school's learner list, one file per class (lop/) and the
`source.json` of its generic_excel options — a province folder (hub.pipeline.extract) that one
`[[sources]]` entry reads, written to OUT_DIR/sources.toml. The spreadsheets are made by the
plugin's own exporter (hub_generic_excel.export, imported by name: the hub does not depend on
a plugin), one school in memory at a time.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hub.codes import CodeLists, load_codes
from hub.document.build import build_document
from hub.errors import UsageError
from hub.gen.province import Generated, generate
from hub.gen.settings import GenSettings
from hub.model import Transcript

SOURCE_NAME = "gen-excel"
"""The `[[sources]]` name of the snippet `write_spreadsheets` writes."""
SCHOOL_OPTIONS = "source.json"  # hub.pipeline.extract.SCHOOL_OPTIONS, not imported: it is heavy
SOURCES_SNIPPET = "sources.toml"
_EXPORTER = "hub_generic_excel.export"


@dataclass
class Summary:
    """What a run wrote (documents: learners written, as XML or as spreadsheet rows)."""

    documents: int = 0
    schools: set[str] = field(default_factory=set)
    roster_rows: int = 0
    defects: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)
    files: int = 0  # spreadsheets written
    left_out: int = 0  # learners exempt from assessment: no results for a spreadsheet to hold


class _JsonArray:
    """A JSON array written one row per line as rows arrive."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._first = True
        stream.write("[")

    def add(self, row: object) -> None:
        self._stream.write("\n" if self._first else ",\n")
        self._stream.write(json.dumps(row, ensure_ascii=False, sort_keys=True))
        self._first = False

    def close(self) -> None:
        self._stream.write("\n]\n")


@contextmanager
def _learners(
    settings: GenSettings,
    codes: CodeLists,
    out_dir: Path,
    summary: Summary,
    on_document: Callable[[], None],
) -> Iterator[Iterator[Generated]]:
    """The province's learners, one at a time, with roster.json and defects.json written as
    they go; an error writing anything under `out_dir` is a usage error naming it.

    The caller writes each learner's own file(s) from the item; after it, the learner's roster
    row and defect (if any) are added and `on_document` is called.
    """

    def each(roster: _JsonArray, ledger: _JsonArray) -> Iterator[Generated]:
        for item in generate(settings, codes):
            yield item
            if item.roster is not None:
                roster.add(item.roster.as_json())
                summary.roster_rows += 1
            if item.defect is not None:
                ledger.add(item.defect.as_json())
                summary.defects[item.defect.kind.value] += 1
            on_document()

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (
            (out_dir / "roster.json").open("w", encoding="utf-8") as roster_file,
            (out_dir / "defects.json").open("w", encoding="utf-8") as defects_file,
        ):
            roster, ledger = _JsonArray(roster_file), _JsonArray(defects_file)
            yield each(roster, ledger)
            roster.close()
            ledger.close()
    except OSError as exc:
        raise UsageError(
            f"không ghi được vào {out_dir}: {exc.strerror} ({exc.filename})",
            f"cannot write to {out_dir}: {exc.strerror} ({exc.filename})",
        ) from None


def write_province(
    settings: GenSettings,
    out_dir: Path,
    on_document: Callable[[], None] = lambda: None,
    codes: CodeLists | None = None,
) -> Summary:
    """Generate the province of `settings` into `out_dir`; call `on_document` after each file."""
    codes = codes or load_codes()
    settings.check(codes)
    summary = Summary()
    with _learners(settings, codes, out_dir, summary, on_document) as learners:
        for item in learners:
            header = item.transcript.header
            folder = out_dir / header.school_code
            if header.school_code not in summary.schools:
                folder.mkdir(exist_ok=True)
                summary.schools.add(header.school_code)
            (folder / f"{header.record_id}.xml").write_bytes(build_document(item.transcript))
            summary.documents += 1
            summary.by_level[header.level.value] += 1
    return summary


def write_spreadsheets(
    settings: GenSettings,
    out_dir: Path,
    on_document: Callable[[], None] = lambda: None,
    codes: CodeLists | None = None,
) -> Summary:
    """Generate the province of `settings` into `out_dir` as the schools' spreadsheets.

    Learners exempt from assessment are generated (and in roster.json) but not written: a
    gradebook has no row without results. `on_document` is called after each learner.

    Raises:
        UsageError: the generic_excel plugin (with openpyxl) is not installed, or `out_dir`
            cannot be written.
    """
    codes = codes or load_codes()
    settings.check(codes)
    try:
        exporter = importlib.import_module(_EXPORTER)
    except ImportError as exc:
        raise UsageError(
            f"--format xlsx cần plugin generic_excel và openpyxl ({exc.name} chưa được cài): "
            "pip install 'hub-generic-excel[export]'",
            f"--format xlsx needs the generic_excel plugin and openpyxl ({exc.name} is not "
            "installed): pip install 'hub-generic-excel[export]'",
        ) from None
    summary = Summary()
    with _learners(settings, codes, out_dir, summary, on_document) as learners:
        school: list[Transcript] = []
        for item in learners:
            header = item.transcript.header
            if school and school[0].header.school_code != header.school_code:
                _export(exporter, school, out_dir, summary)
                school = []
            summary.schools.add(header.school_code)
            if item.transcript.results is None:
                summary.left_out += 1
            else:
                school.append(item.transcript)
                summary.documents += 1
                summary.by_level[header.level.value] += 1
        if school:
            _export(exporter, school, out_dir, summary)
        (out_dir / SOURCES_SNIPPET).write_text(sources_snippet(out_dir), encoding="utf-8")
    return summary


def _export(exporter: Any, school: list[Transcript], out_dir: Path, summary: Summary) -> None:
    """One school's spreadsheets and the generic_excel options that read them (source.json)."""
    folder = out_dir / school[0].header.school_code
    exported = exporter.export_school(school, folder)
    options = {k: v for k, v in exported.config.items() if k not in ("kind", "folder")}
    (folder / SCHOOL_OPTIONS).write_text(
        json.dumps(options, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    summary.files += 1 + len(exported.class_files)


def sources_snippet(out_dir: Path) -> str:
    """The `[[sources]]` entry of config.toml that reads the province written to `out_dir`."""
    folder = json.dumps(str(out_dir.resolve()), ensure_ascii=False)
    return (
        "# Written by `hub gen --format xlsx`: add this entry to config.toml to read the\n"
        "# generated province (each sub-folder with a source.json is one school).\n"
        "[[sources]]\n"
        f'name = "{SOURCE_NAME}"\n'
        'plugin = "generic_excel"\n'
        f"options = {{ folder = {folder} }}\n"
    )
