"""The one formatter set: golden strings written by hand, in both languages, full and compact."""

from __future__ import annotations

import datetime as dt

import pytest

from chainsight.present import (
    Unit,
    compact_number,
    format_change,
    format_date,
    format_date_range,
    format_datetime,
    format_month,
    format_number,
    format_pct_change,
    format_period,
    format_quarter,
    format_value,
    format_week,
)

NAN = float("nan")

# (value, unit, lang, compact, signed) -> expected
VALUES = [
    # money, full digits (tables): whole from 100 up, cents below
    (2_537_730, Unit.CNY, "zh", False, False, "¥2,537,730"),
    (2_537_730, Unit.CNY, "en", False, False, "¥2,537,730"),
    (1_234_567.8, Unit.CNY, "en", False, False, "¥1,234,568"),
    (12.5, Unit.CNY, "en", False, False, "¥12.50"),
    (-1234.4, Unit.CNY, "zh", False, False, "-¥1,234"),
    (1234.0, Unit.CNY, "en", False, True, "+¥1,234"),
    # money, compact (pages, sentences): 万/亿 in Chinese, K/M/B in English
    (2_537_730, Unit.CNY, "zh", True, False, "¥253.8万"),
    (2_537_730, Unit.CNY, "en", True, False, "¥2.54M"),
    (123_456_789, Unit.CNY, "zh", True, False, "¥1.23亿"),
    (123_456_789, Unit.CNY, "en", True, False, "¥123.5M"),
    (4_560_000_000, Unit.CNY, "zh", True, False, "¥45.6亿"),
    (4_560_000_000, Unit.CNY, "en", True, False, "¥4.56B"),
    (-52_000, Unit.CNY, "zh", True, False, "-¥5.20万"),
    (-52_000, Unit.CNY, "en", True, True, "-¥52.0K"),
    (52_000, Unit.CNY, "zh", True, True, "+¥5.20万"),
    # the 9,999 / 10,000 boundary and values that round up into the next unit
    (9_999, Unit.CNY, "zh", True, False, "¥9,999"),
    (10_000, Unit.CNY, "zh", True, False, "¥1.00万"),
    (9_999.6, Unit.CNY, "zh", True, False, "¥1.00万"),
    (99_999, Unit.CNY, "zh", True, False, "¥10.0万"),
    (99_999_999, Unit.CNY, "zh", True, False, "¥1.00亿"),
    (999, Unit.CNY, "en", True, False, "¥999"),
    (1_000, Unit.CNY, "en", True, False, "¥1.00K"),
    (999_960, Unit.CNY, "en", True, False, "¥1.00M"),
    (100_000_000, Unit.CNY, "zh", True, False, "¥1.00亿"),
    # quantities and counts
    (9_876, Unit.UNITS, "zh", True, False, "9,876"),
    (45_678, Unit.UNITS, "zh", True, False, "4.57万"),
    (12.345, Unit.UNITS, "en", False, False, "12.35"),
    (1_234_567, Unit.COUNT, "en", False, False, "1,234,567"),
    (-3, Unit.COUNT, "zh", False, False, "-3"),
    # percentages, days, ratios: never compacted
    (0.1234, Unit.PCT, "zh", True, False, "12.3%"),
    (0.1234, Unit.PCT, "en", False, True, "+12.3%"),
    (-0.056, Unit.PCT, "en", False, True, "-5.6%"),
    (-0.0004, Unit.PCT, "en", False, True, "0.0%"),
    (45.25, Unit.DAYS, "zh", False, False, "45.2 天"),
    (45.25, Unit.DAYS, "en", True, False, "45.2 days"),
    (1.3, Unit.RATIO, "zh", False, False, "1.30×"),
    # nothing to show
    (None, Unit.CNY, "zh", True, False, "—"),
    (NAN, Unit.PCT, "en", False, False, "—"),
    (None, Unit.DAYS, "en", False, True, "—"),
]


@pytest.mark.parametrize(("value", "unit", "lang", "compact", "signed", "expected"), VALUES)
def test_format_value_golden(value, unit, lang, compact, signed, expected) -> None:
    assert format_value(value, unit, lang, compact=compact, signed=signed) == expected


def test_units_are_accepted_by_their_codes() -> None:
    assert format_value(2_537_730, "cny", "zh", compact=True) == "¥253.8万"


def test_numpy_nan_is_missing() -> None:
    np = pytest.importorskip("numpy")
    assert format_value(np.float64("nan"), Unit.CNY, "zh") == "—"
    assert format_value(np.int64(1234), Unit.CNY, "zh") == "¥1,234"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (123_456_789, "zh", "1.23亿"),
        (4_567_000, "zh", "456.7万"),
        (9_876, "zh", "9,876"),
        (4_567_000, "en", "4.57M"),
        (98_765, "en", "98.8K"),
        (-123_456_789, "zh", "-1.23亿"),
        (9.996e4, "zh", "10.0万"),  # 9.996万 rounds to 10.00: one place from 10 up
        (-0.001, "zh", "0.00"),  # no "-0.00"
    ],
)
def test_compact_number_golden(value, lang, expected) -> None:
    assert compact_number(value, lang) == expected


def test_compact_number_with_one_digit_for_chart_axes() -> None:
    assert compact_number(4_567_000, "zh", digits=1) == "456.7万"
    assert compact_number(2_345_678, "en", digits=1) == "2.3M"


@pytest.mark.parametrize(
    ("value", "unit", "lang", "compact", "expected"),
    [
        (0.0123, Unit.PCT, "zh", False, "+1.2 个百分点"),
        (-0.0123, Unit.PCT, "en", False, "-1.2 pp"),
        (0.00004, Unit.PCT, "zh", False, "0.0 个百分点"),
        (25_300, Unit.CNY, "zh", True, "+¥2.53万"),
        (-25_300, Unit.CNY, "en", True, "-¥25.3K"),
        (-25_300, Unit.CNY, "zh", False, "-¥25,300"),
        (3.5, Unit.DAYS, "zh", False, "+3.5 天"),
        (None, Unit.PCT, "zh", False, "—"),
        (NAN, Unit.CNY, "en", True, "—"),
    ],
)
def test_format_change_golden(value, unit, lang, compact, expected) -> None:
    assert format_change(value, unit, lang, compact=compact) == expected


def test_percent_change_and_plain_numbers() -> None:
    assert [format_pct_change(v) for v in (0.1234, -0.05, 0.0, None, NAN)] == [
        "+12.3%",
        "-5.0%",
        "0.0%",
        "—",
        "—",
    ]
    assert [format_number(v) for v in (1234.5, 12.345, -7, None)] == ["1,234", "12.35", "-7", "—"]
    assert format_number(0.456, 2) == "0.46" and format_number(3.25, 1, signed=True) == "+3.2"
    assert format_number(-0.04, 1) == "0.0"


def test_dates_months_weeks_quarters() -> None:
    d = dt.date(2026, 10, 31)
    assert format_date(d, "zh") == "2026年10月31日"
    assert format_date(d, "en") == "31 Oct 2026"
    assert format_date(d, "zh", iso=True) == "2026-10-31"
    assert format_date(dt.datetime(2026, 3, 1, 23, 59), "en") == "1 Mar 2026"
    assert format_date("2026-03-01", "zh") == "2026年3月1日"
    assert format_date(None, "zh") == "—"
    assert format_datetime(dt.datetime(2026, 3, 1, 9, 5), "zh") == "2026年3月1日 09:05"
    assert format_datetime(dt.datetime(2026, 3, 1, 9, 5), "en", iso=True) == "2026-03-01 09:05"
    assert format_month(dt.date(2026, 1, 1), "zh") == "2026年1月"
    assert format_month(dt.date(2026, 1, 1), "en") == "Jan 2026"
    assert format_month(dt.date(2026, 12, 1), "zh", short=True) == "12月"
    assert format_month(dt.date(2026, 12, 1), "en", short=True) == "Dec"
    # ISO weeks: 2024-12-30 is Monday of 2025-W01
    assert format_week(dt.date(2024, 12, 30), "zh") == "2025年第1周"
    assert format_week(dt.date(2024, 12, 30), "en") == "2025-W01"
    assert format_week(dt.date(2025, 6, 8), "en", short=True) == "W23"
    assert format_quarter(dt.date(2025, 12, 31), "zh") == "2025年第4季度"
    assert format_quarter(dt.date(2025, 1, 1), "en") == "Q1 2025"


def test_periods_by_grain() -> None:
    first = dt.date(2025, 4, 1)
    assert [format_period(first, g, "en") for g in ("day", "week", "month", "quarter", "year", None)] == [
        "1 Apr 2025",
        "2025-W14",
        "Apr 2025",
        "Q2 2025",
        "2025",
        "1 Apr 2025",
    ]
    assert format_period(None, "month", "zh") == "—"


def test_date_ranges() -> None:
    assert format_date_range(dt.date(2025, 6, 2), dt.date(2025, 6, 8), "zh") == "2025年6月2日至8日"
    assert format_date_range(dt.date(2025, 6, 2), dt.date(2025, 6, 8), "en") == "2–8 Jun 2025"
    assert format_date_range(dt.date(2025, 5, 26), dt.date(2025, 6, 1), "zh") == "2025年5月26日至6月1日"
    assert format_date_range(dt.date(2024, 12, 30), dt.date(2025, 1, 5), "en") == "30 Dec 2024 – 5 Jan 2025"


def test_the_formatters_are_the_ones_metrics_and_web_use() -> None:
    """One formatter set: the metrics' and the web's names are the present functions (or thin wrappers)."""
    import chainsight.metrics as metrics
    from chainsight.web import _i18n

    assert metrics.format_value is format_value and metrics.format_change is format_change
    assert metrics.Unit is Unit
    assert _i18n.compact_number is compact_number
    assert _i18n.fmt_value(2_537_730, Unit.CNY, "zh") == "¥253.8万"
    assert _i18n.fmt_change(0.0123, Unit.PCT, "en") == "+1.2 pp"
