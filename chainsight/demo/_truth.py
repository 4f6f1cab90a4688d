"""truth.json: every planted signal with its ids, period and magnitude, measured on the generated data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from chainsight.demo import _catalog as cat
from chainsight.demo._demand import Demand
from chainsight.demo._master import Company, floor_price
from chainsight.demo._supply import Network, Purchasing, Replenishment
from chainsight.metrics import period_end


def _r(x: float, n: int = 4) -> float:
    return round(float(x), n)


def build_truth(
    co: Company,
    demand: Demand,
    rep: Replenishment,
    net: Network,
    pur: Purchasing,
    si: dict[str, Any],
    inv_info: dict[str, Any],
    pids: dict[str, Any],
    t_info: dict[str, Any],
) -> dict[str, Any]:
    cal = co.cal
    signals: dict[str, Any] = {}
    if co.signals:
        signals["expiring_lot"] = _expiring_lot(co, net, inv_info)
        signals["stuffed_distributor"] = _stuffed(co, demand, si)
        signals["late_supplier"] = _late_supplier(co, pur)
        signals["poor_yield_line"] = _poor_yield(co, net)
        signals["price_violation"] = _price_violation(co, demand)
        cross = _cross_channel(co, demand)
        signals["cannibalization"] = cross["cannibalization"]
        signals["halo"] = cross["halo"]
    context = dict(
        chinese_new_year=[v for y, v in sorted(cat.CNY.items()) if cal.start.year <= y <= cal.end.year + 1],
        online_campaigns=[
            dict(promo_id=f"ON{c.key}", name=c.name, start=c.start, end=c.end) for c in co.campaigns
        ],
        price_increase_date=cal.date(co.price_change_day),
        behind_target_region=t_info["behind_province"],
        dc_fill_rate=_r(net.shipped.sum() / max(1.0, net.requested.sum())),
        past_expiries=_past_expiries(co, net, inv_info) if co.signals else [],
    )
    return {"signals": signals, "context": context}


# ---------------------------------------------------------------------------------------------- signals
def _lot_risk(co: Company, net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At the last day: per DC lot, the units FEFO cannot sell before expiry at the last 28 days' rate."""
    n_t = co.cal.n
    snap = net.snapshots[n_t - 1]
    avail = snap["status"] == 0
    li, qty = snap["lot"][avail].astype(np.int64), np.round(snap["qty"][avail])
    lots = net.lots
    rate = net.shipped[:, :, -28:].mean(axis=2)
    r = rate[lots.dc[li], lots.sku[li]]
    days = lots.expiry[li] - (n_t - 1)
    order = np.lexsort((lots.expiry[li], lots.dc[li] * co.n_sku + lots.sku[li]))
    li, qty, r, days = li[order], qty[order], r[order], days[order]
    grp = lots.dc[li] * co.n_sku + lots.sku[li]
    cs = np.cumsum(qty)
    start = np.r_[True, grp[1:] != grp[:-1]]
    before = cs - qty - np.maximum.accumulate(np.where(start, cs - qty, 0.0))
    sellable = np.clip(r * np.maximum(days, 0) - before, 0.0, qty)
    unsold = qty - sellable
    return li, qty, unsold, r


def _expiring_lot(co: Company, net: Network, inv_info: dict[str, Any]) -> dict[str, Any]:
    lots = net.lots
    o = co.plan["extra_orders"]["expiring"]
    target = co.plan["expiring_target"]
    li_all = np.flatnonzero((lots.order == o) & (lots.dc == target["dc"]))
    lot = int(li_all[0])
    li, qty, unsold, rate = _lot_risk(co, net)
    pos = np.flatnonzero(li == lot)
    if pos.size == 0:
        raise AssertionError("planted expiring lot was sold out — generator bug")
    p = int(pos[0])
    value = unsold * co.sku["list_price"][lots.sku[li]]
    rank = int((value > value[p]).sum()) + 1
    s = int(lots.sku[lot])
    end = co.cal.end
    lot_id = str(inv_info["lot_str"][lot])
    return dict(
        id=f"expiring_lot/{co.dc_ids[lots.dc[lot]]}/{co.sku_ids[s]}/{lot_id}",
        site_id=co.dc_ids[lots.dc[lot]],
        sku=co.sku_ids[s],
        lot_id=lot_id,
        mfg_date=co.cal.date(int(lots.mfg[lot])),
        expiry_date=co.cal.date(int(lots.expiry[lot])),
        as_of=end,
        qty=float(qty[p]),
        days_to_expiry=int(lots.expiry[lot] - (co.cal.n - 1)),
        run_rate_per_day=_r(rate[p], 2),
        projected_unsold_qty=float(np.round(unsold[p])),
        projected_unsold_value_cny=_r(value[p], 2),
        rank_by_unsold_value=rank,
        period=dict(start=co.cal.date(int(lots.mfg[lot])), end=co.cal.date(int(lots.expiry[lot]))),
        magnitude=dict(
            qty=float(qty[p]),
            projected_unsold_qty=float(np.round(unsold[p])),
            share_unsold=_r(unsold[p] / max(qty[p], 1.0)),
        ),
        note="At the last 28 days' shipping rate this DC cannot sell the lot before it expires (FEFO).",
    )


def _stuffed(co: Company, demand: Demand, si: dict[str, Any]) -> dict[str, Any]:
    cal = co.cal
    c = co.plan["stuffed_customer"]
    skus = co.plan["stuffed_skus"]
    months = co.plan["stuffed_months"]
    m = (si["c"] == c) & np.isin(si["s"], skus) & ~si["ret"]
    sell_in = np.bincount(cal.month[si["day"][m]], weights=si["qty"][m], minlength=cal.n_months)
    sell_out = demand.so_cm[c][skus].sum(axis=0)
    monthly = []
    for mi in months:
        monthly.append(
            dict(
                month=cal.month_starts[mi].strftime("%Y-%m"),
                sell_in_qty=float(sell_in[mi]),
                sell_out_qty=float(sell_out[mi]),
                ratio=_r(sell_in[mi] / max(sell_out[mi], 1.0), 3),
            )
        )
    ratios = [x["ratio"] for x in monthly]
    before = [mi for mi in range(max(1, months[0] - 6), months[0])]
    base = sell_in[before].sum() / max(sell_out[before].sum(), 1.0)
    # the same ratio for every other distributor and month, for comparison
    others = []
    for oc, cust in enumerate(co.customers):
        if oc == c or cust["kind"] != "distributor" or cust["channel_id"] != "distributor":
            continue
        mo = (si["c"] == oc) & ~si["ret"]
        si_m = np.bincount(cal.month[si["day"][mo]], weights=si["qty"][mo], minlength=cal.n_months)
        so_m = demand.so_cm[oc].sum(axis=0)
        ok = so_m[1:-1] > 0
        if ok.any():
            others.append(float((si_m[1:-1][ok] / so_m[1:-1][ok]).max()))
    stores = [s["store_id"] for s in co.stores if s["customer"] == c]
    cid = co.customers[c]["customer_id"]
    return dict(
        id=f"stuffed_distributor/{cid}",
        customer_id=cid,
        name=co.customers[c]["name"],
        region_id=co.customers[c]["region_id"],
        site_id=f"DW-{cid[4:]}",
        stores=stores,
        skus=[co.sku_ids[s] for s in skus],
        months=[x["month"] for x in monthly],
        monthly=monthly,
        period=dict(start=cal.month_starts[months[0]], end=_month_end(cal, months[-1])),
        magnitude=dict(
            min_monthly_ratio=min(ratios),
            mean_ratio=_r(float(np.mean(ratios)), 3),
            ratio_before=_r(base, 3),
            excess_units=float(sum(x["sell_in_qty"] - x["sell_out_qty"] for x in monthly)),
        ),
        other_distributors_max_monthly_ratio=_r(max(others) if others else 0.0, 3),
        note="Sell-in of these SKUs to the distributor far exceeds its stores' sell-out (monthly ratio ≥ 2), "
        "with an extra 8% rebate on the pushed shipments; its warehouse stock balloons.",
    )


def _month_end(cal: Any, mi: int) -> dt.date:
    """The last day of month ``mi`` the calendar covers (the calendar may end mid-month)."""
    return min(period_end(cal.month_starts[mi]), cal.end)


def _late_supplier(co: Company, pur: Purchasing) -> dict[str, Any]:
    first = pur.rc_split == 1
    delay = (pur.rc_day - pur.po_promised[pur.rc_po])[first]
    sup = pur.po_supplier[pur.rc_po][first]
    days = pur.rc_day[first]
    sup_ids = [s[0] for s in cat.SUPPLIERS]
    late = sup_ids.index(co.plan["late_supplier"])
    m = sup == late
    others = ~m
    per_other = []
    for j in np.unique(sup[others]):
        mj = sup == j
        if mj.sum() < 20:
            continue
        per_other.append(
            dict(
                supplier_id=sup_ids[j],
                late_share=_r((delay[mj] > 0).mean(), 3),
                avg_delay_days=_r(delay[mj].mean(), 2),
                receipts=int(mj.sum()),
            )
        )
    return dict(
        id=f"late_supplier/{sup_ids[late]}",
        supplier_id=sup_ids[late],
        name=cat.SUPPLIERS[late][1],
        receipts=int(m.sum()),
        avg_delay_days=_r(delay[m].mean(), 2),
        avg_delay_days_when_late=_r(delay[m][delay[m] > 0].mean(), 2),
        late_share=_r((delay[m] > 0).mean(), 3),
        others=dict(
            avg_delay_days=_r(delay[others].mean(), 2),
            late_share=_r((delay[others] > 0).mean(), 3),
            max_late_share=max((o["late_share"] for o in per_other), default=0.0),
        ),
        period=dict(start=co.cal.date(int(days[m].min())), end=co.cal.date(int(days[m].max()))),
        magnitude=dict(avg_delay_days=_r(delay[m].mean(), 2), late_share=_r((delay[m] > 0).mean(), 3)),
        note="delay = received_date − promised_date of the first lot of each receipt line (receipts ⋈ purchase_orders).",
    )


def _poor_yield(co: Company, net: Network) -> dict[str, Any]:
    pr = net.production
    done = pr.status == 0
    line = co.plan["poor_line"]
    ylds = {}
    for ln in np.unique(pr.order_line[done]):
        m = done & (pr.order_line == ln)
        ylds[int(ln)] = (pr.actual_qty[m].sum() / pr.input_qty[m].sum(), int(m.sum()))
    y, n = ylds[line]
    m = done & (pr.order_line == line)
    others = [v[0] for k, v in ylds.items() if k != line]
    days = pr.actual_start[m]
    return {
        "id": f"poor_yield_line/{co.lines[line]['line_id']}",
        "line_id": co.lines[line]["line_id"],
        "site_id": co.lines[line]["site_id"],
        "yield": _r(y),
        "orders": n,
        **dict(
            others=dict(mean_yield=_r(float(np.mean(others))), min_yield=_r(min(others))),
            lost_units=float(np.round(pr.input_qty[m].sum() - pr.actual_qty[m].sum())),
            period=dict(start=co.cal.date(int(days.min())), end=co.cal.date(int(days.max()))),
            magnitude={"yield": _r(y), "gap_vs_others": _r(float(np.mean(others)) - y)},
            note="yield = sum(actual_qty) / sum(input_qty) over completed production orders.",
        ),
    }


def _price_violation(co: Company, demand: Demand) -> dict[str, Any]:
    cal = co.cal
    shop = co.shops[co.plan["violation_shop"]]
    s = co.plan["violation_sku"]
    weeks = [w for w in co.plan["violation_weeks"] if w < cal.n_weeks]
    vw = demand.violation_week
    rows: list[dict[str, Any]] = []
    for w in weeks:
        if vw[w, 1] <= 0:
            continue
        monday = max(0, cal.week_start(w))
        fl = float(floor_price(co, np.array([s]), np.array([monday]))[0])
        rows.append(
            dict(
                week_start=cal.date(cal.week_start(w)),
                qty=float(vw[w, 1]),
                paid_amount=_r(vw[w, 0], 2),
                avg_price=_r(vw[w, 0] / vw[w, 1], 2),
                floor_price=fl,
            )
        )
    normal = np.setdiff1d(np.flatnonzero(vw[:, 1] > 0), weeks)
    normal_price = vw[normal, 0].sum() / max(vw[normal, 1].sum(), 1.0)
    avg = sum(r["paid_amount"] for r in rows) / max(sum(r["qty"] for r in rows), 1.0)
    return dict(
        id=f"price_violation/{shop['channel']}/{shop['shop']}/{co.sku_ids[s]}",
        channel_id=shop["channel"],
        shop=shop["shop"],
        sku=co.sku_ids[s],
        weeks=[r["week_start"] for r in rows],
        weekly=rows,
        floor_price=rows[0]["floor_price"] if rows else None,
        avg_price_in_weeks=_r(avg, 2),
        avg_price_other_weeks=_r(normal_price, 2),
        period=dict(start=rows[0]["week_start"], end=cal.date(cal.week_start(weeks[-1]) + 6))
        if rows
        else None,
        magnitude=dict(below_floor_pct=_r(1 - avg / rows[0]["floor_price"], 3) if rows else 0.0),
        note="effective price = sum(paid_amount) / sum(qty) of paid lines per week, compared with the floor_price "
        "in prices (the same floor for every channel).",
    )


def _cross_channel(co: Company, demand: Demand) -> dict[str, Any]:
    """Offline sell-out of a province during online campaigns, relative to the other provinces."""
    cal = co.cal
    off = demand.off_pst
    promo_day = np.zeros(cal.n, dtype=bool)
    for c in co.campaigns:
        promo_day |= cal.window(c.start, c.end)
    days_in_week = np.bincount(cal.week, weights=promo_day, minlength=cal.n_weeks)
    full = np.bincount(cal.week, minlength=cal.n_weeks) == 7
    promo_week = (days_in_week >= 4) & full
    plain_week = (days_in_week == 0) & full
    weekly = np.stack(
        [
            np.bincount(cal.week, weights=off[p].sum(axis=0), minlength=cal.n_weeks)
            for p in range(len(co.provinces))
        ]
    )
    covered = [p for p in co.offline_prov if weekly[p].sum() > 0]
    sku_promo = co.online_promo
    eff: dict[int, tuple[float, float]] = {}
    for p in covered:
        rest = [q for q in covered if q != p]
        ratio = weekly[p] / np.maximum(weekly[rest].sum(axis=0), 1.0)
        week_eff = ratio[promo_week].mean() / ratio[plain_week].mean() - 1.0
        mine, theirs = off[p], off[rest].sum(axis=0)
        logs, weights = [], []
        for s in range(co.n_sku):
            on, other = sku_promo[s], ~sku_promo[s]
            if not on.any() or mine[s].sum() < 50 or theirs[s].sum() < 50:
                continue
            r_on = mine[s, on].sum() / max(theirs[s, on].sum(), 1.0)
            r_off = mine[s, other].sum() / max(theirs[s, other].sum(), 1.0)
            if r_on > 0 and r_off > 0:
                logs.append(np.log(r_on / r_off))
                weights.append(mine[s, on].sum())
        sku_eff = float(np.exp(np.average(logs, weights=weights)) - 1.0) if logs else 0.0
        eff[p] = (sku_eff, week_eff)
    out = {}
    for name, key in (("cannibalization", "cannibal"), ("halo", "halo")):
        p = co.plan[f"{key}_prov"]
        others = [q for q in co.plan["control_provs"] if q in eff]
        prov = co.provinces[p]
        out[name] = dict(
            id=f"{name}/{prov.region_id}",
            region_id=prov.region_id,
            province=prov.name,
            planted_effect=co.plan[f"{key}_effect"],
            effect_on_promoted_skus=_r(eff[p][0], 3),
            weekly_effect_all_skus=_r(eff[p][1], 3),
            control_provinces=[co.provinces[q].region_id for q in others],
            control_provinces_max_abs_effect=_r(max(abs(eff[q][0]) for q in others), 3) if others else 0.0,
            promo_weeks=int(promo_week.sum()),
            plain_weeks=int(plain_week.sum()),
            period=dict(start=cal.start, end=cal.end),
            magnitude=dict(effect_on_promoted_skus=_r(eff[p][0], 3), weekly_effect_all_skus=_r(eff[p][1], 3)),
            note="offline sell-out of SKUs on an online promotion, on the promotion's days, changes by planted_effect "
            "in this province only. Measured per SKU as (province ÷ other provinces) on its online-promotion days vs "
            "its other days (weighted mean of log ratios), and per week over all SKUs: weeks with ≥ 4 campaign "
            "days vs weeks with none. Weekly reports are dated on Sunday.",
        )
    return out


def _past_expiries(co: Company, net: Network, inv_info: dict[str, Any]) -> list[dict[str, Any]]:
    lots = net.lots
    wo = net.write_offs
    out = []
    for tag, o in sorted(co.plan.get("extra_orders", {}).items()):
        if not tag.startswith("past"):
            continue
        li = np.flatnonzero(lots.order == o)
        if li.size == 0:
            continue
        m = np.isin(wo["lot"], li) & (wo["reason"] < 2) & (wo["day"] >= 0)
        out.append(
            dict(
                site_id=co.dc_ids[lots.dc[li[0]]],
                sku=co.sku_ids[lots.sku[li[0]]],
                lot_id=str(inv_info["lot_str"][li[0]]),
                qty=float(lots.qty[li].sum()),
                written_off_qty=float(np.round(wo["qty"][m].sum())),
                expiry_date=co.cal.date(int(lots.expiry[li[0]])),
            )
        )
    return out
