"""``plan``: forecast (or consensus demand) → MRP per plant, from the warehouse; ``scenario``: what-if vs base.

Inputs read from the warehouse, aggregated in DuckDB/Ibis:

* demand per SKU × week: the statistical forecast, replaced by a consensus plan (``--demand FILE``)
  for the SKUs and weeks it covers; each SKU is planned at the plant that made it most often;
* finished-goods stock: latest snapshot on or before ``as_of``, ``available``, at plants and DCs
  (distributor warehouses belong to customers), usable while its remaining life stays above the
  strictest channel minimum (``channels.min_remaining_life_pct`` × shelf life);
* material stock at the plant, usable before expiry;
* scheduled receipts: open purchase orders (ordered − received and passed QC), open production orders;
* buy terms: the cheapest supplier of each material (lead time, MOQ, multiple);
* safety stock of finished goods: Σ over sites of :func:`safety_stock`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainsight._errors import UserInputError
from chainsight.planning._mrp import run_mrp
from chainsight.planning._safety import safety_stock
from chainsight.warehouse import Warehouse

__all__ = ["PlanResult", "plan", "read_demand_plan", "scenario"]


@dataclass
class PlanResult:
    """Planned orders, exceptions, safety stock and capacity load of one plan."""

    as_of: dt.date
    orders: pd.DataFrame
    exceptions: pd.DataFrame
    safety: pd.DataFrame
    capacity: pd.DataFrame
    demand: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    prices: dict[str, float] = field(repr=False, default_factory=dict)

    def order_records(self) -> list[dict[str, Any]]:
        """Orders as JSON-ready records: order_type, item_id, site_id, supplier_id, qty, dates, pegged_to."""
        cols = [
            "order_id",
            "order_type",
            "item_id",
            "site_id",
            "supplier_id",
            "qty",
            "release_date",
            "due_date",
            "late",
            "pegged_to",
        ]
        recs = self.orders[cols].to_dict("records")
        for r in recs:
            r["qty"] = round(float(r["qty"]), 3)
            r["late"] = bool(r["late"])
            r["release_date"] = r["release_date"].isoformat()
            r["due_date"] = r["due_date"].isoformat()
            r["supplier_id"] = r["supplier_id"] if isinstance(r["supplier_id"], str) else None
        return recs

    def exception_summary(self) -> list[dict[str, Any]]:
        if self.exceptions.empty:
            return []
        g = (
            self.exceptions.groupby("kind")
            .agg(items=("item_id", "nunique"), qty=("qty", "sum"))
            .reset_index()
        )
        return [
            {"kind": r.kind, "items": int(r.items), "qty": round(float(r.qty), 1)} for r in g.itertuples()
        ]

    def kpis(self) -> dict[str, float]:
        o = self.orders
        purchase = o[o["order_type"] == "purchase"]
        value = float((purchase["qty"] * purchase["item_id"].map(self.prices).fillna(0.0)).sum())
        exc = self.exceptions
        return {
            "planned_production_qty": round(float(o.loc[o["order_type"] == "production", "qty"].sum()), 1),
            "purchase_value": round(value, 2),
            "late_orders": int(o["late"].sum()) if len(o) else 0,
            "expiring_qty": round(float(exc.loc[exc["kind"] == "expiring_before_use", "qty"].sum()), 1),
            "max_capacity_use_pct": round(float(self.capacity["use_pct"].max()), 1)
            if len(self.capacity)
            else 0.0,
        }


def read_demand_plan(path: str | Path) -> pd.DataFrame:
    """A consensus demand plan: CSV or Excel with ``sku, site_id, period, qty``; bad rows are a user error
    naming file, row and column."""
    p = Path(path)
    if not p.exists():
        raise UserInputError("文件不存在", "file does not exist", file=str(p))
    try:
        df = (
            pd.read_excel(p, dtype=str)
            if p.suffix.lower() in (".xlsx", ".xls")
            else pd.read_csv(p, dtype=str)
        )
    except Exception as exc:
        raise UserInputError(f"无法读取文件:{exc}", f"cannot read the file: {exc}", file=str(p)) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("sku", "period", "qty") if c not in df.columns]
    if missing:
        raise UserInputError(
            f"缺少列:{', '.join(missing)}", f"missing columns: {', '.join(missing)}", file=str(p)
        )
    qty = pd.to_numeric(df["qty"], errors="coerce")
    period = pd.to_datetime(df["period"], errors="coerce")
    for col, bad in (("qty", qty.isna() | (qty < 0)), ("period", period.isna()), ("sku", df["sku"].isna())):
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise UserInputError(
                f'第 {i + 2} 行,列 "{col}":{df[col].iloc[i]!r} 无效',
                f'row {i + 2}, column "{col}": {df[col].iloc[i]!r} is not valid',
                file=str(p),
            )
    out = pd.DataFrame({"sku": df["sku"].str.strip(), "site_id": df.get("site_id"), "qty": qty.astype(float)})
    out["period"] = (period - pd.to_timedelta(period.dt.dayofweek, unit="D")).dt.date
    return out


def _latest(wh: Warehouse, as_of: dt.date) -> pd.DataFrame:
    inv = wh.table("inventory")
    inv = inv.filter(inv.snapshot_date <= as_of)
    last = inv.snapshot_date.max().execute()
    if last is None:
        return pd.DataFrame(columns=["site_id", "item_id", "qty", "expiry_date"])
    snap = inv.filter((inv.snapshot_date == last) & (inv.status == "available"))
    snap = snap.group_by(["site_id", "item_id", "expiry_date"]).aggregate(qty=snap.qty.sum())
    return snap.execute()


def _mode(df: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    counts = df.groupby([key, value]).size().reset_index(name="n").sort_values([key, "n", value])
    return dict(zip(counts[key], counts[value], strict=True)) if len(counts) else {}


def plan(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    demand_file: str | Path | None = None,
    service_level: float = 0.95,
    *,
    demand_scale: dict[str, float] | float | None = None,
    supplier_delay_days: int = 0,
) -> PlanResult:
    """Plan ``horizon`` weeks from ``as_of``: planned production and purchase orders per plant."""
    from chainsight.planning._forecast import forecast

    if as_of is None:
        last = wh.table("sell_in").date.max().execute()
        if last is None:
            raise UserInputError("没有需求历史", "no demand history to plan from")
        as_of = pd.Timestamp(last).date()
    fc = forecast(wh, "sku", "week", horizon, as_of, store=False, reconcile=False)
    demand = pd.DataFrame(fc.records)
    demand = demand.assign(period=pd.to_datetime(demand["period"]).dt.date, qty=demand["forecast"])
    periods = sorted(demand["period"].unique())
    po = wh.table("production_orders").execute()
    plant_of = _mode(po, "sku", "site_id")
    line_of = _mode(po, "sku", "line_id")
    demand["site_id"] = demand["sku"].map(plant_of)
    demand["source"] = "forecast:" + demand["sku"] + "@" + demand["period"].astype(str)
    if demand_file is not None:
        cons = read_demand_plan(demand_file)
        cons["site_id"] = cons["site_id"].fillna(cons["sku"].map(plant_of))
        covered = set(zip(cons["sku"], cons["period"], strict=True))
        keep = [(s, p) not in covered for s, p in zip(demand["sku"], demand["period"], strict=True)]
        cons["source"] = "consensus:" + cons["sku"] + "@" + cons["period"].astype(str)
        demand = pd.concat([demand[keep], cons], ignore_index=True)
    if demand_scale is not None:
        factor = (
            demand["sku"].map(demand_scale).fillna(1.0)
            if isinstance(demand_scale, dict)
            else float(demand_scale)
        )
        demand["qty"] = demand["qty"] * factor
    demand = demand[demand["site_id"].notna()]

    products = wh.table("products").execute().set_index("sku")
    wh.table("materials").execute().set_index("material_id")
    bom = wh.table("bom").execute()[["parent_id", "component_id", "qty_per", "scrap_rate"]]
    terms = wh.table("supplier_materials").execute().sort_values(["material_id", "unit_price", "supplier_id"])
    terms = terms.drop_duplicates("material_id").set_index("material_id")
    channels = wh.table("channels").execute()
    min_pct = float(channels["min_remaining_life_pct"].max()) if len(channels) else 0.0
    min_pct = 0.0 if math.isnan(min_pct) else min_pct
    sites = wh.table("sites").execute()
    own = set(sites.loc[sites["type"].isin(["plant", "dc"]), "site_id"])
    stock = _latest(wh, as_of)
    ss = safety_stock(wh, as_of, service_level)
    ss_total = ss.groupby("sku")["safety_stock"].sum()

    # open purchase orders: ordered − received (QC passed), promised after as_of
    pos = wh.table("purchase_orders")
    rec = wh.table("receipts")
    rec = rec.filter(rec.qc_status != "failed")
    got = rec.group_by(["po_id", "line_no"]).aggregate(received=rec.qty.sum())
    openpo = pos.left_join(got, [pos.po_id == got.po_id, pos.line_no == got.line_no])
    openpo = openpo.filter(openpo.order_date <= as_of).mutate(
        open_qty=openpo.qty - openpo.received.fill_null(0)
    )
    openpo = (
        openpo.filter(openpo.open_qty > 0)
        .select("site_id", item_id=openpo.material_id, due_date=openpo.promised_date, qty=openpo.open_qty)
        .execute()
    )
    openmo = po[po["status"].isin(["planned", "released", "in_progress"]) & po["planned_end"].notna()]
    openmo = openmo.rename(columns={"sku": "item_id", "planned_end": "due_date", "planned_qty": "qty"})

    all_orders, all_exc = [], []
    for plant in sorted(demand["site_id"].unique()):
        d = demand[demand["site_id"] == plant].rename(columns={"sku": "item_id"})
        skus = set(d["item_id"])
        sub = bom[bom["parent_id"].isin(skus)]
        frontier = set(sub["component_id"])
        while frontier:  # intermediates' own components
            more = bom[bom["parent_id"].isin(frontier) & ~bom.index.isin(sub.index)]
            sub = pd.concat([sub, more])
            frontier = set(more["component_id"]) - set(sub["parent_id"])
        items = []
        for sku in skus:
            shelf = products["shelf_life_days"].get(sku)
            shelf = 0 if shelf is None or pd.isna(shelf) else float(shelf)
            items.append(
                {
                    "item_id": sku,
                    "make_buy": "make",
                    "lead_time_days": 1,
                    "safety_stock": float(ss_total.get(sku, 0.0)),
                    "min_remaining_days": shelf * min_pct,
                }
            )
        for mat in set(sub["component_id"]):
            make = mat in set(sub["parent_id"])
            t = terms.loc[mat] if mat in terms.index else None
            items.append(
                {
                    "item_id": mat,
                    "make_buy": "make" if make else "buy",
                    "lead_time_days": (1 if make else int(t["lead_time_days"]) + supplier_delay_days)
                    if t is not None
                    else (1 if make else 7 + supplier_delay_days),
                    "moq": 0.0 if t is None or make else float(t["moq"] or 0),
                    "order_multiple": 0.0
                    if t is None or make or pd.isna(t["order_multiple"])
                    else float(t["order_multiple"]),
                    "supplier_id": None if t is None or make else t["supplier_id"],
                }
            )
        stock_fg = stock[stock["item_id"].isin(skus) & stock["site_id"].isin(own)]
        stock_mat = stock[(stock["site_id"] == plant) & ~stock["item_id"].isin(skus)]
        receipts = pd.concat(
            [
                openpo[openpo["site_id"] == plant][["item_id", "due_date", "qty"]],
                openmo[(openmo["site_id"] == plant) & openmo["item_id"].isin(skus)][
                    ["item_id", "due_date", "qty"]
                ],
            ]
        )
        on_hand = pd.concat([stock_fg, stock_mat])[["item_id", "qty", "expiry_date"]]
        item_frame = pd.DataFrame(items)
        dem = d[["item_id", "period", "qty", "source"]]
        res = run_mrp(list(periods), dem, sub, item_frame, on_hand, receipts, site_id=plant, as_of=as_of)
        levelled, short = _level(wh, res.orders, line_of, products, min_pct, list(periods))
        if levelled is not None and len(levelled):
            # second pass: finished goods made exactly as levelled (stock and safety stock were netted
            # in the first pass); components are exploded from the levelled production
            fg = set(levelled["item_id"])
            item_frame.loc[item_frame["item_id"].isin(fg), ["safety_stock", "min_remaining_days"]] = 0.0
            on_hand = on_hand[~on_hand["item_id"].isin(fg)]
            receipts = receipts[~receipts["item_id"].isin(fg)]
            dem = pd.concat([dem[~dem["item_id"].isin(fg)], levelled], ignore_index=True)
            res = run_mrp(list(periods), dem, sub, item_frame, on_hand, receipts, site_id=plant, as_of=as_of)
        orders = res.orders.assign(order_id=plant + "-" + res.orders["order_id"])
        all_orders.append(orders)
        all_exc.append(res.exceptions.assign(site_id=plant))
        if short is not None and len(short):
            all_exc.append(short.assign(site_id=plant))
    orders = pd.concat(all_orders, ignore_index=True) if all_orders else pd.DataFrame()
    exceptions = pd.concat(all_exc, ignore_index=True) if all_exc else pd.DataFrame()
    capacity = _capacity(wh, orders, line_of)
    over = capacity[capacity["use_pct"] > 100]
    if len(over):
        exceptions = pd.concat(
            [
                exceptions,
                pd.DataFrame(
                    {
                        "kind": "capacity_overload",
                        "item_id": over["line_id"],
                        "period": over["week"],
                        "qty": over["load"] - over["capacity"],
                        "detail": "planned production above line capacity",
                        "site_id": over["site_id"],
                    }
                ),
            ],
            ignore_index=True,
        )
    prices = {**terms["unit_price"].astype(float).to_dict()}
    return PlanResult(as_of, orders, exceptions, ss, capacity, demand, prices)


def _level(
    wh: Warehouse,
    orders: pd.DataFrame,
    line_of: dict[str, str],
    products: pd.DataFrame,
    min_pct: float,
    periods: list[dt.date],
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Where a line is overloaded, re-time its finished-goods production with the HiGHS LP."""
    from chainsight.planning._mps import level_production

    load = _capacity(wh, orders, line_of)
    over = set(load.loc[load["use_pct"] > 100, "line_id"])
    if not over:
        return None, None
    lines = wh.table("lines").execute().set_index("line_id")
    prod = orders[(orders["order_type"] == "production")].copy()
    prod["line_id"] = prod["item_id"].map(line_of)
    index = {p: i for i, p in enumerate(periods)}
    rows, short = [], []
    for line in sorted(over):
        part = prod[prod["line_id"] == line]
        skus = sorted(part["item_id"].unique())
        req = np.zeros((len(skus), len(periods)))
        for r in part.itertuples():
            req[skus.index(r.item_id), index.get(r.due_date, 0)] += r.qty
        shelf = products["shelf_life_days"].reindex(skus).fillna(0).astype(float).to_numpy()
        ahead = np.floor(shelf * (1 - min_pct) / 7).astype(int)
        cap = np.full(len(periods), float(lines.at[line, "capacity_per_day"]) * 7)
        x, back = level_production(req, cap, ahead)
        for i, sku in enumerate(skus):
            for t, p in enumerate(periods):
                if x[i, t] > 0:
                    rows.append(
                        {"item_id": sku, "period": p, "qty": x[i, t], "source": f"mps:{line}:{sku}@{p}"}
                    )
                if back[i, t] > 0 and (t == 0 or back[i, t] > back[i, t - 1]):
                    short.append(
                        {
                            "kind": "capacity_shortage",
                            "item_id": sku,
                            "period": p,
                            "qty": back[i, t] - (back[i, t - 1] if t else 0.0),
                            "detail": f"line {line} cannot make this in time, even building ahead",
                        }
                    )
    return pd.DataFrame(rows), pd.DataFrame(short, columns=["kind", "item_id", "period", "qty", "detail"])


def _capacity(wh: Warehouse, orders: pd.DataFrame, line_of: dict[str, str]) -> pd.DataFrame:
    cols = ["line_id", "site_id", "week", "load", "capacity", "use_pct"]
    if orders.empty:
        return pd.DataFrame(columns=cols)
    lines = wh.table("lines").execute().set_index("line_id")
    prod = orders[orders["order_type"] == "production"].copy()
    prod["line_id"] = prod["item_id"].map(line_of)
    prod = prod[prod["line_id"].notna()]
    load = prod.groupby(["line_id", "due_date"])["qty"].sum().reset_index()
    load.columns = ["line_id", "week", "load"]
    load["site_id"] = load["line_id"].map(lines["site_id"])
    load["capacity"] = load["line_id"].map(lines["capacity_per_day"]).astype(float) * 7
    load["use_pct"] = (load["load"] / load["capacity"] * 100).round(1)
    return load[cols]


def scenario(
    wh: Warehouse,
    as_of: dt.date | None = None,
    horizon: int = 13,
    *,
    demand_pct: float = 0.0,
    sku: str | None = None,
    supplier_delay_days: int = 0,
) -> dict[str, Any]:
    """What-if: demand ±``demand_pct`` % (for one ``sku`` or all) and/or suppliers ``n`` days late,
    planned side by side with the base plan; returns both plans' KPIs."""
    base = plan(wh, as_of, horizon)
    scale: dict[str, float] | float = 1 + demand_pct / 100
    if sku is not None:
        scale = {sku: 1 + demand_pct / 100}
    alt = plan(wh, base.as_of, horizon, demand_scale=scale, supplier_delay_days=supplier_delay_days)
    b, s = base.kpis(), alt.kpis()
    kpis = [{"kpi": k, "base": b[k], "scenario": s[k], "change": round(s[k] - b[k], 2)} for k in b]
    return {
        "as_of": base.as_of.isoformat(),
        "demand_pct": demand_pct,
        "sku": sku,
        "supplier_delay_days": supplier_delay_days,
        "kpis": kpis,
    }
