"""A scratch schema on the test PostgreSQL server, for a test that needs a database of its own."""

from __future__ import annotations

import uuid

import sqlalchemy as sa


def schema_url(database: sa.URL) -> str:
    """A new, empty schema of `database`, chosen through the connection's search_path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    scoped = database.update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)
