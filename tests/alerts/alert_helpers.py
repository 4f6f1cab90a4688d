"""Helpers of the alert tests: an app database, alerts made straight from findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chainsight.alerts import Finding, load_rules
from chainsight.alerts._state import _reconcile
from chainsight.appdb import AppDB


def make_db(url: str = "sqlite://") -> AppDB:
    from argon2 import PasswordHasher

    return AppDB(url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def fire(
    appdb: AppDB, *findings: tuple[str, dict[str, str], dict[str, Any], str], as_of: str = "2026-10-31"
) -> Any:
    """Reconcile these findings (rule id, scope, numbers, severity) as one evaluation of their rules."""
    rules = load_rules()
    found: dict[str, Any] = {}
    for rid, scope, numbers, sev in findings:
        found.setdefault(rid, (rules.get(rid), []))[1].append(Finding(rid, scope, numbers, sev))
    return _reconcile(appdb, found, dt.date.fromisoformat(as_of))


def clear(appdb: AppDB, *rule_ids: str, as_of: str = "2026-11-30") -> Any:
    """An evaluation in which these rules ran and found nothing."""
    rules = load_rules()
    return _reconcile(appdb, {r: (rules.get(r), []) for r in rule_ids}, dt.date.fromisoformat(as_of))


SUPPLIER = (
    "supplier_late_otif",
    {"supplier": "SUP03"},
    {
        "name": "华港包装",
        "receipts": 82,
        "late_share": 0.6,
        "avg_delay_days": 4.2,
        "otif": 0.3,
        "median_late_share": 0.09,
    },
    "critical",
)
LOT = (
    "expiry_risk_lot",
    {"site": "DC-SH", "sku": "SN013", "lot": "L1", "province": "上海市"},
    {
        "item_name": "饼干",
        "qty": 3512,
        "days_to_expiry": 48,
        "projected_unsold_qty": 2934,
        "projected_unsold_value": 22889.1,
        "action": "promote",
        "action_target": "DC-SH",
        "value_saved": 1765,
    },
    "warning",
)
PRICE = (
    "online_price_below_floor",
    {"channel": "pinduoduo", "channel_kind": "online", "shop": "优选食品专营店", "sku": "SN019"},
    {
        "weeks": 2,
        "effective_price": 63.1,
        "floor_price": 76.4,
        "below_floor_pct": 0.17,
        "margin_leakage": 229.0,
    },
    "critical",
)
