"""Distributed forecasting: statsforecast's Fugue backend on a local Spark session gives the local engine's results."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from chainsight.planning import _engine, forecast, run_engine
from chainsight.warehouse import Warehouse, copy_warehouse

pytestmark = pytest.mark.spark

AS_OF = dt.date(2026, 3, 31)


def _panel() -> pd.DataFrame:
    """Six weekly series over 110 weeks: trend + yearly shape + noise, and one intermittent."""
    rng = np.random.default_rng(7)
    weeks = pd.date_range("2024-01-01", periods=110, freq="W-MON")
    t = np.arange(len(weeks))
    frames = []
    for i in range(5):
        level = 50.0 * (i + 1) * (1 + 0.002 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 52 + i))
        frames.append(
            pd.DataFrame({"unique_id": f"S{i}", "ds": weeks, "y": rng.poisson(level).astype(float)})
        )
    sparse = np.where(rng.random(len(t)) < 0.2, rng.poisson(8, len(t)), 0).astype(float)
    frames.append(pd.DataFrame({"unique_id": "SPARSE", "ds": weeks, "y": sparse}))
    return pd.concat(frames, ignore_index=True)


def test_spark_engine_gives_the_local_engines_forecasts_models_and_backtest() -> None:
    panel = _panel()
    local = run_engine(panel, 8, "week")
    spark = run_engine(panel, 8, "week", engine="spark")
    a, b = local.forecast, spark.forecast
    assert len(a) == len(b) == 6 * 8
    assert (a["unique_id"].to_numpy() == b["unique_id"].to_numpy()).all()
    assert (a["ds"].to_numpy() == b["ds"].to_numpy()).all()
    assert (a["model"].to_numpy() == b["model"].to_numpy()).all()
    # the distributed backend returns float32 forecasts: equal to 1e-5 relative
    np.testing.assert_allclose(b["forecast"], a["forecast"], rtol=1e-5, atol=1e-4)
    bt_a = local.backtest.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    bt_b = spark.backtest.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    np.testing.assert_allclose(bt_b["y"], bt_a["y"], rtol=1e-12)
    np.testing.assert_allclose(bt_b["forecast"], bt_a["forecast"], rtol=1e-5, atol=1e-4)
    assert (bt_a["model"].to_numpy() == bt_b["model"].to_numpy()).all()


def test_forecast_on_a_spark_warehouse_runs_on_spark_and_matches_duckdb(
    planning_wh: Warehouse, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    to_spark = _engine._to_spark

    def counting(frame: pd.DataFrame):
        calls.append(len(frame))
        return to_spark(frame)

    monkeypatch.setattr(_engine, "_to_spark", counting)
    spark_wh = Warehouse.open(f"spark://local[2]?warehouse={tmp_path / 'spark'}")
    try:
        copy_warehouse(planning_wh, spark_wh)
        on_duckdb = forecast(planning_wh, "sku,channel", "month", 3, AS_OF, store=False)
        assert calls == []
        on_spark = forecast(spark_wh, "sku,channel", "month", 3, AS_OF)  # engine inferred: spark
        assert calls, "statsforecast did not go through Spark"
        stored = spark_wh.duckdb.execute("select count(*) from forecasts").fetchone()[0]
    finally:
        spark_wh.close()
    assert stored == len(on_spark.records) == len(on_duckdb.records) > 0
    for x, y in zip(on_duckdb.records, on_spark.records, strict=True):
        assert {k: v for k, v in x.items() if k != "forecast"} == {
            k: v for k, v in y.items() if k != "forecast"
        }
        assert y["forecast"] == pytest.approx(x["forecast"], rel=1e-4, abs=1e-2)
    acc_a = {a["level"]: a["wape"] for a in on_duckdb.accuracy}
    acc_b = {a["level"]: a["wape"] for a in on_spark.accuracy}
    assert acc_a.keys() == acc_b.keys()
    for level, wape in acc_a.items():
        assert acc_b[level] == pytest.approx(wape, abs=0.02)
