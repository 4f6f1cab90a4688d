"""The plan's inputs: everything the plan reads from the warehouse, read in one place.

Aggregated in the database (Ibis): demand (the statistical forecast, replaced by a consensus plan
where it covers), where each SKU is made and at what rate, open production and purchase orders,
stock usable before expiry, the customers' minimum remaining shelf life, BOM, supplier terms and
safety stock. The planning run itself (:mod:`chainsight.planning._plan_run`) reads nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chainsight._errors import UserInputError
from chainsight.model import channel_min_life, customer_min_life
from chainsight.planning._demand_plan import read_demand_plan
from chainsight.planning._forecast import forecast
from chainsight.planning._history import demand_history
from chainsight.planning._plan_types import Scenario
from chainsight.planning._safety import safety_stock
from chainsight.warehouse import Warehouse

OPEN_PO_STALE_DAYS = 60  # open purchase-order lines promised longer ago than this are taken as closed


@dataclass
class PlanInputs:
    """Everything one plan reads from the warehouse, read once: a plan and its what-ifs share it."""

    as_of: dt.date
    horizon: int
    periods: list[dt.date]
    demand: pd.DataFrame
    demand_source: str
    products: pd.DataFrame
    plant_of: dict[str, str]
    line_of: dict[str, str]
    lines: pd.DataFrame
    min_pct: dict[str, float]  # strictest of the SKU's customers: bounds building ahead
    min_run: dict[str, float]
    prod_lead: dict[str, int]
    fg_stock: pd.DataFrame
    open_mo: pd.DataFrame
    mat_stock: pd.DataFrame
    open_po: pd.DataFrame
    bom: pd.DataFrame
    terms: pd.DataFrame
    safety: pd.DataFrame
    costs: dict[str, float]
    old_pct: dict[str, float] = field(default_factory=dict)  # loosest: old stock can still go there
    shares: dict[str, pd.DataFrame] = field(default_factory=dict)


def _mode(df: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    counts = df.groupby([key, value]).size().reset_index(name="n").sort_values([key, "n", value])
    return dict(zip(counts[key], counts[value], strict=True)) if len(counts) else {}


def gather_inputs(
    wh: Warehouse, as_of: dt.date | None, horizon: int, demand_file: str | Path | None, service_level: float
) -> PlanInputs:
    """Read a plan's inputs at ``as_of`` (default: the last sell-in day) for ``horizon`` weeks."""
    if horizon < 1:
        raise UserInputError("计划期数必须 ≥ 1", "horizon must be at least 1 week")
    if as_of is None:
        last = wh.table("sell_in").date.max().execute()
        if last is None or pd.isna(last):
            raise UserInputError("没有需求历史", "no demand history to plan from")
        as_of = pd.Timestamp(last).date()
    consensus = read_demand_plan(demand_file, wh) if demand_file is not None else None
    fc = forecast(wh, "sku", "week", horizon + 1, as_of, store=False, reconcile=False)
    demand = pd.DataFrame(fc.records)
    demand = demand.assign(
        period=pd.to_datetime(demand["period"]).dt.date, qty=demand["forecast"].astype(float)
    )
    # the plan starts with the first week that begins on or after as_of: earlier days are history
    periods = sorted(p for p in demand["period"].unique() if p >= as_of)[:horizon]
    demand = demand[demand["period"].isin(set(periods))]
    demand["source"] = "forecast:" + demand["sku"] + "@" + demand["period"].astype(str)

    po = wh.table("production_orders")
    hist = (
        po.filter(po.planned_start <= as_of)
        .select("sku", "site_id", "line_id", "planned_qty", "status", "planned_start", "planned_end")
        .execute()
    )
    plant_of = _mode(hist, "sku", "site_id")
    line_of = _mode(hist, "sku", "line_id")
    done = hist[hist["status"] == "completed"]
    min_run = done.groupby("sku")["planned_qty"].quantile(0.1).to_dict() if len(done) else {}
    dur = (pd.to_datetime(hist["planned_end"]) - pd.to_datetime(hist["planned_start"])).dt.days
    prod_lead = (
        dur.groupby(hist["sku"]).median().clip(lower=1).round().astype(int).to_dict() if len(hist) else {}
    )

    source = "forecast"
    if consensus is not None:
        consensus["site_id"] = consensus["site_id"].fillna(consensus["sku"].map(plant_of))
        covered = set(zip(consensus["sku"], consensus["period"], strict=True))
        keep = [(s, p) not in covered for s, p in zip(demand["sku"], demand["period"], strict=True)]
        consensus = consensus[consensus["period"].isin(set(periods))]
        consensus["source"] = "consensus:" + consensus["sku"] + "@" + consensus["period"].astype(str)
        demand = pd.concat([demand[keep], consensus], ignore_index=True)
        source = f"consensus:{Path(demand_file).name}"  # type: ignore[arg-type]
    if "site_id" not in demand or demand["site_id"].isna().any():
        site = demand["sku"].map(plant_of)
        demand["site_id"] = demand["site_id"].fillna(site) if "site_id" in demand else site
    demand = demand[["sku", "site_id", "period", "qty", "source"]]

    products = wh.table("products").select("sku", "shelf_life_days", "list_price").execute().set_index("sku")
    materials = wh.table("materials").select("material_id", "standard_cost").execute()
    costs = {
        **products["list_price"].astype(float).to_dict(),
        **dict(zip(materials["material_id"], materials["standard_cost"].astype(float), strict=True)),
    }
    lines = wh.table("lines").select("line_id", "site_id", "capacity_per_day").execute().set_index("line_id")

    min_pct, old_pct = _min_life(wh, as_of, list(products.index))

    inv = wh.table("inventory")
    inv = inv.filter(inv.snapshot_date <= as_of)
    last = inv.snapshot_date.max().execute()
    sites = wh.table("sites").select("site_id", "type").execute()
    own = set(sites.loc[sites["type"].isin(["plant", "dc"]), "site_id"])
    if last is None or pd.isna(last):
        stock = pd.DataFrame(columns=["site_id", "item_id", "expiry_date", "qty"])
    else:
        snap = inv.filter((inv.snapshot_date == last) & (inv.status == "available"))
        stock = snap.group_by(["site_id", "item_id", "expiry_date"]).aggregate(qty=snap.qty.sum()).execute()
    skus = set(products.index)
    fg_stock = stock[stock["item_id"].isin(skus) & stock["site_id"].isin(own)]
    mat_stock = stock[~stock["item_id"].isin(skus)]

    op = po.filter(
        po.status.isin(["planned", "released", "in_progress"])
        & (po.planned_end >= as_of - dt.timedelta(days=28))
    )
    open_mo = op.select(
        "order_id", "sku", "site_id", "line_id", "planned_start", "planned_end", "planned_qty", "actual_qty"
    ).execute()
    open_mo["qty"] = open_mo["planned_qty"] - open_mo["actual_qty"].fillna(0.0)
    open_mo = open_mo[open_mo["qty"] > 0]

    pos, rec = wh.table("purchase_orders"), wh.table("receipts")
    rec = rec.filter((rec.qc_status != "failed") & (rec.received_date <= as_of))
    got = rec.group_by(["po_id", "line_no"]).aggregate(received=rec.qty.sum())
    openpo = pos.left_join(got, [pos.po_id == got.po_id, pos.line_no == got.line_no])
    openpo = openpo.filter(openpo.order_date <= as_of).mutate(
        open_qty=openpo.qty - openpo.received.fill_null(0)
    )
    # a line short-shipped long ago (or within the 2 % in-full tolerance) is closed, not supply to wait for
    open_po = (
        openpo.filter(
            (openpo.open_qty > 0.02 * openpo.qty)
            & (openpo.promised_date >= as_of - dt.timedelta(days=OPEN_PO_STALE_DAYS))
        )
        .select(
            "site_id",
            "supplier_id",
            order_id=openpo.po_id.concat("/", openpo.line_no.cast("string")),
            item_id=openpo.material_id,
            due_date=openpo.promised_date,
            qty=openpo.open_qty,
        )
        .execute()
    )
    bom = wh.table("bom").select("parent_id", "component_id", "qty_per", "scrap_rate").execute()
    terms = wh.table("supplier_materials").execute().sort_values(["material_id", "unit_price", "supplier_id"])
    terms = terms.drop_duplicates("material_id").set_index("material_id")
    safety = safety_stock(wh, as_of, service_level)
    return PlanInputs(
        as_of,
        horizon,
        periods,
        demand,
        source,
        products,
        plant_of,
        line_of,
        lines,
        min_pct,
        {k: float(v) for k, v in min_run.items()},
        {k: int(v) for k, v in prod_lead.items()},
        fg_stock,
        open_mo,
        mat_stock,
        open_po,
        bom,
        terms,
        safety,
        costs,
        old_pct,
    )


def _min_life(wh: Warehouse, as_of: dt.date, skus: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Per SKU, the strictest and the loosest minimum remaining life at delivery of the customers it
    shipped to and the online channels it sold on over the last 26 weeks. The minimum of a customer
    or channel is the data model's rule (:func:`chainsight.model.customer_min_life`): where master
    data leaves it blank, the same defaults as the expiry analysis. A SKU sold nowhere recently
    takes the strictest channel's minimum (0 without channels)."""
    since = as_of - dt.timedelta(weeks=26)
    channels = channel_min_life(wh.table)
    customers = customer_min_life(wh.table).select("customer_id", p="min_remaining_life_pct")
    si = wh.table("sell_in")
    offline = (
        si.filter((si.date > since) & (si.date <= as_of))
        .select("sku", "customer_id")
        .join(customers, "customer_id")
        .select("sku", "p")
    )
    oo = wh.table("online_orders")
    online = (
        oo.filter((oo.order_time.date() > since) & (oo.order_time.date() <= as_of))
        .select("sku", "channel_id")
        .join(channels.select("channel_id", p="min_remaining_life_pct"), "channel_id")
        .select("sku", "p")
    )
    both = offline.union(online)
    per_sku = both.group_by("sku").aggregate(hi=both.p.max(), lo=both.p.min()).execute().set_index("sku")
    default = channels.min_remaining_life_pct.max().execute()
    default = 0.0 if default is None or pd.isna(default) else float(default)
    strictest = {s: float(per_sku["hi"].get(s, default)) for s in skus}
    loosest = {s: float(per_sku["lo"].get(s, default)) for s in skus}
    return strictest, loosest


def add_shares(wh: Warehouse, inp: PlanInputs, sc: Scenario) -> PlanInputs:
    """``inp`` with what scenario ``sc`` needs besides: each SKU's share of demand per channel or
    region over the last 13 weeks, when ``sc`` changes one channel's or region's demand (read once)."""
    if not sc.demand_pct or (sc.channel is None and sc.region is None):
        return inp
    key = "channel_id" if sc.channel is not None else "region_id"
    if key not in inp.shares:
        hist = demand_history(wh, ["sku", key], "week", inp.as_of)
        hist = hist[hist["period"] > pd.Timestamp(inp.as_of) - pd.Timedelta(weeks=13)]
        g = hist.groupby(["sku", key])["y"].sum().reset_index()
        g["share"] = g["y"] / g.groupby("sku")["y"].transform("sum")
        inp.shares[key] = g
    return inp
