"""Capacity levelling of the master production schedule: a small LP solved with HiGHS.

When a line's planned production exceeds its weekly capacity, production is pulled earlier — but
never further ahead than ``max_ahead`` weeks (shelf life minus the customers' minimum remaining
life) — and what still cannot be made in time becomes backlog (reported late). Per line:

    minimise   Σ_i,t  (P[i,t] − R[i,t]) + 1000 · B[i,t]            (stock held early + backlog)
    subject to P[i,t] + B[i,t] ≥ R[i,t]                            (cumulative requirement met or owed)
               P[i,t] ≤ R[i, t + k_i]                              (build ahead at most k_i weeks)
               Σ_i x[i,t] ≤ capacity[t],  P[i,t] = Σ_{s≤t} x[i,s],  x, B ≥ 0
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

__all__ = ["level_production"]


def level_production(
    requirement: np.ndarray, capacity: np.ndarray, max_ahead: np.ndarray | list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Production per item × week within capacity, and the backlog left (cumulative) per item × week.

    ``requirement``: items × weeks (what must be finished each week); ``capacity``: per week;
    ``max_ahead``: weeks each item may be built ahead.

    >>> x, b = level_production(np.array([[0.0, 0.0, 150.0]]), np.array([100.0, 100.0, 100.0]), [1])
    >>> x.round(1).tolist(), float(b.max())
    ([[0.0, 50.0, 100.0]], 0.0)
    """
    req = np.asarray(requirement, dtype=float)
    n_i, n_t = req.shape
    cum = np.cumsum(req, axis=1)
    nx = n_i * n_t

    def xi(i: int, t: int) -> int:
        return i * n_t + t

    def bi(i: int, t: int) -> int:
        return nx + i * n_t + t

    # objective: Σ_t P[i,t] = Σ_s x[i,s] · (n_t − s); backlog weighted 1000
    c = np.concatenate([np.tile(n_t - np.arange(n_t), n_i).astype(float), np.full(nx, 1000.0)])
    a = lil_matrix((2 * nx + n_t, 2 * nx))
    b = np.zeros(2 * nx + n_t)
    row = 0
    for i in range(n_i):
        k = int(max_ahead[i])
        for t in range(n_t):
            for s in range(t + 1):  # −P − B ≤ −R
                a[row, xi(i, s)] = -1.0
            a[row, bi(i, t)] = -1.0
            b[row] = -cum[i, t]
            row += 1
            for s in range(t + 1):  # P ≤ R[t + k]
                a[row, xi(i, s)] = 1.0
            b[row] = cum[i, min(t + k, n_t - 1)]
            row += 1
    for t in range(n_t):
        for i in range(n_i):
            a[row, xi(i, t)] = 1.0
        b[row] = float(capacity[t])
        row += 1
    res = linprog(c, A_ub=a.tocsr(), b_ub=b, bounds=(0, None), method="highs")
    if res.status != 0:  # infeasible only through numerical trouble: keep the unlevelled plan
        return req.copy(), np.zeros_like(req)
    x = res.x[:nx].reshape(n_i, n_t)
    back = res.x[nx:].reshape(n_i, n_t)
    return np.where(x < 1e-9, 0.0, x), np.where(back < 1e-9, 0.0, back)
