"""Scheduling: cron times in the configured zone; the loop sleeps until each and survives a failed run."""

from __future__ import annotations

import datetime as dt

import pytest

from chainsight._errors import UserInputError
from chainsight.pipeline import PipelineConfig, next_fire, run_on_schedule


def test_next_fire_reads_cron_in_the_configured_zone() -> None:
    after = dt.datetime(2025, 6, 1, 22, 31, tzinfo=dt.UTC)  # 06:31 on 2 June in Shanghai
    assert next_fire("30 6 * * *", after, "Asia/Shanghai") == dt.datetime(
        2025, 6, 3, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    assert next_fire("0 7 * * 1", after, "UTC").isoformat() == "2025-06-02T07:00:00+00:00"  # next Monday


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> dt.datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += dt.timedelta(seconds=seconds)


def test_schedule_sleeps_until_each_run_and_survives_a_failure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = PipelineConfig.from_dict(
        {
            "inbox": "in",
            "files": [{"pattern": "*.csv", "entity": "sell_in"}],
            "schedule": "0 */6 * * *",
            "timezone": "UTC",
        },
        base=tmp_path,
    )
    clock = FakeClock(dt.datetime(2025, 6, 1, 5, 0, tzinfo=dt.UTC))
    ran: list[dt.datetime] = []
    errors: list[BaseException] = []

    def once() -> None:
        ran.append(clock.now())
        if len(ran) == 2:
            raise RuntimeError("warehouse locked")

    n = run_on_schedule(cfg, once, max_runs=3, now=clock.now, sleep=clock.sleep, on_error=errors.append)
    assert n == 3
    assert [t.hour for t in ran] == [6, 12, 18]
    assert len(errors) == 1 and max(clock.slept) <= 60


def test_schedule_needs_a_cron_expression(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = PipelineConfig.from_dict(
        {"inbox": "in", "files": [{"pattern": "*.csv", "entity": "sell_in"}]}, base=tmp_path
    )
    with pytest.raises(UserInputError):
        run_on_schedule(cfg, lambda: None, max_runs=1)
