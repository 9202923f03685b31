"""Leases per piece of work (source × school × year) and the piece a run works on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

A lease held one name ("sync") for the whole store; it now holds a scope: `leases.source`,
`school` and `year`, each NULL for "all of them", its `name` the scope's key ("*/*/*" for the
whole store, what the old "sync" lease was). `runs` keeps the same three columns, so that a
run marks as interrupted only the unfinished runs of pieces that overlap its own, never those
of another school working beside it. Runs from before have NULL there: the whole store, as
they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("source", 64), ("school", 8), ("year", 9))


def upgrade() -> None:
    # Plain ADD COLUMN (nullable) on both back ends: batch mode would copy `runs`, which
    # batches point at.
    for table in ("leases", "runs"):
        for name, length in _COLUMNS:
            op.add_column(table, sa.Column(name, sa.String(length), nullable=True))
    op.execute("UPDATE leases SET name = '*/*/*' WHERE name = 'sync'")


def downgrade() -> None:
    op.execute("UPDATE leases SET name = 'sync' WHERE name = '*/*/*'")
    op.execute("DELETE FROM leases WHERE name <> 'sync'")
    for table in ("runs", "leases"):
        for name, _ in reversed(_COLUMNS):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
