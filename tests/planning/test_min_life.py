"""One minimum-remaining-life rule: where master data leaves customers' and channels' minimum blank,
the plan and the expiry report apply the same defaults, so they agree on which stock can still be sold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

from chainsight.analysis import channel_rules, customer_rules, lot_shelf_life
from chainsight.planning import plan
from chainsight.planning._plan_inputs import gather_inputs
from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 3, 31)
SHELF = 100  # days
# days of life left at the as-of date: comfortably sellable, only online (≥ 33 %), to nobody (< 33 %)
LOTS = {"L70": 70, "L45": 45, "L20": 20}


def _insert(wh: Warehouse, table: str, frame: pd.DataFrame) -> None:
    con = wh.duckdb
    con.register("_rows", frame)
    con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM _rows")
    con.unregister("_rows")


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A KA retailer and a distributor offline, Tmall online — not one minimum life in the data."""
    wh = Warehouse.open(tmp_path_factory.mktemp("minlife") / "w.duckdb")
    _insert(
        wh,
        "channels",
        pd.DataFrame(
            {
                "channel_id": ["ka", "dist", "tmall"],
                "name": ["KA", "经销", "天猫"],
                "kind": ["offline", "offline", "online"],
                "min_remaining_life_pct": [None, None, None],
            }
        ),
    )
    _insert(
        wh,
        "customers",
        pd.DataFrame(
            {
                "customer_id": ["KA1", "D1"],
                "name": ["KA 一号", "经销一号"],
                "channel_id": ["ka", "dist"],
                "type": ["ka_retailer", "distributor"],
                "min_remaining_life_pct": [None, None],
            }
        ),
    )
    _insert(wh, "products", pd.DataFrame({"sku": ["P1"], "name": ["产品"], "shelf_life_days": [SHELF]}))
    _insert(
        wh,
        "sites",
        pd.DataFrame({"site_id": ["PL1", "DC1"], "name": ["工厂", "仓"], "type": ["plant", "dc"]}),
    )
    _insert(wh, "lines", pd.DataFrame({"line_id": ["L1"], "site_id": ["PL1"], "capacity_per_day": [500.0]}))
    rng = np.random.default_rng(3)
    days = pd.date_range(AS_OF - dt.timedelta(days=364), AS_OF)
    si = pd.DataFrame(
        {
            "doc_id": [f"D{i}" for i in range(2 * len(days))],
            "line_no": 1,
            "date": np.tile(days.date, 2),
            "customer_id": np.repeat(["KA1", "D1"], len(days)),
            "sku": "P1",
            "qty": rng.poisson(20, 2 * len(days)).astype(float) + 1,
            "site_id": "DC1",
        }
    )
    _insert(wh, "sell_in", si)
    _insert(
        wh,
        "online_orders",
        pd.DataFrame(
            {
                "order_id": [f"O{i}" for i in range(len(days))],
                "line_no": 1,
                "order_time": days + pd.Timedelta(hours=10),
                "channel_id": "tmall",
                "sku": "P1",
                "qty": 5.0,
                "status": "paid",
            }
        ),
    )
    starts = pd.date_range(AS_OF - dt.timedelta(days=350), AS_OF - dt.timedelta(days=7), freq="7D")
    _insert(
        wh,
        "production_orders",
        pd.DataFrame(
            {
                "order_id": [f"MO{i}" for i in range(len(starts))],
                "site_id": "PL1",
                "line_id": "L1",
                "sku": "P1",
                "planned_qty": 300.0,
                "planned_start": starts.date,
                "planned_end": (starts + pd.Timedelta(days=1)).date,
                "actual_qty": 300.0,
                "status": "completed",
            }
        ),
    )
    _insert(
        wh,
        "inventory",
        pd.DataFrame(
            {
                "snapshot_date": [AS_OF] * len(LOTS),
                "site_id": "DC1",
                "item_id": "P1",
                "lot_id": list(LOTS),
                "mfg_date": [AS_OF - dt.timedelta(days=SHELF - d) for d in LOTS.values()],
                "expiry_date": [AS_OF + dt.timedelta(days=d) for d in LOTS.values()],
                "qty": [100.0, 200.0, 400.0],
                "status": "available",
            }
        ),
    )
    return wh


def test_blank_minimums_take_the_documented_defaults_in_the_report_and_the_plan(blank: Warehouse) -> None:
    # the documented defaults: KA retailers 67 %, distributors 50 %, an online channel 33 %
    cust = dict(customer_rules(blank).select("customer_id", "min_remaining_life_pct").iter_rows())
    chan = dict(channel_rules(blank).select("channel_id", "min_remaining_life_pct").iter_rows())
    assert cust == {"KA1": 0.67, "D1": 0.5}
    assert chan == {"ka": 0.67, "dist": 0.5, "tmall": 0.33}
    inp = gather_inputs(blank, AS_OF, 4, None, 0.95)
    assert inp.min_pct["P1"] == pytest.approx(0.67)  # strictest: bounds building ahead
    assert inp.old_pct["P1"] == pytest.approx(0.33)  # loosest: where old stock can still go


def test_the_plan_and_the_expiry_report_agree_on_stock_nobody_may_receive(blank: Warehouse) -> None:
    lots = lot_shelf_life(blank, as_of=AS_OF)
    nobody = lots.filter((pl.col("eligible_customers") == 0) & (pl.col("eligible_channels").list.len() == 0))
    assert nobody["lot_id"].to_list() == ["L20"]  # 18 % left at delivery: below even Tmall's 33 %
    only_online = lots.filter(pl.col("lot_id") == "L45").to_dicts()[0]
    assert only_online["eligible_channels"] == ["tmall"] and only_online["eligible_customers"] == 0
    res = plan(blank, AS_OF, horizon=4, store=False)
    unsellable = float(res.mps.loc[res.mps["sku"] == "P1", "unsellable"].sum())
    assert unsellable == pytest.approx(float(nobody["qty"].sum())) == pytest.approx(400.0)
