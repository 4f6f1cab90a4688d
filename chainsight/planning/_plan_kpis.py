"""Plan KPIs: service level, demand at risk, inventory value, expiry wastage, capacity use, orders.

Pure functions of a plan's frames (pandas, inside planning); :meth:`PlanResult.kpis` is their face.
"""

from __future__ import annotations

import pandas as pd


def plan_kpis(
    mps: pd.DataFrame,
    orders: pd.DataFrame,
    exceptions: pd.DataFrame,
    capacity: pd.DataFrame,
    netting: pd.DataFrame,
    costs: dict[str, float],
) -> dict[str, float]:
    """Service level, inventory value, expiry wastage, capacity use and order counts of one plan."""
    m, o, exc = mps, orders, exceptions
    total = float(m["demand"].sum()) if len(m) else 0.0
    short = float(m["shortage"].sum()) if len(m) else 0.0
    at_risk = _at_risk_qty(o)
    served = max(0.0, total - short - at_risk)
    value = costs
    fg_stock = (
        (m["stock"] + m["held"]) * m["sku"].map(value).fillna(0.0) if len(m) else pd.Series(dtype=float)
    )
    fg_value = float(fg_stock.groupby(m["period"]).sum().mean()) if len(m) else 0.0
    net = netting
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
    cap = capacity
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
