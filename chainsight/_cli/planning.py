"""``chainsight forecast | plan | scenario``: thin shells over :mod:`chainsight.planning`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    current_lang,
    parse_date,
    print_json,
    print_table,
    user_errors,
)
from chainsight.warehouse import Warehouse, resolve_warehouse_path

__all__ = ["register"]

LevelOption = Annotated[
    str,
    typer.Option("--level", help="Series keys, comma-separated: sku, channel, region (e.g. sku,channel)."),
]
BucketOption = Annotated[str, typer.Option("--bucket", help="week or month.")]
HorizonOption = Annotated[
    int | None, typer.Option("--horizon", help="Buckets to forecast (default 13 weeks or 6 months).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Use only history up to this date (YYYY-MM-DD); default: all history."),
]


def _acc_rows(accuracy: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **a,
            "wape": _pct(a["wape"]),
            "bias": _pct(a["bias"]),
            "wape_naive": _pct(a["wape_naive"]),
            "fva": None if a["fva"] is None else f"{a['fva']:+.1f} pt",
        }
        for a in accuracy
    ]


def _pct(v: Any) -> str | None:
    return None if v is None else f"{v:.1f}%"


def forecast_cmd(
    level: LevelOption = "sku",
    bucket: BucketOption = "week",
    horizon: HorizonOption = None,
    as_of: AsOfOption = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not write the forecast to the warehouse.")
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="local (statsforecast here) or spark (statsforecast's distributed mode on Spark); "
            "default: spark for a spark:// warehouse, else local.",
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Forecast demand per SKU (and channel / region), reconciled across levels; accuracy vs seasonal naive."""
    from chainsight.planning import forecast

    lg = current_lang(lang)
    zh = lg == "zh"
    with user_errors(lg):
        wh = Warehouse.open(resolve_warehouse_path(warehouse), read_only=no_store)
        try:
            res = forecast(wh, level, bucket, horizon, parse_date(as_of), store=not no_store, engine=engine)
        finally:
            wh.close()
    if as_json:
        print_json(res.records)
        return
    keys = res.level
    print_table(
        _acc_rows(res.accuracy),
        ["level", "series", "wape", "mase", "bias", "wape_naive", "fva"],
        title=(
            "预测准确度(回测,模型未见过的最近窗口)"
            if zh
            else "Forecast accuracy (backtest on the latest window, unseen)"
        ),
        headers=(["层级", "序列数", "WAPE", "MASE", "偏差", "季节朴素 WAPE", "预测增值"] if zh else None),
    )
    periods = sorted({r["period"] for r in res.records})
    wide: dict[tuple, dict[str, Any]] = {}
    for r in res.records:
        row = wide.setdefault(tuple(r[k] for k in keys), {**{k: r[k] for k in keys}, "model": r["model"]})
        row[r["period"]] = f"{r['forecast']:,.0f}"
    print_table(
        list(wide.values()),
        [*keys, "model", *periods],
        title=(
            f"需求预测 版本 {res.version} 截至 {res.as_of}"
            if zh
            else f"Demand forecast v{res.version} as of {res.as_of}"
        ),
    )


def register(app: typer.Typer) -> None:
    """Add ``forecast``, ``plan`` and ``scenario`` to the ``chainsight`` command."""
    app.command("forecast")(forecast_cmd)
    app.command("plan")(plan_cmd)
    app.command("scenario")(scenario_cmd)


DemandFileOption = Annotated[
    Path | None,
    typer.Option(
        "--demand",
        help="Consensus demand plan (CSV/Excel: sku, site_id, period, qty), validated like a load; "
        "replaces the forecast for the SKUs and weeks it covers.",
    ),
]
ServiceOption = Annotated[
    float, typer.Option("--service-level", help="Target cycle service level, e.g. 0.95.")
]


def plan_cmd(
    horizon: HorizonOption = None,
    as_of: AsOfOption = None,
    demand: DemandFileOption = None,
    service_level: ServiceOption = 0.95,
    exceptions: Annotated[
        bool,
        typer.Option("--exceptions", help="Show (or print as JSON) the exception list instead of orders."),
    ] = False,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not write the plan to the warehouse.")
    ] = False,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Production plan (MPS within line capacity and shelf life) and MRP: planned production and purchase
    orders with pegging, exceptions and KPIs; stored in the warehouse under a version and as-of date."""
    from chainsight.planning import plan

    lg = current_lang(lang)
    zh = lg == "zh"
    with user_errors(lg):
        wh = Warehouse.open(resolve_warehouse_path(warehouse), read_only=no_store)
        try:
            res = plan(
                wh,
                as_of=parse_date(as_of),
                horizon=horizon or 13,
                demand_file=demand,
                service_level=service_level,
                store=not no_store,
            )
        finally:
            wh.close()
    if as_json:
        print_json(res.exception_records() if exceptions else res.order_records())
        return
    k = res.kpis()
    print_table(
        [{"kpi": name, "value": value} for name, value in k.items()],
        ["kpi", "value"],
        title=(
            f"计划 版本 {res.version} 截至 {res.as_of}(需求:{res.demand_source})"
            if zh
            else f"Plan v{res.version} as of {res.as_of} (demand: {res.demand_source})"
        ),
        headers=(["指标", "值"] if zh else None),
    )
    if exceptions:
        rows = res.exception_records()
        print_table(
            rows[:200],
            ["kind", "site_id", "item_id", "period", "qty", "detail"],
            title=(f"例外清单(共 {len(rows)} 条)" if zh else f"Exceptions ({len(rows)})"),
            headers=(["类型", "地点", "物料/产线", "周", "数量", "说明"] if zh else None),
        )
        return
    orders = res.order_records()
    print_table(
        orders[:60],
        ["order_type", "item_id", "site_id", "supplier_id", "qty", "release_date", "due_date", "late"],
        title=(
            f"计划订单(共 {len(orders)} 条,显示前 60)"
            if zh
            else f"Planned orders ({len(orders)}; first 60 shown)"
        ),
        headers=(["类型", "物料", "地点", "供应商", "数量", "下达日", "到期日", "延迟"] if zh else None),
    )
    print_table(
        res.exception_summary(),
        ["label_zh" if zh else "label_en", "count", "items", "qty"],
        title=("例外(明细:--exceptions)" if zh else "Exceptions (details: --exceptions)"),
        headers=(["类型", "条数", "物料数", "数量"] if zh else ["kind", "count", "items", "qty"]),
    )


def scenario_cmd(
    demand_pct: Annotated[
        float, typer.Option("--demand-pct", help="Change demand by this % (e.g. 20 or -10).")
    ] = 0.0,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU's demand changes.")] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="Only this channel's demand changes (e.g. tmall).")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Only this province's demand changes (region id).")
    ] = None,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="The supplier that is late (default: every supplier).")
    ] = None,
    supplier_delay: Annotated[
        int, typer.Option("--supplier-delay", help="Days the supplier's open orders and lead time slip.")
    ] = 0,
    line: Annotated[str | None, typer.Option("--line", help="A production line that is down.")] = None,
    down_from: Annotated[str | None, typer.Option("--down-from", help="First day the line is down.")] = None,
    down_to: Annotated[str | None, typer.Option("--down-to", help="Last day the line is down.")] = None,
    horizon: HorizonOption = None,
    as_of: AsOfOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """What-if: demand up/down (all, a SKU, channel or region), a supplier late, a line down — the new
    plan's KPIs side by side with the base plan's."""
    from chainsight.planning import Scenario, scenario

    lg = current_lang(lang)
    zh = lg == "zh"
    with user_errors(lg):
        what = Scenario(
            demand_pct=demand_pct,
            sku=sku,
            channel=channel,
            region=region,
            supplier_id=supplier,
            supplier_delay_days=supplier_delay,
            line_id=line,
            line_down_from=parse_date(down_from),
            line_down_to=parse_date(down_to),
        )
        wh = Warehouse.open(resolve_warehouse_path(warehouse), read_only=True)
        try:
            res = scenario(wh, as_of=parse_date(as_of), horizon=horizon or 13, what=what)
        finally:
            wh.close()
    if as_json:
        print_json(res)
        return
    print_table(
        res["kpis"],
        ["kpi", "base", "scenario", "change"],
        title=(f"情景对比:{res['description']}" if zh else f"Scenario vs base plan: {res['description']}"),
        headers=(["指标", "基准", "情景", "变化"] if zh else None),
    )
