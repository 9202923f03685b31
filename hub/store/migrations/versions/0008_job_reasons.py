"""Why each queued job ended as it did (the cluster's job queue, hub.jobs.queue).

Revision ID: 0008
Revises: 0006 (0005 on its own branch; re-chained at merge)
Create Date: 2026-12-07

procrastinate (the PostgreSQL job queue the workers share) keeps a job's state and attempts in
its own tables, installed by `hub db upgrade` beside these; `job_reasons` keeps, per job id, the
summary of its last attempt (no personal data) so that `hub jobs list` can say why a job failed.
Created on SQLite too: the schema is one on both back ends, the table just stays empty there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_reasons",
        sa.Column("job_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("piece", sa.String(length=200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_reasons")),
    )


def downgrade() -> None:
    op.drop_table("job_reasons")
