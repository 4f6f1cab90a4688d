"""Consumer demand: offline sell-out per store and online order lines, generated in chunks of days.

Each chunk is a handful of numpy arrays (store-SKU pairs × days, or days × shops × SKUs); rows are
emitted as Arrow tables and only small aggregates (per customer × SKU × week, per DC × SKU × day) are
kept for the supply simulation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainsight.demo import _catalog as cat
from chainsight.demo._master import FORMAT_DOW, Company, floor_price, lifecycle, retail_price
from chainsight.demo._rng import stream

Emit = Callable[[str, str | None, pa.Table], None]
"""emit(entity, key, table): key names the file within the entity (the online channel), or None."""

OFFLINE_PROMO_ELASTICITY = 2.0
ONLINE_PROMO_ELASTICITY = 3.0
ONLINE_GROWTH = {"tmall": 0.15, "jd": 0.2, "douyin": 0.6, "pinduoduo": 0.35}
HOURS = np.array(
    [
        1.2,
        0.6,
        0.3,
        0.2,
        0.2,
        0.3,
        0.8,
        1.6,
        2.6,
        3.6,
        4.2,
        4.6,
        4.8,
        4.2,
        4.0,
        4.0,
        4.2,
        4.4,
        4.8,
        5.4,
        6.6,
        7.2,
        6.4,
        3.6,
    ]
)
HOURS_BIG = HOURS.copy()
HOURS_BIG[0] *= 14
HOURS_BIG[1] *= 4


@dataclass
class Demand:
    so_cw: np.ndarray  # [customer, sku, week] units sold on by the customer (its stores or its online shop)
    ex_cw: np.ndarray  # [customer, sku, week] expected units (what the customer's planner anticipates)
    so_cm: np.ndarray  # [customer, sku, month] units by report date month
    off_pst: np.ndarray  # [province, sku, day] offline sell-out units (weekly reports at their Sunday)
    online_dc: np.ndarray  # [dc, sku, day] units shipped to consumers from our DCs (own online shops)
    violation_week: np.ndarray  # [week, 2] paid amount and units of the planted violating shop × SKU
    online_paid_cm: np.ndarray  # [online channel, month] amount paid in our own shops (not refunded)
    rows: dict[str, int] = field(default_factory=dict)


def _string_take(values: list[str], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(idx, pa.int32()))


def _dates(co: Company, t: np.ndarray) -> pa.Array:
    return pa.array(co.cal.days[t].astype("int64").astype(np.int32), pa.date32())


def factors(co: Company) -> dict[str, Any]:
    """Demand multipliers shared by offline and online: seasonality, trend and product life cycle."""
    cal = co.cal
    rng = stream(co.seed, "trend")
    t = np.arange(cal.n) / 365.25
    profiles = list(cat.SEASONS)
    season_off = np.stack([cal.offline_multiplier(p) for p in profiles])
    season_on = np.stack([cal.offline_multiplier(p, online=True) for p in profiles])
    fam_growth = {"茶语": 0.2, "清泉": -0.04, "维能": 0.1}
    growth = np.array([fam_growth.get(cat.FAMILIES[f].brand, 0.02) for f in co.sku["family"]])
    growth += rng.normal(0.0, 0.03, co.n_sku)
    sku_trend = (1.0 + growth[:, None]) ** t[None, :]
    life = lifecycle(co)
    base = sku_trend * life
    prov_growth = rng.normal(0.03, 0.04, len(co.provinces))
    prov_trend = ((1.0 + prov_growth[:, None]) ** t[None, :]).astype(np.float32)
    eff = np.zeros(len(co.provinces), dtype=np.float32)
    if co.signals:
        eff[co.plan["cannibal_prov"]] = co.plan["cannibal_effect"]
        eff[co.plan["halo_prov"]] = co.plan["halo_effect"]
    traffic = np.stack(
        [cal.online_multiplier() * (1.0 + ONLINE_GROWTH[ch]) ** t for ch in cat.ONLINE_CHANNELS]
    )
    w = co.sku["pop"] * co.sku["online_w"]
    w = w / w.sum()
    mix = (w[:, None] * season_on[co.sku["season"]] * base)[None, :, :] * (
        1.0 + ONLINE_PROMO_ELASTICITY * co.disc_on.astype(np.float64)
    )
    return dict(
        f_off=(season_off[co.sku["season"]] * base).astype(np.float32),
        prov_trend=prov_trend,
        cross=eff,
        traffic=traffic,
        mix=mix.astype(np.float32),
    )


# ---------------------------------------------------------------------------------------------- sell-out
def generate_sell_out(co: Company, fx: dict[str, Any], emit: Emit, demand: Demand) -> None:
    """Store sell-out: KA and discount stores report daily, distributors' stores weekly (on Sundays)."""
    cal = co.cal
    rng = stream(co.seed, "sell_out")
    pairs, store = co.pairs, co.store
    n_s, n_w, n_m, n_t = co.n_sku, cal.n_weeks, cal.n_months, cal.n
    pw = store["weekly"][pairs["store"]]
    groups = {"daily": np.flatnonzero(~pw), "weekly": np.flatnonzero(pw)}
    store_ids = [s["store_id"] for s in co.stores]
    weeks_per_chunk = max(1, co.scale.chunk_cells // max(1, len(pairs["store"]) * 7))
    n_c = len(co.customers)
    total = 0
    for w0 in range(0, n_w, weeks_per_chunk):
        w1 = min(n_w, w0 + weeks_per_chunk)
        t0, t1 = max(0, cal.week_start(w0)), min(n_t, cal.week_start(w1))
        tt = np.arange(t0, t1)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for kind, idx in groups.items():
            if len(idx) == 0:
                continue
            st, s = pairs["store"][idx], pairs["sku"][idx]
            prov, fmt, ch = store["prov"][st], store["fmt"][st], store["channel"][st]
            disc = co.disc_off[ch[:, None], prov[:, None], s[:, None], tt[None, :]]
            lam = (
                pairs["base"][idx, None].astype(np.float32)
                * fx["f_off"][s, t0:t1]
                * fx["prov_trend"][prov, t0:t1]
                * FORMAT_DOW[fmt[:, None], cal.dow[None, t0:t1]].astype(np.float32)
                * (1.0 + OFFLINE_PROMO_ELASTICITY * disc)
                * (1.0 + fx["cross"][prov, None] * co.online_promo[s, t0:t1])
            )
            if kind == "daily":
                qty = rng.poisson(lam * rng.gamma(4.0, 1.0 / 4.0, lam.shape).astype(np.float32))
                expected = lam
                t_of = np.broadcast_to(tt[None, :], lam.shape)
                disc_at = disc
            else:
                wk = cal.week[t0:t1]
                starts = np.flatnonzero(np.r_[True, wk[1:] != wk[:-1]])
                lam_w = np.add.reduceat(lam, starts, axis=1)
                disc_at = np.add.reduceat(disc, starts, axis=1) / np.diff(np.r_[starts, len(tt)])[None, :]
                qty = rng.poisson(lam_w * rng.gamma(20.0, 1.0 / 20.0, lam_w.shape).astype(np.float32))
                expected = lam_w
                sunday = np.array([cal.week_start(int(w)) + 6 for w in wk[starts]])
                qty[:, sunday > n_t - 1] = 0  # the current, incomplete week is not reported yet
                t_of = np.broadcast_to(np.minimum(sunday, n_t - 1)[None, :], lam_w.shape)
            cust = store["cust"][st]
            w_of = cal.week[t_of[0]]
            # the planner's view: expected units per customer × SKU × week
            flat = ((cust[:, None] * n_s + s[:, None]) * n_w + w_of[None, :]).ravel()
            demand.ex_cw += np.bincount(flat, weights=expected.ravel(), minlength=n_c * n_s * n_w).reshape(
                n_c, n_s, n_w
            )
            d_idx, p_idx = np.nonzero(qty.T)
            q = qty[p_idx, d_idx]
            day = t_of[p_idx, d_idx]
            parts.append((idx[p_idx], day, q, disc_at[p_idx, d_idx], cust[p_idx]))
        if not parts:
            continue
        pidx = np.concatenate([p[0] for p in parts])
        day = np.concatenate([p[1] for p in parts]).astype(np.int64)
        q = np.concatenate([p[2] for p in parts]).astype(np.int64)
        disc = np.concatenate([p[3] for p in parts])
        cust = np.concatenate([p[4] for p in parts])
        order = np.argsort(day, kind="stable")
        pidx, day, q, disc, cust = pidx[order], day[order], q[order], disc[order], cust[order]
        s = pairs["sku"][pidx]
        st = pairs["store"][pidx]
        price = retail_price(co, s, day) * (1.0 - disc) * rng.uniform(0.97, 1.0, len(q))
        amount = np.round(q * price, 2)
        w_of = cal.week[day]
        demand.so_cw += np.bincount(
            (cust * n_s + s) * n_w + w_of, weights=q, minlength=n_c * n_s * n_w
        ).reshape(n_c, n_s, n_w)
        demand.so_cm += np.bincount(
            (cust * n_s + s) * n_m + cal.month[day], weights=q, minlength=n_c * n_s * n_m
        ).reshape(n_c, n_s, n_m)
        prov = store["prov"][st]
        demand.off_pst += np.bincount(
            (prov * n_s + s) * n_t + day, weights=q, minlength=len(co.provinces) * n_s * n_t
        ).reshape(len(co.provinces), n_s, n_t)
        table = pa.table(
            {
                "date": _dates(co, day),
                "store_id": _string_take(store_ids, st),
                "sku": _string_take(co.sku_ids, s),
                "qty": pa.array(q, pa.int64()),
                "amount": pa.array(amount, pa.float64()),
            }
        )
        total += table.num_rows
        emit("sell_out", None, table)
    demand.rows["sell_out"] = total


# ---------------------------------------------------------------------------------------------- online
def generate_online(co: Company, fx: dict[str, Any], emit: Emit, demand: Demand) -> None:
    """Online order lines for every shop; orders of 1–3 lines with ship-to province, city and buyer."""
    cal = co.cal
    rng = stream(co.seed, "online")
    shops = co.shops
    n_k, n_s, n_t, n_w = len(shops), co.n_sku, cal.n, cal.n_weeks
    n_c = len(co.customers)
    shop_ch = np.array([cat.ONLINE_CHANNELS.index(s["channel"]) for s in shops])
    shop_cust = np.array([s["customer"] for s in shops])
    share = np.array([s["share"] for s in shops]) * co.scale.online_lines_per_day
    refund = np.array([cat.REFUND_RATE[ch] for ch in cat.ONLINE_CHANNELS])
    big = cal.big_online_days()
    viol = np.zeros(n_t, dtype=bool)
    v_shop, v_sku = -1, -1
    if co.signals:
        v_shop, v_sku = co.plan["violation_shop"], co.plan["violation_sku"]
        viol = np.isin(cal.week, co.plan["violation_weeks"])
    # geography of buyers
    provs = co.provinces
    p_w = np.array([p.online_weight for p in provs])
    p_w /= p_w.sum()
    city_names = [c.name for p in provs for c in p.cities]
    city_off = np.r_[0, np.cumsum([len(p.cities) for p in provs])]
    city_cum = [np.cumsum([c.weight for c in p.cities]) / sum(c.weight for c in p.cities) for p in provs]
    prov_names = [p.name for p in provs]
    expected_orders = share.sum() * n_t * 1.6
    pools = {
        ch: max(2000, int(expected_orders * cat.ONLINE_BASE_SHARE[ch] * 0.6)) for ch in cat.ONLINE_CHANNELS
    }
    seq = {ch: 0 for ch in cat.ONLINE_CHANNELS}
    total = 0
    hour_p = HOURS / HOURS.sum()
    hour_big = HOURS_BIG / HOURS_BIG.sum()
    # chunks of whole months, split further so one chunk holds about two million order lines at most
    days_per_chunk = max(1, int(2_000_000 / (co.scale.online_lines_per_day * 8)))
    month_bounds = [cal.index(m) for m in cal.month_starts] + [n_t]
    chunks = [
        (a, min(a + days_per_chunk, b))
        for m0, b in itertools.pairwise(month_bounds)
        for a in range(m0, b, days_per_chunk)
    ]
    for t0, t1 in chunks:
        mi = int(cal.month[t0])
        tt = np.arange(t0, t1)
        lam = (
            share[None, :, None]
            * fx["traffic"][shop_ch][:, t0:t1].T[:, :, None]
            * np.transpose(fx["mix"][shop_ch][:, :, t0:t1], (2, 0, 1))
        )
        if v_shop >= 0:
            lam[viol[t0:t1], v_shop, v_sku] *= 4.0
        # planners of online customers anticipate their shop's demand
        exp_units = lam * 1.35 * (1.0 - refund[shop_ch])[None, :, None]
        for k_ in np.flatnonzero(shop_cust >= 0):
            demand.ex_cw[shop_cust[k_]] += _week_sum(exp_units[:, k_, :], cal.week[tt], n_w)
        counts = rng.poisson(lam.ravel())
        cell = np.repeat(np.arange(counts.size), counts)
        if cell.size == 0:
            continue
        d = cell // (n_k * n_s)
        k = (cell // n_s) % n_k
        s = cell % n_s
        group = d * n_k + k
        order = np.lexsort((rng.random(cell.size), group))
        d, k, s, group = d[order], k[order], s[order], group[order]
        n_lines = cell.size
        new = rng.random(n_lines) < 0.72
        new[0] = True
        new[1:] |= group[1:] != group[:-1]
        order_of = np.cumsum(new) - 1
        first = np.flatnonzero(new)
        n_orders = first.size
        line_no = np.arange(n_lines) - first[order_of] + 1
        od, ok = d[first], k[first]
        ot = tt[od]
        och = shop_ch[ok]
        # ship-to, buyer and time are properties of the order
        o_prov = rng.choice(len(provs), size=n_orders, p=p_w)
        u = rng.random(n_orders)
        o_city = np.zeros(n_orders, dtype=np.int64)
        for pi in range(len(provs)):
            m = o_prov == pi
            if m.any():
                o_city[m] = city_off[pi] + np.searchsorted(city_cum[pi], u[m], side="right").clip(
                    0, len(city_cum[pi]) - 1
                )
        is_big = big[ot]
        hours = np.where(
            is_big, rng.choice(24, size=n_orders, p=hour_big), rng.choice(24, size=n_orders, p=hour_p)
        )
        secs = hours * 3600 + rng.integers(0, 3600, n_orders)
        o_refund = rng.random(n_orders) < refund[och] * np.where(is_big, 2.0, 1.0)
        coupon = rng.choice([0.0, 0.0, 0.0, 0.02, 0.03, 0.05], size=n_orders)
        buyer_u = rng.random(n_orders)
        # per line
        t_line = tt[d]
        ch_line = shop_ch[k]
        online_only = co.sku["online_only"][s]
        qty = 1 + np.where(online_only, rng.poisson(0.08, n_lines), rng.poisson(0.35, n_lines))
        unit = (
            retail_price(co, s, t_line)
            * np.array([cat.ONLINE_PRICE_FACTOR[c] for c in cat.ONLINE_CHANNELS])[ch_line]
        )
        flo = floor_price(co, s, t_line)
        eff = unit * (1.0 - co.disc_on[ch_line, s, t_line]) * (1.0 - coupon[order_of])
        eff = np.maximum(eff, flo)
        if v_shop >= 0:
            vm = (k == v_shop) & (s == v_sku) & viol[t_line]
            lo, hi = co.plan["violation_price_factor"]
            eff[vm] = flo[vm] * rng.uniform(lo, hi, int(vm.sum()))
        paid = np.round(qty * eff, 2)
        refunded = o_refund[order_of]
        ok_line = ~refunded
        # aggregates: own shops ship from the DC serving the buyer's province; others are customers' sell-out
        own = (shop_cust[k] < 0) & ok_line
        dc = co.prov_dc[o_prov[order_of]]
        demand.online_dc += np.bincount(
            (dc[own] * n_s + s[own]) * n_t + t_line[own],
            weights=qty[own],
            minlength=len(co.dc_ids) * n_s * n_t,
        ).reshape(len(co.dc_ids), n_s, n_t)
        demand.online_paid_cm[:, mi] += np.bincount(
            ch_line[own], weights=paid[own], minlength=len(cat.ONLINE_CHANNELS)
        )
        cm = (shop_cust[k] >= 0) & ok_line
        cc = shop_cust[k][cm]
        demand.so_cw += np.bincount(
            (cc * n_s + s[cm]) * n_w + cal.week[t_line[cm]], weights=qty[cm], minlength=n_c * n_s * n_w
        ).reshape(n_c, n_s, n_w)
        demand.so_cm += np.bincount(
            (cc * n_s + s[cm]) * cal.n_months + mi, weights=qty[cm], minlength=n_c * n_s * cal.n_months
        ).reshape(n_c, n_s, cal.n_months)
        if v_shop >= 0:
            vm = (k == v_shop) & (s == v_sku) & ok_line
            wv = cal.week[t_line[vm]]
            demand.violation_week[:, 0] += np.bincount(wv, weights=paid[vm], minlength=n_w)
            demand.violation_week[:, 1] += np.bincount(wv, weights=qty[vm], minlength=n_w)
        # one table per channel, orders in time order with ids increasing over time
        o_time = co.cal.days[ot].astype("datetime64[s]").astype(np.int64) + secs
        for ci, ch in enumerate(cat.ONLINE_CHANNELS):
            o_sel = np.flatnonzero(och == ci)
            if o_sel.size == 0:
                continue
            o_sorted = o_sel[np.argsort(o_time[o_sel], kind="stable")]
            rank = np.empty(n_orders, dtype=np.int64)
            rank[o_sorted] = np.arange(o_sorted.size)
            l_sel = np.flatnonzero(och[order_of] == ci)
            l_sel = l_sel[np.lexsort((line_no[l_sel], rank[order_of[l_sel]]))]
            oo = order_of[l_sel]
            o_seq = seq[ch] + rank[oo] + 1
            seq[ch] += o_sorted.size
            yymmdd = pc.strftime(
                pa.array(co.cal.days[ot[oo]].astype("datetime64[s]"), pa.timestamp("s")), "%y%m%d"
            )
            order_id = pc.binary_join_element_wise(
                cat.ORDER_ID_PREFIX[ch], yymmdd, pc.utf8_lpad(pa.array(o_seq).cast(pa.string()), 10, "0"), ""
            )
            buyer_num = (
                np.floor(pools[ch] * buyer_u[oo] ** 2.2).astype(np.int64) * 2654435761 + 97 * (ci + 1)
            ) % (10**10)
            buyer = pc.binary_join_element_wise(
                cat.BUYER_PREFIX[ch], pc.utf8_lpad(pa.array(buyer_num).cast(pa.string()), 10, "0"), ""
            )
            shop_names = [s_["shop"] for s_ in shops]
            table = pa.table(
                {
                    "order_id": order_id,
                    "line_no": pa.array(line_no[l_sel], pa.int64()),
                    "order_time": pa.array(o_time[oo], pa.timestamp("s")),
                    "channel_id": pa.array([ch] * l_sel.size, pa.string()),
                    "shop": _string_take(shop_names, k[l_sel]),
                    "sku": _string_take(co.sku_ids, s[l_sel]),
                    "qty": pa.array(qty[l_sel], pa.int64()),
                    "paid_amount": pa.array(paid[l_sel], pa.float64()),
                    "province": _string_take(prov_names, o_prov[oo]),
                    "city": _string_take(city_names, o_city[oo]),
                    "buyer_id": buyer,
                    "status": pc.if_else(pa.array(refunded[l_sel]), "refunded", "paid"),
                }
            )
            total += table.num_rows
            emit("online_orders", ch, table)
    demand.rows["online_orders"] = total


def _week_sum(values: np.ndarray, weeks: np.ndarray, n_w: int) -> np.ndarray:
    """[days, sku] → [sku, week] sums."""
    n_s = values.shape[1]
    flat = (np.arange(n_s)[None, :] * n_w + weeks[:, None]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_s * n_w).reshape(n_s, n_w)


def new_demand(co: Company) -> Demand:
    cal = co.cal
    n_c, n_s = len(co.customers), co.n_sku
    return Demand(
        so_cw=np.zeros((n_c, n_s, cal.n_weeks)),
        ex_cw=np.zeros((n_c, n_s, cal.n_weeks)),
        so_cm=np.zeros((n_c, n_s, cal.n_months)),
        off_pst=np.zeros((len(co.provinces), n_s, cal.n)),
        online_dc=np.zeros((len(co.dc_ids), n_s, cal.n)),
        violation_week=np.zeros((cal.n_weeks, 2)),
        online_paid_cm=np.zeros((len(cat.ONLINE_CHANNELS), cal.n_months)),
    )
