"""``chainsight forecast | plan | scenario``: thin shells over :mod:`chainsight.planning`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    command,
    current_lang,
    header,
    master_names,
    open_warehouse,
    parse_date,
    print_json,
    print_table,
    t,
    with_name,
)
from chainsight.present import Unit, format_number, format_period, format_value, label

if TYPE_CHECKING:
    from chainsight.planning import Scenario

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


def _level(level: str, lang: str) -> str:
    """A forecast level (``sku×channel``) by its names (单品×渠道)."""
    return "×".join(label("forecast_level", part, lang) for part in str(level).split("×"))


def _points(lang: str) -> Any:
    return lambda v: "—" if v is None else f"{format_number(v, 1, signed=True)} {t('个百分点', 'pp', lang)}"


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
    with open_warehouse(warehouse, read_only=no_store) as wh:
        res = forecast(wh, level, bucket, horizon, parse_date(as_of), store=not no_store, engine=engine)
    if as_json:
        print_json(res.records)
        return
    keys = res.level
    pct100 = "pct100"  # the accuracy table holds percentages already (7.02 = 7.02%)
    print_table(
        res.accuracy,
        ["level", "series", "wape", "mase", "bias", "wape_naive", "fva"],
        lg,
        title=t(
            "预测准确度（回测，模型未见过的最近窗口）",
            "Forecast accuracy (backtest on the latest window, unseen)",
            lg,
        ),
        formats={
            "level": lambda v: _level(v, lg),
            "wape": pct100,
            "mase": "num2",
            "bias": lambda v: format_value(None if v is None else v / 100, Unit.PCT, lg, signed=True),
            "wape_naive": pct100,
            "fva": _points(lg),
        },
    )
    periods = sorted({r["period"] for r in res.records})
    wide: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in res.records:
        row = wide.setdefault(tuple(r[k] for k in keys), {**{k: r[k] for k in keys}, "model": r["model"]})
        row[r["period"]] = r["forecast"]
    print_table(
        list(wide.values()),
        [*keys, "model", *periods],
        lg,
        title=t(
            f"需求预测 版本 {res.version}，截至 {res.as_of}",
            f"Demand forecast v{res.version} as of {res.as_of}",
            lg,
        ),
        headers=[
            *(header(k, lg) for k in keys),
            t("模型", "Model", lg),
            *(format_period(p, bucket, lg) for p in periods),
        ],
        formats={"model": "kind:forecast_model", **{p: "qty" for p in periods}},
    )


def register(app: typer.Typer) -> None:
    """Add ``forecast``, ``plan`` and ``scenario`` to the ``chainsight`` command."""
    command(app, "forecast")(forecast_cmd)
    command(app, "plan")(plan_cmd)
    command(app, "scenario")(scenario_cmd)


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


def kpi_cell(kpi: str, value: Any, lang: str, *, signed: bool = False) -> str:
    """One plan KPI value in the reader's language, by what its name says it holds: ``*_pct`` percentages
    (97.5 = 97.5%), ``*_value`` money, ``*_qty`` quantities, the rest counts."""
    suffix = kpi.rsplit("_", 1)[-1]
    if value is None:
        return "—"
    if suffix == "pct":
        return format_value(value / 100, Unit.PCT, lang, signed=signed)
    if suffix == "value":
        return format_value(value, Unit.CNY, lang, signed=signed)
    if suffix == "qty":
        return format_value(value, Unit.UNITS, lang, signed=signed)
    return format_value(value, Unit.COUNT, lang, signed=signed)


def kpi_change(kpi: str, value: Any, lang: str) -> str:
    """A KPI's change: percentages in percentage points."""
    if value is not None and kpi.endswith("_pct"):
        return f"{format_number(value, 1, signed=True)} {t('个百分点', 'pp', lang)}"
    return kpi_cell(kpi, value, lang, signed=True)


def _demand_source(source: str, lang: str) -> str:
    """forecast → 需求预测; consensus:FILE → 共识需求计划 FILE."""
    kind, _, detail = source.partition(":")
    name = label("demand_source", kind, lang)
    return f"{name} {detail}" if detail else name


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
    with open_warehouse(warehouse, read_only=no_store) as wh:
        res = plan(
            wh,
            as_of=parse_date(as_of),
            horizon=horizon or 13,
            demand_file=demand,
            service_level=service_level,
            store=not no_store,
        )
        names = with_name(master_names(wh, "products", "materials", "suppliers", "sites", "lines"))
    if as_json:
        print_json(res.exception_records() if exceptions else res.order_records())
        return
    source = _demand_source(res.demand_source, lg)
    print_table(
        [
            {"kpi": label("plan_kpi", name, lg), "value": kpi_cell(name, value, lg)}
            for name, value in res.kpis().items()
        ],
        ["kpi", "value"],
        lg,
        headers=[t("指标", "KPI", lg), t("值", "Value", lg)],
        title=t(
            f"计划 版本 {res.version}，截至 {res.as_of}（需求：{source}）",
            f"Plan v{res.version} as of {res.as_of} (demand: {source})",
            lg,
        ),
    )
    if exceptions:
        rows = res.exception_records()
        # The exception's detail is an English sentence today; Chinese readers get the kind's name and the
        # open order it concerns instead (the structured fields carry the rest).
        detail = "detail" if lg == "en" else "order_id"
        print_table(
            rows[:200],
            ["kind", "site_id", "item_id", "period", "qty", detail],
            lg,
            title=t(f"例外清单（共 {len(rows)} 条）", f"Exceptions ({len(rows)})", lg),
            headers=[
                t("类型", "Kind", lg),
                t("地点", "Site", lg),
                t("物料/产线", "Item / line", lg),
                t("周", "Week", lg),
                t("数量", "Qty", lg),
                t("在途订单", "Detail", lg),
            ],
            formats={
                "kind": "kind:plan_exception",
                "site_id": names,
                "item_id": names,
                "period": "date",
                "qty": "qty",
            },
        )
        return
    orders = res.order_records()
    print_table(
        orders[:60],
        ["order_type", "item_id", "site_id", "supplier_id", "qty", "release_date", "due_date", "late"],
        lg,
        title=t(
            f"计划订单（共 {len(orders)} 条，显示前 60 条）",
            f"Planned orders ({len(orders)}; first 60 shown)",
            lg,
        ),
        headers=[
            t("类型", "Type", lg),
            t("物料", "Item", lg),
            t("地点", "Site", lg),
            t("供应商", "Supplier", lg),
            t("数量", "Qty", lg),
            t("下达日", "Release", lg),
            t("到期日", "Due", lg),
            t("延迟", "Late", lg),
        ],
        formats={
            "order_type": "kind:order_type",
            "item_id": names,
            "site_id": names,
            "supplier_id": names,
            "qty": "qty",
            "release_date": "date",
            "due_date": "date",
        },
    )
    print_table(
        res.exception_summary(),
        ["kind", "count", "items", "qty"],
        lg,
        title=t("例外（明细：--exceptions）", "Exceptions (details: --exceptions)", lg),
        headers=[
            t("类型", "Kind", lg),
            t("条数", "Count", lg),
            t("物品数", "Items", lg),
            t("数量", "Qty", lg),
        ],
        formats={"kind": "kind:plan_exception", "qty": "qty"},
    )


def describe(sc: Scenario, lang: str) -> str:
    """A what-if in the reader's words (the planning package's ``describe()`` is English)."""
    parts = []
    if sc.demand_pct:
        who = sc.sku or sc.channel or sc.region or t("全部", "all", lang)
        parts.append(t(f"需求 {sc.demand_pct:+g}%（{who}）", f"demand {sc.demand_pct:+g}% ({who})", lang))
    if sc.supplier_delay_days:
        who = sc.supplier_id or t("全部", "all", lang)
        parts.append(
            t(
                f"供应商 {who} 延迟 {sc.supplier_delay_days} 天",
                f"supplier {who} +{sc.supplier_delay_days} days",
                lang,
            )
        )
    if sc.line_id:
        parts.append(
            t(
                f"产线 {sc.line_id} 停线 {sc.line_down_from} 至 {sc.line_down_to}",
                f"line {sc.line_id} down {sc.line_down_from}..{sc.line_down_to}",
                lang,
            )
        )
    return ("；" if lang == "zh" else "; ").join(parts) or t("基准", "base", lang)


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
    with open_warehouse(warehouse) as wh:
        res = scenario(wh, as_of=parse_date(as_of), horizon=horizon or 13, what=what)
    if as_json:
        print_json(res)
        return
    print_table(
        [
            {
                "kpi": label("plan_kpi", r["kpi"], lg),
                "base": kpi_cell(r["kpi"], r["base"], lg),
                "scenario": kpi_cell(r["kpi"], r["scenario"], lg),
                "change": kpi_change(r["kpi"], r["change"], lg),
            }
            for r in res["kpis"]
        ],
        ["kpi", "base", "scenario", "change"],
        lg,
        title=t(f"情景对比：{describe(what, lg)}", f"Scenario vs base plan: {describe(what, lg)}", lg),
    )
