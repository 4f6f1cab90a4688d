"""Sell-in versus sell-out: channel stock, weeks of cover, and stuffing (sell-in persistently ahead of
sell-out) with the money at risk.

Per customer × SKU over the last ``months`` months (customers whose stores report sell-out):

* channel stock — measured from the customer's distributor-warehouse snapshot where it has one,
  otherwise estimated as opening stock (the snapshot before the window, or 0) + sell-in − sell-out;
* weeks of cover — channel stock ÷ average weekly sell-out of the last ``cover_weeks_window`` weeks;
* stuffing — at least ``stuffing_min_months`` consecutive months with sell-in ≥ ``stuffing_ratio`` ×
  sell-out, whose excess (sell-in − sell-out over the run) is more than ``stuffing_min_excess_weeks``
  weeks of average sell-out;
* at risk — channel stock above ``target_cover_weeks`` weeks of cover, valued at the customer's
  average net sell-in price (list price when it bought nothing in the window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import polars as pl

from chainsight._errors import UserInputError
from chainsight.analysis._common import run, to_date
from chainsight.analysis._policy import AnalysisPolicy, load_policy
from chainsight.warehouse import Warehouse

PAIR = ["customer_id", "sku"]


@dataclass(frozen=True)
class SellThrough:
    """``pairs`` per customer × SKU, ``customers`` per customer, ``monthly`` the series behind them."""

    as_of: dt.date
    start: dt.date
    pairs: pl.DataFrame
    customers: pl.DataFrame
    monthly: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "as_of": self.as_of,
            "start": self.start,
            "customers": self.customers.to_dicts(),
            "pairs": self.pairs.to_dicts(),
            "monthly": self.monthly.to_dicts(),
        }


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    m = d.year * 12 + d.month - 1 - back
    return dt.date(m // 12, m % 12 + 1, 1)


def _as_of(wh: Warehouse, as_of: dt.date | str | None) -> dt.date:
    day = to_date(as_of)
    if day is not None:
        return day
    si, so = wh.table("sell_in"), wh.table("sell_out")
    values = [wh.to_pyarrow(t.date.max()).as_py() for t in (si, so)]
    values = [v for v in values if v is not None]
    if not values:
        raise UserInputError(
            "仓库中没有销售出库(sell_in)或终端动销(sell_out)数据;请先加载",
            "the warehouse has no sell-in or sell-out rows; load them first",
        )
    return max(values)


def _streaks(monthly: pl.DataFrame, ratio: float) -> pl.DataFrame:
    """Per customer × SKU: the longest run of consecutive months with sell-in ≥ ratio × sell-out."""
    m = monthly.sort(*PAIR, "month").with_columns(
        ahead=(pl.col("sell_in_qty") > 0) & (pl.col("sell_in_qty") >= ratio * pl.col("sell_out_qty"))
    )
    m = m.with_columns(run_id=(~pl.col("ahead")).cast(pl.Int64).cum_sum().over(PAIR))
    runs = (
        m.filter(pl.col("ahead"))
        .group_by(*PAIR, "run_id")
        .agg(
            run_months=pl.len(),
            run_start=pl.col("month").min(),
            run_end=pl.col("month").max(),
            run_excess_qty=(pl.col("sell_in_qty") - pl.col("sell_out_qty")).sum(),
            run_ratio=pl.col("sell_in_qty").sum() / pl.col("sell_out_qty").sum(),
        )
        # Ties (equally long runs with equal excess) go to the latest run, whatever order the engine returned rows in.
        .sort(*PAIR, "run_months", "run_excess_qty", "run_start", descending=[False, False, True, True, True])
    )
    return runs.group_by(PAIR, maintain_order=True).first().drop("run_id")


def sell_through(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    months: int | None = None,
    policy: AnalysisPolicy | None = None,
) -> SellThrough:
    """Sell-in against sell-out per customer × SKU and per customer, with stuffing flags and money at risk.

    >>> st = sell_through(wh)  # doctest: +SKIP
    >>> st.customers.filter(pl.col("stuffing")).select("customer_id", "at_risk_value")  # doctest: +SKIP
    """
    pol = (policy or load_policy()).sell_through
    n_months = months or pol.months
    day = _as_of(wh, as_of)
    start = _month_start(day, n_months - 1)
    si = wh.table("sell_in")
    si = si.filter(si.date >= start, si.date <= day)
    so = wh.table("sell_out")
    stores = wh.table("stores")
    so = so.filter(so.date >= start, so.date <= day)
    so = so.join(stores, so.store_id == stores.store_id).select(
        customer_id=stores.customer_id, sku=so.sku, date=so.date, qty=so.qty
    )
    reporting = so.select("customer_id").distinct()
    si = si.semi_join(reporting, si.customer_id == reporting.customer_id)
    month_in = si.group_by(customer_id=si.customer_id, sku=si.sku, month=si.date.truncate("M")).aggregate(
        sell_in_qty=si.qty.sum(), sell_in_net=si.net_amount.sum()
    )
    month_out = so.group_by(customer_id=so.customer_id, sku=so.sku, month=so.date.truncate("M")).aggregate(
        sell_out_qty=so.qty.sum()
    )
    monthly = run(
        wh,
        month_in.outer_join(
            month_out,
            [
                month_in.customer_id == month_out.customer_id,
                month_in.sku == month_out.sku,
                month_in.month == month_out.month,
            ],
        ).select(
            customer_id=ibis.coalesce(month_in.customer_id, month_out.customer_id),
            sku=ibis.coalesce(month_in.sku, month_out.sku),
            month=ibis.coalesce(month_in.month, month_out.month).cast("date"),
            sell_in_qty=month_in.sell_in_qty.fill_null(0.0),
            sell_out_qty=month_out.sell_out_qty.fill_null(0.0),
            sell_in_net=month_in.sell_in_net.fill_null(0.0),
        ),
    )
    if monthly.is_empty():
        raise UserInputError(
            f"{start} 至 {day} 没有门店上报的终端动销,无法对比进销",
            f"no store sell-out reported between {start} and {day}; nothing to compare sell-in with",
        )
    # a complete customer × SKU × month grid, so missing months count as zero
    months_list = pl.date_range(start, _month_start(day), interval="1mo", eager=True).alias("month")
    grid = monthly.select(PAIR).unique().join(months_list.to_frame(), how="cross")
    monthly = (
        grid.join(monthly, on=[*PAIR, "month"], how="left")
        .with_columns(pl.col("sell_in_qty", "sell_out_qty", "sell_in_net").fill_null(0.0))
        .with_columns(
            ratio=pl.when(pl.col("sell_out_qty") > 0)
            .then(pl.col("sell_in_qty") / pl.col("sell_out_qty"))
            .otherwise(None)
        )
        .sort(*PAIR, "month")
    )
    # weekly sell-out for weeks of cover
    recent = so.filter(so.date > day - dt.timedelta(days=7 * pol.cover_weeks_window))
    weekly = run(
        wh,
        recent.group_by("customer_id", "sku").aggregate(
            weekly_sell_out=recent.qty.sum() / pol.cover_weeks_window
        ),
    )
    # measured channel stock: the customer's distributor-warehouse snapshots (latest, and opening)
    inv, sites = wh.table("inventory"), wh.table("sites")
    dw = sites.filter(sites.type == "distributor_wh", sites.customer_id.notnull())
    stock = inv.join(dw, inv.site_id == dw.site_id).select(
        customer_id=dw.customer_id, sku=inv.item_id, snapshot_date=inv.snapshot_date, qty=inv.qty
    )
    latest = stock.filter(stock.snapshot_date <= day)
    last_day = latest.group_by("customer_id").aggregate(_d=latest.snapshot_date.max())
    now = latest.join(
        last_day, [latest.customer_id == last_day.customer_id, latest.snapshot_date == last_day._d]
    )
    measured = run(
        wh,
        now.group_by(customer_id=latest.customer_id, sku=latest.sku).aggregate(
            measured_stock=latest.qty.sum()
        ),
    )
    has_dw = run(wh, dw.select("customer_id").distinct())["customer_id"].to_list()
    before = stock.filter(stock.snapshot_date < start)
    open_day = before.group_by("customer_id").aggregate(_d=before.snapshot_date.max())
    op = before.join(
        open_day, [before.customer_id == open_day.customer_id, before.snapshot_date == open_day._d]
    )
    opening = run(
        wh,
        op.group_by(customer_id=before.customer_id, sku=before.sku).aggregate(opening_stock=before.qty.sum()),
    )
    prices = run(wh, wh.table("products").select("sku", "list_price"))
    weeks_in_window = ((day - start).days + 1) / 7

    streak = _streaks(monthly, pol.stuffing_ratio)
    pairs = (
        monthly.group_by(PAIR)
        .agg(
            sell_in_qty=pl.col("sell_in_qty").sum(),
            sell_out_qty=pl.col("sell_out_qty").sum(),
            sell_in_net=pl.col("sell_in_net").sum(),
        )
        .join(weekly, on=PAIR, how="left")
        .join(opening, on=PAIR, how="left")
        .join(measured, on=PAIR, how="left")
        .join(streak, on=PAIR, how="left")
        .join(prices, on="sku", how="left")
        .with_columns(
            pl.col("weekly_sell_out").fill_null(0.0),
            has_dw=pl.col("customer_id").is_in(has_dw),
            ratio=pl.when(pl.col("sell_out_qty") > 0)
            .then(pl.col("sell_in_qty") / pl.col("sell_out_qty"))
            .otherwise(None),
            estimated_stock=pl.col("opening_stock").fill_null(0.0)
            + pl.col("sell_in_qty")
            - pl.col("sell_out_qty"),
            price=pl.when(pl.col("sell_in_qty") > 0)
            .then(pl.col("sell_in_net") / pl.col("sell_in_qty"))
            .otherwise(pl.col("list_price")),
            run_months=pl.col("run_months").fill_null(0),
        )
        .with_columns(
            measured_stock=pl.when(pl.col("has_dw"))
            .then(pl.col("measured_stock").fill_null(0.0))
            .otherwise(None),
        )
        .with_columns(
            channel_stock=pl.coalesce("measured_stock", pl.col("estimated_stock").clip(lower_bound=0.0)),
            stock_basis=pl.when(pl.col("has_dw")).then(pl.lit("snapshot")).otherwise(pl.lit("flows")),
        )
        .with_columns(
            weeks_of_cover=pl.when(pl.col("weekly_sell_out") > 0)
            .then(pl.col("channel_stock") / pl.col("weekly_sell_out"))
            .otherwise(None),
            stuffing=(pl.col("run_months") >= pol.stuffing_min_months)
            & (
                pl.col("run_excess_qty").fill_null(0.0)
                > pol.stuffing_min_excess_weeks * pl.col("sell_out_qty") / weeks_in_window
            ),
            at_risk_qty=(pl.col("channel_stock") - pol.target_cover_weeks * pl.col("weekly_sell_out")).clip(
                lower_bound=0.0
            ),
        )
        .with_columns(at_risk_value=pl.col("at_risk_qty") * pl.col("price").fill_null(0.0))
        .drop("list_price", "has_dw")
        .sort(["stuffing", "at_risk_value"], descending=[True, True])
    )
    cu = run(wh, wh.table("customers").select("customer_id", "name", "type", "channel_id"))
    customers = (
        pairs.group_by("customer_id")
        .agg(
            sell_in_qty=pl.col("sell_in_qty").sum(),
            sell_out_qty=pl.col("sell_out_qty").sum(),
            channel_stock=pl.col("channel_stock").sum(),
            weekly_sell_out=pl.col("weekly_sell_out").sum(),
            stuffed_skus=pl.col("sku").filter(pl.col("stuffing")).sort(),
            stuffing_excess_qty=pl.col("run_excess_qty").filter(pl.col("stuffing")).sum(),
            at_risk_value=pl.col("at_risk_value").sum(),
            stuffing_at_risk_value=pl.col("at_risk_value").filter(pl.col("stuffing")).sum(),
        )
        .join(cu, on="customer_id", how="left")
        .with_columns(
            ratio=pl.when(pl.col("sell_out_qty") > 0)
            .then(pl.col("sell_in_qty") / pl.col("sell_out_qty"))
            .otherwise(None),
            weeks_of_cover=pl.when(pl.col("weekly_sell_out") > 0)
            .then(pl.col("channel_stock") / pl.col("weekly_sell_out"))
            .otherwise(None),
            stuffing=pl.col("stuffed_skus").list.len() > 0,
        )
        .select(
            "customer_id",
            "name",
            "type",
            "channel_id",
            "sell_in_qty",
            "sell_out_qty",
            "ratio",
            "channel_stock",
            "weekly_sell_out",
            "weeks_of_cover",
            "stuffing",
            "stuffed_skus",
            "stuffing_excess_qty",
            "stuffing_at_risk_value",
            "at_risk_value",
        )
        .sort(["stuffing", "stuffing_at_risk_value", "at_risk_value"], descending=[True, True, True])
    )
    return SellThrough(day, start, pairs, customers, monthly)
