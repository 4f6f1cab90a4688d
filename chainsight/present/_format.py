"""Numbers, changes and dates as people read them: ¥253.8万 on a page, ¥2,537,730 in a table.

One formatter set for the web, the reports and the CLI. ``compact=True`` is for pages, tiles, charts
and sentences (万/亿 in Chinese, K/M/B in English); the default keeps every digit, for tables a
reader sums or compares. None and NaN read as an em dash everywhere.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

DASH = "—"


class Unit(StrEnum):
    """The unit of a metric value, which decides how it reads."""

    CNY = "cny"
    PCT = "pct"  # stored as a fraction (0.125), shown as 12.5%
    DAYS = "days"
    UNITS = "units"  # quantities of goods
    COUNT = "count"  # numbers of things: customers, orders, lots
    RATIO = "ratio"  # a multiple, e.g. sell-in ÷ sell-out = 1.3×


def is_missing(value: object) -> bool:
    """None, NaN (float or numpy) and pandas' NA/NaT: values with nothing to show."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the one value not equal to itself
    except (TypeError, ValueError):
        return False


def _plain(a: float) -> str:
    """A non-negative amount in full: whole from 100 up (or when whole), else to the cent."""
    return f"{a:,.0f}" if a >= 100 or float(a).is_integer() else f"{a:,.2f}"


_STEPS = {"zh": ((1e8, "亿"), (1e4, "万")), "en": ((1e9, "B"), (1e6, "M"), (1e3, "K"))}


def compact_number(value: float, lang: str, digits: int = 2) -> str:
    """A large number the way a reader says it: 1.23亿 / 456.7万 in Chinese, 1.23B / 456.7K in English.

    ``digits`` places below 10 of a unit, one from 10 up; a value that rounds up into the next unit
    moves there (99,999,999 reads 1.00亿, not 10,000.0万).

    >>> compact_number(123456789, "zh"), compact_number(4567000, "zh"), compact_number(9876, "zh")
    ('1.23亿', '456.7万', '9,876')
    >>> compact_number(123456789, "en"), compact_number(4567000, "en"), compact_number(98765, "en")
    ('123.5M', '4.57M', '98.8K')
    >>> compact_number(9999, "zh"), compact_number(10000, "zh"), compact_number(99_999_999, "zh")
    ('9,999', '1.00万', '1.00亿')
    """
    a = abs(float(value))
    body = _plain(a)
    steps = _STEPS["zh" if lang.startswith("zh") else "en"]
    for i, (size, suffix) in enumerate(steps):
        if a >= size or (i == len(steps) - 1 and round(a) >= size):
            n = a / size
            places = digits if round(n, digits) < 10 else 1
            if i > 0 and round(n, places) * size >= steps[i - 1][0]:  # rounds up into the next unit
                size, suffix = steps[i - 1]
                n, places = a / size, digits
            body = f"{n:,.{places}f}{suffix}"
            break
    return f"{'-' if value < 0 and not _shown_zero(body) else ''}{body}"


def _shown_zero(text: str) -> bool:
    return not any(ch in "123456789" for ch in text)


def _signs(value: float, body: str, signed: bool) -> str:
    """The sign in front of ``body``: "-" for negatives, "+" for positives when ``signed``; none for a
    value that reads as zero (no "-0.0%")."""
    if _shown_zero(body):
        return ""
    if value < 0:
        return "-"
    return "+" if signed and value > 0 else ""


def format_value(
    value: float | int | None,
    unit: Unit | str,
    lang: str = "en",
    *,
    signed: bool = False,
    compact: bool = False,
) -> str:
    """``value`` in ``unit`` for a reader of ``lang``.

    >>> format_value(1234567.8, Unit.CNY), format_value(1234567.8, Unit.CNY, "zh", compact=True)
    ('¥1,234,568', '¥123.5万')
    >>> format_value(0.1234, Unit.PCT, signed=True), format_value(45.25, Unit.DAYS, "zh")
    ('+12.3%', '45.2 天')
    >>> format_value(-52000, Unit.CNY, "zh", compact=True), format_value(1.3, Unit.RATIO)
    ('-¥5.20万', '1.30×')
    >>> format_value(float("nan"), Unit.UNITS), format_value(-0.0004, Unit.PCT)
    ('—', '0.0%')
    """
    if is_missing(value):
        return DASH
    assert value is not None
    v = float(value)
    unit = Unit(unit)
    a = abs(v)
    if unit is Unit.PCT:
        body = f"{a * 100:.1f}%"
    elif unit is Unit.DAYS:
        body = f"{a:,.1f} {'天' if lang.startswith('zh') else 'days'}"
    elif unit is Unit.RATIO:
        body = f"{a:,.2f}×"
    elif compact:
        body = compact_number(a, lang)
    elif unit is Unit.COUNT:
        body = f"{a:,.0f}"
    else:
        body = _plain(a)
    sign = _signs(v, body, signed)
    return f"{sign}¥{body}" if unit is Unit.CNY else f"{sign}{body}"


def format_change(value: float | None, unit: Unit | str, lang: str = "en", *, compact: bool = False) -> str:
    """A change of a metric, signed: percentages change in percentage points (个百分点 / pp).

    >>> format_change(0.0123, Unit.PCT, "zh"), format_change(-0.0123, Unit.PCT, "en")
    ('+1.2 个百分点', '-1.2 pp')
    >>> format_change(25300, Unit.CNY, "zh", compact=True), format_change(None, Unit.CNY)
    ('+¥2.53万', '—')
    """
    unit = Unit(unit)
    if unit is Unit.PCT and not is_missing(value):
        assert value is not None
        body = f"{abs(float(value)) * 100:.1f}"
        return f"{_signs(float(value), body, True)}{body} {'个百分点' if lang.startswith('zh') else 'pp'}"
    return format_value(value, unit, lang, signed=True, compact=compact)


def format_pct_change(value: float | None) -> str:
    """A relative change (0.123 = 12.3% up), signed; the same in both languages.

    >>> format_pct_change(0.1234), format_pct_change(-0.05), format_pct_change(None)
    ('+12.3%', '-5.0%', '—')
    """
    return format_value(value, Unit.PCT, signed=True)


def format_number(value: float | int | None, decimals: int | None = None, *, signed: bool = False) -> str:
    """A plain number with thousands separators: ``decimals`` places, or whole from 100 up (else 2).

    >>> format_number(1234.5), format_number(0.456, 2), format_number(3.25, 1, signed=True)
    ('1,234', '0.46', '+3.2')
    """
    if is_missing(value):
        return DASH
    assert value is not None
    v = float(value)
    body = _plain(abs(v)) if decimals is None else f"{abs(v):,.{decimals}f}"
    return f"{_signs(v, body, signed)}{body}"


# ---------------------------------------------------------------------------------------------- dates
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, str):
        value = (
            dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        )
    return value.date() if isinstance(value, dt.datetime) else value


def format_date(value: dt.date | dt.datetime | str | None, lang: str, *, iso: bool = False) -> str:
    """A date: 2026年10月31日 / 31 Oct 2026, or ISO 2026-10-31 (``iso``: dense tables, both languages).

    Month names are written out here, not taken from the process locale.

    >>> d = dt.date(2026, 10, 31)
    >>> format_date(d, "zh"), format_date(d, "en"), format_date(d, "zh", iso=True), format_date(None, "en")
    ('2026年10月31日', '31 Oct 2026', '2026-10-31', '—')
    """
    if is_missing(value):
        return DASH
    assert value is not None
    d = _day(value)
    if iso:
        return d.isoformat()
    if lang.startswith("zh"):
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def format_datetime(value: dt.datetime | str | None, lang: str, *, iso: bool = False) -> str:
    """A moment to the minute: 2026年10月31日 14:05 / 31 Oct 2026 14:05 / 2026-10-31 14:05.

    >>> format_datetime(dt.datetime(2026, 10, 31, 14, 5, 59), "zh")
    '2026年10月31日 14:05'
    """
    if is_missing(value):
        return DASH
    assert value is not None
    t = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(t, dt.datetime):
        return format_date(t, lang, iso=iso)
    return f"{format_date(t, lang, iso=iso)} {t:%H:%M}"


def format_month(value: dt.date | dt.datetime | str | None, lang: str, *, short: bool = False) -> str:
    """A month: 2026年10月 / Oct 2026; ``short`` for chart axes: 10月 / Oct.

    >>> format_month(dt.date(2026, 10, 1), "zh"), format_month(dt.date(2026, 10, 1), "en", short=True)
    ('2026年10月', 'Oct')
    """
    if is_missing(value):
        return DASH
    assert value is not None
    d = _day(value)
    if lang.startswith("zh"):
        return f"{d.month}月" if short else f"{d.year}年{d.month}月"
    return _MONTHS_EN[d.month - 1] if short else f"{_MONTHS_EN[d.month - 1]} {d.year}"


def format_week(value: dt.date | dt.datetime | str | None, lang: str, *, short: bool = False) -> str:
    """The ISO week holding a date: 2025年第23周 / 2025-W23; ``short``: 第23周 / W23.

    >>> format_week(dt.date(2025, 6, 4), "zh"), format_week(dt.date(2025, 6, 4), "en")
    ('2025年第23周', '2025-W23')
    >>> format_week(dt.date(2024, 12, 30), "zh", short=True)
    '第1周'
    """
    if is_missing(value):
        return DASH
    assert value is not None
    year, week, _ = _day(value).isocalendar()
    if lang.startswith("zh"):
        return f"第{week}周" if short else f"{year}年第{week}周"
    return f"W{week:02d}" if short else f"{year}-W{week:02d}"


def format_quarter(value: dt.date | dt.datetime | str | None, lang: str) -> str:
    """The quarter holding a date: 2025年第2季度 / Q2 2025.

    >>> format_quarter(dt.date(2025, 5, 1), "zh"), format_quarter(dt.date(2025, 5, 1), "en")
    ('2025年第2季度', 'Q2 2025')
    """
    if is_missing(value):
        return DASH
    assert value is not None
    d = _day(value)
    q = (d.month - 1) // 3 + 1
    return f"{d.year}年第{q}季度" if lang.startswith("zh") else f"Q{q} {d.year}"


def format_period(value: dt.date | dt.datetime | str | None, grain: str | None, lang: str) -> str:
    """A period by its first day and grain (day, week, month, quarter, year); no grain reads as a date.

    >>> [format_period(dt.date(2025, 4, 1), g, "zh") for g in ("day", "month", "quarter", "year")]
    ['2025年4月1日', '2025年4月', '2025年第2季度', '2025年']
    """
    if is_missing(value):
        return DASH
    g = str(grain or "day")
    if g == "week":
        return format_week(value, lang)
    if g == "month":
        return format_month(value, lang)
    if g == "quarter":
        return format_quarter(value, lang)
    if g == "year":
        assert value is not None
        y = _day(value).year
        return f"{y}年" if lang.startswith("zh") else str(y)
    return format_date(value, lang)


def format_date_range(start: dt.date, end: dt.date, lang: str) -> str:
    """Two dates as one span, without repeating what they share.

    >>> format_date_range(dt.date(2025, 6, 2), dt.date(2025, 6, 8), "zh")
    '2025年6月2日至8日'
    >>> format_date_range(dt.date(2025, 5, 26), dt.date(2025, 6, 1), "en")
    '26 May – 1 Jun 2025'
    >>> format_date_range(dt.date(2024, 12, 30), dt.date(2025, 1, 5), "zh")
    '2024年12月30日至2025年1月5日'
    """
    s, e = _day(start), _day(end)
    if lang.startswith("zh"):
        if (s.year, s.month) == (e.year, e.month):
            tail = f"{e.day}日"
        elif s.year == e.year:
            tail = f"{e.month}月{e.day}日"
        else:
            tail = format_date(e, lang)
        return f"{format_date(s, lang)}至{tail}"
    if (s.year, s.month) == (e.year, e.month):
        return f"{s.day}–{e.day} {_MONTHS_EN[e.month - 1]} {e.year}"
    if s.year == e.year:
        return f"{s.day} {_MONTHS_EN[s.month - 1]} – {format_date(e, lang)}"
    return f"{format_date(s, lang)} – {format_date(e, lang)}"
