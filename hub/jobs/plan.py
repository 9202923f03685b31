"""The pieces a schedule's filters select: one job each (hub.jobs.pieces.Piece).

A schedule says which sources, schools and years it works on; the scheduler turns that into
pieces, one job and one lease each, so that a province's schools are worked side by side
(several workers) and a school held by someone else waits without holding up the others:

- a source that can read only one school and year (`SourceSpec.narrow`: vnEdu, SMAS) gives
  one piece per (school, year) its options list (`SourceSpec.pieces`); when its options list
  no school (vnEdu reads every school its API lists), one piece per year, school None,
  unless the schedule names its schools;
- a source that cannot narrow (a folder of spreadsheets) gives one piece per school when its
  province folder says each school's code (a `source.json` per school: the hub then reads
  only that sub-folder), else one piece for the whole source; a schedule's schools and years
  make it one piece per school and year asked, and the hub keeps that piece's rows when it
  reads.

The order is the configuration's order of sources, then by school and year: the same config
always gives the same pieces in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from hub.errors import UsageError
from hub.jobs.pieces import Piece

if TYPE_CHECKING:
    from hub.config import HubConfig
    from hub.plugins import Registry


def pieces_of(
    config: HubConfig,
    *,
    sources: Sequence[str] | None = None,
    schools: Sequence[str] | None = None,
    years: Sequence[str] | None = None,
    registry: Registry | None = None,
) -> list[Piece]:
    """The pieces of work the filters select (None: every source, school, year).

    Args:
        config: the configuration (its [[sources]]).
        sources, schools, years: a schedule's filters.
        registry: the loaded plugins (loaded here when None).

    Raises:
        UsageError: a filter names a source that is not configured (the message names it and
            the configured ones), or a source's plugin is not installed.
    """
    configured = [section.name for section in config.sources]
    if sources is not None:
        unknown = sorted(set(sources) - set(configured))
        if unknown:
            names, known = ", ".join(unknown), ", ".join(configured) or "-"
            raise UsageError(
                f"{config.path}: lịch chạy nêu nguồn không có trong cấu hình: {names} "
                f"(các nguồn đã cấu hình: {known}).",
                f"{config.path}: the schedule names sources that are not configured: {names} "
                f"(configured: {known}).",
            )
    if registry is None:
        from hub.plugins import load_plugins

        registry = load_plugins()
    found: list[Piece] = []
    for section in config.sources:
        if sources is not None and section.name not in sources:
            continue
        spec = registry.source(section.plugin)
        listed: list[tuple[str | None, str | None]]
        if spec.narrow is not None and spec.pieces is not None:
            listed = _listed(config, section.name, registry)
        else:
            listed = _whole_source(config, section.name)
        found += _sorted(section.name, _filtered(listed, schools, years))
    return _unique(found)


def _listed(
    config: HubConfig, name: str, registry: Registry
) -> list[tuple[str | None, str | None]]:
    """A source that can narrow: the pieces its options list, once they are checked."""
    from hub.pipeline.extract import check_options, source_runs

    found: list[tuple[str | None, str | None]] = []
    for run in source_runs(config, name):
        check_options(run, registry, config.path)  # a misspelt key: said with the key
        pieces = registry.source(run.plugin).pieces
        assert pieces is not None
        found += pieces(dict(run.options))
    return found


def _whole_source(config: HubConfig, name: str) -> list[tuple[str | None, str | None]]:
    """A source that cannot narrow: its schools when its province folder names them all."""
    from hub.pipeline.extract import source_runs

    runs = source_runs(config, name)
    if runs and all(run.school_code for run in runs):
        return [(run.school_code, run.school_year) for run in runs]
    return [(None, None)]


def _filtered(
    listed: Iterable[tuple[str | None, str | None]],
    schools: Sequence[str] | None,
    years: Sequence[str] | None,
) -> list[tuple[str | None, str | None]]:
    """The pairs the filters keep; an "all" (None) the filter names becomes what it names."""
    kept: list[tuple[str | None, str | None]] = []
    for school, year in listed:
        for s in _values(school, schools):
            for y in _values(year, years):
                kept.append((s, y))
    return kept


def _values(value: str | None, wanted: Sequence[str] | None) -> list[str | None]:
    if wanted is None:
        return [value]
    if value is None:
        return list(wanted)
    return [value] if value in wanted else []


def _sorted(source: str, pairs: Iterable[tuple[str | None, str | None]]) -> list[Piece]:
    ordered = sorted(set(pairs), key=lambda pair: (pair[0] or "", pair[1] or ""))
    return [Piece(source, school, year) for school, year in ordered]


def _unique(pieces: Iterable[Piece]) -> list[Piece]:
    seen: set[Piece] = set()
    kept = []
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            kept.append(piece)
    return kept
