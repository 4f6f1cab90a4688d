"""Forecast benchmarks through the product's own engine (chainsight.planning.run_engine).

    python bench/bench_forecast.py m3 [--limit N] [--full]   # pooled sMAPE on M3 (frePPLe scoring)
    python bench/bench_forecast.py demo [--scale tiny]        # backtest WAPE / MASE / FVA per level
    python bench/bench_forecast.py scale [--series 10000]     # forecast + backtest time, weekly series

The M3 run fits on the first N − NF points of each series and scores the last NF, never seen.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

M3 = Path(
    os.environ.get(
        "CHAINSIGHT_M3", Path(__file__).resolve().parents[2] / "shared" / "data" / "m3" / "M3data.csv"
    )
)
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}


def load_m3(path: Path = M3) -> pd.DataFrame:
    """One row per series: id, kind, horizon, values (train + test)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for rec in csv.reader(line for line in fh if not line.startswith("#")):
            if not rec or not rec[0].strip():
                continue
            sid, n, nf = rec[0].strip(), int(rec[1]), int(rec[2])
            num = int(sid.lstrip("N"))
            kind = (
                "yearly"
                if num <= 645
                else "quarterly"
                if num <= 1401
                else "monthly"
                if num <= 2829
                else "other"
            )
            vals = [float(v) for v in rec[6:] if v.strip()][:n]
            rows.append({"id": sid, "kind": kind, "h": nf, "values": np.array(vals)})
    return pd.DataFrame(rows)


def m3_smape(limit: int | None = None, fast: bool = True, n_jobs: int = 1) -> dict[str, float]:
    """Pooled sMAPE over every test point (and at horizon 1), forecasting with ``run_engine``."""
    from chainsight.planning import run_engine

    data = load_m3()
    if limit:  # an even spread over the set: every k-th series
        data = data.iloc[:: max(1, len(data) // limit)]
    errors, first = [], []
    for (kind, h), group in data.groupby(["kind", "h"]):
        frames = []
        for r in group.itertuples():
            train = r.values[: len(r.values) - h]
            frames.append(pd.DataFrame({"unique_id": r.id, "ds": np.arange(1, len(train) + 1), "y": train}))
        panel = pd.concat(frames, ignore_index=True)
        res = run_engine(
            panel, h, None, freq=1, season=SEASON[kind], calendar=False, fast=fast, n_jobs=n_jobs
        )
        fc = res.forecast.set_index("unique_id")
        for r in group.itertuples():
            f = fc.loc[[r.id], "forecast"].to_numpy()
            a = r.values[len(r.values) - h :]
            s = 200 * np.abs(a - f) / (a + f)
            errors.append(s)
            first.append(s[0])
    return {
        "pooled": float(np.mean(np.concatenate(errors))),
        "h1": float(np.mean(first)),
        "series": len(data),
    }


def demo_accuracy(scale: str = "tiny", bucket: str = "week") -> pd.DataFrame:
    from chainsight.demo import run
    from chainsight.planning import forecast
    from chainsight.warehouse import Warehouse

    tmp = Path(tempfile.mkdtemp())
    run(tmp / "demo", tmp / "wh.duckdb", scale=scale, seed=0)
    wh = Warehouse.open(tmp / "wh.duckdb")
    out = []
    for level in ("sku", "sku,channel", "sku,channel,region"):
        res = forecast(wh, level, bucket, store=False)
        out += [{"run": level, **a} for a in res.accuracy]
    wh.close()
    return pd.DataFrame(out).drop_duplicates(["level"], keep="last")


def scale_bench(series: int = 10_000, weeks: int = 104, n_jobs: int = 2) -> dict[str, float]:
    from chainsight.planning import run_engine

    rng = np.random.default_rng(0)
    t = np.arange(weeks)
    level = rng.gamma(2.0, 20.0, series)[:, None]
    y = rng.poisson(level * (1 + 0.3 * np.sin(2 * np.pi * t / 52))[None, :]).astype(float)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i}" for i in range(series)], weeks),
            "ds": np.tile(ds, series),
            "y": y.ravel(),
        }
    )
    started = time.perf_counter()
    run_engine(panel, 13, "week", n_jobs=n_jobs)
    return {"series": series, "seconds": round(time.perf_counter() - started, 1)}


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
    ap.add_argument("what", choices=["m3", "demo", "scale", "mrp"])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--full", action="store_true", help="M3: include AutoARIMA")
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    started = time.perf_counter()
    if a.what == "m3":
        r = m3_smape(a.limit, fast=not a.full, n_jobs=a.jobs)
        print(f"{r['series']} series in {time.perf_counter() - started:.0f}s ({dt.date.today()})")
        print(f"pooled sMAPE: {r['pooled']:.2f} (horizon 1: {r['h1']:.2f})")
    elif a.what == "demo":
        print(demo_accuracy(a.scale).to_string(index=False))
    elif a.what == "mrp":
        print(mrp_bench())
    else:
        print(scale_bench(a.series, n_jobs=max(a.jobs, 2)))


if __name__ == "__main__":
    main()
