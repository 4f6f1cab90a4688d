"""Running the pipeline on a cron schedule (``chainsight run --schedule``)."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable

from croniter import croniter

from chainsight._errors import UserInputError
from chainsight.pipeline._config import PipelineConfig


def next_fire(expr: str, after: dt.datetime, timezone: str | None = None) -> dt.datetime:
    """The first time strictly after ``after`` that the cron expression ``expr`` names, as an aware datetime.

    ``timezone`` is the zone the expression is read in (default: the machine's local zone).

    >>> after = dt.datetime(2025, 6, 1, 7, 0, tzinfo=dt.UTC)
    >>> next_fire("30 6 * * *", after, "Asia/Shanghai").isoformat()
    '2025-06-02T06:30:00+08:00'
    """
    tz = zoneinfo.ZoneInfo(timezone) if timezone else dt.datetime.now().astimezone().tzinfo
    base = after.astimezone(tz) if after.tzinfo else after.replace(tzinfo=tz)
    result = croniter(expr, base).get_next(dt.datetime)
    assert isinstance(result, dt.datetime)
    return result


def run_on_schedule(
    config: PipelineConfig,
    run_once: Callable[[], object],
    *,
    max_runs: int | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[dt.datetime], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> int:
    """Sleep until each time the config's ``schedule`` names and call ``run_once``; returns runs made.

    A run that fails is reported through ``on_error`` and the loop goes on (the next run resumes it).
    Sleeps in short slices so a changed clock (suspend, NTP) is noticed.
    """
    if not config.schedule:
        raise UserInputError(
            "配置中没有 schedule(cron 表达式),无法按计划运行",
            "the config has no schedule (a cron expression) to run on",
            file=config.source,
        )
    runs = 0
    while max_runs is None or runs < max_runs:
        due = next_fire(config.schedule, now(), config.timezone)
        if on_wait:
            on_wait(due)
        while (left := (due - now()).total_seconds()) > 0:
            sleep(min(left, 60.0))
        try:
            run_once()
        except Exception as exc:  # keep the schedule alive; the next run resumes the failed one
            if on_error is None:
                raise
            on_error(exc)
        runs += 1
    return runs
