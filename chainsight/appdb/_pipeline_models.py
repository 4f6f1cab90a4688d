"""App-database tables of the daily pipeline (run records, per-step state) and the readiness checklist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainsight.appdb._models import Base, utcnow


class PipelineRunRow(Base):
    """One ``chainsight run``: resumed (same row) after a crash until every step is done or skipped."""

    __tablename__ = "cs_pipeline_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # running (also: crashed while running) | finished | failed
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | schedule
    config_path: Mapped[str] = mapped_column(Text, default="")
    config_hash: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # the business date the run reports on, fixed once loading is done so a resume uses the same one
    as_of: Mapped[str | None] = mapped_column(String(10), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")


class PipelineStepRow(Base):
    """State of one step of one run: pending → running → done | skipped | failed."""

    __tablename__ = "cs_pipeline_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cs_pipeline_runs.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")  # what the step did, JSON
    message: Mapped[str] = mapped_column(Text, default="")  # why skipped / failed

    __table_args__ = (UniqueConstraint("run_id", "step"),)


class ReadinessAnswerRow(Base):
    """One answer of the organisational readiness checklist (executive sponsor, data owners, ...)."""

    __tablename__ = "cs_readiness_answers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="cli")
