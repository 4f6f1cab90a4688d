"""A small, hand-checkable company: every golden number in these tests can be worked out
on paper from the rows below (June 2025 is the main period; May 2025 and June 2024 exist
for comparisons)."""

from __future__ import annotations

from chainsight.warehouse import Warehouse

ROWS: dict[str, list[tuple[object, ...]]] = {
    # region_id, name, parent_id, level, name_en
    "regions": [
        ("CN", "中国", None, "country", "China"),
        ("ZJ", "浙江省", "CN", "province", "Zhejiang"),
        ("HZ", "杭州市", "ZJ", "city", "Hangzhou"),
        ("NB", "宁波市", "ZJ", "city", "Ningbo"),
        ("JS", "江苏省", "CN", "province", "Jiangsu"),
        ("NJ", "南京市", "JS", "city", "Nanjing"),
    ],
    # channel_id, name, kind, platform, min_remaining_life_pct
    "channels": [
        ("DIST", "经销", "offline", None, 0.6),
        ("KA", "KA 卖场", "offline", None, 0.7),
        ("TMALL", "天猫旗舰店", "online", "tmall", 0.5),
        ("JD", "京东", "online", "jd", 0.5),
    ],
    # customer_id, name, channel_id, region_id, type, min_remaining_life_pct
    "customers": [
        ("C1", "杭州经销商", "DIST", "HZ", "distributor", None),
        ("C2", "南京 KA", "KA", "NJ", "ka_retailer", None),
        ("C3", "京东自营", "JD", "ZJ", "platform_self_operated", None),
    ],
    # store_id, customer_id, region_id, format, name
    "stores": [
        ("S1", "C2", "NJ", "hypermarket", "南京一店"),
        ("S2", "C1", "NB", "traditional", "宁波小店"),
    ],
    # site_id, name, type, region_id, customer_id
    "sites": [
        ("P1", "杭州工厂", "plant", "HZ", None),
        ("DC1", "南京仓", "dc", "NJ", None),
        ("DW1", "经销商仓", "distributor_wh", "HZ", "C1"),
    ],
    # line_id, site_id, name, capacity_per_day
    "lines": [("L1", "P1", "一线", 1000.0), ("L2", "P1", "二线", 500.0)],
    # sku, name, brand, category, unit, units_per_case, shelf_life_days, list_price, barcode, launch_date, status
    "products": [
        ("A", "果汁", "B1", "drinks", "瓶", 12, 365, 10.0, None, None, "active"),
        ("B", "薯片", "B1", "snacks", "袋", 20, 180, 5.0, None, None, "active"),
        ("C", "酸奶", "B2", "dairy", "杯", 24, 20, 20.0, None, None, "active"),
    ],
    # material_id, name, type, unit, shelf_life_days, standard_cost
    "materials": [("M1", "白糖", "raw", "kg", 100, 2.0), ("M2", "瓶盖", "packaging", "个", None, 0.5)],
    "suppliers": [("SUP1", "糖业", "HZ"), ("SUP2", "包材", "NJ")],
    # month, region_id, channel_id, target_amount
    "targets": [
        ("2025-05-01", "ZJ", "DIST", 1000.0),
        ("2025-06-01", "ZJ", "DIST", 1000.0),
        ("2025-06-01", "JS", "KA", 500.0),
        ("2025-06-01", "ZJ", "TMALL", 300.0),
    ],
    # doc_id, line_no, date, customer_id, sku, qty, gross_amount, discount_amount, net_amount, site_id, lot_id
    "sell_in": [
        ("D0", 1, "2024-06-15", "C1", "A", 8.0, 80.0, 0.0, 80.0, "P1", None),
        ("D1", 1, "2025-05-10", "C1", "A", 10.0, 100.0, 10.0, 90.0, "P1", None),
        ("D2", 1, "2025-06-05", "C1", "A", 20.0, 200.0, 20.0, 180.0, "P1", None),
        ("D2", 2, "2025-06-06", "C1", "B", 10.0, 50.0, 0.0, 50.0, "P1", None),
        ("D3", 1, "2025-06-07", "C2", "A", 5.0, 50.0, 5.0, 45.0, "DC1", None),
        ("D4", 1, "2025-06-20", "C2", "A", -1.0, -10.0, -1.0, -9.0, "DC1", None),
        ("D5", 1, "2025-06-21", "C3", "C", 4.0, 80.0, 8.0, 72.0, "DC1", None),
    ],
    # date, store_id, sku, qty, amount
    "sell_out": [
        ("2025-05-15", "S1", "A", 3.0, 36.0),
        ("2025-06-10", "S1", "A", 4.0, 48.0),
        ("2025-06-11", "S2", "A", 6.0, 66.0),
        ("2025-06-12", "S2", "B", 5.0, 30.0),
    ],
    # order_id, line_no, order_time, channel_id, shop, sku, qty, paid_amount, province, city, buyer_id, status
    "online_orders": [
        ("O1", 1, "2025-05-20 10:00:00", "TMALL", "旗舰店", "A", 2.0, 24.0, "浙江省", "杭州市", "u1", "paid"),
        ("O2", 1, "2025-06-02 09:00:00", "TMALL", "旗舰店", "A", 3.0, 33.0, "浙江省", "宁波市", "u1", "paid"),
        ("O2", 2, "2025-06-02 09:00:00", "TMALL", "旗舰店", "B", 2.0, 12.0, "浙江省", "宁波市", "u1", "paid"),
        ("O3", 1, "2025-06-15 20:00:00", "JD", "京东店", "C", 1.0, 25.0, "江苏省", "南京市", "u2", "paid"),
        (
            "O4",
            1,
            "2025-06-16 08:00:00",
            "TMALL",
            "旗舰店",
            "A",
            1.0,
            11.0,
            "浙江省",
            "杭州市",
            "u3",
            "refunded",
        ),
        ("O5", 1, "2025-06-18 12:00:00", "TMALL", "旗舰店", "B", 1.0, 6.0, "上海市", "上海市", "u4", "paid"),
    ],
    # snapshot_date, site_id, item_id, lot_id, mfg_date, expiry_date, qty, status
    "inventory": [
        ("2025-05-31", "P1", "A", "LA1", "2025-01-01", "2026-01-01", 100.0, "available"),
        ("2025-05-31", "DW1", "A", "LA2", "2025-05-01", "2026-05-01", 20.0, "available"),
        ("2025-05-31", "P1", "M1", "LM0", "2025-03-01", "2025-06-09", 300.0, "available"),
        ("2025-06-15", "P1", "A", "LA1", "2025-01-01", "2026-01-01", 50.0, "available"),
        ("2025-06-30", "P1", "A", "LA1", "2025-01-01", "2026-01-01", 40.0, "available"),
        ("2025-06-30", "P1", "A", "LA0", "2024-07-10", "2025-07-10", 10.0, "available"),
        ("2025-06-30", "P1", "B", "LB1", "2025-01-06", "2025-07-05", 8.0, "quarantine"),
        ("2025-06-30", "DW1", "C", "LC1", "2025-06-01", "2025-06-21", 6.0, "available"),
        ("2025-06-30", "DW1", "A", "LA2", "2025-05-01", "2026-05-01", 12.0, "available"),
        ("2025-06-30", "DC1", "A", "LA1", "2025-01-01", "2026-01-01", 5.0, "in_transit"),
        ("2025-06-30", "P1", "M1", "LM1", "2025-05-01", "2025-08-09", 200.0, "available"),
        ("2025-06-30", "P1", "M2", "LM2", None, None, 1000.0, "available"),
    ],
    # date, site_id, item_id, lot_id, qty, reason
    "write_offs": [
        ("2025-05-10", "P1", "A", "LA9", 1.0, "near_expiry"),
        ("2025-06-25", "P1", "B", "LB0", 3.0, "expired"),
        ("2025-06-26", "DW1", "C", "LC0", 2.0, "damaged"),
        ("2025-06-27", "P1", "M1", "LM9", 10.0, "quality"),
    ],
    # po_id, line_no, supplier_id, material_id, qty, unit_price, order_date, promised_date, site_id
    "purchase_orders": [
        ("PO1", 1, "SUP1", "M1", 100.0, 2.2, "2025-06-01", "2025-06-10", "P1"),
        ("PO1", 2, "SUP1", "M2", 1000.0, 0.5, "2025-06-01", "2025-06-10", "P1"),
        ("PO2", 1, "SUP2", "M1", 50.0, 1.9, "2025-06-05", "2025-06-20", "P1"),
        ("PO3", 1, "SUP2", "M2", 500.0, 0.6, "2025-05-01", "2025-05-10", "P1"),
    ],
    # receipt_id, po_id, line_no, material_id, lot_id, qty, received_date, mfg_date, expiry_date, qc_status, site_id
    "receipts": [
        ("R1", "PO1", 1, "M1", "LM1", 100.0, "2025-06-09", None, None, "passed", "P1"),
        ("R2", "PO1", 2, "M2", "LM2", 600.0, "2025-06-10", None, None, "passed", "P1"),
        ("R3", "PO1", 2, "M2", "LM3", 400.0, "2025-06-12", None, None, "passed", "P1"),
        ("R4", "PO2", 1, "M1", "LM4", 50.0, "2025-06-18", None, None, "failed", "P1"),
        ("R5", "PO3", 1, "M2", "LM5", 500.0, "2025-05-09", None, None, "passed", "P1"),
    ],
    # order_id, site_id, line_id, sku, planned_qty, planned_start, planned_end, actual_qty, actual_start,
    # actual_end, lot_id, status, input_qty
    "production_orders": [
        (
            "WO1",
            "P1",
            "L1",
            "A",
            1000.0,
            "2025-06-01",
            "2025-06-03",
            950.0,
            "2025-06-01",
            "2025-06-03",
            "LA1",
            "completed",
            1000.0,
        ),
        (
            "WO2",
            "P1",
            "L1",
            "B",
            500.0,
            "2025-06-10",
            "2025-06-11",
            500.0,
            "2025-06-10",
            "2025-06-12",
            "LB1",
            "completed",
            520.0,
        ),
        ("WO3", "P1", "L2", "A", 300.0, "2025-06-20", "2025-06-21", None, None, None, None, "released", None),
        (
            "WO4",
            "P1",
            "L2",
            "C",
            200.0,
            "2025-05-05",
            "2025-05-06",
            180.0,
            "2025-05-05",
            "2025-05-06",
            "LC1",
            "completed",
            200.0,
        ),
        (
            "WO5",
            "P1",
            "L1",
            "A",
            100.0,
            "2025-06-15",
            "2025-06-15",
            None,
            None,
            None,
            None,
            "cancelled",
            None,
        ),
    ],
    # order_id, material_id, lot_id, qty
    "material_consumption": [
        ("WO1", "M1", "LM1", 80.0),
        ("WO1", "M2", "LM2", 950.0),
        ("WO2", "M1", "LM1", 40.0),
        ("WO4", "M1", "LM0", 20.0),
    ],
    # period, sku, channel_id, region_id, forecast_qty, actual_qty
    "forecasts": [
        ("2025-06-01", "A", "DIST", "ZJ", 30.0, 25.0),
        ("2025-06-01", "B", "DIST", "ZJ", 5.0, 10.0),
        ("2025-06-01", "A", "TMALL", "ZJ", 4.0, 3.0),
        ("2025-07-01", "A", "DIST", "ZJ", 30.0, None),
    ],
    # order_id, line_no, order_date, requested_date, customer_id, sku, ordered_qty, shipped_qty, last_shipped_date
    "customer_orders": [
        ("CO1", 1, "2025-06-01", "2025-06-05", "C1", "A", 20.0, 20.0, "2025-06-05"),
        ("CO1", 2, "2025-06-01", "2025-06-06", "C1", "B", 12.0, 10.0, "2025-06-06"),
        ("CO2", 1, "2025-06-03", "2025-06-07", "C2", "A", 5.0, 5.0, "2025-06-09"),
        ("CO3", 1, "2025-05-01", "2025-05-10", "C1", "A", 10.0, 10.0, "2025-05-10"),
    ],
}

PENDING_DDL = {
    "forecasts": "CREATE TABLE forecasts (period DATE, sku VARCHAR, channel_id VARCHAR, region_id VARCHAR, "
    "forecast_qty DOUBLE, actual_qty DOUBLE)",
}


def build_fixture(path: str = ":memory:", *, pending: bool = True) -> Warehouse:
    wh = Warehouse.open(path)
    con = wh.duckdb
    if pending:
        for ddl in PENDING_DDL.values():
            con.execute(ddl)
    for table, rows in ROWS.items():
        if table in PENDING_DDL and not pending:
            continue
        width = len(rows[0])
        cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()][:width]
        placeholders = ", ".join("?" for _ in cols)
        names = ", ".join(f'"{c}"' for c in cols)
        con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})', rows)
    return wh
