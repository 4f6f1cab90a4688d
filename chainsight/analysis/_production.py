"""Production lines: plan attainment, schedule adherence, yield, utilization — worst lines first.

Over production orders planned to finish in the window (not cancelled):

* **plan attainment** = Σ actual good quantity ÷ Σ planned quantity;
* **schedule adherence** = share of completed orders that finished on or before their planned end;
* **yield** = Σ actual ÷ Σ input quantity (input in finished-goods equivalents) over completed
  orders; **BOM yield** uses instead the input implied by the material consumed: for each order,
  the median over its components of consumed ÷ BOM quantity per unit (scrap included);
* **utilization** = Σ actual ÷ (daily capacity × days in the window);
* a line is **flagged** for yield when it is ``yield_gap_flag`` below the median line (at least
  ``min_orders`` completed orders), and for attainment below ``attainment_flag``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from chainsight.analysis._common import require_rows, run, to_date
from chainsight.analysis._demand import leaf_requirements
from chainsight.analysis._policy import AnalysisPolicy, load_policy
from chainsight.warehouse import Warehouse


@dataclass(frozen=True)
class ProductionReport:
    """``lines`` per production line, worst first."""

    as_of: dt.date
    start: dt.date
    lines: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"as_of": self.as_of, "start": self.start, "lines": self.lines.to_dicts()}


def production_performance(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    months: int | None = 12,
    policy: AnalysisPolicy | None = None,
) -> ProductionReport:
    """Per production line: plan attainment, schedule adherence, yield (reported and BOM-implied),
    utilization and lost units, worst first (all history when ``months`` is None).

    >>> rep = production_performance(wh)  # doctest: +SKIP
    >>> rep.lines.filter(pl.col("flag_yield")).select("line_id", "yield")  # doctest: +SKIP
    """
    pol = (policy or load_policy()).production
    require_rows(wh, "production_orders", "请先加载生产订单", "load production orders first")
    po = wh.table("production_orders")
    day = (
        to_date(as_of)
        or wh.to_pyarrow(po.actual_end.max()).as_py()
        or wh.to_pyarrow(po.planned_end.max()).as_py()
    )
    first = wh.to_pyarrow(po.planned_end.min()).as_py()
    start = max(first, day - dt.timedelta(days=round(months * 30.44))) if months else first
    po = po.filter(po.status != "cancelled", po.planned_end >= start, po.planned_end <= day)
    orders = run(
        wh,
        po.select(
            "order_id",
            "line_id",
            "site_id",
            "sku",
            "planned_qty",
            "planned_end",
            "actual_qty",
            "actual_end",
            "input_qty",
            "status",
        ),
    )
    mc = wh.table("material_consumption")
    used = run(
        wh,
        mc.semi_join(po, mc.order_id == po.order_id)
        .group_by("order_id", "material_id")
        .aggregate(qty=mc.qty.sum()),
    )
    req = wh.to_polars(leaf_requirements(wh))
    implied = (
        used.join(orders.select("order_id", "sku"), on="order_id")
        .join(req, on=["sku", "material_id"])
        .with_columns(units=pl.col("qty") / pl.col("per"))
        .group_by("order_id")
        .agg(bom_input=pl.col("units").median())
    )
    done = pl.col("status") == "completed"
    o = orders.join(implied, on="order_id", how="left")
    lines = run(wh, wh.table("lines").select("line_id", "name", "capacity_per_day", line_site="site_id"))
    prices = run(wh, wh.table("products").select("sku", "list_price"))
    o = o.join(prices, on="sku", how="left")
    days = (day - start).days + 1
    per_line = o.group_by("line_id").agg(
        orders=pl.len(),
        completed=done.sum(),
        planned_qty=pl.col("planned_qty").sum(),
        actual_qty=pl.col("actual_qty").fill_null(0.0).sum(),
        on_time=(done & (pl.col("actual_end") <= pl.col("planned_end"))).sum(),
        _yield_out=pl.col("actual_qty").filter(done & pl.col("input_qty").is_not_null()).sum(),
        _yield_in=pl.col("input_qty").filter(done & pl.col("actual_qty").is_not_null()).sum(),
        _bom_out=pl.col("actual_qty").filter(done & pl.col("bom_input").is_not_null()).sum(),
        _bom_in=pl.col("bom_input").filter(done & pl.col("actual_qty").is_not_null()).sum(),
        lost_value=((pl.col("input_qty") - pl.col("actual_qty")) * pl.col("list_price")).filter(done).sum(),
    )
    out = (
        lines.join(per_line, on="line_id", how="left")
        .filter(pl.col("orders").fill_null(0) > 0)
        .with_columns(
            plan_attainment=pl.col("actual_qty") / pl.col("planned_qty"),
            schedule_adherence=pl.when(pl.col("completed") > 0).then(pl.col("on_time") / pl.col("completed")),
            **{"yield": pl.when(pl.col("_yield_in") > 0).then(pl.col("_yield_out") / pl.col("_yield_in"))},
            bom_yield=pl.when(pl.col("_bom_in") > 0).then(pl.col("_bom_out") / pl.col("_bom_in")),
            lost_units=pl.col("_yield_in") - pl.col("_yield_out"),
            utilization=pl.col("actual_qty") / (pl.col("capacity_per_day") * days),
        )
    )
    judged = out.filter(pl.col("completed") >= pol.min_orders)
    median = float(judged.select(pl.col("yield").median()).item() or 0.0) if judged.height else 0.0
    out = (
        out.with_columns(
            flag_yield=(pl.col("completed") >= pol.min_orders)
            & (pl.col("yield") < median - pol.yield_gap_flag),
            flag_attainment=(pl.col("completed") >= pol.min_orders)
            & (pl.col("plan_attainment") < pol.attainment_flag),
            yield_gap=median - pl.col("yield"),
        )
        .rename({"line_site": "site_id"})
        .select(
            "line_id",
            "name",
            "site_id",
            "orders",
            "completed",
            "planned_qty",
            "actual_qty",
            "plan_attainment",
            "schedule_adherence",
            "yield",
            "bom_yield",
            "yield_gap",
            "lost_units",
            "lost_value",
            "utilization",
            "capacity_per_day",
            "flag_yield",
            "flag_attainment",
        )
        .sort(["flag_yield", "flag_attainment", "yield"], descending=[True, True, False], nulls_last=True)
    )
    return ProductionReport(day, start, out)
