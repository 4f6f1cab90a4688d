"""Upstream and downstream coordination: the bullwhip effect per SKU, and one SKU's pipeline end to end.

**Bullwhip.** Weekly quantities over the last ``weeks`` weeks at each stage — consumer demand
(store sell-out plus paid online orders), sell-in, production (completed output by week finished)
— and, per material, purchases against consumption. Amplification of a stage is the squared
coefficient of variation of its weekly series over that of the stage before it (unit-free, so
materials compare with finished goods); the stage where it amplifies most is the largest.

**Flow.** For one SKU: material stock and open purchase orders of its BOM materials, finished
stock at plants and distribution centres, channel stock at distributors, and consumer demand, each
with its daily flow and days of cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import polars as pl

from chainsight._errors import UserInputError
from chainsight.analysis._common import run, to_date
from chainsight.analysis._demand import leaf_requirements
from chainsight.analysis._policy import AnalysisPolicy, load_policy
from chainsight.analysis._sell_through import sell_through
from chainsight.analysis._suppliers import material_coverage
from chainsight.warehouse import Warehouse

STAGES = ("consumer", "sell_in", "production")


def _weekly(t: ir.Table, key: str, date: ir.Value, qty: ir.Value, start: dt.date, end: dt.date) -> ir.Table:
    t = t.mutate(_d=date, _q=qty)
    t = t.filter(t._d >= start, t._d <= end)
    return t.group_by(key=t[key], week=t._d.truncate("W")).aggregate(qty=t._q.sum())


def _cv2(df: pl.DataFrame, weeks: list[dt.date], name: str) -> pl.DataFrame:
    """Per key: mean and squared coefficient of variation of the weekly series (missing weeks are 0)."""
    keys = df.select("key").unique()
    grid = keys.join(pl.DataFrame({"week": weeks}), how="cross")
    full = grid.join(
        df.with_columns(pl.col("week").cast(pl.Date)), on=["key", "week"], how="left"
    ).with_columns(pl.col("qty").fill_null(0.0))
    return full.group_by("key").agg(
        pl.col("qty").mean().alias(f"{name}_mean"),
        (pl.col("qty").var() / pl.col("qty").mean().pow(2)).alias(f"{name}_cv2"),
    )


@dataclass(frozen=True)
class Bullwhip:
    """``skus`` per SKU across stages; ``materials`` purchases against consumption per material."""

    start: dt.date
    end: dt.date
    skus: pl.DataFrame
    materials: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "start": self.start,
            "end": self.end,
            "skus": self.skus.to_dicts(),
            "materials": self.materials.to_dicts(),
        }


def bullwhip(wh: Warehouse, as_of: dt.date | str | None = None, weeks: int = 52) -> Bullwhip:
    """Variance amplification per SKU from consumer demand to sell-in and production, and per material
    from consumption to purchases; ``worst_stage`` names where it amplifies most.

    >>> bullwhip(wh).skus.select("sku", "sell_in_amplification", "worst_stage").head()  # doctest: +SKIP
    """
    si = wh.table("sell_in")
    day = to_date(as_of) or wh.to_pyarrow(si.date.max()).as_py()
    if day is None:
        raise UserInputError(
            "仓库中没有销售出库(sell_in)数据;请先加载", "the warehouse has no sell-in rows; load them first"
        )
    end = day - dt.timedelta(days=day.weekday() + 1)  # the last full week ends on the Sunday before
    start = end - dt.timedelta(days=7 * weeks - 1)
    week_list = [start + dt.timedelta(days=7 * i) for i in range(weeks)]
    so = wh.table("sell_out")
    oo = wh.table("online_orders")
    oo = oo.filter(oo.status == "paid")
    consumer = _weekly(so, "sku", so.date, so.qty, start, end).union(
        _weekly(oo, "sku", oo.order_time.date(), oo.qty, start, end)
    )
    consumer = consumer.group_by("key", "week").aggregate(qty=consumer.qty.sum())
    po = wh.table("production_orders")
    po = po.filter(po.status == "completed")
    frames = {
        "consumer": run(wh, consumer),
        "sell_in": run(wh, _weekly(si, "sku", si.date, si.qty, start, end)),
        "production": run(wh, _weekly(po, "sku", po.actual_end, po.actual_qty, start, end)),
    }
    out = None
    for name in STAGES:
        part = _cv2(frames[name], week_list, name)
        out = part if out is None else out.join(part, on="key", how="full", coalesce=True)
    assert out is not None
    out = out.rename({"key": "sku"}).with_columns(
        sell_in_amplification=pl.col("sell_in_cv2") / pl.col("consumer_cv2"),
        production_amplification=pl.col("production_cv2") / pl.col("sell_in_cv2"),
        total_amplification=pl.col("production_cv2") / pl.col("consumer_cv2"),
    )
    out = out.with_columns(
        worst_stage=pl.when(
            pl.col("sell_in_amplification").fill_null(0) >= pl.col("production_amplification").fill_null(0)
        )
        .then(pl.lit("sell_in"))
        .otherwise(pl.lit("production"))
    ).sort("total_amplification", descending=True, nulls_last=True)
    # materials: purchases (by order week) against consumption (by production week)
    pur = wh.table("purchase_orders")
    mc = wh.table("material_consumption")
    pj = mc.join(wh.table("production_orders"), mc.order_id == wh.table("production_orders").order_id)
    cons = run(
        wh, _weekly(pj, "material_id", pj.actual_start.fill_null(pj.planned_start), pj.qty, start, end)
    )
    buys = run(wh, _weekly(pur, "material_id", pur.order_date, pur.qty, start, end))
    mat = (
        _cv2(cons, week_list, "consumption")
        .join(_cv2(buys, week_list, "purchases"), on="key", how="full", coalesce=True)
        .rename({"key": "material_id"})
        .with_columns(purchase_amplification=pl.col("purchases_cv2") / pl.col("consumption_cv2"))
        .sort("purchase_amplification", descending=True, nulls_last=True)
    )
    return Bullwhip(start, end, out, mat)


@dataclass(frozen=True)
class Flow:
    """One SKU's pipeline: ``stages`` (stock, daily flow, days of cover) and its ``materials``."""

    sku: str
    as_of: dt.date
    stages: pl.DataFrame
    materials: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "sku": self.sku,
            "as_of": self.as_of,
            "stages": self.stages.to_dicts(),
            "materials": self.materials.to_dicts(),
        }


def flow(
    wh: Warehouse,
    sku: str,
    as_of: dt.date | str | None = None,
    weeks: int = 8,
    policy: AnalysisPolicy | None = None,
) -> Flow:
    """The pipeline of one SKU from materials to consumers in days of cover at each stage.

    Daily flows are averages over the last ``weeks`` weeks: material consumption, production output,
    sell-in shipped from distribution centres, and consumer demand (store sell-out plus paid online
    orders). Channel stock comes from the sell-through analysis.

    >>> flow(wh, "SN013").stages.select("stage", "stock_qty", "days_of_cover")  # doctest: +SKIP
    """
    p = wh.table("products")
    if run(wh, p.filter(p.sku == sku).select("sku")).is_empty():
        raise UserInputError(f"未知 SKU “{sku}”", f"unknown SKU '{sku}'", sku=sku)
    si = wh.table("sell_in")
    day = to_date(as_of) or wh.to_pyarrow(si.date.max()).as_py()
    since = day - dt.timedelta(days=7 * weeks)
    days = 7 * weeks
    inv = wh.table("inventory")
    inv = inv.filter(inv.snapshot_date <= day)
    last = inv.group_by("site_id").aggregate(_d=inv.snapshot_date.max())
    now = inv.join(last, [inv.site_id == last.site_id, inv.snapshot_date == last._d]).select(inv)
    sites = wh.table("sites")
    stock = now.filter(now.item_id == sku).join(sites, now.site_id == sites.site_id)
    by_type = run(wh, stock.group_by(site_type=sites.type).aggregate(stock_qty=stock.qty.sum()))
    stock_of = dict(zip(by_type["site_type"], by_type["stock_qty"], strict=True))
    po = wh.table("production_orders")
    made = po.filter(po.sku == sku, po.status == "completed", po.actual_end > since, po.actual_end <= day)
    produced = wh.to_pyarrow(made.actual_qty.sum()).as_py() or 0.0
    ship = si.join(sites, si.site_id == sites.site_id)
    ship = ship.filter(ship.sku == sku, ship.date > since, ship.date <= day, ship.qty > 0)
    shipped = run(wh, ship.group_by(site_type=ship.type).aggregate(qty=ship.qty.sum()))
    shipped_of = dict(zip(shipped["site_type"], shipped["qty"], strict=True))
    so = wh.table("sell_out")
    so = so.filter(so.sku == sku, so.date > since, so.date <= day)
    oo = wh.table("online_orders")
    oo = oo.filter(
        oo.sku == sku, oo.status == "paid", oo.order_time.date() > since, oo.order_time.date() <= day
    )
    consumer = (wh.to_pyarrow(so.qty.sum()).as_py() or 0.0) + (wh.to_pyarrow(oo.qty.sum()).as_py() or 0.0)
    try:
        st = sell_through(wh, as_of=day, policy=policy or load_policy()).pairs.filter(pl.col("sku") == sku)
    except UserInputError:  # no store sell-out reported: no channel stock to show
        st = pl.DataFrame()
    channel_stock = float(st["channel_stock"].sum()) if st.height else 0.0
    channel_out = float(st["weekly_sell_out"].sum()) / 7 if st.height else 0.0
    rows = [
        ("plant", stock_of.get("plant", 0.0), produced / days),
        ("dc", stock_of.get("dc", 0.0), shipped_of.get("dc", 0.0) / days),
        ("channel", channel_stock, channel_out),
        ("consumer", None, consumer / days),
    ]
    stages = pl.DataFrame(
        rows, schema={"stage": pl.String, "stock_qty": pl.Float64, "daily_flow": pl.Float64}, orient="row"
    ).with_columns(
        days_of_cover=pl.when(pl.col("daily_flow") > 0)
        .then(pl.col("stock_qty") / pl.col("daily_flow"))
        .otherwise(None)
    )
    req = wh.to_polars(leaf_requirements(wh)).filter(pl.col("sku") == sku)
    cov = material_coverage(wh, day, weeks)
    mats = (
        req.join(cov, on="material_id", how="left")
        .with_columns(units_covered=pl.col("stock_qty") / pl.col("per"))
        .sort("coverage_days", nulls_last=True)
    )
    return Flow(sku, day, stages, mats.rename({"per": "qty_per_unit"}))
