"""Golden master-production-schedule cases: input.json and a hand-computed expected.csv (see each README)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chainsight.planning._mps import MpsCosts, max_ahead_weeks, net_stock, schedule_line

GOLDEN = Path(__file__).parent / "golden" / "mps"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _solve(case: str):
    spec = json.loads((GOLDEN / case / "input.json").read_text("utf-8"))
    periods = [dt.date.fromisoformat(p) for p in spec["periods"]]
    items = pd.DataFrame(spec["items"])
    ids = list(items["item_id"])
    demand = np.zeros((len(ids), len(periods)))
    for d in spec["demand"]:
        demand[ids.index(d["item_id"]), periods.index(dt.date.fromisoformat(d["period"]))] += d["qty"]
    net, held, expiring = [], [], []
    col = lambda name: items[name].fillna(0).to_numpy(float) if name in items else np.zeros(len(ids))  # noqa: E731
    ahead = []
    for i, r in enumerate(items.itertuples()):
        shelf = getattr(r, "shelf_life_days", float("nan"))
        pct = getattr(r, "min_remaining_pct", 0.0)
        if shelf == shelf and shelf:  # not NaN
            ahead.append(max_ahead_weeks(shelf, pct))
            min_rem = shelf * pct
        else:
            ahead.append(int(r.max_ahead))
            min_rem = 0.0
        lots = [
            (dt.date.fromisoformat(lot["expiry_date"]), lot["qty"])
            for lot in spec["lots"]
            if lot["item_id"] == r.item_id
        ]
        n = net_stock(periods, demand[i], lots, min_rem)
        net.append(n.net)
        held.append(n.held)
        expiring.append(n.expiring)
    sched = schedule_line(
        np.array(net),
        np.array(spec["capacity_days"], dtype=float),
        col("rate"),
        ahead,
        held=np.array(held),
        min_run=col("min_run"),
        multiple=col("multiple"),
        value=col("value"),
        tail_demand=col("tail_demand"),
        costs=MpsCosts(),
    )
    return ids, periods, sched, np.array(expiring)


@pytest.mark.parametrize("case", CASES)
def test_mps_matches_hand_computed_golden_schedule(case: str) -> None:
    ids, periods, sched, _ = _solve(case)
    assert sched.status == "optimal"
    got = []
    for i, item in enumerate(ids):
        for t, p in enumerate(periods):
            row = (sched.production[i, t], sched.shortage[i, t], sched.waste[i, t])
            if max(row) > 1e-6:
                got.append([item, p.isoformat(), *(round(v, 3) for v in row)])
    exp = pd.read_csv(GOLDEN / case / "expected.csv")
    assert got == [[r[0], r[1], float(r[2]), float(r[3]), float(r[4])] for r in exp.itertuples(index=False)]
    # the line never runs beyond its capacity
    assert (sched.load_days <= sched.capacity_days + 1e-6).all()


def test_capacity_binding_builds_earlier_but_never_beyond_the_window() -> None:
    ids, _, sched, _ = _solve("capacity_builds_ahead")
    stock = sched.stock[ids.index("B")]
    assert stock.tolist() == [0.0, 50.0, 0.0, 0.0]  # B waits exactly its one allowed week


def test_expired_lot_is_not_counted_and_is_reported() -> None:
    _, _, sched, expiring = _solve("shelf_life_limits_build_ahead")
    assert expiring.tolist() == [[0.0, 50.0, 0.0, 0.0]]
    assert sched.shortage.sum() == pytest.approx(100.0)


def test_safety_stock_is_built_and_old_stock_counts_toward_it() -> None:
    d = np.array([[10.0, 10.0, 10.0]])
    sched = schedule_line(
        d, np.full(3, 7.0), [100.0], [4], safety=[20.0], held=np.array([[5.0, 0.0, 0.0]]), tail_demand=[10.0]
    )
    # week 1: old stock holds 5, so 15 new; after that 20 new stock is held every week
    assert sched.stock.round(6).tolist() == [[15.0, 20.0, 20.0]]
    assert sched.safety_gap.sum() == pytest.approx(0.0)


def test_max_ahead_uses_the_customers_minimum_remaining_life() -> None:
    assert max_ahead_weeks(180, 0.0) == 25
    assert max_ahead_weeks(180, 2 / 3) == 8
