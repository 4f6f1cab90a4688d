"""Price conflicts on a hand-checkable little company: every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from chainsight.analysis.channels import price_conflicts
from chainsight.warehouse import Warehouse


def _insert(wh: Warehouse, entity: str, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    cols = list(dict.fromkeys(c for r in rows for c in r))
    sql = f'INSERT INTO "{entity}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'
    wh.duckdb.executemany(sql, [[r.get(c) for c in cols] for r in rows])


def _line(
    n: int, when: str, channel: str, shop: str, qty: int, paid: float, status: str = "paid"
) -> dict[str, Any]:
    return dict(
        order_id=f"O{n}",
        line_no=1,
        order_time=dt.datetime.fromisoformat(when),
        channel_id=channel,
        shop=shop,
        sku="A",
        qty=qty,
        paid_amount=paid,
        province="浙江省",
        status=status,
    )


@pytest.fixture
def company(warehouse: Warehouse) -> Warehouse:
    wh = warehouse
    _insert(
        wh,
        "channels",
        [
            dict(channel_id="tmall", name="天猫", kind="online", platform="tmall"),
            dict(channel_id="pdd", name="拼多多", kind="online", platform="pinduoduo"),
            dict(channel_id="dist", name="经销", kind="offline"),
            dict(channel_id="ka", name="KA", kind="offline"),
        ],
    )
    _insert(wh, "customers", [dict(customer_id="D1", name="经销商", channel_id="dist", type="distributor")])
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    _insert(
        wh,
        "prices",
        [
            # January: offline floors 8 (dist) and 8.5 (ka) -> the floor is the highest, 8.5; distributor price 10
            dict(
                channel_id="dist",
                sku="A",
                valid_from=jan,
                valid_to=dt.date(2026, 1, 31),
                price=10.0,
                floor_price=8.0,
            ),
            dict(
                channel_id="ka",
                sku="A",
                valid_from=jan,
                valid_to=dt.date(2026, 1, 31),
                price=12.0,
                floor_price=8.5,
            ),
            # from February: floor 9, distributor price 11
            dict(channel_id="dist", sku="A", valid_from=feb, price=11.0, floor_price=9.0),
            dict(channel_id="ka", sku="A", valid_from=feb, price=13.0, floor_price=9.0),
            # an online channel's own (lower) floor does not count: the floor protects offline
            dict(channel_id="pdd", sku="A", valid_from=jan, price=12.0, floor_price=5.0),
        ],
    )
    _insert(
        wh,
        "online_orders",
        [
            # week of Mon 2026-01-05, shop S1: 3 units for 22.00 (7.33 each) vs floor 8.5
            _line(1, "2026-01-06 10:00:00", "pdd", "S1", 2, 14.0),
            _line(2, "2026-01-08 21:00:00", "pdd", "S1", 1, 8.0),
            _line(3, "2026-01-08 22:00:00", "pdd", "S1", 5, 5.0, status="refunded"),  # refunds do not count
            # week of Mon 2026-01-26 straddles the price change: Fri 30 Jan at floor 8.5, Sun 1 Feb at floor 9
            _line(4, "2026-01-30 09:00:00", "pdd", "S1", 1, 8.0),
            _line(5, "2026-02-01 23:30:00", "pdd", "S1", 1, 9.0),
            # exactly at the floor: no conflict
            _line(6, "2026-02-10 12:00:00", "tmall", "T1", 4, 36.0),
            # 0.04% under the floor from cent rounding: inside the 0.5% tolerance
            _line(7, "2026-02-17 12:00:00", "tmall", "T1", 3, 26.99),
        ],
    )
    return wh


def test_weeks_below_the_offline_floor_are_found_with_hand_checked_numbers(company: Warehouse) -> None:
    pc = price_conflicts(company)
    w = pc.weeks.to_dicts()
    assert [(r["shop"], r["week"]) for r in w] == [("S1", dt.date(2026, 1, 5)), ("S1", dt.date(2026, 1, 26))]
    first, second = w
    # 3 units, paid 22.00; floor value 3 × 8.5 = 25.50; distributor value 3 × 10 = 30
    assert first["qty"] == 3
    assert first["effective_price"] == pytest.approx(22 / 3)
    assert first["floor_price"] == pytest.approx(8.5)
    assert first["margin_leakage"] == pytest.approx(3.5)
    assert first["below_floor_pct"] == pytest.approx(1 - (22 / 3) / 8.5)
    assert first["distributor_price"] == pytest.approx(10.0)
    assert first["gap_to_distributor"] == pytest.approx(8.0)
    # 2 units, paid 17.00; floor value 8.5 + 9 = 17.50 (weighted floor 8.75); distributor value 10 + 11 = 21
    assert second["effective_price"] == pytest.approx(8.5)
    assert second["floor_price"] == pytest.approx(8.75)
    assert second["margin_leakage"] == pytest.approx(0.5)
    assert second["gap_to_distributor"] == pytest.approx(4.0)


def test_summary_adds_up_per_shop_and_sku(company: Warehouse) -> None:
    pc = price_conflicts(company)
    assert pc.summary.height == 1
    s = pc.summary.row(0, named=True)
    assert (s["channel_id"], s["shop"], s["sku"], s["weeks"]) == ("pdd", "S1", "A", 2)
    assert s["qty"] == 5
    assert s["paid_amount"] == pytest.approx(39.0)
    assert s["margin_leakage"] == pytest.approx(4.0)
    assert s["gap_to_distributor"] == pytest.approx(12.0)
    assert s["floor_price"] == pytest.approx(43.0 / 5)  # (25.5 + 17.5) / 5
    assert s["effective_price"] == pytest.approx(39.0 / 5)
    assert pc.shops_checked == 2
    assert pc.findings and "S1" in pc.findings[0].zh and "S1" in pc.findings[0].en


def test_zero_tolerance_flags_cent_rounding(company: Warehouse) -> None:
    pc = price_conflicts(company, tolerance=0.0)
    assert ("T1", dt.date(2026, 2, 16)) in [(r["shop"], r["week"]) for r in pc.weeks.to_dicts()]


def test_an_empty_warehouse_has_no_conflicts(warehouse: Warehouse) -> None:
    pc = price_conflicts(warehouse)
    assert pc.weeks.height == 0 and pc.summary.height == 0 and pc.findings == []
