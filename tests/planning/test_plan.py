"""Planning from the warehouse: safety stock, MRP per plant, consensus override, scenarios, CLI."""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np
import pytest

from chainsight import UserInputError
from chainsight.cli import main
from chainsight.planning import plan, read_demand_plan, reorder_point, safety_stock, scenario
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


def test_material_lot_expiring_before_use_is_not_counted(base) -> None:
    exc = base.exceptions
    hit = exc[(exc["kind"] == "expiring_before_use") & (exc["item_id"] == "RAW1")]
    assert hit["qty"].sum() == pytest.approx(1000.0)


def test_consensus_plan_replaces_the_forecast_where_it_covers(planning_wh: Warehouse, tmp_path) -> None:
    f = tmp_path / "consensus.csv"
    f.write_text("sku,site_id,period,qty\nSMOOTH1,PL1,2026-04-06,5000\n", encoding="utf-8")
    res = plan(planning_wh, AS_OF, horizon=6, demand_file=f)
    d = res.demand[(res.demand["sku"] == "SMOOTH1") & (res.demand["period"] == dt.date(2026, 4, 6))]
    assert d["qty"].tolist() == [5000.0] and d["source"].str.startswith("consensus").all()


def test_bad_consensus_file_names_row_and_column(tmp_path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("sku,period,qty\nSMOOTH1,2026-04-06,十\n", encoding="utf-8")
    with pytest.raises(UserInputError, match='row 2, column "qty"'):
        read_demand_plan(f)


def test_scenario_less_demand_means_less_production(planning_wh: Warehouse) -> None:
    res = scenario(planning_wh, AS_OF, horizon=6, demand_pct=-50)
    k = {r["kpi"]: r for r in res["kpis"]}
    assert k["planned_production_qty"]["scenario"] < k["planned_production_qty"]["base"]


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


def test_overloaded_line_is_levelled_by_the_solver_within_capacity(base) -> None:
    # the fixture's line makes 420 a week, less than the forecast needs: HiGHS re-times production
    assert (base.capacity["use_pct"] <= 100.0 + 1e-6).all()
    assert "capacity_shortage" in set(base.exceptions["kind"])


def test_level_production_builds_ahead_no_further_than_allowed() -> None:
    from chainsight.planning._mps import level_production

    x, back = level_production(np.array([[0.0, 0.0, 0.0, 300.0]]), np.array([100.0] * 4), [1])
    assert x.round(6).tolist() == [[0.0, 0.0, 100.0, 100.0]]
    assert back[0, -1] == pytest.approx(100.0)
