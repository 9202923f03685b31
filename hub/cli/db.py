"""`hub db upgrade`: create the store, or bring its schema to the revision this hub needs.

Run it once on a new installation, and after installing a new hub version with a backup made
first (docs/operations.md). The database is the one config.toml names, or HUB_DATABASE_URL.
On PostgreSQL it also installs or upgrades the cluster's job queue (procrastinate's tables,
hub.jobs.queue_schema) beside the hub's. It is the only operator's command that creates a
store (`hub demo` makes its own under var/demo): a SQLite file that does not exist is created
here, with its folder, and the output says so, so that a mistyped URL shows up as "created"
instead of going unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.cli.sync import run_guarded


@click.group("db")
def db_group() -> None:
    """Cơ sở dữ liệu của hub / the hub's database."""


@db_group.command("upgrade")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="config.toml to read (default: $HUB_CONFIG, else ./config.toml).",
)
def upgrade_command(config_path: Path | None) -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu / create or upgrade the database schema."""
    from hub.config import load_config
    from hub.jobs.queue_schema import install_queue
    from hub.store import Store, migrate
    from hub.store.engine import normalise_url, shown_url, sqlite_file
    from hub.store.migrate import current_revision

    def action() -> tuple[str, str | None, str | None, bool, tuple[str | None, str] | None]:
        url = load_config(config_path).database_url()
        path = sqlite_file(normalise_url(url))
        new_file = path is not None and not path.exists()
        store = Store(url, create=True)
        try:
            before = current_revision(store)
            migrate(store)
            queue = None if store.is_sqlite else install_queue(store.url)
            return shown_url(store.url), before, current_revision(store), new_file, queue
        finally:
            store.dispose()

    url, before, after, new_file, queue = run_guarded(action)
    if new_file:
        click.echo(f"Đã tạo cơ sở dữ liệu mới, trống: {url} / created a new, empty database: {url}")
    if before == after:
        click.echo(f"{url}: đã ở phiên bản {after} / already at revision {after}")
    else:
        click.echo(f"{url}: {before or '∅'} → {after}")
    if queue is not None:
        was, now = queue
        if was == now:
            click.echo(f"hàng đợi / job queue: procrastinate {now}")
        else:
            click.echo(f"hàng đợi / job queue: procrastinate {was or '∅'} → {now}")
    raise SystemExit(exits.OK)
