"""Demand history from the warehouse, aggregated in the database (Ibis) to bucket × level keys.

Demand is what customers took: sell-in lines (offline: distributors, KA, discount) plus paid
online order lines (platform flagship stores). Region is the province: a customer's city rolls
up to its province; an online order's ship-to province name is matched to ``regions``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from chainsight._errors import UserInputError
from chainsight.warehouse import Warehouse

__all__ = ["LEVEL_KEYS", "demand_history", "parse_level"]

# Level names accepted on the command line → columns of the demand history.
LEVEL_KEYS: dict[str, str] = {"sku": "sku", "channel": "channel_id", "region": "region_id"}


def parse_level(level: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"sku,channel"`` → ``["sku", "channel_id"]`` (always starting with sku, in canonical order)."""
    names = [x.strip() for x in (level.split(",") if isinstance(level, str) else level) if x.strip()]
    unknown = [n for n in names if n not in LEVEL_KEYS and n not in LEVEL_KEYS.values()]
    if unknown or not names:
        raise UserInputError(
            f"未知的预测层级:{', '.join(unknown) or '(空)'};可用:sku, channel, region",
            f"unknown forecast level: {', '.join(unknown) or '(empty)'}; use sku, channel, region",
        )
    cols = {LEVEL_KEYS.get(n, n) for n in names}
    return [c for c in ("sku", "channel_id", "region_id") if c in cols]


def _truncate(col: ibis.Value, bucket: str) -> ibis.Value:
    if bucket not in ("week", "month"):
        raise UserInputError(
            f"未知的时间粒度:{bucket};可用:week, month", f"unknown bucket: {bucket}; use week or month"
        )
    return col.truncate("W" if bucket == "week" else "M")


def demand_history(
    wh: Warehouse,
    keys: list[str],
    bucket: str = "week",
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Quantity per bucket start (``period``) and ``keys``, using only days up to ``as_of`` (inclusive).

    Buckets are complete: a bucket is kept only when ``as_of`` is on or after its last day, so a
    partial last week never looks like a drop in demand. Missing bucket × key combinations are
    not filled here (see :func:`chainsight.planning.complete_panel`).
    """
    sell_in = wh.table("sell_in")
    customers = wh.table("customers")
    regions = wh.table("regions")
    cities = regions.filter(regions.level == "city").select(city_id="region_id", province_id="parent_id")
    provinces = regions.filter(regions.level == "province").select(prov_name="name", prov_id="region_id")

    si = sell_in.join(customers, sell_in.customer_id == customers.customer_id, how="left")
    si = si.left_join(cities, si.region_id == cities.city_id)
    offline = si.select(
        day=si.date,
        sku=si.sku,
        channel_id=si.channel_id.fill_null("unknown"),
        region_id=ibis.coalesce(si.province_id, si.region_id, ibis.literal("unknown")),
        qty=si.qty,
    )
    oo = wh.table("online_orders")
    oo = oo.filter(oo.status != "refunded")
    oo = oo.left_join(provinces, oo.province == provinces.prov_name)
    online = oo.select(
        day=oo.order_time.date(),
        sku=oo.sku,
        channel_id=oo.channel_id,
        region_id=oo.prov_id.fill_null("unknown"),
        qty=oo.qty,
    )
    demand = offline.union(online)
    if as_of is not None:
        demand = demand.filter(demand.day <= as_of)
    demand = demand.mutate(period=_truncate(demand.day, bucket).cast("date"))
    out = (
        demand.group_by(["period", *keys]).aggregate(y=demand.qty.sum(), last_day=demand.day.max()).execute()
    )
    out["period"] = pd.to_datetime(out["period"])
    if out.empty:
        return out.drop(columns="last_day")
    first = pd.to_datetime(demand.day.min().execute())
    end = pd.Timestamp(as_of) if as_of is not None else pd.to_datetime(out["last_day"]).max()
    span = pd.Timedelta(days=6) if bucket == "week" else None
    period_end = out["period"] + span if span is not None else out["period"] + pd.offsets.MonthEnd(0)
    # Only complete buckets: the first one may start before history does, the last may end after as_of.
    out = out[(period_end <= end) & (out["period"] >= first)].drop(columns="last_day")
    return out.sort_values(["period", *keys]).reset_index(drop=True)
