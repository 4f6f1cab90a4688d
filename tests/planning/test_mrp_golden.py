"""Golden MRP cases: input.json and a hand-computed expected_orders.csv side by side (see each README)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from chainsight.planning import lot_size, low_level_codes, run_mrp

GOLDEN = Path(__file__).parent / "golden" / "mrp"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _run(case: str):
    spec = json.loads((GOLDEN / case / "input.json").read_text("utf-8"))
    frame = lambda key, cols: pd.DataFrame(spec.get(key) or [], columns=cols)  # noqa: E731
    demand = pd.DataFrame(spec["demand"])
    demand["period"] = pd.to_datetime(demand["period"]).dt.date
    return run_mrp(
        [dt.date.fromisoformat(p) for p in spec["periods"]],
        demand,
        frame("bom", ["parent_id", "component_id", "qty_per", "scrap_rate"]),
        pd.DataFrame(spec["items"]),
        frame("on_hand", ["item_id", "qty", "expiry_date"]),
        frame("receipts", ["item_id", "due_date", "qty"]),
        as_of=dt.date.fromisoformat(spec["as_of"]),
    )


@pytest.mark.parametrize("case", CASES)
def test_mrp_plan_matches_hand_computed_golden_orders(case: str) -> None:
    expected = pd.read_csv(GOLDEN / case / "expected_orders.csv", dtype={"supplier_id": str})
    got = _run(case).orders
    got = got.assign(
        release_date=got["release_date"].astype(str),
        due_date=got["due_date"].astype(str),
        supplier_id=got["supplier_id"].where(got["supplier_id"].notna(), None),
    )
    cols = ["item_id", "order_type", "supplier_id", "qty", "release_date", "due_date"]
    key = ["item_id", "due_date"]
    exp = expected.assign(supplier_id=expected["supplier_id"].where(expected["supplier_id"].notna(), None))
    assert got[cols].sort_values(key).to_dict("records") == exp[cols].sort_values(key).to_dict("records")


@pytest.mark.parametrize("case", [c for c in CASES if (GOLDEN / c / "expected_exceptions.csv").exists()])
def test_mrp_exceptions_match_hand_computed_golden(case: str) -> None:
    expected = pd.read_csv(GOLDEN / case / "expected_exceptions.csv")
    exc = _run(case).exceptions
    got = sorted((r.kind, r.item_id, r.period.isoformat(), float(r.qty)) for r in exc.itertuples(index=False))
    assert got == sorted(
        (r.kind, r.item_id, r.period, float(r.qty)) for r in expected.itertuples(index=False)
    )


def test_intermediate_level_nets_stock_open_orders_and_safety_stock() -> None:
    grid = _run("multi_level_netting").netting.set_index(["item_id", "period"])
    m = grid.loc["M"]
    assert m.loc[dt.date(2026, 1, 19), "scheduled"] == 30
    assert m.loc[dt.date(2026, 1, 19), "projected"] == pytest.approx(10.0)  # safety stock kept
    assert grid.loc[("R", dt.date(2026, 1, 12)), "gross"] == pytest.approx(25.0)


def test_open_order_not_needed_is_cancelled_and_late_one_deferred() -> None:
    demand = pd.DataFrame({"item_id": ["X"], "period": [dt.date(2026, 1, 26)], "qty": [10.0]})
    items = pd.DataFrame({"item_id": ["X"], "make_buy": ["buy"]})
    receipts = pd.DataFrame(
        {
            "item_id": ["X", "X"],
            "due_date": [dt.date(2026, 1, 5), dt.date(2026, 1, 12)],
            "qty": [10.0, 5.0],
            "order_id": ["PO-A", "PO-B"],
        }
    )
    periods = [dt.date(2026, 1, 5) + dt.timedelta(weeks=w) for w in range(4)]
    res = run_mrp(
        periods, demand, pd.DataFrame(columns=["parent_id", "component_id", "qty_per"]), items, None, receipts
    )
    kinds = res.exceptions.set_index("kind")
    assert kinds.loc["defer", "period"] == dt.date(2026, 1, 26) and "PO-A" in kinds.loc["defer", "detail"]
    assert kinds.loc["cancel", "qty"] == 5.0 and "PO-B" in kinds.loc["cancel", "detail"]
    assert res.orders.empty


def test_shared_component_is_netted_once_at_its_lowest_level() -> None:
    res = _run("shared_component")
    grid = res.netting[res.netting["item_id"] == "C"]
    assert set(grid["llc"]) == {2}
    assert grid.set_index("period").loc[dt.date(2026, 1, 19), "gross"] == 40


def test_expiring_stock_is_flagged_and_not_counted() -> None:
    res = _run("expiring_stock")
    exc = res.exceptions[res.exceptions["kind"] == "expiring_before_use"]
    assert exc[["item_id", "qty"]].to_dict("records") == [{"item_id": "B", "qty": 5.0}]


def test_planned_orders_peg_to_the_demand_they_serve() -> None:
    orders = _run("shared_component").orders.set_index("item_id")
    a_order = orders.loc["A", "order_id"]
    assert orders.loc["A", "pegged_to"] == ["demand:A@2026-01-26"]
    assert a_order in orders.loc["S1", "pegged_to"]
    assert a_order in orders.loc["C", "pegged_to"]


def test_release_before_plan_start_is_reported_late() -> None:
    demand = pd.DataFrame({"item_id": ["X"], "period": [dt.date(2026, 1, 5)], "qty": [5.0]})
    items = pd.DataFrame({"item_id": ["X"], "make_buy": ["buy"], "lead_time_days": [10]})
    res = run_mrp(
        [dt.date(2026, 1, 5)], demand, pd.DataFrame(columns=["parent_id", "component_id", "qty_per"]), items
    )
    assert bool(res.orders["late"].iloc[0])
    assert list(res.exceptions["kind"]) == ["late_order"]


def test_safety_stock_raises_the_net_requirement() -> None:
    demand = pd.DataFrame({"item_id": ["X"], "period": [dt.date(2026, 1, 5)], "qty": [5.0]})
    items = pd.DataFrame({"item_id": ["X"], "make_buy": ["buy"], "safety_stock": [3.0]})
    res = run_mrp(
        [dt.date(2026, 1, 5)], demand, pd.DataFrame(columns=["parent_id", "component_id", "qty_per"]), items
    )
    assert res.orders["qty"].tolist() == [8.0]


def test_bom_cycle_is_a_user_error() -> None:
    from chainsight import UserInputError

    with pytest.raises(UserInputError):
        low_level_codes(pd.DataFrame({"parent_id": ["A", "B"], "component_id": ["B", "A"]}))


def test_lot_size_rounds_moq_up_to_multiple() -> None:
    assert lot_size(0) == 0.0
    assert lot_size(101, moq=100, multiple=50) == 150.0
