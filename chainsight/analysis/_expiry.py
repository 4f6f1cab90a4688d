"""Shelf life: every lot's remaining life, band and near-expiry flag, who may still receive it, a FEFO
projection of what will go unsold, and what to do about it.

Conventions (see docs/analysis.md):

* remaining days = expiry date − as-of date; remaining shelf life % = remaining days ÷ the
  item's shelf-life days (manufacture-to-expiry days when the master data has none);
* near expiry: 0 ≤ remaining days ≤ the threshold of the item's shelf-life band (the metric
  catalog's table); expired: remaining days < 0;
* a customer may receive a lot when its remaining shelf life at delivery (``ship_days``
  later) is at least the customer's minimum — the customer's own value, else its channel's,
  else the default for its customer type, else for its channel kind (the data model's rule and
  defaults, :func:`chainsight.model.customer_min_life`; the plan applies the same);
* a lot serves demand up to and including its expiry date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from chainsight._errors import UserInputError
from chainsight.analysis._common import items, latest_snapshot, run, snapshot_rows, to_date
from chainsight.analysis._demand import finished_goods_demand, material_demand
from chainsight.analysis._fefo import KEYS, Demand, project_groups, project_lots
from chainsight.analysis._policy import AnalysisPolicy, ShelfLifePolicy, load_policy
from chainsight.metrics import NearExpiryBand, load_catalog
from chainsight.model import MinLifeDefaults, channel_min_life, customer_min_life
from chainsight.warehouse import Warehouse

LOT_KEY = ["site_id", "item_id", "lot_id", "status"]
OWN_SITE_TYPES = ("plant", "dc")
ACTIONS = ("transfer", "channel", "promote", "write_off")


# ------------------------------------------------------------------------------------ bands
def near_expiry_bands(bands: Iterable[NearExpiryBand] | None = None) -> tuple[NearExpiryBand, ...]:
    """The near-expiry band table, longest shelf life first, each band bounded by the next longer
    one (default: the metric catalog's table, the one of metrics, analyses and alerts).

    >>> [(b.code, b.days_before_expiry) for b in near_expiry_bands()][:2]
    [('365+', 45), ('180-364', 20)]
    """
    if bands is None:
        bands = load_catalog().bands
    rows = sorted(bands, key=lambda b: -b.min_shelf_life_days)
    uppers = [None, *(b.min_shelf_life_days for b in rows[:-1])]
    return tuple(dataclasses.replace(b, max_shelf_life_days=up) for b, up in zip(rows, uppers, strict=True))


# ------------------------------------------------------------------------------------ who may receive
def _min_life(policy: AnalysisPolicy | None) -> MinLifeDefaults:
    sl = (policy or load_policy()).shelf_life
    return MinLifeDefaults(sl.min_remaining_life_by_customer_type, sl.min_remaining_life_by_channel_kind)


def channel_rules(wh: Warehouse, policy: AnalysisPolicy | None = None) -> pl.DataFrame:
    """Minimum remaining shelf life at delivery per channel, and where the number comes from.

    ``source`` is ``channel`` (the channels table), ``customer_type`` (the strictest default of
    the channel's customer types) or ``channel_kind`` (the default for online/offline). The rule is
    the data model's (:func:`chainsight.model.channel_min_life`), which the plan uses too.

    >>> channel_rules(wh).columns  # doctest: +SKIP
    ['channel_id', 'name', 'kind', 'min_remaining_life_pct', 'source']
    """
    return run(wh, channel_min_life(wh.table, _min_life(policy))).sort("channel_id")


def customer_rules(wh: Warehouse, policy: AnalysisPolicy | None = None) -> pl.DataFrame:
    """Minimum remaining shelf life at delivery per customer: its own, else its channel's (as in the
    data), else the default for its type, else its channel's effective value.

    ``source`` says which: ``customer``, ``channel``, ``customer_type`` or ``channel_default``. The
    rule is the data model's (:func:`chainsight.model.customer_min_life`), which the plan uses too.
    """
    return run(wh, customer_min_life(wh.table, _min_life(policy))).sort("customer_id")


# ------------------------------------------------------------------------------------ lots
def _resolve(wh: Warehouse, as_of: dt.date | str | None) -> dt.date:
    day = to_date(as_of)
    snapshot = latest_snapshot(wh, day)  # raises a clear error when there is no stock to look at
    return day if day is not None else snapshot


def _lots_expr(
    wh: Warehouse, as_of: dt.date, site: str | None, sl: ShelfLifePolicy, bands: tuple[NearExpiryBand, ...]
) -> ir.Table:
    """Snapshot lots with item attributes, remaining life, band, near-expiry threshold and state."""
    inv = snapshot_rows(wh, as_of, site)
    it = items(wh)
    sites = wh.table("sites")
    j = inv.left_join(it, inv.item_id == it.item_id).select(
        inv.snapshot_date,
        inv.site_id,
        inv.item_id,
        inv.lot_id,
        inv.status,
        inv.mfg_date,
        inv.expiry_date,
        qty=inv.qty.cast("float64"),
        item_kind=it.item_kind,
        item_name=it.item_name,
        unit_value=it.unit_value.fill_null(0.0),
        _shelf=it.shelf_life_days,
    )
    j = j.left_join(sites, j.site_id == sites.site_id).select(j, site_type=sites.type)
    shelf = j._shelf.fill_null(j.expiry_date.delta(j.mfg_date, unit="day"))
    remaining = j.expiry_date.delta(ibis.literal(as_of), unit="day")
    j = j.mutate(shelf_life_days=shelf, remaining_days=remaining)
    valid_shelf = j.shelf_life_days.notnull() & (j.shelf_life_days > 0)
    pct = ibis.cases(
        (valid_shelf, j.remaining_days.cast("float64") / j.shelf_life_days), else_=ibis.null("float64")
    )
    deliver = ibis.cases(
        (valid_shelf, (j.remaining_days - sl.ship_days).cast("float64") / j.shelf_life_days),
        else_=ibis.null("float64"),
    )
    near_days = ibis.cases(
        *[(j.shelf_life_days >= b.min_shelf_life_days, b.days_before_expiry) for b in bands],
        else_=ibis.null("int64"),
    )
    band = ibis.cases(
        *[(j.shelf_life_days >= b.min_shelf_life_days, b.code) for b in bands], else_=ibis.null("string")
    )
    j = j.mutate(
        remaining_pct=pct,
        delivery_pct=deliver,
        band=band,
        near_expiry_days=near_days,
        value=j.qty * j.unit_value,
    )
    state = ibis.cases(
        (j.expiry_date.isnull(), "no_expiry"),
        (j.remaining_days < 0, "expired"),
        (j.remaining_days <= j.near_expiry_days, "near_expiry"),
        else_="ok",
    )
    return j.mutate(state=state, near_expiry=state == "near_expiry", expired=state == "expired").drop(
        "_shelf"
    )


def _eligibility(lots: ir.Table, channels: pl.DataFrame, customers: pl.DataFrame) -> ir.Table:
    """Per product lot: channels that accept it at delivery (sorted list) and the number of customers that do."""
    fg = lots.filter(lots.item_kind == "product", lots.delivery_pct.notnull())
    ch = ibis.memtable(channels.select("channel_id", _min=pl.col("min_remaining_life_pct")))
    pairs = fg.cross_join(ch).filter(lambda t: t.delivery_pct >= t._min - 1e-9)
    lists = pairs.group_by(LOT_KEY).aggregate(
        eligible_channels=pairs.channel_id.collect(order_by=pairs.channel_id)
    )
    levels = customers.group_by(_min=pl.col("min_remaining_life_pct")).agg(_n=pl.len())
    lv = ibis.memtable(levels)
    cp = fg.cross_join(lv).filter(lambda t: t.delivery_pct >= t._min - 1e-9)
    counts = cp.group_by(LOT_KEY).aggregate(eligible_customers=cp._n.sum())
    out = fg.select(*LOT_KEY)
    out = out.left_join(lists, [out[k] == lists[k] for k in LOT_KEY]).select(out, lists.eligible_channels)
    out = out.left_join(counts, [out[k] == counts[k] for k in LOT_KEY]).select(out, counts.eligible_customers)
    return out


def lot_shelf_life(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
    bands: Any = None,
) -> pl.DataFrame:
    """Every lot on hand at ``as_of`` (each site's latest snapshot on or before it) with its shelf life.

    Columns: snapshot_date, site_id, site_type, item_id, item_kind, item_name, lot_id, status,
    mfg_date, expiry_date, qty, unit_value, value, shelf_life_days, remaining_days,
    remaining_pct, delivery_pct, band, near_expiry_days, state (ok / near_expiry / expired /
    no_expiry), near_expiry, expired, eligible_channels, eligible_customers.

    >>> lots = lot_shelf_life(wh, as_of="2026-10-31")  # doctest: +SKIP
    >>> lots.filter(pl.col("near_expiry")).select("lot_id", "remaining_days", "band")  # doctest: +SKIP
    """
    pol = policy or load_policy()
    day = _resolve(wh, as_of)
    lots = _lots_expr(wh, day, site, pol.shelf_life, near_expiry_bands(bands))
    elig = _eligibility(lots, channel_rules(wh, pol), customer_rules(wh, pol))
    j = lots.left_join(elig, [lots[k] == elig[k] for k in LOT_KEY]).select(
        lots, elig.eligible_channels, eligible_customers=elig.eligible_customers
    )
    df = run(wh, j)
    return df.with_columns(
        pl.when(pl.col("item_kind") == "product")
        .then(pl.col("eligible_customers").fill_null(0))
        .otherwise(None)
        .alias("eligible_customers"),
        pl.when(pl.col("item_kind") == "product")
        .then(pl.col("eligible_channels").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .otherwise(None)
        .alias("eligible_channels"),
    ).sort("remaining_days", "site_id", "item_id", "lot_id", nulls_last=True)


def lot_customers(
    wh: Warehouse,
    lot_id: str,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
) -> pl.DataFrame:
    """Every customer against one lot: the customer's minimum remaining life at delivery, its source,
    the lot's remaining life at delivery, and whether the customer may receive it.

    >>> lot_customers(wh, "TJ03-251217-00800").filter(~pl.col("eligible"))  # doctest: +SKIP
    """
    pol = policy or load_policy()
    day = _resolve(wh, as_of)
    lots = run(
        wh,
        _lots_expr(wh, day, site, pol.shelf_life, near_expiry_bands()).filter(lambda t: t.lot_id == lot_id),
    )
    if lots.is_empty():
        raise UserInputError(
            f"{day} 的库存中没有批次 “{lot_id}”", f"no lot '{lot_id}' in stock on {day}", lot=lot_id
        )
    lots = lots.select("site_id", "item_id", "lot_id", "status", "remaining_days", "delivery_pct")
    cust = customer_rules(wh, pol)
    out = lots.join(cust, how="cross").with_columns(
        eligible=pl.col("delivery_pct") >= pl.col("min_remaining_life_pct") - 1e-9
    )
    return out.sort("site_id", "customer_id")


# ------------------------------------------------------------------------------------ projection
@dataclass(frozen=True)
class Projection:
    """FEFO projection: per lot (``lots``) and per site × item (``groups``)."""

    as_of: dt.date
    lots: pl.DataFrame
    groups: pl.DataFrame


@dataclass(frozen=True)
class _Model:
    lots: ir.Table  # every snapshot lot, with the projection columns for usable stock
    groups: ir.Table  # per site × item
    products: Demand
    materials: Demand


def _model(
    wh: Warehouse,
    as_of: dt.date,
    site: str | None,
    pol: AnalysisPolicy,
    forecast: ir.Table | None,
    bands: tuple[NearExpiryBand, ...],
) -> _Model:
    sl = pol.shelf_life
    lots = _lots_expr(wh, as_of, site, sl, bands)
    fg_demand = finished_goods_demand(wh, as_of, sl.history_weeks, forecast)
    mat_demand = material_demand(wh, as_of, sl.horizon_days, sl.history_weeks)
    usable = lots.filter(lots.status.isin(list(sl.usable_statuses)))
    cols = ("site_id", "item_id", "lot_id", "status", "mfg_date", "expiry_date", "qty")
    fg = project_lots(
        usable.filter(usable.item_kind == "product").select(*cols), fg_demand, as_of, sl.horizon_days
    )
    mat = project_lots(
        usable.filter(usable.item_kind != "product").select(*cols), mat_demand, as_of, sl.horizon_days
    )
    groups = project_groups(fg, fg_demand, as_of, sl.horizon_days).union(
        project_groups(mat, mat_demand, as_of, sl.horizon_days)
    )
    projected = fg.union(mat)
    p = projected.select(*LOT_KEY, "demand_to_expiry", "projected_sold_qty", "projected_unsold_qty")
    joined = lots.left_join(p, [lots[k] == p[k] for k in LOT_KEY]).select(
        lots, p.demand_to_expiry, p.projected_sold_qty, p.projected_unsold_qty
    )
    joined = joined.mutate(projected_unsold_value=joined.projected_unsold_qty * joined.unit_value)
    it = items(wh)
    groups = groups.left_join(it, groups.item_id == it.item_id).select(
        groups, item_kind=it.item_kind, item_name=it.item_name, unit_value=it.unit_value.fill_null(0.0)
    )
    groups = groups.mutate(projected_unsold_value=groups.projected_unsold_qty * groups.unit_value)
    return _Model(joined, groups, fg_demand, mat_demand)


def _execute(wh: Warehouse, lots: ir.Table, groups: ir.Table) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Lots and groups in one query (the projection is computed once), split apart in memory."""
    g = groups.rename({f"_g_{c}": c for c in groups.columns})
    both = lots.left_join(g, [lots.site_id == g._g_site_id, lots.item_id == g._g_item_id])
    df = run(wh, both)
    names = [f"_g_{c}" for c in groups.columns]
    out_groups = (
        df.select(names)
        .filter(pl.col("_g_site_id").is_not_null())
        .unique(subset=["_g_site_id", "_g_item_id"])
        .rename({f"_g_{c}": c for c in groups.columns})
        .sort(KEYS)
    )
    out_lots = df.drop(names).sort("remaining_days", "site_id", "item_id", "lot_id", nulls_last=True)
    return out_lots, out_groups


def fefo_projection(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
    forecast: ir.Table | None = None,
) -> Projection:
    """Consume each site's lots first-expired-first-out against expected demand.

    Demand is ``forecast`` (site_id, item_id, day 1..horizon after as-of, qty) when given,
    otherwise the run-rate of the last ``history_weeks`` weeks by weekday; materials use
    planned consumption. Per lot: projected sold and unsold quantity and the unsold value (list
    price for products, standard cost for materials). Per site × item: stock, demand,
    projected unsold, the projected stock-out date and days of cover (null: beyond the horizon
    or no demand). Only stock in a usable status (available, in transit) is projected.

    >>> proj = fefo_projection(wh, as_of="2026-10-31")  # doctest: +SKIP
    >>> proj.lots.sort("projected_unsold_value", descending=True).head(3)  # doctest: +SKIP
    """
    pol = policy or load_policy()
    day = _resolve(wh, as_of)
    m = _model(wh, day, site, pol, forecast, near_expiry_bands())
    lots, groups = _execute(wh, m.lots, m.groups)
    return Projection(day, lots, groups)


# ------------------------------------------------------------------------------------ actions
def _channel_outlets(wh: Warehouse, as_of: dt.date, weeks: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per channel × SKU: daily rate and net price over the window; per site × SKU × channel served)."""
    si = wh.table("sell_in")
    cu = wh.table("customers")
    start = as_of - dt.timedelta(days=7 * weeks)
    si = si.filter(si.qty > 0, si.date > start, si.date <= as_of)
    j = si.join(cu, si.customer_id == cu.customer_id)
    rate = j.group_by(channel_id=j.channel_id, item_id=j.sku).aggregate(
        channel_rate=j.qty.sum() / (7 * weeks), channel_price=j.net_amount.sum() / j.qty.sum()
    )
    served = (
        j.filter(j.site_id.notnull())
        .select(site_id=j.site_id, item_id=j.sku, channel_id=j.channel_id)
        .distinct()
    )
    return run(wh, rate), run(wh, served)


def _transfer_options(
    wh: Warehouse,
    risk: pl.DataFrame,
    lots: pl.DataFrame,
    groups: pl.DataFrame,
    model: _Model,
    sl: ShelfLifePolicy,
) -> pl.DataFrame:
    """Per at-risk lot and destination site: the quantity the destination's demand can absorb before the
    lot's expiry, after the transfer time and the destination's own stock that expires no later."""
    sites = run(wh, wh.table("sites").select("site_id", dest_type=wh.table("sites").type))
    src = risk.filter(pl.col("site_type").is_in(OWN_SITE_TYPES), pl.col("days_left") > sl.transfer_days)
    if src.is_empty():
        return pl.DataFrame()
    src = src.with_columns(
        dest_types=pl.when(pl.col("item_kind") == "product")
        .then(pl.lit(list(sl.transfer_site_types)))
        .otherwise(pl.lit(["plant"]))
    )
    pairs = (
        src.select("rid", "site_id", "item_id", "item_kind", "days_left", "dest_types")
        .join(sites.rename({"site_id": "dest"}), how="cross")
        .filter(pl.col("dest") != pl.col("site_id"), pl.col("dest_type").is_in(pl.col("dest_types")))
        .select(
            "rid",
            "dest",
            "item_id",
            "item_kind",
            pl.min_horizontal("days_left", pl.lit(sl.horizon_days)).cast(pl.Int64).alias("until"),
        )
    )
    if pairs.is_empty():
        return pl.DataFrame()
    parts = []
    for kind, demand in (("product", model.products), ("material", model.materials)):
        sub = pairs.filter((pl.col("item_kind") == "product") == (kind == "product")).drop("item_kind")
        if sub.is_empty():
            continue
        pt = ibis.memtable(sub.rename({"dest": "site_id"}))
        a = demand.with_cumulative(pt, pt.until, sl.horizon_days).rename(_to="_d")
        b = demand.with_cumulative(a, ibis.literal(sl.transfer_days, "int64"), sl.horizon_days)
        parts.append(
            b.select("rid", dest=b.site_id, item_id=b.item_id, until=b.until, window_demand=b._to - b._d)
        )
    window = run(wh, parts[0] if len(parts) == 1 else parts[0].union(parts[1]))
    # destination stock ahead of the lot in FEFO order
    dest_lots = lots.filter(pl.col("projected_sold_qty").is_not_null()).select(
        dest="site_id", item_id="item_id", _dl="remaining_days", _sold="projected_sold_qty"
    )
    ahead = (
        window.join(dest_lots, on=["dest", "item_id"], how="left")
        .filter(pl.col("_dl").is_null() | (pl.col("_dl") <= pl.col("until")))
        .group_by("rid", "dest")
        .agg(pl.col("_sold").sum().alias("ahead"))
    )
    risky_dest = groups.filter(pl.col("projected_unsold_qty") > 1e-6).select(
        dest="site_id", item_id="item_id", _r=pl.lit(True)
    )
    out = (
        window.join(ahead, on=["rid", "dest"], how="left")
        .join(risky_dest, on=["dest", "item_id"], how="left")
        .filter(pl.col("_r").is_null())
        .with_columns(absorb=(pl.col("window_demand") - pl.col("ahead").fill_null(0.0)).clip(lower_bound=0.0))
        .filter(pl.col("absorb") > 1e-6)
    )
    return out.select("rid", pl.col("dest").alias("target"), "absorb")


def _actions(
    wh: Warehouse,
    as_of: dt.date,
    lots: pl.DataFrame,
    groups: pl.DataFrame,
    model: _Model,
    pol: AnalysisPolicy,
    channels: pl.DataFrame,
) -> pl.DataFrame:
    sl = pol.shelf_life
    risk = lots.filter(pl.col("projected_unsold_qty") > 1e-6).with_columns(
        rid=pl.int_range(pl.len()),
        days_left=pl.col("remaining_days"),
    )
    schema = {
        "site_id": pl.String,
        "item_id": pl.String,
        "lot_id": pl.String,
        "action": pl.String,
        "value_saved": pl.Float64,
    }
    if risk.is_empty():
        return pl.DataFrame(schema=schema)
    u = pl.col("projected_unsold_qty")
    opts: list[pl.DataFrame] = []
    # transfer
    tr = _transfer_options(wh, risk, lots, groups, model, sl)
    if not tr.is_empty():
        t = tr.join(risk.select("rid", "projected_unsold_qty", "unit_value"), on="rid").with_columns(
            qty=pl.min_horizontal("absorb", u)
        )
        opts.append(
            t.select(
                "rid",
                action=pl.lit("transfer"),
                target="target",
                qty="qty",
                value_saved=pl.col("qty") * pl.col("unit_value") * (1 - sl.transfer_cost_pct),
            )
        )
    # route to a channel that accepts the lot and that this site does not already serve with the SKU
    fg = risk.filter(
        pl.col("item_kind") == "product",
        pl.col("site_type").is_in(OWN_SITE_TYPES),
        pl.col("days_left") > sl.ship_days,
    )
    if not fg.is_empty():
        rate, served = _channel_outlets(wh, as_of, sl.history_weeks)
        c = (
            fg.select(
                "rid",
                "site_id",
                "item_id",
                "days_left",
                "shelf_life_days",
                "projected_unsold_qty",
                "unit_value",
            )
            .join(channels.select("channel_id", _min="min_remaining_life_pct"), how="cross")
            .join(rate, on=["channel_id", "item_id"], how="inner")
            .join(
                served.with_columns(_served=pl.lit(True)), on=["site_id", "item_id", "channel_id"], how="left"
            )
            .filter(pl.col("_served").is_null())
            .with_columns(
                days_ok=(
                    pl.min_horizontal(
                        pl.col("days_left"),
                        pl.col("days_left") - (pl.col("_min") * pl.col("shelf_life_days")).ceil(),
                    )
                    - sl.ship_days
                ).clip(lower_bound=0),
                price=pl.coalesce("channel_price", pl.col("unit_value") * sl.channel_price_factor),
            )
            .with_columns(qty=pl.min_horizontal(u, pl.col("channel_rate") * pl.col("days_ok")))
            .filter(pl.col("qty") > 1e-6)
        )
        opts.append(
            c.select(
                "rid",
                action=pl.lit("channel"),
                target="channel_id",
                qty="qty",
                value_saved=pl.col("qty")
                * pl.min_horizontal("price", "unit_value")
                * (1 - sl.transfer_cost_pct),
            )
        )
    # promote at the site itself
    pr = (
        risk.filter(pl.col("item_kind") == "product", pl.col("days_left") > 0)
        .join(groups.select("site_id", "item_id", "daily_demand"), on=["site_id", "item_id"], how="left")
        .with_columns(
            qty=pl.min_horizontal(
                u,
                pl.col("daily_demand").fill_null(0.0)
                * sl.promo_uplift_pct
                * pl.min_horizontal("days_left", pl.lit(sl.horizon_days)),
            )
        )
        .filter(pl.col("qty") > 1e-6)
    )
    opts.append(
        pr.select(
            "rid",
            action=pl.lit("promote"),
            target=pl.col("site_id"),
            qty="qty",
            value_saved=pl.col("qty") * pl.col("unit_value") * (1 - sl.promo_discount_pct),
        )
    )
    opts.append(
        risk.select(
            "rid", action=pl.lit("write_off"), target=pl.lit(None, pl.String), qty=u, value_saved=pl.lit(0.0)
        )
    )
    order = {a: i for i, a in enumerate(ACTIONS)}
    allopts = (
        pl.concat(
            [o.cast({"qty": pl.Float64, "value_saved": pl.Float64}) for o in opts if not o.is_empty()],
            how="vertical",
        )
        .with_columns(_pref=pl.col("action").replace_strict(order, return_dtype=pl.Int64))
        # Equal options (e.g. two DCs that would save the same) are ordered by target, not by engine row order.
        .sort(
            "rid",
            "value_saved",
            "_pref",
            "target",
            descending=[False, True, False, False],
            nulls_last=[False, False, False, True],
        )
    )
    best = allopts.group_by("rid", maintain_order=True).first()
    options = allopts.group_by("rid", maintain_order=True).agg(
        pl.struct("action", "target", "qty", "value_saved").alias("options")
    )
    out = (
        risk.join(best, on="rid")
        .join(options, on="rid")
        .select(
            "site_id",
            "site_type",
            "item_id",
            "item_kind",
            "item_name",
            "lot_id",
            "status",
            "expiry_date",
            "remaining_days",
            "remaining_pct",
            "state",
            "qty",
            "projected_unsold_qty",
            value_at_stake=pl.col("projected_unsold_value"),
            action="action",
            target="target",
            action_qty="qty_right",
            value_saved="value_saved",
            write_off_value=(u - pl.col("qty_right")).clip(lower_bound=0.0) * pl.col("unit_value"),
            options="options",
        )
        .sort(["value_saved", "value_at_stake", "lot_id"], descending=[True, True, False])
    )
    return out.with_columns(rank=pl.int_range(1, pl.len() + 1))


@dataclass(frozen=True)
class ExpiryReport:
    """Everything ``chainsight expiry`` shows: lots, the projection per site × item, and actions."""

    as_of: dt.date
    lots: pl.DataFrame
    groups: pl.DataFrame
    actions: pl.DataFrame
    channels: pl.DataFrame

    @property
    def summary(self) -> dict[str, Any]:
        """Totals: stock value, near-expiry and expired value, projected unsold value, value saved by actions."""
        lots = self.lots
        fg = lots.filter(pl.col("item_kind") == "product")
        mat = lots.filter(pl.col("item_kind") != "product")

        def total(df: pl.DataFrame, col: str, cond: pl.Expr | None = None) -> float:
            d = df.filter(cond) if cond is not None else df
            return float(d[col].fill_null(0.0).sum()) if not d.is_empty() else 0.0

        return {
            "as_of": self.as_of,
            "lots": lots.height,
            "stock_value": total(lots, "value"),
            "near_expiry_lots": int(lots["near_expiry"].sum()) if lots.height else 0,
            "near_expiry_value": total(lots, "value", pl.col("near_expiry")),
            "expired_lots": int(lots["expired"].sum()) if lots.height else 0,
            "expired_value": total(lots, "value", pl.col("expired")),
            "projected_unsold_value": total(fg, "projected_unsold_value"),
            "material_projected_unsold_value": total(mat, "projected_unsold_value"),
            "at_risk_lots": self.actions.height,
            "value_saved": total(self.actions, "value_saved"),
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (``--json``)."""
        return {
            "summary": self.summary,
            "actions": self.actions.to_dicts(),
            "groups": self.groups.to_dicts(),
            "lots": self.lots.to_dicts(),
            "channels": self.channels.to_dicts(),
        }


def expiry_report(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
    forecast: ir.Table | None = None,
) -> ExpiryReport:
    """Lots with shelf life and FEFO projection, the projection per site × item, and one recommended
    action per at-risk lot (transfer, route to a channel, promote, write off) ranked by value saved.

    Transfers go to sites of ``transfer_site_types`` (materials: plants) without projected waste of the
    item, absorbing what their demand between arrival and the lot's expiry leaves after their own
    earlier-expiring stock; a channel is one that accepts the lot's remaining life at delivery and
    that the site does not already serve with the SKU, at that channel's recent price; a
    promotion sells ``promo_uplift_pct`` more of the site's run-rate at ``promo_discount_pct`` off.
    Options are evaluated per lot (two lots may name the same destination).

    >>> report = expiry_report(wh, as_of="2026-10-31")  # doctest: +SKIP
    >>> report.actions.select("lot_id", "action", "target", "value_saved").head()  # doctest: +SKIP
    """
    pol = policy or load_policy()
    day = _resolve(wh, as_of)
    bands = near_expiry_bands()
    model = _model(wh, day, site, pol, forecast, bands)
    lots_e, groups_e = model.lots, model.groups
    channels = channel_rules(wh, pol)
    elig = _eligibility(lots_e, channels, customer_rules(wh, pol))
    lots_e = lots_e.left_join(elig, [lots_e[k] == elig[k] for k in LOT_KEY]).select(
        lots_e, elig.eligible_channels, elig.eligible_customers
    )
    lots, groups = _execute(wh, lots_e, groups_e)
    lots = lots.with_columns(
        pl.when(pl.col("item_kind") == "product")
        .then(pl.col("eligible_customers").fill_null(0))
        .otherwise(None)
        .alias("eligible_customers"),
        pl.when(pl.col("item_kind") == "product")
        .then(pl.col("eligible_channels").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .otherwise(None)
        .alias("eligible_channels"),
    )
    actions = _actions(wh, day, lots, groups, model, pol, channels)
    return ExpiryReport(day, lots, groups, actions, channels)


def expiry_actions(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
) -> pl.DataFrame:
    """One recommended action per at-risk lot with the money at stake, ranked by value saved
    (see :func:`expiry_report` for how each option is valued).

    >>> expiry_actions(wh).select("rank", "lot_id", "action", "value_saved").head(3)  # doctest: +SKIP
    """
    return expiry_report(wh, as_of, site, policy).actions


def material_expiry(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    site: str | None = None,
    policy: AnalysisPolicy | None = None,
) -> pl.DataFrame:
    """Raw and packaging material lots with an expiry date against planned consumption: the lots
    production will not use up before they expire, with quantity and value at standard cost.

    >>> material_expiry(wh).select("site_id", "item_id", "lot_id", "projected_unsold_qty").head()  # doctest: +SKIP
    """
    proj = fefo_projection(wh, as_of, site, policy)
    return proj.lots.filter(pl.col("item_kind") != "product", pl.col("expiry_date").is_not_null()).sort(
        ["projected_unsold_value", "remaining_days"], descending=[True, False], nulls_last=True
    )
