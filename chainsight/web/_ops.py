"""Procurement, production, planning and shelf-life action pages, and the analyses they show.

Figures and charts come from the governed metrics under the user's scope, like the cockpit's.
The analyses of :mod:`chainsight.analysis` (supplier scorecards, line performance, expiry actions)
and the stored plan cannot be limited to a region or channel yet, so their panels are shown only
to users whose scope is everything (the wide roles) and say so to everyone else.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ibis

from chainsight._errors import UserInputError
from chainsight.analysis import ACTION_NAMES, STATES, column_label
from chainsight.metrics import Scope, Unit
from chainsight.web._i18n import fmt_month, fmt_value
from chainsight.web._views import Views, _months_back

# Column kinds of the analysis tables: how a cell is formatted.
PCT, CNY, DAYS, QTY, TEXT, DATE, FLAG = "pct", "cny", "days", "qty", "text", "date", "flag"

SUPPLIER_COLUMNS = [
    ("name", TEXT), ("po_lines", QTY), ("otif", PCT), ("on_time_rate", PCT), ("in_full_rate", PCT),
    ("avg_delay_when_late", DAYS), ("lead_time_p50", DAYS), ("lead_time_p90", DAYS), ("qc_fail_rate", PCT),
    ("purchase_value", CNY), ("flag_late", FLAG),
]  # fmt: skip
MATERIAL_COLUMNS = [
    ("material_id", TEXT), ("name", TEXT), ("type", TEXT), ("stock_qty", QTY), ("daily_use", QTY),
    ("open_po_qty", QTY), ("next_promised", DATE), ("coverage_days", DAYS),
]  # fmt: skip
LINE_COLUMNS = [
    ("name", TEXT), ("site_id", TEXT), ("orders", QTY), ("plan_attainment", PCT), ("schedule_adherence", PCT),
    ("yield", PCT), ("yield_gap", PCT), ("lost_value", CNY), ("utilization", PCT), ("flag_yield", FLAG),
    ("flag_attainment", FLAG),
]  # fmt: skip
ACTION_COLUMNS = [
    ("rank", QTY), ("site_id", TEXT), ("item_name", TEXT), ("lot_id", TEXT), ("expiry_date", DATE),
    ("remaining_days", QTY), ("state", TEXT), ("value_at_stake", CNY), ("action", TEXT), ("target", TEXT),
    ("action_qty", QTY), ("value_saved", CNY),
]  # fmt: skip
ORDER_COLUMNS = [
    ("order_type", TEXT), ("item_id", TEXT), ("site_id", TEXT), ("supplier_id", TEXT), ("line_id", TEXT),
    ("qty", QTY), ("release_date", DATE), ("due_date", DATE), ("late", FLAG),
]  # fmt: skip
EXCEPTION_COLUMNS = [
    ("kind", TEXT), ("site_id", TEXT), ("item_id", TEXT), ("period", DATE), ("qty", QTY), ("detail", TEXT),
]  # fmt: skip

# Plain-language explanations of analysis columns, shown on hover (the metrics have theirs in the catalog).
COLUMN_HELP: dict[str, tuple[str, str]] = {
    "otif": (
        "按承诺日期足量(≥98% 订货量)到货的采购行占比",
        "Share of PO lines received in full (≥98% of the ordered quantity) by the promised date",
    ),
    "on_time_rate": (
        "在承诺日期或之前到货的采购行占比",
        "Share of PO lines received on or before the promised date",
    ),
    "in_full_rate": (
        "到货数量达到订货量 98% 的采购行占比",
        "Share of PO lines whose received quantity reached 98% of the order",
    ),
    "avg_delay_when_late": ("迟到时平均晚几天", "Average days late, over late deliveries"),
    "lead_time_p50": ("下单到收货天数的中位数", "Median days from order to receipt"),
    "lead_time_p90": ("90% 的收货在此天数内完成", "90% of receipts arrive within this many days"),
    "qc_fail_rate": ("质检不合格的收货数量占比", "Share of received quantity failing quality control"),
    "flag_late": ("准时率明显低于其他供应商", "On-time delivery clearly below the other suppliers"),
    "coverage_days": ("现有库存按近期日均用量可用的天数", "Days current stock lasts at the recent daily use"),
    "plan_attainment": ("实际产量 ÷ 计划产量", "Actual output ÷ planned output"),
    "schedule_adherence": ("按计划日期完工的工单占比", "Share of orders finished by their planned end date"),
    "yield": ("产出 ÷ 投入(按 BOM 折算)", "Output ÷ input (through the BOM)"),
    "yield_gap": ("低于同类产线中位良率的差距", "Gap below the median yield of comparable lines"),
    "lost_value": ("良率损失的产品按标准成本计的金额", "Value of output lost to low yield at standard cost"),
    "utilization": ("实际生产天数 ÷ 可用天数", "Production days used ÷ days available"),
    "value_at_stake": ("预计卖不完的数量 × 单价", "Projected unsold quantity × unit value"),
    "value_saved": ("执行建议动作可挽回的金额", "Value the recommended action recovers"),
    "action": (
        "调拨、转渠道、促销或报废,按可挽回金额排序",
        "Transfer, route to a channel, promote or write off, ranked by value saved",
    ),
    "remaining_days": ("距到期日的天数", "Days until the expiry date"),
}

EXTRA_LABELS: dict[str, tuple[str, str]] = {
    "order_type": ("类型", "Type"),
    "supplier_id": ("供应商", "Supplier"),
    "line_id": ("产线", "Line"),
    "release_date": ("下达日", "Release"),
    "due_date": ("需求日", "Due"),
    "late": ("延迟", "Late"),
    "kind": ("类型", "Kind"),
    "period": ("期间", "Period"),
    "detail": ("说明", "Detail"),
    "target": ("去向", "Target"),
    "action_qty": ("动作数量", "Action qty"),
    "state": ("状态", "State"),
    "name": ("名称", "Name"),
    "type": ("类型", "Type"),
}


def _label(name: str, lang: str) -> str:
    if name in EXTRA_LABELS and column_label(name, lang) == name:
        return EXTRA_LABELS[name][0 if lang == "zh" else 1]
    return column_label(name, lang)


def _cell(value: Any, kind: str, name: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if kind == PCT:
        return fmt_value(float(value), Unit.PCT, lang)
    if kind == CNY:
        return fmt_value(float(value), Unit.CNY, lang)
    if kind == DAYS:
        return fmt_value(float(value), Unit.DAYS, lang)
    if kind == QTY:
        return fmt_value(float(value), Unit.UNITS, lang)
    if kind == FLAG:
        return ("⚠ 是" if lang == "zh" else "⚠ yes") if value else ""
    if kind == DATE:
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if name == "action" and value in ACTION_NAMES:
        return ACTION_NAMES[value].get(lang)
    if name == "state" and value in STATES:
        return STATES[value].get(lang)
    return str(value)


def table(
    records: list[dict[str, Any]], columns: list[tuple[str, str]], lang: str, limit: int = 50
) -> dict[str, Any]:
    """Records as a table a template renders: labelled columns with hover help, formatted cells, raw values."""
    cols = [
        {
            "key": c,
            "label": _label(c, lang),
            "help": COLUMN_HELP[c][0 if lang == "zh" else 1] if c in COLUMN_HELP else "",
            "num": kind in (PCT, CNY, DAYS, QTY),
        }
        for c, kind in columns
    ]
    rows = [
        {
            "cells": [_cell(r.get(c), kind, c, lang) for c, kind in columns],
            "raw": {c: r.get(c) for c, _ in columns},
        }
        for r in records[:limit]
    ]
    return {"columns": cols, "rows": rows, "total": len(records), "shown": len(rows)}


def restricted(scope: Scope) -> bool:
    """Analyses that cannot take a scope are for users who see everything."""
    return not scope.unrestricted


class OpsViews:
    """Page data for procurement, production, planning and expiry actions, over :class:`Views`."""

    def __init__(self, views: Views) -> None:
        self.v = views

    # ------------------------------------------------------------ shared
    def _page(
        self, scope: Scope, lang: str, tiles: list[str], trend: list[tuple[str, str, int]], **more: Any
    ) -> dict[str, Any]:
        start, end = self.v.current_month()
        first = _months_back(end, 12)
        names = list(dict.fromkeys(tiles + [n for n, _, _ in trend]))
        try:
            rows = self.v.rows(names, scope, grain="month", start=first, end=end)
            message = None
        except UserInputError as exc:
            rows, message = [], exc.message(lang)
        return {
            "period": {
                "start": start,
                "end": end,
                "label": fmt_month(start, lang),
                "key": f"{start:%Y-%m}",
            },
            "tiles": [self.v.month_tile(n, lang, rows, start) for n in tiles] if rows else [],
            "trend": self.v.series_chart(rows, lang, trend),
            "message": message,
            "restricted": restricted(scope),
            **more,
        }

    def _breakdown(self, metric: str, dim: str, scope: Scope, lang: str, **kw: Any) -> dict[str, Any]:
        start, end = self.v.current_month()
        try:
            return self.v.breakdown(metric, dim, scope, lang, start, end, **kw)
        except UserInputError:
            return {"kind": "bar", "empty": True, "categories": [], "values": [], "labels": []}

    # ------------------------------------------------------------ procurement
    def procurement(self, scope: Scope, lang: str) -> dict[str, Any]:
        key = ("procurement", scope.key, lang)
        return self.v.cache.get_or(key, lambda: self._procurement(scope, lang))  # type: ignore[no-any-return]

    def _procurement(self, scope: Scope, lang: str) -> dict[str, Any]:
        tiles = ["po_otif", "supplier_on_time_rate", "supplier_in_full_rate", "avg_lead_time_days",
                 "purchase_amount", "qc_failure_rate"]  # fmt: skip
        page = self._page(scope, lang, tiles, [("purchase_amount", "bar", 0), ("po_otif", "line", 1)])
        page["otif_by_supplier"] = self._breakdown("po_otif", "supplier", scope, lang, top=20)
        page["lead_time_by_supplier"] = self._breakdown("avg_lead_time_days", "supplier", scope, lang, top=20)
        return page

    def suppliers(self, lang: str) -> dict[str, Any]:
        """The supplier scorecard, late suppliers and material coverage with open POs (unscoped)."""

        def compute() -> dict[str, Any]:
            from chainsight.analysis import supplier_performance

            with self.v.read() as wh:
                r = supplier_performance(wh)
            suppliers = r.suppliers.to_dicts()
            late = [s for s in suppliers if s.get("flag_late")]
            materials = r.materials.to_dicts()
            open_po = [m for m in materials if (m.get("open_po_qty") or 0) > 0]
            return {
                "as_of": r.as_of,
                "raw": {"suppliers": suppliers, "materials": materials},
                "tables": lambda lg: {
                    "suppliers": table(suppliers, SUPPLIER_COLUMNS, lg),
                    "late": table(late, SUPPLIER_COLUMNS, lg),
                    "open_po": table(open_po, MATERIAL_COLUMNS, lg),
                    "coverage": table(materials, MATERIAL_COLUMNS, lg, limit=15),
                },
            }

        data = self.v.cache.get_or(("analysis", "suppliers"), compute)
        return {"as_of": data["as_of"], **data["tables"](lang), "raw": data["raw"]}

    # ------------------------------------------------------------ production
    def production(self, scope: Scope, lang: str) -> dict[str, Any]:
        key = ("production", scope.key, lang)
        return self.v.cache.get_or(key, lambda: self._production(scope, lang))  # type: ignore[no-any-return]

    def _production(self, scope: Scope, lang: str) -> dict[str, Any]:
        tiles = ["plan_attainment", "production_yield", "line_utilization", "on_time_production_rate",
                 "production_qty"]  # fmt: skip
        page = self._page(
            scope,
            lang,
            tiles,
            [
                ("production_qty", "bar", 0),
                ("planned_production_qty", "line", 0),
                ("plan_attainment", "line", 1),
            ],
        )
        page["attainment_by_line"] = self._breakdown("plan_attainment", "line", scope, lang)
        page["utilization_by_line"] = self._breakdown("line_utilization", "line", scope, lang)
        page["yield_by_line"] = self._breakdown("production_yield", "line", scope, lang)
        return page

    def lines(self, lang: str) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            from chainsight.analysis import production_performance

            with self.v.read() as wh:
                r = production_performance(wh)
            return {"as_of": r.as_of, "start": r.start, "lines": r.lines.to_dicts()}

        data = self.v.cache.get_or(("analysis", "production"), compute)
        return {**data, "table": table(data["lines"], LINE_COLUMNS, lang)}

    # ------------------------------------------------------------ inventory actions
    def expiry_actions(self, lang: str, limit: int = 20) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            from chainsight.analysis import expiry_actions

            with self.v.read() as wh:
                actions = expiry_actions(wh)
            rows = actions.drop("options").to_dicts() if "options" in actions.columns else actions.to_dicts()
            saved = float(sum(r.get("value_saved") or 0 for r in rows))
            stake = float(sum(r.get("value_at_stake") or 0 for r in rows))
            return {"actions": rows, "value_saved": saved, "value_at_stake": stake}

        data = self.v.cache.get_or(("analysis", "expiry_actions"), compute)
        return {
            **data,
            "table": table(data["actions"], ACTION_COLUMNS, lang, limit=limit),
            "saved_display": fmt_value(data["value_saved"], Unit.CNY, lang),
            "stake_display": fmt_value(data["value_at_stake"], Unit.CNY, lang),
        }

    # ------------------------------------------------------------ planning
    def planning(self, scope: Scope, lang: str) -> dict[str, Any]:
        key = ("planning", scope.key, lang)
        return self.v.cache.get_or(key, lambda: self._planning(scope, lang))  # type: ignore[no-any-return]

    def _stored(self, name: str) -> bool:
        """Whether the planning module has written table ``name`` and it holds rows."""
        with self.v.read() as wh:
            return wh.has_rows(name)

    def _planning(self, scope: Scope, lang: str) -> dict[str, Any]:
        from chainsight.planning import FORECASTS_TABLE

        has_forecasts = self._stored(FORECASTS_TABLE)
        out: dict[str, Any] = {"has_forecasts": has_forecasts, "restricted": restricted(scope)}
        if has_forecasts:
            with self.v.read() as wh:
                last = wh.table(FORECASTS_TABLE).period.max().to_pyarrow().as_py()
            if isinstance(last, dt.datetime):
                last = last.date()
            end = last or self.v.current_month()[1]
            end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            first = _months_back(end, 17)
            names = [
                "forecast_qty",
                "forecast_actual_qty",
                "forecast_accuracy",
                "forecast_wape",
                "forecast_bias",
            ]
            try:
                rows = self.v.rows(names, scope, grain="month", start=first, end=end)
                out["chart"] = self.v.series_chart(
                    rows,
                    lang,
                    [
                        ("forecast_qty", "line", 0),
                        ("forecast_actual_qty", "bar", 0),
                        ("forecast_accuracy", "line", 1),
                    ],
                )
                done = [r for r in rows if r.get("forecast_actual_qty")]
                cur = done[-1]["period"] if done else None
                out["tiles"] = (
                    [
                        self.v.month_tile(n, lang, rows, cur)
                        for n in ("forecast_accuracy", "forecast_wape", "forecast_bias")
                    ]
                    if cur
                    else []
                )
                out["period"] = fmt_month(cur, lang) if cur else ""
                out["by_channel"] = self.v.breakdown(
                    "forecast_accuracy", "channel", scope, lang, first, end, chart="bar"
                )
                out["by_category"] = self.v.breakdown(
                    "forecast_accuracy", "category", scope, lang, first, end, chart="bar"
                )
            except UserInputError as exc:
                out["message"] = exc.message(lang)
        out["runs"] = self.forecast_runs(lang) if has_forecasts and not restricted(scope) else None
        out["plan"] = self.plan(lang) if not restricted(scope) else None
        return out

    def forecast_runs(self, lang: str) -> list[dict[str, Any]]:
        """Accuracy per level of the stored forecast versions (newest first)."""
        from chainsight.planning import FORECAST_RUNS_TABLE

        with self.v.read() as wh:
            if not wh.has_rows(FORECAST_RUNS_TABLE):
                return []
            t = wh.table(FORECAST_RUNS_TABLE)
            cols = ["version", "as_of", "level", "bucket", "horizon", "series", "accuracy"]
            runs = t.order_by(ibis.desc("created_at")).limit(10).select(*cols).to_pyarrow().to_pylist()
        out = []
        for run in runs:
            version, as_of, level, bucket, horizon, series, acc = (run[c] for c in cols)
            parsed = json.loads(acc) if isinstance(acc, str) else acc
            levels = []
            for item in parsed if isinstance(parsed, list) else [parsed] if parsed else []:
                if isinstance(item, dict):
                    levels.append(
                        {
                            "level": item.get("level", level),
                            # the planning module stores WAPE, bias and FVA in percentage points
                            "wape": _points(item.get("wape"), "%"),
                            "wape_naive": _points(item.get("wape_naive"), "%"),
                            "bias": _points(item.get("bias"), "%", signed=True),
                            "fva": _points(item.get("fva"), " pt", signed=True),
                            "raw": item,
                        }
                    )
            out.append(
                {
                    "version": version,
                    "as_of": as_of,
                    "level": level,
                    "bucket": bucket,
                    "horizon": horizon,
                    "series": series,
                    "levels": levels,
                }
            )
        return out

    def plan(self, lang: str) -> dict[str, Any] | None:
        """The latest stored plan: planned orders and exceptions (None when no plan was stored)."""
        from chainsight.planning import PLAN_EXCEPTIONS_TABLE, PLANNED_ORDERS_TABLE

        with self.v.read() as wh:
            if not wh.has_rows(PLANNED_ORDERS_TABLE):
                return None
            po = wh.table(PLANNED_ORDERS_TABLE)
            latest = po.order_by([ibis.desc("as_of"), ibis.desc("version")]).limit(1).version
            version = latest.to_pyarrow().to_pylist()[0]
            mine = po.filter(po.version == version)
            orders = mine.order_by([ibis.desc("late"), "release_date"]).limit(200).to_pyarrow().to_pylist()
            counts = (
                mine.group_by("order_type")
                .aggregate(orders=mine.count(), late=mine.late.fill_null(False).cast("int64").sum())
                .order_by("order_type")
                .to_pyarrow()
                .to_pylist()
            )
            exceptions: list[dict[str, Any]] = []
            kinds: list[dict[str, Any]] = []
            if wh.has_rows(PLAN_EXCEPTIONS_TABLE):
                pe = wh.table(PLAN_EXCEPTIONS_TABLE)
                pe = pe.filter(pe.version == version)
                urgency = pe.kind.substitute({k: i for i, k in enumerate(SEVERITY)}, else_=len(SEVERITY))
                exceptions = pe.order_by([urgency, "period"]).limit(500).to_pyarrow().to_pylist()
                kinds = (
                    pe.group_by("kind")
                    .aggregate(count=pe.count())
                    .order_by([ibis.desc("count"), "kind"])
                    .to_pyarrow()
                    .to_pylist()
                )
        kind_names = _exception_kinds()
        for e in exceptions:
            if e.get("kind") in kind_names:
                e["kind"] = kind_names[e["kind"]][0 if lang == "zh" else 1]
        return {
            "version": version,
            "counts": [
                {"order_type": c["order_type"], "orders": c["orders"], "late": c["late"]} for c in counts
            ],
            "kinds": [
                {
                    "kind": kind_names.get(k["kind"], (k["kind"],) * 2)[0 if lang == "zh" else 1],
                    "code": k["kind"],
                    "count": k["count"],
                }
                for k in kinds
            ],
            "orders": {
                **table(orders, ORDER_COLUMNS, lang, limit=20),
                "total": sum(c["orders"] for c in counts),
            },
            "exceptions": {
                **table(exceptions, EXCEPTION_COLUMNS, lang, limit=25),
                "total": sum(k["count"] for k in kinds),
            },
        }


# Plan exceptions, most urgent kinds first.
SEVERITY = (
    "shortage",
    "late_order",
    "capacity_overload",
    "expiring_before_use",
    "expedite",
    "excess",
    "cancel",
    "defer",
)


def _points(value: Any, suffix: str, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{float(value):{'+' if signed else ''}.1f}{suffix}"


def _exception_kinds() -> dict[str, tuple[str, str]]:
    from chainsight.planning import EXCEPTION_KINDS

    return dict(EXCEPTION_KINDS)
