"""Shared CLI plumbing: options, the reader's language, the one error path, JSON output, tables.

Every command is a :class:`Command` and every group a :class:`Group`, so every error takes one path
(:func:`run_guarded`): a user error (``UserInputError``) or an access error prints one line in the
reader's language and exits 2; another Chainsight error (the environment: a warehouse another process
holds) prints one line and exits 1; anything else is a bug: a traceback, a request to report it, exit 70.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from chainsight._errors import AccessError, ChainsightError, UserInputError
from chainsight.present import (
    DASH,
    Lang,
    Text,
    Unit,
    format_date,
    format_datetime,
    format_number,
    format_value,
    label,
    negotiate_lang,
    yes_no,
)

if TYPE_CHECKING:
    import polars as pl

    from chainsight.warehouse import Warehouse

console = Console()
err_console = Console(stderr=True)

WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        help="Warehouse: a DuckDB file (default ./chainsight.duckdb or $CHAINSIGHT_WAREHOUSE), "
        "spark://local[*]?warehouse=DIR, or a Spark config YAML (engine: spark).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang", help="Language: zh or en (default: $CHAINSIGHT_LANG, then the locale $LC_ALL / $LANG)."
    ),
]


def current_lang(explicit: str | None = None) -> Lang:
    """The reader's language: ``--lang``, else ``$CHAINSIGHT_LANG``, else the locale (one negotiation,
    :func:`chainsight.present.negotiate_lang`)."""
    return negotiate_lang(explicit=explicit, env=os.environ)


def t(zh: str, en: str, lang: str) -> str:
    """One phrase of a command's output in the reader's language."""
    return Text(zh, en).get(lang)


# ---------------------------------------------------------------------------------------------- errors
R = TypeVar("R")

_BUG = Text(
    "这是 Chainsight 的缺陷，请连同上面的信息一起报告。",
    "This is a bug in Chainsight. Please report it with the traceback above.",
)


def error_line(exc: BaseException, lang: str) -> str:
    """What an expected error says, in ``lang``: its bilingual message when it has one."""
    message = getattr(exc, "message", None)
    return message(lang) if callable(message) else str(exc)


def run_guarded(fn: Callable[[], R], lang: str) -> R:
    """Run ``fn``; the one place where errors become what the reader sees and the exit status."""
    try:
        return fn()
    except (typer.Exit, typer.Abort, TyperException, KeyboardInterrupt, SystemExit):
        raise  # exits, aborts and usage errors: Typer prints and exits (usage errors with 2)
    except (UserInputError, AccessError) as exc:
        # escape: a value in the message (e.g. spark://local[*]) must not be read as Rich markup
        err_console.print(
            f"[bold red]✗[/bold red] {escape(error_line(exc, lang))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(exc.exit_code) from None
    except ChainsightError as exc:
        err_console.print(
            f"[bold red]✗[/bold red] {escape(error_line(exc, lang))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(1) from None
    except Exception:
        traceback.print_exc()
        err_console.print(f"[bold red]{_BUG.get(lang)}[/bold red]", soft_wrap=True)
        raise typer.Exit(70) from None


def _ctx_lang(ctx: Any) -> Lang:
    value = ctx.params.get("lang") if isinstance(getattr(ctx, "params", None), dict) else None
    return current_lang(value if isinstance(value, str) else None)


class Command(TyperCommand):
    """A command whose errors take the one path (:func:`run_guarded`)."""

    def invoke(self, ctx: Any) -> Any:
        return run_guarded(lambda: super(Command, self).invoke(ctx), _ctx_lang(ctx))


class Group(TyperGroup):
    """A command group whose own callback's errors take the one path too."""

    def invoke(self, ctx: Any) -> Any:
        return run_guarded(lambda: super(Group, self).invoke(ctx), _ctx_lang(ctx))


class App(typer.Typer):
    """A Typer app (or sub-group) whose commands are :class:`Command` s and itself a :class:`Group`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


def command(app: typer.Typer, name: str, **kwargs: Any) -> Any:
    """Register a command on any Typer app (the caller's may be a plain one) as a :class:`Command`."""
    return app.command(name, cls=Command, **kwargs)


# ---------------------------------------------------------------------------------------------- input
def parse_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD option value, or None; anything else is a user error naming the value."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError(
            f"日期格式应为 YYYY-MM-DD：{text}", f"dates are written YYYY-MM-DD: {text}"
        ) from None


@contextmanager
def open_warehouse(warehouse: str | None, *, read_only: bool = True) -> Iterator[Warehouse]:
    """Open the warehouse (read-only by default) for one command."""
    from chainsight.warehouse import Warehouse, resolve_warehouse_path

    wh = Warehouse.open(resolve_warehouse_path(warehouse), read_only=read_only)
    try:
        yield wh
    finally:
        wh.close()


# ---------------------------------------------------------------------------------------------- output
def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Text):
        return value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def print_json(payload: Any) -> None:
    """Write JSON to stdout (UTF-8, Chinese unescaped, ISO dates): the codes, not their names."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=_default, indent=2))
    sys.stdout.write("\n")
    sys.stdout.flush()


# Headers of the CLI's own tables (the analyses' columns are named in chainsight.analysis.COLUMNS).
HEADERS: dict[str, Text] = {
    "entity": Text("数据表", "Entity"),
    "label": Text("名称", "Label"),
    "rows": Text("行数", "Rows"),
    "date_from": Text("最早日期", "From"),
    "date_to": Text("最晚日期", "To"),
    "last_load": Text("最近加载", "Last load"),
    "open_rejects": Text("待处理拒绝行", "Open rejects"),
    "column": Text("列", "Column"),
    "rule": Text("规则", "Rule"),
    "description": Text("说明", "Description"),
    "file": Text("文件", "File"),
    "files": Text("文件数", "Files"),
    "mapping": Text("映射", "Mapping"),
    "row_number": Text("行号", "Row"),
    "raw_value": Text("原始值", "Raw value"),
    "reason": Text("原因", "Reason"),
    "rows_read": Text("读取", "Read"),
    "rows_loaded": Text("新增", "Loaded"),
    "rows_updated": Text("更新", "Updated"),
    "rows_duplicate": Text("重复", "Duplicate"),
    "rows_rejected": Text("拒绝", "Rejected"),
    "batch_id": Text("批次号", "Batch"),
    "kpi": Text("指标", "KPI"),
    "base": Text("基准", "Base"),
    "scenario": Text("情景", "Scenario"),
    "level": Text("层级", "Level"),
    "series": Text("序列数", "Series"),
    "wape": Text("加权绝对百分比误差", "WAPE"),
    "mase": Text("平均绝对标度误差", "MASE"),
    "wape_naive": Text("季节朴素法误差", "Seasonal-naive WAPE"),
    "fva": Text("预测增值", "FVA"),
    "count": Text("条数", "Count"),
    "items": Text("物品数", "Items"),
    "id": Text("编号", "#"),
    "severity": Text("级别", "Severity"),
    "title": Text("规则", "Rule"),
    "message": Text("内容", "What"),
    "owner": Text("负责", "Owner"),
    "last_seen": Text("最近发现", "Last seen"),
    "at": Text("时间", "At"),
    "event": Text("事件", "Event"),
    "from_state": Text("原状态", "From"),
    "to_state": Text("新状态", "To"),
    "actor": Text("操作人", "By"),
    "note": Text("备注", "Note"),
    "firing": Text("触发数", "Firing"),
    "sent": Text("已发送", "Sent"),
    "failed_attempts": Text("失败尝试", "Failed attempts"),
    "dead": Text("死信", "Dead"),
    "delivery": Text("投递", "Delivery"),
    "attempt": Text("第几次", "Attempt"),
    "ok": Text("成功", "OK"),
    "status_code": Text("状态码", "Status code"),
    "error": Text("错误", "Error"),
    "duration_ms": Text("耗时（毫秒）", "Duration (ms)"),
    "alert_id": Text("告警", "Alert"),
    "attempts": Text("尝试次数", "Attempts"),
    "last_error": Text("最近错误", "Last error"),
    "sent_at": Text("发送时间", "Sent at"),
    "params": Text("参数", "Parameters"),
    "step": Text("步骤", "Step"),
    "seconds": Text("用时（秒）", "Seconds"),
    "what": Text("结果", "What"),
    "run": Text("运行", "Run"),
    "started": Text("开始时间", "Started"),
    "as_of": Text("业务日期", "As of"),
    "steps": Text("步骤", "Steps"),
    "domain": Text("领域", "Domain"),
    "present": Text("有数据", "Present"),
    "fresh": Text("及时", "Fresh"),
    "complete": Text("完整", "Complete"),
    "clean": Text("干净", "Clean"),
    "metrics": Text("支持的指标", "Metrics"),
    "decisions": Text("支持的决策", "Decisions"),
    "notes": Text("说明", "Notes"),
    "key": Text("项目代码", "Key"),
    "item": Text("项目", "Item"),
    "answer": Text("回答", "Answer"),
    "points": Text("得分", "Points"),
    "table": Text("汇总表", "Table"),
    "source_rows": Text("源表行数", "Source rows"),
    "username": Text("用户名", "Username"),
    "role": Text("角色", "Role"),
    "scope": Text("可见范围", "Scope"),
    "last_login": Text("最近登录", "Last sign-in"),
    "ip": Text("来源地址", "IP"),
    "unit": Text("单位", "Unit"),
    "dimensions": Text("维度", "Dimensions"),
}


def header(name: str, lang: str) -> str:
    """A column's header in ``lang``: the CLI's own words, else the analyses', else a metric dimension's."""
    from chainsight.analysis import COLUMNS
    from chainsight.metrics import DIMENSIONS

    text = HEADERS.get(name) or COLUMNS.get(name) or DIMENSIONS.get(name)
    return text.get(lang) if text is not None else name


Format = str | Callable[[Any], str]


def format_cell(value: Any, lang: str, fmt: Format | None = None) -> str:
    """One table cell. ``fmt``: a function, or a spec — ``cny`` (full digits), ``pct`` (a fraction),
    ``pct100`` (already in percent), ``qty``, ``count``, ``x`` (a multiple), ``num1``, ``num2``, ``days``,
    ``date``, ``datetime``; ``kind:KIND`` names a code by the vocabulary."""
    if callable(fmt):
        return fmt(value)
    if fmt:
        if fmt.startswith("kind:"):
            return label(fmt[5:], value, lang)
        spec = {
            "cny": lambda v: format_value(v, Unit.CNY, lang),
            "pct": lambda v: format_value(v, Unit.PCT, lang),
            "pct100": lambda v: format_value(None if v is None else v / 100, Unit.PCT, lang),
            "qty": lambda v: format_value(v, Unit.UNITS, lang),
            "count": lambda v: format_value(v, Unit.COUNT, lang),
            "x": lambda v: format_value(v, Unit.RATIO, lang),
            "days": lambda v: format_value(v, Unit.DAYS, lang),
            "num1": lambda v: format_number(v, 1),
            "num2": lambda v: format_number(v, 2),
            "date": lambda v: format_date(v, lang, iso=True),
            "datetime": lambda v: format_datetime(v, lang, iso=True),
        }[fmt]
        return spec(value)
    if value is None or (isinstance(value, float) and value != value):
        return DASH
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, dict) and set(value) >= {"zh", "en"}:
        return str(value["zh" if lang == "zh" else "en"])
    if isinstance(value, dt.datetime):
        return format_datetime(value, lang, iso=True)
    if isinstance(value, dt.date):
        return format_date(value, lang, iso=True)
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) if lang == "zh" else ", ".join(map(str, value))
    return str(value)


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    lang: str,
    *,
    title: str | None = None,
    headers: Sequence[str] | None = None,
    formats: Mapping[str, Format] | None = None,
    markup: bool = False,
) -> None:
    """Render records as a Rich table: headers, numbers, dates, yes/no and codes in the reader's language.

    Cells are printed as text (``markup``: as Rich markup, for cells the command coloured itself).
    """
    formats = formats or {}
    table = Table(title=title, show_lines=False, header_style="bold cyan")
    for i, col in enumerate(columns):
        table.add_column(headers[i] if headers else header(col, lang), overflow="fold")
    for row in rows:
        cells = [format_cell(row.get(c), lang, formats.get(c)) for c in columns]
        table.add_row(*(cells if markup else [escape(c) for c in cells]))
    console.print(table)


def show_frame(
    df: pl.DataFrame,
    columns: Sequence[str],
    lang: str,
    title: str,
    top: int | None = None,
    fmt: Mapping[str, Format] | None = None,
) -> None:
    """Print the first ``top`` rows of a Polars frame with localised headers and per-column formats."""
    n = min(top or 0, df.height)
    shown = t(f" · 前 {n} 条，共 {df.height} 条", f" ({n}/{df.height})", lang)
    print_table(
        (df.head(top) if top else df).to_dicts(),
        list(columns),
        lang,
        title=title + (shown if top and df.height > top else ""),
        formats=fmt,
    )


def master_names(wh: Warehouse, *entities: str) -> dict[str, str]:
    """Codes of master data (SKUs, materials, suppliers, sites, lines, channels, customers) by their names,
    so a table can put the name beside the code. Entities the warehouse does not hold add nothing."""
    from chainsight.model import get_entity

    names: dict[str, str] = {}
    for entity in entities:
        key = get_entity(entity).natural_key[0]
        if not wh.has_table(entity):
            continue
        rows = wh.table(entity).select(key, "name").to_pyarrow().to_pylist()
        names.update({r[key]: r["name"] for r in rows if r.get("name")})
    return names


def with_name(names: Mapping[str, str]) -> Callable[[Any], str]:
    """A cell format: the code, then its name (BV028 橙汁饮料 1L) when master data names it."""

    def fmt(code: Any) -> str:
        if code is None or (isinstance(code, float) and code != code):
            return DASH
        name = names.get(code)
        return f"{code} {name}" if name else str(code)

    return fmt


def role_name(code: str | None, lang: str, *, kind: str = "owner") -> str:
    """A role by its name, from the one roles vocabulary (``chainsight.model.ROLES``; a former name
    reads as its current role). ``kind``: ``user`` (a sign-in role), ``owner`` or ``metric`` (a role
    that owns metrics and alerts); a name not of that kind reads as unknown."""
    if code is None:
        return DASH
    from chainsight.model import get_role

    try:
        return get_role(code, kind="sign_in" if kind == "user" else "owner").label.get(lang)
    except ChainsightError:
        pass
    return f"未知角色“{code}”" if lang == "zh" else f"unknown role '{code}'"
