"""Master production schedule per production line: a mixed-integer programme solved with HiGHS.

Finished-goods demand is first netted, first-expiry-first, against stock usable before expiry and
open production orders (:func:`net_stock`); what is left, the *net demand*, is scheduled on its
line by :func:`schedule_line`. For item ``i`` and week ``t`` (all quantities in units):

    x[i,t]  production finished in week t           I[i,t]  new stock at the end of week t
    u[i,t]  demand not served (shortage), ≤ n[i,t]   s[i,t]  safety stock not held
    w[i,t]  production that cannot be sold fresh (waste)
    y[i,t]  1 if the item runs (binary, minimum run) m[i,t]  number of multiples (integer)

    minimise  Σ value_i · (c_short·u + c_safety·s + c_hold·I + c_waste·w)
    subject to
      I[i,t] = I[i,t−1] + x[i,t] − (n[i,t] − u[i,t]) − w[i,t]          stock balance
      I[i,t] ≤ n[i,t+1] + … + n[i,t+k_i]                                 build ahead ≤ k_i weeks
      I[i,t] + s[i,t] ≥ safety_i − held[i,t]                             safety stock (held: old stock)
      Σ_i x[i,t] / rate_i ≤ days[t]                                      line capacity (days per week)
      min_run_i · y[i,t] ≤ x[i,t] ≤ M_i · y[i,t];  x[i,t] = multiple_i · m[i,t]   lot sizing

``k_i`` is the shelf life left after the customers' minimum remaining life, in whole weeks: stock
is consumed first-in-first-out, so stock at the end of week t that the next k_i weeks' demand can
absorb is sold with enough life left; anything beyond would expire or be refused. When capacity
binds the solver builds earlier — within that window — and what still cannot be made is a
shortage, never stock built too early.

Lot items (a minimum run or a multiple) also get facility-location variables z[i,s,t] ≥ 0 — made in
week s, sold in week t ∈ s … s+k_i — with

      Σ_s z[i,s,t] = n[i,t] − u[i,t]      x[i,s] = Σ_t z[i,s,t] + w[i,s]      z[i,s,t] ≤ n[i,t]·y[i,s]

(weeks past the horizon sell the tail demand). With the big-M bounds alone the LP relaxation runs
every item a fraction of a run every week and HiGHS could not close a 66 % gap on a 50-item line in
10 s; with z ≤ n·y a week's demand can only come from runs that happen, the relaxation is within a
few per cent of the optimum, and :func:`_solve` starts HiGHS from the relaxation's runs rounded per
item and improved one item at a time. ``tests/planning/test_mps_optimal.py`` checks that the optimum
is the plain model's.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix

from chainsight._errors import UserInputError

_DISP = False


def _new_highs() -> highspy.Highs:
    """A HiGHS solver. HiGHS prints a banner on file descriptor 1 when a process makes its first
    solver; stdout belongs to our tables and JSON, so that one construction writes to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_ROUNDING_OFFSETS = (0.5, 0.25, 0.75)

__all__ = [
    "DEFAULT_COSTS",
    "LineSchedule",
    "MpsCosts",
    "StockNetting",
    "level_production",
    "max_ahead_weeks",
    "net_stock",
    "schedule_line",
]


@dataclass(frozen=True, slots=True)
class MpsCosts:
    """Objective weights, as multiples of an item's unit value (per unit, holding per unit-week)."""

    shortage: float = 10.0
    safety: float = 1.0
    holding: float = 0.01
    waste: float = 1.5

    def __post_init__(self) -> None:
        for name in ("shortage", "safety", "holding", "waste"):
            if getattr(self, name) < 0:
                raise UserInputError(
                    f"成本权重 {name} 不能为负",
                    f"cost weight {name} must not be negative",
                )


DEFAULT_COSTS = MpsCosts()


@dataclass
class LineSchedule:
    """The schedule of one line: arrays items × weeks, and the line's load (days used) per week."""

    production: np.ndarray
    stock: np.ndarray
    shortage: np.ndarray
    safety_gap: np.ndarray
    waste: np.ndarray
    load_days: np.ndarray
    capacity_days: np.ndarray
    status: str  # optimal | time_limit | infeasible
    gap: float = 0.0  # relative gap between the schedule's cost and the best bound proved
    objective: float = 0.0  # the schedule's cost (the objective below, in value units)

    @property
    def served(self) -> np.ndarray:
        return self.production.sum(axis=1)


@dataclass
class StockNetting:
    """Demand left after first-expiry-first use of existing stock and open orders, per week."""

    net: np.ndarray  # demand still to be made
    held: np.ndarray  # old stock still usable at the end of each week (counts toward safety stock)
    expiring: np.ndarray  # old stock that falls out of use (expires / below minimum life) in each week


def net_stock(
    periods: list[dt.date],
    demand: np.ndarray,
    lots: list[tuple[dt.date | None, float]] | list[tuple[dt.date | None, float, dt.date | None]],
    min_remaining_days: float = 0.0,
    bucket_days: int = 7,
) -> StockNetting:
    """Net one item's weekly ``demand`` against ``lots`` (expiry or None, qty), first expiry first.

    A lot serves a week only if its expiry minus the minimum remaining life is on or after the
    week's last day. Open production orders enter as lots with a third element, the day they
    arrive (expiry = that day + shelf life): they serve a week only once arrived by its last day.

    >>> p = [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]
    >>> r = net_stock(p, np.array([10.0, 10.0]), [(dt.date(2026, 1, 14), 15.0), (None, 3.0)])
    >>> r.net.tolist(), r.held.tolist(), r.expiring.tolist()
    ([0.0, 7.0], [8.0, 0.0], [0.0, 5.0])
    """
    n = len(periods)
    # each lot: [expiry, quantity left, arrival day or None]
    left: list[list[Any]] = sorted(
        (
            [lot[0] or dt.date.max, float(lot[1]), lot[2] if len(lot) > 2 else None]
            for lot in lots
            if lot[1] > 0
        ),
        key=lambda x: x[0],
    )
    net, held, expiring = np.zeros(n), np.zeros(n), np.zeros(n)
    for t in range(n):
        end = periods[t] + dt.timedelta(days=bucket_days - 1)
        keep: list[list[Any]] = []
        for lot in left:
            if lot[0] != dt.date.max and lot[0] - dt.timedelta(days=min_remaining_days) < end:
                expiring[t] += lot[1]
            else:
                keep.append(lot)
        left = keep
        need = float(demand[t])
        for lot in left:
            if lot[2] is not None and lot[2] > end:
                continue
            take = min(lot[1], need)
            lot[1] -= take
            need -= take
            if need <= 1e-12:
                break
        left = [lot for lot in left if lot[1] > 1e-9]
        net[t] = max(need, 0.0)
        held[t] = sum(lot[1] for lot in left if lot[2] is None or lot[2] <= end)
    return StockNetting(net, held, expiring)


def schedule_line(
    net_demand: np.ndarray,
    capacity_days: np.ndarray,
    rate: np.ndarray | list[float],
    max_ahead: np.ndarray | list[int],
    *,
    safety: np.ndarray | list[float] | None = None,
    held: np.ndarray | None = None,
    min_run: np.ndarray | list[float] | None = None,
    multiple: np.ndarray | list[float] | None = None,
    value: np.ndarray | list[float] | None = None,
    tail_demand: np.ndarray | list[float] | None = None,
    costs: MpsCosts = DEFAULT_COSTS,
    time_limit: float = 10.0,
    mip_gap: float = 1e-2,
) -> LineSchedule:
    """Schedule ``net_demand`` (items × weeks) on one line with ``capacity_days`` available per week.

    ``rate``: units per day per item; ``max_ahead``: weeks an item may be built ahead of its sale;
    ``tail_demand``: weekly demand assumed beyond the horizon (so the last weeks may still build
    for it, within the window); ``held``: old stock left each week (items × weeks).

    >>> s = schedule_line(np.array([[0.0, 0.0, 150.0]]), np.array([1.0, 1.0, 1.0]), [100.0], [1])
    >>> s.production.round(1).tolist(), float(s.shortage.sum())
    ([[0.0, 50.0, 100.0]], 0.0)
    """
    d = np.asarray(net_demand, dtype=float)
    if d.ndim != 2:
        raise ValueError("net_demand must be items × weeks")
    n_i, n_t = d.shape
    cap = np.asarray(capacity_days, dtype=float).reshape(n_t)
    rate_ = np.asarray(rate, dtype=float).reshape(n_i)
    if (rate_ <= 0).any():
        raise UserInputError("产线速率必须大于 0", "a line's rate (units per day) must be above 0")
    k = np.asarray(max_ahead, dtype=int).reshape(n_i)
    ss = np.zeros(n_i) if safety is None else np.asarray(safety, dtype=float).reshape(n_i)
    old = np.zeros((n_i, n_t)) if held is None else np.asarray(held, dtype=float).reshape(n_i, n_t)
    mr = np.zeros(n_i) if min_run is None else np.nan_to_num(np.asarray(min_run, dtype=float).reshape(n_i))
    mu = np.zeros(n_i) if multiple is None else np.nan_to_num(np.asarray(multiple, dtype=float).reshape(n_i))
    val = np.ones(n_i) if value is None else np.asarray(value, dtype=float).reshape(n_i)
    val = np.where(np.isfinite(val) & (val > 0), val, 1.0)
    tail = np.zeros(n_i) if tail_demand is None else np.asarray(tail_demand, dtype=float).reshape(n_i)

    # window[i,t] = demand of weeks t+1 … t+k_i (beyond the horizon: tail demand per week)
    ext = np.concatenate([d, np.repeat(tail[:, None], max(int(k.max(initial=0)), 1), axis=1)], axis=1)
    csum = np.concatenate([np.zeros((n_i, 1)), np.cumsum(ext, axis=1)], axis=1)
    tt = np.arange(n_t)
    hi = np.minimum(tt[None, :] + 1 + k[:, None], ext.shape[1])
    window = csum[np.arange(n_i)[:, None], hi] - csum[:, 1 : n_t + 1]
    window = np.maximum(window, 0.0)

    N = n_i * n_t
    OX, OI, OU, OS, OW, OY, OM = (j * N for j in range(7))
    it = np.arange(N)  # flat (i, t) index: i * n_t + t
    ii, tix = it // n_t, it % n_t
    lotmul = mu > 0
    # an item made in multiples is made in runs of at least one multiple: both are "lot" items, with
    # a binary y per week and the least run ``least`` (the larger of the minimum run and the multiple)
    lotrun = (mr > 0) | lotmul
    least = np.maximum(mr, mu)
    # Lot items also get facility-location variables z[i,s,t] (made in week s, sold in week t, within
    # s … s+k_i; weeks past the horizon sell tail demand) with z ≤ demand[t]·y[i,s]. Their sum is the
    # served demand, and what a run makes beyond it is waste in the run's week. Every schedule of this
    # form is one of the stock balance's (it only also rules out keeping stock to discard it later,
    # which the costs never prefer without safety stock; the tests compare optima with the plain
    # model), and its LP relaxation knows that a week's demand can only come from runs that happen,
    # which is what closes the MIP gap.
    zi, zs, zt = [], [], []
    for i in np.flatnonzero(lotrun):
        s_, t_ = np.meshgrid(np.arange(n_t), np.arange(k[i] + 1), indexing="ij")
        t_ = (s_ + t_).ravel()
        keep = ext[i, t_] > 0
        zi.append(np.full(int(keep.sum()), i))
        zs.append(s_.ravel()[keep])
        zt.append(t_[keep])
    zi_ = np.concatenate(zi) if zi else np.zeros(0, dtype=int)
    zs_ = np.concatenate(zs) if zs else np.zeros(0, dtype=int)
    zt_ = np.concatenate(zt) if zt else np.zeros(0, dtype=int)
    NZ = zi_.size
    OZ = 7 * N
    nv = 7 * N + NZ
    # The most worth making in a week: what its own and the window's demand and safety stock can take
    # (more is pure waste), rounded up to a multiple and at least a minimum run — and never more than
    # the line could make. A tight bound keeps the minimum-run binaries' relaxation strong.
    useful = d + window + ss[:, None]
    useful = np.where(
        mu[:, None] > 0, np.ceil(useful / np.where(mu > 0, mu, 1.0)[:, None]) * mu[:, None], useful
    )
    big_it = np.minimum(np.maximum(useful, least[:, None]), (cap[None, :] * rate_[:, None])).ravel()
    big = cap.max(initial=0.0) * rate_  # the most a week could ever make

    lb = np.zeros(nv)
    ub = np.full(nv, np.inf)
    ub[OI + it] = window.ravel()
    ub[OU + it] = d.ravel()
    ub[OY + it] = np.where(lotrun[ii], 1.0, 0.0)
    ub[OM + it] = np.where(lotmul[ii], np.floor(big[ii] / np.where(lotmul[ii], mu[ii], 1.0)), 0.0)
    ub[OX + it] = big_it
    ub[OZ : OZ + NZ] = ext[zi_, zt_]
    integrality = np.zeros(nv, dtype=np.uint8)
    integrality[OY + it] = lotrun[ii]
    integrality[OM + it] = lotmul[ii]

    c = np.zeros(nv)
    c[OU + it] = costs.shortage * val[ii]
    c[OS + it] = costs.safety * val[ii]
    c[OI + it] = costs.holding * val[ii]
    c[OW + it] = costs.waste * val[ii]
    c[OX + it] = 1e-6 * val[ii] * (n_t - tix)  # tie-break: of two equal plans, make later

    rows, cols, vals, lo, up = [], [], [], [], []
    r0 = 0

    def add(r: np.ndarray, cidx: np.ndarray, v: np.ndarray | float) -> None:
        rows.append(r)
        cols.append(cidx)
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape))

    # balance: OI[t] − OI[t−1] − x[t] − u[t] + w[t] = −n[t]
    rb = r0 + it
    add(rb, OI + it, 1.0)
    prev = tix > 0
    add(rb[prev], OI + it[prev] - 1, -1.0)
    add(rb, OX + it, -1.0)
    add(rb, OU + it, -1.0)
    add(rb, OW + it, 1.0)
    lo.append(-d.ravel())
    up.append(-d.ravel())
    r0 += N
    # safety stock: OI + s ≥ ss − held
    rs = r0 + it
    add(rs, OI + it, 1.0)
    add(rs, OS + it, 1.0)
    lo.append(np.maximum(ss[ii] - old.ravel(), 0.0))
    up.append(np.full(N, np.inf))
    r0 += N
    # capacity: Σ_i x / rate ≤ days
    add(r0 + tix, OX + it, 1.0 / rate_[ii])
    lo.append(np.full(n_t, -np.inf))
    up.append(cap)
    r0 += n_t
    # minimum run: x − min_run·y ≥ 0 and x − big·y ≤ 0 (items with a minimum run only)
    sel = it[lotrun[ii]]
    if sel.size:
        m = sel.size
        ra = r0 + np.arange(m)
        add(ra, OX + sel, 1.0)
        add(ra, OY + sel, -least[sel // n_t])
        rb2 = ra + m
        add(rb2, OX + sel, 1.0)
        add(rb2, OY + sel, -big_it[sel])
        lo.extend([np.zeros(m), np.full(m, -np.inf)])
        up.extend([np.full(m, np.inf), np.zeros(m)])
        r0 += 2 * m
    # multiples: x − multiple·m = 0
    sel = it[lotmul[ii]]
    if sel.size:
        m = sel.size
        ra = r0 + np.arange(m)
        add(ra, OX + sel, 1.0)
        add(ra, OM + sel, -mu[sel // n_t])
        lo.append(np.zeros(m))
        up.append(np.zeros(m))
        r0 += m

    if NZ:
        zk = np.arange(NZ)
        # served: Σ_s z[i,s,t] + u[i,t] = n[i,t] in the horizon, Σ_s z[i,s,t] ≤ tail_i beyond it
        lot_it = it[lotrun[ii]]
        pos = np.full(N, -1)
        pos[lot_it] = np.arange(lot_it.size)
        inh = zt_ < n_t
        add(r0 + pos[zi_[inh] * n_t + zt_[inh]], OZ + zk[inh], 1.0)
        add(r0 + pos[lot_it], OU + lot_it, 1.0)
        lo.append(d.ravel()[lot_it])
        up.append(d.ravel()[lot_it])
        r0 += lot_it.size
        beyond = np.flatnonzero(~inh)
        if beyond.size:
            keys, inv = np.unique(zi_[beyond] * (n_t + int(k.max())) + zt_[beyond], return_inverse=True)
            add(r0 + inv, OZ + beyond, 1.0)
            lo.append(np.full(keys.size, -np.inf))
            up.append(tail[keys // (n_t + int(k.max()))])
            r0 += keys.size
        # a run's make is what it sells plus its waste: x[i,s] − Σ_t z[i,s,t] − w[i,s] = 0
        add(r0 + pos[zi_ * n_t + zs_], OZ + zk, -1.0)
        add(r0 + pos[lot_it], OX + lot_it, 1.0)
        add(r0 + pos[lot_it], OW + lot_it, -1.0)
        lo.append(np.zeros(lot_it.size))
        up.append(np.zeros(lot_it.size))
        r0 += lot_it.size
        # z[i,s,t] ≤ demand[t] · y[i,s]
        add(r0 + zk, OZ + zk, 1.0)
        add(r0 + zk, OY + zi_ * n_t + zs_, -ext[zi_, zt_])
        lo.append(np.full(NZ, -np.inf))
        up.append(np.zeros(NZ))
        r0 += NZ
    a = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r0, nv),
    ).tocsr()
    xs, status, gap = _solve(
        c,
        a,
        np.concatenate(lo),
        np.concatenate(up),
        lb,
        ub,
        integrality,
        OY + it[lotrun[ii]],
        n_t,
        time_limit,
        mip_gap,
    )
    if xs is None:  # infeasible cannot happen (shortage is always allowed) unless numbers are broken
        z = np.zeros((n_i, n_t))
        return LineSchedule(z, z.copy(), d.copy(), z.copy(), z.copy(), np.zeros(n_t), cap, "infeasible")
    sol = np.where(np.abs(xs) < 1e-7, 0.0, xs)

    def part(off: int) -> np.ndarray:
        return sol[off : off + N].reshape(n_i, n_t)

    x = part(OX)
    return LineSchedule(
        x,
        part(OI),
        part(OU),
        part(OS),
        part(OW),
        (x / rate_[:, None]).sum(axis=0),
        cap,
        status,
        gap,
        float(c @ xs),
    )


def _solve(
    c: np.ndarray,
    a: csr_matrix,
    row_lo: np.ndarray,
    row_up: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integrality: np.ndarray,
    run_cols: np.ndarray,
    n_t: int,
    time_limit: float,
    mip_gap: float,
) -> tuple[np.ndarray | None, str, float]:
    """Solve with HiGHS, started from a schedule of our own.

    1. the LP relaxation (interior point: the simplex is slow on this degenerate LP), whose value
       is a lower bound; 2. its runs rounded per item by cumulative rounding (as many runs as the
       relaxation's run mass, where it has it) and fixed, the rest re-optimised — a feasible
       schedule; 3. the full MIP from that schedule. Returns the best solution, ``optimal`` or
       ``time_limit``, and the relative gap proved (0 when within ``mip_gap``).
    """
    started = time.perf_counter()
    h = _new_highs()
    h.setOptionValue("output_flag", _DISP)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    n = a.shape[1]
    lp.num_col_, lp.num_row_ = n, a.shape[0]
    lp.col_cost_ = c
    lp.col_lower_, lp.col_upper_ = lb, ub
    lp.row_lower_, lp.row_upper_ = row_lo, row_up
    csc = a.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    h.passModel(lp)
    cols = np.arange(n, dtype=np.int32)
    kinds = np.where(
        integrality > 0, int(highspy.HighsVarType.kInteger), int(highspy.HighsVarType.kContinuous)
    ).astype(np.uint8)
    h.setOptionValue("mip_rel_gap", mip_gap)
    has_int = bool(integrality.any())

    def left() -> float:
        return max(0.5, time_limit - (time.perf_counter() - started))

    bound, start, start_obj = -math.inf, None, math.inf
    if has_int and run_cols.size:
        # the relaxation and the first rounded schedule always run to the end (the time limit
        # applies to the search after them): a schedule at least as good as the rounding is returned
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("time_limit", math.inf)
        h.run()
        h.setOptionValue("solver", "choose")
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            bound = float(h.getInfo().objective_function_value)
            y = np.asarray(h.getSolution().col_value)[run_cols].reshape(-1, n_t)
            h.changeColsIntegrality(n, cols, kinds)
            rc = run_cols.astype(np.int32)
            for offset in _ROUNDING_OFFSETS:
                on = np.diff(np.floor(np.cumsum(y, axis=1) + offset), axis=1, prepend=0.0).clip(0.0, 1.0)
                h.changeColsBounds(rc.size, rc, on.ravel(), on.ravel())
                h.setOptionValue("time_limit", math.inf if start is None else max(1.0, 0.1 * left()))
                h.run()
                if (
                    h.getSolution().value_valid
                    and float(c @ np.asarray(h.getSolution().col_value)) < start_obj
                ):
                    start = np.asarray(h.getSolution().col_value)
                    start_obj = float(c @ start)
            # fix and optimise: free one item's runs at a time, the others' fixed at the best so far
            if start is not None and y.shape[0] > 1:
                for j in range(y.shape[0]):
                    if left() < 0.5 * time_limit:
                        break
                    on = np.round(start[rc]).reshape(y.shape)
                    lo_, hi_ = on.copy(), on.copy()
                    lo_[j], hi_[j] = 0.0, 1.0
                    h.changeColsBounds(rc.size, rc, lo_.ravel(), hi_.ravel())
                    _set_start(h, start)
                    h.setOptionValue("time_limit", 1.0)
                    h.run()
                    if (
                        h.getSolution().value_valid
                        and float(c @ np.asarray(h.getSolution().col_value)) < start_obj
                    ):
                        start = np.asarray(h.getSolution().col_value)
                        start_obj = float(c @ start)
            h.changeColsBounds(rc.size, rc, np.zeros(rc.size), np.ones(rc.size))
            if start is not None:
                _set_start(h, start)
    h.changeColsIntegrality(n, cols, kinds)
    h.setOptionValue("time_limit", left())
    h.run()
    sol = h.getSolution()
    ms = h.getModelStatus()
    best, best_obj = start, start_obj
    if sol.value_valid:
        x = np.asarray(sol.col_value)
        if float(c @ x) <= best_obj:
            best, best_obj = x, float(c @ x)
    if best is None:
        return None, "infeasible", 0.0
    info = h.getInfo()
    if ms == highspy.HighsModelStatus.kOptimal:
        return best, "optimal", float(info.mip_gap) if has_int and math.isfinite(info.mip_gap) else 0.0
    if has_int and math.isfinite(info.mip_dual_bound):
        bound = max(bound, float(info.mip_dual_bound))
    gap = (best_obj - bound) / max(abs(best_obj), 1e-9) if math.isfinite(bound) else 1.0
    return best, "time_limit", max(0.0, gap)


def _set_start(h: highspy.Highs, start: np.ndarray) -> None:
    s = highspy.HighsSolution()
    s.col_value = list(start)
    s.value_valid = True
    h.setSolution(s)


def level_production(
    requirement: np.ndarray, capacity: np.ndarray, max_ahead: np.ndarray | list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Production per item × week within ``capacity`` (units per week), and the cumulative shortage.

    A thin form of :func:`schedule_line` for callers that think in units per week (rate 1/day,
    capacity in units): kept for the earlier API.

    >>> x, b = level_production(np.array([[0.0, 0.0, 150.0]]), np.array([100.0, 100.0, 100.0]), [1])
    >>> x.round(1).tolist(), float(b.max())
    ([[0.0, 50.0, 100.0]], 0.0)
    """
    req = np.asarray(requirement, dtype=float)
    s = schedule_line(req, np.asarray(capacity, dtype=float), np.ones(req.shape[0]), max_ahead)
    return s.production, np.cumsum(s.shortage, axis=1)


def max_ahead_weeks(shelf_life_days: float, min_remaining_pct: float, bucket_days: int = 7) -> int:
    """Whole weeks a unit may wait between its making and its sale and still meet the customers'
    minimum remaining life.

    >>> max_ahead_weeks(180, 0.67), max_ahead_weeks(365, 0.5), max_ahead_weeks(10, 0.5)
    (8, 26, 0)
    """
    if not shelf_life_days or math.isnan(shelf_life_days):
        return 52
    return max(0, math.floor(shelf_life_days * (1 - (min_remaining_pct or 0.0)) / bucket_days))
