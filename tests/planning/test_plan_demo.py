"""The plan end to end on the tiny demo company, the planted late supplier in its exceptions, and its
expiry wastage against the expiry analysis.

Slow (building the demo warehouse and forecasting it take most of a minute on 2 cores): the default
suite's end-to-end plan runs on the small planning fixture (test_plan.py); ``make test-slow`` runs these.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from chainsight.analysis._expiry import fefo_projection
from chainsight.planning import Scenario
from chainsight.planning._mps import DEFAULT_COSTS
from chainsight.planning._plan_inputs import gather_inputs
from chainsight.planning._plan_run import run_plan
from chainsight.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, dict[str, Any]]]:
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("plandemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    truth = json.loads((root / "data" / "truth.json").read_text(encoding="utf-8"))
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh, truth
    wh.close()


@pytest.fixture(scope="module")
def inputs(demo):
    wh, truth = demo
    as_of = dt.date.fromisoformat(truth["end"]) - dt.timedelta(days=125)
    return gather_inputs(wh, as_of, 13, None, 0.95)


@pytest.fixture(scope="module")
def mid(demo, inputs):
    # what plan(wh, as_of, horizon=13, store=False) does, keeping the inputs for the checks below
    return run_plan(inputs, Scenario(), DEFAULT_COSTS, 7.0, 10.0)


def test_demo_plan_runs_end_to_end_within_capacity(mid) -> None:
    o = mid.orders
    assert {"production", "purchase"} <= set(o["order_type"])
    assert o.loc[o["order_type"] == "purchase", "supplier_id"].notna().all()
    assert (o["due_date"] >= o["release_date"]).all()
    cap = mid.capacity
    assert len(cap) and (cap["load_days"] <= cap["capacity_days"] + 1e-6).all()
    # every finished-goods unit made serves forecast demand or safety stock
    fg = o[o["is_fg"]]
    assert all(p.startswith(("forecast:", "safety_stock")) for peg in fg["pegged_to"] for p in peg)
    k = mid.kpis()
    assert 0 < k["service_level_pct"] <= 100 and k["inventory_value"] > 0


def test_planted_late_supplier_leads_the_overdue_orders_to_expedite(demo, mid) -> None:
    wh, truth = demo
    late = truth["signals"]["late_supplier"]["supplier_id"]
    po = wh.duckdb.execute(
        "SELECT po_id || '/' || CAST(line_no AS VARCHAR) AS order_id, supplier_id FROM purchase_orders"
    ).df()
    exc = mid.exceptions
    overdue = exc[(exc["kind"] == "expedite") & exc["detail"].str.contains("overdue")]
    by_supplier = overdue.merge(po, on="order_id")["supplier_id"].value_counts()
    assert by_supplier.index[0] == late
    assert len(by_supplier) == 1 or by_supplier.iloc[0] > by_supplier.iloc[1]


def test_demo_plan_json_records_have_the_documented_fields(mid) -> None:
    rec = mid.order_records()
    assert rec and set(rec[0]) >= {
        "order_type",
        "item_id",
        "site_id",
        "supplier_id",
        "qty",
        "release_date",
        "due_date",
        "pegged_to",
    }
    json.dumps(rec)
    json.dumps(mid.exception_records())


def test_stock_already_unsellable_is_what_the_expiry_analysis_shows_below_minimum_life(
    demo, inputs, mid
) -> None:
    # Finished goods the plan reports as unsellable at the as-of date (kept out of supply and out of
    # the plan's wastage KPI) are exactly the lots the expiry analysis (``chainsight expiry``) shows
    # with fewer remaining days than the loosest customer of the SKU accepts — expired lots included.
    wh, _ = demo
    lots = fefo_projection(wh, as_of=inputs.as_of).lots.to_pandas()
    lots = lots[
        (lots["item_kind"] == "product")
        & (lots["status"] == "available")
        & lots["site_type"].isin(["plant", "dc"])
        & lots["item_id"].isin(set(mid.mps["sku"]))
    ]
    floor_days = lots["shelf_life_days"] * lots["item_id"].map(inputs.old_pct)
    dead = lots[lots["remaining_days"] < floor_days]
    assert set(lots.loc[lots["expired"].astype(bool), "lot_id"]) <= set(dead["lot_id"])
    want = dead.groupby("item_id")["qty"].sum()
    got = mid.mps.groupby("sku")["unsellable"].sum()
    got = got[got > 0]
    assert want.sum() > 1000  # the demo holds such stock: the wastage is real, not a counting slip
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    k = mid.kpis()
    assert k["unsellable_stock_qty"] == pytest.approx(want.sum(), abs=0.1)
    exp = mid.exceptions[mid.exceptions["kind"] == "expiring_before_use"]
    assert k["expiry_waste_qty"] == pytest.approx(exp["qty"].sum() - want.sum(), abs=0.2)


def test_stock_expiring_within_the_horizon_matches_a_fefo_count(inputs, mid) -> None:
    # Usable stock that falls below the loosest customer's minimum life before the plan's demand
    # sells it, counted independently of ``net_stock``'s week loop: with lots sorted by sell-by day
    # e_m and cumulative qty Q_m, and D(e) the demand of the weeks that end by e, FEFO leaves
    # max(0, max_m Q_m − D(e_m)) unsold (Hall's condition). SKUs with open production are skipped
    # (their orders arrive mid-horizon).
    ends = [p + dt.timedelta(days=6) for p in mid.periods]
    m = mid.mps.set_index(["sku", "period"])
    checked = 0
    for sku in sorted(set(mid.mps["sku"]) - set(inputs.open_mo["sku"])):
        shelf = float(inputs.products.at[sku, "shelf_life_days"])
        floor_days = shelf * inputs.old_pct[sku]
        st = inputs.fg_stock[inputs.fg_stock["item_id"] == sku]
        rows = []
        for e, q in zip(st["expiry_date"], st["qty"], strict=True):
            e = pd.Timestamp(e).date()
            if (e - inputs.as_of).days >= floor_days:  # not already unsellable
                rows.append((e - dt.timedelta(days=floor_days), float(q)))
        rows = sorted(r for r in rows if r[0] < ends[-1])  # falls out of use within the horizon
        d = np.array([m.at[(sku, p), "demand"] for p in mid.periods])
        waste, cum = 0.0, 0.0
        for sell_by, q in rows:
            cum += q
            served = d[[end <= sell_by for end in ends]].sum()
            waste = max(waste, cum - served)
        assert mid.mps.loc[mid.mps["sku"] == sku, "expiring"].sum() == pytest.approx(waste, abs=1e-6), sku
        checked += waste > 0
    assert checked >= 3
