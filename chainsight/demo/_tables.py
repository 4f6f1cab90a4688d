"""Canonical entity tables (Arrow) from the master data and the simulation state."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainsight.demo import _catalog as cat
from chainsight.demo._demand import Demand
from chainsight.demo._master import SELL_IN_PRICE, TRADE_DISCOUNT, Company, sell_in_price
from chainsight.demo._rng import stream
from chainsight.demo._supply import Network, Purchasing, Replenishment
from chainsight.model import get_entity


def _date_arr(co: Company, t: np.ndarray) -> pa.Array:
    return (
        pa.array(co.cal.days[0].astype("int64") + np.asarray(t, dtype=np.int64), pa.int64())
        .cast(pa.int32())
        .view(pa.date32())
    )


def _take(values: list[str], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(np.asarray(idx, dtype=np.int64), pa.int64()))


def _fmt_day(co: Company, t: np.ndarray, fmt: str) -> pa.Array:
    ts = pa.array((co.cal.days[0].astype("int64") + np.asarray(t, dtype=np.int64)) * 86400, pa.int64()).view(
        pa.timestamp("s")
    )
    return pc.strftime(ts, fmt)


def _seq(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string()), width, "0")


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _schema_table(entity: str, columns: dict[str, Any]) -> pa.Table:
    """A table with the entity's columns in canonical order (only those given)."""
    names = [c for c in get_entity(entity).column_names if c in columns]
    return pa.table({n: columns[n] for n in names})


def _rows_table(entity: str, rows: list[dict[str, Any]]) -> pa.Table:
    names = [c for c in get_entity(entity).column_names if rows and c in rows[0]]
    return pa.table({n: [r[n] for r in rows] for n in names})


# ---------------------------------------------------------------------------------------------- master
def master_tables(co: Company, net: Network, pur: Purchasing) -> dict[str, pa.Table]:
    out: dict[str, pa.Table] = {}
    regions: list[dict[str, Any]] = [
        dict(region_id="CN", name="中国", parent_id=None, level="country", name_en="China")
    ]
    for p in co.provinces:
        regions.append(
            dict(region_id=p.region_id, name=p.name, parent_id="CN", level="province", name_en=p.name_en)
        )
        for c in p.cities:
            regions.append(
                dict(
                    region_id=c.region_id, name=c.name, parent_id=p.region_id, level="city", name_en=c.name_en
                )
            )
    out["regions"] = _rows_table("regions", regions)
    out["channels"] = _rows_table(
        "channels",
        [
            dict(channel_id=c, name=n, kind=k, platform=p, min_remaining_life_pct=m)
            for c, n, k, p, m in cat.CHANNELS
        ],
    )
    out["customers"] = _rows_table(
        "customers",
        [
            {
                k: c[k]
                for k in ("customer_id", "name", "channel_id", "region_id", "type", "min_remaining_life_pct")
            }
            for c in co.customers
        ],
    )
    out["stores"] = _rows_table(
        "stores",
        [
            dict(
                store_id=s["store_id"],
                customer_id=co.customers[s["customer"]]["customer_id"],
                region_id=s["region_id"],
                format=s["format"],
                name=s["name"],
            )
            for s in co.stores
        ],
    )
    out["sites"] = _rows_table("sites", co.sites)
    out["lines"] = _rows_table(
        "lines",
        [
            dict(
                line_id=ln["line_id"],
                site_id=ln["site_id"],
                name=ln["name"],
                capacity_per_day=float(net.capacity[i]),
            )
            for i, ln in enumerate(co.lines)
        ],
    )
    out["products"] = _rows_table("products", co.products)
    out["materials"] = _rows_table("materials", co.materials)
    out["bom"] = _rows_table("bom", co.bom)
    out["suppliers"] = _rows_table("suppliers", co.suppliers)
    out["supplier_materials"] = _rows_table(
        "supplier_materials",
        [
            dict(
                supplier_id=s,
                material_id=m,
                lead_time_days=int(t["lead_time_days"]),
                moq=t["moq"],
                unit_price=t["unit_price"],
                order_multiple=t["order_multiple"],
            )
            for (s, m), t in sorted(pur.terms.items())
        ],
    )
    out["prices"] = _rows_table("prices", co.prices)
    out["promotions"] = _rows_table("promotions", co.promotions)
    return out


# ---------------------------------------------------------------------------------------------- sell-in
def shipped_qty(co: Company, rep: Replenishment, net: Network) -> np.ndarray:
    """What each requested line got: requested × its DC's fill rate that day, rounded down to whole cases."""
    dc = co.cust["dc"][rep.c]
    f = np.ones(rep.c.size)
    req = net.requested[dc, rep.s, rep.day]
    has = req > 0
    f[has] = np.clip(net.shipped[dc[has], rep.s[has], rep.day[has]] / req[has], 0.0, 1.0)
    upc = co.sku["upc"][rep.s].astype(np.float64)
    return np.where(f >= 1.0 - 1e-9, rep.qty, np.floor(rep.qty * f / upc) * upc)


def sell_in_lines(co: Company, rep: Replenishment, net: Network) -> dict[str, np.ndarray]:
    """Shipped lines (requested × DC fill rate, whole cases) and returns as negative lines, sorted by day."""
    qty = shipped_qty(co, rep, net)
    keep = qty > 0
    c, s, day, qty, push = rep.c[keep], rep.s[keep], rep.day[keep], qty[keep], rep.push[keep]
    kinds = sorted(TRADE_DISCOUNT)
    kind_idx = np.searchsorted(np.array(kinds), co.cust["kind"][c])
    trade = np.array([TRADE_DISCOUNT[k] for k in kinds])[kind_idx]
    price_kind = np.array([SELL_IN_PRICE[k] for k in kinds])[kind_idx]
    prov = co.cust["prov"][c]
    promo = np.zeros(c.size)
    och = co.cust["offline_ch"][c]
    off = och >= 0
    promo[off] = co.disc_off[och[off], prov[off], s[off], day[off]]
    promo = np.where(co.cust["kind"][c] == "ka", promo * 0.5, promo)
    disc_rate = trade + promo + np.where(push, 0.08, 0.0)
    up = np.where(co.sku["price_up"][s] & (day >= co.price_change_day), 1.04, 1.0)
    unit = np.round(co.sku["list_price"][s] * price_kind * up, 2)
    gross = np.round(qty * unit, 2)
    discount = np.round(gross * disc_rate, 2)
    rc, rs, rday, rq = rep.ret_c, rep.ret_s, rep.ret_day, rep.ret_qty
    r_kind = np.searchsorted(np.array(kinds), co.cust["kind"][rc])
    r_unit = sell_in_price(co, co.cust["kind"][rc], rs, rday)
    r_gross = -np.round(rq * r_unit, 2)
    r_disc = np.round(r_gross * np.array([TRADE_DISCOUNT[k] for k in kinds])[r_kind], 2)
    is_ret = np.r_[np.zeros(c.size, dtype=bool), np.ones(rc.size, dtype=bool)]
    C, S, DAY = np.r_[c, rc], np.r_[s, rs], np.r_[day, rday]
    Q, G, DS = np.r_[qty, -rq], np.r_[gross, r_gross], np.r_[discount, r_disc]
    order = np.lexsort((S, C, is_ret, DAY))
    return dict(
        c=C[order],
        s=S[order],
        day=DAY[order],
        qty=Q[order],
        gross=G[order],
        disc=DS[order],
        net=np.round(G - DS, 2)[order],
        ret=is_ret[order],
    )


def sell_in_tables(co: Company, si: dict[str, np.ndarray]) -> Iterator[pa.Table]:
    """Sell-in as tables of about a month each: one document per customer, day and kind (XS sales, TH returns)."""
    cust_ids = [x["customer_id"] for x in co.customers]
    bounds = np.searchsorted(si["day"], [co.cal.index(m) for m in co.cal.month_starts] + [co.cal.n])
    for a, b in itertools.pairwise(bounds):
        if b <= a:
            continue
        C, S, DAY, ret = si["c"][a:b], si["s"][a:b], si["day"][a:b], si["ret"][a:b]
        key = (DAY * 2 + ret) * len(co.customers) + C
        new_doc = np.r_[True, key[1:] != key[:-1]]
        doc_idx = np.cumsum(new_doc) - 1
        first = np.flatnonzero(new_doc)
        line_no = np.arange(C.size) - first[doc_idx] + 1
        doc_day, doc_ret = DAY[first], ret[first]
        day_key = doc_day * 2 + doc_ret
        day_new = np.r_[True, day_key[1:] != day_key[:-1]]
        seq_in_day = np.arange(first.size) - np.flatnonzero(day_new)[np.cumsum(day_new) - 1] + 1
        doc_id = _join(
            pc.if_else(pa.array(doc_ret), "TH", "XS"), _fmt_day(co, doc_day, "%Y%m%d"), _seq(seq_in_day, 4)
        )
        yield _schema_table(
            "sell_in",
            {
                "doc_id": pc.take(doc_id, pa.array(doc_idx)),
                "line_no": pa.array(line_no, pa.int64()),
                "date": _date_arr(co, DAY),
                "customer_id": _take(cust_ids, C),
                "sku": _take(co.sku_ids, S),
                "qty": pa.array(si["qty"][a:b].astype(np.int64), pa.int64()),
                "gross_amount": pa.array(si["gross"][a:b], pa.float64()),
                "discount_amount": pa.array(si["disc"][a:b], pa.float64()),
                "net_amount": pa.array(si["net"][a:b], pa.float64()),
                "site_id": _take(co.dc_ids, co.cust["dc"][C]),
            },
        )


def customer_order_tables(co: Company, rep: Replenishment, net: Network) -> Iterator[pa.Table]:
    """Customer order lines, about a month per table: one order per customer and delivery day.

    Ordered = the requested quantity; shipped = what sell-in shows for it (short when the DC ran
    short, nothing when it ran out). A few percent of lines were requested a day or two earlier than
    we could ship them, so order OTIF is below the fill rate, as in real life.
    """
    rng = stream(co.seed, "customer_orders")
    shipped = shipped_qty(co, rep, net)
    early = np.where(rng.random(rep.c.size) < 0.04, rng.integers(1, 3, rep.c.size), 0)
    requested = np.maximum(rep.day - early, 0)
    lead = 2 + rep.c % 3
    order_day = np.maximum(requested - lead, 0)
    order = np.lexsort((rep.s, rep.c, rep.day))
    C, S, DAY = rep.c[order], rep.s[order], rep.day[order]
    req_day, ord_day = requested[order], order_day[order]
    ordered, got = rep.qty[order], shipped[order]
    cust_ids = [x["customer_id"] for x in co.customers]
    bounds = np.searchsorted(DAY, [co.cal.index(m) for m in co.cal.month_starts] + [co.cal.n])
    for a, b in itertools.pairwise(bounds):
        if b <= a:
            continue
        c, day = C[a:b], DAY[a:b]
        key = day * len(co.customers) + c
        new_doc = np.r_[True, key[1:] != key[:-1]]
        doc_idx = np.cumsum(new_doc) - 1
        first = np.flatnonzero(new_doc)
        line_no = np.arange(c.size) - first[doc_idx] + 1
        doc_day = day[first]
        day_new = np.r_[True, doc_day[1:] != doc_day[:-1]]
        seq_in_day = np.arange(first.size) - np.flatnonzero(day_new)[np.cumsum(day_new) - 1] + 1
        doc_id = _join("SO", _fmt_day(co, doc_day, "%Y%m%d"), _seq(seq_in_day, 4))
        has_ship = got[a:b] > 0
        yield _schema_table(
            "customer_orders",
            {
                "order_id": pc.take(doc_id, pa.array(doc_idx)),
                "line_no": pa.array(line_no, pa.int64()),
                "order_date": _date_arr(co, ord_day[a:b]),
                "requested_date": _date_arr(co, req_day[a:b]),
                "customer_id": _take(cust_ids, c),
                "sku": _take(co.sku_ids, S[a:b]),
                "ordered_qty": pa.array(ordered[a:b].astype(np.int64), pa.int64()),
                "shipped_qty": pa.array(got[a:b].astype(np.int64), pa.int64()),
                "last_shipped_date": pc.if_else(
                    pa.array(has_ship), _date_arr(co, day), pa.scalar(None, pa.date32())
                ),
                "site_id": _take(co.dc_ids, co.cust["dc"][c]),
            },
        )


# ---------------------------------------------------------------------------------------------- production
def production_ids(co: Company, net: Network) -> tuple[pa.Array, pa.Array]:
    """Order ids (MO + planned start + seq) and lot ids (line code + start + seq, empty until started)."""
    pr = net.production
    idx = np.arange(pr.sku.size)
    order_id = _join("MO", _fmt_day(co, pr.planned_start, "%y%m%d"), _seq(idx, 5))
    line_code = [ln["line_id"].replace("L-", "").replace("-", "") for ln in co.lines]
    lot = _join(
        _take(line_code, pr.order_line), "-", _fmt_day(co, pr.actual_start, "%y%m%d"), "-", _seq(idx, 5)
    )
    lot = pc.if_else(pa.array(pr.status <= 1), lot, pa.scalar(None, pa.string()))
    return order_id, lot


def production_table(co: Company, net: Network) -> pa.Table:
    pr = net.production
    order_id, lot = production_ids(co, net)
    started = pr.status <= 1
    done = pr.status == 0
    status_names = np.array(["completed", "in_progress", "released", "planned"])

    def opt_date(t: np.ndarray, mask: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(mask), _date_arr(co, t), pa.scalar(None, pa.date32()))

    return _schema_table(
        "production_orders",
        {
            "order_id": order_id,
            "site_id": _take(co.plant_ids, co.sku["plant"][pr.sku]),
            "line_id": _take([ln["line_id"] for ln in co.lines], pr.order_line),
            "sku": _take(co.sku_ids, pr.sku),
            "planned_qty": pa.array(pr.planned_qty, pa.float64()),
            "planned_start": _date_arr(co, pr.planned_start),
            "planned_end": _date_arr(co, pr.planned_end),
            "actual_qty": pc.if_else(
                pa.array(done), pa.array(pr.actual_qty, pa.float64()), pa.scalar(None, pa.float64())
            ),
            "actual_start": opt_date(pr.actual_start, started),
            "actual_end": opt_date(pr.actual_end, done),
            "lot_id": lot,
            "status": _take(list(status_names), pr.status),
            "input_qty": pc.if_else(
                pa.array(started), pa.array(pr.input_qty, pa.float64()), pa.scalar(None, pa.float64())
            ),
        },
    )


# ---------------------------------------------------------------------------------------------- purchasing
def purchasing_ids(co: Company, pur: Purchasing) -> dict[str, Any]:
    """PO ids and line numbers, receipt ids and material lot ids."""
    n_po = pur.po_qty.size
    plant = np.array([p for p, _ in pur.pairs])[pur.po_pair]
    key = (pur.po_order * 64 + pur.po_supplier) * 8 + plant
    order = np.lexsort((pur.po_pair, key))
    new = np.r_[True, key[order][1:] != key[order][:-1]]
    doc = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    line_sorted = np.arange(n_po) - first[doc] + 1
    doc_idx = np.empty(n_po, dtype=np.int64)
    doc_idx[order] = doc
    line_no = np.empty(n_po, dtype=np.int64)
    line_no[order] = line_sorted
    po_doc_day = pur.po_order[order][first]
    po_id = pc.take(
        _join("PO", _fmt_day(co, po_doc_day, "%y%m%d"), _seq(np.arange(first.size), 5)), pa.array(doc_idx)
    )
    # receipts: one receipt per PO document and received day
    rk = doc_idx[pur.rc_po] * 100_000 + (pur.rc_day + 50_000)
    uniq, inv = np.unique(rk, return_inverse=True)
    r_day = uniq % 100_000 - 50_000
    rec_id = pc.take(_join("GR", _fmt_day(co, r_day, "%y%m%d"), _seq(np.arange(uniq.size), 5)), pa.array(inv))
    sup_code = [s[0][-2:] for s in cat.SUPPLIERS]
    lot_id = _join(
        "S",
        _take(sup_code, pur.po_supplier[pur.rc_po]),
        "-",
        _fmt_day(co, pur.rc_day, "%y%m%d"),
        "-",
        _seq(np.arange(pur.rc_po.size), 5),
    )
    return dict(po_id=po_id, line_no=line_no, plant=plant, receipt_id=rec_id, lot_id=lot_id)


def purchasing_tables(co: Company, pur: Purchasing, ids: dict[str, Any]) -> dict[str, pa.Table]:
    mats = [m for _, m in pur.pairs]
    sup_ids = [s[0] for s in cat.SUPPLIERS]
    shelf = {m["material_id"]: m["shelf_life_days"] for m in co.materials}
    po = _schema_table(
        "purchase_orders",
        {
            "po_id": ids["po_id"],
            "line_no": pa.array(ids["line_no"], pa.int64()),
            "supplier_id": _take(sup_ids, pur.po_supplier),
            "material_id": _take(mats, pur.po_pair),
            "qty": pa.array(pur.po_qty, pa.float64()),
            "unit_price": pa.array(pur.po_price, pa.float64()),
            "order_date": _date_arr(co, pur.po_order),
            "promised_date": _date_arr(co, pur.po_promised),
            "site_id": _take(co.plant_ids, ids["plant"]),
        },
    )
    order = np.lexsort((ids["line_no"], pur.po_order))
    po = po.take(pa.array(order))
    mat_rc = np.array(mats)[pur.po_pair[pur.rc_po]]
    sl = np.array([shelf[m] or 0 for m in mat_rc])
    has_sl = sl > 0
    qc_names = ["passed", "failed", "pending"]
    rc = _schema_table(
        "receipts",
        {
            "receipt_id": ids["receipt_id"],
            "po_id": pc.take(ids["po_id"], pa.array(pur.rc_po)),
            "line_no": pa.array(ids["line_no"][pur.rc_po], pa.int64()),
            "material_id": pa.array(mat_rc, pa.string()),
            "lot_id": ids["lot_id"],
            "qty": pa.array(pur.rc_qty, pa.float64()),
            "received_date": _date_arr(co, pur.rc_day),
            "mfg_date": pc.if_else(pa.array(has_sl), _date_arr(co, pur.rc_mfg), pa.scalar(None, pa.date32())),
            "expiry_date": pc.if_else(
                pa.array(has_sl), _date_arr(co, pur.rc_mfg + sl), pa.scalar(None, pa.date32())
            ),
            "qc_status": _take(qc_names, pur.rc_qc),
            "site_id": _take(co.plant_ids, ids["plant"][pur.rc_po]),
        },
    )
    return {"purchase_orders": po, "receipts": rc}


def consumption_table(co: Company, net: Network, pur: Purchasing, pids: dict[str, Any]) -> pa.Table:
    order_id, _ = production_ids(co, net)
    mats = [m for _, m in pur.pairs]
    t = _schema_table(
        "material_consumption",
        {
            "order_id": pc.take(order_id, pa.array(pur.cons_order)),
            "material_id": _take(mats, pur.cons_pair),
            "lot_id": pc.take(pids["lot_id"], pa.array(pur.cons_lot)),
            "qty": pa.array(pur.cons_qty, pa.float64()),
        },
    )
    return t.take(pa.array(np.lexsort((pur.cons_lot, pur.cons_pair, pur.cons_order))))


# ---------------------------------------------------------------------------------------------- inventory
def _assign_newest(
    q_group: np.ndarray,
    q_stock: np.ndarray,
    q_day: np.ndarray,
    l_group: np.ndarray,
    l_arrive: np.ndarray,
    l_qty: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill each query's stock from the newest lots of its group that arrived before its day.

    Returns (query index, lot index, qty). Lots are indices into the given lot arrays.
    """
    order = np.lexsort((l_arrive, l_group))
    g, a, q = l_group[order], l_arrive[order], l_qty[order]
    P = np.r_[0.0, np.cumsum(q)]
    big = int(max(a.max(initial=0), q_day.max(initial=0)) + 10)
    comb = g * big + a
    e = np.searchsorted(comb, q_group * big + q_day - 1, side="right")  # lots [.., e) arrived by day-1
    gs = np.searchsorted(g, q_group, side="left")
    avail = P[e] - P[gs]
    stock = np.minimum(q_stock, avail)
    ok = stock > 0.5
    j = np.searchsorted(P, P[e] - stock, side="right") - 1
    j = np.clip(j, gs, np.maximum(gs, e - 1))
    n_rows = np.where(ok, e - j, 0)
    qi = np.repeat(np.arange(q_group.size), n_rows)
    li = j[qi] + (np.arange(qi.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows))
    qty = q[li].copy()
    head = li == j[qi]
    qty[head] = np.clip(stock[qi[head]] - (P[e[qi[head]]] - P[li[head] + 1]), 0.0, q[li[head]])
    keep = qty > 0.5
    return qi[keep], order[li[keep]], np.round(qty[keep])


def inventory_and_write_offs(
    co: Company,
    rep: Replenishment,
    net: Network,
    pur: Purchasing,
    demand: Demand,
    si: dict[str, Any],
    pids: dict[str, Any],
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """Inventory snapshots (DCs, distributor warehouses, plant materials) and write-offs."""
    cal = co.cal
    rng = stream(co.seed, "inventory")
    lots = net.lots
    _, lot_ids = production_ids(co, net)
    lot_str = pc.take(lot_ids, pa.array(lots.order))
    site_cols: dict[str, list[Any]] = {
        k: [] for k in ("day", "site", "item", "lot", "mfg", "exp", "qty", "status")
    }
    site_ids = [s["site_id"] for s in co.sites]
    dc_site = np.array([site_ids.index(d) for d in co.dc_ids])
    plant_site = np.array([site_ids.index(p) for p in co.plant_ids])
    status_names = ["available", "quarantine", "blocked", "in_transit"]
    # DC lots
    for t, snap in sorted(net.snapshots.items()):
        if t < 0:
            continue
        li = snap["lot"].astype(np.int64)
        q = np.round(snap["qty"])
        m = q > 0
        li, q, stt = li[m], q[m], snap["status"][m]
        site_cols["day"].append(np.full(li.size, t))
        site_cols["site"].append(dc_site[lots.dc[li]])
        site_cols["item"].append(lots.sku[li])
        site_cols["lot"].append(li)
        site_cols["mfg"].append(lots.mfg[li])
        site_cols["exp"].append(lots.expiry[li])
        site_cols["qty"].append(q)
        site_cols["status"].append(np.where(stt == 1, 3, 0))
    # distributor warehouses: stock = opening + shipped − sold − returned, in the newest lots from its DC
    dist = [
        i
        for i, c in enumerate(co.customers)
        if c["kind"] == "distributor" and c["channel_id"] == "distributor"
    ]
    dist_site = {i: site_ids.index(f"DW-{co.customers[i]['customer_id'][4:]}") for i in dist}
    snaps = [t for t in cal.snapshot_indices()]
    n_s = co.n_sku
    dist_arr = np.array(dist)
    pos = -np.ones(len(co.customers), dtype=np.int64)
    pos[dist_arr] = np.arange(dist_arr.size)
    in_dist = pos[si["c"]] >= 0
    dc_, ds_, dd_, dq_ = pos[si["c"][in_dist]], si["s"][in_dist], si["day"][in_dist], si["qty"][in_dist]
    so_w = demand.so_cw[dist_arr]
    cum_so = np.concatenate([np.zeros((dist_arr.size, n_s, 1)), np.cumsum(so_w, axis=2)], axis=2)
    q_g, q_st, q_d, q_c = [], [], [], []
    for t in snaps:
        m = dd_ <= t
        shipped = np.bincount(dc_[m] * n_s + ds_[m], weights=dq_[m], minlength=dist_arr.size * n_s).reshape(
            -1, n_s
        )
        w = int(cal.week[t])
        frac = (t - cal.week_start(w) + 1) / 7.0
        sold = cum_so[:, :, w] + so_w[:, :, w] * frac
        stock = np.maximum(0.0, np.round(rep.stock0[dist_arr] + shipped - sold))
        ci, s_i = np.nonzero(stock > 0)
        q_g.append(co.cust["dc"][dist_arr[ci]] * n_s + s_i)
        q_st.append(stock[ci, s_i])
        q_d.append(np.full(ci.size, t))
        q_c.append(dist_arr[ci])
    if q_g:
        qg, qs, qd, qc = (np.concatenate(x) for x in (q_g, q_st, q_d, q_c))
        qi, li, qq = _assign_newest(qg, qs, qd, lots.dc * n_s + lots.sku, lots.arrive, lots.qty)
        fresh = lots.expiry[li] >= qd[qi]
        qi, li, qq = qi[fresh], li[fresh], qq[fresh]
        site_cols["day"].append(qd[qi])
        site_cols["site"].append(np.array([dist_site[int(c)] for c in qc[qi]], dtype=np.int64))
        site_cols["item"].append(lots.sku[li])
        site_cols["lot"].append(li)
        site_cols["mfg"].append(lots.mfg[li])
        site_cols["exp"].append(lots.expiry[li])
        site_cols["qty"].append(qq)
        site_cols["status"].append(np.zeros(qi.size, dtype=np.int64))
    # assemble finished goods part
    fg = {k: np.concatenate(v) for k, v in site_cols.items()}
    # plant materials
    mats = [m for _, m in pur.pairs]
    shelf = {m["material_id"]: m["shelf_life_days"] for m in co.materials}
    m_day, m_lot, m_qty, m_status = [], [], [], []
    for t, snap in sorted(pur.snapshots.items()):
        li = snap["lot"].astype(np.int64)
        m_day.append(np.full(li.size, t))
        m_lot.append(li)
        m_qty.append(snap["qty"])
        m_status.append(snap["status"].astype(np.int64))
    ml = np.concatenate(m_lot)
    md = np.concatenate(m_day)
    mq = np.round(np.concatenate(m_qty), 3)
    ms = np.concatenate(m_status)
    pair = pur.po_pair[pur.rc_po[ml]]
    mat = np.array(mats)[pair]
    sl = np.array([shelf[m] or 0 for m in mat])
    has = sl > 0
    plant = np.array([p for p, _ in pur.pairs])[pair]
    fg_item = (
        pa.array(np.array(co.sku_ids)[fg["item"]], pa.string())
        if fg["item"].size
        else pa.array([], pa.string())
    )
    none_date = pa.scalar(None, pa.date32())
    fg_tab = pa.table(
        {
            "snapshot_date": _date_arr(co, fg["day"]),
            "site_id": _take(site_ids, fg["site"]),
            "item_id": fg_item,
            "lot_id": pc.take(lot_str, pa.array(fg["lot"])),
            "mfg_date": _date_arr(co, fg["mfg"]),
            "expiry_date": _date_arr(co, fg["exp"]),
            "qty": pa.array(fg["qty"], pa.float64()),
            "status": _take(status_names, fg["status"]),
        }
    )
    mat_tab = pa.table(
        {
            "snapshot_date": _date_arr(co, md),
            "site_id": _take(site_ids, plant_site[plant]),
            "item_id": pa.array(mat, pa.string()),
            "lot_id": pc.take(pids["lot_id"], pa.array(ml)),
            "mfg_date": pc.if_else(pa.array(has), _date_arr(co, pur.rc_mfg[ml]), none_date),
            "expiry_date": pc.if_else(pa.array(has), _date_arr(co, pur.rc_mfg[ml] + sl), none_date),
            "qty": pa.array(mq, pa.float64()),
            "status": _take(status_names, ms),
        }
    )
    inv = pa.concat_tables([fg_tab, mat_tab])
    inv = inv.sort_by(
        [
            ("snapshot_date", "ascending"),
            ("site_id", "ascending"),
            ("item_id", "ascending"),
            ("lot_id", "ascending"),
            ("status", "ascending"),
        ]
    )
    # write-offs: DC expiries, near-expiry disposals and breakage, plus customer returns written off at the DC
    wo = net.write_offs
    keep = (wo["day"] >= 0) & (np.round(wo["qty"]) > 0)
    w_day, w_lot, w_qty, w_reason = (
        wo["day"][keep],
        wo["lot"][keep],
        np.round(wo["qty"][keep]),
        wo["reason"][keep],
    )
    reasons = ["expired", "near_expiry", "damaged", "quality", "other"]
    # returns: the lot is the newest one at the customer's DC when the goods were delivered
    r_g = co.cust["dc"][rep.ret_c] * n_s + rep.ret_s
    qi, li, qq = _assign_newest(
        r_g, np.full(r_g.size, 1.0), rep.ret_orig, lots.dc * n_s + lots.sku, lots.arrive, lots.qty
    )
    r_reason = np.where(rng.random(rep.ret_c.size) < 0.6, 2, 1)
    all_day = np.r_[w_day, rep.ret_day[qi]]
    all_dc = np.r_[lots.dc[w_lot], co.cust["dc"][rep.ret_c[qi]]]
    all_lot = np.r_[w_lot, li]
    all_qty = np.r_[w_qty, rep.ret_qty[qi]]
    all_reason = np.r_[w_reason, r_reason[qi]]
    key = np.lexsort((all_reason, all_lot, all_dc, all_day))
    all_day, all_dc, all_lot, all_qty, all_reason = (
        a[key] for a in (all_day, all_dc, all_lot, all_qty, all_reason)
    )
    k2 = ((all_day * 64 + all_dc) * (lots.qty.size + 1) + all_lot) * 8 + all_reason
    new = np.r_[True, k2[1:] != k2[:-1]]
    grp = np.cumsum(new) - 1
    qsum = np.bincount(grp, weights=all_qty)
    f = np.flatnonzero(new)
    wo_tab = _schema_table(
        "write_offs",
        {
            "date": _date_arr(co, all_day[f]),
            "site_id": _take(site_ids, dc_site[all_dc[f]]),
            "item_id": _take(co.sku_ids, lots.sku[all_lot[f]]),
            "lot_id": pc.take(lot_str, pa.array(all_lot[f])),
            "qty": pa.array(qsum, pa.float64()),
            "reason": _take(reasons, all_reason[f]),
        },
    )
    mw = (pur.wo_day <= cal.n - 1) & (pur.wo_qty > 0)
    if mw.any():
        ml_ = pur.wo_lot[mw]
        m_pair = pur.po_pair[pur.rc_po[ml_]]
        mat_wo = _schema_table(
            "write_offs",
            {
                "date": _date_arr(co, pur.wo_day[mw]),
                "site_id": _take(site_ids, plant_site[np.array([p for p, _ in pur.pairs])[m_pair]]),
                "item_id": pa.array(np.array(mats)[m_pair], pa.string()),
                "lot_id": pc.take(pids["lot_id"], pa.array(ml_)),
                "qty": pa.array(pur.wo_qty[mw], pa.float64()),
                "reason": pa.array(["expired"] * int(mw.sum()), pa.string()),
            },
        )
        wo_tab = pa.concat_tables([wo_tab, mat_wo]).sort_by(
            [
                ("date", "ascending"),
                ("site_id", "ascending"),
                ("item_id", "ascending"),
                ("lot_id", "ascending"),
            ]
        )
    info = dict(fg=fg, lot_str=lot_str)
    return _schema_table("inventory", {n: inv.column(n) for n in inv.column_names}), wo_tab, info


# ---------------------------------------------------------------------------------------------- targets
def targets_table(
    co: Company, si: dict[str, Any], online_month: np.ndarray
) -> tuple[pa.Table, dict[str, Any]]:
    """Monthly targets per province × offline channel and per online channel (region CN), through December.

    Targets are set from a smoothed view of the business times an ambition factor; one province got an
    over-ambitious target (it runs behind all year).
    """
    cal = co.cal
    rng = stream(co.seed, "targets")
    n_m = cal.n_months
    months_total = n_m + (12 - cal.end.month)
    offline = {c: i for i, c in enumerate(cat.OFFLINE_CHANNELS)}
    prov_of = co.cust["prov"][si["c"]]
    ch_of = np.array([c["channel_id"] for c in co.customers])[si["c"]]
    m_of = cal.month[si["day"]]
    rows: list[dict[str, Any]] = []
    ambition = 1.0 + rng.normal(0.06, 0.03, len(co.provinces))
    behind = int(rng.choice(co.offline_prov[: min(10, len(co.offline_prov))]))
    ambition[behind] = 1.28
    months = [(cal.month_starts[0].replace(day=1))]
    for i in range(1, months_total):
        y, m = divmod(months[0].month - 1 + i, 12)
        months.append(dt.date(months[0].year + y, m + 1, 1))

    def smooth(x: np.ndarray) -> np.ndarray:
        k = np.array([0.25, 0.5, 0.25])
        padded = np.r_[x[0], x, x[-1]]
        out = np.convolve(padded, k, mode="valid")
        ext = [out[i - 12] * 1.12 if i >= 12 else out[-1] for i in range(len(out), months_total)]
        return np.r_[out, ext]

    for ch, _ in offline.items():
        for pi in co.offline_prov:
            m = (ch_of == ch) & (prov_of == pi)
            if not m.any():
                continue
            actual = np.bincount(m_of[m], weights=si["net"][m], minlength=n_m)
            # the last month is complete only when the history ends on a month end
            base = smooth(actual)
            for i, mo in enumerate(months):
                rows.append(
                    dict(
                        month=mo,
                        region_id=co.provinces[pi].region_id,
                        channel_id=ch,
                        target_amount=round(float(base[i] * ambition[pi] * rng.normal(1.0, 0.03)), -2),
                    )
                )
    for ci, ch in enumerate(cat.ONLINE_CHANNELS):
        m = ch_of == ch
        actual = np.bincount(m_of[m], weights=si["net"][m], minlength=n_m) + online_month[ci]
        base = smooth(actual)
        for i, mo in enumerate(months):
            rows.append(
                dict(
                    month=mo,
                    region_id="CN",
                    channel_id=ch,
                    target_amount=round(float(base[i] * 1.15 * rng.normal(1.0, 0.03)), -2),
                )
            )
    rows.sort(key=lambda r: (r["month"], r["channel_id"], r["region_id"]))
    return _rows_table("targets", rows), dict(behind_province=co.provinces[behind].region_id)
