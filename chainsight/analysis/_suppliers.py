"""Procurement: supplier OTIF, lateness, lead times, price variance, and material coverage.

* A PO line is **on time** when every receipt against it arrived on or before the promised date,
  **in full** when the quantity received is at least ``in_full_pct`` of the quantity ordered; OTIF
  is both. Lines past their promised date with nothing received count as neither; lines not yet due
  and not received are left out.
* **Late share** and **average delay** are per receipt: received date − promised date.
* **Lead time** per receipt: received date − order date (mean, standard deviation, median, 90th
  percentile).
* **Price variance**: (PO unit price − material standard cost) × ordered quantity, and as a share
  of the standard cost of what was ordered.
* A supplier is **flagged late** when its late share is at least ``late_share_flag`` and at least
  ``late_share_vs_median`` times the median supplier's, with at least ``min_receipts`` receipts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import polars as pl

from chainsight.analysis._common import require_rows, run, to_date
from chainsight.analysis._policy import AnalysisPolicy, load_policy
from chainsight.warehouse import Warehouse


@dataclass(frozen=True)
class SupplierReport:
    """``suppliers`` per supplier (worst first) and ``materials`` with their coverage."""

    as_of: dt.date
    start: dt.date | None
    suppliers: pl.DataFrame
    materials: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "as_of": self.as_of,
            "start": self.start,
            "suppliers": self.suppliers.to_dicts(),
            "materials": self.materials.to_dicts(),
        }


def supplier_performance(
    wh: Warehouse,
    as_of: dt.date | str | None = None,
    months: int | None = None,
    policy: AnalysisPolicy | None = None,
) -> SupplierReport:
    """Supplier OTIF, lateness, lead times and price variance (POs ordered in the last ``months`` months,
    all history when None), worst first; and per material the usable stock, days of coverage at the recent
    consumption rate, and open purchase orders.

    >>> rep = supplier_performance(wh)  # doctest: +SKIP
    >>> rep.suppliers.filter(pl.col("flag_late")).select("supplier_id", "late_share")  # doctest: +SKIP
    """
    pol = (policy or load_policy()).suppliers
    require_rows(wh, "purchase_orders", "请先加载采购订单", "load purchase orders first")
    po = wh.table("purchase_orders")
    rc_all = wh.table("receipts")
    day = to_date(as_of) or max(
        d
        for d in (
            wh.to_pyarrow(po.order_date.max()).as_py(),
            wh.to_pyarrow(rc_all.received_date.max()).as_py(),
        )
        if d is not None
    )
    start = (day - dt.timedelta(days=round(months * 30.44))) if months else None
    po = po.filter(po.order_date <= day)
    if start is not None:
        po = po.filter(po.order_date >= start)
    rc = wh.table("receipts")
    rc = rc.filter(rc.received_date <= day)
    mats = wh.table("materials")
    # per PO line
    per_line = rc.group_by("po_id", "line_no").aggregate(
        received=rc.qty.sum(), last_received=rc.received_date.max(), receipts=rc.count()
    )
    lines = po.left_join(per_line, [po.po_id == per_line.po_id, po.line_no == per_line.line_no]).select(
        po, received=per_line.received.fill_null(0.0), last_received=per_line.last_received
    )
    lines = lines.left_join(mats, lines.material_id == mats.material_id).select(lines, std=mats.standard_cost)
    due = lines.filter(lines.last_received.notnull() | (lines.promised_date < day))
    in_full = due.received >= pol.in_full_pct * due.qty
    on_time = due.last_received.notnull() & (due.last_received <= due.promised_date)
    by_line = due.group_by("supplier_id").aggregate(
        po_lines=due.count(),
        on_time_rate=on_time.cast("float64").mean(),
        in_full_rate=in_full.cast("float64").mean(),
        otif=(on_time & in_full).cast("float64").mean(),
    )
    ppv = lines.group_by("supplier_id").aggregate(
        purchase_value=(lines.qty * lines.unit_price).sum(),
        ppv_value=((lines.unit_price - lines.std) * lines.qty).sum(),
        _std_value=(lines.std * lines.qty).sum(),
    )
    # per receipt
    r = rc.join(po, [rc.po_id == po.po_id, rc.line_no == po.line_no]).select(
        po.supplier_id,
        delay=rc.received_date.delta(po.promised_date, unit="day"),
        lead=rc.received_date.delta(po.order_date, unit="day"),
        qty=rc.qty,
        failed=ibis.cases((rc.qc_status == "failed", rc.qty), else_=0.0),
    )
    by_receipt = r.group_by("supplier_id").aggregate(
        receipts=r.count(),
        late_share=(r.delay > 0).cast("float64").mean(),
        avg_delay_days=r.delay.mean(),
        avg_delay_when_late=r.delay.mean(where=r.delay > 0),
        lead_time_mean=r.lead.mean(),
        lead_time_std=r.lead.std(),
        lead_time_p50=r.lead.quantile(0.5),
        lead_time_p90=r.lead.quantile(0.9),
        qc_fail_rate=r.failed.sum() / r.qty.sum(),
    )
    su = wh.table("suppliers")
    out = su.select("supplier_id", "name")
    out = out.left_join(by_line, out.supplier_id == by_line.supplier_id).select(
        out, *[by_line[c] for c in ("po_lines", "otif", "on_time_rate", "in_full_rate")]
    )
    out = out.left_join(by_receipt, out.supplier_id == by_receipt.supplier_id).select(
        out, *[by_receipt[c] for c in by_receipt.columns if c != "supplier_id"]
    )
    out = out.left_join(ppv, out.supplier_id == ppv.supplier_id).select(
        out, ppv.purchase_value, ppv.ppv_value, ppv_pct=ppv.ppv_value / ppv._std_value
    )
    df = run(wh, out).filter(pl.col("po_lines").fill_null(0) + pl.col("receipts").fill_null(0) > 0)
    judged = df.filter(pl.col("receipts").fill_null(0) >= pol.min_receipts)
    median = float(judged.select(pl.col("late_share").median()).item() or 0.0) if judged.height else 0.0
    df = df.with_columns(
        flag_late=(pl.col("receipts").fill_null(0) >= pol.min_receipts)
        & (pl.col("late_share") >= pol.late_share_flag)
        & (pl.col("late_share") >= pol.late_share_vs_median * median)
    ).sort(["flag_late", "otif", "late_share"], descending=[True, False, True], nulls_last=True)
    return SupplierReport(day, start, df, material_coverage(wh, day, pol.consumption_weeks, pol.in_full_pct))


def material_coverage(
    wh: Warehouse, as_of: dt.date, weeks: int = 8, in_full_pct: float = 0.98
) -> pl.DataFrame:
    """Per material: usable stock (available, not expired), daily consumption over the last ``weeks``
    weeks, days of coverage, and open purchase orders (lines with nothing received yet, or short and
    still before their promised date: ordered − received) with the earliest promised date."""
    inv = wh.table("inventory")
    inv = inv.filter(inv.snapshot_date <= as_of)
    last = inv.group_by("site_id").aggregate(_d=inv.snapshot_date.max())
    now = inv.join(last, [inv.site_id == last.site_id, inv.snapshot_date == last._d]).select(inv)
    usable = now.filter(now.status == "available", now.expiry_date.isnull() | (now.expiry_date >= as_of))
    stock = usable.group_by(material_id=usable.item_id).aggregate(stock_qty=usable.qty.sum())
    mc = wh.table("material_consumption")
    po = wh.table("production_orders")
    j = mc.join(po, mc.order_id == po.order_id)
    d = j.actual_start.fill_null(j.planned_start)
    j = j.filter(d > as_of - dt.timedelta(days=7 * weeks), d <= as_of)
    use = j.group_by(material_id=j.material_id).aggregate(daily_use=j.qty.sum() / (7 * weeks))
    pur = wh.table("purchase_orders")
    rc = wh.table("receipts")
    rc = rc.filter(rc.received_date <= as_of)
    got = rc.group_by("po_id", "line_no").aggregate(received=rc.qty.sum())
    open_ = pur.filter(pur.order_date <= as_of).left_join(
        got, [pur.po_id == got.po_id, pur.line_no == got.line_no]
    )
    open_ = open_.select(pur, _got=got.received.fill_null(0.0))
    # open: not yet in full, and either nothing received yet or still before its promised date (a line
    # short-shipped after its promise is taken as closed short)
    short = open_._got < in_full_pct * open_.qty
    open_ = open_.filter(short & ((open_._got == 0) | (open_.promised_date >= as_of)))
    open_ = open_.mutate(open_qty=open_.qty - open_._got)
    opn = open_.group_by("material_id").aggregate(
        open_po_qty=open_.open_qty.sum(), next_promised=open_.promised_date.min()
    )
    m = wh.table("materials").select("material_id", "name", "type", "unit")
    m = m.left_join(stock, m.material_id == stock.material_id).select(
        m, stock_qty=stock.stock_qty.fill_null(0.0)
    )
    m = m.left_join(use, m.material_id == use.material_id).select(m, daily_use=use.daily_use.fill_null(0.0))
    m = m.left_join(opn, m.material_id == opn.material_id).select(
        m, open_po_qty=opn.open_po_qty.fill_null(0.0), next_promised=opn.next_promised
    )
    m = m.mutate(
        coverage_days=ibis.cases((m.daily_use > 0, m.stock_qty / m.daily_use), else_=ibis.null("float64"))
    )
    return run(wh, m).sort("coverage_days", nulls_last=True)
