"""Stock flows: customers reorder what they sell, DCs ship first-expiry-first-out, plants make lots to
refill the DCs, and purchasing keeps the plants in materials.

Loops run over weeks or days with every SKU, DC, lot or customer handled as one numpy array; no loop
ever walks fact rows. Stock never goes negative: shipments are capped by what is on hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainsight.demo import _catalog as cat
from chainsight.demo._demand import Demand
from chainsight.demo._master import Company
from chainsight.demo._rng import stream

WARMUP_DAYS = 42  # production starts this many days before the history to fill the DCs
PROCUREMENT_LEAD_DAYS = 110  # purchasing starts this many days before the history
MATERIAL_SAFETY_DAYS = 21


# ---------------------------------------------------------------------------------------------- customers
@dataclass
class Replenishment:
    """Requested deliveries (before DC availability) and the customers' stock."""

    c: np.ndarray  # per requested line: customer, sku, day, qty
    s: np.ndarray
    day: np.ndarray
    qty: np.ndarray
    push: np.ndarray  # line belongs to the planted stuffing
    ret_c: np.ndarray  # returns: customer, sku, day, qty (positive units), original delivery day
    ret_s: np.ndarray
    ret_day: np.ndarray
    ret_qty: np.ndarray
    ret_orig: np.ndarray
    stock0: np.ndarray  # [customer, sku] stock at the start of the history


def replenish(co: Company, demand: Demand) -> Replenishment:
    """Weekly order-up-to policy per customer × SKU; the stuffed distributor gets pushed stock."""
    cal = co.cal
    rng = stream(co.seed, "replenish")
    so, ex = demand.so_cw, demand.ex_cw
    n_c, n_s, n_w = so.shape
    cover = co.cust["cover"][:, None]
    upc = co.sku["upc"][None, :].astype(np.float64)
    stock = cover * ex[:, :, 1] + ex[:, :, 0]
    orders = np.zeros((n_c, n_s, n_w))
    push_mask = np.zeros((n_c, n_s, n_w), dtype=bool)
    if co.signals:
        c_st = co.plan["stuffed_customer"]
        week_month = cal.month[np.clip([cal.week_start(w) for w in range(n_w)], 0, cal.n - 1)]
        push_weeks = np.isin(week_month, co.plan["stuffed_months"])
        for s in co.plan["stuffed_skus"]:
            push_mask[c_st, s, push_weeks] = True
    push = co.plan.get("stuffed_push", 3.0)
    ex_pad = np.concatenate([ex, ex[:, :, -3:]], axis=2)
    for w in range(n_w):
        fc = ex_pad[:, :, w] + cover * ex_pad[:, :, w + 1 : w + 3].mean(axis=2)
        fc = fc * rng.lognormal(0.0, 0.08, (n_c, n_s))
        order = np.ceil(np.maximum(0.0, fc - stock) / upc) * upc
        if push_mask[:, :, w].any():
            pm = push_mask[:, :, w]
            order[pm] = np.maximum(
                order[pm],
                np.ceil(push * ex[:, :, w][pm] / upc[0, np.nonzero(pm)[1]]) * upc[0, np.nonzero(pm)[1]],
            )
        order[ex_pad[:, :, w] + ex_pad[:, :, w + 1] <= 0] = 0.0  # not carried (yet) or discontinued
        orders[:, :, w] = order
        stock = stock + order - so[:, :, w]
    # split weekly orders into deliveries
    deliveries = co.cust["deliveries"]
    c_idx, s_idx, w_idx = np.nonzero(orders)
    q = orders[c_idx, s_idx, w_idx]
    two = deliveries[c_idx, 1] >= 0
    first = np.where(two, np.floor(q / 2 / upc[0, s_idx]) * upc[0, s_idx], q)
    parts_c = np.r_[c_idx, c_idx[two]]
    parts_s = np.r_[s_idx, s_idx[two]]
    parts_w = np.r_[w_idx, w_idx[two]]
    parts_q = np.r_[first, (q - first)[two]]
    parts_d = np.r_[deliveries[c_idx, 0], deliveries[c_idx[two], 1]]
    parts_push = np.r_[push_mask[c_idx, s_idx, w_idx], push_mask[c_idx[two], s_idx[two], w_idx[two]]]
    day = parts_w * 7 - int(cal.dow[0]) + parts_d
    day = np.maximum(day, 0)
    keep = (parts_q > 0) & (day <= cal.n - 1)
    c, s, day = parts_c[keep].astype(np.int32), parts_s[keep].astype(np.int32), day[keep].astype(np.int32)
    qty, pushed = parts_q[keep].astype(np.float32), parts_push[keep]
    order = np.lexsort((s, c, day))
    c, s, day, qty, pushed = c[order], s[order], day[order], qty[order], pushed[order]
    # returns: a few deliveries to distributors and KA come partly back weeks later
    kinds = co.cust["kind"][c]
    can_return = np.isin(kinds, ["distributor", "ka"]) & ~pushed
    r = np.flatnonzero(can_return & (rng.random(c.size) < 0.012))
    r_qty = np.maximum(1.0, np.round(qty[r] * rng.uniform(0.03, 0.2, r.size)))
    r_day = day[r] + rng.integers(10, 60, r.size)
    ok = r_day <= cal.n - 1
    r = r[ok]
    return Replenishment(
        c=c,
        s=s,
        day=day,
        qty=qty,
        push=pushed,
        ret_c=c[r],
        ret_s=s[r],
        ret_day=r_day[ok],
        ret_qty=r_qty[ok],
        ret_orig=day[r],
        stock0=cover * ex[:, :, 1] + ex[:, :, 0],
    )


# ---------------------------------------------------------------------------------------------- DCs & plants
@dataclass
class Production:
    order_line: np.ndarray
    sku: np.ndarray
    planned_qty: np.ndarray
    planned_start: np.ndarray
    planned_end: np.ndarray
    actual_start: np.ndarray
    actual_end: np.ndarray
    input_qty: np.ndarray
    actual_qty: np.ndarray
    status: np.ndarray  # 0 completed, 1 in progress, 2 released, 3 planned


@dataclass
class Lots:
    """Finished-goods lots per DC (one production order may feed several DCs: same lot id, several rows)."""

    order: np.ndarray
    dc: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    arrive: np.ndarray
    mfg: np.ndarray
    expiry: np.ndarray
    done: np.ndarray  # day production finished


@dataclass
class Network:
    production: Production
    lots: Lots
    shipped: np.ndarray  # [dc, sku, day]
    requested: np.ndarray  # [dc, sku, day]
    # day → lot rows: lot index, qty, status (0 available, 1 in transit)
    snapshots: dict[int, dict[str, np.ndarray]]
    write_offs: dict[str, np.ndarray]
    capacity: np.ndarray  # per line
    extra: dict[str, Any] = field(default_factory=dict)


def simulate_network(co: Company, rep: Replenishment, demand: Demand) -> Network:
    """Day-by-day FEFO simulation of the DCs with weekly production planning."""
    cal = co.cal
    rng = stream(co.seed, "network")
    n_dc, n_s, n_t = len(co.dc_ids), co.n_sku, cal.n
    G = n_dc * n_s
    req = np.zeros((n_dc, n_s, n_t))
    np.add.at(req, (co.cust["dc"][rep.c], rep.s, rep.day), rep.qty)
    req += demand.online_dc
    D = req.reshape(G, n_t)
    cumD = np.concatenate([np.zeros((G, 1)), np.cumsum(D, axis=1)], axis=1)
    tail_rate = D[:, -28:].mean(axis=1)
    if co.signals:
        _plan_extra_lots(co, D)

    def window(a: int, b: int) -> np.ndarray:
        """Demand per group over days [a, b), extrapolating past the history with the last 4 weeks' rate."""
        a0, b0 = min(max(a, 0), n_t), min(max(b, 0), n_t)
        return cumD[:, b0] - cumD[:, a0] + tail_rate * max(0, b - max(a, n_t))

    shelf = co.sku["shelf"]
    upc = co.sku["upc"].astype(np.float64)
    line_of = co.sku["line"]
    plant_of = co.sku["plant"]
    transit = np.array(cat.TRANSIT_DAYS)  # [plant, dc]
    cover = np.clip(np.round(shelf * 0.08), 2, 21).astype(np.int64)
    horizon = np.where(shelf <= 60, 7 + 6, 7 + 9) + cover
    usable_days = np.maximum(3, np.round(shelf * 0.2)).astype(np.int64)
    early_days = np.maximum(2, np.round(shelf * 0.1)).astype(np.int64)
    avg = D.reshape(n_dc, n_s, n_t).sum(axis=0).mean(axis=1)
    fresh = shelf <= 60
    min_batch = np.where(
        fresh,
        np.maximum(upc * 2, np.ceil(avg / upc) * upc),
        np.maximum(upc * 20, np.ceil(2.0 * avg / upc) * upc),
    )
    n_lines = len(co.lines)
    line_mu = np.full(n_lines, 0.982)
    line_mu += rng.normal(0, 0.004, n_lines)
    if co.signals:
        line_mu[co.plan["poor_line"]] = co.plan["poor_yield"]
    load = np.bincount(line_of, weights=avg, minlength=n_lines)
    capacity = np.maximum(500.0, np.ceil(load * 7 / 6 / 0.55 / 100) * 100)
    # planted extra lots: (planning day, sku, dc, qty)
    extras: list[tuple[int, int, int, float, str]] = list(co.plan.get("extra_lots", []))

    # lot store (grows as orders are made)
    lot_cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("order", "dc", "sku", "qty", "arrive", "mfg", "expiry", "done")
    }
    l_rem = np.zeros(0)
    l_group = np.zeros(0, dtype=np.int64)
    l_expiry = np.zeros(0, dtype=np.int64)
    l_arrive = np.zeros(0, dtype=np.int64)
    l_done = np.zeros(0, dtype=np.int64)
    l_early = np.zeros(0, dtype=bool)
    pipe = np.zeros(G)
    arrivals: dict[int, list[np.ndarray]] = {}
    active = np.zeros(0, dtype=np.int64)
    prod: dict[str, list[Any]] = {
        k: []
        for k in (
            "sku",
            "planned_qty",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "input_qty",
            "actual_qty",
            "line",
        )
    }
    n_orders = 0
    shipped = np.zeros((G, n_t))
    snaps = set(cal.snapshot_indices())
    snapshots: dict[int, dict[str, np.ndarray]] = {}
    wo: dict[str, list[np.ndarray]] = {k: [] for k in ("day", "lot", "qty", "reason")}
    t_first = -WARMUP_DAYS - ((-WARMUP_DAYS + int(cal.dow[0])) % 7)  # a Monday
    last_plan = n_t - 1 + 14

    def plan(t: int) -> None:
        nonlocal l_rem, l_group, l_expiry, l_arrive, l_done, l_early, n_orders
        usable_mask = l_expiry[active] - t >= usable_days[l_group[active] % n_s]
        usable = np.bincount(l_group[active][usable_mask], weights=l_rem[active][usable_mask], minlength=G)
        need = np.zeros(G)
        hz = np.tile(horizon, n_dc)
        for h in np.unique(hz):
            gm = hz == h
            need[gm] = window(t, t + int(h))[gm]
        noise = np.repeat(rng.lognormal(0.0, 0.1, n_s)[None, :], n_dc, axis=0).ravel()
        need = np.maximum(0.0, need * noise - usable - pipe)
        need2 = need.reshape(n_dc, n_s)
        total = need2.sum(axis=0)
        # make a batch when enough is needed, or when a DC that needs the SKU has nothing left at all
        empty = ((usable + pipe).reshape(n_dc, n_s) <= 0) & (need2 > 0)
        make = (total > 0.3 * min_batch) | empty.any(axis=0)
        qty = np.where(make, np.maximum(total, min_batch), 0.0)
        orders: list[tuple[int, float, np.ndarray, str | None]] = [
            (int(s), float(qty[s]), need2[:, s] / total[s], None) for s in np.flatnonzero(make)
        ]
        for day, s, dc, q, _tag in extras:
            if day == t:
                share = np.zeros(n_dc)
                share[dc] = 1.0
                orders.append((s, q, share, _tag))
        if not orders:
            return
        skus = np.array([o[0] for o in orders])
        planned = np.ceil(np.array([o[1] for o in orders]) / line_mu[line_of[skus]] / upc[skus]) * upc[skus]
        lines = line_of[skus]
        order = np.lexsort((skus, lines))
        skus, planned, lines = skus[order], planned[order], lines[order]
        shares = np.stack([orders[i][2] for i in order])
        tags = [orders[i][3] for i in order]
        dur = planned / capacity[lines]
        cum_after = np.zeros_like(dur)
        for ln in np.unique(lines):
            m = lines == ln
            cum_after[m] = np.cumsum(dur[m])
        cum_before = cum_after - dur
        p_start = t + 2 + np.floor(cum_before).astype(np.int64)
        p_end = t + 2 + np.maximum(np.floor(cum_before), np.ceil(cum_after) - 1).astype(np.int64)
        delay = rng.choice([0, 1, 2], size=skus.size, p=[0.85, 0.12, 0.03])
        a_start = p_start + delay
        a_end = a_start + (p_end - p_start) + (rng.random(skus.size) < 0.1)
        yld = np.clip(rng.normal(line_mu[lines], np.where(line_mu[lines] < 0.9, 0.02, 0.006)), 0.75, 0.999)
        actual = np.round(planned * yld)
        k = skus.size
        idx = np.arange(n_orders, n_orders + k)
        n_orders += k
        for name, val in (
            ("sku", skus),
            ("planned_qty", planned),
            ("planned_start", p_start),
            ("planned_end", p_end),
            ("actual_start", a_start),
            ("actual_end", a_end),
            ("input_qty", planned),
            ("actual_qty", actual),
            ("line", lines),
        ):
            prod[name].append(val)
        for i, tag in enumerate(tags):
            if tag is not None:
                co.plan.setdefault("extra_orders", {})[tag] = int(idx[i])
        done = a_end <= n_t - 1
        if not done.any():
            return
        # split finished output across the DCs that needed it
        alloc = np.floor(actual[:, None] * shares)
        alloc[np.arange(k), np.argmax(shares, axis=1)] += actual - alloc.sum(axis=1)
        alloc[~done] = 0
        o_i, dc_i = np.nonzero(alloc > 0)
        q = alloc[o_i, dc_i]
        s_i = skus[o_i]
        arrive = a_end[o_i] + 1 + transit[plant_of[s_i], dc_i]
        mfg = a_start[o_i]
        expiry = mfg + shelf[s_i]
        for name, val in (
            ("order", idx[o_i]),
            ("dc", dc_i),
            ("sku", s_i),
            ("qty", q),
            ("arrive", arrive),
            ("mfg", mfg),
            ("expiry", expiry),
            ("done", a_end[o_i]),
        ):
            lot_cols[name].append(val)
        base = l_rem.size
        new_ids = np.arange(base, base + q.size)
        l_rem = np.r_[l_rem, q]
        l_group = np.r_[l_group, dc_i * n_s + s_i]
        l_expiry = np.r_[l_expiry, expiry]
        l_arrive = np.r_[l_arrive, arrive]
        l_done = np.r_[l_done, a_end[o_i]]
        l_early = np.r_[l_early, rng.random(q.size) < 0.4]
        np.add.at(pipe, dc_i * n_s + s_i, q)
        for a in np.unique(arrive):
            arrivals.setdefault(int(a), []).append(new_ids[arrive == a])

    for t in range(t_first, n_t):
        if t in arrivals:
            ids = np.concatenate(arrivals.pop(t))
            np.add.at(pipe, l_group[ids], -l_rem[ids])
            active = np.r_[active, ids]
            active = active[np.lexsort((l_arrive[active], l_expiry[active], l_group[active]))]
        if active.size:
            # expired lots (and some lots disposed a week before expiry) are written off
            gone = (l_expiry[active] < t) | (
                l_early[active] & (l_expiry[active] - t == early_days[l_group[active] % n_s])
            )
            if gone.any() and t >= 0:
                ids = active[gone]
                wo["day"].append(np.full(ids.size, t))
                wo["lot"].append(ids)
                wo["qty"].append(l_rem[ids].copy())
                wo["reason"].append(np.where(l_expiry[ids] < t, 0, 1))
            if gone.any():
                l_rem[active[gone]] = 0.0
                active = active[~gone]
        if t >= 0 and active.size:
            if cal.dow[t] == 4:  # Friday breakage found at the weekly count
                dcs_hit = np.flatnonzero(rng.random(n_dc) < 0.35)
                grp_dc = l_group[active] // n_s
                for dc in dcs_hit:
                    cand = active[grp_dc == dc]
                    if cand.size:
                        lot = int(rng.choice(cand))
                        q = min(l_rem[lot], upc[l_group[lot] % n_s] * int(rng.integers(1, 4)))
                        if q > 0:
                            wo["day"].append(np.array([t]))
                            wo["lot"].append(np.array([lot]))
                            wo["qty"].append(np.array([q]))
                            wo["reason"].append(np.array([2]))
                            l_rem[lot] -= q
            dem = D[:, t]
            rem = l_rem[active]
            grp = l_group[active]
            cs = np.cumsum(rem)
            start = np.r_[True, grp[1:] != grp[:-1]]
            base = np.maximum.accumulate(np.where(start, cs - rem, 0.0))
            before = cs - rem - base
            take = np.clip(dem[grp] - before, 0.0, rem)
            l_rem[active] = rem - take
            shipped[:, t] = np.bincount(grp, weights=take, minlength=G)
            active = active[l_rem[active] > 1e-9]
        if t in snaps:
            transit_ids = np.flatnonzero((l_arrive > t) & (l_done <= t))
            snapshots[t] = dict(
                lot=np.r_[active, transit_ids],
                qty=np.r_[l_rem[active], l_rem[transit_ids]],
                status=np.r_[
                    np.zeros(active.size, dtype=np.int64), np.ones(transit_ids.size, dtype=np.int64)
                ],
            )
        if (t - t_first) % 7 == 0:
            plan(t)
    for t in range(t_first + ((n_t - t_first + 6) // 7) * 7, last_plan + 1, 7):
        plan(t)

    def cat_(name: str, src: dict[str, list[Any]], dtype: Any = None) -> np.ndarray:
        return np.concatenate(src[name]).astype(dtype) if src[name] else np.zeros(0, dtype=dtype)

    a_start, a_end = cat_("actual_start", prod, np.int64), cat_("actual_end", prod, np.int64)
    p_start = cat_("planned_start", prod, np.int64)
    status = np.where(
        a_end <= n_t - 1, 0, np.where(a_start <= n_t - 1, 1, np.where(p_start <= n_t - 1 + 7, 2, 3))
    )
    production = Production(
        order_line=cat_("line", prod, np.int64),
        sku=cat_("sku", prod, np.int64),
        planned_qty=cat_("planned_qty", prod),
        planned_start=p_start,
        planned_end=cat_("planned_end", prod, np.int64),
        actual_start=a_start,
        actual_end=a_end,
        input_qty=cat_("input_qty", prod),
        actual_qty=cat_("actual_qty", prod),
        status=status,
    )
    lots = Lots(**{k: cat_(k, lot_cols) for k in lot_cols})
    for k in ("order", "dc", "sku", "arrive", "mfg", "expiry", "done"):
        setattr(lots, k, getattr(lots, k).astype(np.int64))
    write_offs = dict(
        day=cat_("day", wo, np.int64),
        lot=cat_("lot", wo, np.int64),
        qty=cat_("qty", wo),
        reason=cat_("reason", wo, np.int64),
    )
    return Network(
        production=production,
        lots=lots,
        shipped=shipped.reshape(n_dc, n_s, n_t),
        requested=req,
        snapshots=snapshots,
        write_offs=write_offs,
        capacity=capacity,
    )


# ---------------------------------------------------------------------------------------------- materials
@dataclass
class Purchasing:
    # PO lines: (plant, material) pair, supplier, order day, promised day, qty, unit price
    po_pair: np.ndarray
    po_supplier: np.ndarray
    po_order: np.ndarray
    po_promised: np.ndarray
    po_qty: np.ndarray
    po_price: np.ndarray
    # receipt lots: PO line, received day, qty, mfg day, qc (0 passed, 1 failed, 2 pending), lot number
    rc_po: np.ndarray
    rc_day: np.ndarray
    rc_qty: np.ndarray
    rc_mfg: np.ndarray
    rc_qc: np.ndarray
    rc_split: np.ndarray  # lot number within the receipt line (1 or 2); 3 = replacement after a QC failure
    pairs: list[tuple[int, str]]  # (plant index, material id)
    cons_order: np.ndarray  # consumption rows: production order, pair, receipt lot, qty
    cons_pair: np.ndarray
    cons_lot: np.ndarray
    cons_qty: np.ndarray
    # day → receipt lot, qty, status (0 available, 1 quarantine, 2 blocked)
    snapshots: dict[int, dict[str, np.ndarray]]
    terms: dict[tuple[str, str], dict[str, float]]
    wo_lot: np.ndarray  # material write-offs: receipt lot, day, qty (expired at the plant)
    wo_day: np.ndarray
    wo_qty: np.ndarray


def simulate_purchasing(co: Company, net: Network) -> Purchasing:
    """Weekly purchasing per plant × material, supplier delays and QC, FIFO issue of lots to orders."""
    cal = co.cal
    rng = stream(co.seed, "purchasing")
    n_t = cal.n
    pr = net.production
    started = pr.actual_start <= n_t - 1
    # requirements per (plant, material): started orders consume at actual start, later ones are plans
    mat_ids = [m["material_id"] for m in co.materials]
    rows_o, rows_m, rows_q = [], [], []
    for s_idx, comps in co.leaf_bom.items():
        o = np.flatnonzero(pr.sku == s_idx)
        if o.size == 0:
            continue
        for m, per in comps.items():
            rows_o.append(o)
            rows_m.append(np.full(o.size, mat_ids.index(m)))
            rows_q.append(pr.input_qty[o] * per)
    r_order = np.concatenate(rows_o)
    r_mat = np.concatenate(rows_m)
    r_qty = np.round(np.concatenate(rows_q), 3)
    r_plant = co.sku["plant"][pr.sku[r_order]]
    pair_key = r_plant * len(mat_ids) + r_mat
    keys = np.unique(pair_key)
    pairs = [(int(k // len(mat_ids)), mat_ids[int(k % len(mat_ids))]) for k in keys]
    r_pair = np.searchsorted(keys, pair_key)
    r_day = np.where(started[r_order], pr.actual_start[r_order], pr.planned_start[r_order])
    t0 = -PROCUREMENT_LEAD_DAYS
    span = n_t + 120 - t0
    n_p = len(pairs)
    req = np.zeros((n_p, span))
    np.add.at(req, (r_pair, np.clip(r_day - t0, 0, span - 1)), r_qty)
    cum_req = np.cumsum(req, axis=1)
    # supplier terms
    terms_by_mat: dict[str, list[tuple[str, int, float]]] = {}
    for sup_code, m, lead_days, pf in cat.SUPPLY_TERMS:
        terms_by_mat.setdefault(m, []).append((sup_code, lead_days, pf))
    std_cost = {m["material_id"]: m["standard_cost"] for m in co.materials}
    # MOQ and order multiple fit the smallest plant using the material, so no plant is forced to buy
    # more than it can use before the material expires
    weekly_use: dict[str, float] = {}
    for p_i, (_, m) in enumerate(pairs):
        use_p = float(req[p_i, -t0 : n_t - t0].sum()) / n_t * 7
        if use_p > 0:
            weekly_use[m] = min(weekly_use.get(m, np.inf), use_p)
    terms: dict[tuple[str, str], dict[str, float]] = {}
    for m, opts in terms_by_mat.items():
        use = weekly_use.get(m, 0.0)
        # order in sensible units for the volume: bags of 25 kg, pallets of 1000 pieces, or finer for small use
        if m.startswith("M-P"):
            step = 1000.0 if use > 20_000 else 100.0 if use > 1000 else 10.0
        else:
            step = 25.0 if use > 500 else float(10.0 ** np.floor(np.log10(max(use, 1e-3))))
        min_q = max(step, np.ceil(use * 1.5 / step) * step) if use > 0 else step
        for sup_id, lead, pf in opts:
            terms[(sup_id, m)] = dict(
                lead_time_days=lead,
                moq=float(min_q),
                unit_price=round(std_cost[m] * pf, 2),
                order_multiple=float(step),
            )
    late = co.plan["late_supplier"] if co.signals else None
    shelf_of_mat = {m["material_id"]: m["shelf_life_days"] for m in co.materials}
    # weekly ordering loop, vectorised over pairs
    sup_primary = [terms_by_mat[m][0] for _, m in pairs]
    sup_second = [terms_by_mat[m][1] if len(terms_by_mat[m]) > 1 else terms_by_mat[m][0] for _, m in pairs]
    moq = np.array([terms[(p[0], m)]["moq"] for p, (_, m) in zip(sup_primary, pairs, strict=True)])
    mult = np.array(
        [terms[(p[0], m)]["order_multiple"] for p, (_, m) in zip(sup_primary, pairs, strict=True)]
    )
    lt1 = np.array([p[1] for p in sup_primary])
    lt2 = np.array([p[1] for p in sup_second])
    sup_ids = [s[0] for s in cat.SUPPLIERS]
    sup1 = np.array([sup_ids.index(p[0]) for p in sup_primary])
    sup2 = np.array([sup_ids.index(p[0]) for p in sup_second])
    late_idx = sup_ids.index(late) if late else -1
    covered = np.zeros(n_p)
    life_cap = np.array([int(0.4 * (shelf_of_mat[m] or 0)) for _, m in pairs])
    po: dict[str, list[np.ndarray]] = {
        k: [] for k in ("pair", "sup", "order", "promised", "qty", "recv_qty", "delay")
    }
    first_monday = t0 + ((-(t0 + int(cal.dow[0]))) % 7)
    for t in range(first_monday, n_t, 7):
        use_second = rng.random(n_p) < 0.2
        sup = np.where(use_second, sup2, sup1)
        lt = np.where(use_second, lt2, lt1)
        promised = t + lt
        target_day = np.clip(promised + 7 + MATERIAL_SAFETY_DAYS - t0, 0, span - 1)
        target = cum_req[np.arange(n_p), target_day]
        need = target - covered
        order = need > 1e-6
        if not order.any():
            continue
        q = np.maximum(need, moq)
        # never buy more than the plant uses in 40% of the material's shelf life
        use_by = np.clip(promised + life_cap - t0, 0, span - 1)
        cap = cum_req[np.arange(n_p), use_by] - covered
        q = np.where(life_cap > 0, np.minimum(q, np.maximum(cap, need)), q)
        q = np.ceil(q / mult) * mult
        q[~order] = 0
        idx = np.flatnonzero(order)
        is_late = sup[idx] == late_idx
        delay = np.where(
            is_late,
            np.where(
                rng.random(idx.size) < 0.35, rng.integers(-1, 1, idx.size), rng.integers(2, 15, idx.size)
            ),
            np.where(
                rng.random(idx.size) < 0.88,
                rng.integers(-2, 1, idx.size),
                np.where(
                    rng.random(idx.size) < 0.85, rng.integers(1, 4, idx.size), rng.integers(4, 8, idx.size)
                ),
            ),
        )
        short = rng.random(idx.size) < np.where(is_late, 0.1, 0.03)
        recv_q = np.where(short, np.round(q[idx] * rng.uniform(0.9, 0.98, idx.size)), q[idx])
        covered[idx] += recv_q
        for name, val in (
            ("pair", idx),
            ("sup", sup[idx]),
            ("order", np.full(idx.size, t)),
            ("promised", promised[idx]),
            ("qty", q[idx]),
            ("recv_qty", recv_q),
            ("delay", delay),
        ):
            po[name].append(val)
    P = {k: np.concatenate(v) for k, v in po.items()}
    n_po = P["pair"].size
    mat_of_pair = np.array([mat_ids.index(m) for _, m in pairs])
    price_base = np.array(
        [
            terms[(sup_ids[s], mat_ids[mat_of_pair[p]])]["unit_price"]
            for s, p in zip(P["sup"], P["pair"], strict=True)
        ]
    )
    sugar = np.array([mat_ids[mat_of_pair[p]] in ("M-R001", "M-R002") for p in P["pair"]])
    drift = np.where(sugar & (P["order"] >= co.price_change_day), 1.08, 1.0)
    price = np.round(price_base * drift * rng.normal(1.0, 0.015, n_po), 2)
    # receipts: delivered lots (1 or 2 per line), QC, replacements for failed lots
    recv = np.maximum(P["promised"] + P["delay"], P["order"] + 1)
    has = recv <= n_t - 1
    line = np.flatnonzero(has)
    split = (rng.random(line.size) < 0.15) & (P["recv_qty"][line] >= 10)
    first_q = np.where(split, np.round(P["recv_qty"][line] * 0.6), P["recv_qty"][line])
    rc_po = np.r_[line, line[split]]
    rc_qty = np.r_[first_q, P["recv_qty"][line][split] - first_q[split]]
    rc_day = recv[rc_po]
    rc_split = np.r_[np.ones(line.size, dtype=np.int64), np.full(int(split.sum()), 2)]
    fail = rng.random(rc_po.size) < 0.01
    rep = np.flatnonzero(fail & (rc_day + 3 <= n_t - 1))
    rc_qc = np.where(fail, 1, 0)
    rc_po = np.r_[rc_po, rc_po[rep]]
    rc_qty = np.r_[rc_qty, rc_qty[rep]]
    rc_day = np.r_[rc_day, rc_day[rep] + 3]
    rc_split = np.r_[rc_split, np.full(rep.size, 3)]
    rc_qc = np.r_[rc_qc, np.zeros(rep.size, dtype=np.int64)]
    rc_mfg = rc_day - rng.integers(3, 40, rc_po.size)
    order = np.lexsort((rc_split, rc_po, rc_day))
    rc_po, rc_qty, rc_day, rc_split, rc_qc, rc_mfg = (
        a[order] for a in (rc_po, rc_qty, rc_day, rc_split, rc_qc, rc_mfg)
    )
    # FIFO: consumption intervals (orders by start) against lot intervals (passed lots by receipt)
    cons: dict[str, list[np.ndarray]] = {k: [] for k in ("order", "pair", "lot", "qty")}
    snaps = cal.snapshot_indices()
    snap_rows: dict[int, dict[str, list[np.ndarray]]] = {
        t: {"lot": [], "qty": [], "status": []} for t in snaps
    }
    c_mask = started[r_order]
    rc_pair = P["pair"][rc_po]
    mat_shelf = np.array([shelf_of_mat[m] or 0 for m in mat_ids])

    def price_base_of(p_i: int) -> float:
        return terms[(sup_ids[int(sup1[p_i])], mat_ids[int(mat_of_pair[p_i])])]["unit_price"]

    wo_lot: list[int] = []
    wo_day: list[int] = []
    wo_qty: list[float] = []
    for p_i in range(n_p):
        cm = np.flatnonzero(c_mask & (r_pair == p_i))
        cm = cm[np.lexsort((r_order[cm], r_day[cm]))]
        c_q = r_qty[cm]
        c_end = np.cumsum(c_q)
        c_start = c_end - c_q
        c_days = r_day[cm]

        def used_by(t: np.ndarray, c_days: np.ndarray = c_days, c_end: np.ndarray = c_end) -> np.ndarray:
            return np.r_[0.0, c_end][np.searchsorted(c_days, t, side="right")]

        sl = int(mat_shelf[mat_of_pair[p_i]])
        for _attempt in range(100):
            lm = np.flatnonzero((rc_pair == p_i) & (rc_qc == 0))
            lm = lm[np.lexsort((rc_split[lm], rc_po[lm], rc_day[lm]))]
            l_q = rc_qty[lm].astype(np.float64)
            l_exp = rc_mfg[lm] + sl if sl > 0 else np.full(lm.size, 10**9)
            # FIFO with expiry: what is left of a lot when it expires is written off, and later consumption
            # draws from the next lots (repeat until no lot expires with stock)
            eff = l_q.copy()
            lost = np.zeros(lm.size)
            expired: list[tuple[int, int, float]] = []
            while True:
                l_end = np.cumsum(eff)
                l_start = l_end - eff
                left = eff - np.clip(used_by(l_exp) - l_start, 0.0, eff)
                bad = np.flatnonzero((left > 1e-6) & (l_exp < n_t - 1))
                if bad.size == 0:
                    break
                k = int(bad[0])
                lost[k] = left[k]
                eff[k] -= left[k]
                expired.append((int(lm[k]), int(l_exp[k]) + 1, round(float(left[k]), 3)))
            # stock never negative: what is consumed by a day was received (and still good) by that day;
            # when expiries leave a gap, purchasing places an expedited order that arrives that day
            if cm.size == 0:
                break
            avail = np.r_[0.0, l_end][np.searchsorted(rc_day[lm], c_days, side="right")]
            short = c_end - avail
            if not (short > 1e-3).any():
                break
            x = int(np.flatnonzero(short > 1e-3)[0])
            day = int(c_days[x])
            m_ = mult[p_i]
            q_new = float(max(moq[p_i], np.ceil((short.max() + 1e-3) / m_) * m_))
            po_i = P["pair"].size
            for key, val in (
                ("pair", p_i),
                ("sup", sup1[p_i]),
                ("order", day - lt1[p_i]),
                ("promised", day),
                ("qty", q_new),
                ("recv_qty", q_new),
                ("delay", 0),
            ):
                P[key] = np.r_[P[key], val]
            price = np.r_[price, round(float(price_base_of(p_i)) * 1.05, 2)]
            rc_po, rc_qty, rc_day = np.r_[rc_po, po_i], np.r_[rc_qty, q_new], np.r_[rc_day, day]
            rc_split, rc_qc, rc_mfg = np.r_[rc_split, 1], np.r_[rc_qc, 0], np.r_[rc_mfg, day - 5]
            rc_pair = np.r_[rc_pair, p_i]
        else:
            raise AssertionError(f"material {pairs[p_i]} cannot be kept in stock — purchasing bug")
        for lot_, day_, q_ in expired:
            wo_lot.append(lot_)
            wo_day.append(day_)
            wo_qty.append(q_)
        if cm.size:
            first_lot = np.searchsorted(l_end, c_start, side="right")
            last_lot = np.searchsorted(l_start, c_end, side="left") - 1
            n_rows = np.maximum(0, last_lot - first_lot + 1)
            rep_c = np.repeat(np.arange(cm.size), n_rows)
            lot_k = first_lot[rep_c] + (np.arange(rep_c.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows))
            q = np.minimum(c_end[rep_c], l_end[lot_k]) - np.maximum(c_start[rep_c], l_start[lot_k])
            keep = q > 1e-9
            cons["order"].append(r_order[cm][rep_c[keep]])
            cons["pair"].append(np.full(int(keep.sum()), p_i))
            cons["lot"].append(lm[lot_k[keep]])
            cons["qty"].append(np.round(q[keep], 3))
        for t in snaps:
            used = float(used_by(np.array([t]))[0])
            got = rc_day[lm] <= t
            rem = np.clip(l_end - np.maximum(used, l_start), 0.0, eff) + np.where(l_exp >= t, lost, 0.0)
            rem = np.round(rem, 3)
            sel = got & (rem > 0)
            snap_rows[t]["lot"].append(lm[sel])
            snap_rows[t]["qty"].append(rem[sel])
            status = np.zeros(int(sel.sum()), dtype=np.int64)
            if t == n_t - 1:
                untouched = (rem[sel] >= l_q[sel] - 1e-9) & (rc_day[lm][sel] >= n_t - 2)
                status[untouched] = 1
            snap_rows[t]["status"].append(status)
            blocked = np.flatnonzero((rc_pair == p_i) & (rc_qc == 1) & (rc_day <= t) & (rc_day + 3 > t))
            snap_rows[t]["lot"].append(blocked)
            snap_rows[t]["qty"].append(rc_qty[blocked])
            snap_rows[t]["status"].append(np.full(blocked.size, 2))
    # lots still untouched at the end and received in the last two days are awaiting QC
    final = snap_rows[n_t - 1]
    for arr_lot, arr_status in zip(final["lot"], final["status"], strict=True):
        rc_qc[arr_lot[arr_status == 1]] = 2
    snapshots = {
        t: {k: np.concatenate(v) if v else np.zeros(0) for k, v in d.items()} for t, d in snap_rows.items()
    }
    return Purchasing(
        po_pair=P["pair"],
        po_supplier=P["sup"],
        po_order=P["order"],
        po_promised=P["promised"],
        po_qty=P["qty"],
        po_price=price,
        rc_po=rc_po,
        rc_day=rc_day,
        rc_qty=rc_qty,
        rc_mfg=rc_mfg,
        rc_qc=rc_qc,
        rc_split=rc_split,
        pairs=pairs,
        cons_order=np.concatenate(cons["order"]),
        cons_pair=np.concatenate(cons["pair"]),
        cons_lot=np.concatenate(cons["lot"]),
        cons_qty=np.concatenate(cons["qty"]),
        snapshots=snapshots,
        terms=terms,
        wo_lot=np.array(wo_lot, dtype=np.int64),
        wo_day=np.array(wo_day, dtype=np.int64),
        wo_qty=np.array(wo_qty, dtype=np.float64),
    )


def _plan_extra_lots(co: Company, D: np.ndarray) -> None:
    """Planted over-supply: one lot at a DC that cannot sell before it expires (still in stock at the end),
    and a few past ones that ended as expired write-offs."""
    cal = co.cal
    rng = stream(co.seed, "extra_lots")
    n_dc, n_s, n_t = len(co.dc_ids), co.n_sku, cal.n
    shelf = co.sku["shelf"]
    stable = (co.sku["launch"] < 0) & (co.sku["disc"] >= n_t) & ~co.sku["online_only"]
    rate = D[:, -120:].mean(axis=1).reshape(n_dc, n_s)
    extras: list[tuple[int, int, int, float, str]] = []
    # the lot that will expire unsold
    ok = stable & (shelf >= 120) & (shelf <= 365)
    if co.plan.get("violation_sku") is not None:
        ok[co.plan["violation_sku"]] = False
    ok[co.plan.get("stuffed_skus", [])] = False
    value = rate * co.sku["list_price"][None, :]
    cand = [(d, s) for d in range(n_dc) for s in np.flatnonzero(ok) if rate[d, s] > 0]
    cand.sort(key=lambda x: (-value[x], x))
    d, s = cand[int(rng.integers(0, max(1, len(cand) // 10)))]
    to_expiry = int(rng.integers(40, 61))
    mfg = n_t - 1 - (int(shelf[s]) - to_expiry)
    t_plan = mfg - 3
    t_plan -= (t_plan + int(cal.dow[0])) % 7  # the Monday before
    arrive = t_plan + 6
    q = rate[d, s] * (n_t - 1 - arrive) + 6.0 * rate[d, s] * to_expiry
    q = float(np.ceil(q / co.sku["upc"][s]) * co.sku["upc"][s])
    extras.append((t_plan, int(s), int(d), q, "expiring"))
    co.plan["expiring_target"] = dict(dc=int(d), sku=int(s), planned_days_to_expiry=to_expiry)
    # past over-supply that expired
    ok = stable & (shelf >= 60) & (shelf <= 270)
    cand_h = [
        (d_, s_) for d_ in range(n_dc) for s_ in np.flatnonzero(ok) if rate[d_, s_] > 0 and (d_, s_) != (d, s)
    ]
    for k in range(3 if co.scale.name == "tiny" else 6):
        d_, s_ = cand_h[int(rng.integers(0, len(cand_h)))]
        t_h = int(rng.integers(60, n_t - int(shelf[s_]) - 60))
        t_h -= (t_h + int(cal.dow[0])) % 7
        r = max(D[d_ * n_s + s_, max(0, t_h) : t_h + 90].mean(), 1.0)
        q = float(np.ceil(r * shelf[s_] * 1.3 / co.sku["upc"][s_]) * co.sku["upc"][s_])
        extras.append((t_h, int(s_), int(d_), q, f"past_{k}"))
    co.plan["extra_lots"] = extras
