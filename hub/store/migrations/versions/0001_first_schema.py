"""The first schema: schools, runs, batches, submissions, records, problems, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written out in plain SQLAlchemy types (no import of hub.store.tables), so that this revision
keeps meaning the same schema when the models move on. Enums are VARCHARs (see tables.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        _text("at", 32, nullable=False),
        _text("kind", 16, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _text("prev_hash", 64, nullable=False),
        _text("hash", 64, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("state", 16, nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        _when("started_at"),
        _when("finished_at", nullable=True),
        *(_count(name) for name in ("rows_in", "unchanged", "accepted", "rejected", "failed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "schools",
        _text("code", 8, nullable=False),
        _text("name", 200),
        _when("created_at"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_schools")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        _text("school_code", 8, nullable=False),
        _text("school_year", 9, nullable=False),
        _text("source", 64, nullable=False),
        _text("state", 16, nullable=False),
        _when("created_at"),
        _when("closed_at", nullable=True),
        *(
            _count(name)
            for name in (
                "rows_in",
                "unchanged",
                "unkeyed",
                "accepted",
                "rejected",
                "failed",
                "superseded",
            )
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_batches_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["school_code"], ["schools.code"], name=op.f("fk_batches_school_code_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint(
            "run_id",
            "school_code",
            "school_year",
            "source",
            name=op.f("uq_batches_run_id_school_code_school_year_source"),
        ),
    )
    op.create_index(op.f("ix_batches_run_id"), "batches", ["run_id"])
    op.create_index("ix_batches_school_year", "batches", ["school_code", "school_year"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        _text("batch_key", 64, nullable=False),
        _text("state", 16, nullable=False),
        _count("documents"),
        _count("size_bytes"),
        _text("receipt", 64),
        _when("received_at", nullable=True),
        _when("created_at"),
        _when("finished_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_submissions_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("batch_key", name=op.f("uq_submissions_batch_key")),
    )
    op.create_index(op.f("ix_submissions_batch_id"), "submissions", ["batch_id"])
    op.create_index(op.f("ix_submissions_state"), "submissions", ["state"])
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        _text("ma_ho_so", 64, nullable=False),
        _text("school_code", 8, nullable=False),
        _text("school_year", 9, nullable=False),
        _text("learner_key", 64, nullable=False),
        _text("source_ref"),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        _text("state", 16, nullable=False),
        _text("failed_stage", 16),
        _text("content_hash", 64, nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        _text("document_path"),
        _text("ma_bam", 64),
        _text("batch_key", 64),
        _text("receipt", 64),
        _text("transcript_id", 32),
        _text("replaces", 32),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_records_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["batch_key"], ["submissions.batch_key"], name=op.f("fk_records_batch_key_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("batch_id", "ma_ho_so", name=op.f("uq_records_batch_id_ma_ho_so")),
    )
    op.create_index(op.f("ix_records_batch_key"), "records", ["batch_key"])
    op.create_index("ix_records_batch_state", "records", ["batch_id", "state"])
    op.create_index("ix_records_school_state", "records", ["school_code", "school_year", "state"])
    op.create_index(
        "ux_records_current",
        "records",
        ["ma_ho_so", "school_year"],
        unique=True,
        sqlite_where=sa.text("is_current = 1"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        _text("stage", 16, nullable=False),
        _text("code", 32, nullable=False),
        _text("severity", 8, nullable=False),
        sa.Column("message_vi", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("xpath", sa.Text(), nullable=True),
        _text("source_file"),
        _text("source_sheet"),
        _text("source_cell", 32),
        _text("source_url"),
        _text("vendor_key", 128),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_problems_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_problems_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
    )
    op.create_index(op.f("ix_problems_batch_id"), "problems", ["batch_id"])
    op.create_index(op.f("ix_problems_record_id"), "problems", ["record_id"])


def downgrade() -> None:
    for table in ("problems", "records", "submissions", "batches", "schools", "runs", "audit_log"):
        op.drop_table(table)
