"""Learners waiting for the documents their vendor signs itself (vnEdu), and batches that
hold only what an incremental read brought.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

A record in the state `awaiting_vendor` has a row in `vendor_waits`: the canonical JSON of the
transcript its source data mapped to (the vendor's document is compared with it when it comes,
possibly syncs later, without reading the learner again), where the vendor serves the
document, and how often the hub has asked. The new state and the audit kind `verified` are
values of VARCHAR columns (tables.py stores enums as strings): no column changes.
`batches.partial_read` marks a batch an incremental source's read from its cursor filled with
only the learners changed since: the report reads it with the source's earlier batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_waits",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_vendor_waits_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_vendor_waits")),
    )
    # A plain ADD COLUMN on both back ends: batch mode would copy `batches`, which records and
    # problems point at (SQLite then fails their foreign keys).
    op.add_column(
        "batches",
        sa.Column("partial_read", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE batches DROP COLUMN partial_read")
    op.drop_table("vendor_waits")
