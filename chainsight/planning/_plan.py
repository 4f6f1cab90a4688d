"""``plan``: demand → master production schedule per line (HiGHS) → MRP per plant → exceptions, stored.

Inputs, read from the warehouse and aggregated in the database (Ibis):

* demand per SKU × week: the statistical forecast (:func:`chainsight.planning.forecast`), replaced by
  a consensus plan (``demand_file``) for the SKUs and weeks it covers;
* each SKU is made at the plant and on the line that made it most often (production orders); the
  line's ``capacity_per_day`` is the SKU's rate (units a day: the model has no per-SKU routing);
  open production orders (planned / released / in progress) are supply when due, and take their
  share of the line in the weeks they run;
* finished goods: latest stock snapshot on or before ``as_of`` (``available``) at plants and DCs,
  usable while it keeps the strictest minimum remaining life of the channels and customers the SKU
  sells to; the same rule bounds how far ahead production may be built;
* minimum run: the 10th percentile of the SKU's past production quantities (the smallest run the
  plant habitually makes); safety stock: :func:`chainsight.planning.safety_stock`, summed over sites;
* materials: plant stock usable before expiry, open purchase orders (ordered − received and not
  failed QC), the cheapest supplier's lead time, MOQ and multiple.

The MPS nets demand against stock and open orders (first expiry first) and schedules what is left
within line capacity and the shelf-life window (:mod:`chainsight.planning._mps`); MRP explodes the
scheduled production through the BOM (:func:`chainsight.planning.run_mrp`). ``store=True`` writes
the plan (orders, exceptions, line load, KPIs) under a version and its as-of date; planning the same
as-of date again replaces that date's plan.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainsight._errors import UserInputError
from chainsight.planning._demand_plan import read_demand_plan
from chainsight.planning._mps import DEFAULT_COSTS, MpsCosts, max_ahead_weeks, net_stock, schedule_line
from chainsight.planning._mrp import ORDER_COLUMNS, _reschedule, run_mrp
from chainsight.planning._safety import safety_stock
from chainsight.warehouse import Warehouse

__all__ = [
    "PLANNED_ORDERS_TABLE",
    "PLAN_CAPACITY_TABLE",
    "PLAN_EXCEPTIONS_TABLE",
    "PLAN_RUNS_TABLE",
    "PlanResult",
    "Scenario",
    "plan",
    "scenario",
]

PLANNED_ORDERS_TABLE = "planned_orders"  # planned production and purchase orders of the latest plan per as-of
PLAN_EXCEPTIONS_TABLE = "plan_exceptions"  # shortages, late orders, excess, expiring, overload, reschedules
PLAN_CAPACITY_TABLE = "plan_capacity"  # line × week: load and capacity (days)
PLAN_RUNS_TABLE = "plan_runs"  # one row per plan run: version, as-of, demand source, KPIs

_DDL = [
    f"""CREATE TABLE IF NOT EXISTS {PLAN_RUNS_TABLE} (
        version VARCHAR PRIMARY KEY, as_of DATE, created_at TIMESTAMP, horizon INTEGER,
        demand_source VARCHAR, kpis JSON)""",
    f"""CREATE TABLE IF NOT EXISTS {PLANNED_ORDERS_TABLE} (
        version VARCHAR, as_of DATE, order_id VARCHAR, order_type VARCHAR, item_id VARCHAR,
        site_id VARCHAR, supplier_id VARCHAR, line_id VARCHAR, qty DOUBLE, release_date DATE,
        due_date DATE, late BOOLEAN, pegged_to VARCHAR[])""",
    f"""CREATE TABLE IF NOT EXISTS {PLAN_EXCEPTIONS_TABLE} (
        version VARCHAR, as_of DATE, kind VARCHAR, site_id VARCHAR, item_id VARCHAR, period DATE,
        qty DOUBLE, detail VARCHAR, order_id VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {PLAN_CAPACITY_TABLE} (
        version VARCHAR, as_of DATE, line_id VARCHAR, site_id VARCHAR, week DATE, load_days DOUBLE,
        capacity_days DOUBLE, use_pct DOUBLE, overload_days DOUBLE)""",
]

OPEN_PO_STALE_DAYS = 60  # open purchase-order lines promised longer ago than this are taken as closed

EXCEPTION_KINDS: dict[str, tuple[str, str]] = {
    "shortage": ("缺货:需求无法按时满足", "shortage: demand cannot be met in time"),
    "late_order": ("延迟:下达日已过,需加急", "late order: release date already passed, expedite"),
    "capacity_overload": ("产能超载", "capacity overload"),
    "expiring_before_use": ("使用前过期", "expiring before use"),
    "excess": ("计划期末库存过量", "excess stock at the end of the horizon"),
    "expedite": ("在途订单需提前", "open order to expedite"),
    "defer": ("在途订单可推迟", "open order to defer"),
    "cancel": ("在途订单可取消", "open order to cancel"),
}
EXCEPTION_COLUMNS = ["kind", "site_id", "item_id", "period", "qty", "detail", "order_id"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: demand ±``demand_pct`` % (all, or one ``sku`` / ``channel`` / ``region``), a
    supplier ``supplier_delay_days`` late (one ``supplier_id`` or all), a line down between two dates."""

    demand_pct: float = 0.0
    sku: str | None = None
    channel: str | None = None
    region: str | None = None
    supplier_id: str | None = None
    supplier_delay_days: int = 0
    line_id: str | None = None
    line_down_from: dt.date | None = None
    line_down_to: dt.date | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.sku, self.channel, self.region)) > 1:
            raise UserInputError(
                "需求变化只能针对 SKU、渠道或区域之一",
                "change demand for one of: a SKU, a channel or a region",
            )
        if self.demand_pct <= -100:
            raise UserInputError("需求变化须大于 -100%", "demand change must be above -100 %")
        if self.supplier_delay_days < 0:
            raise UserInputError("供应商延迟天数不能为负", "supplier delay must not be negative")
        if self.line_id is not None and (self.line_down_from is None or self.line_down_to is None):
            raise UserInputError(
                "停线需给出开始和结束日期",
                "a line down needs its first and last day (--down-from, --down-to)",
            )
        if self.line_down_from and self.line_down_to and self.line_down_to < self.line_down_from:
            raise UserInputError("停线结束日期早于开始日期", "the line's last day down is before its first")

    def describe(self) -> str:
        parts = []
        if self.demand_pct:
            who = self.sku or self.channel or self.region or "all"
            parts.append(f"demand {self.demand_pct:+g}% ({who})")
        if self.supplier_delay_days:
            parts.append(f"supplier {self.supplier_id or 'all'} +{self.supplier_delay_days} days")
        if self.line_id:
            parts.append(f"line {self.line_id} down {self.line_down_from}..{self.line_down_to}")
        return "; ".join(parts) or "base"


@dataclass
class PlanResult:
    """One plan: MPS per SKU × week, planned orders, exceptions, line load and KPIs."""

    version: str
    as_of: dt.date
    horizon: int
    periods: list[dt.date]
    demand: pd.DataFrame  # sku, site_id, period, qty, source
    mps: (
        pd.DataFrame
    )  # sku, site_id, line_id, period, demand, net, production, shortage, stock, waste, expiring, unsellable
    orders: pd.DataFrame
    exceptions: pd.DataFrame
    capacity: pd.DataFrame  # line_id, site_id, week, load_days, capacity_days, use_pct, overload_days
    safety: pd.DataFrame
    netting: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    costs: dict[str, float] = field(repr=False, default_factory=dict)
    demand_source: str = "forecast"
    scenario: Scenario = field(default_factory=Scenario)

    def order_records(self) -> list[dict[str, Any]]:
        """Orders as JSON-ready records: order_type, item_id, site_id, supplier_id, qty, dates, pegged_to."""
        cols = [
            "order_id",
            "order_type",
            "item_id",
            "site_id",
            "supplier_id",
            "line_id",
            "qty",
            "release_date",
            "due_date",
            "late",
            "pegged_to",
        ]
        out = []
        for r in self.orders[cols].to_dict("records"):
            r["qty"] = round(float(r["qty"]), 3)
            r["late"] = bool(r["late"])
            r["release_date"] = r["release_date"].isoformat()
            r["due_date"] = r["due_date"].isoformat()
            r["supplier_id"] = r["supplier_id"] if isinstance(r["supplier_id"], str) else None
            r["line_id"] = r["line_id"] if isinstance(r["line_id"], str) else None
            r["pegged_to"] = list(r["pegged_to"])
            out.append(r)
        return out

    def exception_records(self) -> list[dict[str, Any]]:
        out = []
        for r in self.exceptions[EXCEPTION_COLUMNS].to_dict("records"):
            r["period"] = r["period"].isoformat() if isinstance(r["period"], dt.date) else r["period"]
            r["qty"] = round(float(r["qty"]), 3)
            out.append(r)
        return out

    def exception_summary(self) -> list[dict[str, Any]]:
        if self.exceptions.empty:
            return []
        g = (
            self.exceptions.groupby("kind")
            .agg(n=("item_id", "size"), items=("item_id", "nunique"), qty=("qty", "sum"))
            .reset_index()
        )
        return [
            {
                "kind": r.kind,
                "label_zh": EXCEPTION_KINDS.get(r.kind, (r.kind, r.kind))[0],
                "label_en": EXCEPTION_KINDS.get(r.kind, (r.kind, r.kind))[1],
                "count": int(r.n),
                "items": int(r.items),
                "qty": round(float(r.qty), 1),
            }
            for r in g.itertuples()
        ]

    def kpis(self) -> dict[str, float]:
        """Service level, inventory value, expiry wastage, capacity use and order counts."""
        m, o, exc = self.mps, self.orders, self.exceptions
        total = float(m["demand"].sum()) if len(m) else 0.0
        short = float(m["shortage"].sum()) if len(m) else 0.0
        at_risk = _at_risk_qty(o)
        served = max(0.0, total - short - at_risk)
        value = self.costs
        fg_stock = (
            (m["stock"] + m["held"]) * m["sku"].map(value).fillna(0.0) if len(m) else pd.Series(dtype=float)
        )
        fg_value = float(fg_stock.groupby(m["period"]).sum().mean()) if len(m) else 0.0
        net = self.netting
        mat = net[~net["item_id"].isin(set(m["sku"]))] if len(net) else net
        mat_value = (
            float(
                (mat["projected"].clip(lower=0) * mat["item_id"].map(value).fillna(0.0))
                .groupby(mat["period"])
                .sum()
                .mean()
            )
            if len(mat)
            else 0.0
        )
        exp = exc[exc["kind"] == "expiring_before_use"] if len(exc) else exc
        waste_value = float((exp["qty"] * exp["item_id"].map(value).fillna(0.0)).sum()) if len(exp) else 0.0
        # finished goods already unsellable at the as-of date are listed as exceptions but are not
        # wastage of this plan (no plan can save them): their own KPI
        dead = m["unsellable"] if len(m) and "unsellable" in m else pd.Series(dtype=float)
        dead_qty = float(dead.sum())
        dead_value = float((dead * m["sku"].map(value).fillna(0.0)).sum()) if len(dead) else 0.0
        cap = self.capacity
        purchase = o[o["order_type"] == "purchase"] if len(o) else o
        return {
            "service_level_pct": round(100.0 * served / total, 2) if total else 100.0,
            "shortage_qty": round(short, 1),
            "demand_at_risk_qty": round(at_risk, 1),
            "inventory_value": round(fg_value + mat_value, 0),
            "expiry_waste_qty": round((float(exp["qty"].sum()) if len(exp) else 0.0) - dead_qty, 1),
            "expiry_waste_value": round(waste_value - dead_value, 0),
            "unsellable_stock_qty": round(dead_qty, 1),
            "unsellable_stock_value": round(dead_value, 0),
            "capacity_use_pct": round(
                100.0 * float(cap["load_days"].sum()) / float(cap["capacity_days"].sum()), 1
            )
            if len(cap) and float(cap["capacity_days"].sum()) > 0
            else 0.0,
            "max_line_use_pct": round(float(cap["use_pct"].max()), 1) if len(cap) else 0.0,
            "planned_production_qty": round(float(o.loc[o["order_type"] == "production", "qty"].sum()), 1)
            if len(o)
            else 0.0,
            "purchase_value": round(
                float((purchase["qty"] * purchase["item_id"].map(value).fillna(0.0)).sum()), 0
            )
            if len(purchase)
            else 0.0,
            "late_orders": int(o["late"].sum()) if len(o) else 0,
            "expedite_orders": int((exc["kind"] == "expedite").sum()) if len(exc) else 0,
        }


def _at_risk_qty(orders: pd.DataFrame) -> float:
    """Finished-goods production that depends (through pegging) on a late order: it cannot be on time."""
    if orders.empty or not orders["late"].any():
        return 0.0
    parents: dict[str, list[str]] = {}
    for oid, peg in zip(orders["order_id"], orders["pegged_to"], strict=True):
        parents[oid] = list(peg)
    is_fg = dict(zip(orders["order_id"], orders["is_fg"], strict=True))
    qty = dict(zip(orders["order_id"], orders["qty"], strict=True))
    seen: set[str] = set()
    stack = list(orders.loc[orders["late"], "order_id"])
    while stack:
        oid = stack.pop()
        if oid in seen:
            continue
        seen.add(oid)
        stack.extend(p for p in parents.get(oid, []) if p in parents)
    return float(sum(qty[o] for o in seen if is_fg.get(o)))


# --------------------------------------------------------------------------- inputs
@dataclass
class _Inputs:
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


def _gather(
    wh: Warehouse, as_of: dt.date | None, horizon: int, demand_file: str | Path | None, service_level: float
) -> _Inputs:
    from chainsight.planning._forecast import forecast

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

    # strictest minimum remaining life per SKU: of the customers (else their channel) it shipped to,
    # and of the online channels it sold on, over the last 26 weeks
    since = as_of - dt.timedelta(weeks=26)
    si = wh.table("sell_in").select("date", "sku", "customer_id")
    cu = wh.table("customers").select("customer_id", "channel_id", cpct="min_remaining_life_pct")
    ch = wh.table("channels").select("channel_id", hpct="min_remaining_life_pct")
    j = si.filter((si.date > since) & (si.date <= as_of)).join(cu, "customer_id").join(ch, "channel_id")
    j = j.mutate(p=j.cpct.fill_null(j.hpct))
    off = j.group_by("sku").aggregate(pct=j.p.max())
    oo = wh.table("online_orders").select("order_time", "sku", "channel_id")
    oj = oo.filter((oo.order_time.date() > since) & (oo.order_time.date() <= as_of)).join(ch, "channel_id")
    on = oj.group_by("sku").aggregate(pct=oj.hpct.max())
    both = pd.concat([off.execute(), on.execute()])
    pct = both.groupby("sku")["pct"].max().dropna()
    loose = both.groupby("sku")["pct"].min().dropna()
    default_pct = wh.table("channels").min_remaining_life_pct.max().execute()
    default_pct = 0.0 if default_pct is None or pd.isna(default_pct) else float(default_pct)
    min_pct = {s: float(pct.get(s, default_pct)) for s in products.index}
    old_pct = {s: float(loose.get(s, default_pct)) for s in products.index}

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
    return _Inputs(
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


def _shares(wh: Warehouse, inp: _Inputs, key: str) -> pd.DataFrame:
    """Each SKU's share of demand per channel or region over the last 13 weeks."""
    from chainsight.planning._history import demand_history

    if key not in inp.shares:
        hist = demand_history(wh, ["sku", key], "week", inp.as_of)
        hist = hist[hist["period"] > pd.Timestamp(inp.as_of) - pd.Timedelta(weeks=13)]
        g = hist.groupby(["sku", key])["y"].sum().reset_index()
        g["share"] = g["y"] / g.groupby("sku")["y"].transform("sum")
        inp.shares[key] = g
    return inp.shares[key]


def _scaled_demand(wh: Warehouse, inp: _Inputs, sc: Scenario) -> pd.DataFrame:
    d = inp.demand.copy()
    if not sc.demand_pct:
        return d
    x = sc.demand_pct / 100.0
    if sc.sku is not None:
        if sc.sku not in set(d["sku"]):
            raise UserInputError(f"计划中没有 SKU {sc.sku}", f"SKU {sc.sku} is not in the plan", sku=sc.sku)
        factor = np.where(d["sku"] == sc.sku, 1 + x, 1.0)
    elif sc.channel is not None or sc.region is not None:
        key, value = ("channel_id", sc.channel) if sc.channel is not None else ("region_id", sc.region)
        sh = _shares(wh, inp, key)
        part = sh[sh[key] == value]
        if part.empty:
            raise UserInputError(
                f"近 13 周没有 {value} 的需求", f"no demand for {value} in the last 13 weeks", value=value
            )
        factor = 1 + x * d["sku"].map(part.set_index("sku")["share"]).fillna(0.0).to_numpy()
    else:
        factor = np.full(len(d), 1 + x)
    d["qty"] = d["qty"] * factor
    return d


# --------------------------------------------------------------------------- the plan
def plan(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    demand_file: str | Path | None = None,
    service_level: float = 0.95,
    *,
    scenario: Scenario | None = None,
    store: bool = True,
    costs: MpsCosts = DEFAULT_COSTS,
    days_per_week: float = 7.0,
    time_limit: float = 10.0,
) -> PlanResult:
    """Plan ``horizon`` weeks after ``as_of``: MPS per line, planned production and purchase orders
    per plant, exceptions and KPIs; with ``store`` the plan is written to the warehouse
    (:data:`PLANNED_ORDERS_TABLE`, :data:`PLAN_EXCEPTIONS_TABLE`, :data:`PLAN_CAPACITY_TABLE`,
    :data:`PLAN_RUNS_TABLE`), replacing an earlier plan of the same as-of date.
    """
    inp = _gather(wh, as_of, horizon, demand_file, service_level)
    res = _run(wh, inp, scenario or Scenario(), costs, days_per_week, time_limit)
    if store and (scenario is None or scenario == Scenario()):
        _store(wh, res)
    return res


def _run(
    wh: Warehouse, inp: _Inputs, sc: Scenario, costs: MpsCosts, days_per_week: float, time_limit: float
) -> PlanResult:
    periods = inp.periods
    n_t = len(periods)
    index = {p: i for i, p in enumerate(periods)}
    demand = _scaled_demand(wh, inp, sc)
    demand = demand[demand["site_id"].notna() & demand["period"].isin(set(periods))]
    products = inp.products
    ss_total = inp.safety.groupby("sku")["safety_stock"].sum()

    # supplier delay: open POs arrive later, lead times grow
    open_po = inp.open_po.copy()
    terms = inp.terms.copy()
    if sc.supplier_delay_days:
        hit = (
            open_po["supplier_id"].eq(sc.supplier_id)
            if sc.supplier_id
            else pd.Series(True, index=open_po.index)
        )
        if sc.supplier_id and sc.supplier_id not in set(inp.terms["supplier_id"]) | set(
            open_po["supplier_id"]
        ):
            raise UserInputError(
                f"未知供应商:{sc.supplier_id}",
                f"unknown supplier: {sc.supplier_id}",
                supplier_id=sc.supplier_id,
            )
        open_po.loc[hit, "due_date"] = pd.to_datetime(open_po.loc[hit, "due_date"]) + pd.Timedelta(
            days=sc.supplier_delay_days
        )
        th = terms["supplier_id"].eq(sc.supplier_id) if sc.supplier_id else pd.Series(True, index=terms.index)
        terms.loc[th, "lead_time_days"] = terms.loc[th, "lead_time_days"] + sc.supplier_delay_days

    # line capacity in days per week, less open orders' share and scenario downtime
    lines = inp.lines
    if sc.line_id is not None and sc.line_id not in lines.index:
        raise UserInputError(f"未知产线:{sc.line_id}", f"unknown line: {sc.line_id}", line_id=sc.line_id)
    cap_days = {ln: np.full(n_t, float(days_per_week)) for ln in lines.index}
    if sc.line_id is not None:
        for t, p in enumerate(periods):
            week = pd.date_range(p, p + dt.timedelta(days=6))
            down = ((week.date >= sc.line_down_from) & (week.date <= sc.line_down_to)).sum()
            cap_days[sc.line_id][t] = max(0.0, cap_days[sc.line_id][t] - days_per_week * down / 7.0)
    fixed_days = {ln: np.zeros(n_t) for ln in lines.index}
    for r in inp.open_mo.itertuples(index=False):
        t = _bucket(pd.Timestamp(r.planned_end).date(), periods)
        if 0 <= t < n_t and r.line_id in fixed_days:
            fixed_days[r.line_id][t] += r.qty / float(lines.at[r.line_id, "capacity_per_day"])

    mps_rows, exc_rows, cap_rows = [], [], []
    fg_demand: list[dict] = []
    by_line: dict[str, list[str]] = defaultdict(list)
    dem = demand.groupby(["sku", "period"])["qty"].sum()
    src = demand.groupby(["sku", "period"])["source"].apply(list)
    for sku in sorted(demand["sku"].unique()):
        by_line[inp.line_of.get(sku, "")].append(sku)
    for line, skus in sorted(by_line.items()):
        n_i = len(skus)
        d = np.zeros((n_i, n_t))
        sources: list[list[list[str]]] = [[[] for _ in range(n_t)] for _ in range(n_i)]
        for i, sku in enumerate(skus):
            part = dem.loc[sku]
            for p, q in part.items():
                d[i, index[p]] = q
                sources[i][index[p]] = src.loc[(sku, p)]
        shelf = products["shelf_life_days"].reindex(skus).astype(float).fillna(0.0).to_numpy()
        pct = np.array([inp.min_pct.get(s, 0.0) for s in skus])
        ahead = [max_ahead_weeks(sl, pc) for sl, pc in zip(shelf, pct, strict=True)]
        net, held, expiring = np.zeros_like(d), np.zeros_like(d), np.zeros_like(d)
        unsellable = np.zeros(n_i)
        for i, sku in enumerate(skus):
            lots: list = [
                (None if pd.isna(e) else pd.Timestamp(e).date(), float(q))
                for e, q in inp.fg_stock.loc[
                    inp.fg_stock["item_id"] == sku, ["expiry_date", "qty"]
                ].itertuples(index=False)
            ]
            # stock already expired or below even the loosest customer's minimum remaining life at
            # the as-of date is no supply and no waste of this plan: reported apart (unsellable)
            floor_days = float(shelf[i] * inp.old_pct.get(sku, pct[i]))
            dead = [lot[0] is not None and (lot[0] - inp.as_of).days < floor_days for lot in lots]
            unsellable[i] = sum(lot[1] for lot, x in zip(lots, dead, strict=True) if x)
            lots = [lot for lot, x in zip(lots, dead, strict=True) if not x]
            mos = inp.open_mo[inp.open_mo["sku"] == sku]
            for r in mos.itertuples(index=False):
                due = pd.Timestamp(r.planned_end).date()
                lots.append((due + dt.timedelta(days=int(shelf[i])) if shelf[i] else None, float(r.qty), due))
            ns = net_stock(periods, d[i], lots, shelf[i] * inp.old_pct.get(sku, pct[i]))
            net[i], held[i], expiring[i] = ns.net, ns.held, ns.expiring
            if len(mos):
                ends = [p + dt.timedelta(days=6) for p in periods]
                rec = [
                    (
                        max(0, _bucket(pd.Timestamp(r.planned_end).date(), periods)),
                        float(r.qty),
                        r.order_id,
                        pd.Timestamp(r.planned_end).date(),
                    )
                    for r in mos.itertuples(index=False)
                ]
                rec = [x for x in rec if x[0] < n_t]
                stock_lots = [[lot[0] or dt.date.max, lot[1]] for lot in lots if len(lot) == 2]
                for e in _reschedule(
                    sku,
                    periods,
                    list(d[i]),
                    stock_lots,
                    rec,
                    float(ss_total.get(sku, 0.0)),
                    int(shelf[i] * inp.old_pct.get(sku, pct[i])),
                    ends,
                ):
                    exc_rows.append({**e, "site_id": inp.plant_of.get(sku)})
        if line and line in lines.index:
            rate = np.full(n_i, float(lines.at[line, "capacity_per_day"]))
            avail = np.maximum(cap_days[line] - fixed_days[line], 0.0)
        else:  # never made before: no line to bound it
            rate = np.ones(n_i)
            avail = np.full(n_t, np.inf)
        tail = d.mean(axis=1)
        sched = schedule_line(
            net,
            np.where(np.isfinite(avail), avail, 1e12),
            rate,
            ahead,
            safety=[float(ss_total.get(s, 0.0)) for s in skus],
            held=held,
            min_run=[inp.min_run.get(s, 0.0) for s in skus],
            value=[inp.costs.get(s, 1.0) for s in skus],
            tail_demand=tail,
            costs=costs,
            time_limit=time_limit,
        )
        site = lines.at[line, "site_id"] if line in lines.index else None
        for i, sku in enumerate(skus):
            plant = inp.plant_of.get(sku, site)
            pegs = _fifo_pegs(sched.production[i], d[i] - 0.0, net[i] - sched.shortage[i], sources[i])
            for t, p in enumerate(periods):
                mps_rows.append(
                    {
                        "sku": sku,
                        "site_id": plant,
                        "line_id": line or None,
                        "period": p,
                        "demand": d[i, t],
                        "net": net[i, t],
                        "production": sched.production[i, t],
                        "shortage": sched.shortage[i, t],
                        "stock": sched.stock[i, t],
                        "held": held[i, t],
                        "waste": sched.waste[i, t],
                        "expiring": expiring[i, t],
                        "unsellable": unsellable[i] if t == 0 else 0.0,
                    }
                )
                if sched.production[i, t] > 1e-6:
                    fg_demand.append(
                        {
                            "site_id": plant,
                            "item_id": sku,
                            "period": p,
                            # a line makes whole units: the schedule's (forecast-driven) fractions round up
                            "qty": float(np.ceil(sched.production[i, t] - 1e-6)),
                            "source": pegs[t] or ["safety_stock"],
                        }
                    )
                if sched.shortage[i, t] > 1e-6:
                    exc_rows.append(
                        {
                            "kind": "shortage",
                            "site_id": plant,
                            "item_id": sku,
                            "period": p,
                            "qty": sched.shortage[i, t],
                            "detail": _shortage_reason(
                                line,
                                sched.load_days,
                                sched.capacity_days,
                                t,
                                ahead[i],
                                inp.min_run.get(sku, 0.0),
                            ),
                        }
                    )
                for kind, qty, detail in (
                    (
                        "expiring_before_use",
                        unsellable[i] if t == 0 else 0.0,
                        "already expired or below the customers' minimum remaining life at the as-of date",
                    ),
                    (
                        "expiring_before_use",
                        expiring[i, t],
                        "stock falls below the customers' minimum remaining life before it sells",
                    ),
                    ("expiring_before_use", sched.waste[i, t], "lot size makes more than can be sold fresh"),
                ):
                    if qty > 1e-6:
                        exc_rows.append(
                            {
                                "kind": kind,
                                "site_id": plant,
                                "item_id": sku,
                                "period": p,
                                "qty": qty,
                                "detail": detail,
                            }
                        )
        if line and line in lines.index:
            jit = (net / rate[:, None]).sum(axis=0) + fixed_days[line]
            load = sched.load_days + fixed_days[line]
            for t, p in enumerate(periods):
                capd = cap_days[line][t]
                over = max(0.0, jit[t] - capd)
                cap_rows.append(
                    {
                        "line_id": line,
                        "site_id": site,
                        "week": p,
                        "load_days": round(load[t], 4),
                        "capacity_days": capd,
                        "use_pct": round(100.0 * load[t] / capd, 1)
                        if capd > 0
                        else (0.0 if load[t] <= 0 else 999.0),
                        "overload_days": round(over, 4),
                    }
                )
                if over > 1e-6:
                    units = over * float(lines.at[line, "capacity_per_day"])
                    exc_rows.append(
                        {
                            "kind": "capacity_overload",
                            "site_id": site,
                            "item_id": line,
                            "period": p,
                            "qty": round(over, 3),
                            "detail": f"line-days over capacity (≈{units:,.0f} units) if made just in time; "
                            "the schedule builds ahead where shelf life allows",
                        }
                    )

    mps = pd.DataFrame(mps_rows)
    fgd = pd.DataFrame(fg_demand, columns=["site_id", "item_id", "period", "qty", "source"])
    orders, netting, mrp_exc = _mrp(inp, fgd, open_po, terms, periods)
    parts = [f for f in (pd.DataFrame(exc_rows, columns=EXCEPTION_COLUMNS), mrp_exc) if len(f)]
    exceptions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EXCEPTION_COLUMNS)
    capacity = pd.DataFrame(
        cap_rows,
        columns=["line_id", "site_id", "week", "load_days", "capacity_days", "use_pct", "overload_days"],
    )
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    return PlanResult(
        version,
        inp.as_of,
        inp.horizon,
        list(periods),
        demand,
        mps,
        orders,
        exceptions[EXCEPTION_COLUMNS],
        capacity,
        inp.safety,
        netting,
        inp.costs,
        inp.demand_source,
        sc,
    )


def _shortage_reason(line: str, load: np.ndarray, cap: np.ndarray, t: int, ahead: int, min_run: float) -> str:
    lo = max(0, t - ahead)
    if (load[lo : t + 1] >= cap[lo : t + 1] - 1e-6).all():
        return f"line {line} is full in every week this demand could be made (shelf life allows {ahead} weeks ahead)"
    if min_run > 0:
        return f"a minimum run of {min_run:,.0f} would make more than sells fresh; shortage is cheaper than waste"
    return f"cannot be made in time on line {line}"


def _bucket(day: dt.date, periods: list[dt.date]) -> int:
    if day < periods[0]:
        return -1
    return (day - periods[0]).days // 7


def _fifo_pegs(
    production: np.ndarray, _demand: np.ndarray, served: np.ndarray, sources: list[list[str]]
) -> list[list[str]]:
    """Which demand each week's production serves, first in first out."""
    n = len(production)
    cp = np.concatenate([[0.0], np.cumsum(production)])
    cs = np.concatenate([[0.0], np.cumsum(np.maximum(served, 0.0))])
    out: list[list[str]] = [[] for _ in range(n)]
    for s in range(n):
        if production[s] <= 1e-9:
            continue
        lo, hi = cp[s], cp[s + 1]
        for t in range(s, n):
            if cs[t + 1] > lo + 1e-9 and cs[t] < hi - 1e-9:
                out[s].extend(sources[t])
            if cs[t] >= hi:
                break
    return out


def _mrp(
    inp: _Inputs, fgd: pd.DataFrame, open_po: pd.DataFrame, terms: pd.DataFrame, periods: list[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Explode the scheduled production through the BOM, per plant."""
    bom = inp.bom
    all_orders, all_net, all_exc = [], [], []
    for plant in sorted(fgd["site_id"].dropna().unique()):
        d = fgd[fgd["site_id"] == plant]
        skus = set(d["item_id"])
        sub = bom[bom["parent_id"].isin(skus)]
        frontier = set(sub["component_id"])
        while frontier:  # intermediates' own components
            more = bom[bom["parent_id"].isin(frontier) & ~bom.index.isin(sub.index)]
            sub = pd.concat([sub, more])
            frontier = set(more["component_id"])
        items = [
            {"item_id": s, "make_buy": "make", "lead_time_days": inp.prod_lead.get(s, 1)}
            for s in sorted(skus)
        ]
        parents = set(sub["parent_id"])
        for mat in sorted(set(sub["component_id"])):
            make = mat in parents
            t = terms.loc[mat] if mat in terms.index and not make else None
            items.append(
                {
                    "item_id": mat,
                    "make_buy": "make" if make else "buy",
                    "lead_time_days": 1 if make else (int(t["lead_time_days"]) if t is not None else 7),
                    "moq": 0.0 if t is None or pd.isna(t["moq"]) else float(t["moq"]),
                    "order_multiple": 0.0
                    if t is None or pd.isna(t["order_multiple"])
                    else float(t["order_multiple"]),
                    "supplier_id": None if t is None else t["supplier_id"],
                }
            )
        on_hand = inp.mat_stock[(inp.mat_stock["site_id"] == plant)][["item_id", "qty", "expiry_date"]]
        receipts = open_po[open_po["site_id"].eq(plant) | open_po["site_id"].isna()][
            ["item_id", "due_date", "qty", "order_id"]
        ]
        res = run_mrp(
            list(periods),
            d[["item_id", "period", "qty", "source"]],
            sub,
            pd.DataFrame(items),
            on_hand,
            receipts,
            site_id=plant,
            as_of=inp.as_of,
        )
        o = res.orders.copy()
        o["order_id"] = plant + "-" + o["order_id"]
        o["pegged_to"] = [
            [plant + "-" + x if x.startswith("PLN-") else x for x in peg] for peg in o["pegged_to"]
        ]
        o["is_fg"] = o["item_id"].isin(skus)
        o["line_id"] = np.where(o["is_fg"], o["item_id"].map(inp.line_of), None)
        all_orders.append(o)
        all_net.append(res.netting.assign(site_id=plant))
        all_exc.append(res.exceptions.assign(site_id=plant))
    cols = [*ORDER_COLUMNS, "is_fg", "line_id"]
    orders = pd.concat(all_orders, ignore_index=True) if all_orders else pd.DataFrame(columns=cols)
    netting = pd.concat(all_net, ignore_index=True) if all_net else pd.DataFrame()
    exc = pd.concat(all_exc, ignore_index=True) if all_exc else pd.DataFrame(columns=EXCEPTION_COLUMNS)
    return orders, netting, exc[EXCEPTION_COLUMNS] if len(exc) else pd.DataFrame(columns=EXCEPTION_COLUMNS)


# --------------------------------------------------------------------------- storage
def _store(wh: Warehouse, res: PlanResult) -> None:
    o = res.orders
    orders = pd.DataFrame(
        {
            "version": res.version,
            "as_of": pd.Timestamp(res.as_of),
            "order_id": o["order_id"],
            "order_type": o["order_type"],
            "item_id": o["item_id"],
            "site_id": o["site_id"],
            "supplier_id": o["supplier_id"].where(o["supplier_id"].map(lambda x: isinstance(x, str)), None),
            "line_id": o["line_id"].where(o["line_id"].map(lambda x: isinstance(x, str)), None),
            "qty": o["qty"].astype(float),
            "release_date": pd.to_datetime(o["release_date"]),
            "due_date": pd.to_datetime(o["due_date"]),
            "late": o["late"].astype(bool),
            "pegged_to": o["pegged_to"].map(list),
        }
    )
    e = res.exceptions
    exc = pd.DataFrame(
        {
            "version": res.version,
            "as_of": pd.Timestamp(res.as_of),
            "kind": e["kind"],
            "site_id": e["site_id"],
            "item_id": e["item_id"],
            "period": pd.to_datetime(e["period"]),
            "qty": e["qty"].astype(float),
            "detail": e["detail"],
            "order_id": e["order_id"].where(e["order_id"].map(lambda x: isinstance(x, str)), None),
        }
    )
    c = res.capacity
    cap = pd.DataFrame(
        {
            "version": res.version,
            "as_of": pd.Timestamp(res.as_of),
            "line_id": c["line_id"],
            "site_id": c["site_id"],
            "week": pd.to_datetime(c["week"]),
            "load_days": c["load_days"].astype(float),
            "capacity_days": c["capacity_days"].astype(float),
            "use_pct": c["use_pct"].astype(float),
            "overload_days": c["overload_days"].astype(float),
        }
    )
    kpis = json.dumps(res.kpis(), ensure_ascii=False)
    # The tables written (a Spark warehouse stages them and publishes them at commit).
    written = (PLANNED_ORDERS_TABLE, PLAN_EXCEPTIONS_TABLE, PLAN_CAPACITY_TABLE, PLAN_RUNS_TABLE)
    with wh.transaction(written) as con:
        for ddl in _DDL:
            con.execute(ddl)
        for table, frame in (
            (PLANNED_ORDERS_TABLE, orders),
            (PLAN_EXCEPTIONS_TABLE, exc),
            (PLAN_CAPACITY_TABLE, cap),
        ):
            con.execute(f"DELETE FROM {table} WHERE as_of = ?", [res.as_of])
            if len(frame):
                con.register("_cs_plan_rows", frame)
                con.execute(f"INSERT INTO {table} SELECT * FROM _cs_plan_rows")
                con.unregister("_cs_plan_rows")
        con.execute(
            f"INSERT INTO {PLAN_RUNS_TABLE} VALUES (?, ?, now(), ?, ?, ?)",
            [res.version, res.as_of, res.horizon, res.demand_source, kpis],
        )


# --------------------------------------------------------------------------- what-if
def scenario(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    what: Scenario | None = None,
    *,
    demand_file: str | Path | None = None,
    service_level: float = 0.95,
    costs: MpsCosts = DEFAULT_COSTS,
    time_limit: float = 10.0,
    plans: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """What-if vs the base plan (same forecast, stock and orders); nothing is stored.

    ``what`` (or its fields as keyword arguments, e.g. ``demand_pct=20, channel="tmall"``)
    describes the change. Returns both plans' KPIs side by side and both exception summaries (with
    ``plans``, also the two :class:`PlanResult` under ``"plans"``).
    """
    sc = what or Scenario(**kwargs)
    inp = _gather(wh, as_of, horizon, demand_file, service_level)
    base = _run(wh, inp, Scenario(), costs, 7.0, time_limit)
    alt = _run(wh, inp, sc, costs, 7.0, time_limit)
    b, s = base.kpis(), alt.kpis()
    kpis = [{"kpi": k, "base": b[k], "scenario": s[k], "change": round(s[k] - b[k], 2)} for k in b]
    d = asdict(sc)
    for k in ("line_down_from", "line_down_to"):
        d[k] = d[k].isoformat() if d[k] else None
    return {
        "as_of": base.as_of.isoformat(),
        "scenario": d,
        "description": sc.describe(),
        "kpis": kpis,
        "exceptions": {"base": base.exception_summary(), "scenario": alt.exception_summary()},
        **({"plans": (base, alt)} if plans else {}),
    }
