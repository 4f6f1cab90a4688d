"""Traceability for recalls: backward from a finished lot to the material lots and suppliers it
consumed, forward from a material lot to the finished lots made with it, where they are, and who
received them.

When shipments (sell-in) carry no lot number, the customers are bounded by FEFO from the
inventory snapshots: a lot leaves a site between two snapshots where its quantity there drops,
so the customers shipped that SKU from that site in those intervals are the ones who may have
received it — an upper bound, said so in the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import polars as pl

from chainsight._errors import UserInputError
from chainsight.analysis._common import run, to_date
from chainsight.model import Text
from chainsight.warehouse import Warehouse

FEFO_NOTE = Text(
    "发货记录没有批次号:可能收到该批次的客户按先到期先出推断——即批次在某地点库存减少的两次快照之间,"
    "从该地点收到该 SKU 的客户(上限)。",
    "Shipments carry no lot numbers: the customers who may have received the lot are bounded by FEFO — "
    "those shipped the SKU from a site between two snapshots where the lot's stock there fell (an upper bound).",
)


@dataclass(frozen=True)
class Trace:
    """The genealogy of one lot: backward (what it was made from) and forward (what was made from it,
    where it is, who received it)."""

    lot_id: str
    as_of: dt.date | None
    produced_by: pl.DataFrame
    materials: pl.DataFrame
    finished_lots: pl.DataFrame
    holdings: pl.DataFrame
    customers: pl.DataFrame
    notes: list[Text] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``finished`` (a production output), ``material`` (consumed by production), ``both`` or ``stock``."""
        made, used = self.produced_by.height > 0, self.finished_lots.height > 0
        return "both" if made and used else "finished" if made else "material" if used else "stock"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "as_of": self.as_of,
            "produced_by": self.produced_by.to_dicts(),
            "materials": self.materials.to_dicts(),
            "finished_lots": self.finished_lots.to_dicts(),
            "holdings": self.holdings.to_dicts(),
            "customers": self.customers.to_dicts(),
            "notes": [{"zh": n.zh, "en": n.en} for n in self.notes],
        }


def _backward(wh: Warehouse, lot_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    po = wh.table("production_orders")
    made = po.filter(po.lot_id == lot_id)
    produced = run(
        wh,
        made.select(
            "order_id",
            "site_id",
            "line_id",
            "sku",
            "status",
            "actual_start",
            "actual_end",
            qty=made.actual_qty.fill_null(made.planned_qty),
        ),
    )
    mc = wh.table("material_consumption")
    used = mc.filter(mc.order_id.isin(made.order_id))
    rc = wh.table("receipts")
    pur = wh.table("purchase_orders")
    su = wh.table("suppliers")
    ma = wh.table("materials")
    rj = rc.join(pur, [rc.po_id == pur.po_id, rc.line_no == pur.line_no]).select(
        rc.material_id,
        rc.lot_id,
        rc.po_id,
        rc.received_date,
        rc.mfg_date,
        rc.expiry_date,
        rc.qc_status,
        pur.supplier_id,
    )
    rj = rj.left_join(su, rj.supplier_id == su.supplier_id).select(rj, supplier_name=su.name)
    rec = rj.group_by("material_id", "lot_id").aggregate(
        supplier_id=rj.supplier_id.min(),
        supplier_name=rj.supplier_name.min(),
        po_id=rj.po_id.min(),
        received_date=rj.received_date.min(),
        mfg_date=rj.mfg_date.min(),
        expiry_date=rj.expiry_date.max(),
        qc_status=rj.qc_status.min(),
    )
    j = used.left_join(rec, [used.material_id == rec.material_id, used.lot_id == rec.lot_id]).select(
        used.order_id,
        used.material_id,
        used.lot_id,
        used.qty,
        rec.supplier_id,
        rec.supplier_name,
        rec.po_id,
        rec.received_date,
        rec.mfg_date,
        rec.expiry_date,
        rec.qc_status,
    )
    j = j.left_join(ma, j.material_id == ma.material_id).select(
        j, material_name=ma.name, material_type=ma.type
    )
    return produced, run(wh, j).sort("material_id", "lot_id", "order_id")


def _forward_orders(wh: Warehouse, lot_id: str) -> pl.DataFrame:
    mc = wh.table("material_consumption")
    po = wh.table("production_orders")
    used = mc.filter(mc.lot_id == lot_id)
    j = used.join(po, used.order_id == po.order_id).select(
        used.order_id,
        material_id=used.material_id,
        material_qty=used.qty,
        site_id=po.site_id,
        line_id=po.line_id,
        sku=po.sku,
        lot_id=po.lot_id,
        qty=po.actual_qty.fill_null(po.planned_qty),
        status=po.status,
        actual_end=po.actual_end,
    )
    return run(wh, j).sort("lot_id", "order_id", nulls_last=True)


def _holdings(wh: Warehouse, lots: list[tuple[str, str]], as_of: dt.date | None) -> pl.DataFrame:
    """Per site and lot: first and last snapshot seen, quantity at the site's latest snapshot."""
    schema = {
        "site_id": pl.String,
        "item_id": pl.String,
        "lot_id": pl.String,
        "site_type": pl.String,
        "customer_id": pl.String,
        "first_seen": pl.Date,
        "last_seen": pl.Date,
        "qty_now": pl.Float64,
    }
    if not lots:
        return pl.DataFrame(schema=schema)
    keys = ibis.memtable(pl.DataFrame(lots, schema=["item_id", "lot_id"], orient="row"))
    inv = wh.table("inventory")
    if as_of is not None:
        inv = inv.filter(inv.snapshot_date <= as_of)
    mine = inv.join(keys, [inv.item_id == keys.item_id, inv.lot_id == keys.lot_id]).select(inv)
    last = inv.group_by("site_id").aggregate(_last=inv.snapshot_date.max())
    seen = mine.group_by("site_id", "item_id", "lot_id").aggregate(
        first_seen=mine.snapshot_date.min(), last_seen=mine.snapshot_date.max()
    )
    at = mine.group_by("site_id", "item_id", "lot_id", "snapshot_date").aggregate(qty=mine.qty.sum())
    seen = seen.join(
        at,
        [
            seen.site_id == at.site_id,
            seen.item_id == at.item_id,
            seen.lot_id == at.lot_id,
            seen.last_seen == at.snapshot_date,
        ],
    ).select(seen, _qty=at.qty)
    j = seen.join(last, seen.site_id == last.site_id).select(
        seen, qty_now=ibis.cases((seen.last_seen == last._last, seen._qty), else_=0.0)
    )
    sites = wh.table("sites")
    j = j.left_join(sites, j.site_id == sites.site_id).select(
        j, site_type=sites.type, customer_id=sites.customer_id
    )
    return run(wh, j.drop("_qty")).select(*schema).sort("lot_id", "site_id")


def _depletion_windows(wh: Warehouse, holdings: pl.DataFrame, as_of: dt.date | None) -> pl.DataFrame:
    """Intervals (after, until] between consecutive snapshots of a site in which a lot's stock there fell."""
    if holdings.is_empty():
        return pl.DataFrame(
            schema={
                "site_id": pl.String,
                "item_id": pl.String,
                "lot_id": pl.String,
                "after": pl.Date,
                "until": pl.Date,
            }
        )
    inv = wh.table("inventory")
    if as_of is not None:
        inv = inv.filter(inv.snapshot_date <= as_of)
    sites = list(holdings["site_id"].unique())
    dates = run(wh, inv.filter(inv.site_id.isin(sites)).select("site_id", "snapshot_date").distinct())
    keys = holdings.select("site_id", "item_id", "lot_id", "first_seen")
    h = ibis.memtable(keys.select("item_id", "lot_id").unique())
    q = inv.join(h, [inv.item_id == h.item_id, inv.lot_id == h.lot_id]).select(inv)
    q = q.group_by("site_id", "item_id", "lot_id", "snapshot_date").aggregate(qty=q.qty.sum())
    qty = run(wh, q)
    grid = (
        keys.join(dates, on="site_id")
        .filter(pl.col("snapshot_date") >= pl.col("first_seen"))
        .join(qty, on=["site_id", "item_id", "lot_id", "snapshot_date"], how="left")
        .with_columns(pl.col("qty").fill_null(0.0))
        .sort("site_id", "item_id", "lot_id", "snapshot_date")
        .with_columns(
            prev_qty=pl.col("qty").shift(1).over("site_id", "item_id", "lot_id"),
            after=pl.col("snapshot_date").shift(1).over("site_id", "item_id", "lot_id"),
        )
    )
    return grid.filter(pl.col("prev_qty") > pl.col("qty") + 1e-9).select(
        "site_id", "item_id", "lot_id", "after", until="snapshot_date"
    )


def _customers(
    wh: Warehouse, lots: list[tuple[str, str]], holdings: pl.DataFrame, as_of: dt.date | None
) -> tuple[pl.DataFrame, bool]:
    """Customers who received the lots: by lot number, by distributor stock, or bounded by FEFO."""
    cols = [
        "customer_id",
        "customer_name",
        "sku",
        "lot_id",
        "site_id",
        "qty",
        "first_date",
        "last_date",
        "basis",
    ]
    parts: list[pl.DataFrame] = []
    si = wh.table("sell_in")
    if as_of is not None:
        si = si.filter(si.date <= as_of)
    cu = wh.table("customers")
    lot_ids = [lot for _, lot in lots]
    direct = si.filter(si.lot_id.isin(lot_ids), si.qty > 0)
    dj = direct.join(cu, direct.customer_id == cu.customer_id).select(direct, customer_name=cu.name)
    by_lot = run(
        wh,
        dj.group_by("customer_id", "customer_name", "sku", "lot_id", "site_id").aggregate(
            qty=dj.qty.sum(), first_date=dj.date.min(), last_date=dj.date.max()
        ),
    ).with_columns(basis=pl.lit("lot"))
    parts.append(by_lot)
    linked = set(by_lot["lot_id"].to_list())
    dist = holdings.filter(pl.col("customer_id").is_not_null())
    if dist.height:
        names = run(wh, cu.select("customer_id", customer_name=cu.name))
        parts.append(
            dist.join(names, on="customer_id", how="left").select(
                "customer_id",
                "customer_name",
                sku="item_id",
                lot_id="lot_id",
                site_id="site_id",
                qty=pl.lit(None, pl.Float64),
                first_date="first_seen",
                last_date="last_seen",
                basis=pl.lit("distributor_stock"),
            )
        )
    bounded = False
    unlinked = holdings.filter(~pl.col("lot_id").is_in(list(linked)), pl.col("customer_id").is_null())
    windows = _depletion_windows(wh, unlinked, as_of)
    if windows.height:
        bounded = True
        w = ibis.memtable(windows)
        s = si.filter(si.qty > 0)
        j = s.join(
            w, [s.site_id == w.site_id, s.sku == w.item_id, s.date > w.after, s.date <= w.until]
        ).select(
            customer_id=s.customer_id, sku=s.sku, lot_id=w.lot_id, site_id=s.site_id, qty=s.qty, date=s.date
        )
        j = j.join(cu, j.customer_id == cu.customer_id).select(j, customer_name=cu.name)
        fefo = run(
            wh,
            j.group_by("customer_id", "customer_name", "sku", "lot_id", "site_id").aggregate(
                qty=j.qty.sum(), first_date=j.date.min(), last_date=j.date.max()
            ),
        ).with_columns(basis=pl.lit("fefo_window"))
        parts.append(fefo)
    frames = [p.select(cols).cast({"qty": pl.Float64}) for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(cols, pl.String)).cast(
            {"qty": pl.Float64, "first_date": pl.Date, "last_date": pl.Date}
        ), bounded
    return pl.concat(frames).sort("lot_id", "basis", "customer_id"), bounded


def trace(wh: Warehouse, lot_id: str, as_of: dt.date | str | None = None) -> Trace:
    """Trace one lot backward and forward.

    * Backward — the production orders that output ``lot_id``, and the material lots they consumed
      with their supplier, PO, receipt date and QC status.
    * Forward — the production orders that consumed ``lot_id`` and the finished lots they made;
      for the finished lots (or ``lot_id`` itself when it is a finished lot) the sites holding them
      and the customers who received them: by lot number where sell-in carries it, the owner of a
      distributor warehouse holding it, otherwise bounded by FEFO (see the note in the result).

    >>> t = trace(wh, "TJ03-251217-00800")  # doctest: +SKIP
    >>> t.kind, t.materials["supplier_id"].unique().to_list()  # doctest: +SKIP
    """
    day = to_date(as_of)
    produced, materials = _backward(wh, lot_id)
    forward = _forward_orders(wh, lot_id)
    finished: list[tuple[str, str]] = []
    if produced.height:
        finished += [(sku, lot_id) for sku in produced["sku"].unique().to_list()]
    finished += [
        (r["sku"], r["lot_id"])
        for r in forward.filter(pl.col("lot_id").is_not_null()).select("sku", "lot_id").unique().to_dicts()
    ]
    inv = wh.table("inventory")
    stock_items = run(wh, inv.filter(inv.lot_id == lot_id).select("item_id").distinct())["item_id"].to_list()
    for item in stock_items:
        if (item, lot_id) not in finished:
            finished.append((item, lot_id))
    finished = sorted(set(finished))
    if not (produced.height or forward.height or stock_items or materials.height):
        rc = wh.table("receipts")
        si = wh.table("sell_in")
        known = (
            run(wh, rc.filter(rc.lot_id == lot_id).select("lot_id").limit(1)).height
            + run(wh, si.filter(si.lot_id == lot_id).select("lot_id").limit(1)).height
        )
        if not known:
            raise UserInputError(
                f"在生产订单、物料消耗、收货、库存和发货中都找不到批次 “{lot_id}”",
                f"lot '{lot_id}' is not in production orders, material consumption, receipts, inventory or sell-in",
                lot=lot_id,
            )
    holdings = _holdings(wh, finished, day)
    customers, bounded = _customers(wh, finished, holdings, day)
    notes = [FEFO_NOTE] if bounded else []
    return Trace(lot_id, day, produced, materials, forward, holdings, customers, notes)
