"""Alembic's environment for the hub store, run programmatically by `hub.store.migrate()`.

There is no alembic.ini: `hub.store.migrate` builds the Alembic Config and hands over an open
connection in `config.attributes["connection"]`, made by the store's own engine factory, so a
migration runs with the same SQLite settings (WAL, foreign keys, BEGIN IMMEDIATE) as the hub.
To write a new revision, change hub/store/tables.py and run
`.venv/bin/python -m hub.store.migrate revision "what changed"`: it autogenerates the
revision against a scratch SQLite database brought to head; read and edit it before committing.
"""

from __future__ import annotations

from alembic import context

from hub.store.tables import METADATA

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=METADATA,
        compare_type=True,
        # SQLite cannot ALTER most things: later revisions copy-and-move tables instead.
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hub.store.migrate(), which passes a connection")
_run(connection)
