"""Accuracy against seasonal naive on the demo company, and pooled sMAPE on an M3 subset (slow)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

pytestmark = pytest.mark.slow


def test_demo_forecast_adds_value_over_seasonal_naive_at_the_finest_level() -> None:
    from bench_forecast import demo_accuracy

    acc = demo_accuracy("tiny").set_index("level")
    # measured 2026-11-29: WAPE 40.7 % vs seasonal naive 45.5 % at sku×channel×region (FVA +4.8 pt);
    # at total / sku level seasonal naive is as good or better on the demo's last 13 weeks (see docs)
    assert acc.loc["sku×channel×region", "fva"] > 0
    assert acc.loc["sku", "mase"] < 1.0


@pytest.mark.skipif(
    not (BENCH.parents[1] / "shared" / "data" / "m3" / "M3data.csv").exists(), reason="no M3 data"
)
def test_m3_subset_beats_the_frepple_gate() -> None:
    from bench_forecast import m3_smape

    r = m3_smape(limit=300)  # every 10th series: measured 13.14 (horizon 1: 7.79)
    assert r["series"] >= 290
    assert r["pooled"] < 13.35 and r["h1"] < 8.91
