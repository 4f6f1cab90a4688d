"""Forecasting on a synthetic company with planted truths: honesty of as-of, coherence, calendar, accuracy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from planning_fixture import CNY_UPLIFT, _insert

from chainsight import UserInputError
from chainsight.planning import demand_history, event_exposure, forecast, parse_level
from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def weekly(planning_wh: Warehouse):
    return forecast(planning_wh, "sku,channel", "week", 8, AS_OF, store=False)


def test_as_of_history_ends_with_the_last_complete_bucket(planning_wh: Warehouse) -> None:
    hist = demand_history(planning_wh, ["sku"], "week", dt.date(2026, 3, 4))  # a Wednesday
    assert hist["period"].max() == pd.Timestamp("2026-02-23")  # the week of 03-02 is not complete
    monthly = demand_history(planning_wh, ["sku"], "month", dt.date(2026, 3, 30))
    assert monthly["period"].max() == pd.Timestamp("2026-02-01")


def test_data_after_as_of_does_not_change_the_forecast(tmp_path) -> None:
    from planning_fixture import build

    wh = build(Warehouse.open(tmp_path / "a.duckdb"))
    before = forecast(wh, "sku", "month", 3, AS_OF, store=False).records
    late = pd.DataFrame(
        {
            "doc_id": ["LATE"],
            "line_no": [1],
            "date": [dt.date(2026, 4, 2)],
            "customer_id": ["KA-HZ"],
            "sku": ["SMOOTH1"],
            "qty": [1e7],
        }
    )
    _insert(wh, "sell_in", late)
    after = forecast(wh, "sku", "month", 3, AS_OF, store=False).records
    wh.close()
    assert before == after


def test_levels_add_up_after_reconciliation(weekly) -> None:
    lv = weekly.levels.pivot_table(index="ds", columns="level", values="forecast", aggfunc="sum")
    np.testing.assert_allclose(lv["total"], lv["sku"], rtol=1e-9)
    np.testing.assert_allclose(lv["sku"], lv["sku×channel"], rtol=1e-9)
    assert (weekly.levels["forecast"] >= 0).all()


def test_json_records_carry_level_keys_period_forecast_and_model(weekly) -> None:
    r = weekly.records[0]
    assert set(r) == {"sku", "channel_id", "period", "forecast", "model"}
    assert dt.date.fromisoformat(r["period"]).weekday() == 0
    assert min(dt.date.fromisoformat(x["period"]) for x in weekly.records) > AS_OF - dt.timedelta(days=7)


def test_forecast_records_as_polars_keep_keys_dates_and_values(weekly) -> None:
    import polars as pl

    f = weekly.to_polars()
    assert f.columns == ["sku", "channel_id", "period", "forecast", "model"]
    assert f.schema["period"] == pl.Date and f.height == len(weekly.records)
    first = weekly.records[0]
    assert f.row(0) == (
        first["sku"],
        first["channel_id"],
        dt.date.fromisoformat(first["period"]),
        first["forecast"],
        first["model"],
    )


def test_planted_cny_uplift_is_learned(weekly) -> None:
    f = weekly.factors
    smooth = f[(f["event"] == "cny") & f["unique_id"].str.contains("SMOOTH")]["factor"]
    assert smooth.between(CNY_UPLIFT - 0.5, CNY_UPLIFT + 0.3).all()
    # and the forecast of a CNY-window week carries it
    fut = event_exposure(pd.date_range("2027-01-04", "2027-02-22", freq="W-MON"), "week")
    assert fut["cny"].max() == 1.0


def test_intermittent_series_get_intermittent_models(weekly) -> None:
    models = {r["model"] for r in weekly.records if r["sku"] == "SPARSE"}
    assert models <= {"CrostonOptimized", "ADIDA", "IMAPA", "TSB", "SeasonalNaive"}


def test_accuracy_report_per_level_with_fva(weekly) -> None:
    acc = {a["level"]: a for a in weekly.accuracy}
    assert set(acc) == {"total", "sku", "sku×channel"}
    for a in acc.values():
        assert a["wape"] < 25 and a["fva"] == pytest.approx(a["wape_naive"] - a["wape"], abs=0.02)
        assert a["mase"] is not None and a["mase"] < 1.5


def test_stored_forecast_feeds_the_forecast_accuracy_metrics(tmp_path) -> None:
    from planning_fixture import build

    from chainsight.metrics import Scope, query

    wh = build(Warehouse.open(tmp_path / "m.duckdb"))
    res = forecast(wh, "sku,channel", "month", 2, dt.date(2026, 3, 31))
    runs = wh.duckdb.execute("select version, as_of from forecast_runs").fetchall()
    assert runs == [(res.version, dt.date(2026, 3, 31))]
    t = query(wh, "forecast_wape", scope=Scope.all()).to_dicts()
    wh.close()
    assert 0 < t[0]["forecast_wape"] < 1


def test_unknown_level_is_a_user_error() -> None:
    with pytest.raises(UserInputError):
        parse_level("sku,colour")


def test_cli_json_is_one_record_per_series_and_period(tmp_path) -> None:
    import json

    from planning_fixture import build
    from typer.testing import CliRunner

    from chainsight.cli import app

    path = tmp_path / "cli.duckdb"
    build(Warehouse.open(path)).close()
    args = ["forecast", "--level", "sku,channel,region", "--bucket", "week", "--horizon", "4"]
    out = CliRunner().invoke(
        app, [*args, "--as-of", "2026-03-31", "--no-store", "--json", "--warehouse", str(path)]
    )
    assert out.exit_code == 0, out.output
    records = json.loads(out.stdout)
    keys = {"sku", "channel_id", "region_id"}
    assert all(set(r) == keys | {"period", "forecast", "model"} for r in records)
    series = {tuple(r[k] for k in sorted(keys)) for r in records}
    periods = sorted({r["period"] for r in records})
    # the week of 2026-03-30 is incomplete on 03-31: history ends with the week of 03-23
    assert periods == ["2026-03-30", "2026-04-06", "2026-04-13", "2026-04-20"]
    assert len(records) == len(series) * 4 == len({(*s, p) for s in series for p in periods})
    assert all(isinstance(r["forecast"], float) and r["forecast"] >= 0 for r in records)
    wh = Warehouse.open(path, read_only=True)
    n_series = demand_history(wh, ["sku", "channel_id", "region_id"], "week", AS_OF)
    wh.close()
    assert len(series) == len(n_series.groupby(["sku", "channel_id", "region_id"]))


def test_earlier_forecasts_get_their_actuals_when_the_data_arrives(tmp_path) -> None:
    from planning_fixture import build

    wh = build(Warehouse.open(tmp_path / "late.duckdb"))
    con = wh.duckdb
    # The warehouse as it was on 30 April: May and June not loaded yet.
    con.execute("CREATE TABLE later_si AS SELECT * FROM sell_in WHERE date > DATE '2026-04-30'")
    con.execute("DELETE FROM sell_in WHERE date > DATE '2026-04-30'")
    con.execute(
        "CREATE TABLE later_oo AS SELECT * FROM online_orders WHERE order_time >= TIMESTAMP '2026-05-01'"
    )
    con.execute("DELETE FROM online_orders WHERE order_time >= TIMESTAMP '2026-05-01'")
    forecast(wh, "sku", "month", 3, dt.date(2026, 4, 30))
    may = "SELECT sku, actual_qty FROM forecasts WHERE period = DATE '2026-05-01' ORDER BY sku"
    assert all(q is None for _, q in con.execute(may).fetchall())
    # May and June arrive; the next run forecasts from 31 May.
    con.execute("INSERT INTO sell_in SELECT * FROM later_si")
    con.execute("INSERT INTO online_orders SELECT * FROM later_oo")
    forecast(wh, "sku", "month", 1, dt.date(2026, 5, 31))
    expected = dict(
        con.execute(
            "SELECT sku, sum(q) FROM ("
            "  SELECT sku, qty AS q FROM sell_in WHERE date BETWEEN DATE '2026-05-01' AND DATE '2026-05-31'"
            "  UNION ALL SELECT sku, qty FROM online_orders WHERE status <> 'refunded'"
            "    AND order_time >= TIMESTAMP '2026-05-01' AND order_time < TIMESTAMP '2026-06-01'"
            ") GROUP BY sku"
        ).fetchall()
    )
    got = dict(con.execute(may).fetchall())
    wh.close()
    assert got == pytest.approx({sku: expected.get(sku, 0.0) for sku in got})
    assert got and all(q is not None for q in got.values())
