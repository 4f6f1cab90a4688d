"""``chainsight metrics list|show|query`` and ``chainsight explain``: thin shells over chainsight.metrics."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import typer

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    command,
    console,
    current_lang,
    open_warehouse,
    print_json,
    print_table,
    role_name,
    t,
)
from chainsight._errors import UserInputError
from chainsight.metrics import (
    DIMENSIONS,
    EFFECT_LABELS,
    PERIOD,
    Compare,
    Explanation,
    Grain,
    Metric,
    Scope,
    compile_sql,
    explain,
    load_catalog,
    query,
)
from chainsight.present import (
    DIMENSION_KINDS,
    Unit,
    format_change,
    format_period,
    format_value,
    label,
)

FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output: table, json or csv.")]
WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where", help="Keep rows where DIM=VALUE (VALUE may list several, comma-separated). Repeatable."
    ),
]
ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope", help="Restrict what is visible to DIM=VALUE (deny by default). Repeatable. Default: all."
    ),
]


def _pairs(items: list[str] | None, option: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items or []:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise UserInputError(
                f"{option} 需要 维度=值，收到“{item}”", f"{option} needs DIM=VALUE, got '{item}'"
            )
        out.setdefault(dim.strip(), []).extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _metric_record(m: Metric) -> dict[str, Any]:
    return {
        "name": m.name,
        "domain": m.domain,
        "label": {"zh": m.label.zh, "en": m.label.en},
        "description": {"zh": m.description.zh, "en": m.description.en},
        "unit": m.unit.value,
        "kind": m.kind.value,
        "additivity": m.additivity.value,
        "good_direction": m.good_direction.value,
        "owner": m.owner,
        "dimensions": sorted(m.dimensions),
        "formula": {"zh": m.formula.zh, "en": m.formula.en},
    }


def register(app: typer.Typer) -> None:
    """Add the ``metrics`` group (list, show, query) and the top-level ``explain`` command to ``app``."""
    metrics_app = App(help="The metric catalog: list, show and query governed metrics.", no_args_is_help=True)
    app.add_typer(metrics_app, name="metrics")

    @metrics_app.command("list")
    def list_cmd(json_out: JsonOption = False, lang: LangOption = None) -> None:
        """Every metric: name, label and description in zh and en, unit, dimensions."""
        language = current_lang(lang)
        catalog = load_catalog()
        if json_out:
            print_json([_metric_record(m) for m in catalog])
            return
        rows = [
            {
                "name": m.name,
                "label": m.label.get(language),
                "unit": label("unit", m.unit.value, language),
                "description": m.description.get(language),
                "dimensions": _dimension_names(m.dimensions, language),
            }
            for m in catalog
        ]
        print_table(
            rows,
            ["name", "label", "unit", "description", "dimensions"],
            language,
            headers=[
                t("指标", "metric", language),
                t("名称", "label", language),
                t("单位", "unit", language),
                t("说明", "description", language),
                t("维度", "dimensions", language),
            ],
        )

    @metrics_app.command("show")
    def show_cmd(
        name: Annotated[str, typer.Argument(help="Metric name, e.g. net_sales.")],
        json_out: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """One metric: its definition, the formula in words, and the SQL it compiles to."""
        language = current_lang(lang)
        m = load_catalog().get(name)
        grain = None if all(s.entity == "lines" for s in m.sources) else "month"
        sql = compile_sql(m.name, grain=grain)
        record = {**_metric_record(m), "sql": sql}
        if json_out:
            print_json(record)
            return
        lg = language
        console.print(f"[bold]{m.name}[/bold] — {m.label.get(lg)}", highlight=False)
        console.print(m.description.get(lg), highlight=False)
        lines = [
            (t("公式", "formula", lg), m.formula.get(lg)),
            (t("单位", "unit", lg), label("unit", m.unit.value, lg)),
            (
                t("类型", "kind", lg),
                f"{label('metric_kind', m.kind.value, lg)}"
                + t(f"（{label('additivity', m.additivity.value, lg)}）", f" ({m.additivity.value})", lg),
            ),
            (t("好的方向", "good direction", lg), label("direction", m.good_direction.value, lg)),
            (t("负责人", "owner", lg), role_name(m.owner, lg, kind="metric")),
            (t("维度", "dimensions", lg), _dimension_names(m.dimensions, lg)),
        ]
        for key, value in lines:
            console.print(f"  [cyan]{key}[/cyan]{t('：', ': ', lg)}{value}", highlight=False)
        shape = t("按月", "by month", lg) if grain else t("合计", "total", lg)
        console.print(
            f"[cyan]SQL{t(f'（{shape}，DuckDB）', f' ({shape}, DuckDB)', lg)}[/cyan]:", highlight=False
        )
        console.print(sql, highlight=False, markup=False)

    @metrics_app.command("query")
    def query_cmd(
        names: Annotated[str, typer.Argument(help="Metric name(s), comma-separated: net_sales,sales_qty.")],
        by: Annotated[
            str | None, typer.Option("--by", help="Dimensions, comma-separated: province,channel.")
        ] = None,
        grain: Annotated[Grain | None, typer.Option("--grain", help="Period grain.")] = None,
        start: Annotated[
            str | None, typer.Option("--from", help="First date (YYYY-MM-DD), inclusive.")
        ] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last date (YYYY-MM-DD), inclusive.")] = None,
        where: WhereOption = None,
        compare: Annotated[
            Compare | None,
            typer.Option(
                "--compare",
                help="pop: previous period; yoy: same period last year; "
                "ytd / lfl: year / month to --to vs the same days last year.",
            ),
        ] = None,
        fmt: FormatOption = "table",
        lang: LangOption = None,
        warehouse: WarehouseOption = None,
        scope: ScopeOption = None,
    ) -> None:
        """Compute metrics by dimensions and period; JSON is a list of records keyed by dimension and metric."""
        language = current_lang(lang)
        if fmt not in ("table", "json", "csv"):
            raise UserInputError(
                f"未知输出格式“{fmt}”，可用 table、json 或 csv",
                f"unknown format '{fmt}'; use table, json or csv",
            )
        the_scope = Scope.of(_pairs(scope, "--scope")) if scope else Scope.all()
        with open_warehouse(warehouse) as wh:
            table = query(
                wh,
                names,
                by=by,
                grain=grain,
                start=start,
                end=end,
                where=_pairs(where, "--where"),
                compare=compare,
                scope=the_scope,
            )
        records = table.to_dicts()
        if fmt == "json":
            print_json(records)
        elif fmt == "csv":
            _write_csv(records, table.columns)
        else:
            _print_query_table(records, table.columns, language, grain.value if grain else None)

    @command(app, "explain")
    def explain_cmd(
        metric: Annotated[str, typer.Argument(help="Metric name, e.g. net_sales.")],
        period: Annotated[
            str, typer.Option("--period", help="Period: 2025-06, 2025-Q2, 2025, 2025-W23, 2025-06-15.")
        ],
        vs: Annotated[
            str | None, typer.Option("--vs", help="Compare with: pop (default), yoy, or a period.")
        ] = None,
        by: Annotated[
            str | None, typer.Option("--by", help="Dimensions to break down: region,channel,sku.")
        ] = None,
        top: Annotated[int, typer.Option("--top", help="How many drivers to list.")] = 5,
        json_out: JsonOption = False,
        lang: LangOption = None,
        warehouse: WarehouseOption = None,
        scope: ScopeOption = None,
    ) -> None:
        """Why did this number move? Exact contributions per member, top drivers and a plain-language summary."""
        language = current_lang(lang)
        the_scope = Scope.of(_pairs(scope, "--scope")) if scope else Scope.all()
        with open_warehouse(warehouse) as wh:
            result = explain(wh, metric, period, vs=vs, by=by, top=top, scope=the_scope)
        if json_out:
            print_json(result.to_dict())
            return
        _print_explanation(result, language)


def _dimension_names(dimensions: frozenset[str] | set[str], lang: str) -> str:
    names = [DIMENSIONS[d].get(lang) if d in DIMENSIONS else d for d in sorted(dimensions)]
    return ("、" if lang == "zh" else ", ").join(names)


def _member(dimension: str, value: Any, lang: str) -> Any:
    """A dimension's member as a reader knows it: an enum code by its name (线上, 配送中心), else itself."""
    kind = DIMENSION_KINDS.get(dimension)
    return label(kind, value, lang) if kind and value is not None else value


def _write_csv(records: list[dict[str, Any]], columns: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(
            {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
        )


def _cell(tag: str, unit: Unit, lang: str, value: Any) -> str:
    if tag == "change_pct":
        return format_value(value, Unit.PCT, lang, signed=True)
    if tag == "change":
        return format_change(value, unit, lang)
    if tag == "prior_missing":
        return t("无对比数据", "no prior", lang) if value else ""
    return format_value(value, unit, lang)


_TAGS = {
    "prior": ("对比期", "prior"),
    "change": ("变化", "change"),
    "change_pct": ("变化率", "change %"),
}


def _print_query_table(
    records: list[dict[str, Any]], columns: list[str], lang: str, grain: str | None
) -> None:
    catalog = load_catalog()
    formatters: dict[str, Callable[[Any], str]] = {}
    headers = []
    for col in columns:
        name, tag = col, ""
        for s in ("_prior_missing", "_change_pct", "_change", "_prior"):
            if col.endswith(s) and col[: -len(s)] in catalog:
                name, tag = col[: -len(s)], s[1:]
                break
        if name in catalog:
            m = catalog.get(name)
            formatters[col] = partial(_cell, tag, m.unit, lang)
            zh, en = _TAGS.get(tag, ("", ""))
            extra = zh if lang == "zh" else en
            headers.append(f"{m.label.get(lang)} {extra}".strip() if tag != "prior_missing" else "⚑")
        elif col == PERIOD:
            formatters[col] = partial(format_period, grain=grain, lang=lang)
            headers.append(t("期间", "period", lang))
        elif col in DIMENSIONS:
            formatters[col] = partial(_member, col, lang=lang)
            headers.append(DIMENSIONS[col].get(lang))
        else:
            headers.append(col)
    rows = [{c: formatters[c](r[c]) if c in formatters else r[c] for c in columns} for r in records]
    print_table(rows, columns, lang, headers=headers)


def _print_explanation(result: Explanation, lang: str) -> None:
    console.print(result.summary.get(lang), highlight=False)
    for b in result.dimensions:
        effects = list(b.effects)
        cols = ["member", "current", "prior", "contribution", *effects]
        headers = [
            DIMENSIONS[b.dimension].get(lang),
            t("本期", "current", lang),
            t("对比期", "prior", lang),
            t("贡献", "contribution", lang),
            *[EFFECT_LABELS[e].get(lang) for e in effects],
        ]
        rows = [
            {
                "member": _member(b.dimension, mc.member, lang)
                if mc.member is not None
                else t("（未知）", "(unknown)", lang),
                "current": format_value(mc.current, result.unit, lang),
                "prior": format_value(mc.prior, result.unit, lang),
                "contribution": format_change(mc.contribution, result.unit, lang),
                **{e: format_change(mc.effects.get(e), result.unit, lang) for e in effects},
            }
            for mc in b.members
        ]
        print_table(rows, cols, lang, headers=headers)
