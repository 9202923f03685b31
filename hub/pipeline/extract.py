"""Stage 1, extract: the configured sources, built by their plugins, read one item at a time.

Each `[[sources]]` section names a plugin and its options. The options are checked against
the plugin's JSON Schema before the plugin sees them, so a misspelt key is a usage error that
names the file and the key, not a crash inside a vendor's code.

A **province folder** is one source for many schools: when a source's `folder` holds
sub-folders that each carry a `source.json` (the options of one school: its code, name, year,
...), each sub-folder is read as its own school with the section's other options. This is how
`hub demo` and a province's shared drive lay out spreadsheets; a single school's folder (no
`source.json` below it) is read as it is.

Relative paths in the options (`folder`, and keys ending in `_path`, `_dir` or `_file`) are
taken from the config file's folder, as every path of config.toml is.

Reads are incremental: a source's last `Checkpoint` cursor is stored once everything it read
has been committed past the work states (hub.store.SourceCursor), and handed back on the next
sync, so the plugin reads only what changed (generic_excel: the files whose digest changed).
The cursor is kept with a digest of everything else that shapes the transcripts read
(`reading_context`): a new plugin or hub version, other options or an edited mapping file
make the next read start from the beginning. A learner read again anyway is skipped by its
content hash (hub.pipeline.map).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

import hub
from hub.config import HubConfig, SourceConfig
from hub.datafiles import mappings_dir
from hub.errors import ExitCode, HubError, UsageError
from hub.plugins import Registry
from hub.sources import Checkpoint, CursorError, Problem, RawRecord, Source
from hub.store import StoredCursor

log = logging.getLogger(__name__)

SCHOOL_OPTIONS = "source.json"
"""The file that makes a sub-folder of a province folder one school's source."""

_PATH_SUFFIXES = ("_path", "_dir", "_file")


class SourceFailed(HubError):
    """A source could not be read to its end (the plugin raised); names the source."""

    exit_code = ExitCode.SOURCE


@dataclass(frozen=True, slots=True)
class SourceRun:
    """One source to read in this sync: a configured section, or one school of a province folder.

    Attributes:
        name: the configured source name (a batch's `source`).
        label: how messages name it (`demo-excel/36200001` for a school of a province folder).
        plugin: the source kind.
        options: the options the plugin is built from, paths resolved.
        school_code: MaTruong, when the options say it (filters, and the batch of problems
            that name no learner).
        school_year: NamHoc, when the options say it.
        piece: (school, year) when the options were narrowed to read only that piece
            (`SourceSpec.narrow`; either None: all of it); None for a whole read.
    """

    name: str
    label: str
    plugin: str
    options: Mapping[str, Any]
    school_code: str | None
    school_year: str | None
    piece: tuple[str | None, str | None] | None = None

    @property
    def cursor_key(self) -> str:
        """Where its read cursor is stored: the label, or the label and the piece it read.

        A narrowed read's cursor is kept apart: it says nothing of the schools it did not
        read, so it never replaces the whole source's.
        """
        if self.piece is None:
            return self.label
        school, year = self.piece
        return f"{self.label}@{school or '*'}/{year or '*'}"


def _resolve_paths(options: Mapping[str, Any], base: Path) -> dict[str, Any]:
    resolved = dict(options)
    for key, value in options.items():
        if isinstance(value, str) and (key == "folder" or key.endswith(_PATH_SUFFIXES)):
            path = Path(value)
            resolved[key] = str(path if path.is_absolute() else (base / path).resolve())
    return resolved


def _run_of(section: SourceConfig, label: str, options: dict[str, Any]) -> SourceRun:
    school, year = options.get("school_code"), options.get("school_year")
    return SourceRun(
        section.name,
        label,
        section.plugin,
        options,
        str(school) if school is not None else None,
        str(year) if year is not None else None,
    )


def _school_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / SCHOOL_OPTIONS).is_file())


def source_runs(config: HubConfig, only: str | None = None) -> list[SourceRun]:
    """The sources this sync reads, in config order (one per school of a province folder).

    Raises:
        UsageError: `only` names no configured source, a source's `folder` does not exist, or
            a `source.json` is unreadable.
    """
    sections = [config.source(only)] if only else list(config.sources)
    runs: list[SourceRun] = []
    for section in sections:
        options = _resolve_paths(section.options, config.base_dir)
        folder = Path(options["folder"]) if isinstance(options.get("folder"), str) else None
        if folder is not None and not folder.is_dir():
            # Said before the plugin's options are checked: a province folder's options are
            # in its schools' source.json, which a missing folder cannot provide.
            raise UsageError(
                f"{config.path}: nguồn {section.name}: thư mục `options.folder` không tồn tại "
                f"hoặc không phải thư mục: {folder}; sửa đường dẫn hoặc tạo thư mục.",
                f"{config.path}: source {section.name}: the folder of `options.folder` does not "
                f"exist or is not a folder: {folder}; correct the path or create the folder.",
            )
        schools = _school_folders(folder) if folder is not None else []
        if not schools:
            runs.append(_run_of(section, section.name, options))
            continue
        for school_folder in schools:
            path = school_folder / SCHOOL_OPTIONS
            try:
                own = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsageError(
                    f"{path}: không đọc được tùy chọn nguồn của trường ({exc}).",
                    f"{path}: cannot read the school's source options ({exc}).",
                ) from None
            merged = {**options, **own, "folder": str(school_folder)}
            label = f"{section.name}/{school_folder.name}"
            runs.append(_run_of(section, label, merged))
    return runs


def check_options(run: SourceRun, registry: Registry, config_path: Path) -> None:
    """Check a source's options against its plugin's schema.

    Raises:
        UsageError: the plugin is not installed, or an option is wrong (names the key).
    """
    spec = registry.source(run.plugin)
    validator = jsonschema.Draft202012Validator(dict(spec.config_schema))
    options = {k: v for k, v in run.options.items() if k != "kind"}
    error = jsonschema.exceptions.best_match(validator.iter_errors(options))
    if error is not None:
        key = "/".join(str(p) for p in error.absolute_path) or "(options)"
        raise UsageError(
            f"{config_path}: nguồn {run.label}: tùy chọn `{key}` không hợp lệ: {error.message}.",
            f"{config_path}: source {run.label}: option `{key}` is invalid: {error.message}.",
        )


def narrowed(
    runs: Iterable[SourceRun], registry: Registry, school: str | None, year: str | None
) -> list[SourceRun]:
    """The runs as they read only `school` and `year`, where the source can narrow its read.

    A source with `SourceSpec.narrow` is built from options that ask its vendor for only
    that school and year (one dropped when its options hold neither); a source that cannot
    narrow is kept whole, and the hub keeps the piece's rows of it as it reads.
    """
    if school is None and year is None:
        return list(runs)
    found: list[SourceRun] = []
    for run in runs:
        narrow = registry.source(run.plugin).narrow
        if narrow is None:
            found.append(run)
            continue
        options = narrow(dict(run.options), school, year)
        if options is not None:
            found.append(dataclasses.replace(run, options=dict(options), piece=(school, year)))
    return found


def mappings_digest(extra_dirs: Iterable[Path]) -> str:
    """SHA-256 over every file of the hub's mappings folder and the plugins' (names and bytes).

    Code lists, label lists, templates and record mappings all live there; one edited file
    changes the digest.
    """
    digest = hashlib.sha256()
    for folder in [mappings_dir(), *extra_dirs]:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def reading_context(run: SourceRun, registry: Registry, mappings: str, pipeline: str) -> str:
    """The digest a stored cursor is valid under: versions, the source's options, mappings.

    Args:
        run: the source.
        registry: the loaded plugins (their versions count: a new reader may read differently).
        mappings: `mappings_digest()` of this run.
        pipeline: hub.pipeline.map.PIPELINE_VERSION.
    """
    described = {
        "hub": hub.__version__,
        "pipeline": pipeline,
        "plugins": sorted(f"{p.name}={p.version}" for p in registry.plugins),
        "plugin": run.plugin,
        "options": run.options,
        "mappings": mappings,
    }
    text = json.dumps(described, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_failed(run: SourceRun, exc: Exception, doing: tuple[str, str]) -> SourceFailed:
    """A plugin's exception as the hub reports it: the source, the plugin, what it was doing."""
    return SourceFailed(
        f"Nguồn {run.label} (plugin {run.plugin}) lỗi khi {doing[0]}: {type(exc).__name__}: {exc}.",
        f"Source {run.label} (plugin {run.plugin}) failed while {doing[1]}: "
        f"{type(exc).__name__}: {exc}.",
    )


_READING = ("đọc", "reading")


def build_source(run: SourceRun, registry: Registry) -> Source:
    """The plugin's Source for one source run (built once a sync: reads and documents).

    Raises:
        SourceFailed: the plugin raised while building it.
        UsageError: the plugin refused its options (a HubError of its own).
    """
    spec = registry.source(run.plugin)
    try:
        return spec.factory(dict(run.options))
    except HubError:
        raise
    except Exception as exc:  # a plugin's bug must stop this source with its name, not the hub
        raise source_failed(run, exc, ("khởi tạo", "being built")) from exc


def read_source(
    run: SourceRun, registry: Registry, cursor: str | None = None, source: Source | None = None
) -> Generator[RawRecord | Problem | Checkpoint, None, None]:
    """Every record, problem and checkpoint of one source since `cursor`, streamed.

    Raises:
        SourceFailed: the plugin raised while building or reading (the message names it).
        CursorError: the plugin cannot understand `cursor`.
    """
    try:
        built = source if source is not None else build_source(run, registry)
        yield from built.read(cursor)
    except HubError:
        raise
    except Exception as exc:  # a plugin's bug must stop this source with its name, not the hub
        raise source_failed(run, exc, _READING) from exc


def start_cursor(
    run: SourceRun,
    context: str,
    stored: Mapping[str, StoredCursor],
    unfinished: Iterable[tuple[str, str]],
    *,
    full: bool = False,
    incremental: bool = False,
    whole: tuple[str, str] | None = None,
) -> str | None:
    """The cursor to read a source from: the stored one, if it is still valid and safe to use.

    A narrowed read (`SourceRun.piece`) starts from its piece's own cursor, else from the
    whole source's (`whole`: its key and reading context), which covers the piece too.

    None (a full read) when `full` is asked, when the source has learners whose last attempt
    failed or that an earlier run left half-way (`unfinished`: (source, school) pairs from
    `hub.store.sources_with_unfinished_work`; their rows must be read to try or resume them),
    or when the stored cursor was made under another reading context.

    An `incremental` source (`SourceSpec.incremental`: an API with ``updated_since``) keeps
    its cursor whatever work is unfinished: its cursor is saved only once every learner read
    from it is past the work states, so a run killed half-way reads the same learners again
    from the same cursor; a failed learner is read again when the vendor changes it (or by
    `hub sync --full`, `hub retry`). Reading a whole vendor's API on every sync because one
    learner failed is what the incremental read exists to avoid.
    """
    if full:
        return None
    own_school = run.school_code or (run.piece[0] if run.piece else None)
    if not incremental and any(
        name == run.name and own_school in (None, school) for name, school in unfinished
    ):
        return None
    found = stored.get(run.cursor_key)
    if found is not None and found.context == context:
        return found.cursor
    if whole is not None:
        key, whole_context = whole
        wide = stored.get(key)
        if wide is not None and wide.context == whole_context:
            return wide.cursor
    return None


def read_changed(
    run: SourceRun,
    registry: Registry,
    cursor: str | None,
    *,
    incremental: bool = False,
    source: Source | None = None,
) -> Iterator[RawRecord | Problem | Checkpoint]:
    """The source read in full, or only its last checkpoint when nothing changed since `cursor`.

    The stored cursor is used as a probe: as soon as the incremental read yields anything
    (a record or a problem), the source is read again from the start. A batch then always
    holds its source's every row, so "rows in" of a school's latest batch is the school's
    whole roster and the report's source problems are never half of what the files hold;
    a school whose files did not change costs only the plugin's change check.

    An `incremental` source (`SourceSpec.incremental`) is taken as it reads from `cursor`:
    only the learners changed since, each a whole learner (an API item is one learner's
    year), never the whole vendor again. A cursor it cannot understand means a full read.
    """
    if cursor is None:
        yield from read_source(run, registry, None, source)
        return
    if incremental:
        try:
            yield from read_source(run, registry, cursor, source)
            return
        except CursorError:  # raised before anything was yielded (Source.read's contract)
            log.warning("source %s: stored cursor not understood; read in full", run.label)
        yield from read_source(run, registry, None, source)
        return
    last: Checkpoint | None = None
    probe = read_source(run, registry, cursor, source)
    try:
        for item in probe:
            if not isinstance(item, Checkpoint):
                log.info("source %s changed since its last read: read in full", run.label)
                break
            last = item
        else:
            if last is not None:
                yield last
            return
    except CursorError:  # e.g. a plugin upgrade changed its cursor's format
        log.warning("source %s: stored cursor not understood; read in full", run.label)
    finally:
        probe.close()
    yield from read_source(run, registry, None, source)
