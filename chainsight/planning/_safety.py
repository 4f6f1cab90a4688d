"""Safety stock and reorder points per SKU × site, from a target service level.

* Smooth items: SS = z · √(L·σ_d² + d²·σ_L²) with weekly demand mean d and deviation σ_d, lead time
  L and its deviation σ_L in weeks (demand and lead-time variability both count);
  ROP = d·L + SS.
* Intermittent items (more than 30 % of weeks without demand): the normal approximation fails, so
  the reorder point is the service-level quantile of the *empirical* lead-time demand (rolling sums
  of ⌈L⌉ weeks of history), SS = ROP − mean lead-time demand (not below 0).

Demand per site is shipments (``sell_in.site_id``) over the last ``weeks`` complete weeks;
lead time per SKU is the production lead time observed on completed production orders
(planned start → actual end), 7 days when none is recorded.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from chainsight._errors import UserInputError
from chainsight.warehouse import Warehouse

__all__ = ["SAFETY_COLUMNS", "reorder_point", "safety_stock"]

SAFETY_COLUMNS = [
    "sku",
    "site_id",
    "method",
    "weekly_mean",
    "weekly_std",
    "lead_time_days",
    "lead_time_std_days",
    "safety_stock",
    "reorder_point",
    "service_level",
]


def reorder_point(
    weekly: np.ndarray, lead_days: float, lead_std_days: float, service_level: float
) -> tuple[str, float, float]:
    """(method, safety stock, reorder point) for one series of weekly demand.

    >>> m, ss, rop = reorder_point(np.array([10.0, 12, 8, 10, 11, 9, 10, 10]), 14, 0, 0.95)
    >>> m, round(ss, 1), round(rop, 1)
    ('normal', 2.8, 22.8)
    """
    if not 0.5 <= service_level < 1:
        raise UserInputError(
            "服务水平应在 0.5 与 1 之间", "service level must be between 0.5 and 1 (e.g. 0.95)"
        )
    y = np.asarray(weekly, dtype=float)
    if y.size == 0:
        return "none", 0.0, 0.0
    L, sL = lead_days / 7.0, lead_std_days / 7.0
    d = float(y.mean())
    if (y <= 0).mean() > 0.3:
        k = max(1, math.ceil(L))
        sums = np.convolve(y, np.ones(k), mode="valid") if y.size >= k else np.array([y.sum() * k / y.size])
        rop = float(np.quantile(sums, service_level, method="higher"))
        return "empirical", max(0.0, rop - d * L), max(rop, d * L)
    z = NormalDist().inv_cdf(service_level)
    sd = float(y.std(ddof=1)) if y.size > 1 else 0.0
    ss = z * math.sqrt(L * sd**2 + d**2 * sL**2)
    return "normal", ss, d * L + ss


def safety_stock(
    wh: Warehouse, as_of: dt.date | None = None, service_level: float = 0.95, weeks: int = 26
) -> pd.DataFrame:
    """Safety stock and reorder point per SKU × shipping site (columns :data:`SAFETY_COLUMNS`)."""
    si = wh.table("sell_in")
    if as_of is None:
        as_of = si.date.max().execute()
        if as_of is None:
            raise UserInputError("没有出货数据(sell_in)", "no shipments (sell_in) to size safety stock from")
        as_of = pd.Timestamp(as_of).date()
    end = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)  # last complete Mon–Sun week ends on a Sunday
    start = end - dt.timedelta(days=7 * weeks - 1)
    rows = si.filter((si.date >= start) & (si.date <= end) & si.site_id.notnull())
    rows = rows.mutate(week=rows.date.truncate("W").cast("date"))
    weekly = rows.group_by(["sku", "site_id", "week"]).aggregate(qty=rows.qty.sum()).execute()
    po = wh.table("production_orders")
    done = po.filter(po.actual_end.notnull() & po.planned_start.notnull() & (po.actual_end <= as_of))
    done = done.mutate(lt=(done.actual_end.delta(done.planned_start, unit="day")).cast("float64"))
    lead = done.group_by("sku").aggregate(lt=done.lt.mean(), lt_std=done.lt.std()).execute().set_index("sku")

    grid = pd.date_range(start, end, freq="W-MON")
    out = []
    for (sku, site), g in weekly.groupby(["sku", "site_id"], sort=True):
        y = g.set_index(pd.to_datetime(g["week"]))["qty"].reindex(grid, fill_value=0.0).to_numpy()
        lt = float(lead["lt"].get(sku, np.nan)) if sku in lead.index else float("nan")
        lt = 7.0 if math.isnan(lt) else max(lt, 1.0)
        lt_std = float(lead["lt_std"].get(sku, 0.0)) if sku in lead.index else 0.0
        lt_std = 0.0 if math.isnan(lt_std) else lt_std
        method, ss, rop = reorder_point(y, lt, lt_std, service_level)
        out.append(
            {
                "sku": sku,
                "site_id": site,
                "method": method,
                "weekly_mean": round(float(y.mean()), 3),
                "weekly_std": round(float(y.std(ddof=1)), 3) if y.size > 1 else 0.0,
                "lead_time_days": round(lt, 2),
                "lead_time_std_days": round(lt_std, 2),
                "safety_stock": round(ss, 2),
                "reorder_point": round(rop, 2),
                "service_level": service_level,
            }
        )
    return pd.DataFrame(out, columns=SAFETY_COLUMNS)
