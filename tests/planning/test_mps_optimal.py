"""The MPS MILP is solved to optimality, and its optimum is the optimum of the plain model.

``schedule_line`` adds facility-location variables (made in week s, sold in week t) to the stock
balance of items with minimum runs or multiples, and starts HiGHS from a rounded LP schedule. Both
are only a faster road to the same optimum: checked here against the plain stock-balance model
written out independently (no z, no start) — enumerated run patterns on a tiny instance, and HiGHS
to a proved zero gap on a mid-size one.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import lil_matrix

from chainsight.planning._mps import DEFAULT_COSTS, schedule_line


def _plain(d, cap, rate, ahead, tail, value, min_run, runs=None):
    """The stock-balance model of the module docstring (variables x, I, u, s, w, y per item-week).

    With ``runs`` (items × weeks of 0/1) the run pattern is fixed and the LP is solved; without,
    the MILP is solved to a zero gap. Returns the optimal cost (∞ if infeasible).
    """
    n_i, n_t = d.shape
    N = n_i * n_t
    nv = 6 * N
    ext = np.concatenate([d, np.repeat(tail[:, None], max(int(ahead.max()), 1), axis=1)], axis=1)
    c = np.zeros(nv)
    lb, ub = np.zeros(nv), np.full(nv, np.inf)
    integ = np.zeros(nv)
    a = lil_matrix((N + n_t + 2 * N, nv))
    lo, up = [], []
    r = 0
    for i in range(n_i):
        for t in range(n_t):
            k = i * n_t + t
            x, inv, u, _s, w, y = (j * N + k for j in range(6))
            c[x] = 1e-6 * value[i] * (n_t - t)
            c[inv] = DEFAULT_COSTS.holding * value[i]
            c[u] = DEFAULT_COSTS.shortage * value[i]
            c[w] = DEFAULT_COSTS.waste * value[i]
            ub[inv] = ext[i, t + 1 : t + 1 + ahead[i]].sum()
            ub[u] = d[i, t]
            ub[_s] = 0.0  # no safety stock in these instances
            # balance: I[t] = I[t−1] + x − (d − u) − w
            a[r, inv], a[r, x], a[r, u], a[r, w] = 1, -1, -1, 1
            if t:
                a[r, inv - 1] = -1
            lo.append(-d[i, t])
            up.append(-d[i, t])
            r += 1
            most = cap[t] * rate[i]
            if min_run[i] > 0:
                a[r, x], a[r, y] = 1, -min_run[i]
                lo.append(0.0)
                up.append(np.inf)
                a[r + 1, x], a[r + 1, y] = 1, -most
                lo.append(-np.inf)
                up.append(0.0)
                r += 2
                ub[y] = 1.0
                integ[y] = 1
                if runs is not None:
                    lb[y] = ub[y] = runs[i, t]
            else:
                ub[y] = 0.0
    for t in range(n_t):
        for i in range(n_i):
            a[r, i * n_t + t] = 1 / rate[i]
        lo.append(-np.inf)
        up.append(cap[t])
        r += 1
    a = a[:r].tocsr()
    if runs is not None:
        res = linprog(
            c,
            bounds=list(zip(lb, ub, strict=True)),
            method="highs",
            **_as_linprog(a, np.array(lo), np.array(up)),
        )
        return res.fun if res.status == 0 else np.inf
    res = milp(
        c,
        constraints=LinearConstraint(a, lo, up),
        integrality=integ,
        bounds=Bounds(lb, ub),
        options={"mip_rel_gap": 0.0, "time_limit": 120},
    )
    assert res.status == 0
    return res.fun


def _as_linprog(a, lo, up):
    """Row bounds lo ≤ a·x ≤ up as linprog's A_ub/b_ub and A_eq/b_eq."""
    from scipy.sparse import vstack

    eq = lo == up
    le = ~eq & np.isfinite(up)
    ge = ~eq & np.isfinite(lo)
    return {
        "A_eq": a[eq],
        "b_eq": lo[eq],
        "A_ub": vstack([a[le], -a[ge]]).tocsr(),
        "b_ub": np.concatenate([up[le], -lo[ge]]),
    }


def test_tiny_instance_equals_enumerated_run_patterns() -> None:
    # 2 items with minimum runs + 1 without, 4 weeks, capacity binding: every 0/1 run pattern of the
    # two lot items (2^8) is an LP; the best of them is the MILP optimum
    d = np.array([[40.0, 0.0, 70.0, 30.0], [20.0, 50.0, 10.0, 60.0], [90.0, 80.0, 100.0, 120.0]])
    cap = np.array([1.2, 1.2, 1.0, 1.4])
    rate = np.array([100.0, 100.0, 100.0])
    ahead = np.array([1, 2, 1])
    tail = np.array([30.0, 40.0, 100.0])
    value = np.array([3.0, 2.0, 1.0])
    min_run = np.array([80.0, 90.0, 0.0])
    s = schedule_line(
        d, cap, rate, ahead, min_run=min_run, value=value, tail_demand=tail, mip_gap=1e-9, time_limit=30
    )
    assert s.status == "optimal"
    best = np.inf
    for bits in itertools.product([0.0, 1.0], repeat=8):
        runs = np.zeros((3, 4))
        runs[:2] = np.array(bits).reshape(2, 4)
        best = min(best, _plain(d, cap, rate, ahead, tail, value, min_run, runs))
    assert abs(s.objective - best) <= 1e-6 * best
    # and the plan respects the rules it was built under
    made = s.production[:2]
    assert ((made < 1e-6) | (made >= min_run[:2, None] - 1e-6)).all()
    assert (s.load_days <= cap + 1e-6).all()


@pytest.mark.slow  # ~15 s of HiGHS on 2 cores, most of it the plain model's proof
def test_mid_size_line_is_solved_to_optimality_and_matches_the_plain_model() -> None:
    # 12 items × 26 weeks, 4 with minimum runs of 4–6 weeks' demand, capacity 85 % of demand
    rng = np.random.default_rng(7)
    n_i, n_t = 12, 26
    season = 1 + 0.4 * np.sin(2 * np.pi * np.arange(n_t) / 26)
    d = rng.poisson(50 * season[None, :], size=(n_i, n_t)).astype(float)
    rate = np.full(n_i, 1000.0)
    cap = np.full(n_t, 0.85 * d.sum(axis=0).mean() / 1000.0)
    ahead = rng.integers(2, 9, n_i)
    value = rng.uniform(5, 30, n_i)
    min_run = np.where(np.arange(n_i) % 3 == 0, 250.0, 0.0)
    tail = d.mean(axis=1)
    s = schedule_line(
        d, cap, rate, ahead, min_run=min_run, value=value, tail_demand=tail, time_limit=60, mip_gap=1e-6
    )
    assert s.status == "optimal" and s.gap <= 1e-6
    assert s.shortage.sum() > 0  # capacity binds
    plain = _plain(d, cap, rate, ahead, tail, value, min_run)
    assert abs(s.objective - plain) <= 1e-5 * plain
