"""Sell-through, supplier and production numbers on hand-checked fixtures (analysis_fixture)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from analysis_fixture import AS_OF, build_sell_through, build_supply

from chainsight.analysis import load_policy, production_performance, sell_through, supplier_performance
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def st_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = Warehouse.open(tmp_path_factory.mktemp("st") / "w.duckdb")
    build_sell_through(wh)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def supply_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = Warehouse.open(tmp_path_factory.mktemp("supply") / "w.duckdb")
    build_supply(wh)
    yield wh
    wh.close()


def _row(df: pl.DataFrame, **where: str) -> dict:
    out = df
    for k, v in where.items():
        out = out.filter(pl.col(k) == v)
    assert out.height == 1, (where, out)
    return out.row(0, named=True)


def test_stuffing_channel_stock_cover_and_money_at_risk(st_wh: Warehouse) -> None:
    st = sell_through(st_wh, as_of=AS_OF, months=6)
    p = _row(st.pairs, customer_id="C-D1", sku="P2")
    assert (p["sell_in_qty"], p["sell_out_qty"]) == (1100, 500)
    assert (p["run_months"], str(p["run_start"]), str(p["run_end"]), p["run_excess_qty"]) == (
        3,
        "2025-11-01",
        "2026-01-01",
        600,
    )
    assert p["stuffing"]
    assert p["estimated_stock"] == 650 and p["measured_stock"] == 600 and p["channel_stock"] == 600
    assert p["weekly_sell_out"] == 25  # Jan 15 and Feb 15 in the last 8 weeks: 200 / 8
    assert p["weeks_of_cover"] == 24
    assert p["at_risk_qty"] == 500 and p["at_risk_value"] == pytest.approx(2250)  # (600 − 4 × 25) × ¥4.5
    ka = _row(st.pairs, customer_id="C-KA", sku="P2")
    assert not ka["stuffing"] and ka["stock_basis"] == "flows" and ka["channel_stock"] == 0
    c = _row(st.customers, customer_id="C-D1")
    assert c["stuffed_skus"] == ["P2"] and c["stuffing_at_risk_value"] == pytest.approx(2250)


def test_stuffing_needs_enough_consecutive_months(st_wh: Warehouse) -> None:
    policy = load_policy().with_sell_through(stuffing_min_months=4)
    st = sell_through(st_wh, as_of=AS_OF, months=6, policy=policy)
    assert not st.pairs["stuffing"].any()


def test_supplier_otif_lateness_lead_time_and_price_variance(supply_wh: Warehouse) -> None:
    rep = supplier_performance(supply_wh, as_of=AS_OF)
    s1 = _row(rep.suppliers, supplier_id="S1")
    assert s1["po_lines"] == 3  # D is not due yet
    assert s1["on_time_rate"] == pytest.approx(2 / 3) and s1["in_full_rate"] == pytest.approx(2 / 3)
    assert s1["otif"] == pytest.approx(1 / 3)
    assert s1["receipts"] == 3 and s1["late_share"] == pytest.approx(1 / 3) and s1["avg_delay_days"] == 0
    assert s1["lead_time_mean"] == pytest.approx(20)  # 8, 22, 30 days
    assert s1["ppv_value"] == 400 and s1["ppv_pct"] == pytest.approx(400 / 2400)
    s2 = _row(rep.suppliers, supplier_id="S2")
    assert (s2["po_lines"], s2["otif"], s2["receipts"]) == (1, 0.0, None)
    assert not rep.suppliers["flag_late"].any()  # too few receipts by default
    few = supplier_performance(supply_wh, as_of=AS_OF, policy=_min_receipts(1))
    assert few.suppliers.filter(pl.col("flag_late"))["supplier_id"].to_list() == ["S1"]


def _min_receipts(n: int):
    import dataclasses

    p = load_policy()
    return dataclasses.replace(p, suppliers=dataclasses.replace(p.suppliers, min_receipts=n))


def test_material_coverage_and_open_orders(supply_wh: Warehouse) -> None:
    rep = supplier_performance(supply_wh, as_of=AS_OF)
    m = _row(rep.materials, material_id="SUGAR")
    # open: D (100) and E (10, overdue); C was short-shipped after its promise (closed short)
    assert m["open_po_qty"] == 110 and str(m["next_promised"]) == "2026-02-24"
    # consumption: 10 kg in the last 8 weeks
    assert m["daily_use"] == pytest.approx(10 / 56)


def test_production_attainment_adherence_yield_and_flags(supply_wh: Warehouse) -> None:
    import dataclasses

    p = load_policy()
    policy = dataclasses.replace(p, production=dataclasses.replace(p.production, min_orders=1))
    rep = production_performance(supply_wh, as_of=AS_OF, months=None, policy=policy)
    l1 = _row(rep.lines, line_id="L1")
    assert (l1["orders"], l1["completed"]) == (2, 2)  # O9 is planned after as-of
    assert l1["plan_attainment"] == pytest.approx(0.85) and l1["schedule_adherence"] == 0.5
    assert l1["yield"] == pytest.approx(0.85) and l1["lost_units"] == 30
    assert l1["bom_yield"] == pytest.approx(0.7)  # O1 only: 70 made from 10 kg ÷ 0.1 kg = 100 units
    assert l1["utilization"] == pytest.approx(170 / (100 * 11))  # window: day −10 .. as-of
    assert l1["flag_yield"] and l1["flag_attainment"]
    l2 = _row(rep.lines, line_id="L2")
    assert l2["yield"] == pytest.approx(0.98) and not l2["flag_yield"]
    assert rep.lines["line_id"].to_list()[0] == "L1"  # worst first
