"""Forecast accuracy on the M3 competition data through the product's own engine.

    python bench/m3.py [--limit N] [--jobs 2] [--arima]

Every one of the 3,003 series (yearly, quarterly, monthly, other) is fitted on its first
N − NF points with :func:`chainsight.planning.run_engine` — the code path ``chainsight forecast``
uses, with per-series model choice by rolling-origin backtest — and scored on the last NF points,
which it never sees. Scoring is frePPLe's (see ../shared/data/m3/README.md): sMAPE pooled over every
test point of every series, and over the first test point only. The last line printed is
``pooled sMAPE: X (horizon 1: Y)``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
M3 = Path(os.environ.get("CHAINSIGHT_M3", ROOT.parent / "shared" / "data" / "m3" / "M3data.csv"))
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}


def load_m3(path: Path = M3):
    """One row per series: id, kind, horizon ``h``, values (train + test)."""
    import pandas as pd

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


def m3_smape(limit: int | None = None, fast: bool = True, n_jobs: int = 2) -> dict[str, float]:
    """Pooled sMAPE over every test point (and at horizon 1), forecasting with ``run_engine``.

    ``fast`` (the product's default, as ``chainsight forecast``) leaves AutoARIMA out.
    """
    import pandas as pd

    from chainsight.planning import run_engine

    data = load_m3()
    if limit:  # an even spread over the set: every k-th series
        data = data.iloc[:: max(1, len(data) // limit)]
    errors, first, per_kind = [], [], {}
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
        kind_err = []
        for r in group.itertuples():
            f = fc.loc[[r.id], "forecast"].to_numpy()
            a = r.values[len(r.values) - h :]
            s = 200 * np.abs(a - f) / (a + f)
            kind_err.append(s)
            first.append(s[0])
        errors += kind_err
        per_kind[kind] = float(np.mean(np.concatenate(kind_err)))
    return {
        "pooled": float(np.mean(np.concatenate(errors))),
        "h1": float(np.mean(first)),
        "series": len(data),
        **{f"smape_{k}": v for k, v in per_kind.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="every k-th series, about N in all (default: all 3,003)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for model fitting (default 2)")
    ap.add_argument("--arima", action="store_true", help="add AutoARIMA to the models (about 3x slower)")
    a = ap.parse_args()
    started = time.perf_counter()
    r = m3_smape(a.limit, fast=not a.arima, n_jobs=a.jobs)
    kinds = ", ".join(f"{k[6:]} {v:.2f}" for k, v in r.items() if k.startswith("smape_"))
    print(
        f"{r['series']} series in {time.perf_counter() - started:.0f}s on {os.cpu_count()} cores ({dt.date.today()})"
    )
    print(f"sMAPE by kind: {kinds}")
    print(f"pooled sMAPE: {r['pooled']:.2f} (horizon 1: {r['h1']:.2f})")


if __name__ == "__main__":
    try:
        import statsforecast  # noqa: F401

        import chainsight  # noqa: F401
    except ImportError:  # `python bench/m3.py` outside the project's venv: re-run inside it
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
        raise
    main()
