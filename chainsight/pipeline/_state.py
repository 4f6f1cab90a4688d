"""Run records in the app database: one row per run, one per step, so a crashed run resumes where it stopped.

The tables are made by the app database's migrations (revision 0003), which ``AppDB`` applies when it opens.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chainsight.appdb import AppDB, PipelineRunRow, PipelineStepRow, utcnow


@dataclass(frozen=True, slots=True)
class StepRecord:
    step: str
    state: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    detail: dict[str, Any]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "state": self.state,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": round((self.finished_at - self.started_at).total_seconds(), 2)
            if self.started_at and self.finished_at
            else None,
            "detail": self.detail,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A pipeline run as stored: status running | finished | failed, and its steps in order."""

    id: int
    status: str
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    attempts: int
    as_of: str | None
    message: str
    steps: tuple[StepRecord, ...]

    def step(self, name: str) -> StepRecord | None:
        return next((s for s in self.steps if s.step == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.id,
            "status": self.status,
            "trigger": self.trigger,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "attempts": self.attempts,
            "as_of": self.as_of,
            "message": self.message,
            "steps": [s.to_dict() for s in self.steps],
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


class RunStore:
    """Reads and writes run records; every write is its own committed transaction."""

    def __init__(self, appdb: AppDB) -> None:
        self._session = sessionmaker(appdb.engine, expire_on_commit=False)

    def unfinished(self, max_age_hours: float | None = None) -> int | None:
        """The latest run that did not finish (crashed or failed), to resume; None when there is none.

        A run that started more than ``max_age_hours`` ago is marked ``abandoned`` instead, so a step
        that keeps failing cannot hold back the next days' loads for ever.
        """
        with self._session.begin() as s:
            row = s.scalar(select(PipelineRunRow).order_by(PipelineRunRow.id.desc()).limit(1))
            if row is None or row.status in ("finished", "abandoned"):
                return None
            if max_age_hours is not None and utcnow() - row.started_at > dt.timedelta(hours=max_age_hours):
                row.status = "abandoned"
                row.message = (row.message + "; " if row.message else "") + (
                    f"not resumed: started more than {max_age_hours:g} h ago"
                )
                return None
            return row.id

    def start(self, steps: tuple[str, ...], *, trigger: str, config_path: str, config_hash: str) -> int:
        with self._session.begin() as s:
            run = PipelineRunRow(trigger=trigger, config_path=config_path, config_hash=config_hash)
            s.add(run)
            s.flush()
            for i, name in enumerate(steps):
                s.add(PipelineStepRow(run_id=run.id, step=name, position=i))
            return run.id

    def resume(self, run_id: int, steps: tuple[str, ...]) -> None:
        """Count another attempt; steps added to the config since are appended as pending."""
        with self._session.begin() as s:
            run = s.get(PipelineRunRow, run_id)
            assert run is not None
            run.attempts += 1
            run.status = "running"
            have = {
                r.step for r in s.scalars(select(PipelineStepRow).where(PipelineStepRow.run_id == run_id))
            }
            for i, name in enumerate(steps):
                if name not in have:
                    s.add(PipelineStepRow(run_id=run_id, step=name, position=i))

    def _step(self, s: Session, run_id: int, step: str) -> PipelineStepRow:
        row = s.scalar(
            select(PipelineStepRow).where(PipelineStepRow.run_id == run_id, PipelineStepRow.step == step)
        )
        assert row is not None
        return row

    def step_started(self, run_id: int, step: str) -> dt.datetime:
        """Mark running; the first start time is kept across attempts."""
        with self._session.begin() as s:
            row = self._step(s, run_id, step)
            row.state = "running"
            row.message = ""
            if row.started_at is None:
                row.started_at = utcnow()
            return row.started_at

    def step_progress(self, run_id: int, step: str, detail: dict[str, Any]) -> None:
        with self._session.begin() as s:
            self._step(s, run_id, step).detail_json = json.dumps(detail, ensure_ascii=False, default=str)

    def step_detail(self, run_id: int, step: str) -> dict[str, Any]:
        with self._session() as s:
            return json.loads(self._step(s, run_id, step).detail_json or "{}")  # type: ignore[no-any-return]

    def step_finished(
        self, run_id: int, step: str, state: str, detail: dict[str, Any] | None = None, message: str = ""
    ) -> None:
        with self._session.begin() as s:
            row = self._step(s, run_id, step)
            row.state = state
            row.finished_at = utcnow()
            if detail is not None:
                row.detail_json = json.dumps(detail, ensure_ascii=False, default=str)
            row.message = message

    def set_as_of(self, run_id: int, as_of: str | None) -> None:
        with self._session.begin() as s:
            run = s.get(PipelineRunRow, run_id)
            assert run is not None
            run.as_of = as_of

    def finish(self, run_id: int, status: str, message: str = "") -> None:
        with self._session.begin() as s:
            run = s.get(PipelineRunRow, run_id)
            assert run is not None
            run.status = status
            run.message = message
            run.finished_at = utcnow() if status == "finished" else None

    def get(self, run_id: int) -> RunRecord:
        with self._session() as s:
            run = s.get(PipelineRunRow, run_id)
            assert run is not None
            steps = s.scalars(
                select(PipelineStepRow)
                .where(PipelineStepRow.run_id == run_id)
                .order_by(PipelineStepRow.position)
            ).all()
            return RunRecord(
                id=run.id,
                status=run.status,
                trigger=run.trigger,
                started_at=run.started_at,
                finished_at=run.finished_at,
                attempts=run.attempts,
                as_of=run.as_of,
                message=run.message,
                steps=tuple(
                    StepRecord(
                        r.step,
                        r.state,
                        r.started_at,
                        r.finished_at,
                        json.loads(r.detail_json or "{}"),
                        r.message,
                    )
                    for r in steps
                ),
            )

    def list(self, limit: int = 20) -> list[RunRecord]:
        with self._session() as s:
            ids = s.scalars(select(PipelineRunRow.id).order_by(PipelineRunRow.id.desc()).limit(limit)).all()
        return [self.get(i) for i in ids]
