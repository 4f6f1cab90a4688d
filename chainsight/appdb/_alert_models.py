"""App-database tables of alerts: the alerts, their state history, and the delivery outbox and log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainsight.appdb._models import Base, utcnow


class AlertRow(Base):
    """One occurrence of a condition: opened when a rule first fires for a scope, updated while it keeps
    firing, resolved when it clears (or by hand). A condition firing again after that is a new row."""

    __tablename__ = "cs_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(40), index=True)  # sha1 of rule id + scope
    # = fingerprint while open or acknowledged, NULL once resolved: at most one active alert per condition
    active_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    owner_role: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # open | acknowledged | resolved
    scope_json: Mapped[str] = mapped_column(Text, default="{}")
    numbers_json: Mapped[str] = mapped_column(Text, default="{}")
    title_zh: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(Text, default="")
    message_zh: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    action_zh: Mapped[str] = mapped_column(Text, default="")
    action_en: Mapped[str] = mapped_column(Text, default="")
    as_of: Mapped[str] = mapped_column(String(10), default="")  # business date of the last evaluation
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    seen_count: Mapped[int] = mapped_column(Integer, default=1)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolution: Mapped[str] = mapped_column(Text, default="")


class AlertEventRow(Base):
    """A change of an alert: opened, escalated, de-escalated, acknowledged, resolved (who, when, why)."""

    __tablename__ = "cs_alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("cs_alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # a username, "cli" or "system"
    note: Mapped[str] = mapped_column(Text, default="")
    numbers_json: Mapped[str] = mapped_column(Text, default="{}")


class AlertDeliveryRow(Base):
    """The outbox: one row per (alert event, channel), so each state change goes out once per channel."""

    __tablename__ = "cs_alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cs_alert_events.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("cs_alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | sending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("event_id", "channel"),)


class AlertDeliveryAttemptRow(Base):
    """The delivery log: every attempt, successful or not."""

    __tablename__ = "cs_alert_delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("cs_alert_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
