"""The engine's own pieces against hand computations: SeasonalLevel, the default combination, the pick."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainsight.planning._engine import SeasonalLevel, _add_combo, _pick


def test_seasonal_level_rescales_last_season_by_the_recent_level() -> None:
    # season 8, k = 2, 17 buckets (fewer than two seasons + k): last season is 10..17; recent mean
    # (16 + 17) / 2 = 16.5 against the same two buckets a season earlier (8 + 9) / 2 = 8.5
    y = np.arange(1.0, 18.0)
    out = SeasonalLevel(8).forecast(y, h=10)["mean"]
    r = 16.5 / 8.5
    expected = np.array([10, 11, 12, 13, 14, 15, 16, 17, 10, 11], dtype=float) * r
    np.testing.assert_allclose(out, expected)


def test_seasonal_level_averages_two_seasons_and_clips_the_ratio() -> None:
    m = 4  # k = 1
    y = np.array([1, 1, 1, 1, 2, 4, 6, 8, 100, 2, 3, 4, 40.0])  # 13 = 2 seasons + 1 + 4
    out = SeasonalLevel(m).forecast(y, h=2)["mean"]
    # lag 4: y[9], y[10] = 2, 3; ratio 40 / y[8] = 0.4 → clipped to 0.5
    # lag 8: y[5], y[6] = 4, 6; ratio 40 / y[4] = 20 → clipped to 2
    np.testing.assert_allclose(out, 0.5 * (np.array([2, 3]) * 0.5 + np.array([4, 6]) * 2.0))


def test_seasonal_level_refuses_too_short_history() -> None:
    with pytest.raises(ValueError):
        SeasonalLevel(52).forecast(np.ones(60), h=4)


def test_combination_is_the_median_for_monthly_and_the_mean_for_weekly() -> None:
    monthly = pd.DataFrame(
        {
            "AutoETS": [1.0],
            "CES": [10.0],
            "DynamicOptimizedTheta": [4.0],
            "SeasonalNaive": [np.nan],
            "Naive": [3.0],
        }
    )
    _add_combo(monthly)
    assert monthly["Combo"].tolist() == [4.0] and monthly["SeasonalNaive"].tolist() == [3.0]
    weekly = pd.DataFrame({"AutoETS": [1.0], "MSTL": [2.0], "SeasonalLevel": [6.0], "AutoTheta": [100.0]})
    _add_combo(weekly)
    assert weekly["Combo"].tolist() == [3.0]


def test_pick_keeps_the_combination_unless_another_model_is_clearly_better() -> None:
    n = 24
    cv = pd.DataFrame(
        {
            "unique_id": ["A"] * n + ["B"] * n + ["C"] * 3,
            "y": 10.0,
            # A: MSTL 25 % better → keep Combo; B: MSTL 50 % better → MSTL; C: too few points → Combo
            "Combo": [14.0] * n + [14.0] * n + [20.0] * 3,
            "MSTL": [13.0] * n + [12.0] * n + [10.0] * 3,
        }
    )
    assert _pick(cv, ["Combo", "MSTL"]).to_dict() == {"A": "Combo", "B": "MSTL", "C": "Combo"}
