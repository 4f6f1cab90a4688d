"""Procurement, production, planning and shelf-life action pages, and the analyses they show.

Figures and charts come from the governed metrics under the user's scope, like the cockpit's.
The analyses of :mod:`chainsight.analysis` (supplier scorecards, line performance, expiry actions)
and the stored plan cannot be limited to a region or channel yet, so their panels are shown only
to users whose scope is everything (the wide roles) and say so to everyone else.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from chainsight._errors import ChainsightError, UserInputError
from chainsight.analysis import ACTION_NAMES, STATES, column_label
from chainsight.metrics import Scope, Unit
from chainsight.web._i18n import fmt_value
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
                "label": self.v_fmt_month(start, lang),
                "key": f"{start:%Y-%m}",
            },
            "tiles": [self.v.month_tile(n, lang, rows, start) for n in tiles] if rows else [],
            "trend": self.v.series_chart(rows, lang, trend),
            "message": message,
            "restricted": restricted(scope),
            **more,
        }

    @staticmethod
    def v_fmt_month(d: dt.date, lang: str) -> str:
        from chainsight.web._i18n import fmt_month

        return fmt_month(d, lang)

    def _breakdown(self, metric: str, dim: str, scope: Scope, lang: str, **kw: Any) -> dict[str, Any]:
        start, end = self.v.current_month()
        try:
            return self.v.breakdown(metric, dim, scope, lang, start, end, **kw)
        except UserInputError:
            return {"kind": "bar", "empty": True, "categories": [], "values": [], "labels": []}

    # ------------------------------------------------------------ procurement
    def procurement(self, scope: Scope, lang: str) -> dict[str, Any]:
        key = ("procurement", _scope_key(scope), lang)
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

            with self.v.lock:
                r = supplier_performance(self.v.wh)
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
        key = ("production", _scope_key(scope), lang)
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

            with self.v.lock:
                r = production_performance(self.v.wh)
            return {"as_of": r.as_of, "start": r.start, "lines": r.lines.to_dicts()}

        data = self.v.cache.get_or(("analysis", "production"), compute)
        return {**data, "table": table(data["lines"], LINE_COLUMNS, lang)}

    # ------------------------------------------------------------ inventory actions
    def expiry_actions(self, lang: str, limit: int = 20) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            from chainsight.analysis import expiry_actions

            with self.v.lock:
                actions = expiry_actions(self.v.wh)
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
        key = ("planning", _scope_key(scope), lang)
        return self.v.cache.get_or(key, lambda: self._planning(scope, lang))  # type: ignore[no-any-return]

    def _stored(self, name: str) -> bool:
        with self.v.lock:
            if not self.v.wh.has_table(name):
                return False
            row = self.v.wh.duckdb.execute(f'SELECT count(*) > 0 FROM "{name}"').fetchone()  # our own name
            return bool(row and row[0])

    def _planning(self, scope: Scope, lang: str) -> dict[str, Any]:
        has_forecasts = self._stored(_planning_table("FORECASTS_TABLE", "forecasts"))
        out: dict[str, Any] = {"has_forecasts": has_forecasts, "restricted": restricted(scope)}
        if has_forecasts:
            with self.v.lock:
                last = self.v.wh.duckdb.execute("SELECT max(period) FROM forecasts").fetchone()[0]
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
                out["period"] = self.v_fmt_month(cur, lang) if cur else ""
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
        name = _planning_table("FORECAST_RUNS_TABLE", "forecast_runs")
        if not self._stored(name):
            return []
        with self.v.lock:
            rows = self.v.wh.duckdb.execute(
                f'SELECT version, as_of, level, bucket, horizon, series, accuracy FROM "{name}" '
                "ORDER BY created_at DESC LIMIT 10"
            ).fetchall()
        out = []
        for version, as_of, level, bucket, horizon, series, acc in rows:
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
        orders_t = _planning_table("PLANNED_ORDERS_TABLE", "planned_orders")
        exc_t = _planning_table("PLAN_EXCEPTIONS_TABLE", "plan_exceptions")
        if not self._stored(orders_t):
            return None
        with self.v.lock:
            con = self.v.wh.duckdb
            version = con.execute(
                f'SELECT version FROM "{orders_t}" ORDER BY as_of DESC, version DESC LIMIT 1'
            ).fetchone()[0]
            orders = _records(
                con.execute(
                    f'SELECT * FROM "{orders_t}" WHERE version = ? ORDER BY late DESC, release_date LIMIT 200',
                    [version],
                )
            )
            counts = con.execute(
                f'SELECT order_type, count(*), sum(CASE WHEN late THEN 1 ELSE 0 END) FROM "{orders_t}" '
                "WHERE version = ? GROUP BY order_type ORDER BY order_type",
                [version],
            ).fetchall()
            exceptions: list[dict[str, Any]] = []
            kinds: list[tuple[Any, ...]] = []
            if self._stored(exc_t):
                exceptions = _records(
                    con.execute(
                        f'SELECT * FROM "{exc_t}" WHERE version = ? '
                        "ORDER BY coalesce(list_position(?, kind), 99), period LIMIT 500",
                        [version, list(SEVERITY)],
                    )
                )
                kinds = con.execute(
                    f'SELECT kind, count(*) FROM "{exc_t}" WHERE version = ? GROUP BY kind ORDER BY 2 DESC',
                    [version],
                ).fetchall()
        kind_names = _exception_kinds()
        for e in exceptions:
            if e.get("kind") in kind_names:
                e["kind"] = kind_names[e["kind"]][0 if lang == "zh" else 1]
        return {
            "version": version,
            "counts": [{"order_type": t, "orders": n, "late": late} for t, n, late in counts],
            "kinds": [
                {"kind": kind_names.get(k, (k, k))[0 if lang == "zh" else 1], "code": k, "count": n}
                for k, n in kinds
            ],
            "orders": {**table(orders, ORDER_COLUMNS, lang, limit=20), "total": sum(n for _, n, _ in counts)},
            "exceptions": {
                **table(exceptions, EXCEPTION_COLUMNS, lang, limit=25),
                "total": sum(n for _, n in kinds),
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


def _records(cursor: Any) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


def _planning_table(attr: str, default: str) -> str:
    import chainsight.planning as planning

    value = getattr(planning, attr, None)
    if value is None:
        try:
            from chainsight.planning import _plan

            value = getattr(_plan, attr, default)
        except ImportError:  # pragma: no cover - planning always ships _plan
            value = default
    return str(value)


def _exception_kinds() -> dict[str, tuple[str, str]]:
    try:
        from chainsight.planning import EXCEPTION_KINDS

        return {
            k: (v[0], v[1]) if isinstance(v, tuple) else (str(v), str(v)) for k, v in EXCEPTION_KINDS.items()
        }
    except (ImportError, AttributeError, TypeError, IndexError):
        return {}


def _scope_key(scope: Scope) -> tuple[Any, ...]:
    from chainsight.web._views import scope_key

    return scope_key(scope)


# ---------------------------------------------------------------- routes
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".jsonl", ".json", ".parquet")
UPLOAD_MAX_BYTES = 200 * 1024 * 1024


def register_routes(app: Any, views: Views, ctx: Any) -> OpsViews:
    """Add the pages, their lazily loaded analysis panels, the upload form and the /api analyses."""
    ops = OpsViews(views)
    render, page_user, lang_of = ctx.render, ctx.page_user, ctx.lang_of

    def wide_only(request: Request, name: str, lang: str, build: Callable[[], dict[str, Any]]) -> Response:
        user = page_user(request)
        if restricted(user.scope):
            return render(request, "_restricted.html", user, lang=lang)
        try:
            data = build()
        except UserInputError as exc:
            return render(request, "_restricted.html", user, lang=lang, message=exc.message(lang))
        return render(request, name, user, lang=lang, a=data)

    @app.get("/procurement", response_class=HTMLResponse, include_in_schema=False)
    def procurement(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return render(request, "procurement.html", user, lang=lang, data=ops.procurement(user.scope, lang))

    @app.get("/production", response_class=HTMLResponse, include_in_schema=False)
    def production(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return render(request, "production.html", user, lang=lang, data=ops.production(user.scope, lang))

    @app.get("/planning", response_class=HTMLResponse, include_in_schema=False)
    def planning(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return render(request, "planning.html", user, lang=lang, data=ops.planning(user.scope, lang))

    @app.get("/partials/suppliers", response_class=HTMLResponse, include_in_schema=False)
    def suppliers_partial(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return wide_only(request, "_suppliers.html", lang, lambda: ops.suppliers(lang))

    @app.get("/partials/lines", response_class=HTMLResponse, include_in_schema=False)
    def lines_partial(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return wide_only(request, "_lines.html", lang, lambda: ops.lines(lang))

    @app.get("/partials/expiry-actions", response_class=HTMLResponse, include_in_schema=False)
    def actions_partial(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return wide_only(request, "_actions.html", lang, lambda: ops.expiry_actions(lang))

    @app.post("/data/upload", response_class=HTMLResponse, include_in_schema=False)
    async def upload(request: Request) -> Response:
        user = page_user(request)
        if user.role not in ctx.data_roles or not user.scope.unrestricted:
            raise ctx.forbidden
        lang = lang_of(request, user)
        form = await request.form()
        if not ctx.auth.csrf_ok(request, str(form.get(ctx.csrf_field, ""))):
            return await ctx.data_page(request, status=403, upload={"error": ctx.t("csrf_failed", lang)})
        entity = str(form.get("entity", ""))
        mapping_text = str(form.get("mapping", "") or "")
        upload_file = form.get("file")
        filename = getattr(upload_file, "filename", None) or ""
        from pathlib import Path

        name = Path(filename.replace("\\", "/")).name
        outcome: dict[str, Any] = {"entity": entity, "file": name, "mapping": mapping_text}
        ip = ctx.client_ip(request)
        try:
            if not name or upload_file is None or isinstance(upload_file, str):
                raise UserInputError("请选择要上传的文件", "choose a file to upload")
            if not name.lower().endswith(UPLOAD_SUFFIXES):
                raise UserInputError(
                    f"不支持的文件类型:{name}(可用 {', '.join(UPLOAD_SUFFIXES)})",
                    f"unsupported file type: {name} (use {', '.join(UPLOAD_SUFFIXES)})",
                    file=name,
                )
            content = await upload_file.read(UPLOAD_MAX_BYTES + 1)
            if len(content) > UPLOAD_MAX_BYTES:
                raise UserInputError(
                    "文件超过 200 MB,请用命令行加载", "file over 200 MB; load it with the CLI", file=name
                )
            result = await run_in_threadpool(_load_upload, views, entity, name, content, mapping_text)
            outcome.update(result)
            ctx.db.audit(
                user.username,
                "upload",
                entity,
                detail=json.dumps(
                    {
                        "file": name,
                        **{k: result[k] for k in ("rows_read", "rows_loaded", "rows_rejected", "batch_id")},
                    },
                    ensure_ascii=False,
                ),
                ip=ip,
            )
        except UserInputError as exc:
            outcome["error"] = exc.message(lang)
            ctx.db.audit(user.username, "upload_failed", entity, detail=f"{name}: {exc.en}"[:1000], ip=ip)
        except ChainsightError as exc:  # the warehouse is busy (another process writes it) or similar
            prefix = "无法写入仓库:" if lang == "zh" else "cannot write the warehouse: "
            outcome["error"] = prefix + str(exc)
            ctx.db.audit(user.username, "upload_failed", entity, detail=f"{name}: {exc}"[:1000], ip=ip)
        return await ctx.data_page(request, status=400 if "error" in outcome else 200, upload=outcome)

    return ops


def _load_upload(views: Views, entity: str, name: str, content: bytes, mapping_text: str) -> dict[str, Any]:
    """Write the upload to a private temp folder, load it as ``entity`` with the mapping, return the result."""
    import shutil
    import tempfile
    from pathlib import Path

    import yaml

    from chainsight.ingest import Mapping, list_rejects, load_files
    from chainsight.model import ENTITIES

    if entity not in ENTITIES:
        raise UserInputError(f"未知数据表 “{entity}”", f"unknown entity '{entity}'", entity=entity)
    mapping = None
    if mapping_text.strip():
        try:
            data = yaml.safe_load(mapping_text)
        except yaml.YAMLError as exc:
            raise UserInputError(
                f"映射不是有效的 YAML:{exc}", f"the mapping is not valid YAML: {exc}"
            ) from None
        mapping = Mapping.from_dict(data, source="mapping")
    folder = Path(tempfile.mkdtemp(prefix="chainsight-upload-"))
    try:
        path = folder / name
        path.write_bytes(content)
        with views.writable() as wh:
            result = load_files(wh, entity, [path], mapping)
            rejects = list_rejects(wh, entity=entity).to_pylist()
            from chainsight.metrics import refresh_rollups
            from chainsight.metrics._rollup import ROLLUP_META

            if wh.has_table(ROLLUP_META) and (result.rows_loaded or result.rows_updated):
                refresh_rollups(wh)  # only the rollups of changed tables are rebuilt
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    mine = [r for r in rejects if r.get("batch_id") == result.batch_id]
    return {**result.to_dict(), "rejects": mine[:500], "rejects_total": len(mine)}
