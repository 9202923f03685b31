"""Signed documents in a table of their own, written once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

A record's row changes state three times after signing (submission key, receipt, outcome);
SQLite rewrites a whole row, blob included, on each UPDATE, so with the bytes in `records` a
province's sync wrote every document to the WAL and the database several times over. The
bytes move to `documents` (one row per signed record, never updated) and `records.document`
goes. Existing documents are copied, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_documents_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_documents")),
    )
    op.execute(
        "INSERT INTO documents (record_id, body) "
        "SELECT id, document FROM records WHERE document IS NOT NULL"
    )
    # A plain DROP COLUMN on both back ends (SQLite ≥ 3.35): Alembic's batch mode would copy
    # the table and re-create its partial unique index from reflection.
    op.execute("ALTER TABLE records DROP COLUMN document")


def downgrade() -> None:
    op.add_column("records", sa.Column("document", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE records SET document = "
        "(SELECT body FROM documents WHERE documents.record_id = records.id)"
    )
    op.drop_table("documents")
