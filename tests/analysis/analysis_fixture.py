"""Hand-checkable little companies for the analysis tests, inserted straight into a warehouse.

Every expected number in the tests can be worked out on paper from the rows here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    """``AS_OF`` + n days."""
    return AS_OF + dt.timedelta(days=n)


def insert(wh: Warehouse, entity: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows (dicts of canonical columns) into ``entity``."""
    rows = list(rows)
    if not rows:
        return
    cols = list(dict.fromkeys(c for r in rows for c in r))
    sql = f'INSERT INTO "{entity}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'
    wh.duckdb.executemany(sql, [[r.get(c) for c in cols] for r in rows])


def master(wh: Warehouse) -> None:
    """Regions, channels, customers, sites and products shared by the expiry tests."""
    insert(wh, "regions", [dict(region_id="CN", name="中国", level="country")])
    insert(
        wh,
        "channels",
        [
            dict(channel_id="ka", name="KA", kind="offline", min_remaining_life_pct=0.67),
            dict(channel_id="dist", name="经销", kind="offline", min_remaining_life_pct=None),
            dict(channel_id="disc", name="折扣", kind="offline", min_remaining_life_pct=None),
        ],
    )
    insert(
        wh,
        "customers",
        [
            dict(customer_id="C-KA", name="KA 客户", channel_id="ka", region_id="CN", type="ka_retailer"),
            dict(customer_id="C-D1", name="经销商一", channel_id="dist", region_id="CN", type="distributor"),
            # a strict distributor: its own minimum (0.8) overrides its channel's
            dict(
                customer_id="C-D2",
                name="经销商二",
                channel_id="dist",
                region_id="CN",
                type="distributor",
                min_remaining_life_pct=0.8,
            ),
            dict(customer_id="C-X", name="折扣店", channel_id="disc", region_id="CN", type="discount_outlet"),
        ],
    )
    insert(
        wh,
        "sites",
        [
            dict(site_id="DC1", name="一号仓", type="dc", region_id="CN"),
            dict(site_id="DC2", name="二号仓", type="dc", region_id="CN"),
            dict(site_id="DC3", name="三号仓", type="dc", region_id="CN"),
            dict(site_id="PL1", name="工厂", type="plant", region_id="CN"),
        ],
    )
    insert(
        wh,
        "products",
        [
            dict(
                sku="P1",
                name="酸奶",
                brand="B",
                category="dairy",
                unit="杯",
                units_per_case=12,
                shelf_life_days=100,
                list_price=10.0,
            ),
            dict(
                sku="P2",
                name="饼干",
                brand="B",
                category="snacks",
                unit="袋",
                units_per_case=12,
                shelf_life_days=400,
                list_price=5.0,
            ),
        ],
    )


def daily_sell_in(
    site: str, sku: str, qty: float, customer: str = "C-D1", weeks: int = 8
) -> list[dict[str, Any]]:
    """One shipment a day for ``weeks`` weeks up to AS_OF: a flat run-rate of ``qty`` a day."""
    out = []
    for i in range(7 * weeks):
        d = day(-i)
        out.append(
            dict(
                doc_id=f"{site}-{sku}-{d}",
                line_no=1,
                date=d,
                customer_id=customer,
                sku=sku,
                qty=qty,
                gross_amount=qty * 10,
                net_amount=qty * 9,
                site_id=site,
            )
        )
    return out


def lot(
    site: str,
    item: str,
    lot_id: str,
    expiry_in: int,
    qty: float,
    made_ago: int = 50,
    status: str = "available",
) -> dict[str, Any]:
    return dict(
        snapshot_date=AS_OF,
        site_id=site,
        item_id=item,
        lot_id=lot_id,
        mfg_date=day(-made_ago),
        expiry_date=day(expiry_in),
        qty=qty,
        status=status,
    )


def build_expiry(wh: Warehouse) -> None:
    """The expiry world.

    DC1 · P1 (shelf life 100 d, ¥10, demand 10 a day):
        F  7 units, expired yesterday          → 7 unsold (already expired)
        A 30 units, expires day 5 (older)      → sells 30
        B 30 units, expires day 5 (newer)      → sells 20, 10 unsold (same-day expiry, FEFO tie by age)
        C 100 units, expires day 10            → sells 50, 50 unsold; DC1 runs out on day 11
    DC1 · P2 (shelf life 400 d, ¥5, demand 10 a day): E 50 units, expires day 300 → all sold, runs out day 6
    DC2 · P1 (no demand): D 40 units, expires day 20 → all 40 unsold
    DC2 · P1: G 25 units, expires day 60 → 58% life at delivery: KA (67%) and C-D2 (80%) refuse it
    DC1 · P1: Q 9 units blocked (quality hold) — listed, not projected
    DC3 · P1: no stock, demand 5 a day (a transfer destination)
    """
    master(wh)
    insert(
        wh,
        "sell_in",
        daily_sell_in("DC1", "P1", 10.0) + daily_sell_in("DC1", "P2", 10.0) + daily_sell_in("DC3", "P1", 5.0),
    )
    insert(
        wh,
        "inventory",
        [
            lot("DC1", "P1", "F", -1, 7, made_ago=101),
            lot("DC1", "P1", "A", 5, 30, made_ago=95),
            lot("DC1", "P1", "B", 5, 30, made_ago=94),
            lot("DC1", "P1", "C", 10, 100, made_ago=90),
            lot("DC1", "P1", "Q", 30, 9, made_ago=70, status="blocked"),
            lot("DC1", "P2", "E", 300, 50, made_ago=100),
            lot("DC2", "P1", "D", 20, 40, made_ago=80),
            lot("DC2", "P1", "G", 60, 25, made_ago=40),
        ],
    )


def build_trace(wh: Warehouse) -> None:
    """The trace world.

    Material lots M1 (sugar, supplier S1) and M2 (bottles, supplier S2) were received at PL1.
    Order O1 consumed M1 and M2 and made finished lot F1 (P1); order O2 consumed M1 and made F2 (P1).
    F1 went to DC1: 100 on day −20, 60 on day −13, gone on day −6 (it left in (−20, −13] and (−13, −6]).
    DC1 shipped P1 without lot numbers to C-D1 on day −15 and to C-KA on day −10 (inside those windows)
    and to C-X on day −2 (after F1 was gone). F2 is at DC2 now, and DC2 shipped 5 of it to C-D2 with
    its lot number on the shipment.
    """
    master(wh)
    insert(
        wh,
        "materials",
        [
            dict(
                material_id="SUGAR",
                name="白砂糖",
                type="raw",
                unit="kg",
                shelf_life_days=720,
                standard_cost=6.0,
            ),
            dict(material_id="BOTTLE", name="瓶", type="packaging", unit="个", standard_cost=0.2),
        ],
    )
    insert(wh, "suppliers", [dict(supplier_id="S1", name="糖厂"), dict(supplier_id="S2", name="瓶厂")])
    insert(
        wh,
        "purchase_orders",
        [
            dict(
                po_id="PO1",
                line_no=1,
                supplier_id="S1",
                material_id="SUGAR",
                qty=100,
                unit_price=6,
                order_date=day(-60),
                promised_date=day(-50),
                site_id="PL1",
            ),
            dict(
                po_id="PO2",
                line_no=1,
                supplier_id="S2",
                material_id="BOTTLE",
                qty=1000,
                unit_price=0.2,
                order_date=day(-60),
                promised_date=day(-50),
                site_id="PL1",
            ),
        ],
    )
    insert(
        wh,
        "receipts",
        [
            dict(
                receipt_id="R1",
                po_id="PO1",
                line_no=1,
                material_id="SUGAR",
                lot_id="M1",
                qty=100,
                received_date=day(-50),
                mfg_date=day(-70),
                expiry_date=day(650),
                qc_status="passed",
                site_id="PL1",
            ),
            dict(
                receipt_id="R2",
                po_id="PO2",
                line_no=1,
                material_id="BOTTLE",
                lot_id="M2",
                qty=1000,
                received_date=day(-49),
                qc_status="passed",
                site_id="PL1",
            ),
        ],
    )
    insert(wh, "lines", [dict(line_id="L1", site_id="PL1", name="一线", capacity_per_day=1000)])
    insert(
        wh,
        "production_orders",
        [
            dict(
                order_id="O1",
                site_id="PL1",
                line_id="L1",
                sku="P1",
                planned_qty=100,
                planned_start=day(-25),
                planned_end=day(-25),
                actual_qty=100,
                actual_start=day(-25),
                actual_end=day(-25),
                lot_id="F1",
                status="completed",
                input_qty=100,
            ),
            dict(
                order_id="O2",
                site_id="PL1",
                line_id="L1",
                sku="P1",
                planned_qty=50,
                planned_start=day(-12),
                planned_end=day(-12),
                actual_qty=50,
                actual_start=day(-12),
                actual_end=day(-12),
                lot_id="F2",
                status="completed",
                input_qty=50,
            ),
        ],
    )
    insert(
        wh,
        "material_consumption",
        [
            dict(order_id="O1", material_id="SUGAR", lot_id="M1", qty=10),
            dict(order_id="O1", material_id="BOTTLE", lot_id="M2", qty=100),
            dict(order_id="O2", material_id="SUGAR", lot_id="M1", qty=5),
        ],
    )
    insert(
        wh,
        "inventory",
        [
            dict(
                snapshot_date=day(-20),
                site_id="DC1",
                item_id="P1",
                lot_id="F1",
                mfg_date=day(-25),
                expiry_date=day(75),
                qty=100,
                status="available",
            ),
            dict(
                snapshot_date=day(-13),
                site_id="DC1",
                item_id="P1",
                lot_id="F1",
                mfg_date=day(-25),
                expiry_date=day(75),
                qty=60,
                status="available",
            ),
            # DC1 still snapshots other stock on day -6 and 0: F1 is gone
            dict(
                snapshot_date=day(-6),
                site_id="DC1",
                item_id="P1",
                lot_id="Z9",
                mfg_date=day(-10),
                expiry_date=day(90),
                qty=80,
                status="available",
            ),
            dict(
                snapshot_date=day(0),
                site_id="DC1",
                item_id="P1",
                lot_id="Z9",
                mfg_date=day(-10),
                expiry_date=day(90),
                qty=70,
                status="available",
            ),
            dict(
                snapshot_date=day(0),
                site_id="DC2",
                item_id="P1",
                lot_id="F2",
                mfg_date=day(-12),
                expiry_date=day(88),
                qty=45,
                status="available",
            ),
        ],
    )

    def ship(
        doc: str, d: int, site: str, customer: str, qty: float, lot: str | None = None
    ) -> dict[str, Any]:
        return dict(
            doc_id=doc,
            line_no=1,
            date=day(d),
            customer_id=customer,
            sku="P1",
            qty=qty,
            gross_amount=qty * 10,
            net_amount=qty * 9,
            site_id=site,
            lot_id=lot,
        )

    insert(
        wh,
        "sell_in",
        [
            ship("D1", -15, "DC1", "C-D1", 30),
            ship("D2", -10, "DC1", "C-KA", 40),
            ship("D3", -2, "DC1", "C-X", 10),
            ship("D4", -1, "DC2", "C-D2", 5, "F2"),
        ],
    )


def build_sell_through(wh: Warehouse) -> None:
    """The sell-through world (window: 6 months to AS_OF = 2025-10-01 .. 2026-03-01).

    C-D1 (distributor, store ST1, warehouse DW1) and P2 (¥5 list, bought at ¥4.5 net):
        sell-out 100 on the 15th of Oct..Feb; sell-in on the 10th: Oct 100, Nov–Jan 300 each, Feb 100
        → Nov, Dec, Jan ahead (3.0×), 600 excess; DW1 held 50 on 2025-09-30 and holds 600 now.
    C-KA (store ST2, no warehouse): sell-in = sell-out = 100 a month.
    """
    master(wh)
    insert(
        wh,
        "stores",
        [
            dict(store_id="ST1", customer_id="C-D1", region_id="CN"),
            dict(store_id="ST2", customer_id="C-KA", region_id="CN"),
        ],
    )
    insert(
        wh,
        "sites",
        [dict(site_id="DW1", name="经销商仓", type="distributor_wh", region_id="CN", customer_id="C-D1")],
    )
    months = [
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    sell_in, sell_out = [], []
    for m, qty in zip(months, [100, 300, 300, 300, 100], strict=True):
        for cust, q, store in (("C-D1", qty, "ST1"), ("C-KA", 100, "ST2")):
            sell_in.append(
                dict(
                    doc_id=f"{cust}{m}",
                    line_no=1,
                    date=m.replace(day=10),
                    customer_id=cust,
                    sku="P2",
                    qty=q,
                    gross_amount=q * 5,
                    net_amount=q * 4.5,
                    site_id="DC1",
                )
            )
            sell_out.append(dict(date=m.replace(day=15), store_id=store, sku="P2", qty=100, amount=500))
    insert(wh, "sell_in", sell_in)
    insert(wh, "sell_out", sell_out)
    insert(
        wh,
        "inventory",
        [
            dict(
                snapshot_date=dt.date(2025, 9, 30),
                site_id="DW1",
                item_id="P2",
                lot_id="X1",
                qty=50,
                status="available",
            ),
            dict(snapshot_date=AS_OF, site_id="DW1", item_id="P2", lot_id="X2", qty=600, status="available"),
        ],
    )


def build_supply(wh: Warehouse) -> None:
    """The supply world: three suppliers and two lines, as of AS_OF.

    S1 (SUGAR, standard cost ¥6, bought at ¥7; every line ordered on day −40, 100 units):
        A promised −30, 100 received −32 (on time, in full)
        B promised −20,  99 received −18 (2 days late, in full: 99 ≥ 98%)
        C promised −10,  50 received −10 (on time, short)
        D promised  +5, nothing yet (not due: left out)
    S2: one line of 10 promised −5, nothing received (due: neither on time nor in full)
    S3: two lines received on time and in full.
    L1 (capacity 100/day): O1 planned 100, made 70 from 100 input (end −10, on time), consumed 10 SUGAR
        (BOM 0.1 per unit → 100 units implied); O2 planned 100, made 100 from 100 (planned end −5, done −3).
    L2: five orders ending −10..−6, each planned 100, made 98 from 100, on time.
    """
    master(wh)
    insert(
        wh,
        "materials",
        [
            dict(
                material_id="SUGAR",
                name="白砂糖",
                type="raw",
                unit="kg",
                shelf_life_days=720,
                standard_cost=6.0,
            )
        ],
    )
    insert(wh, "bom", [dict(parent_id="P1", component_id="SUGAR", qty_per=0.1, scrap_rate=0.0)])
    insert(wh, "suppliers", [dict(supplier_id=s, name=s) for s in ("S1", "S2", "S3")])

    def line(po: str, supplier: str, promised: int, qty: float = 100) -> dict[str, Any]:
        return dict(
            po_id=po,
            line_no=1,
            supplier_id=supplier,
            material_id="SUGAR",
            qty=qty,
            unit_price=7.0,
            order_date=day(-40),
            promised_date=day(promised),
            site_id="PL1",
        )

    insert(
        wh,
        "purchase_orders",
        [
            line("A", "S1", -30),
            line("B", "S1", -20),
            line("C", "S1", -10),
            line("D", "S1", 5),
            line("E", "S2", -5, 10),
            line("F", "S3", -30),
            line("G", "S3", -25),
        ],
    )

    def rec(po: str, qty: float, received: int) -> dict[str, Any]:
        return dict(
            receipt_id=f"R{po}",
            po_id=po,
            line_no=1,
            material_id="SUGAR",
            lot_id=f"M{po}",
            qty=qty,
            received_date=day(received),
            qc_status="passed",
            site_id="PL1",
        )

    insert(
        wh,
        "receipts",
        [rec("A", 100, -32), rec("B", 99, -18), rec("C", 50, -10), rec("F", 100, -31), rec("G", 100, -25)],
    )
    insert(
        wh,
        "lines",
        [
            dict(line_id="L1", site_id="PL1", name="一线", capacity_per_day=100),
            dict(line_id="L2", site_id="PL1", name="二线", capacity_per_day=100),
        ],
    )

    def order(oid: str, line_id: str, actual: float, end: int, done: int) -> dict[str, Any]:
        return dict(
            order_id=oid,
            site_id="PL1",
            line_id=line_id,
            sku="P1",
            planned_qty=100,
            planned_start=day(end),
            planned_end=day(end),
            actual_qty=actual,
            actual_start=day(done),
            actual_end=day(done),
            status="completed",
            input_qty=100,
            lot_id=f"F{oid}",
        )

    insert(
        wh,
        "production_orders",
        [
            order("O1", "L1", 70, -10, -10),
            order("O2", "L1", 100, -5, -3),
            *[order(f"O{k}", "L2", 98, -10 + k - 3, -10 + k - 3) for k in range(3, 8)],
            dict(
                order_id="O9",
                site_id="PL1",
                line_id="L1",
                sku="P1",
                planned_qty=50,
                planned_start=day(3),
                planned_end=day(3),
                status="planned",
            ),
        ],
    )
    insert(wh, "material_consumption", [dict(order_id="O1", material_id="SUGAR", lot_id="MA", qty=10)])
