"""MRP: multi-level netting by low-level code, shelf-life aware, with lot sizing, lead-time offset and pegging.

Pure function over small frames (one site); :func:`chainsight.planning.plan` feeds it from the
warehouse. Python loops here run over items (by low-level code) and periods, never over fact rows.

Rules (each one a known failure of spreadsheet MRP):

* items are netted in low-level-code order, so a component used by two parents (or at two BOM
  depths) receives *all* its dependent demand before it is netted once;
* every level nets — intermediates too — against on-hand, scheduled receipts and safety stock;
* an on-hand lot counts only while usable: its expiry date minus the item's minimum remaining
  life must be on or after the last day of the bucket it would serve;
* component demand = parent planned quantity × qty_per × (1 + scrap_rate), placed in the bucket
  of the parent's release date; release date = due date − lead time;
* lot sizing: at least the MOQ (or minimum run), rounded up to the order multiple.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from chainsight._errors import UserInputError

__all__ = ["MrpResult", "lot_size", "low_level_codes", "run_mrp"]

ORDER_COLUMNS = [
    "order_id",
    "order_type",
    "item_id",
    "site_id",
    "supplier_id",
    "qty",
    "net_qty",
    "release_date",
    "due_date",
    "pegged_to",
    "late",
]
NETTING_COLUMNS = [
    "item_id",
    "llc",
    "period",
    "gross",
    "scheduled",
    "on_hand_usable",
    "expired",
    "planned_receipt",
    "projected",
    "safety_stock",
]
EXCEPTION_COLUMNS = ["kind", "item_id", "period", "qty", "detail", "order_id"]


@dataclass
class MrpResult:
    """Planned orders, the netting grid (item × period) and exceptions."""

    orders: pd.DataFrame
    netting: pd.DataFrame
    exceptions: pd.DataFrame


def lot_size(net: float, moq: float = 0.0, multiple: float = 0.0) -> float:
    """At least ``moq``, rounded up to ``multiple``.

    >>> lot_size(130, moq=200, multiple=50), lot_size(230, moq=200, multiple=50), lot_size(7.2)
    (200.0, 250.0, 7.2)
    """
    if net <= 0:
        return 0.0
    qty = max(float(net), float(moq or 0.0))
    if multiple and multiple > 0:
        qty = math.ceil(round(qty / multiple, 9)) * multiple
    return float(qty)


def low_level_codes(bom: pd.DataFrame, items: list[str] | None = None) -> dict[str, int]:
    """The deepest BOM level at which each item appears (0 = never a component). Raises on cycles.

    >>> b = pd.DataFrame({"parent_id": ["A", "A", "S"], "component_id": ["S", "C", "C"]})
    >>> sorted(low_level_codes(b).items())
    [('A', 0), ('C', 2), ('S', 1)]
    """
    edges = list(zip(bom["parent_id"], bom["component_id"], strict=True))
    nodes = set(items or []) | {p for p, _ in edges} | {c for _, c in edges}
    llc = dict.fromkeys(nodes, 0)
    for _ in range(len(nodes) + 1):
        changed = False
        for p, c in edges:
            if llc[c] < llc[p] + 1:
                llc[c] = llc[p] + 1
                changed = True
        if not changed:
            return llc
    raise UserInputError(
        "物料清单存在循环引用", "the bill of materials has a cycle (an item is its own component)"
    )


def run_mrp(
    periods: list[dt.date],
    demand: pd.DataFrame,
    bom: pd.DataFrame,
    items: pd.DataFrame,
    on_hand: pd.DataFrame | None = None,
    receipts: pd.DataFrame | None = None,
    *,
    bucket_days: int = 7,
    site_id: str | None = None,
    as_of: dt.date | None = None,
) -> MrpResult:
    """Net independent ``demand`` through the BOM and return planned orders.

    * ``demand``: ``item_id, period, qty`` (+ optional ``source``, used for pegging);
    * ``bom``: ``parent_id, component_id, qty_per, scrap_rate``;
    * ``items``: ``item_id, make_buy`` (make|buy), optional ``lead_time_days, moq, order_multiple,
      safety_stock, supplier_id, min_remaining_days``;
    * ``on_hand``: ``item_id, qty, expiry_date`` (expiry may be null: never expires);
    * ``receipts`` (open purchase / production orders): ``item_id, due_date, qty`` (+ ``order_id``).

    >>> r = run_mrp([dt.date(2026, 1, 5)], pd.DataFrame({"item_id": ["A"], "period": [dt.date(2026, 1, 5)],
    ...     "qty": [10.0]}), pd.DataFrame(columns=["parent_id", "component_id", "qty_per", "scrap_rate"]),
    ...     pd.DataFrame({"item_id": ["A"], "make_buy": ["buy"], "moq": [25.0]}))
    >>> r.orders[["item_id", "qty"]].to_dict("records")
    [{'item_id': 'A', 'qty': 25.0}]
    """
    periods = sorted(periods)
    if not periods:
        raise UserInputError("计划期间为空", "no planning periods")
    start = periods[0]
    n = len(periods)
    index = {p: i for i, p in enumerate(periods)}
    ends = [p + dt.timedelta(days=bucket_days - 1) for p in periods]

    def bucket_of(day: dt.date) -> int:
        if day < start:
            return -1
        i = (day - start).days // bucket_days
        return min(i, n - 1) if i < n else n

    spec = items.set_index("item_id")
    llc = low_level_codes(bom, list(spec.index) + list(demand["item_id"].unique()))
    children: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in bom.itertuples(index=False):
        scrap = float(getattr(r, "scrap_rate", 0.0) or 0.0)
        children[r.parent_id].append((r.component_id, float(r.qty_per) * (1.0 + scrap)))

    gross: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
    pegs: dict[str, list[list[str]]] = defaultdict(lambda: [[] for _ in range(n)])
    for r in demand.itertuples(index=False):
        p = r.period if isinstance(r.period, dt.date) else pd.Timestamp(r.period).date()
        i = index.get(p, bucket_of(p))
        if 0 <= i < n:
            gross[r.item_id][i] += float(r.qty)
            src = getattr(r, "source", None)
            if isinstance(src, list | tuple):
                pegs[r.item_id][i].extend(str(x) for x in src)
            else:
                pegs[r.item_id][i].append(str(src or f"demand:{r.item_id}@{periods[i]}"))

    lots: dict[str, list[list]] = defaultdict(list)
    if on_hand is not None and not on_hand.empty:
        for r in on_hand.itertuples(index=False):
            exp = None if pd.isna(r.expiry_date) else pd.Timestamp(r.expiry_date).date()
            lots[r.item_id].append([exp or dt.date.max, float(r.qty)])
    sched: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
    open_orders: dict[str, list[tuple[int, float, str, dt.date]]] = defaultdict(list)
    if receipts is not None and not receipts.empty:
        for j, r in enumerate(receipts.itertuples(index=False)):
            due = pd.Timestamp(r.due_date).date()
            i = max(0, bucket_of(due))
            if i < n:
                sched[r.item_id][i] += float(r.qty)
                open_orders[r.item_id].append((i, float(r.qty), str(getattr(r, "order_id", None) or j), due))

    def attr(item: str, name: str, default: float | str | None) -> float | str | None:
        if item in spec.index and name in spec.columns:
            v = spec.at[item, name]
            if not (v is None or (isinstance(v, float) and math.isnan(v))):
                return v
        return default

    orders: list[dict] = []
    grid: list[dict] = []
    exceptions: list[dict] = []
    seq = 0
    for item in sorted(llc, key=lambda x: (llc[x], x)):
        make = str(attr(item, "make_buy", "make" if children.get(item) else "buy")) == "make"
        lead = int(float(attr(item, "lead_time_days", 0) or 0))
        moq = float(attr(item, "moq", 0) or 0)
        mult = float(attr(item, "order_multiple", 0) or 0)
        ss = float(attr(item, "safety_stock", 0) or 0)
        min_rem = int(float(attr(item, "min_remaining_days", 0) or 0))
        supplier = attr(item, "supplier_id", None)
        item_lots = sorted(lots.get(item, []), key=lambda x: x[0])
        g = gross[item]
        exceptions.extend(
            _reschedule(item, periods, g, item_lots, open_orders.get(item, []), ss, min_rem, ends)
        )
        free = 0.0
        for t in range(n):
            expired = 0.0
            keep = []
            for lot in item_lots:
                if lot[0] != dt.date.max and lot[0] - dt.timedelta(days=min_rem) < ends[t]:
                    expired += lot[1]
                else:
                    keep.append(lot)
            item_lots = keep
            if expired > 0:
                exceptions.append(
                    {
                        "kind": "expiring_before_use",
                        "item_id": item,
                        "period": periods[t],
                        "qty": expired,
                        "detail": "on-hand stock expires (or falls below minimum remaining life) before use",
                    }
                )
            usable = sum(q for _, q in item_lots)
            free += sched[item][t]
            available = free + usable
            planned = 0.0
            if available - g[t] < ss - 1e-9:
                net = ss - (available - g[t])
                planned = lot_size(net, moq, mult)
                free += planned
                seq += 1
                due = periods[t]
                release = due - dt.timedelta(days=lead)
                late = release < (as_of or start)
                order_id = f"PLN-{seq:05d}"
                pegged = pegs[item][t] or ["safety_stock"]
                orders.append(
                    {
                        "order_id": order_id,
                        "order_type": "production" if make else "purchase",
                        "item_id": item,
                        "site_id": site_id,
                        "supplier_id": None if make else supplier,
                        "qty": planned,
                        "net_qty": round(net, 6),
                        "release_date": release,
                        "due_date": due,
                        "pegged_to": pegged,
                        "late": late,
                    }
                )
                if late:
                    exceptions.append(
                        {
                            "kind": "late_order",
                            "item_id": item,
                            "period": periods[t],
                            "qty": planned,
                            "detail": f"release date {release} is before the plan start: expedite",
                        }
                    )
                rb = max(0, bucket_of(release))
                for comp, per in children.get(item, []):
                    gross[comp][min(rb, n - 1)] += planned * per
                    pegs[comp][min(rb, n - 1)].append(order_id)
            # consume: first-expiry lots first, then fresh stock
            need = g[t]
            for lot in item_lots:
                take = min(lot[1], need)
                lot[1] -= take
                need -= take
                if need <= 0:
                    break
            item_lots = [lot for lot in item_lots if lot[1] > 1e-12]
            free -= need
            projected = free + sum(q for _, q in item_lots)
            grid.append(
                {
                    "item_id": item,
                    "llc": llc[item],
                    "period": periods[t],
                    "gross": round(g[t], 6),
                    "scheduled": sched[item][t],
                    "on_hand_usable": round(usable, 6),
                    "expired": expired,
                    "planned_receipt": planned,
                    "projected": round(projected, 6),
                    "safety_stock": ss,
                }
            )
        cover = sum(g[max(0, n - 4) :])
        if projected - ss - cover > 1e-6 and projected > 0:
            exceptions.append(
                {
                    "kind": "excess",
                    "item_id": item,
                    "period": periods[-1],
                    "qty": round(projected - ss - cover, 6),
                    "detail": "stock at the end of the horizon beyond safety stock and 4 periods of requirements",
                }
            )
    return MrpResult(
        pd.DataFrame(orders, columns=ORDER_COLUMNS),
        pd.DataFrame(grid, columns=NETTING_COLUMNS),
        pd.DataFrame(exceptions, columns=EXCEPTION_COLUMNS),
    )


def _reschedule(
    item: str,
    periods: list[dt.date],
    gross: list[float],
    lots: list[list],
    receipts: list[tuple[int, float, str, dt.date]],
    ss: float,
    min_rem: int,
    ends: list[dt.date],
) -> list[dict]:
    """Expedite / defer / cancel messages for open orders (receipts), as MRP rescheduling does.

    Without any open order, stock usable before expiry leaves a cumulative shortfall (plus safety
    stock) per period; open orders, earliest due first, fill it. An order is *needed* in the first
    period where the shortfall exceeds what the orders before it bring: needed before its due
    bucket → expedite; more than one bucket after → defer; never within the horizon → cancel.
    """
    if not receipts:
        return []
    n = len(periods)
    left = [list(lot) for lot in lots]
    short = 0.0
    cum_need: list[float] = []
    for t in range(n):
        left = [
            lot for lot in left if lot[0] == dt.date.max or lot[0] - dt.timedelta(days=min_rem) >= ends[t]
        ]
        need = gross[t]
        for lot in left:
            take = min(lot[1], need)
            lot[1] -= take
            need -= take
        left = [lot for lot in left if lot[1] > 1e-12]
        short += need
        level = short + max(0.0, ss - sum(q for _, q in left))
        cum_need.append(max(level, cum_need[-1] if cum_need else 0.0))
    out = []
    before = 0.0
    for due_t, qty, order_id, due in sorted(receipts, key=lambda r: (r[0], r[3], r[2])):
        need_t = next((t for t in range(n) if cum_need[t] > before + 1e-9), None)
        before += qty
        if need_t is None:
            kind, detail = "cancel", f"open order {order_id} (due {due}) is not needed within the horizon"
        elif due < periods[0]:
            kind, detail = (
                "expedite",
                f"open order {order_id} is overdue (due {due}) and needed by {periods[need_t]}",
            )
        elif need_t < due_t:
            kind, detail = "expedite", f"open order {order_id} due {due} is needed by {periods[need_t]}"
        elif need_t > due_t + 1:
            kind, detail = "defer", f"open order {order_id} due {due} is not needed before {periods[need_t]}"
        else:
            continue
        out.append(
            {
                "kind": kind,
                "item_id": item,
                "period": periods[min(due_t, n - 1) if need_t is None else need_t],
                "qty": qty,
                "detail": detail,
                "order_id": order_id,
            }
        )
    return out
