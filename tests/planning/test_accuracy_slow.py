"""Accuracy against seasonal naive on the demo company, and pooled sMAPE on an M3 subset (slow)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

pytestmark = pytest.mark.slow


def test_demo_forecast_beats_seasonal_naive_at_every_level() -> None:
    from bench_forecast import demo_accuracy

    # the small demo (two years of weekly history, planted summer peak, CNY and online festivals);
    # forecast at sku × channel, which reports total, sku and sku × channel from one run
    acc = demo_accuracy("small", level="sku,channel").set_index("level")
    assert set(acc.index) == {"total", "sku", "sku×channel"}
    for level, row in acc.iterrows():
        assert row["fva"] >= 0, f"{level}: WAPE {row['wape']} vs seasonal naive {row['wape_naive']}"
        assert row["fva"] == pytest.approx(row["wape_naive"] - row["wape"], abs=0.02)
        assert abs(row["bias"]) < 10 and row["mase"] < 1.0


@pytest.mark.skipif(
    not (BENCH.parents[1] / "shared" / "data" / "m3" / "M3data.csv").exists(), reason="no M3 data"
)
def test_m3_subset_beats_plain_autoets_and_the_frepple_gate() -> None:
    import numpy as np
    import pandas as pd
    from bench_forecast import load_m3, m3_smape
    from m3 import SEASON
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    r = m3_smape(limit=300)  # every 10th series, through run_engine
    assert r["series"] >= 290
    # the baseline, computed here independently: plain AutoETS on the same series
    data = load_m3().iloc[:: len(load_m3()) // 300]
    errors = []
    for (kind, h), group in data.groupby(["kind", "h"]):
        panel = pd.concat(
            pd.DataFrame({"unique_id": g.id, "ds": np.arange(len(g.values) - h), "y": g.values[:-h]})
            for g in group.itertuples()
        )
        fc = StatsForecast([AutoETS(season_length=SEASON[kind])], freq=1).forecast(df=panel, h=h)
        f = fc.set_index("unique_id")["AutoETS"]
        for g in group.itertuples():
            a, p = g.values[-h:], f.loc[[g.id]].to_numpy()
            errors.append(200 * np.abs(a - p) / (a + p))
    ets = float(np.mean(np.concatenate(errors)))
    assert r["pooled"] < ets - 0.2
    assert r["pooled"] < 13.35
