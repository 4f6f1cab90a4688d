"""What is in the warehouse: per-entity counts, date ranges, last loads, rejects, and readiness by domain."""

from __future__ import annotations

from typing import Any

from chainsight.model import ENTITIES, LOAD_ORDER, Text
from chainsight.warehouse._base import Warehouse

# Which entities a business domain needs before its analyses mean anything.
DOMAINS: dict[str, tuple[Text, tuple[str, ...]]] = {
    "master_data": (Text("主数据", "Master data"), ("regions", "channels", "customers", "products", "sites")),
    "sales": (Text("销售与目标", "Sales and targets"), ("sell_in", "targets")),
    "online": (Text("线上渠道", "Online channels"), ("online_orders",)),
    "sell_through": (Text("终端动销", "Sell-through"), ("sell_out", "stores")),
    "pricing": (Text("价格与促销", "Prices and promotions"), ("prices", "promotions")),
    "inventory": (Text("库存与保质期", "Inventory and shelf life"), ("inventory",)),
    "procurement": (
        Text("采购", "Procurement"),
        ("suppliers", "supplier_materials", "purchase_orders", "receipts"),
    ),
    "production": (Text("生产", "Production"), ("lines", "production_orders", "material_consumption")),
    "planning": (Text("计划(BOM 与物料)", "Planning (BOM and materials)"), ("materials", "bom")),
}


def warehouse_status(wh: Warehouse) -> dict[str, Any]:
    """Per entity: rows, date range, last load, open rejects; per domain: ready / partial / empty.

    >>> wh = Warehouse.open(":memory:")
    >>> warehouse_status(wh)["domains"]["sales"]["state"]
    'empty'
    """
    last = {name: s.last_finished_at for name, s in wh.load_summary().items()}
    open_rejects = wh.reject_counts(status="open")
    entities = []
    counts: dict[str, int] = {}
    for name in LOAD_ORDER:
        ent = ENTITIES[name]
        table = wh.table(name)
        rows = int(table.count().execute())
        counts[name] = rows
        first = last_date = None
        if ent.date_column and rows:
            col = table[ent.date_column]
            agg = table.aggregate(lo=col.min(), hi=col.max()).to_pyarrow().to_pylist()[0]
            first, last_date = agg["lo"], agg["hi"]
        entities.append(
            {
                "entity": name,
                "label_zh": ent.label.zh,
                "label_en": ent.label.en,
                "rows": rows,
                "date_from": _iso(first),
                "date_to": _iso(last_date),
                "last_load": _iso(last.get(name)),
                "open_rejects": int(open_rejects.get(name, 0)),
            }
        )
    domains = {}
    for key, (label, needed) in DOMAINS.items():
        have = [e for e in needed if counts.get(e)]
        state = "ready" if len(have) == len(needed) else ("partial" if have else "empty")
        domains[key] = {
            "label_zh": label.zh,
            "label_en": label.en,
            "state": state,
            "missing": [e for e in needed if not counts.get(e)],
        }
    return {"warehouse": wh.path, "entities": entities, "domains": domains}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaT / NaN
            return None
    except TypeError:
        pass
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
