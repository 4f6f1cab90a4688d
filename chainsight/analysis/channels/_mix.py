"""Channel mix over time and growth decomposed by channel, region and SKU (through the metrics layer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from chainsight.analysis.channels._text import Finding
from chainsight.metrics import Scope, query
from chainsight.warehouse import Warehouse

__all__ = ["ChannelMix", "channel_mix"]


@dataclass(frozen=True, slots=True)
class ChannelMix:
    """Result of :func:`channel_mix`.

    ``mix``: ``period, channel, channel_kind, net_sales, share`` (share of the period's net sales).
    ``growth``: ``dimension, member, current, prior, change, contribution`` (change ÷ total prior net sales;
    the contributions of one dimension add up to the total growth rate) for channel, province and SKU.
    """

    mix: pl.DataFrame
    growth: pl.DataFrame
    current: tuple[dt.date, dt.date]
    prior: tuple[dt.date, dt.date]
    total_growth: float | None
    findings: list[Finding] = field(default_factory=list)


def _shift_year(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def channel_mix(
    wh: Warehouse,
    *,
    grain: str = "month",
    end: dt.date | None = None,
    months: int = 12,
    scope: Scope | None = None,
) -> ChannelMix:
    """Net sales per channel and period with shares, and the last ``months`` months against the same months a
    year earlier, decomposed into each channel's, province's and SKU's contribution to growth.

    >>> m = channel_mix(wh)  # doctest: +SKIP
    >>> m.growth.filter(pl.col("dimension") == "channel")  # doctest: +SKIP
    """
    scope = scope or Scope.all()
    mix = query(wh, ["net_sales"], by=["channel_kind", "channel"], grain=grain, scope=scope)
    if mix.is_empty():
        return ChannelMix(mix, pl.DataFrame(), (dt.date.min, dt.date.min), (dt.date.min, dt.date.min), None)
    mix = mix.with_columns(share=pl.col("net_sales") / pl.col("net_sales").sum().over("period")).sort(
        "period", "channel"
    )
    last = end or _last_day(wh)
    cur_start = _shift_year(last, -1) + dt.timedelta(days=1) if months == 12 else _months_back(last, months)
    cur = (cur_start, last)
    pri = (_shift_year(cur_start, -1), _shift_year(last, -1))
    parts = []
    for dim in ("channel_kind", "channel", "province", "sku"):
        a = _by(wh, dim, cur, scope).rename({"net_sales": "current"})
        b = _by(wh, dim, pri, scope).rename({"net_sales": "prior"})
        j = a.join(b, on="member", how="full", coalesce=True).with_columns(
            pl.col("current", "prior").fill_null(0.0)
        )
        parts.append(j.with_columns(dimension=pl.lit(dim)))
    g = pl.concat(parts, how="diagonal_relaxed")
    totals = g.filter(pl.col("dimension") == "channel_kind").select(
        pl.col("current").sum(), pl.col("prior").sum()
    )
    tot_prior = float(totals["prior"][0])
    tot_growth = (float(totals["current"][0]) / tot_prior - 1.0) if tot_prior > 0 else None
    g = (
        g.with_columns(change=pl.col("current") - pl.col("prior"))
        .with_columns(
            contribution=pl.col("change") / tot_prior if tot_prior > 0 else pl.lit(None, pl.Float64)
        )
        .select("dimension", "member", "current", "prior", "change", "contribution")
        .sort("dimension", "change", descending=[False, True])
    )
    return ChannelMix(mix, g, cur, pri, tot_growth, _findings(mix, g, tot_growth))


def _months_back(last: dt.date, months: int) -> dt.date:
    y, m = last.year, last.month - months + 1
    while m <= 0:
        m += 12
        y -= 1
    return dt.date(y, m, 1)


def _last_day(wh: Warehouse) -> dt.date:
    o = wh.table("online_orders")
    si = wh.table("sell_in")
    a = wh.to_pyarrow(o.order_time.max()).as_py()
    b = wh.to_pyarrow(si.date.max()).as_py()
    vals = [v.date() if isinstance(v, dt.datetime) else v for v in (a, b) if v is not None]
    return max(vals) if vals else dt.date.today()


def _by(wh: Warehouse, dim: str, period: tuple[dt.date, dt.date], scope: Scope) -> pl.DataFrame:
    t = query(wh, ["net_sales"], by=[dim], start=period[0], end=period[1], scope=scope)
    return t.rename({dim: "member"}).select(pl.col("member").cast(pl.String), "net_sales")


def _findings(mix: pl.DataFrame, g: pl.DataFrame, total: float | None) -> list[Finding]:
    out: list[Finding] = []
    kinds = g.filter(pl.col("dimension") == "channel_kind")
    on = kinds.filter(pl.col("member") == "online")
    if total is not None and on.height:
        r = on.row(0, named=True)
        cur_share = r["current"] / max(kinds["current"].sum(), 1e-9)
        pri_share = r["prior"] / max(kinds["prior"].sum(), 1e-9)
        out.append(
            Finding(
                kind="mix",
                severity="info",
                zh=f"近 12 个月净销售额同比 {total * 100:+.1f}%,其中线上贡献 {r['contribution'] * 100:+.1f} 个百分点;"
                f"线上占比从 {pri_share * 100:.1f}% 变为 {cur_share * 100:.1f}%。",
                en=f"Net sales of the last 12 months are {total * 100:+.1f}% on a year earlier, of which online "
                f"contributes {r['contribution'] * 100:+.1f} points; the online share moved from "
                f"{pri_share * 100:.1f}% to {cur_share * 100:.1f}%.",
                numbers={
                    "growth": total,
                    "online_contribution": r["contribution"],
                    "online_share": cur_share,
                },
            )
        )
    return out
