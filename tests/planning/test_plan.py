"""Planning from the warehouse: safety stock, MRP per plant, consensus override, scenarios, CLI."""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np
import pytest

from chainsight import UserInputError
from chainsight.cli import main
from chainsight.planning import (
    PLAN_RUNS_TABLE,
    PLANNED_ORDERS_TABLE,
    DemandPlanError,
    Scenario,
    plan,
    read_demand_plan,
    reorder_point,
    safety_stock,
    scenario,
)
from chainsight.planning._mps import DEFAULT_COSTS
from chainsight.planning._plan_inputs import add_shares, gather_inputs
from chainsight.planning._plan_run import run_plan
from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def base(planning_wh: Warehouse):
    return plan(planning_wh, AS_OF, horizon=6)


def test_intermittent_items_use_the_empirical_lead_time_demand() -> None:
    sparse = np.array([0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 0, 10.0])
    method, _ss, rop = reorder_point(sparse, 14, 0, 0.95)
    assert method == "empirical"
    assert rop == 10.0  # the 95 % quantile of two-week demand sums, an observed value


def test_safety_stock_grows_with_lead_time_variability() -> None:
    y = np.array([10.0, 12, 8, 10, 11, 9, 10, 10])
    assert reorder_point(y, 14, 7, 0.95)[1] > reorder_point(y, 14, 0, 0.95)[1]


def test_safety_stock_per_sku_and_site(planning_wh: Warehouse) -> None:
    ss = safety_stock(planning_wh, AS_OF)
    assert set(ss["sku"]) == {"SMOOTH1", "SMOOTH2", "SPARSE"}
    assert (ss["safety_stock"] >= 0).all()
    assert ss.set_index("sku").loc["SPARSE", "method"] == "empirical"


def test_plan_explodes_the_bom_and_buys_with_lot_rules(base) -> None:
    orders = base.orders
    assert {"SMOOTH1", "INT1", "RAW1"} <= set(orders["item_id"])
    raw = orders[orders["item_id"] == "RAW1"]
    assert (raw["order_type"] == "purchase").all() and (raw["supplier_id"] == "S1").all()
    assert ((raw["qty"] >= 500) & (raw["qty"] % 100 == 0)).all()
    assert ((raw["due_date"] - raw["release_date"]).map(lambda d: d.days) == 14).all()
    rec = base.order_records()[0]
    assert {
        "order_type",
        "item_id",
        "site_id",
        "supplier_id",
        "qty",
        "release_date",
        "due_date",
        "pegged_to",
    } <= set(rec)


def test_plan_starts_on_the_first_week_after_as_of(base) -> None:
    assert base.periods[0] == dt.date(2026, 4, 6) and len(base.periods) == 6


def test_every_order_is_pegged_to_demand_or_to_a_parent_order(base) -> None:
    o = base.orders
    ids = set(o["order_id"])
    fg = o[o["item_id"].isin(["SMOOTH1", "SMOOTH2", "SPARSE"])]
    assert all(
        p.startswith(("forecast:", "consensus:", "safety_stock")) for peg in fg["pegged_to"] for p in peg
    )
    comp = o[~o.index.isin(fg.index)]
    assert all(p in ids for peg in comp["pegged_to"] for p in peg)


def test_scheduled_production_never_exceeds_line_capacity(base) -> None:
    # the fixture's line makes 420 a week, less than the forecast needs: HiGHS builds ahead, then shorts
    cap = base.capacity
    assert (cap["load_days"] <= cap["capacity_days"] + 1e-6).all()
    kinds = set(base.exceptions["kind"])
    assert {"shortage", "capacity_overload"} <= kinds
    made = base.mps.groupby("period")["production"].sum()
    assert (made <= 420 + 1e-6).all()


def test_mps_serves_demand_net_of_usable_stock(base) -> None:
    m = base.mps
    # per SKU: what is made + old stock used + shortage = demand (nothing made for nothing)
    s1 = m[m["sku"] == "SMOOTH1"]
    assert s1["net"].sum() <= s1["demand"].sum() - 200 + 1e-6  # the 200 on hand at the DC are netted
    served = s1["production"].sum() - s1["stock"].iloc[-1] - s1["waste"].sum()
    assert served + s1["shortage"].sum() == pytest.approx(s1["net"].sum(), abs=1e-3)


def test_material_lot_expiring_before_use_is_not_counted(base) -> None:
    exc = base.exceptions
    hit = exc[(exc["kind"] == "expiring_before_use") & (exc["item_id"] == "RAW1")]
    assert hit["qty"].sum() == pytest.approx(1000.0)


def test_plan_is_stored_and_replanning_the_same_date_replaces_it(planning_wh: Warehouse, base) -> None:
    con = planning_wh.duckdb
    n = con.execute(f"SELECT count(*) FROM {PLANNED_ORDERS_TABLE} WHERE as_of = ?", [AS_OF]).fetchone()[0]
    assert n == len(base.orders)
    again = plan(planning_wh, AS_OF, horizon=6)
    rows = con.execute(
        f"SELECT version, count(*), sum(qty) FROM {PLANNED_ORDERS_TABLE} WHERE as_of = ? GROUP BY 1", [AS_OF]
    ).fetchall()
    assert len(rows) == 1 and rows[0][0] == again.version and rows[0][1] == len(base.orders)
    assert rows[0][2] == pytest.approx(float(base.orders["qty"].sum()))
    runs = con.execute(f"SELECT count(*) FROM {PLAN_RUNS_TABLE} WHERE as_of = ?", [AS_OF]).fetchone()[0]
    assert runs >= 2


def test_consensus_plan_replaces_the_forecast_where_it_covers(planning_wh: Warehouse, tmp_path) -> None:
    f = tmp_path / "consensus.csv"
    f.write_text("sku,site_id,period,qty\nSMOOTH1,PL1,2026-04-08,5000\n", encoding="utf-8")
    res = plan(planning_wh, AS_OF, horizon=6, demand_file=f, store=False)
    d = res.demand[(res.demand["sku"] == "SMOOTH1") & (res.demand["period"] == dt.date(2026, 4, 6))]
    assert d["qty"].tolist() == [5000.0] and d["source"].str.startswith("consensus").all()
    assert res.demand_source == "consensus:consensus.csv"
    # the other weeks keep the forecast
    other = res.demand[(res.demand["sku"] == "SMOOTH1") & (res.demand["period"] == dt.date(2026, 4, 13))]
    assert other["source"].str.startswith("forecast").all()


def test_bad_consensus_file_names_row_column_and_value(planning_wh: Warehouse, tmp_path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("SKU,Period,Qty\nSMOOTH1,2026/4/6,十\nNOPE,2026-04-13,5\n", encoding="utf-8")
    with pytest.raises(DemandPlanError) as err:
        read_demand_plan(f, planning_wh)
    e = err.value
    assert (e.context["row"], e.context["column"], e.context["value"]) == (2, "qty", "十")
    assert [(p["row"], p["column"], p["code"]) for p in e.context["problems"]] == [
        (2, "qty", "bad_number"),
        (3, "sku", "unknown_reference"),
    ]
    assert 'row 2, column "qty"' in e.message("en") and "第 2 行" in e.message("zh")


def test_consensus_file_in_excel_with_chinese_dates(tmp_path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["sku", "period", "qty"])
    ws.append(["SMOOTH1", "2026年4月8日", "1,200"])
    wb.save(tmp_path / "plan.xlsx")
    got = read_demand_plan(tmp_path / "plan.xlsx")
    assert got[["sku", "period", "qty"]].values.tolist() == [["SMOOTH1", dt.date(2026, 4, 6), 1200.0]]


@pytest.fixture(scope="module")
def inputs(planning_wh: Warehouse):
    """One set of plan inputs (forecast, stock, orders) at AS_OF, 6 weeks."""
    return gather_inputs(planning_wh, AS_OF, 6, None, 0.95)


@pytest.fixture(scope="module")
def whatif(planning_wh: Warehouse, inputs):
    """The base plan and one plan per scenario kind, from the same inputs."""
    inp = inputs

    def run(**kw):
        sc = Scenario(**kw)
        return run_plan(add_shares(planning_wh, inp, sc), sc, DEFAULT_COSTS, 7.0, 20.0).kpis()

    return {
        "base": run(),
        "tmall+30": run(demand_pct=30, channel="tmall"),
        "sku-50": run(demand_pct=-50, sku="SMOOTH2"),
        "region+30": run(demand_pct=30, region="310000"),
        "supplier+14": run(supplier_id="S1", supplier_delay_days=14),
        "line_down": run(line_id="L1", line_down_from=dt.date(2026, 4, 6), line_down_to=dt.date(2026, 4, 19)),
    }


def test_more_channel_demand_on_a_full_line_lowers_service_and_raises_use(whatif) -> None:
    b, s = whatif["base"], whatif["tmall+30"]
    assert s["shortage_qty"] > b["shortage_qty"]
    assert s["service_level_pct"] < b["service_level_pct"]
    assert s["capacity_use_pct"] >= b["capacity_use_pct"]


def test_less_sku_demand_frees_the_line_for_the_others(whatif) -> None:
    # the line is full: SMOOTH2 at half frees capacity that SMOOTH1 (short in the base plan) takes
    b, s = whatif["base"], whatif["sku-50"]
    assert s["shortage_qty"] < b["shortage_qty"]
    assert s["service_level_pct"] > b["service_level_pct"]


def test_more_regional_demand_means_more_shortage(whatif) -> None:
    assert whatif["region+30"]["shortage_qty"] > whatif["base"]["shortage_qty"]


def test_late_supplier_makes_orders_late_and_puts_demand_at_risk(whatif) -> None:
    b, s = whatif["base"], whatif["supplier+14"]
    assert s["late_orders"] > b["late_orders"]
    assert s["demand_at_risk_qty"] > b["demand_at_risk_qty"]
    assert s["service_level_pct"] < b["service_level_pct"]


def test_line_down_means_more_shortage_and_less_capacity(whatif) -> None:
    b, s = whatif["base"], whatif["line_down"]
    assert s["shortage_qty"] > b["shortage_qty"]
    assert s["service_level_pct"] < b["service_level_pct"]
    assert s["planned_production_qty"] < b["planned_production_qty"]


def test_scenario_api_compares_kpis_side_by_side(planning_wh: Warehouse) -> None:
    res = scenario(planning_wh, AS_OF, horizon=6, demand_pct=-50)
    k = {r["kpi"]: r for r in res["kpis"]}
    assert k["planned_production_qty"]["scenario"] < k["planned_production_qty"]["base"]
    assert res["description"] == "demand -50% (all)"


def test_scenario_names_unknown_line_and_bad_combinations(planning_wh: Warehouse) -> None:
    with pytest.raises(UserInputError):
        Scenario(demand_pct=10, sku="SMOOTH1", channel="tmall")
    with pytest.raises(UserInputError):
        Scenario(line_id="L1")


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["chainsight", *args])
    monkeypatch.setenv("CHAINSIGHT_LANG", "en")
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    return code, capsys.readouterr().out


def test_cli_forecast_json_and_user_error(tmp_path, monkeypatch, capsys) -> None:
    from planning_fixture import build

    path = str(tmp_path / "cli.duckdb")
    build(Warehouse.open(path)).close()
    code, out = _cli(
        monkeypatch,
        capsys,
        "forecast",
        "--level",
        "sku",
        "--bucket",
        "month",
        "--horizon",
        "2",
        "--as-of",
        "2026-03-31",
        "--no-store",
        "--json",
        "-w",
        path,
    )
    assert code == 0, out
    recs = json.loads(out)
    assert {r["sku"] for r in recs} == {"SMOOTH1", "SMOOTH2", "SPARSE"} and len(recs) == 6
    code, out = _cli(monkeypatch, capsys, "forecast", "--level", "sku,colour", "-w", path)
    assert code == 2


def test_cli_plan_json_exceptions_and_bad_demand_file(tmp_path, monkeypatch, capsys) -> None:
    from planning_fixture import add_supply, build

    path = str(tmp_path / "cli.duckdb")
    add_supply(build(Warehouse.open(path))).close()
    common = ["--as-of", "2026-03-31", "--horizon", "4", "-w", path]
    code, out = _cli(monkeypatch, capsys, "plan", *common, "--no-store", "--json")
    assert code == 0, out
    recs = json.loads(out)
    assert "production" in {r["order_type"] for r in recs}
    assert all(r["supplier_id"] for r in recs if r["order_type"] == "purchase")
    assert all(r["pegged_to"] for r in recs)
    code, out = _cli(monkeypatch, capsys, "plan", *common, "--exceptions", "--json")
    assert code == 0 and "shortage" in {e["kind"] for e in json.loads(out)}
    with Warehouse.open(path, read_only=True) as wh:  # stored, since --no-store was not given
        assert wh.duckdb.execute(f"SELECT count(*) FROM {PLANNED_ORDERS_TABLE}").fetchone()[0] > 0
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,period,qty\nSMOOTH1,2026-04-06,-5\n", encoding="utf-8")
    code, _ = _cli(monkeypatch, capsys, "plan", *common, "--demand", str(bad), "--no-store")
    assert code == 2
    line_down = ["--line", "L1", "--down-from", "2026-04-06", "--down-to", "2026-04-12"]
    code, out = _cli(monkeypatch, capsys, "scenario", *common, *line_down, "--json")
    assert code == 0, out
    k = {r["kpi"]: r for r in json.loads(out)["kpis"]}
    assert k["shortage_qty"]["scenario"] > k["shortage_qty"]["base"]


def test_level_production_builds_ahead_no_further_than_allowed() -> None:
    from chainsight.planning._mps import level_production

    x, back = level_production(np.array([[0.0, 0.0, 0.0, 300.0]]), np.array([100.0] * 4), [1])
    assert x.round(6).tolist() == [[0.0, 0.0, 100.0, 100.0]]
    assert back[0, -1] == pytest.approx(100.0)


def test_stock_already_below_minimum_life_is_unsellable_not_plan_waste(
    planning_wh: Warehouse, inputs
) -> None:
    # Two lots added to SMOOTH1's DC stock: one past expiry, one with fewer days left than even the
    # loosest customer accepts. Neither is supply, and neither is wastage of the plan: the plan is
    # unchanged, they appear as unsellable stock (and as expiring_before_use exceptions in week 1).
    import dataclasses

    import pandas as pd

    inp = inputs
    # the fixture's customers ask no minimum life: give SMOOTH1's loosest customer 30 % (54 days)
    inp = dataclasses.replace(inp, old_pct={**inp.old_pct, "SMOOTH1": 0.3})
    floor_days = 180 * 0.3
    site = inp.fg_stock.loc[inp.fg_stock["item_id"] == "SMOOTH1", "site_id"].iloc[0]
    dead = pd.DataFrame(
        {
            "site_id": [site, site],
            "item_id": ["SMOOTH1", "SMOOTH1"],
            "expiry_date": [AS_OF - dt.timedelta(days=5), AS_OF + dt.timedelta(days=int(floor_days) - 10)],
            "qty": [300.0, 200.0],
        }
    )
    more = dataclasses.replace(inp, fg_stock=pd.concat([inp.fg_stock, dead], ignore_index=True))
    base = run_plan(inp, Scenario(), DEFAULT_COSTS, 7.0, 20.0)
    got = run_plan(more, Scenario(), DEFAULT_COSTS, 7.0, 20.0)
    kb, kg = base.kpis(), got.kpis()
    assert kg["unsellable_stock_qty"] == pytest.approx(kb["unsellable_stock_qty"] + 500.0)
    assert kg["expiry_waste_qty"] == pytest.approx(kb["expiry_waste_qty"])
    assert got.mps["production"].to_numpy() == pytest.approx(base.mps["production"].to_numpy())
    exc = got.exceptions
    hit = exc[
        (exc["kind"] == "expiring_before_use")
        & (exc["item_id"] == "SMOOTH1")
        & exc["detail"].str.startswith("already expired")
    ]
    assert hit["qty"].sum() == pytest.approx(
        500.0 + base.mps.loc[base.mps["sku"] == "SMOOTH1", "unsellable"].sum()
    )
    assert set(hit["period"]) == {got.periods[0]}


def test_plan_frames_at_the_boundary_are_polars_typed_as_the_stored_tables(
    planning_wh: Warehouse, base
) -> None:
    import polars as pl

    frames = base.to_polars()
    assert set(frames) == {"demand", "mps", "safety", "orders", "exceptions", "capacity"}
    o = frames["orders"]
    assert o.schema["release_date"] == pl.Date and o.schema["late"] == pl.Boolean
    assert o.schema["pegged_to"] == pl.List(pl.String)
    assert o.height == len(base.orders) and o["qty"].sum() == pytest.approx(float(base.orders["qty"].sum()))
    assert o["pegged_to"].to_list() == [list(p) for p in base.orders["pegged_to"]]
    # the same columns and types as the stored table, less the run's version and as-of date
    stored = dict(
        planning_wh.duckdb.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'plan_exceptions'"
        ).fetchall()
    )
    e = frames["exceptions"]
    assert set(e.columns) == set(stored) - {"version", "as_of"}
    assert e.schema["period"] == pl.Date and e.height == len(base.exceptions)
    assert frames["capacity"]["load_days"].to_list() == pytest.approx(base.capacity["load_days"].tolist())
