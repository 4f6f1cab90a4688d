"""Every catalog metric against a value worked out by hand (June 2025 of the fixture),
plus breakdowns checked against hand-written SQL over the same rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from chainsight.metrics import Scope, load_catalog, query
from chainsight.warehouse import Warehouse

# Remaining shelf life at the 2025-06-30 snapshot: (qty, days left, shelf-life days) per lot with both dates.
_LIFE = [
    (40, 185, 365),
    (10, 10, 365),
    (8, 5, 180),
    (6, -9, 20),
    (12, 305, 365),
    (5, 185, 365),
    (200, 40, 100),
]

# June 2025 by hand. Sell-in June net: 180 + 50 + 45 - 9 + 72 = 338 (qty 20 + 10 + 5 - 1 + 4 = 38);
# paid online orders June: 33 + 12 + 25 + 6 = 76 (qty 3 + 2 + 1 + 1 = 7).
EXPECTED: dict[str, float] = {
    # sales
    "net_sales": 338 + 76,
    "gross_sales": (200 + 50 + 50 - 10 + 80) + 76,
    "discount_amount": 20 + 0 + 5 - 1 + 8,
    "discount_rate": 32 / 446,
    "sales_qty": 38 + 7,
    "avg_selling_price": 414 / 45,
    "sales_list_value": (20 * 10 + 10 * 5 + 5 * 10 - 1 * 10 + 4 * 20) + (3 * 10 + 2 * 5 + 1 * 20 + 1 * 5),
    "price_realization": 414 / 435,
    "target_amount": 1000 + 500 + 300,
    "target_attainment": 414 / 1800,
    "target_gap": 414 - 1800,
    "sell_in_amount": 338,
    "sell_in_qty": 38,
    "return_amount": 9,
    "return_rate": 9 / (180 + 50 + 45 + 72),
    "active_skus": 3,
    # channels: JD and TMALL are online; C3 (JD self-operated) buys through sell-in
    "online_sales": 72 + 76,
    "offline_sales": 180 + 50 + 45 - 9,
    "online_qty": 4 + 7,
    "offline_qty": 20 + 10 + 5 - 1,
    "online_share": 148 / 414,
    "online_order_amount": 76,
    "refund_amount": 11,
    "refund_rate": 11 / (76 + 11),
    "online_order_count": 3,  # O2, O3, O5
    "avg_order_value": 76 / 3,
    "online_buyers": 3,  # u1, u2, u4
    "active_customers": 3,
    "active_stores": 2,
    "sell_out_per_store": 144 / 2,
    "distributor_sales": 180 + 50,
    "key_account_sales": 45 - 9,
    # sell-through: June sell-out 4 + 6 + 5 = 15 units, 48 + 66 + 30 = 144 CNY
    "sell_out_qty": 15,
    "sell_out_amount": 144,
    "sell_out_avg_price": 144 / 15,
    "sell_in_sell_out_ratio": 38 / 15,
    "sell_through_rate": 15 / 38,
    "channel_inventory_qty": 6 + 12,  # DW1 at 2025-06-30
    "channel_inventory_days": 18 / (15 / 30),
    # inventory at the latest June snapshot (2025-06-30), never the sum with 2025-06-15
    "inventory_qty": 40 + 10 + 8 + 6 + 12 + 5 + 200 + 1000,
    "inventory_value": 400 + 100 + 40 + 120 + 120 + 50 + 400 + 500,
    "fg_inventory_qty": 40 + 10 + 8 + 6 + 12 + 5,
    "fg_inventory_value": 400 + 100 + 40 + 120 + 120 + 50,
    "material_inventory_qty": 200 + 1000,
    "material_inventory_value": 400 + 500,
    "available_inventory_value": 1730 - 40 - 50,
    "blocked_inventory_value": 40,
    "in_transit_value": 50,
    "stocked_lots": 7,  # LA1, LA0, LB1, LC1, LA2, LM1, LM2
    "days_of_supply": 81 / (45 / 30),
    "inventory_turnover": 435 / 830 * 365 / 30,
    # shelf life: LA0 (A, 365 days -> 45-day band) has 10 days left; LB1 (B, 180 -> 20) has 5 days;
    # LC1 expired 9 days ago; LM1 (M1, 100 -> 15) has 40 days left: not near.
    "near_expiry_qty": 10 + 8,
    "near_expiry_value": 100 + 40,
    "near_expiry_share": 140 / 1730,
    "near_expiry_lots": 2,
    "expired_qty": 6,
    "expired_value": 120,
    "avg_remaining_shelf_life_pct": sum(q * d / s for q, d, s in _LIFE) / sum(q for q, _, _ in _LIFE),
    "write_off_qty": 3 + 2 + 10,
    "write_off_value": 3 * 5 + 2 * 20 + 10 * 2,
    "expiry_write_off_value": 3 * 5,
    # procurement
    "purchase_amount": 100 * 2.2 + 1000 * 0.5 + 50 * 1.9,
    "po_line_count": 3,
    "po_otif": 1 / 3,  # PO1/1 only; PO1/2 short by its promised date; PO2 failed QC
    "supplier_in_full_rate": 2 / 3,
    "supplier_on_time_rate": 3 / 4,  # R3 was late
    "avg_lead_time_days": (8 + 9 + 11 + 13) / 4,
    "received_qty": 100 + 600 + 400 + 50,
    "qc_failure_rate": 50 / 1150,
    "purchase_price_variance": (2.2 - 2) * 100 + 0 + (1.9 - 2) * 50,
    "purchase_price_variance_pct": 15 / (2 * 100 + 0.5 * 1000 + 2 * 50),
    "material_coverage_days": 1200 / (1070 / 30),
    # production
    "production_qty": 950 + 500,
    "planned_production_qty": 1000 + 500 + 300,
    "plan_attainment": 1450 / 1800,
    "production_yield": 1450 / (1000 + 520),
    "line_daily_capacity": 1000 + 500,
    "line_utilization": 1450 / (1500 * 30),
    "completed_production_orders": 2,
    "on_time_production_rate": 1 / 2,
    "material_consumption_qty": 80 + 950 + 40,
    "material_consumption_value": 80 * 2 + 950 * 0.5 + 40 * 2,
    # service
    "ordered_qty": 20 + 12 + 5,
    "fill_rate": (20 + 10 + 5) / 37,
    "short_shipped_qty": 2,
    "order_otif": 1 / 3,
    # forecast
    "forecast_qty": 30 + 5 + 4,
    "forecast_actual_qty": 25 + 10 + 3,
    "forecast_abs_error": 5 + 5 + 1,
    "forecast_wape": 11 / 38,
    "forecast_bias": (5 - 5 + 1) / 38,
    "forecast_accuracy": 1 - 11 / 38,
}


def test_every_catalog_metric_has_a_golden_value() -> None:
    assert {m.name for m in load_catalog()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metric_matches_hand_computed_june_value(wh: Warehouse, name: str) -> None:
    table = query(wh, name, start="2025-06-01", end="2025-06-30", scope=Scope.all())
    assert table.height == 1
    assert table[name][0] == pytest.approx(EXPECTED[name], rel=1e-12)


DASHBOARD = [
    "net_sales",
    "target_attainment",
    "online_share",
    "sell_in_sell_out_ratio",
    "inventory_value",
    "days_of_supply",
    "near_expiry_share",
    "po_otif",
    "line_utilization",
    "material_coverage_days",
    "fill_rate",
    "forecast_wape",
    "active_customers",
]


def test_metrics_of_every_domain_in_one_query_match_one_by_one(wh: Warehouse) -> None:
    row = query(wh, DASHBOARD, start="2025-06-01", end="2025-06-30", scope=Scope.all()).to_dicts()[0]
    assert row == pytest.approx({n: EXPECTED[n] for n in DASHBOARD}, rel=1e-12)


@pytest.mark.slow
def test_all_june_metrics_in_one_query_match_one_by_one(wh: Warehouse) -> None:
    names = sorted(EXPECTED)
    row = query(wh, names, start="2025-06-01", end="2025-06-30", scope=Scope.all()).to_dicts()[0]
    assert row == pytest.approx(EXPECTED, rel=1e-12)


def _sql_rows(wh: Warehouse, sql: str) -> dict[tuple[object, ...], float]:
    return {tuple(r[:-1]): r[-1] for r in wh.duckdb.execute(sql).fetchall()}


def _rows(table: pl.DataFrame, keys: list[str], metric: str) -> dict[tuple[object, ...], float]:
    return {tuple(r[k] for k in keys): r[metric] for r in table.to_dicts()}


def test_net_sales_by_province_and_month_matches_hand_written_sql(wh: Warehouse) -> None:
    sql = """
    WITH flat AS (
      SELECT r.region_id,
             CASE r.level WHEN 'province' THEN r.name WHEN 'city' THEN p.name END AS province
      FROM regions r LEFT JOIN regions p ON r.parent_id = p.region_id),
    rows AS (
      SELECT date_trunc('month', s.date) AS m, f.province, s.net_amount AS v
      FROM sell_in s JOIN customers c USING (customer_id) LEFT JOIN flat f ON f.region_id = c.region_id
      UNION ALL
      SELECT date_trunc('month', CAST(o.order_time AS DATE)),
             (SELECT max(name) FROM regions WHERE level = 'province' AND name = o.province), o.paid_amount
      FROM online_orders o WHERE o.status = 'paid')
    SELECT CAST(m AS DATE), province, sum(v) FROM rows GROUP BY ALL
    """
    got = query(wh, "net_sales", by="province", grain="month", scope=Scope.all())
    assert _rows(got, ["period", "province"], "net_sales") == pytest.approx(_sql_rows(wh, sql))


def test_target_attainment_by_channel_matches_hand_written_sql(wh: Warehouse) -> None:
    sql = """
    WITH s AS (
      SELECT c.channel_id AS ch, sum(s.net_amount) AS v FROM sell_in s JOIN customers c USING (customer_id)
      WHERE s.date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30' GROUP BY 1
      UNION ALL
      SELECT channel_id, sum(paid_amount) FROM online_orders
      WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN DATE '2025-06-01' AND DATE '2025-06-30' GROUP BY 1),
    t AS (SELECT channel_id AS ch, sum(target_amount) AS tv FROM targets WHERE month = DATE '2025-06-01' GROUP BY 1)
    SELECT t.ch, (SELECT sum(v) FROM s WHERE s.ch = t.ch) / t.tv FROM t
    """
    got = query(
        wh, "target_attainment", by="channel", start="2025-06-01", end="2025-06-30", scope=Scope.all()
    )
    expected = {**_sql_rows(wh, sql), ("JD",): None}  # JD sold without a target: kept, attainment unknown
    assert _rows(got, ["channel"], "target_attainment") == pytest.approx(expected)


def test_inventory_value_by_site_and_month_takes_latest_snapshot(wh: Warehouse) -> None:
    sql = """
    WITH last AS (SELECT date_trunc('month', snapshot_date) AS m, max(snapshot_date) AS d FROM inventory GROUP BY 1)
    SELECT CAST(last.m AS DATE), i.site_id, sum(i.qty * coalesce(p.list_price, mt.standard_cost))
    FROM inventory i JOIN last ON i.snapshot_date = last.d
    LEFT JOIN products p ON p.sku = i.item_id LEFT JOIN materials mt ON mt.material_id = i.item_id
    GROUP BY ALL
    """
    got = query(wh, "inventory_value", by="site", grain="month", scope=Scope.all())
    assert _rows(got, ["period", "site"], "inventory_value") == pytest.approx(_sql_rows(wh, sql))


def test_semi_additive_stock_is_never_summed_over_time(wh: Warehouse) -> None:
    by_month = query(wh, "inventory_qty", grain="month", scope=Scope.all()).to_dicts()
    assert [(r["period"].isoformat(), r["inventory_qty"]) for r in by_month] == [
        ("2025-05-01", 100 + 20 + 300),
        ("2025-06-01", 1281),
    ]
    whole_year = query(wh, "inventory_qty", grain="year", scope=Scope.all()).to_dicts()
    assert whole_year[0]["inventory_qty"] == 1281


def test_near_expiry_is_read_at_the_same_snapshot_as_the_whole_stock(wh: Warehouse) -> None:
    # Mid-June (2025-06-15) only LA1 is in stock and nothing is near expiry: the share must be 0,
    # not the near-expiry stock of an older snapshot.
    got = query(
        wh, "near_expiry_value,near_expiry_share", start="2025-06-01", end="2025-06-15", scope=Scope.all()
    )
    assert got.to_dicts() == [{"near_expiry_value": None, "near_expiry_share": 0.0}]


def test_online_orders_take_region_from_ship_to_names(wh: Warehouse) -> None:
    got = query(
        wh, "online_order_amount", by="province,city", start="2025-06-01", end="2025-06-30", scope=Scope.all()
    )
    assert _rows(got, ["province", "city"], "online_order_amount") == {
        ("浙江省", "宁波市"): 45.0,
        ("江苏省", "南京市"): 25.0,
        (None, None): 6.0,  # 上海市 is not in the region master: kept, not dropped
    }


def test_sell_in_region_comes_from_customer_at_any_level(wh: Warehouse) -> None:
    got = query(
        wh, "sell_in_amount", by="province,city", start="2025-06-01", end="2025-06-30", scope=Scope.all()
    )
    assert _rows(got, ["province", "city"], "sell_in_amount") == {
        ("浙江省", "杭州市"): 230.0,  # C1 sits in a city
        ("浙江省", None): 72.0,  # C3 sits at province level
        ("江苏省", "南京市"): 36.0,
    }


def test_line_without_output_in_a_period_shows_zero_utilisation(wh: Warehouse) -> None:
    got = query(wh, "line_utilization", by="line", grain="month", scope=Scope.all())
    assert _rows(got, ["period", "line"], "line_utilization") == pytest.approx(
        {
            (dt.date(2025, 5, 1), "L1"): 0.0,
            (dt.date(2025, 5, 1), "L2"): 180 / (500 * 31),
            (dt.date(2025, 6, 1), "L1"): 1450 / (1000 * 30),
            (dt.date(2025, 6, 1), "L2"): 0.0,
        }
    )


def test_where_filters_rows_and_counts_are_integers(wh: Warehouse) -> None:
    got = query(
        wh,
        "active_customers,net_sales",
        where={"channel_kind": "offline"},
        start="2025-06-01",
        end="2025-06-30",
        scope=Scope.all(),
    )
    assert got.to_dicts() == [{"active_customers": 2, "net_sales": 266.0}]
    assert got.schema["active_customers"] == pl.Int64


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_every_grain_matches_hand_written_sql(wh: Warehouse, grain: str) -> None:
    sql = f"""
    SELECT CAST(date_trunc('{grain}', d) AS DATE), sum(v) FROM (
      SELECT date AS d, qty AS v FROM sell_in
      UNION ALL SELECT CAST(order_time AS DATE), qty FROM online_orders WHERE status = 'paid') GROUP BY 1
    """
    got = query(wh, "sales_qty", grain=grain, scope=Scope.all())
    assert _rows(got, ["period"], "sales_qty") == pytest.approx(_sql_rows(wh, sql))


def test_days_in_a_period_are_clipped_to_the_query_window(wh: Warehouse) -> None:
    # June 1-15: fg stock at the 2025-06-15 snapshot is LA1 50; units sold June 1-15: 20 + 10 + 5 + 3 + 2 + 1
    got = query(wh, "days_of_supply", grain="month", start="2025-06-01", end="2025-06-15", scope=Scope.all())
    assert got["days_of_supply"][0] == pytest.approx(50 / (41 / 15))


def test_filter_values_are_literals_never_sql_text(wh: Warehouse) -> None:
    got = query(wh, "net_sales", where={"province": "浙江省' OR '1'='1"}, scope=Scope.all())
    assert got.to_dicts() == [{"net_sales": None}]
