"""The generated data holds together: keys resolve, lots come from production or receipts, stock ≥ 0."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.demo.conftest import DemoFiles


# (entity, column, target entity, target column)
REFERENCES = [
    ("customers", "channel_id", "channels", "channel_id"),
    ("customers", "region_id", "regions", "region_id"),
    ("stores", "customer_id", "customers", "customer_id"),
    ("sites", "region_id", "regions", "region_id"),
    ("lines", "site_id", "sites", "site_id"),
    ("bom", "component_id", "materials", "material_id"),
    ("supplier_materials", "material_id", "materials", "material_id"),
    ("prices", "sku", "products", "sku"),
    ("promotions", "sku", "products", "sku"),
    ("targets", "region_id", "regions", "region_id"),
    ("customer_orders", "customer_id", "customers", "customer_id"),
    ("customer_orders", "sku", "products", "sku"),
    ("sell_in", "sku", "products", "sku"),
    ("sell_in", "customer_id", "customers", "customer_id"),
    ("sell_in", "site_id", "sites", "site_id"),
    ("sell_out", "store_id", "stores", "store_id"),
    ("sell_out", "sku", "products", "sku"),
    ("online_orders", "sku", "products", "sku"),
    ("online_orders", "channel_id", "channels", "channel_id"),
    ("purchase_orders", "supplier_id", "suppliers", "supplier_id"),
    ("purchase_orders", "material_id", "materials", "material_id"),
    ("receipts", "material_id", "materials", "material_id"),
    ("production_orders", "line_id", "lines", "line_id"),
    ("production_orders", "sku", "products", "sku"),
    ("material_consumption", "order_id", "production_orders", "order_id"),
    ("inventory", "site_id", "sites", "site_id"),
    ("write_offs", "site_id", "sites", "site_id"),
]


@pytest.mark.parametrize(("entity", "column", "target", "target_column"), REFERENCES)
def test_foreign_keys_resolve(
    demo: DemoFiles, entity: str, column: str, target: str, target_column: str
) -> None:
    orphans = demo.sql(
        f'SELECT DISTINCT "{column}" FROM {entity} WHERE "{column}" IS NOT NULL AND "{column}" <> \'\' '
        f'AND "{column}" NOT IN (SELECT "{target_column}" FROM {target}) LIMIT 5'
    )
    assert orphans == []


def test_bom_parents_are_skus_or_intermediates(demo: DemoFiles) -> None:
    assert (
        demo.scalar(
            "SELECT count(*) FROM bom WHERE parent_id NOT IN (SELECT sku FROM products) "
            "AND parent_id NOT IN (SELECT material_id FROM materials WHERE type = 'intermediate')"
        )
        == 0
    )
    # multi-level: some intermediate has components, and a raw material feeds two intermediates
    shared = demo.scalar(
        "SELECT max(n) FROM (SELECT component_id, count(DISTINCT parent_id) AS n FROM bom "
        "WHERE parent_id IN (SELECT material_id FROM materials WHERE type = 'intermediate') GROUP BY 1)"
    )
    assert shared >= 2


def test_inventory_items_and_lots_come_from_production_or_receipts(demo: DemoFiles) -> None:
    unknown_items = demo.scalar(
        "SELECT count(*) FROM inventory WHERE item_id NOT IN (SELECT sku FROM products) "
        "AND item_id NOT IN (SELECT material_id FROM materials)"
    )
    assert unknown_items == 0
    unknown_lots = demo.scalar(
        "SELECT count(*) FROM inventory WHERE lot_id NOT IN (SELECT lot_id FROM raw_production_orders) "
        "AND lot_id NOT IN (SELECT lot_id FROM raw_receipts)"
    )
    assert unknown_lots == 0
    wo_lots = demo.scalar(
        "SELECT count(*) FROM write_offs WHERE lot_id NOT IN (SELECT lot_id FROM raw_production_orders) "
        "AND lot_id NOT IN (SELECT lot_id FROM raw_receipts)"
    )
    assert wo_lots == 0


def test_finished_goods_lots_carry_their_production_dates(demo: DemoFiles) -> None:
    bad = demo.sql(
        "SELECT i.lot_id FROM inventory i JOIN production_orders o ON o.lot_id = i.lot_id "
        "JOIN products p ON p.sku = i.item_id "
        "WHERE dt(i.mfg_date) <> dt(o.actual_start) "
        "OR dt(i.expiry_date) <> dt(o.actual_start) + CAST(p.shelf_life_days AS INTEGER) LIMIT 5"
    )
    assert bad == []


def test_stock_is_never_negative_and_never_expired_in_a_snapshot(demo: DemoFiles) -> None:
    assert demo.scalar("SELECT min(num(qty)) FROM inventory") > 0
    assert demo.scalar("SELECT count(*) FROM inventory WHERE dt(expiry_date) < dt(mfg_date)") == 0
    expired = demo.scalar(
        "SELECT count(*) FROM inventory WHERE status = 'available' AND dt(expiry_date) < dt(snapshot_date)"
    )
    assert expired == 0


def test_snapshots_are_month_ends_and_the_last_eight_weeks(demo: DemoFiles) -> None:
    days = [r[0] for r in demo.sql("SELECT DISTINCT dt(snapshot_date) AS d FROM inventory ORDER BY d")]
    month_ends = [d for d in days if (d + dt.timedelta(days=1)).month != d.month]
    assert len(month_ends) == 25
    assert sum(1 for d in days if d.weekday() == 6 and d not in month_ends) >= 7


def test_material_lots_are_never_overdrawn(demo: DemoFiles) -> None:
    over = demo.sql(
        "SELECT c.lot_id FROM (SELECT lot_id, sum(num(qty)) AS used FROM material_consumption GROUP BY 1) c "
        "JOIN (SELECT lot_id, sum(num(qty)) AS got FROM receipts WHERE qc_status <> 'failed' GROUP BY 1) r "
        "USING (lot_id) WHERE c.used > r.got + 0.01 LIMIT 5"
    )
    assert over == []
    from_failed = demo.scalar(
        "SELECT count(*) FROM material_consumption WHERE lot_id IN (SELECT lot_id FROM receipts WHERE qc_status = 'failed')"
    )
    assert from_failed == 0


def test_materials_are_consumed_after_they_arrive(demo: DemoFiles) -> None:
    early = demo.scalar(
        "SELECT count(*) FROM material_consumption c JOIN production_orders o USING (order_id) "
        "JOIN receipts r ON r.lot_id = c.lot_id WHERE dt(o.actual_start) < dt(r.received_date)"
    )
    assert early == 0


def test_customer_orders_ship_exactly_what_sell_in_shows(demo: DemoFiles) -> None:
    # Shipped quantity per customer, SKU and day equals the sell-in deliveries (returns aside),
    # except on days where a planted dirty sell-in row stands in for a real one.
    mismatches = demo.scalar(
        "WITH o AS (SELECT customer_id, sku, dt(last_shipped_date) AS d, sum(num(shipped_qty)) AS q "
        "  FROM customer_orders WHERE num(shipped_qty) > 0 GROUP BY ALL), "
        "s AS (SELECT customer_id, sku, dt(date) AS d, sum(num(qty)) AS q FROM sell_in "
        "  WHERE num(qty) > 0 GROUP BY ALL) "
        "SELECT count(*) FROM o FULL JOIN s USING (customer_id, sku, d) WHERE coalesce(o.q, -1) <> coalesce(s.q, -1) "
        "AND d NOT IN (SELECT dt(date) FROM raw_sell_in WHERE _dirty)"
    )
    assert mismatches == 0
    short, late, lines = demo.sql(
        "SELECT count(*) FILTER (WHERE num(shipped_qty) < num(ordered_qty)), "
        "count(*) FILTER (WHERE dt(last_shipped_date) > dt(requested_date)), count(*) FROM customer_orders"
    )[0]
    assert 0 < short < lines * 0.2 and 0 < late < lines * 0.1


def test_sell_in_has_returns_and_online_has_refunds(demo: DemoFiles) -> None:
    assert demo.scalar("SELECT count(*) FROM sell_in WHERE num(qty) < 0 AND num(net_amount) < 0") > 10
    assert demo.scalar("SELECT count(*) FROM online_orders WHERE status = 'refunded'") > 10
    assert demo.scalar("SELECT count(DISTINCT channel_id) FROM online_orders") == 4


def test_history_has_seasonality_and_chinese_new_year(demo: DemoFiles) -> None:
    monthly = dict(
        demo.sql(
            "SELECT strftime(dt(date), '%Y-%m'), sum(num(qty)) FROM sell_out s JOIN products p USING (sku) "
            "WHERE p.category = '饮料' GROUP BY 1"
        )
    )
    assert monthly["2025-07"] > 1.5 * monthly["2025-01"]  # summer peak for beverages
    online = dict(
        demo.sql("SELECT CAST(CAST(order_time AS TIMESTAMP) AS DATE), count(*) FROM online_orders GROUP BY 1")
    )
    assert online[dt.date(2025, 11, 11)] > 3 * online[dt.date(2025, 11, 18)]  # Double 11
    assert online[dt.date(2025, 6, 18)] > 2 * online[dt.date(2025, 6, 25)]  # 618
