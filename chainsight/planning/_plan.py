"""``plan``: demand → master production schedule per line (HiGHS) → MRP per plant → exceptions, stored.

Inputs, read from the warehouse and aggregated in the database (Ibis):

* demand per SKU × week: the statistical forecast (:func:`chainsight.planning.forecast`), replaced by
  a consensus plan (``demand_file``) for the SKUs and weeks it covers;
* each SKU is made at the plant and on the line that made it most often (production orders); the
  line's ``capacity_per_day`` is the SKU's rate (units a day: the model has no per-SKU routing);
  open production orders (planned / released / in progress) are supply when due, and take their
  share of the line in the weeks they run;
* finished goods: latest stock snapshot on or before ``as_of`` (``available``) at plants and DCs,
  usable while it keeps the minimum remaining life of the loosest customer or channel the SKU sells
  to; the strictest one's bounds how far ahead production may be built. A customer's minimum is
  the data model's rule (:func:`chainsight.model.customer_min_life`), the expiry analysis's too;
* minimum run: the 10th percentile of the SKU's past production quantities (the smallest run the
  plant habitually makes); safety stock: :func:`chainsight.planning.safety_stock`, summed over sites;
* materials: plant stock usable before expiry, open purchase orders (ordered − received and not
  failed QC), the cheapest supplier's lead time, MOQ and multiple.

The MPS nets demand against stock and open orders (first expiry first) and schedules what is left
within line capacity and the shelf-life window (:mod:`chainsight.planning._mps`); MRP explodes the
scheduled production through the BOM (:func:`chainsight.planning.run_mrp`). ``store=True`` writes
the plan (orders, exceptions, line load, KPIs) under a version and its as-of date; planning the same
as-of date again replaces that date's plan.

The parts: :mod:`~chainsight.planning._plan_inputs` (the only reader of the warehouse),
:mod:`~chainsight.planning._plan_run` (the pure planning run), :mod:`~chainsight.planning._plan_kpis`,
:mod:`~chainsight.planning._plan_store`; here, :func:`plan` and :func:`scenario` join them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chainsight.planning._mps import DEFAULT_COSTS, MpsCosts
from chainsight.planning._plan_inputs import add_shares, gather_inputs
from chainsight.planning._plan_run import run_plan
from chainsight.planning._plan_store import store_plan
from chainsight.planning._plan_types import PlanResult, Scenario
from chainsight.warehouse import Warehouse

__all__ = ["plan", "scenario"]


def plan(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    demand_file: str | Path | None = None,
    service_level: float = 0.95,
    *,
    scenario: Scenario | None = None,
    store: bool = True,
    costs: MpsCosts = DEFAULT_COSTS,
    days_per_week: float = 7.0,
    time_limit: float = 10.0,
) -> PlanResult:
    """Plan ``horizon`` weeks after ``as_of``: MPS per line, planned production and purchase orders
    per plant, exceptions and KPIs; with ``store`` the plan is written to the warehouse
    (:data:`PLANNED_ORDERS_TABLE`, :data:`PLAN_EXCEPTIONS_TABLE`, :data:`PLAN_CAPACITY_TABLE`,
    :data:`PLAN_RUNS_TABLE`), replacing an earlier plan of the same as-of date.
    """
    sc = scenario or Scenario()
    inp = add_shares(wh, gather_inputs(wh, as_of, horizon, demand_file, service_level), sc)
    res = run_plan(inp, sc, costs, days_per_week, time_limit)
    if store and sc == Scenario():
        store_plan(wh, res)
    return res


def scenario(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    what: Scenario | None = None,
    *,
    demand_file: str | Path | None = None,
    service_level: float = 0.95,
    costs: MpsCosts = DEFAULT_COSTS,
    time_limit: float = 10.0,
    plans: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """What-if vs the base plan (same forecast, stock and orders); nothing is stored.

    ``what`` (or its fields as keyword arguments, e.g. ``demand_pct=20, channel="tmall"``)
    describes the change. Returns both plans' KPIs side by side and both exception summaries (with
    ``plans``, also the two :class:`PlanResult` under ``"plans"``).
    """
    sc = what or Scenario(**kwargs)
    inp = add_shares(wh, gather_inputs(wh, as_of, horizon, demand_file, service_level), sc)
    base = run_plan(inp, Scenario(), costs, 7.0, time_limit)
    alt = run_plan(inp, sc, costs, 7.0, time_limit)
    b, s = base.kpis(), alt.kpis()
    kpis = [{"kpi": k, "base": b[k], "scenario": s[k], "change": round(s[k] - b[k], 2)} for k in b]
    d = asdict(sc)
    for k in ("line_down_from", "line_down_to"):
        d[k] = d[k].isoformat() if d[k] else None
    return {
        "as_of": base.as_of.isoformat(),
        "scenario": d,
        "description": sc.describe(),
        "kpis": kpis,
        "exceptions": {"base": base.exception_summary(), "scenario": alt.exception_summary()},
        **({"plans": (base, alt)} if plans else {}),
    }
