"""Period comparisons: previous period, same period last year, year-to-date, like-for-like."""

from __future__ import annotations

import datetime as dt

import pytest

from chainsight._errors import UserInputError
from chainsight.metrics import Scope, compile_sql, query
from chainsight.warehouse import Warehouse


def _by_period(wh: Warehouse, **kw: object) -> list[dict[str, object]]:
    return query(wh, scope=Scope.all(), **kw).to_dicts()  # type: ignore[arg-type]


def test_previous_period_by_month(wh: Warehouse) -> None:
    rows = _by_period(
        wh, metrics="net_sales", grain="month", start="2025-05-01", end="2025-06-30", compare="pop"
    )
    assert rows == [
        {
            "period": dt.date(2025, 5, 1),
            "net_sales": 114.0,
            "net_sales_prior": None,
            "net_sales_change": None,
            "net_sales_change_pct": None,
            "net_sales_prior_missing": True,
        },
        {
            "period": dt.date(2025, 6, 1),
            "net_sales": 414.0,
            "net_sales_prior": 114.0,
            "net_sales_change": 300.0,
            "net_sales_change_pct": pytest.approx(300 / 114),
            "net_sales_prior_missing": False,
        },
    ]


def test_missing_prior_period_is_null_with_a_flag_never_a_dropped_row(wh: Warehouse) -> None:
    rows = _by_period(
        wh,
        metrics="net_sales",
        by="channel_kind",
        grain="month",
        start="2025-06-01",
        end="2025-06-30",
        compare="yoy",
    )
    assert [
        (r["channel_kind"], r["net_sales"], r["net_sales_prior"], r["net_sales_prior_missing"]) for r in rows
    ] == [
        ("offline", 266.0, 80.0, False),
        ("online", 148.0, None, True),  # no online sales in June 2024
    ]


def test_member_lost_since_prior_period_keeps_its_row(wh: Warehouse) -> None:
    # May had sales to C1 only among customers; a customer gone in June would show current null.
    rows = _by_period(
        wh, metrics="sell_in_amount", by="customer", start="2025-05-01", end="2025-05-31", compare="pop"
    )
    assert [(r["customer"], r["sell_in_amount"], r["sell_in_amount_prior"]) for r in rows] == [
        ("C1", 90.0, None)
    ]
    june = _by_period(
        wh, metrics="sell_in_amount", by="customer", start="2025-06-01", end="2025-06-30", compare="yoy"
    )
    assert {r["customer"]: (r["sell_in_amount"], r["sell_in_amount_prior"]) for r in june} == {
        "C1": (230.0, 80.0),
        "C2": (36.0, None),
        "C3": (72.0, None),
    }


def test_year_on_year_for_a_stock_compares_latest_snapshots(wh: Warehouse) -> None:
    rows = _by_period(
        wh, metrics="inventory_qty", grain="month", start="2025-06-01", end="2025-06-30", compare="pop"
    )
    assert rows[0]["inventory_qty"] == 1281.0
    assert rows[0]["inventory_qty_prior"] == 420.0  # 2025-05-31 snapshot


def test_previous_period_without_grain_uses_the_same_number_of_days_before(wh: Warehouse) -> None:
    rows = _by_period(wh, metrics="net_sales", start="2025-06-01", end="2025-06-30", compare="pop")
    # 2025-05-02 .. 2025-05-31: D1 (90) and O1 (24)
    assert rows == [
        {
            "net_sales": 414.0,
            "net_sales_prior": 114.0,
            "net_sales_change": 300.0,
            "net_sales_change_pct": pytest.approx(300 / 114),
            "net_sales_prior_missing": False,
        }
    ]


def test_year_to_date_against_the_same_days_last_year(wh: Warehouse) -> None:
    rows = _by_period(wh, metrics="net_sales", by="channel_kind", end="2025-06-30", compare="ytd")
    assert [(r["period"], r["channel_kind"], r["net_sales"], r["net_sales_prior"]) for r in rows] == [
        (dt.date(2025, 1, 1), "offline", 90.0 + 266.0, 80.0),
        (dt.date(2025, 1, 1), "online", 24.0 + 148.0, None),
    ]


def test_like_for_like_month_to_date(wh: Warehouse) -> None:
    # June 1-15 2025: sell-in 180 + 50 + 45, online 33 + 12 + 25; June 1-15 2024: D0 80.
    rows = _by_period(wh, metrics="net_sales", end="2025-06-15", compare="lfl")
    assert rows == [
        {
            "period": dt.date(2025, 6, 1),
            "net_sales": 345.0,
            "net_sales_prior": 80.0,
            "net_sales_change": 265.0,
            "net_sales_change_pct": pytest.approx(265 / 80),
            "net_sales_prior_missing": False,
        }
    ]


def test_like_for_like_needs_an_as_of_date(wh: Warehouse) -> None:
    with pytest.raises(UserInputError, match="--to"):
        query(wh, "net_sales", compare="lfl", scope=Scope.all())


def test_prior_window_of_a_whole_month_is_the_whole_previous_month() -> None:
    sql = compile_sql("net_sales", grain="month", start="2025-03-01", end="2025-03-31", compare="pop")
    assert "MAKE_DATE(2025, 2, 28)" in sql and "MAKE_DATE(2025, 2, 1)" in sql


def test_leap_day_year_on_year_clamps_to_february_28() -> None:
    sql = compile_sql("net_sales", start="2024-02-29", end="2024-02-29", compare="yoy")
    assert "MAKE_DATE(2023, 2, 28)" in sql
