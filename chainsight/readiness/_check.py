"""Readiness: is the data there, fresh, complete and clean per domain; which metrics and decisions it
supports today and which missing data would unlock the next ones; and the organisational checklist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chainsight.metrics import load_catalog
from chainsight.model import ENTITIES, Text
from chainsight.warehouse import Warehouse

FRESH_DAYS_DEFAULT = 7  # a daily export older than a week is stale
MAX_REJECT_RATE = 0.01  # more than 1% of rows rejected: the export needs fixing at the source

# Entities a metric reads that are not loaded directly: derived from, or written by, others.
DERIVED: dict[str, tuple[str, ...]] = {
    "po_deliveries": ("purchase_orders", "receipts"),
    "forecasts": ("forecasts",),  # written by `chainsight forecast` / the pipeline's forecast step
}


@dataclass(frozen=True, slots=True)
class Domain:
    key: str
    label: Text
    entities: tuple[str, ...]  # must all have rows for the domain to be present
    metric_domains: tuple[str, ...]  # catalog domains whose metrics this domain supports


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "sales",
        Text("销售与目标", "Sales and targets"),
        ("sell_in", "targets", "products", "customers", "regions", "channels"),
        ("sales",),
    ),
    Domain(
        "channels",
        Text("渠道(线上、终端动销、价格)", "Channels (online, sell-out, prices)"),
        ("online_orders", "sell_out", "stores", "prices", "promotions"),
        ("channels", "sell_through"),
    ),
    Domain(
        "inventory",
        Text("库存与保质期", "Inventory and shelf life"),
        ("inventory", "write_offs", "products", "sites"),
        ("inventory", "shelf_life"),
    ),
    Domain(
        "procurement",
        Text("采购", "Procurement"),
        ("suppliers", "supplier_materials", "purchase_orders", "receipts", "materials"),
        ("procurement",),
    ),
    Domain(
        "production",
        Text("生产", "Production"),
        ("lines", "production_orders", "material_consumption", "bom"),
        ("production",),
    ),
    Domain(
        "planning",
        Text("计划(预测、服务水平、物料需求)", "Planning (forecast, service level, MRP)"),
        ("bom", "materials", "supplier_materials", "customer_orders"),
        ("forecast", "service"),
    ),
)

# Entities whose data must keep arriving: days allowed between their latest date and the check date.
FRESHNESS_DAYS: dict[str, int] = {
    "sell_in": 7,
    "online_orders": 7,
    "sell_out": 14,
    "customer_orders": 7,
    "inventory": 7,
    "purchase_orders": 14,
    "receipts": 14,
    "production_orders": 7,
    "material_consumption": 7,
    "write_offs": 31,
    "targets": 0,  # targets must cover the current month (checked on the month, see below)
}


# Entities expected every month once they start (prices, promotions and write-offs come when they come).
CONTINUOUS: frozenset[str] = frozenset(FRESHNESS_DAYS) - {"write_offs"}


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    domain: str
    label: Text
    metrics: tuple[str, ...]


DECISIONS: tuple[Decision, ...] = (
    Decision(
        "sales_vs_target",
        "sales",
        Text(
            "哪些区域、渠道落后于目标,需要追赶",
            "Which regions and channels are behind target and need a catch-up plan",
        ),
        ("net_sales", "target_attainment", "target_gap"),
    ),
    Decision(
        "pricing_discipline",
        "sales",
        Text("折扣与价格执行是否失控", "Whether discounts and price realisation are under control"),
        ("discount_rate", "price_realization"),
    ),
    Decision(
        "channel_mix",
        "channels",
        Text(
            "线上线下如何分配资源,是否互相蚕食",
            "How to split effort between online and offline, and whether they cannibalise",
        ),
        ("online_share", "online_sales", "offline_sales"),
    ),
    Decision(
        "distributor_stuffing",
        "channels",
        Text(
            "经销商是否压货(进货远大于动销)", "Whether distributors are stuffed (sell-in far above sell-out)"
        ),
        ("sell_in_sell_out_ratio", "channel_inventory_days"),
    ),
    Decision(
        "near_expiry_actions",
        "inventory",
        Text("哪些批次要促销、调拨或报废", "Which lots to promote, transfer or write off before they expire"),
        ("near_expiry_value", "near_expiry_share", "expired_value"),
    ),
    Decision(
        "stock_levels",
        "inventory",
        Text("库存是否过高或过低", "Whether stock is too high or too low"),
        ("days_of_supply", "inventory_turnover"),
    ),
    Decision(
        "supplier_performance",
        "procurement",
        Text("哪些供应商需要整改或备选", "Which suppliers need a recovery plan or a second source"),
        ("po_otif", "supplier_on_time_rate", "qc_failure_rate"),
    ),
    Decision(
        "material_coverage",
        "procurement",
        Text("哪些物料要提前采购", "Which materials to buy earlier"),
        ("material_coverage_days", "avg_lead_time_days"),
    ),
    Decision(
        "production_attainment",
        "production",
        Text(
            "生产计划能否兑现,哪条产线要改进", "Whether the production plan is met and which line to improve"
        ),
        ("plan_attainment", "production_yield", "line_utilization"),
    ),
    Decision(
        "forecast_quality",
        "planning",
        Text(
            "预测是否可信,可否据此排产采购",
            "Whether the forecast is good enough to plan production and purchasing on",
        ),
        ("forecast_wape", "forecast_bias"),
    ),
    Decision(
        "service_level",
        "planning",
        Text("客户订单满足率是否达标", "Whether customer orders are filled on time and in full"),
        ("fill_rate", "order_otif"),
    ),
)


def _domain_of_entity() -> dict[str, str]:
    out: dict[str, str] = {}
    for d in DOMAINS:
        for e in d.entities:
            out.setdefault(e, d.key)
    return out


def metric_entities(name: str) -> tuple[str, ...]:
    """The loadable entities a metric needs rows in, from the catalog's leaves and their sources."""
    cat = load_catalog()
    needed: dict[str, None] = {}
    for leaf in cat.leaves([name]):
        for src in cat.metrics[leaf].sources:
            for e in DERIVED.get(src.entity, (src.entity,)):
                needed.setdefault(e, None)
    return tuple(needed)


def _entity_facts(wh: Warehouse, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """Per loadable entity: rows, date range, months missing inside the range, reject rate, freshness."""
    tables = set(wh.list_tables())
    hist = {
        name: (sm.rows_read, sm.rows_rejected, sm.last_finished_at)
        for name, sm in wh.load_summary(outcome="loaded").items()
    }
    open_rejects = wh.reject_counts(status="open")
    facts: dict[str, dict[str, Any]] = {}
    names = [*ENTITIES, "forecasts"]
    for name in names:
        if name not in tables:
            facts[name] = {"rows": 0}
            continue
        t = wh.table(name)
        ent = ENTITIES.get(name)
        date_col = ent.date_column if ent is not None else "period"
        if date_col:
            col = t[date_col]
            month = col.cast("date").truncate("M") if date_col != "month" else col.cast("date")
            agg = t.aggregate(rows=t.count(), lo=col.min(), hi=col.max(), months=month.nunique())
            row = agg.to_pyarrow().to_pylist()[0]
        else:
            row = {"rows": int(t.count().execute()), "lo": None, "hi": None, "months": None}
        lo, hi = _day(row.get("lo")), _day(row.get("hi"))
        read, rejected, last_load = hist.get(name, (0, 0, None))
        info: dict[str, Any] = {
            "rows": int(row["rows"]),
            "date_from": lo,
            "date_to": hi,
            "last_load": last_load,
            "rows_read": read,
            "rows_rejected": rejected,
            "reject_rate": rejected / read if read else 0.0,
            "open_rejects": open_rejects.get(name, 0),
        }
        if lo and hi and row.get("months") is not None and name in CONTINUOUS:
            span = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
            info["months_covered"] = int(row["months"])
            info["months_missing"] = span - int(row["months"])
        if name in FRESHNESS_DAYS and hi is not None:
            if name == "targets":
                info["fresh"] = (hi.year, hi.month) >= (as_of.year, as_of.month)
                info["lag_days"] = max(0, (as_of.replace(day=1) - hi).days) if not info["fresh"] else 0
            else:
                info["lag_days"] = (as_of - hi).days
                info["fresh"] = info["lag_days"] <= FRESHNESS_DAYS[name]
        facts[name] = info
    return facts


def _day(v: Any) -> dt.date | None:
    if v is None:
        return None
    return v.date() if isinstance(v, dt.datetime) else v


def data_readiness(wh: Warehouse, as_of: dt.date | None = None) -> dict[str, Any]:
    """Per domain: present, fresh, complete, clean (each with the evidence), a 0–100 score, the metrics and
    decisions it supports, and which missing entities would unlock which metrics and decisions."""
    as_of = as_of or dt.date.today()
    facts = _entity_facts(wh, as_of)
    have = {e for e, f in facts.items() if f.get("rows")}
    cat = load_catalog()
    metric_needs = {m.name: metric_entities(m.name) for m in cat}
    supported = {m for m, needs in metric_needs.items() if set(needs) <= have}
    owner = _domain_of_entity()
    domains: list[dict[str, Any]] = []
    for d in DOMAINS:
        missing = [e for e in d.entities if e not in have]
        present_entities = [e for e in d.entities if e in have]
        stale = [
            {"entity": e, "date_to": facts[e]["date_to"], "lag_days": facts[e]["lag_days"]}
            for e in present_entities
            if facts[e].get("fresh") is False
        ]
        gaps = [
            {"entity": e, "months_missing": facts[e]["months_missing"]}
            for e in present_entities
            if facts[e].get("months_missing")
        ]
        read = sum(facts[e].get("rows_read", 0) for e in present_entities)
        rejected = sum(facts[e].get("rows_rejected", 0) for e in present_entities)
        rate = rejected / read if read else 0.0
        dirty = [
            {"entity": e, "reject_rate": facts[e]["reject_rate"], "open_rejects": facts[e]["open_rejects"]}
            for e in present_entities
            if facts[e].get("reject_rate", 0) > MAX_REJECT_RATE
        ]
        checks = {
            "present": not missing,
            "fresh": bool(present_entities) and not stale,
            "complete": bool(present_entities) and not missing and not gaps,
            "clean": bool(present_entities) and not dirty,
        }
        metrics = [m for m in cat if m.domain in d.metric_domains]
        ok_metrics = [m.name for m in metrics if m.name in supported]
        decisions = [x for x in DECISIONS if x.domain == d.key]
        domains.append(
            {
                "domain": d.key,
                "label_zh": d.label.zh,
                "label_en": d.label.en,
                "checks": checks,
                "score": round(25 * sum(checks.values())),
                "entities": {e: _public(facts[e]) for e in d.entities},
                "missing": missing,
                "stale": stale,
                "gaps": gaps,
                "reject_rate": rate,
                "dirty": dirty,
                "metrics_supported": ok_metrics,
                "metrics_total": len(metrics),
                "metrics_blocked": [
                    {"metric": m.name, "needs": [e for e in metric_needs[m.name] if e not in have]}
                    for m in metrics
                    if m.name not in supported
                ],
                "decisions": [
                    {
                        "decision": x.key,
                        "label_zh": x.label.zh,
                        "label_en": x.label.en,
                        "supported": all(n in supported for n in x.metrics),
                        "needs": sorted({e for n in x.metrics for e in metric_needs[n] if e not in have}),
                    }
                    for x in decisions
                ],
            }
        )
    # What to load next: each missing entity with the metrics and decisions it alone would unlock.
    unlocks: dict[str, dict[str, Any]] = {}
    for name, needs in metric_needs.items():
        lacking = [e for e in needs if e not in have]
        if len(lacking) == 1:
            unlocks.setdefault(lacking[0], {"metrics": [], "decisions": []})["metrics"].append(name)
    for x in DECISIONS:
        lacking = sorted({e for n in x.metrics for e in metric_needs[n] if e not in have})
        if len(lacking) == 1:
            unlocks.setdefault(lacking[0], {"metrics": [], "decisions": []})["decisions"].append(x.key)
    next_data = sorted(
        (
            {
                "entity": e,
                "domain": owner.get(e),
                "label_zh": ENTITIES[e].label.zh if e in ENTITIES else e,
                "label_en": ENTITIES[e].label.en if e in ENTITIES else e,
                "unlocks_metrics": v["metrics"],
                "unlocks_decisions": v["decisions"],
            }
            for e, v in unlocks.items()
        ),
        key=lambda r: (-len(r["unlocks_decisions"]), -len(r["unlocks_metrics"]), r["entity"]),
    )
    return {
        "as_of": as_of.isoformat(),
        "domains": domains,
        "score": round(sum(d["score"] for d in domains) / len(domains)),
        "metrics_supported": len(supported),
        "metrics_total": len(metric_needs),
        "decisions_supported": sum(1 for d in domains for x in d["decisions"] if x["supported"]),
        "decisions_total": len(DECISIONS),
        "next_data": next_data,
    }


def _public(f: dict[str, Any]) -> dict[str, Any]:
    out = dict(f)
    for k in ("date_from", "date_to", "last_load"):
        if out.get(k) is not None:
            out[k] = out[k].isoformat()
    return out
