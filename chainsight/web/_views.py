"""What each page shows, as plain data: every figure comes from chainsight.metrics under the user's scope.

Pages and the JSON API read these functions, so a page and ``chainsight metrics query`` agree.
The warehouse is opened read-only while the app serves, so answers are cached per scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from chainsight._cache import LRUCache
from chainsight._errors import UserInputError
from chainsight.metrics import (
    DIMENSIONS,
    Direction,
    Explanation,
    Metric,
    Scope,
    Unit,
    explain,
    load_catalog,
    query,
)
from chainsight.model import ENTITIES
from chainsight.present import label
from chainsight.warehouse import Warehouse
from chainsight.web._i18n import fmt_change, fmt_month, fmt_pct_change, fmt_value


def _freeze(kw: Mapping[str, Any]) -> tuple[Any, ...]:
    out = []
    for k, v in sorted(kw.items()):
        if isinstance(v, Mapping):
            v = tuple(sorted((a, tuple(b) if isinstance(b, list | tuple) else b) for a, b in v.items()))
        out.append((k, v))
    return tuple(out)


# Dimensions whose members are codes with a name in master data: (entity, key column).
NAMED_DIMENSIONS: dict[str, tuple[str, str]] = {
    "channel": ("channels", "channel_id"),
    "customer": ("customers", "customer_id"),
    "store": ("stores", "store_id"),
    "sku": ("products", "sku"),
    "site": ("sites", "site_id"),
    "line": ("lines", "line_id"),
    "supplier": ("suppliers", "supplier_id"),
    "material": ("materials", "material_id"),
}


class Views:
    """Page data, computed from the governed metrics and cached per (question, scope, language).

    ``read`` gives the warehouse for one query (see ``WarehouseAccess.read``): every warehouse call
    of this class goes through it, so how requests share the warehouse is decided in one place.
    """

    def __init__(self, read: Callable[[], AbstractContextManager[Warehouse]], cache_size: int = 512) -> None:
        self.read = read
        self.catalog = load_catalog()
        self.cache: LRUCache[Any] = LRUCache(cache_size)
        self._as_of: dt.date | None = None

    def forget(self) -> None:
        """Drop every cached answer (the data changed)."""
        self.cache.clear()
        self._as_of = None

    # ------------------------------------------------------------ basics
    def rows(self, metrics: str | Iterable[str], scope: Scope, **kw: Any) -> list[dict[str, Any]]:
        """``metrics.query`` as records, cached per (question, scope)."""
        names = metrics if isinstance(metrics, str) else ",".join(metrics)
        key = ("q", names, scope.key, _freeze(kw))
        return self.cache.get_or(  # type: ignore[no-any-return]
            key, lambda: self.query(names, scope=scope, **kw).to_dicts()
        )

    def query(self, metrics: str, *, scope: Scope, **kw: Any) -> Any:
        """``chainsight.metrics.query`` on this warehouse (a pyarrow Table)."""
        with self.read() as wh:
            return query(wh, metrics, scope=scope, **kw)

    def explain(self, metric: str, period: str, *, scope: Scope, **kw: Any) -> Explanation:
        """``chainsight.metrics.explain`` on this warehouse."""
        with self.read() as wh:
            return explain(wh, metric, period, scope=scope, **kw)

    def as_of(self) -> dt.date:
        """The last day with sales in the warehouse (not scoped: a date reveals no figures)."""
        if self._as_of is None:
            self._as_of = self._latest_day()
        return self._as_of

    def _latest_day(self) -> dt.date:
        with self.read() as wh:
            days = []
            for entity in ("sell_in", "online_orders"):
                col = ENTITIES[entity].date_column
                assert col is not None
                v = wh.table(entity)[col].max().to_pyarrow().as_py()
                if v is not None:
                    days.append(v.date() if isinstance(v, dt.datetime) else v)
            return max(days) if days else dt.date.today()

    def current_month(self) -> tuple[dt.date, dt.date]:
        """The month the cockpit reports: the latest month with data, if nearly complete, else the one before."""
        d = self.as_of()
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if (nxt - d).days > 3:
            d = d.replace(day=1) - dt.timedelta(days=1)
        start = d.replace(day=1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return start, end

    def metric_info(self, name: str, lang: str) -> dict[str, Any]:
        m = self.catalog.get(name)
        return {
            "name": m.name,
            "label": m.label.get(lang),
            "description": m.description.get(lang),
            "formula": m.formula.get(lang),
            "unit": m.unit.value,
            "owner": m.owner,
            "good_direction": m.good_direction.value,
        }

    # ------------------------------------------------------------ figures
    def tile(
        self,
        name: str,
        lang: str,
        current: Mapping[str, Any] | None,
        mom: Mapping[str, Any] | None = None,
        yoy: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        m = self.catalog.get(name)
        value = current.get(name) if current else None
        tile = {**self.metric_info(name, lang), "value": value, "display": fmt_value(value, m.unit, lang)}
        for tag, row in (("mom", mom), ("yoy", yoy)):
            if row is None:
                tile[tag] = None
                continue
            change = row.get(f"{name}_change")
            pct = row.get(f"{name}_change_pct")
            missing = bool(row.get(f"{name}_prior_missing", True))
            text = fmt_change(change, m.unit, lang) if m.unit is Unit.PCT else fmt_pct_change(pct)
            tile[tag] = {
                "text": text,
                "missing": missing or change is None,
                "tone": _tone(m, change),
            }
        return tile

    def cockpit(self, scope: Scope, lang: str) -> dict[str, Any]:
        """Everything the executive cockpit shows, for one scope and language."""
        key = ("cockpit", scope.key, lang)
        return self.cache.get_or(key, lambda: self._cockpit(scope, lang))  # type: ignore[no-any-return]

    def _cockpit(self, scope: Scope, lang: str) -> dict[str, Any]:
        start, end = self.current_month()
        sales = ["net_sales", "target_attainment", "target_gap", "online_share", "target_amount"]
        stock = [
            "inventory_value",
            "days_of_supply",
            "near_expiry_value",
            "near_expiry_share",
            "expired_value",
        ]
        # One monthly query per group over 13 months gives the figures, their MoM and YoY, and the trend
        # charts: the same numbers as ``query(..., grain="month", compare="pop"|"yoy")``, fewer queries.
        first = _months_back(end, 12)
        s_rows = self.rows(sales, scope, grain="month", start=first, end=end)
        i_rows = self.rows(stock, scope, grain="month", start=first, end=end)
        tiles = [self.month_tile(n, lang, s_rows, start) for n in sales[:4]]
        tiles += [self.month_tile(n, lang, i_rows, start) for n in stock]
        service: dict[str, Any]
        try:
            svc = self.rows(["fill_rate", "order_otif"], scope, grain="month", start=first, end=end)
            service = {"tiles": [self.month_tile(n, lang, svc, start) for n in ("fill_rate", "order_otif")]}
        except UserInputError as exc:
            service = {"tiles": [], "message": exc.message(lang)}
        return {
            "period": {"start": start, "end": end, "label": fmt_month(start, lang), "key": f"{start:%Y-%m}"},
            "as_of": self.as_of(),
            "tiles": tiles,
            "service": service,
            "charts": {
                "sales_vs_target": self.series_chart(
                    s_rows,
                    lang,
                    [("net_sales", "bar", 0), ("target_amount", "line", 0), ("target_attainment", "line", 1)],
                ),
                "channel_mix": self.breakdown("net_sales", "channel", scope, lang, start, end, chart="pie"),
                "inventory_health": self.series_chart(
                    i_rows,
                    lang,
                    [
                        ("inventory_value", "bar", 0),
                        ("near_expiry_value", "line", 0),
                        ("expired_value", "line", 0),
                    ],
                ),
                "by_province": self.breakdown(
                    "net_sales", "province", scope, lang, start, end, drill="/sales?province={}", top=15
                ),
            },
        }

    def month_tile(self, name: str, lang: str, rows: list[dict[str, Any]], month: dt.date) -> dict[str, Any]:
        """A figure for ``month`` with its change on the month before and the same month last year."""
        by_period = {r["period"]: r for r in rows}
        cur = by_period.get(month)
        value = cur.get(name) if cur else None
        compare = {}
        for tag, prior_month in (("mom", _months_back(month, 1)), ("yoy", _months_back(month, 12))):
            prior_row = by_period.get(prior_month)
            prior = prior_row.get(name) if prior_row else None
            change = None if value is None or prior is None else value - prior
            pct = None if change is None or not prior else change / abs(prior)
            compare[tag] = {
                f"{name}_change": change,
                f"{name}_change_pct": pct,
                f"{name}_prior_missing": prior is None,
            }
        return self.tile(name, lang, {name: value}, compare["mom"], compare["yoy"])

    def inventory_trend(self, scope: Scope, lang: str, end: dt.date, months: int = 12) -> dict[str, Any]:
        start = _months_back(end, months - 1)
        rows = self.rows(
            ["inventory_value", "near_expiry_value", "expired_value"],
            scope,
            grain="month",
            start=start,
            end=end,
        )
        return self.series_chart(
            rows,
            lang,
            [("inventory_value", "bar", 0), ("near_expiry_value", "line", 0), ("expired_value", "line", 0)],
        )

    def series_chart(
        self, rows: list[dict[str, Any]], lang: str, series: list[tuple[str, str, int]]
    ) -> dict[str, Any]:
        """A time chart: one category per period, one series per metric, values raw and formatted."""
        cats = [fmt_month(r["period"], lang) for r in rows]
        out = []
        for name, kind, axis in series:
            m = self.catalog.get(name)
            values = [_num(r.get(name)) for r in rows]
            out.append(
                {
                    "metric": name,
                    "name": m.label.get(lang),
                    "description": m.description.get(lang),
                    "type": kind,
                    "axis": axis,
                    "unit": m.unit.value,
                    "values": values,
                    "labels": [fmt_value(v, m.unit, lang) for v in values],
                }
            )
        return {"kind": "series", "categories": cats, "series": out, "empty": not rows}

    def breakdown(
        self,
        name: str,
        dim: str,
        scope: Scope,
        lang: str,
        start: dt.date,
        end: dt.date,
        *,
        chart: str = "bar",
        drill: str | None = None,
        top: int | None = None,
        where: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """One metric by one dimension for a window, largest first."""
        kw: dict[str, Any] = {"by": dim, "start": start, "end": end}
        if where:
            kw["where"] = dict(where)
        rows = [r for r in self.rows([name], scope, **kw) if r.get(name) is not None]
        rows.sort(key=lambda r: -(r[name] or 0))
        if top:
            rows = rows[:top]
        m = self.catalog.get(name)
        unknown = "(未知)" if lang == "zh" else "(unknown)"
        members = [r[dim] if r[dim] is not None else unknown for r in rows]
        values = [_num(r[name]) for r in rows]
        names = self.member_names(dim)
        return {
            "kind": chart,
            "metric": name,
            "name": m.label.get(lang),
            "description": m.description.get(lang),
            "dimension": DIMENSIONS[dim].get(lang),
            "unit": m.unit.value,
            "categories": members,
            # what a reader sees: the member's name from master data (codes stay the drill-down keys)
            "names": [names.get(c, c) for c in members],
            "values": values,
            "labels": [fmt_value(v, m.unit, lang) for v in values],
            "drill": drill,
            "empty": not rows,
        }

    def member_names(self, dim: str) -> dict[str, str]:
        """Code → name for a dimension whose members are master-data codes ({} for the others)."""
        if dim not in NAMED_DIMENSIONS:
            return {}
        entity, key = NAMED_DIMENSIONS[dim]

        def compute() -> dict[str, str]:
            with self.read() as wh:
                rows = wh.table(entity).select(key, "name").to_pyarrow().to_pylist()
            return {r[key]: r["name"] for r in rows if r["name"]}

        return dict(self.cache.get_or(("member_names", dim), compute))

    # ------------------------------------------------------------ explain
    def explanation(
        self, metric: str, period: str, scope: Scope, lang: str, vs: str | None = None, top: int = 5
    ) -> dict[str, Any]:
        key = ("explain", metric, period, vs, top, scope.key, lang)

        def compute() -> dict[str, Any]:
            e = self.explain(metric, period, vs=vs, top=top, scope=scope)
            unit = e.unit
            unknown = "(未知)" if lang == "zh" else "(unknown)"
            return {
                "metric": metric,
                "info": self.metric_info(metric, lang),
                "summary": e.summary.get(lang),
                "value": fmt_value(e.value, unit, lang),
                "prior": fmt_value(e.prior, unit, lang),
                "change": fmt_change(e.change, unit, lang),
                "drivers": [
                    {
                        "dimension": DIMENSIONS[d.dimension].get(lang),
                        "member": d.member if d.member is not None else unknown,
                        "current": fmt_value(d.current, unit, lang),
                        "prior": fmt_value(d.prior, unit, lang),
                        "contribution": fmt_change(d.contribution, unit, lang),
                        "tone": _tone(self.catalog.get(metric), d.contribution),
                    }
                    for d in e.drivers
                ],
                "raw": e.to_dict(),
            }

        return self.cache.get_or(key, compute)  # type: ignore[no-any-return]

    # ------------------------------------------------------------ sales page
    def sales(
        self, scope: Scope, lang: str, province: str | None, channel_kind: str | None
    ) -> dict[str, Any]:
        start, end = self.current_month()
        where: dict[str, str] = {}
        if province:
            where["province"] = province
        if channel_kind:
            where["channel_kind"] = channel_kind
        region_dim = "city" if province else "province"
        channel_dim = "channel" if channel_kind else "channel_kind"
        names = ["net_sales", "target_attainment", "sales_qty"]
        region_rows = self._table(names, region_dim, scope, lang, start, end, where)
        channel_rows = self._table(names, channel_dim, scope, lang, start, end, where)
        trend = self.rows(
            ["online_sales", "offline_sales"],
            scope,
            grain="month",
            start=_months_back(end, 12),
            end=end,
            where=where or None,
        )
        return {
            "period": {"label": fmt_month(start, lang), "key": f"{start:%Y-%m}"},
            "province": province,
            "channel_kind": channel_kind,
            "region_dim": region_dim,
            "channel_dim": channel_dim,
            "region_label": DIMENSIONS[region_dim].get(lang),
            "channel_label": DIMENSIONS[channel_dim].get(lang),
            "columns": [self.metric_info(n, lang) for n in names],
            "region_rows": region_rows,
            "channel_rows": channel_rows,
            "trend": self.series_chart(
                trend, lang, [("online_sales", "bar", 0), ("offline_sales", "bar", 0)]
            ),
        }

    def _table(
        self,
        names: list[str],
        dim: str,
        scope: Scope,
        lang: str,
        start: dt.date,
        end: dt.date,
        where: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        rows = self.rows(names, scope, by=dim, start=start, end=end, where=dict(where) or None)
        rows = sorted(rows, key=lambda r: -(r.get(names[0]) or 0))
        unknown = "(未知)" if lang == "zh" else "(unknown)"
        return [
            {
                "member": r[dim] if r[dim] is not None else unknown,
                "key": r[dim],
                "cells": [
                    {
                        "metric": n,
                        "value": r.get(n),
                        "display": fmt_value(r.get(n), self.catalog.get(n).unit, lang),
                    }
                    for n in names
                ],
            }
            for r in rows
        ]

    # ------------------------------------------------------------ inventory page
    def inventory(self, scope: Scope, lang: str, category: str | None = None) -> dict[str, Any]:
        """Stock figures; near-expiry stock by category, or by SKU within ``category`` (drill-down)."""
        start, end = self.current_month()
        names = ["inventory_value", "near_expiry_value", "near_expiry_share", "expired_value", "stocked_lots"]
        where = {"category": category} if category else None
        cur = _first(self.rows(names, scope, grain="month", start=start, end=end, where=where))
        return {
            "period": {"label": fmt_month(start, lang), "key": f"{start:%Y-%m}"},
            "category": category,
            "tiles": [self.tile(n, lang, cur) for n in names],
            "near_expiry_by_category": self.breakdown(
                "near_expiry_value", "sku", scope, lang, start, end, top=20, where=where
            )
            if category
            else self.breakdown(
                "near_expiry_value",
                "category",
                scope,
                lang,
                start,
                end,
                top=15,
                drill="/inventory?category={}",
            ),
            "by_site_type": self.breakdown(
                "inventory_value", "site_type", scope, lang, start, end, chart="pie"
            ),
            "trend": self.inventory_trend(scope, lang, end),
        }

    # ------------------------------------------------------------ glossary
    def glossary(self, lang: str) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for m in self.catalog:
            if getattr(m, "hidden", False):
                continue
            info = self.metric_info(m.name, lang)
            info["dimensions"] = ", ".join(
                DIMENSIONS[d].get(lang) for d in sorted(m.dimensions) if d in DIMENSIONS
            )
            groups.setdefault(m.domain, []).append(info)
        return [
            {"domain": d, "label": label("metric_domain", d, lang), "metrics": ms} for d, ms in groups.items()
        ]


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[-1] if rows else None


def _num(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return None if f != f else f


def _tone(m: Metric, change: float | None) -> str:
    if change is None or change == 0 or m.good_direction not in (Direction.UP, Direction.DOWN):
        return "neutral"
    up = change > 0
    return "good" if up == (m.good_direction is Direction.UP) else "bad"


def _months_back(end: dt.date, months: int) -> dt.date:
    y, mo = end.year, end.month - months
    while mo <= 0:
        y, mo = y - 1, mo + 12
    return dt.date(y, mo, 1)
