"""A small synthetic company with planted demand truths, written straight into a warehouse.

Three SKUs sold daily to two KA customers (two provinces) and on Tmall, 2024-01-01..2026-06-30:

* ``SMOOTH1``: level 40/day × weekday pattern × summer peak × **CNY uplift 2.0** in the CNY window;
* ``SMOOTH2``: level 25/day, same shape, uplift 2.0;
* ``SPARSE``: intermittent — a sale of 5 on about one day in 25.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from chainsight.planning._calendar import event_days
from chainsight.warehouse import Warehouse

START, END = dt.date(2024, 1, 1), dt.date(2026, 6, 30)
CNY_UPLIFT = 2.0


def _insert(wh: Warehouse, table: str, frame: pd.DataFrame) -> None:
    con = wh.duckdb
    con.register("_fixture_rows", frame)
    con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM _fixture_rows")
    con.unregister("_fixture_rows")


def build(wh: Warehouse, seed: int = 7) -> Warehouse:
    rng = np.random.default_rng(seed)
    _insert(
        wh,
        "regions",
        pd.DataFrame(
            {
                "region_id": ["CN", "330000", "330100", "310000", "310100"],
                "name": ["中国", "浙江省", "杭州市", "上海市", "上海市辖区"],
                "parent_id": [None, "CN", "330000", "CN", "310000"],
                "level": ["country", "province", "city", "province", "city"],
            }
        ),
    )
    _insert(
        wh,
        "channels",
        pd.DataFrame({"channel_id": ["ka", "tmall"], "name": ["KA", "天猫"], "kind": ["offline", "online"]}),
    )
    _insert(
        wh,
        "customers",
        pd.DataFrame(
            {
                "customer_id": ["KA-HZ", "KA-SH"],
                "name": ["杭州KA", "上海KA"],
                "channel_id": ["ka", "ka"],
                "region_id": ["330100", "310100"],
            }
        ),
    )
    _insert(
        wh,
        "products",
        pd.DataFrame(
            {
                "sku": ["SMOOTH1", "SMOOTH2", "SPARSE"],
                "name": ["a", "b", "c"],
                "shelf_life_days": [180, 180, 365],
            }
        ),
    )
    cal = event_days(START, END)
    days = cal["day"]
    n = len(days)
    doy = days.dt.dayofyear.to_numpy()
    shape = (1 + 0.3 * np.cos(2 * np.pi * (doy - 196) / 365.25)) * np.where(days.dt.dayofweek >= 5, 1.2, 0.95)
    shape = shape * np.where(cal["cny"].to_numpy() > 0, CNY_UPLIFT, 1.0)
    frames = []
    for sku, level in (("SMOOTH1", 40.0), ("SMOOTH2", 25.0)):
        for cust, share in (("KA-HZ", 0.6), ("KA-SH", 0.4)):
            frames.append(
                pd.DataFrame(
                    {
                        "date": days.dt.date,
                        "customer_id": cust,
                        "sku": sku,
                        "qty": rng.poisson(level * share * shape).astype(float),
                    }
                )
            )
    sparse = np.where(rng.random(n) < 0.04, 5.0, 0.0)
    frames.append(
        pd.DataFrame({"date": days.dt.date, "customer_id": "KA-HZ", "sku": "SPARSE", "qty": sparse})
    )
    si = pd.concat(frames, ignore_index=True)
    si = si[si["qty"] > 0].reset_index(drop=True)
    si.insert(0, "doc_id", [f"D{i}" for i in range(len(si))])
    si.insert(1, "line_no", 1)
    si["site_id"] = "DC1"
    _insert(wh, "sell_in", si)
    online = pd.DataFrame(
        {
            "order_time": pd.to_datetime(days) + pd.Timedelta(hours=10),
            "channel_id": "tmall",
            "sku": "SMOOTH1",
            "qty": rng.poisson(8 * shape).astype(float),
            "province": "上海市",
            "status": "paid",
        }
    )
    online = online[online["qty"] > 0].reset_index(drop=True)
    online.insert(0, "order_id", [f"O{i}" for i in range(len(online))])
    online.insert(1, "line_no", 1)
    _insert(wh, "online_orders", online)
    return wh


def add_supply(wh: Warehouse) -> Warehouse:
    """Plant, DC, a two-level BOM (SMOOTH1 → INT1 → RAW1, and SMOOTH1 → RAW1 directly), supplier terms,
    an open purchase order (RAW1, due 2026-04-08), stock (one material lot already expired at the plan
    date) and production history."""
    _insert(
        wh,
        "sites",
        pd.DataFrame({"site_id": ["PL1", "DC1"], "name": ["工厂", "仓"], "type": ["plant", "dc"]}),
    )
    _insert(wh, "lines", pd.DataFrame({"line_id": ["L1"], "site_id": ["PL1"], "capacity_per_day": [60.0]}))
    _insert(
        wh,
        "materials",
        pd.DataFrame(
            {
                "material_id": ["INT1", "RAW1"],
                "name": ["半成品", "原料"],
                "type": ["intermediate", "raw"],
                "shelf_life_days": [30, 90],
            }
        ),
    )
    _insert(
        wh,
        "bom",
        pd.DataFrame(
            {
                "parent_id": ["SMOOTH1", "SMOOTH1", "INT1"],
                "component_id": ["INT1", "RAW1", "RAW1"],
                "qty_per": [1.0, 0.5, 2.0],
                "scrap_rate": [0.0, 0.0, 0.0],
            }
        ),
    )
    _insert(wh, "suppliers", pd.DataFrame({"supplier_id": ["S1"], "name": ["供应商"]}))
    _insert(
        wh,
        "supplier_materials",
        pd.DataFrame(
            {
                "supplier_id": ["S1"],
                "material_id": ["RAW1"],
                "lead_time_days": [14],
                "moq": [500.0],
                "unit_price": [2.0],
                "order_multiple": [100.0],
            }
        ),
    )
    _insert(
        wh,
        "purchase_orders",
        pd.DataFrame(
            {
                "po_id": ["PO-OPEN"],
                "line_no": [1],
                "supplier_id": ["S1"],
                "material_id": ["RAW1"],
                "qty": [3000.0],
                "unit_price": [2.0],
                "order_date": [dt.date(2026, 3, 20)],
                "promised_date": [dt.date(2026, 4, 8)],
                "site_id": ["PL1"],
            }
        ),
    )
    days = pd.date_range("2025-01-06", "2026-03-23", freq="7D")
    _insert(
        wh,
        "production_orders",
        pd.DataFrame(
            {
                "order_id": [f"MO{i}" for i in range(len(days))],
                "site_id": "PL1",
                "line_id": "L1",
                "sku": np.where(np.arange(len(days)) % 2 == 0, "SMOOTH1", "SMOOTH2"),
                "planned_qty": 300.0,
                "planned_start": days.date,
                "planned_end": (days + pd.Timedelta(days=1)).date,
                "actual_qty": 300.0,
                "actual_start": days.date,
                "actual_end": (days + pd.Timedelta(days=2)).date,
                "status": "completed",
            }
        ),
    )
    _insert(
        wh,
        "inventory",
        pd.DataFrame(
            {
                "snapshot_date": [dt.date(2026, 3, 29)] * 3,
                "site_id": ["DC1", "PL1", "PL1"],
                "item_id": ["SMOOTH1", "RAW1", "RAW1"],
                "lot_id": ["F1", "R-OLD", "R-NEW"],
                "expiry_date": [dt.date(2026, 9, 1), dt.date(2026, 4, 1), dt.date(2026, 12, 1)],
                "qty": [200.0, 1000.0, 50.0],
                "status": "available",
            }
        ),
    )
    return wh
