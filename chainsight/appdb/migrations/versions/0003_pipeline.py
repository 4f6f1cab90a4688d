"""pipeline runs and steps, readiness answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:35:49.270191
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # `chainsight run` made these tables itself (create_all from the same models) before this revision
    # existed: such tables are adopted as they are
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if {"cs_pipeline_runs", "cs_pipeline_steps", "cs_readiness_answers"} <= existing:
        return
    op.create_table(
        "cs_pipeline_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("config_path", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_pipeline_runs")),
    )
    with op.batch_alter_table("cs_pipeline_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_pipeline_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_pipeline_runs_status"), ["status"], unique=False)

    op.create_table(
        "cs_readiness_answers",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cs_readiness_answers")),
    )
    op.create_table(
        "cs_pipeline_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["cs_pipeline_runs.id"],
            name=op.f("fk_cs_pipeline_steps_run_id_cs_pipeline_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_pipeline_steps")),
        sa.UniqueConstraint("run_id", "step", name=op.f("uq_cs_pipeline_steps_run_id_step")),
    )
    with op.batch_alter_table("cs_pipeline_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_pipeline_steps_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cs_pipeline_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_pipeline_steps_run_id"))

    op.drop_table("cs_pipeline_steps")
    op.drop_table("cs_readiness_answers")
    with op.batch_alter_table("cs_pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_pipeline_runs_status"))
        batch_op.drop_index(batch_op.f("ix_cs_pipeline_runs_started_at"))

    op.drop_table("cs_pipeline_runs")
