"""Ibis aggregations shared by the channel analyses: weekly online and offline volume per province × SKU.

Everything here runs in the warehouse engine; only small aggregated frames come back to Python.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import polars as pl

from chainsight.analysis.channels._scope import restrict_table
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

__all__ = [
    "OFFLINE_SCOPE",
    "ONLINE_SCOPE",
    "channel_kinds",
    "distributor_channels",
    "offline_lines",
    "offline_weekly",
    "online_lines",
    "online_weekly",
    "province_names",
    "run",
    "store_provinces",
]


def run(wh: Warehouse, expr: ir.Table) -> pl.DataFrame:
    """Execute ``expr`` on the warehouse engine and return a Polars frame."""
    return wh.to_polars(expr)


def channel_kinds(wh: Warehouse) -> pl.DataFrame:
    """``channel_id, kind, platform`` of every channel."""
    ch = wh.table("channels")
    return run(wh, ch.select("channel_id", "kind", "platform"))


def distributor_channels(wh: Warehouse) -> list[str]:
    """Channels whose customers are distributors: their price list is 'the distributor price list'."""
    cu = wh.table("customers")
    ids = run(wh, cu.filter(cu.type == "distributor").select("channel_id").distinct())["channel_id"]
    return sorted(x for x in ids.to_list() if x is not None)


def province_names(wh: Warehouse) -> pl.DataFrame:
    """``region_id, province, province_en`` of every province."""
    r = wh.table("regions")
    return run(
        wh,
        r.filter(r.level == "province").select(
            "region_id", province=r.name, province_en=r.name_en.fill_null(r.name)
        ),
    )


def store_provinces(wh: Warehouse) -> ir.Table:
    """``store_id, province, city, customer_id, channel_id``: a store's region is a city or a province; its
    channel is its customer's."""
    st, r, cu = wh.table("stores"), wh.table("regions"), wh.table("customers")
    cities = r.filter(r.level == "city").select(city_id=r.region_id, parent=r.parent_id, city=r.name)
    provs = r.filter(r.level == "province").select(prov_id=r.region_id, province=r.name)
    j = st.left_join(cities, st.region_id == cities.city_id)
    j = j.mutate(prov_id=ibis.coalesce(j.parent, j.region_id))
    j = j.inner_join(provs, j.prov_id == provs.prov_id)
    j = j.left_join(
        cu.select(cust_id=cu.customer_id, channel_id=cu.channel_id), j.customer_id == cu.customer_id
    )
    return j.select("store_id", "province", "city", "customer_id", "channel_id")


ONLINE_SCOPE = {
    "province": "province",
    "city": "city",
    "channel": "channel_id",
    "channel_kind": "channel_kind",
    "platform": "platform",
    "sku": "sku",
}
"""Scope dimension → column of :func:`online_lines`."""

OFFLINE_SCOPE = {
    "province": "province",
    "city": "city",
    "channel": "channel_id",
    "channel_kind": "channel_kind",
    "customer": "customer_id",
    "store": "store_id",
    "sku": "sku",
}
"""Scope dimension → column of :func:`offline_lines`."""


def offline_lines(wh: Warehouse, scope: Scope | None = None) -> ir.Table:
    """Sell-out rows with the store's ``province, city, customer_id, channel_id``, ``channel_kind`` and ``week``,
    restricted to ``scope``."""
    so = wh.table("sell_out")
    j = so.inner_join(store_provinces(wh), "store_id")
    j = j.mutate(week=j.date.truncate("W").cast("date"), channel_kind=ibis.literal("offline"))
    return restrict_table(j, scope, OFFLINE_SCOPE)


def online_lines(wh: Warehouse, scope: Scope | None = None) -> ir.Table:
    """Paid online order lines with ``day``, ``week`` (Monday), ``platform`` and ``channel_kind`` columns,
    restricted to ``scope``."""
    o = wh.table("online_orders")
    ch = wh.table("channels")
    o = o.filter(o.status == "paid")
    o = o.left_join(ch.select(ch_id=ch.channel_id, platform=ch.platform), o.channel_id == ch.channel_id)
    o = o.mutate(
        day=o.order_time.cast("date"),
        week=o.order_time.truncate("W").cast("date"),
        channel_kind=ibis.literal("online"),
        platform=ibis.coalesce(o.platform, o.channel_id),
    ).drop("ch_id")
    return restrict_table(o, scope, ONLINE_SCOPE)


def _window(t: ir.Table, col: str, start: dt.date | None, end: dt.date | None) -> ir.Table:
    if start is not None:
        t = t.filter(t[col] >= start)
    if end is not None:
        t = t.filter(t[col] <= end)
    return t


def online_weekly(
    wh: Warehouse, start: dt.date | None = None, end: dt.date | None = None, scope: Scope | None = None
) -> pl.DataFrame:
    """Paid online units and amount per ``week × province × sku``."""
    o = _window(online_lines(wh, scope), "day", start, end)
    agg = o.group_by(["week", "province", "sku"]).aggregate(qty=o.qty.sum(), amount=o.paid_amount.sum())
    return run(wh, agg)


def offline_weekly(
    wh: Warehouse, start: dt.date | None = None, end: dt.date | None = None, scope: Scope | None = None
) -> pl.DataFrame:
    """Offline sell-out units and amount per ``week × province × sku`` (weeks start on Monday)."""
    j = _window(offline_lines(wh, scope), "date", start, end)
    agg = j.group_by(["week", "province", "sku"]).aggregate(qty=j.qty.sum(), amount=j.amount.sum())
    return run(wh, agg)
