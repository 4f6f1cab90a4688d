"""FEFO projection as columnar operations: cumulative sums and a running maximum, no loop per lot.

Within one site × item, lots are consumed first-expired-first-out against expected daily
demand; a lot serves demand up to and including its expiry date, and what is left then is
wasted. With lots sorted by expiry (ties: older manufacture date, then lot id),
``Q_i`` their cumulative quantity and ``D(t)`` cumulative demand through day ``t``, the
quantity wasted by lots ``1..i`` is

    W_i = max(0, max_{m ≤ i} (Q_m − D(e_m)))

(the largest shortfall of demand before an expiry — Hall's condition for demand that any
unexpired lot may serve; FEFO is the greedy that achieves it). Lot ``i`` leaves
``W_i − W_{i−1}`` unsold. The site runs out on the first day ``k`` where
``D(k) + W(k) > Q``: cumulative demand plus the stock already wasted by day ``k`` exceeds all
stock.

Demand comes in two shapes:

* :class:`WeeklyDemand` — a rate per weekday (the run-rate with weekly seasonality). ``D(t)`` is
  then closed-form (``Σ_p rate_p · ⌊(t + 6 − p) / 7⌋`` over the weekday positions ``p`` of day 1..7),
  and so is its inverse, so the projection touches each lot a constant number of times however
  long the horizon;
* :class:`DailyDemand` — any daily series (a forecast, planned consumption): cumulative sums over
  the daily grid, and the stock-out day from one running maximum over the grid and the expiries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

KEYS = ["site_id", "item_id"]
TAIL_DAYS = 28
_NEVER = 10**7  # sort key of lots without an expiry date: after every dated lot
_EPS = 1e-6


def _order(t: ir.Table) -> list[ir.Value]:
    return [t._e.fill_null(_NEVER), t.mfg_date.fill_null(dt.date(1900, 1, 1)), t.lot_id, t.status]


def _keys_match(a: ir.Table, b: ir.Table) -> list[ir.BooleanValue]:
    return [a.site_id == b.site_id, a.item_id == b.item_id]


@dataclass(frozen=True)
class WeeklyDemand:
    """Expected demand as an average per weekday: ``profile`` has site_id, item_id, weekday (0 = Monday), rate."""

    profile: ir.Table
    as_of: dt.date

    def wide(self) -> ir.Table:
        """Per site × item: ``r0..r6``, the rate of the 1st..7th day after as-of, and ``week`` (their sum)."""
        first = (self.as_of + dt.timedelta(days=1)).weekday()
        p = self.profile.mutate(_pos=(self.profile.weekday - first + 7) % 7)
        w = p.group_by(KEYS).aggregate(**{f"r{i}": p.rate.sum(where=p._pos == i) for i in range(7)})
        w = w.mutate(**{f"r{i}": w[f"r{i}"].fill_null(0.0).cast("float64") for i in range(7)})
        return w.mutate(week=sum((w[f"r{i}"] for i in range(7)), ibis.literal(0.0)))

    def with_cumulative(self, t: ir.Table, days: ir.IntegerValue, horizon: int) -> ir.Table:
        """``t`` with ``_d``: demand of its site × item through day ``days`` after as-of (0 for days ≤ 0)."""
        del horizon  # a weekly rate has no horizon: it repeats
        w = self.wide()
        t = t.mutate(_days=days)
        j = t.left_join(w, _keys_match(t, w)).select(t, *[w[f"r{i}"] for i in range(7)])
        total = sum(
            (j[f"r{i}"].fill_null(0.0) * ((j._days + 6 - i) // 7).cast("float64") for i in range(7)),
            ibis.literal(0.0),
        )
        d = ibis.cases((j._days.isnull(), ibis.null("float64")), (j._days <= 0, 0.0), else_=total)
        return j.mutate(_d=d).drop("_days", *[f"r{i}" for i in range(7)])

    def rates(self, horizon: int) -> ir.Table:
        """Per site × item: ``daily_demand`` (average a day) and ``demand_horizon`` (demand over the horizon)."""
        w = self.wide()
        full, extra = divmod(horizon, 7)
        part = sum((w[f"r{i}"] for i in range(extra)), ibis.literal(0.0))
        return w.select(*KEYS, daily_demand=w.week / 7, demand_horizon=w.week * full + part)

    def stockout(self, projected: ir.Table, groups: ir.Table, horizon: int) -> ir.Table:
        """Per site × item: the first day (≤ horizon) demand cannot be met in full."""
        w = self.wide()
        steps = projected.filter(projected.days_left.notnull()).select(
            *KEYS, a=ibis.greatest(projected.days_left, 0) + 1, waste=projected._waste_through
        )
        start = groups.select(*KEYS, a=ibis.literal(1, "int64"), waste=ibis.literal(0.0))
        s = start.union(steps)
        s = s.mutate(b=s.a.lead().over(ibis.window(group_by=KEYS, order_by=[s.a, s.waste])) - 1)
        s = s.join(groups, _keys_match(s, groups)).select(s, target=groups.stock_qty - s.waste)
        s = s.join(w, _keys_match(s, w)).select(s, *[w[f"r{i}"] for i in range(7)], w.week)
        s = s.filter(s.week > 0)
        # first day with D(k) > target: whole weeks (one short, for rounding), then the day within the
        # next two weeks that tips it
        n = (s.target / s.week).floor().cast("int64") - 1
        s = s.mutate(_n=ibis.greatest(n, 0))
        base = s._n.cast("float64") * s.week
        week = [sum((s[f"r{j}"] for j in range(m)), ibis.literal(0.0)) for m in range(1, 8)]
        partial = week + [s.week + p for p in week]
        m = ibis.cases(*[(base + partial[i] > s.target + _EPS, i + 1) for i in range(14)], else_=15)
        s = s.mutate(_k=s._n * 7 + m)
        s = s.mutate(_cand=ibis.greatest(s._k, s.a))
        s = s.filter(s.b.isnull() | (s._cand <= s.b), s._cand <= horizon)
        return s.group_by(KEYS).aggregate(stockout_day=s._cand.min())


@dataclass(frozen=True)
class DailyDemand:
    """Expected demand day by day: ``daily`` has site_id, item_id, day (1 = the day after as-of), qty.

    Beyond the last day demand continues at the average of the last 28 days.
    """

    daily: ir.Table

    def cumulative(self, horizon: int) -> ir.Table:
        """The daily grid with ``cum``, cumulative demand through each day."""
        d = self.daily.filter(self.daily.day <= horizon)
        return d.mutate(cum=d.qty.sum().over(ibis.cumulative_window(group_by=KEYS, order_by="day")))

    def _ends(self, horizon: int) -> ir.Table:
        tail_from = max(1, horizon - TAIL_DAYS + 1)
        d = self.daily.filter(self.daily.day <= horizon)
        return d.group_by(KEYS).aggregate(
            total=d.qty.sum(),
            tail_rate=d.qty.sum(where=d.day >= tail_from) / (horizon - tail_from + 1),
            daily_demand=d.qty.sum(where=d.day <= TAIL_DAYS) / min(TAIL_DAYS, horizon),
        )

    def with_cumulative(self, t: ir.Table, days: ir.IntegerValue, horizon: int) -> ir.Table:
        """``t`` with ``_d``: demand through day ``days`` (0 for days ≤ 0, extrapolated beyond the horizon)."""
        cum = self.cumulative(horizon)
        ends = self._ends(horizon)
        t = t.mutate(_lookup=ibis.least(days, horizon), _days=days)
        j = t.left_join(cum, [*_keys_match(t, cum), t._lookup == cum.day]).select(t, _cum=cum.cum)
        j = j.left_join(ends, _keys_match(j, ends)).select(j, _total=ends.total, _tail=ends.tail_rate)
        d = ibis.cases(
            (j._days.isnull(), ibis.null("float64")),
            (j._days <= 0, 0.0),
            (j._days <= horizon, j._cum.fill_null(0.0)),
            else_=j._total.fill_null(0.0) + (j._days - horizon).cast("float64") * j._tail.fill_null(0.0),
        )
        return j.mutate(_d=d).drop("_lookup", "_days", "_cum", "_total", "_tail")

    def rates(self, horizon: int) -> ir.Table:
        """Per site × item: ``daily_demand`` (average of the next 28 days) and ``demand_horizon``."""
        e = self._ends(horizon)
        return e.select(*KEYS, daily_demand=e.daily_demand, demand_horizon=e.total)

    def stockout(self, projected: ir.Table, groups: ir.Table, horizon: int) -> ir.Table:
        """Per site × item: the first day (≤ horizon) demand cannot be met in full."""
        cum = self.cumulative(horizon)
        # waste steps: once lot i has expired (from day e_i + 1) the stock wasted so far is W_i
        steps = projected.filter(projected.days_left.notnull()).select(
            *KEYS,
            day=ibis.greatest(projected.days_left, 0) + 1,
            kind=ibis.literal(0),
            waste=projected._waste_through,
            cum=ibis.null("float64"),
        )
        mine = cum.semi_join(groups, _keys_match(cum, groups))
        grid = mine.select(*KEYS, "day", kind=ibis.literal(1), waste=ibis.null("float64"), cum=mine.cum)
        u = steps.union(grid)
        u = u.mutate(
            wasted=u.waste.max().over(ibis.cumulative_window(group_by=KEYS, order_by=[u.day, u.kind]))
        )
        u = u.filter(u.kind == 1)
        u = u.join(groups, _keys_match(u, groups)).select(u, stock=groups.stock_qty)
        short = u.filter(u.cum + u.wasted.fill_null(0.0) > u.stock + _EPS)
        return short.group_by(KEYS).aggregate(stockout_day=short.day.min())


Demand = WeeklyDemand | DailyDemand


def project_lots(lots: ir.Table, demand: Demand, as_of: dt.date, horizon: int) -> ir.Table:
    """FEFO projection per lot.

    ``lots``: site_id, item_id, lot_id, status, mfg_date, expiry_date, qty (usable stock only).
    Adds ``days_left`` (expiry − as-of), ``demand_to_expiry`` (site demand through the expiry
    date), ``projected_sold_qty`` and ``projected_unsold_qty``. Lots without an expiry date
    never go to waste.

    >>> import ibis, datetime as dt, pyarrow as pa
    >>> day = dt.date(2026, 1, 1)
    >>> lots = ibis.memtable(pa.table({"site_id": ["S"], "item_id": ["X"], "lot_id": ["L"],
    ...     "status": ["available"], "mfg_date": [day], "expiry_date": [day + dt.timedelta(days=3)],
    ...     "qty": [10.0]}))
    >>> daily = ibis.memtable(pa.table({"site_id": ["S"] * 3, "item_id": ["X"] * 3, "day": [1, 2, 3],
    ...     "qty": [2.0] * 3}))
    >>> ibis.duckdb.connect().to_polars(project_lots(lots, DailyDemand(daily), day, 3))["projected_unsold_qty"][0]
    4.0
    """
    t = lots.mutate(_e=lots.expiry_date.delta(ibis.literal(as_of), unit="day"), qty=lots.qty.cast("float64"))
    t = demand.with_cumulative(t, t._e, horizon)
    w = ibis.cumulative_window(group_by=KEYS, order_by=_order(t))
    t = t.mutate(_q=t.qty.sum().over(w))
    t = t.mutate(_x=t._q - t._d)
    t = t.mutate(_w=ibis.greatest(t._x.max().over(w).fill_null(0.0), 0.0))
    t = t.mutate(_wprev=t._w.lag().over(ibis.window(group_by=KEYS, order_by=_order(t))).fill_null(0.0))
    unsold = ibis.least(ibis.greatest(t._w - t._wprev, 0.0), t.qty)
    t = t.mutate(
        days_left=t._e,
        demand_to_expiry=t._d,
        projected_sold_qty=t.qty - unsold,
        projected_unsold_qty=unsold,
        _waste_through=t._w,
    )
    return t.drop("_e", "_d", "_q", "_x", "_w", "_wprev")


def project_groups(projected: ir.Table, demand: Demand, as_of: dt.date, horizon: int) -> ir.Table:
    """Per site × item: stock, lots, expected demand, projected unsold, stock-out day and date.

    ``projected`` is the output of :func:`project_lots`. The stock-out day is the first day
    within the horizon when demand can no longer be met in full; null when stock lasts beyond
    the horizon or there is no demand. ``days_of_cover`` is the number of days fully served.
    """
    groups = projected.group_by(KEYS).aggregate(
        stock_qty=projected.qty.sum(),
        lots=projected.count(),
        projected_unsold_qty=projected.projected_unsold_qty.sum(),
    )
    out = demand.stockout(projected, groups, horizon)
    g = groups.left_join(out, _keys_match(groups, out)).select(groups, stockout_day=out.stockout_day)
    rates = demand.rates(horizon)
    g = g.left_join(rates, _keys_match(g, rates)).select(
        g, daily_demand=rates.daily_demand.fill_null(0.0), demand_horizon=rates.demand_horizon.fill_null(0.0)
    )
    return g.mutate(
        stockout_date=ibis.literal(as_of) + g.stockout_day.as_interval("D"),
        days_of_cover=g.stockout_day - 1,
    )
