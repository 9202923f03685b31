"""The firings of the schedules `hub serve` runs.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07

`schedule_runs` keeps one row per firing of a [[schedules]] entry: the slot the cron named,
when it fired, how many jobs it submitted and how many ended done or failed, and when the last
ended with the firing's outcome. At start `hub serve` compares each schedule's last slot with
the trigger's latest, so a run missed while the service was down runs once. No personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("stopped", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
    )
    op.create_index("ix_schedule_runs_schedule", "schedule_runs", ["schedule"])


def downgrade() -> None:
    op.drop_index("ix_schedule_runs_schedule", table_name="schedule_runs")
    op.drop_table("schedule_runs")
