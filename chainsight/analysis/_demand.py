"""Expected demand per site × item as a daily grid: the recent run-rate by weekday, or planned consumption.

Finished goods leave a plant or distribution centre as sell-in shipped from it, and a
distributor's warehouse as the sell-out of that distributor's stores. Materials leave a
plant as production consumes them: the open production orders exploded through the BOM
while the plan lasts, then the recent consumption run-rate.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa

from chainsight.analysis._fefo import DailyDemand, WeeklyDemand
from chainsight.warehouse import Warehouse

KEYS = ["site_id", "item_id"]
OPEN_ORDER = ("planned", "released", "in_progress")


def days_table(horizon: int, start: int = 1) -> ir.Table:
    """Days ``start``..``horizon`` as a small in-memory table (column ``day``)."""
    return ibis.memtable(pa.table({"day": pa.array(range(start, horizon + 1), pa.int64())}))


def _window(date: ir.DateValue, as_of: dt.date, weeks: int) -> ir.BooleanValue:
    return (date > as_of - dt.timedelta(days=7 * weeks)) & (date <= as_of)


def sales_history(wh: Warehouse, as_of: dt.date, weeks: int) -> ir.Table:
    """Finished-goods outflow per site, item and date in the last ``weeks`` weeks up to ``as_of``.

    Sell-in shipped from the site (returns excluded), plus for a distributor warehouse the
    sell-out of the stores of the customer that owns it.
    """
    si = wh.table("sell_in")
    si = si.filter(si.qty > 0, si.site_id.notnull(), _window(si.date, as_of, weeks))
    shipped = si.select(site_id=si.site_id, item_id=si.sku, date=si.date, qty=si.qty.cast("float64"))
    so = wh.table("sell_out")
    stores = wh.table("stores")
    sites = wh.table("sites")
    dw = sites.filter(sites.type == "distributor_wh", sites.customer_id.notnull())
    so = so.filter(_window(so.date, as_of, weeks))
    j = so.join(stores, so.store_id == stores.store_id).join(dw, stores.customer_id == dw.customer_id)
    sold = j.select(site_id=dw.site_id, item_id=so.sku, date=so.date, qty=so.qty.cast("float64"))
    return shipped.union(sold)


def consumption_history(wh: Warehouse, as_of: dt.date, weeks: int) -> ir.Table:
    """Material consumption per plant, material and date (the order's actual start) in the last ``weeks`` weeks."""
    mc = wh.table("material_consumption")
    po = wh.table("production_orders")
    j = mc.join(po, mc.order_id == po.order_id)
    date = j.actual_start.fill_null(j.planned_start)
    j = j.filter(_window(date, as_of, weeks))
    return j.select(site_id=j.site_id, item_id=j.material_id, date=date, qty=j.qty.cast("float64"))


def weekly_profile(history: ir.Table, weeks: int) -> ir.Table:
    """Average quantity per site, item and weekday (0 = Monday) over ``weeks`` weeks of history."""
    h = history.mutate(weekday=history.date.day_of_week.index().cast("int64"))
    return h.group_by([*KEYS, "weekday"]).aggregate(rate=h.qty.sum() / weeks)


def grid_from_profile(profile: ir.Table, as_of: dt.date, horizon: int) -> ir.Table:
    """Daily demand for days 1..horizon after ``as_of``: each day gets its weekday's rate (0 when none)."""
    days = days_table(horizon)
    days = days.mutate(
        weekday=(ibis.literal(as_of) + days.day.as_interval("D")).day_of_week.index().cast("int64")
    )
    groups = profile.select(*KEYS).distinct()
    g = groups.cross_join(days)
    j = g.left_join(
        profile, [g.site_id == profile.site_id, g.item_id == profile.item_id, g.weekday == profile.weekday]
    )
    return j.select(site_id=g.site_id, item_id=g.item_id, day=g.day, qty=j.rate.fill_null(0.0))


def leaf_requirements(wh: Warehouse) -> ir.Table:
    """Leaf material needed per unit of each SKU: the BOM exploded through intermediates, scrap included.

    ``qty_per × (1 + scrap_rate)`` at each level, multiplied down the levels. One loop per BOM
    level (master data, a few hundred rows), never per order.
    """
    bom = wh.to_polars(wh.table("bom").select("parent_id", "component_id", "qty_per", "scrap_rate"))
    bom = bom.with_columns(per=pl.col("qty_per") * (1 + pl.col("scrap_rate").fill_null(0.0))).select(
        "parent_id", "component_id", "per"
    )
    products = set(wh.to_polars(wh.table("products").select("sku"))["sku"].to_list())
    parents = set(bom["parent_id"].to_list())
    frontier = bom.filter(pl.col("parent_id").is_in(list(products))).rename({"parent_id": "sku"})
    leaves = []
    for _ in range(20):  # BOM depth; a cycle stops here instead of looping forever
        is_parent = pl.col("component_id").is_in(list(parents))
        leaves.append(frontier.filter(~is_parent))
        nested = frontier.filter(is_parent)
        if nested.is_empty():
            break
        frontier = nested.join(bom, left_on="component_id", right_on="parent_id").select(
            "sku",
            pl.col("component_id_right").alias("component_id"),
            (pl.col("per") * pl.col("per_right")).alias("per"),
        )
    out = (
        pl.concat(leaves)
        if leaves
        else pl.DataFrame(schema={"sku": pl.String, "component_id": pl.String, "per": pl.Float64})
    )
    out = out.group_by("sku", "component_id").agg(pl.col("per").sum())
    return ibis.memtable(out.rename({"component_id": "material_id"}))


def planned_consumption(wh: Warehouse, as_of: dt.date, horizon: int) -> tuple[ir.Table, ir.Table]:
    """Material demand from open production orders, spread evenly over each order's planned days.

    Returns (daily grid: site_id, item_id, day, qty; plan end per site: site_id, plan_end_day).
    Overdue orders (planned before ``as_of``) fall on day 1. Remaining quantity is
    planned − actual for orders already in progress.
    """
    po = wh.table("production_orders")
    po = po.filter(po.status.isin(OPEN_ORDER))
    start = po.planned_start.delta(ibis.literal(as_of), unit="day")
    end = po.planned_end.delta(ibis.literal(as_of), unit="day")
    po = po.mutate(
        _start=ibis.greatest(start, 1),
        _end=ibis.greatest(end, 1),
        _remaining=ibis.greatest(po.planned_qty - po.actual_qty.fill_null(0.0), 0.0),
    )
    po = po.filter(po._start <= horizon)
    days = days_table(horizon)
    spread = po.join(days, [days.day >= po._start, days.day <= ibis.least(po._end, horizon)])
    spread = spread.mutate(_share=spread._remaining / (spread._end - spread._start + 1))
    req = leaf_requirements(wh)
    j = spread.join(req, spread.sku == req.sku)
    grid = j.group_by(site_id=j.site_id, item_id=j.material_id, day=j.day).aggregate(
        qty=(j._share * j.per).sum()
    )
    ends = po.group_by("site_id").aggregate(plan_end_day=ibis.least(po._end.max(), horizon))
    return grid, ends


def finished_goods_demand(
    wh: Warehouse, as_of: dt.date, weeks: int, forecast: ir.Table | None = None
) -> WeeklyDemand | DailyDemand:
    """Expected finished-goods demand per site × SKU: ``forecast`` (site_id, item_id, day, qty) when
    given, else the run-rate of the last ``weeks`` weeks by weekday."""
    if forecast is not None:
        return DailyDemand(forecast.select(*KEYS, "day", qty=forecast.qty.cast("float64")))
    return WeeklyDemand(weekly_profile(sales_history(wh, as_of, weeks), weeks), as_of)


def material_demand(wh: Warehouse, as_of: dt.date, horizon: int, weeks: int) -> DailyDemand:
    """Expected material consumption per plant × material, day by day: planned consumption while
    the production plan lasts at the plant, the consumption run-rate (by weekday) after it."""
    planned, ends = planned_consumption(wh, as_of, horizon)
    rate = grid_from_profile(weekly_profile(consumption_history(wh, as_of, weeks), weeks), as_of, horizon)
    rate = rate.left_join(ends, rate.site_id == ends.site_id)
    rate = rate.filter(rate.day > rate.plan_end_day.fill_null(0)).select(*KEYS, "day", "qty")
    mat = planned.union(rate)
    return DailyDemand(mat.group_by(*KEYS, "day").aggregate(qty=mat.qty.sum()))
