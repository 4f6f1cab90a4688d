"""Forecast benchmarks through the product's own engine (chainsight.planning.run_engine).

    python bench/bench_forecast.py m3 [--limit N]          # pooled sMAPE on M3 (same as bench/m3.py)
    python bench/bench_forecast.py demo [--warehouse FILE | --scale tiny]  # backtest WAPE/MASE/bias/FVA per level
    python bench/bench_forecast.py scale [--series 10000]  # forecast + backtest time, weekly series, 2 cores
    python bench/bench_forecast.py spark [--series 400]    # series/s: local engine vs statsforecast on Spark

The M3 run fits on the first N − NF points of each series and scores the last NF, never seen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from m3 import load_m3, m3_smape

__all__ = ["demo_accuracy", "load_m3", "m3_smape", "mrp_bench", "scale_bench", "spark_bench"]


def demo_accuracy(
    scale: str = "tiny",
    bucket: str = "week",
    warehouse: Path | None = None,
    level: str = "sku,channel,region",
) -> pd.DataFrame:
    """Backtest accuracy per level (total → sku × channel × region) of ``chainsight forecast`` on a demo
    warehouse (``warehouse``, opened read-only, or a fresh demo of ``scale``). One forecast at the
    finest level reports every level above it, all from the same reconciled run."""
    from chainsight.planning import forecast
    from chainsight.warehouse import Warehouse

    if warehouse is None:
        from chainsight.demo import run

        tmp = Path(tempfile.mkdtemp())
        run(tmp / "demo", tmp / "wh.duckdb", scale=scale, seed=0)
        warehouse = tmp / "wh.duckdb"
    wh = Warehouse.open(warehouse, read_only=True)
    try:
        res = forecast(wh, level, bucket, store=False)
    finally:
        wh.close()
    return pd.DataFrame(res.accuracy)


def _weekly_panel(series: int, weeks: int) -> pd.DataFrame:
    """Poisson demand around a gamma-distributed level with a yearly sine shape."""
    rng = np.random.default_rng(0)
    t = np.arange(weeks)
    level = rng.gamma(2.0, 20.0, series)[:, None]
    y = rng.poisson(level * (1 + 0.3 * np.sin(2 * np.pi * t / 52))[None, :]).astype(float)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i}" for i in range(series)], weeks),
            "ds": np.tile(ds, series),
            "y": y.ravel(),
        }
    )


def scale_bench(series: int = 10_000, weeks: int = 104, n_jobs: int = 2) -> dict[str, float]:
    """Forecast (13 weeks) plus the 3-window rolling-origin backtest for ``series`` weekly series."""
    from chainsight.planning import run_engine

    panel = _weekly_panel(series, weeks)
    started = time.perf_counter()
    res = run_engine(panel, 13, "week", n_jobs=n_jobs)
    seconds = time.perf_counter() - started
    assert res.forecast["unique_id"].nunique() == series and not res.backtest.empty
    return {"series": series, "seconds": round(seconds, 1), "series_per_s": round(series / seconds, 1)}


def spark_bench(series: int = 400, weeks: int = 104) -> dict[str, float]:
    """Series per second of the engine (forecast + backtest) locally (2 processes) and on local Spark."""
    from chainsight.planning import run_engine
    from chainsight.warehouse import spark_session

    panel = _weekly_panel(series, weeks)
    spark_session()  # start the session outside the timing
    out: dict[str, float] = {"series": series}
    for engine in ("local", "spark"):
        started = time.perf_counter()
        run_engine(panel, 13, "week", n_jobs=2, engine=engine)
        out[f"{engine}_series_per_s"] = round(series / (time.perf_counter() - started), 2)
    return out


def mrp_bench(skus: int = 1000, weeks: int = 52) -> dict[str, float]:
    """MRP over ``skus`` finished goods × 3-level BOM (own intermediate, 3 of 200 shared raws) × ``weeks``."""
    from chainsight.planning import run_mrp

    rng = np.random.default_rng(0)
    periods = [dt.date(2027, 1, 4) + dt.timedelta(weeks=w) for w in range(weeks)]
    fg = [f"FG{i}" for i in range(skus)]
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(fg, weeks),
            "period": periods * skus,
            "qty": rng.poisson(50, skus * weeks) * 1.0,
        }
    )
    raws = rng.integers(0, 200, size=(skus, 3))
    bom = pd.concat(
        [
            pd.DataFrame({"parent_id": fg, "component_id": [f"INT{i}" for i in range(skus)], "qty_per": 1.0}),
            *[
                pd.DataFrame(
                    {
                        "parent_id": [f"INT{i}" for i in range(skus)],
                        "component_id": [f"RAW{r}" for r in raws[:, j]],
                        "qty_per": 0.5,
                    }
                )
                for j in range(3)
            ],
        ]
    ).assign(scrap_rate=0.01)
    items = pd.DataFrame(
        {
            "item_id": [*fg, *(f"INT{i}" for i in range(skus)), *(f"RAW{r}" for r in range(200))],
            "make_buy": ["make"] * (2 * skus) + ["buy"] * 200,
            "lead_time_days": [7] * (2 * skus) + [21] * 200,
            "moq": [0.0] * (2 * skus) + [500.0] * 200,
            "order_multiple": [0.0] * (2 * skus) + [100.0] * 200,
        }
    )
    on_hand = pd.DataFrame({"item_id": fg, "qty": 100.0, "expiry_date": dt.date(2027, 3, 1)})
    started = time.perf_counter()
    res = run_mrp(periods, demand, bom, items, on_hand)
    return {
        "skus": skus,
        "weeks": weeks,
        "orders": len(res.orders),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["m3", "demo", "scale", "spark", "mrp"])
    ap.add_argument("--warehouse", type=Path, help="demo: an existing demo warehouse (read-only)")
    ap.add_argument("--level", default="sku,channel,region", help="demo: finest level forecast")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--arima", action="store_true", help="M3: add AutoARIMA")
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    started = time.perf_counter()
    if a.what == "m3":
        r = m3_smape(a.limit, fast=not a.arima, n_jobs=max(a.jobs, 2))
        print(f"{r['series']} series in {time.perf_counter() - started:.0f}s ({dt.date.today()})")
        print(f"pooled sMAPE: {r['pooled']:.2f} (horizon 1: {r['h1']:.2f})")
    elif a.what == "demo":
        print(demo_accuracy(a.scale, warehouse=a.warehouse, level=a.level).to_string(index=False))
    elif a.what == "mrp":
        print(mrp_bench())
    elif a.what == "spark":
        print(spark_bench(a.series if a.series != 10_000 else 400))
    else:
        print(scale_bench(a.series, n_jobs=max(a.jobs, 2)))


if __name__ == "__main__":
    main()
