"""The planning run: demand → MPS per line (HiGHS) → MRP per plant → exceptions, from inputs read
before (:mod:`chainsight.planning._plan_inputs`); pure, so a plan and its what-ifs share one read.

The MPS nets demand against stock and open orders (first expiry first) and schedules what is left
within line capacity and the shelf-life window (:mod:`chainsight.planning._mps`); MRP explodes the
scheduled production through the BOM (:func:`chainsight.planning.run_mrp`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chainsight._errors import UserInputError
from chainsight.planning._mps import MpsCosts, max_ahead_weeks, net_stock, schedule_line
from chainsight.planning._mrp import ORDER_COLUMNS, _reschedule, run_mrp
from chainsight.planning._plan_inputs import PlanInputs
from chainsight.planning._plan_types import EXCEPTION_COLUMNS, PlanResult, Scenario


def _scaled_demand(inp: PlanInputs, sc: Scenario) -> pd.DataFrame:
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
        sh = inp.shares[key]  # read by plan_inputs.add_shares
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


def run_plan(
    inp: PlanInputs, sc: Scenario, costs: MpsCosts, days_per_week: float, time_limit: float
) -> PlanResult:
    """Plan from ``inp`` under scenario ``sc``; reads nothing (``inp`` has it all).

    Per line: each SKU's demand is netted against its usable stock and open orders, the line is
    scheduled (HiGHS) within its free capacity and the SKUs' shelf-life windows; then the scheduled
    production is exploded through the BOM per plant (MRP).
    """
    periods = inp.periods
    demand = _scaled_demand(inp, sc)
    demand = demand[demand["site_id"].notna() & demand["period"].isin(set(periods))]
    open_po, terms = _supplier_delay(inp, sc)
    cap_days, fixed_days = _line_days(inp, sc, days_per_week)
    ss_total = inp.safety.groupby("sku")["safety_stock"].sum()
    out = _Rows()
    dem = demand.groupby(["sku", "period"])["qty"].sum()
    src = demand.groupby(["sku", "period"])["source"].apply(list)
    by_line: dict[str, list[str]] = defaultdict(list)
    for sku in sorted(demand["sku"].unique()):
        by_line[inp.line_of.get(sku, "")].append(sku)
    for line, skus in sorted(by_line.items()):
        d, sources = _demand_grid(skus, dem, src, periods)
        _plan_line(inp, line, skus, d, sources, cap_days, fixed_days, ss_total, costs, time_limit, out)

    mps = pd.DataFrame(out.mps)
    fgd = pd.DataFrame(out.fg_demand, columns=["site_id", "item_id", "period", "qty", "source"])
    orders, netting, mrp_exc = _mrp(inp, fgd, open_po, terms, periods)
    parts = [f for f in (pd.DataFrame(out.exceptions, columns=EXCEPTION_COLUMNS), mrp_exc) if len(f)]
    exceptions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EXCEPTION_COLUMNS)
    capacity = pd.DataFrame(out.capacity, columns=CAPACITY_COLUMNS)
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


CAPACITY_COLUMNS = ["line_id", "site_id", "week", "load_days", "capacity_days", "use_pct", "overload_days"]


@dataclass
class _Rows:
    """What the lines' plans add up to, in the order they are made."""

    mps: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    capacity: list[dict[str, Any]] = field(default_factory=list)
    fg_demand: list[dict[str, Any]] = field(default_factory=list)  # scheduled production: MRP's demand


def _supplier_delay(inp: PlanInputs, sc: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open purchase orders and supplier terms, a late supplier's orders arriving later and its
    lead times longer."""
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
    return open_po, terms


def _line_days(
    inp: PlanInputs, sc: Scenario, days_per_week: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per line and week: days of capacity (less the scenario's downtime) and days open production
    orders already take."""
    periods, lines = inp.periods, inp.lines
    n_t = len(periods)
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
    return cap_days, fixed_days


def _demand_grid(
    skus: list[str], dem: pd.Series, src: pd.Series, periods: list[dt.date]
) -> tuple[np.ndarray, list[list[list[str]]]]:
    """SKU × week demand of one line's SKUs, and the demand each cell stands for (for pegging)."""
    index = {p: i for i, p in enumerate(periods)}
    d = np.zeros((len(skus), len(periods)))
    sources: list[list[list[str]]] = [[[] for _ in periods] for _ in skus]
    for i, sku in enumerate(skus):
        for p, q in dem.loc[sku].items():
            d[i, index[p]] = q
            sources[i][index[p]] = src.loc[(sku, p)]
    return d, sources


def _plan_line(
    inp: PlanInputs,
    line: str,
    skus: list[str],
    d: np.ndarray,
    sources: list[list[list[str]]],
    cap_days: dict[str, np.ndarray],
    fixed_days: dict[str, np.ndarray],
    ss_total: pd.Series,
    costs: MpsCosts,
    time_limit: float,
    out: _Rows,
) -> None:
    """Net, schedule and report one line's SKUs (``line`` is "" for SKUs never made before)."""
    periods, lines = inp.periods, inp.lines
    n_i, n_t = d.shape
    shelf = inp.products["shelf_life_days"].reindex(skus).astype(float).fillna(0.0).to_numpy()
    pct = np.array([inp.min_pct.get(s, 0.0) for s in skus])
    ahead = [max_ahead_weeks(sl, pc) for sl, pc in zip(shelf, pct, strict=True)]
    net, held, expiring = np.zeros_like(d), np.zeros_like(d), np.zeros_like(d)
    unsellable = np.zeros(n_i)
    for i, sku in enumerate(skus):
        net[i], held[i], expiring[i], unsellable[i] = _net_sku(
            inp, sku, d[i], shelf[i], float(inp.old_pct.get(sku, pct[i])), float(ss_total.get(sku, 0.0)), out
        )
    if line and line in lines.index:
        rate = np.full(n_i, float(lines.at[line, "capacity_per_day"]))
        avail = np.maximum(cap_days[line] - fixed_days[line], 0.0)
    else:  # never made before: no line to bound it
        rate = np.ones(n_i)
        avail = np.full(n_t, np.inf)
    sched = schedule_line(
        net,
        np.where(np.isfinite(avail), avail, 1e12),
        rate,
        ahead,
        safety=[float(ss_total.get(s, 0.0)) for s in skus],
        held=held,
        min_run=[inp.min_run.get(s, 0.0) for s in skus],
        value=[inp.costs.get(s, 1.0) for s in skus],
        tail_demand=d.mean(axis=1),
        costs=costs,
        time_limit=time_limit,
    )
    site = lines.at[line, "site_id"] if line in lines.index else None
    for i, sku in enumerate(skus):
        plant = inp.plant_of.get(sku, site)
        pegs = _fifo_pegs(sched.production[i], d[i] - 0.0, net[i] - sched.shortage[i], sources[i])
        for t, p in enumerate(periods):
            out.mps.append(
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
                out.fg_demand.append(
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
                out.exceptions.append(
                    {
                        "kind": "shortage",
                        "site_id": plant,
                        "item_id": sku,
                        "period": p,
                        "qty": sched.shortage[i, t],
                        "detail": _shortage_reason(
                            line, sched.load_days, sched.capacity_days, t, ahead[i], inp.min_run.get(sku, 0.0)
                        ),
                    }
                )
            for qty, detail in (
                (
                    unsellable[i] if t == 0 else 0.0,
                    "already expired or below the customers' minimum remaining life at the as-of date",
                ),
                (expiring[i, t], "stock falls below the customers' minimum remaining life before it sells"),
                (sched.waste[i, t], "lot size makes more than can be sold fresh"),
            ):
                if qty > 1e-6:
                    out.exceptions.append(
                        {
                            "kind": "expiring_before_use",
                            "site_id": plant,
                            "item_id": sku,
                            "period": p,
                            "qty": qty,
                            "detail": detail,
                        }
                    )
    if line and line in lines.index:
        _line_load(
            inp, line, site, net / rate[:, None], sched.load_days, cap_days[line], fixed_days[line], out
        )


def _net_sku(
    inp: PlanInputs,
    sku: str,
    demand: np.ndarray,
    shelf: float,
    floor_pct: float,
    safety: float,
    out: _Rows,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One SKU's demand net of its usable stock and open production orders (first expiry first):
    net demand, stock held, stock expiring unsold, and stock unsellable already; open orders to
    expedite, defer or cancel go to ``out``. ``floor_pct``: the loosest customer's minimum
    remaining life (old stock may still go there)."""
    periods, n_t = inp.periods, len(inp.periods)
    lots: list = [
        (None if pd.isna(e) else pd.Timestamp(e).date(), float(q))
        for e, q in inp.fg_stock.loc[inp.fg_stock["item_id"] == sku, ["expiry_date", "qty"]].itertuples(
            index=False
        )
    ]
    # stock already expired or below even the loosest customer's minimum remaining life at the
    # as-of date is no supply and no waste of this plan: reported apart (unsellable)
    floor_days = float(shelf * floor_pct)
    dead = [lot[0] is not None and (lot[0] - inp.as_of).days < floor_days for lot in lots]
    unsellable = sum(lot[1] for lot, x in zip(lots, dead, strict=True) if x)
    lots = [lot for lot, x in zip(lots, dead, strict=True) if not x]
    mos = inp.open_mo[inp.open_mo["sku"] == sku]
    for r in mos.itertuples(index=False):
        due = pd.Timestamp(r.planned_end).date()
        lots.append((due + dt.timedelta(days=int(shelf)) if shelf else None, float(r.qty), due))
    ns = net_stock(periods, demand, lots, shelf * floor_pct)
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
            sku, periods, list(demand), stock_lots, rec, safety, int(shelf * floor_pct), ends
        ):
            out.exceptions.append({**e, "site_id": inp.plant_of.get(sku)})
    return ns.net, ns.held, ns.expiring, unsellable


def _line_load(
    inp: PlanInputs,
    line: str,
    site: str | None,
    jit_days: np.ndarray,
    load_days: np.ndarray,
    cap_days: np.ndarray,
    fixed_days: np.ndarray,
    out: _Rows,
) -> None:
    """A line's weekly load and capacity; an overload where making every SKU just in time (``jit_days``,
    SKU × week) would exceed capacity."""
    jit = jit_days.sum(axis=0) + fixed_days
    load = load_days + fixed_days
    for t, p in enumerate(inp.periods):
        capd = cap_days[t]
        over = max(0.0, jit[t] - capd)
        out.capacity.append(
            {
                "line_id": line,
                "site_id": site,
                "week": p,
                "load_days": round(load[t], 4),
                "capacity_days": capd,
                "use_pct": round(100.0 * load[t] / capd, 1) if capd > 0 else (0.0 if load[t] <= 0 else 999.0),
                "overload_days": round(over, 4),
            }
        )
        if over > 1e-6:
            units = over * float(inp.lines.at[line, "capacity_per_day"])
            out.exceptions.append(
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
    inp: PlanInputs, fgd: pd.DataFrame, open_po: pd.DataFrame, terms: pd.DataFrame, periods: list[dt.date]
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
