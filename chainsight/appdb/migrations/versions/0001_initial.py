"""initial tables: users, sessions, API tokens, audit log, settings

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "cs_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_audit_log")),
    )
    with op.batch_alter_table("cs_audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "cs_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cs_settings")),
    )
    op.create_table(
        "cs_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope_json", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_users")),
    )
    with op.batch_alter_table("cs_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_users_username"), ["username"], unique=True)

    op.create_table(
        "cs_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cs_users.id"], name=op.f("fk_cs_api_tokens_user_id_cs_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_api_tokens")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_cs_api_tokens_user_id_name")),
    )
    with op.batch_alter_table("cs_api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_api_tokens_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_cs_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cs_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cs_users.id"], name=op.f("fk_cs_sessions_user_id_cs_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_sessions")),
    )
    with op.batch_alter_table("cs_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cs_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_sessions_user_id"))

    op.drop_table("cs_sessions")
    with op.batch_alter_table("cs_api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_api_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_cs_api_tokens_token_hash"))

    op.drop_table("cs_api_tokens")
    with op.batch_alter_table("cs_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_users_username"))

    op.drop_table("cs_users")
    op.drop_table("cs_settings")
    with op.batch_alter_table("cs_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_cs_audit_log_action"))

    op.drop_table("cs_audit_log")
