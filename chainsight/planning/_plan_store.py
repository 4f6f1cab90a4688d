"""The plan's storage: orders, exceptions and line load of one as-of date, and the run with its KPIs.

The tables are declared in :data:`chainsight.model.DERIVED` and written through Warehouse methods:
planning the same as-of date again replaces that date's plan, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from chainsight.model import DERIVED
from chainsight.planning._plan_types import PlanResult
from chainsight.planning._rows import to_rows
from chainsight.warehouse import Warehouse

PLANNED_ORDERS = DERIVED["planned_orders"]  # planned production and purchase orders, latest plan per as-of
PLAN_EXCEPTIONS = DERIVED[
    "plan_exceptions"
]  # shortages, late orders, excess, expiring, overload, reschedules
PLAN_CAPACITY = DERIVED["plan_capacity"]  # line × week: load and capacity (days)
PLAN_RUNS = DERIVED["plan_runs"]  # one row per plan run: version, as-of, demand source, KPIs
PLANNED_ORDERS_TABLE = PLANNED_ORDERS.name
PLAN_EXCEPTIONS_TABLE = PLAN_EXCEPTIONS.name
PLAN_CAPACITY_TABLE = PLAN_CAPACITY.name
PLAN_RUNS_TABLE = PLAN_RUNS.name


def store_plan(wh: Warehouse, res: PlanResult) -> None:
    """Write ``res`` under its version, replacing the plan stored for its as-of date."""
    o, e, c = res.orders, res.exceptions, res.capacity
    orders = o[["order_id", "order_type", "item_id", "site_id", "supplier_id", "line_id", "qty"]].assign(
        release_date=pd.to_datetime(o["release_date"]),
        due_date=pd.to_datetime(o["due_date"]),
        late=o["late"].astype(bool),
        pegged_to=o["pegged_to"].map(list),
    )
    exc = e[["kind", "site_id", "item_id", "period", "qty", "detail", "order_id"]]
    cap = c[["line_id", "site_id", "week", "load_days", "capacity_days", "use_pct", "overload_days"]]
    run = pd.DataFrame(
        {
            "version": [res.version],
            "as_of": [res.as_of],
            "created_at": [pd.Timestamp(dt.datetime.now())],
            "horizon": [res.horizon],
            "demand_source": [res.demand_source],
            "kpis": [json.dumps(res.kpis(), ensure_ascii=False)],
        }
    )
    run_of = {"version": res.version, "as_of": res.as_of}
    # The tables written (a Spark warehouse stages them and publishes them at commit).
    with wh.transaction((PLANNED_ORDERS_TABLE, PLAN_EXCEPTIONS_TABLE, PLAN_CAPACITY_TABLE, PLAN_RUNS_TABLE)):
        for spec in (PLANNED_ORDERS, PLAN_EXCEPTIONS, PLAN_CAPACITY, PLAN_RUNS):
            wh.ensure_table(spec)
        for spec, frame in ((PLANNED_ORDERS, orders), (PLAN_EXCEPTIONS, exc), (PLAN_CAPACITY, cap)):
            rows = to_rows(frame.assign(**run_of) if len(frame) else frame, spec)
            wh.replace_rows(spec.name, rows, where={"as_of": res.as_of})
        wh.replace_rows(PLAN_RUNS_TABLE, to_rows(run, PLAN_RUNS))
