"""Calendar arithmetic for grains and period comparisons (pure Python, on a handful of dates)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from chainsight._errors import UserInputError
from chainsight.metrics._spec import Grain

IBIS_UNIT = {Grain.DAY: "D", Grain.WEEK: "W", Grain.MONTH: "M", Grain.QUARTER: "Q", Grain.YEAR: "Y"}


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months, the day clamped to the month's length (31 Mar - 1 month = 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


def truncate(d: dt.date, grain: Grain) -> dt.date:
    if grain is Grain.DAY:
        return d
    if grain is Grain.WEEK:
        return d - dt.timedelta(days=d.weekday())
    if grain is Grain.MONTH:
        return d.replace(day=1)
    if grain is Grain.QUARTER:
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    return d.replace(month=1, day=1)


def shift(d: dt.date, grain: Grain, n: int) -> dt.date:
    """``d`` moved by ``n`` periods of ``grain``."""
    if grain is Grain.DAY:
        return d + dt.timedelta(days=n)
    if grain is Grain.WEEK:
        return d + dt.timedelta(weeks=n)
    if grain is Grain.MONTH:
        return add_months(d, n)
    if grain is Grain.QUARTER:
        return add_months(d, 3 * n)
    return add_years(d, n)


def period_end(day: dt.date, grain: Grain = Grain.MONTH) -> dt.date:
    """Last day of the period of ``grain`` (default: the month) that ``day`` falls in.

    >>> period_end(dt.date(2024, 2, 10)), period_end(dt.date(2025, 5, 1), Grain.QUARTER)
    (datetime.date(2024, 2, 29), datetime.date(2025, 6, 30))
    """
    return shift(truncate(day, grain), grain, 1) - dt.timedelta(days=1)


def to_date(value: str | dt.date | None, what: str = "date") -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserInputError(
            f"{what} “{value}” 不是日期,请用 YYYY-MM-DD",
            f"{what} '{value}' is not a date; use YYYY-MM-DD",
            value=value,
        ) from None


_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], Grain], ...] = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), Grain.DAY),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.I), Grain.WEEK),
    (re.compile(r"^(\d{4})-(\d{2})$"), Grain.MONTH),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), Grain.QUARTER),
    (re.compile(r"^(\d{4})$"), Grain.YEAR),
)


def parse_period(text: str) -> tuple[dt.date, dt.date, Grain]:
    """A period label to (first day, last day, grain).

    >>> parse_period("2025-06")
    (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30), <Grain.MONTH: 'month'>)
    >>> parse_period("2025-Q2")[:2]
    (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    """
    text = text.strip()
    for pattern, grain in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        try:
            g = [int(x) for x in m.groups()]
            if grain is Grain.DAY:
                start = dt.date(g[0], g[1], g[2])
            elif grain is Grain.WEEK:
                start = dt.date.fromisocalendar(g[0], g[1], 1)
            elif grain is Grain.MONTH:
                start = dt.date(g[0], g[1], 1)
            elif grain is Grain.QUARTER:
                start = dt.date(g[0], 3 * g[1] - 2, 1)
            else:
                start = dt.date(g[0], 1, 1)
        except ValueError:
            break
        return start, period_end(start, grain), grain
    raise UserInputError(
        f"无法识别期间 “{text}”;示例:2025-06、2025-Q2、2025、2025-W23、2025-06-15",
        f"cannot read period '{text}'; examples: 2025-06, 2025-Q2, 2025, 2025-W23, 2025-06-15",
        value=text,
    )


def period_label(start: dt.date, end: dt.date) -> str:
    """The shortest label for a date range: 2025-06, 2025-Q2, 2025, or 'start..end'."""
    for grain in (Grain.YEAR, Grain.QUARTER, Grain.MONTH, Grain.WEEK, Grain.DAY):
        if truncate(start, grain) == start and period_end(start, grain) == end:
            if grain is Grain.YEAR:
                return f"{start.year}"
            if grain is Grain.QUARTER:
                return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            if grain is Grain.MONTH:
                return f"{start:%Y-%m}"
            if grain is Grain.WEEK:
                iso = start.isocalendar()
                return f"{iso.year}-W{iso.week:02d}"
            return start.isoformat()
    return f"{start.isoformat()}..{end.isoformat()}"
