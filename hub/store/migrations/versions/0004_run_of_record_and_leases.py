"""Which run last worked on each record, problems that name their learner and what was found,
and the leases that keep one runner per store.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

`records.worked_by_run` names the run that last took a record forward (the run of its batch, or
a later run that resumed it), so that a run's summary counts what it did to each learner,
learners resumed from older batches included. `leases` holds who is working on the store
(host, process, since, last heartbeat), so that a second `hub sync` says who holds the work
instead of racing it, and a holder that died is taken over. A problem keeps the source's key
of the learner it stops (`learner_key`, for a row that never became a record: so a learner is
counted once whatever problems name them) and what was found and expected at its place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("worked_by_run", sa.Integer(), nullable=True))
        batch.create_index("ix_records_worked_by_run", ["worked_by_run"])
    op.execute(
        "UPDATE records SET worked_by_run = "
        "(SELECT batches.run_id FROM batches WHERE batches.id = records.batch_id)"
    )
    with op.batch_alter_table("problems") as batch:
        batch.add_column(sa.Column("learner_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("source_row", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("found", sa.Text(), nullable=True))
        batch.add_column(sa.Column("expected", sa.Text(), nullable=True))
    op.create_table(
        "leases",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("expected")
        batch.drop_column("found")
        batch.drop_column("source_row")
        batch.drop_column("learner_key")
    with op.batch_alter_table("records") as batch:
        batch.drop_index("ix_records_worked_by_run")
        batch.drop_column("worked_by_run")
