"""Small statistics on aggregated frames: OLS with cluster-robust errors, detrending, correlation CIs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["OlsFit", "corr_ci", "ols_cluster"]


@dataclass(frozen=True, slots=True)
class OlsFit:
    """Coefficients, cluster-robust (CR1) standard errors and degrees of freedom for t intervals."""

    coef: np.ndarray
    se: np.ndarray
    df: int
    n: int
    clusters: int

    def ci(self, i: int, level: float = 0.95) -> tuple[float, float]:
        """Two-sided ``level`` confidence interval of coefficient ``i`` (t with clusters − 1 df)."""
        q = float(stats.t.ppf(0.5 + level / 2, max(self.df, 1)))
        return float(self.coef[i] - q * self.se[i]), float(self.coef[i] + q * self.se[i])

    def p_value(self, i: int) -> float:
        """Two-sided p-value of coefficient ``i`` being zero."""
        if not self.se[i] > 0:
            return float("nan")
        return float(2 * stats.t.sf(abs(self.coef[i] / self.se[i]), max(self.df, 1)))


def _cluster_cov(
    x: np.ndarray, resid: np.ndarray, bread: np.ndarray, groups: np.ndarray, rank: int
) -> tuple[np.ndarray, int]:
    """Sandwich covariance of the coefficients whose rows of (X'X)⁻¹ are ``bread`` (m × k)."""
    n = x.shape[0]
    _, g_idx = np.unique(groups, return_inverse=True)
    g = int(g_idx.max()) + 1 if n else 0
    # each cluster's score projected on the m wanted coefficients: (g × m), cheap for m ≪ k
    proj = (x @ bread.T) * resid[:, None]
    scores = np.zeros((g, bread.shape[0]))
    np.add.at(scores, g_idx, proj)
    adj = (g / max(g - 1, 1)) * ((n - 1) / max(n - rank, 1))
    return adj * scores.T @ scores, g


def ols_cluster(
    y: np.ndarray,
    x: np.ndarray,
    groups: np.ndarray,
    groups2: np.ndarray | None = None,
    *,
    first: int | None = None,
) -> OlsFit:
    """Least squares of ``y`` on ``x`` with CR1 cluster-robust standard errors over ``groups`` — or, with
    ``groups2``, two-way clustered (Cameron–Gelbach–Miller: V₁ + V₂ − V₁₂), t with min(G₁, G₂) − 1 df.

    Standard errors are computed for the ``first`` columns only (all when None; NaN for the others) — the fixed
    effects after them need none. Collinear columns are handled with the pseudo-inverse (their coefficients are
    not interpretable; the callers only read columns that are identified).
    """
    n, k = x.shape
    m = k if first is None else min(first, k)
    xtx = x.T @ x
    xtx_inv = np.linalg.pinv(xtx, hermitian=True)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    rank = int(np.linalg.matrix_rank(xtx, hermitian=True))
    bread = xtx_inv[:m]
    cov, g = _cluster_cov(x, resid, bread, groups, rank)
    if groups2 is not None:
        cov2, g2 = _cluster_cov(x, resid, bread, groups2, rank)
        both = np.unique(np.column_stack([groups, groups2]), axis=0, return_inverse=True)[1].ravel()
        cov12, _ = _cluster_cov(x, resid, bread, both, rank)
        cov = cov + cov2 - cov12
        g = min(g, g2)
    se = np.full(k, np.nan)
    se[:m] = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return OlsFit(beta, se, g - 1, n, g)


def corr_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Fisher-z confidence interval of a Pearson correlation from ``n`` pairs."""
    if n <= 3 or not np.isfinite(r):
        return float("nan"), float("nan")
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    q = float(stats.norm.ppf(0.5 + level / 2)) / np.sqrt(n - 3)
    return float(np.tanh(z - q)), float(np.tanh(z + q))
