"""What the operator's commands share: the --config and --format options, the store, output.

Every command opens the store the configuration names (or HUB_DATABASE_URL) and refuses one
that does not exist, has no hub schema or is at another schema revision, with the command that
fixes it, as `hub sync` does (only `hub db upgrade` and `hub demo` create a store); errors
leave through `hub.cli.sync.run_guarded`, so each family has the same exit code in every
command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from hub.cli import exits
from hub.config import HubConfig
from hub.store import Store

F = TypeVar("F", bound=Callable[..., Any])

WIDE = 200
"""Columns of a table written to a file or a pipe (a terminal's own width is used otherwise)."""


def config_option(function: F) -> F:
    """`--config PATH`, as `hub sync` takes it."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="config.toml (default: $HUB_CONFIG, else ./config.toml).",
    )(function)


def format_option(function: F) -> F:
    """`--format table|json`."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="Bảng cho người đọc, hoặc JSON cho máy / a table for people, or JSON for programs.",
    )(function)


def check_school(school: str | None) -> None:
    if school is not None and not (len(school) == 8 and school.isdigit()):
        fail(exits.USAGE, "--school: MaTruong có 8 chữ số.", "--school: MaTruong has 8 digits.")


def check_year(year: str | None) -> None:
    """`--year` is a school year as the document writes it: YYYY-YYYY, the second one later."""
    if year is None:
        return
    first, dash, second = year.partition("-")
    if not (dash and len(first) == len(second) == 4 and first.isdigit() and second.isdigit()):
        fail(
            exits.USAGE,
            f"--year {year!r}: năm học viết dạng YYYY-YYYY, ví dụ 2024-2025.",
            f"--year {year!r}: a school year is written YYYY-YYYY, e.g. 2024-2025.",
        )
    if int(second) != int(first) + 1:
        fail(
            exits.USAGE,
            f"--year {year}: năm thứ hai phải là năm thứ nhất + 1 ({first}-{int(first) + 1}).",
            f"--year {year}: the second year must be the first + 1 ({first}-{int(first) + 1}).",
        )


def fail(code: int, message_vi: str, message_en: str) -> None:
    """Print the message (Vietnamese, then English) on stderr and exit with `code`."""
    click.echo(f"{message_vi}\n{message_en}", err=True)
    raise SystemExit(code)


@contextmanager
def configured_store(config_path: Path | None) -> Iterator[tuple[HubConfig, Store]]:
    """The configuration and its existing store, checked to be at this hub's schema revision.

    Raises:
        UsageError: the configuration cannot be read.
        StoreError: the store does not exist, cannot be opened or is at another revision.
    """
    from hub.config import load_config
    from hub.store import open_existing

    config = load_config(config_path)
    store = open_existing(config.database_url())
    try:
        yield config, store
    finally:
        store.dispose()


def console() -> Console:
    """A console on stdout: the terminal's width, or a wide one when written to a file."""
    return Console(width=None if sys.stdout.isatty() else WIDE, highlight=False)


def error_console() -> Console:
    """Progress and spinners go to stderr, so that stdout stays the answer (JSON, a table)."""
    return Console(stderr=True)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
