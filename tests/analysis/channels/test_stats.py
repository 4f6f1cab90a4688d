"""The small statistics agree with independent implementations."""

from __future__ import annotations

import numpy as np
import pytest

from chainsight.analysis.channels._stats import corr_ci, ols_cluster


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(400), rng.normal(size=(400, 3))])
    g1, g2 = rng.integers(0, 15, 400), rng.integers(0, 25, 400)
    y = x @ np.array([1.0, 0.5, -0.2, 0.0]) + rng.normal(size=400) + 0.5 * rng.normal(size=15)[g1]
    return y, x, g1, g2


def test_one_way_cluster_errors_match_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.api")
    y, x, g1, _ = _data()
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g1})
    fit = ols_cluster(y, x, g1)
    assert fit.coef == pytest.approx(ref.params)
    assert fit.se == pytest.approx(ref.bse)
    assert fit.df == 14


def test_two_way_errors_are_the_cgm_combination_and_first_columns_only_agree() -> None:
    y, x, g1, g2 = _data()
    one, two = ols_cluster(y, x, g1).se, ols_cluster(y, x, g2).se
    pair = np.unique(np.column_stack([g1, g2]), axis=0, return_inverse=True)[1].ravel()
    both = ols_cluster(y, x, pair).se
    full = ols_cluster(y, x, g1, g2)
    assert full.se**2 == pytest.approx(one**2 + two**2 - both**2)
    assert ols_cluster(y, x, g1, g2, first=2).se[:2] == pytest.approx(full.se[:2])
    assert full.df == 14


def test_fisher_interval_contains_r_and_narrows_with_n() -> None:
    lo, hi = corr_ci(0.3, 50)
    lo2, hi2 = corr_ci(0.3, 500)
    assert lo < 0.3 < hi and lo < lo2 < 0.3 < hi2 < hi
    assert np.isnan(corr_ci(0.3, 3)[0])
