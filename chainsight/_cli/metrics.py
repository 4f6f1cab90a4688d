"""``chainsight metrics list|show|query`` and ``chainsight explain``: thin shells over chainsight.metrics."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    open_warehouse,
    print_json,
    print_table,
    user_errors,
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
    Unit,
    compile_sql,
    explain,
    format_change,
    format_value,
    load_catalog,
    query,
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
                f"{option} 需要 维度=值,收到 “{item}”", f"{option} needs DIM=VALUE, got '{item}'"
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
    metrics_app = typer.Typer(
        help="The metric catalog: list, show and query governed metrics.", no_args_is_help=True
    )
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
                "unit": m.unit.value,
                "description": m.description.get(language),
                "dimensions": ", ".join(sorted(m.dimensions)),
            }
            for m in catalog
        ]
        headers = (
            ["指标", "名称", "单位", "说明", "维度"]
            if language == "zh"
            else ["metric", "label", "unit", "description", "dimensions"]
        )
        print_table(rows, ["name", "label", "unit", "description", "dimensions"], headers=headers)

    @metrics_app.command("show")
    def show_cmd(
        name: Annotated[str, typer.Argument(help="Metric name, e.g. net_sales.")],
        json_out: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """One metric: its definition, the formula in words, and the SQL it compiles to."""
        language = current_lang(lang)
        with user_errors(language):
            m = load_catalog().get(name)
            grain = None if all(s.entity == "lines" for s in m.sources) else "month"
            sql = compile_sql(m.name, grain=grain)
        record = {**_metric_record(m), "sql": sql}
        if json_out:
            print_json(record)
            return
        zh = language == "zh"
        console.print(f"[bold]{m.name}[/bold] — {m.label.get(language)}", highlight=False)
        console.print(m.description.get(language), highlight=False)
        lines = [
            ("公式" if zh else "formula", m.formula.get(language)),
            ("单位" if zh else "unit", m.unit.value),
            ("类型" if zh else "kind", f"{m.kind.value} ({m.additivity.value})"),
            ("好的方向" if zh else "good direction", m.good_direction.value),
            ("负责人" if zh else "owner", m.owner),
            ("维度" if zh else "dimensions", ", ".join(sorted(m.dimensions))),
        ]
        for key, value in lines:
            console.print(f"  [cyan]{key}[/cyan]: {value}", highlight=False)
        shape = ("按月" if zh else "by month") if grain else ("合计" if zh else "total")
        console.print(f"[cyan]SQL ({shape}, DuckDB)[/cyan]:", highlight=False)
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
        with user_errors(language):
            if fmt not in ("table", "json", "csv"):
                raise UserInputError(
                    f"未知输出格式 “{fmt}”", f"unknown format '{fmt}'; use table, json or csv"
                )
            the_scope = Scope.of(_pairs(scope, "--scope")) if scope else Scope.all()
            with open_warehouse(warehouse, language) as wh:
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
        records = table.to_pylist()
        if fmt == "json":
            print_json(records)
        elif fmt == "csv":
            _write_csv(records, table.column_names)
        else:
            _print_query_table(records, table.column_names, language)

    @app.command("explain")
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
        with user_errors(language):
            the_scope = Scope.of(_pairs(scope, "--scope")) if scope else Scope.all()
            with open_warehouse(warehouse, language) as wh:
                result = explain(wh, metric, period, vs=vs, by=by, top=top, scope=the_scope)
        if json_out:
            print_json(result.to_dict())
            return
        _print_explanation(result, language)


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
        return ("无对比数据" if lang == "zh" else "no prior") if value else ""
    return format_value(value, unit, lang)


def _print_query_table(records: list[dict[str, Any]], columns: list[str], lang: str) -> None:
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
            labels = {
                "prior": ("对比期", "prior"),
                "change": ("变化", "change"),
                "change_pct": ("变化率", "change %"),
                "prior_missing": ("", ""),
            }
            extra = labels.get(tag, ("", ""))[0 if lang == "zh" else 1]
            headers.append(f"{m.label.get(lang)} {extra}".strip() if tag != "prior_missing" else "⚑")
        elif col == PERIOD:
            headers.append("期间" if lang == "zh" else "period")
        elif col in DIMENSIONS:
            headers.append(DIMENSIONS[col].get(lang))
        else:
            headers.append(col)
    rows = [{c: formatters[c](r[c]) if c in formatters else r[c] for c in columns} for r in records]
    print_table(rows, columns, headers=headers)


def _print_explanation(result: Explanation, lang: str) -> None:
    zh = lang == "zh"
    console.print(result.summary.get(lang), highlight=False)
    for b in result.dimensions:
        effects = list(b.effects)
        cols = ["member", "current", "prior", "contribution", *effects]
        headers = [
            DIMENSIONS[b.dimension].get(lang),
            "本期" if zh else "current",
            "对比期" if zh else "prior",
            "贡献" if zh else "contribution",
            *[EFFECT_LABELS[e].get(lang) for e in effects],
        ]
        rows = [
            {
                "member": mc.member if mc.member is not None else ("(未知)" if zh else "(unknown)"),
                "current": format_value(mc.current, result.unit, lang),
                "prior": format_value(mc.prior, result.unit, lang),
                "contribution": format_change(mc.contribution, result.unit, lang),
                **{e: format_change(mc.effects.get(e), result.unit, lang) for e in effects},
            }
            for mc in b.members
        ]
        print_table(rows, cols, headers=headers)
