"""`hub db upgrade`: bring the store's schema to the revision this hub needs.

Run it after installing a new hub version, with a backup made first (docs/operations.md). The
database is the one config.toml names, or HUB_DATABASE_URL.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.errors import HubError


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
    """Nâng cấp lược đồ cơ sở dữ liệu / upgrade the database schema to this hub's revision."""
    from hub.config import load_config
    from hub.store import Store, migrate
    from hub.store.migrate import current_revision

    try:
        store = Store(load_config(config_path).database_url())
        try:
            before = current_revision(store)
            migrate(store)
            after = current_revision(store)
        finally:
            store.dispose()
    except HubError as exc:
        click.echo(f"{exc.message_vi}\n{exc.message_en}", err=True)
        raise SystemExit(exits.USAGE) from None
    url = store.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{url}: đã ở phiên bản {after} / already at revision {after}")
    else:
        click.echo(f"{url}: {before or '∅'} → {after}")
