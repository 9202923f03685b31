"""Who signs what: each school's teaching assignments, kept with the days they hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

`signer_assignments` keeps one row per signed part (`slot`: a class's subject, a class's
homeroom, the principal) and from-day; a substitute is a new row, the row before it closed by
`valid_until`. Personal IDs are kept whole (the signing service is asked by them) and never
shown whole (hub.privacy).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signer_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_code", sa.String(length=8), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("class_name", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=16), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("teacher_key", sa.String(length=64), nullable=True),
        sa.Column("position", sa.String(length=32), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signer_assignments")),
        sa.UniqueConstraint(
            "school_code",
            "school_year",
            "slot",
            "valid_from",
            name=op.f("uq_signer_assignments_school_code_school_year_slot_valid_from"),
        ),
    )
    op.create_index(
        "ix_signer_assignments_person",
        "signer_assignments",
        ["school_code", "school_year", "personal_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_signer_assignments_person", table_name="signer_assignments")
    op.drop_table("signer_assignments")
