"""alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 04:26:23.124029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "cs_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        sa.Column("active_key", sa.String(length=40), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("owner_role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("scope_json", sa.Text(), nullable=False),
        sa.Column("numbers_json", sa.Text(), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("action_zh", sa.Text(), nullable=False),
        sa.Column("action_en", sa.Text(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("seen_count", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_alerts")),
        sa.UniqueConstraint("active_key", name=op.f("uq_cs_alerts_active_key")),
    )
    with op.batch_alter_table("cs_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_alerts_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alerts_owner_role"), ["owner_role"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alerts_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alerts_state"), ["state"], unique=False)

    op.create_table(
        "cs_alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("numbers_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["cs_alerts.id"],
            name=op.f("fk_cs_alert_events_alert_id_cs_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_alert_events")),
    )
    with op.batch_alter_table("cs_alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_alert_events_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alert_events_at"), ["at"], unique=False)

    op.create_table(
        "cs_alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["cs_alerts.id"],
            name=op.f("fk_cs_alert_deliveries_alert_id_cs_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cs_alert_events.id"],
            name=op.f("fk_cs_alert_deliveries_event_id_cs_alert_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_alert_deliveries")),
        sa.UniqueConstraint("event_id", "channel", name=op.f("uq_cs_alert_deliveries_event_id_channel")),
    )
    with op.batch_alter_table("cs_alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_alert_deliveries_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alert_deliveries_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alert_deliveries_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cs_alert_deliveries_status"), ["status"], unique=False)

    op.create_table(
        "cs_alert_delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["cs_alert_deliveries.id"],
            name=op.f("fk_cs_alert_delivery_attempts_delivery_id_cs_alert_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cs_alert_delivery_attempts")),
    )
    with op.batch_alter_table("cs_alert_delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cs_alert_delivery_attempts_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cs_alert_delivery_attempts_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cs_alert_delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_alert_delivery_attempts_delivery_id"))
        batch_op.drop_index(batch_op.f("ix_cs_alert_delivery_attempts_at"))

    op.drop_table("cs_alert_delivery_attempts")
    with op.batch_alter_table("cs_alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_alert_deliveries_status"))
        batch_op.drop_index(batch_op.f("ix_cs_alert_deliveries_event_id"))
        batch_op.drop_index(batch_op.f("ix_cs_alert_deliveries_channel"))
        batch_op.drop_index(batch_op.f("ix_cs_alert_deliveries_alert_id"))

    op.drop_table("cs_alert_deliveries")
    with op.batch_alter_table("cs_alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_alert_events_at"))
        batch_op.drop_index(batch_op.f("ix_cs_alert_events_alert_id"))

    op.drop_table("cs_alert_events")
    with op.batch_alter_table("cs_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cs_alerts_state"))
        batch_op.drop_index(batch_op.f("ix_cs_alerts_rule_id"))
        batch_op.drop_index(batch_op.f("ix_cs_alerts_owner_role"))
        batch_op.drop_index(batch_op.f("ix_cs_alerts_fingerprint"))

    op.drop_table("cs_alerts")
