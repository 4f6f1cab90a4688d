"""Each planted signal is really in the files: recomputed here with hand-written SQL over the exports."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.demo.conftest import DemoFiles


def test_stuffed_distributor_buys_far_more_than_its_stores_sell(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["stuffed_distributor"]
    skus = sig["skus"]
    rows = demo.sql(
        """
        WITH si AS (SELECT strftime(dt(date), '%Y-%m') AS month, sum(num(qty)) AS qty FROM sell_in
                    WHERE customer_id = ? AND list_contains(?, sku) AND num(qty) > 0 GROUP BY 1),
             so AS (SELECT strftime(dt(s.date), '%Y-%m') AS month, sum(num(s.qty)) AS qty FROM sell_out s
                    JOIN stores st USING (store_id) WHERE st.customer_id = ? AND list_contains(?, s.sku) GROUP BY 1)
        SELECT si.month, si.qty / so.qty FROM si JOIN so USING (month) ORDER BY 1
        """,
        [sig["customer_id"], skus, sig["customer_id"], skus],
    )
    ratio = dict(rows)
    assert len(sig["months"]) >= 4
    for month in sig["months"]:
        assert ratio[month] >= 2.0, (month, ratio[month])
    expected = {m["month"]: m["ratio"] for m in sig["monthly"]}
    for month in sig["months"]:
        assert math.isclose(ratio[month], expected[month], rel_tol=0.02)
    # the same distributor's ratio was normal before
    before = sorted([r for m, r in rows if m < sig["months"][0]][-7:-1])  # the 6 months before the last one
    assert before[len(before) // 2] < 1.6


def test_no_other_distributor_is_stuffed(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["stuffed_distributor"]
    rows = demo.sql(
        """
        WITH si AS (SELECT customer_id, sku, strftime(dt(date), '%Y-%m') AS month, sum(num(qty)) AS qty FROM sell_in
                    WHERE num(qty) > 0 GROUP BY ALL),
             so AS (SELECT st.customer_id, s.sku, strftime(dt(s.date), '%Y-%m') AS month, sum(num(s.qty)) AS qty
                    FROM sell_out s JOIN stores st USING (store_id) GROUP BY ALL)
        SELECT customer_id, sku, month, si.qty / so.qty FROM si JOIN so USING (customer_id, sku, month)
        JOIN customers c USING (customer_id)
        WHERE c.type = 'distributor' AND so.qty >= 5 AND month > '2024-10' AND month < '2026-10'
        ORDER BY 1, 2, 3
        """
    )
    # longest run of consecutive months with sell-in ≥ 2 × sell-out, per distributor and SKU
    runs: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], tuple[str, int]] = {}
    for cust, sku, month, ratio in rows:
        key = (cust, sku)
        y, m = map(int, month.split("-"))
        idx = y * 12 + m
        prev = last.get(key)
        run = (prev[1] + 1 if prev and prev[0] == idx - 1 else 1) if ratio >= 2 else 0
        last[key] = (idx, run) if ratio >= 2 else (idx, 0)
        if ratio >= 2:
            last[key] = (idx, run)
        runs[key] = max(runs.get(key, 0), run)
    flagged = {k for k, n in runs.items() if n >= 4}
    assert flagged == {(sig["customer_id"], s) for s in sig["skus"]}


def test_late_supplier_delivers_late_and_others_mostly_on_time(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["late_supplier"]
    rows = dict(
        demo.sql(
            """
        SELECT p.supplier_id, avg(CASE WHEN dt(r.received_date) > dt(p.promised_date) THEN 1.0 ELSE 0.0 END)
        FROM receipts r JOIN purchase_orders p ON p.po_id = r.po_id AND p.line_no = r.line_no GROUP BY 1
        HAVING count(*) >= 20
        """
        )
    )
    assert rows[sig["supplier_id"]] >= 0.5
    assert max(v for k, v in rows.items() if k != sig["supplier_id"]) <= 0.3
    delay = demo.scalar(
        "SELECT avg(dt(r.received_date) - dt(p.promised_date)) FROM receipts r JOIN purchase_orders p "
        "ON p.po_id = r.po_id AND p.line_no = r.line_no WHERE p.supplier_id = ?",
        [sig["supplier_id"]],
    )
    assert delay >= 3


def test_poor_yield_line_is_the_worst_by_far(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["poor_yield_line"]
    ylds = dict(
        demo.sql(
            "SELECT line_id, sum(num(actual_qty)) / sum(num(input_qty)) FROM production_orders "
            "WHERE status = 'completed' GROUP BY 1"
        )
    )
    assert min(ylds, key=ylds.__getitem__) == sig["line_id"]
    assert ylds[sig["line_id"]] < 0.9
    assert min(v for k, v in ylds.items() if k != sig["line_id"]) > 0.95
    assert math.isclose(ylds[sig["line_id"]], sig["yield"], abs_tol=1e-3)


def test_price_violation_only_where_planted(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["price_violation"]
    rows = demo.sql(
        """
        WITH o AS (SELECT channel_id, shop, sku, CAST(CAST(order_time AS TIMESTAMP) AS DATE) AS d, num(qty) AS qty,
                          num(paid_amount) AS paid FROM online_orders WHERE status = 'paid'),
             w AS (SELECT channel_id, shop, sku, date_trunc('week', d) AS week, sum(paid) / sum(qty) AS price
                   FROM o GROUP BY ALL),
             f AS (SELECT sku, dt(valid_from) AS a, coalesce(dt(valid_to), DATE '2100-01-01') AS b,
                          min(num(floor_price)) AS floor FROM prices WHERE channel_id = 'distributor' GROUP BY ALL)
        SELECT w.channel_id, w.shop, w.sku, CAST(w.week AS DATE), w.price, f.floor FROM w
        JOIN f ON f.sku = w.sku AND w.week BETWEEN f.a AND f.b WHERE w.price < f.floor - 0.005
        """
    )
    found = {(c, s, k) for c, s, k, *_ in rows}
    assert found == {(sig["channel_id"], sig["shop"], sig["sku"])}
    weeks = {str(r[3]) for r in rows}
    assert weeks == set(sig["weeks"])


def test_expiring_lot_is_in_the_last_snapshot_and_cannot_sell_in_time(demo: DemoFiles) -> None:
    sig = demo.truth["signals"]["expiring_lot"]
    row = demo.sql(
        "SELECT num(qty), dt(expiry_date) FROM inventory WHERE dt(snapshot_date) = DATE '2026-10-31' "
        "AND site_id = ? AND item_id = ? AND lot_id = ? AND status = 'available'",
        [sig["site_id"], sig["sku"], sig["lot_id"]],
    )
    assert len(row) == 1
    qty, expiry = row[0]
    assert qty == sig["qty"]
    days = (expiry - __import__("datetime").date(2026, 10, 31)).days
    assert 0 < days <= 90
    # shipped by this DC in the last 28 days (sell-in only; online shipments make it a little more)
    rate = demo.scalar(
        "SELECT coalesce(sum(num(qty)), 0) / 28 FROM sell_in WHERE site_id = ? AND sku = ? AND num(qty) > 0 "
        "AND dt(date) > DATE '2026-10-03'",
        [sig["site_id"], sig["sku"]],
    )
    assert qty > 1.5 * max(rate, sig["run_rate_per_day"]) * days
    assert sig["rank_by_unsold_value"] <= 3


def _cross_effect(demo: DemoFiles, region_id: str) -> float:
    """Per SKU: (province ÷ other covered provinces) on its online-promotion days vs its other days."""
    rows = demo.sql(
        """
        WITH promo AS (SELECT DISTINCT sku, UNNEST(range(dt(start_date), dt(end_date) + 1, INTERVAL 1 DAY))::DATE AS d
                       FROM promotions WHERE channel_id IN ('tmall', 'jd', 'douyin', 'pinduoduo')),
             s AS (SELECT s.sku, dt(s.date) AS d, num(s.qty) AS qty, r.parent_id = ? AS mine
                   FROM sell_out s JOIN stores st USING (store_id) JOIN regions r ON r.region_id = st.region_id)
        SELECT s.sku, p.sku IS NOT NULL AS on_promo, sum(qty) FILTER (WHERE mine), sum(qty) FILTER (WHERE NOT mine)
        FROM s LEFT JOIN promo p ON p.sku = s.sku AND p.d = s.d GROUP BY ALL
        """,
        [region_id],
    )
    by_sku: dict[str, dict[bool, tuple[float, float]]] = {}
    for sku, on, mine, theirs in rows:
        by_sku.setdefault(sku, {})[bool(on)] = (mine or 0.0, theirs or 0.0)
    logs, weights = [], []
    for parts in by_sku.values():
        if True not in parts or False not in parts:
            continue
        (m1, t1), (m0, t0) = parts[True], parts[False]
        if min(m1, t1, m0, t0) <= 0 or m1 + m0 < 50:
            continue
        logs.append(math.log((m1 / t1) / (m0 / t0)))
        weights.append(m1)
    return math.exp(sum(x * w for x, w in zip(logs, weights, strict=True)) / sum(weights)) - 1


def test_cannibalization_and_halo_provinces(demo: DemoFiles) -> None:
    can = demo.truth["signals"]["cannibalization"]
    halo = demo.truth["signals"]["halo"]
    e_can = _cross_effect(demo, can["region_id"])
    e_halo = _cross_effect(demo, halo["region_id"])
    assert e_can < -0.1 and e_halo > 0.1
    # the other big provinces show much less
    for rid in can["control_provinces"]:
        assert abs(_cross_effect(demo, rid)) < min(abs(e_can), abs(e_halo)), rid
