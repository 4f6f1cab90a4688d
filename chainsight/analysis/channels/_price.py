"""Price conflicts: online effective selling prices below the offline floor price."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import polars as pl

from chainsight.analysis.channels._data import channel_kinds, distributor_channels, online_lines, run
from chainsight.analysis.channels._text import Finding
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

__all__ = ["PriceConflicts", "online_discount_weeks", "price_conflicts"]


@dataclass(frozen=True, slots=True)
class PriceConflicts:
    """Result of :func:`price_conflicts`.

    ``weeks``: one row per ``channel_id × shop × sku × week`` priced below the floor, with ``qty``,
    ``paid_amount``, ``effective_price`` (paid ÷ qty), ``floor_price`` and ``distributor_price`` (qty-weighted
    over the week's lines), ``below_floor_pct``, ``margin_leakage`` (floor value − paid) and
    ``gap_to_distributor`` (distributor-price value − paid, floored at 0).
    ``summary``: the same per ``channel_id × shop × sku`` with the weeks counted and summed.
    """

    weeks: pl.DataFrame
    summary: pl.DataFrame
    shops_checked: int
    tolerance: float
    findings: list[Finding] = field(default_factory=list)


def _price_table(prices: ir.Table, channels: list[str], value: str) -> ir.Table:
    p = prices.filter(prices.channel_id.isin(channels), prices[value].notnull())
    return p.group_by(["sku", "valid_from", "valid_to"]).aggregate(v=p[value].max())


def _join_valid(lines: ir.Table, table: ir.Table, name: str) -> ir.Table:
    t = table.rename(
        **{f"{name}_sku": "sku", f"{name}_from": "valid_from", f"{name}_to": "valid_to", name: "v"}
    )
    cond = [
        lines.sku == t[f"{name}_sku"],
        lines.day >= t[f"{name}_from"],
        t[f"{name}_to"].isnull() | (lines.day <= t[f"{name}_to"]),
    ]
    j = lines.left_join(t, cond)
    return j.drop(f"{name}_sku", f"{name}_from", f"{name}_to")


def price_conflicts(
    wh: Warehouse,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    tolerance: float = 0.005,
    scope: Scope | None = None,
) -> PriceConflicts:
    """Online shop × SKU × week whose effective price (paid ÷ qty, paid lines) is below the offline floor.

    The floor of a line is the highest ``floor_price`` of the offline channels' price rows valid on the order
    day; the distributor price is the highest ``price`` of the channels whose customers are distributors. A
    week is a violation when ``effective_price < floor × (1 − tolerance)`` (the tolerance absorbs cent
    rounding of paid amounts). Margin leakage is what the shop would have collected at the floor minus what
    it collected: ``Σ qty × floor − Σ paid``. ``scope`` keeps the order lines a user may see (ship-to
    province, channel, platform, SKU); ``None`` sees everything.

    >>> pc = price_conflicts(wh)  # doctest: +SKIP
    >>> pc.summary.select("channel_id", "shop", "sku", "weeks", "margin_leakage")  # doctest: +SKIP
    """
    kinds = channel_kinds(wh)
    offline = kinds.filter(pl.col("kind") == "offline")["channel_id"].to_list()
    dist = distributor_channels(wh) or offline
    prices = wh.table("prices")
    lines = online_lines(wh, scope)
    if start is not None:
        lines = lines.filter(lines.day >= start)
    if end is not None:
        lines = lines.filter(lines.day <= end)
    lines = lines.select("channel_id", "shop", "sku", "day", "week", "qty", "paid_amount")
    lines = _join_valid(lines, _price_table(prices, offline or ["__none__"], "floor_price"), "floor")
    lines = _join_valid(lines, _price_table(prices, dist or ["__none__"], "price"), "dist")
    agg = lines.group_by(["channel_id", "shop", "sku", "week"]).aggregate(
        qty=lines.qty.sum(),
        paid_amount=lines.paid_amount.sum(),
        floor_value=(lines.qty * lines.floor).sum(),
        floor_qty=ibis.cases((lines.floor.notnull(), lines.qty), else_=0).sum(),
        dist_value=(lines.qty * lines.dist).sum(),
        dist_qty=ibis.cases((lines.dist.notnull(), lines.qty), else_=0).sum(),
    )
    weekly = run(wh, agg)
    shops = weekly.select("channel_id", "shop").unique().height
    w = (
        weekly.filter(pl.col("floor_qty") == pl.col("qty"), pl.col("qty") > 0)
        .with_columns(
            effective_price=pl.col("paid_amount") / pl.col("qty"),
            floor_price=pl.col("floor_value") / pl.col("qty"),
            distributor_price=pl.when(pl.col("dist_qty") == pl.col("qty"))
            .then(pl.col("dist_value") / pl.col("qty"))
            .otherwise(None),
        )
        .filter(pl.col("effective_price") < pl.col("floor_price") * (1.0 - tolerance))
        .with_columns(
            below_floor_pct=1.0 - pl.col("effective_price") / pl.col("floor_price"),
            margin_leakage=pl.col("floor_value") - pl.col("paid_amount"),
            gap_to_distributor=pl.max_horizontal(pl.col("dist_value") - pl.col("paid_amount"), pl.lit(0.0)),
        )
        .select(
            "channel_id",
            "shop",
            "sku",
            "week",
            "qty",
            "paid_amount",
            "effective_price",
            "floor_price",
            "distributor_price",
            "below_floor_pct",
            "margin_leakage",
            "gap_to_distributor",
        )
        .sort("channel_id", "shop", "sku", "week")
    )
    summary = (
        w.group_by("channel_id", "shop", "sku")
        .agg(
            weeks=pl.len(),
            first_week=pl.col("week").min(),
            last_week=pl.col("week").max(),
            qty=pl.col("qty").sum(),
            paid_amount=pl.col("paid_amount").sum(),
            floor_value=(pl.col("floor_price") * pl.col("qty")).sum(),
            margin_leakage=pl.col("margin_leakage").sum(),
            gap_to_distributor=pl.col("gap_to_distributor").sum(),
        )
        .with_columns(
            effective_price=pl.col("paid_amount") / pl.col("qty"),
            floor_price=pl.col("floor_value") / pl.col("qty"),
        )
        .with_columns(below_floor_pct=1.0 - pl.col("effective_price") / pl.col("floor_price"))
        .drop("floor_value")
        .sort("margin_leakage", descending=True)
    )
    return PriceConflicts(w, summary, shops, tolerance, _findings(summary))


def online_discount_weeks(
    wh: Warehouse, *, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """``sku, week, qty, depth``: how far below its own channel's list ``price`` a SKU sold online in a week,
    ``depth = 1 − Σ paid ÷ Σ qty × list price`` over paid lines that have a list price that day (all online
    channels and shops together). It reveals online price cuts even when the promotions table is incomplete.
    """
    prices = wh.table("prices")
    lines = online_lines(wh)
    if start is not None:
        lines = lines.filter(lines.day >= start)
    if end is not None:
        lines = lines.filter(lines.day <= end)
    lines = lines.select("channel_id", "sku", "day", "week", "qty", "paid_amount")
    p = prices.filter(prices.price.notnull()).select(
        l_ch="channel_id", l_sku="sku", l_from="valid_from", l_to="valid_to", list_price="price"
    )
    cond = [
        lines.channel_id == p.l_ch,
        lines.sku == p.l_sku,
        lines.day >= p.l_from,
        p.l_to.isnull() | (lines.day <= p.l_to),
    ]
    j = lines.inner_join(p, cond)
    agg = j.group_by(["sku", "week"]).aggregate(
        qty=j.qty.sum(), paid=j.paid_amount.sum(), list_value=(j.qty * j.list_price).sum()
    )
    df = run(wh, agg)
    return df.filter(pl.col("list_value") > 0).select(
        "sku", "week", "qty", depth=1.0 - pl.col("paid") / pl.col("list_value")
    )


def _findings(summary: pl.DataFrame) -> list[Finding]:
    out: list[Finding] = []
    for r in summary.head(5).iter_rows(named=True):
        pct = r["below_floor_pct"] * 100
        out.append(
            Finding(
                kind="price_conflict",
                severity="high" if r["weeks"] >= 3 or pct >= 10 else "medium",
                zh=f"{r['channel_id']} 店铺“{r['shop']}”的 {r['sku']} 在 {r['weeks']} 周内以均价 "
                f"{r['effective_price']:.2f} 元售出 {r['qty']:,.0f} 件,低于线下限价 {r['floor_price']:.2f} 元 "
                f"{pct:.1f}%,按限价计少收 {r['margin_leakage']:,.0f} 元。",
                en=f"{r['channel_id']} shop '{r['shop']}' sold {r['qty']:,.0f} units of {r['sku']} in "
                f"{r['weeks']} week(s) at an average {r['effective_price']:.2f} CNY, {pct:.1f}% below the "
                f"offline floor of {r['floor_price']:.2f}; {r['margin_leakage']:,.0f} CNY below the floor value.",
                numbers={
                    "weeks": r["weeks"],
                    "qty": r["qty"],
                    "effective_price": r["effective_price"],
                    "floor_price": r["floor_price"],
                    "margin_leakage": r["margin_leakage"],
                },
            )
        )
    return out
