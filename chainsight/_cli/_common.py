"""Shared CLI plumbing: options, language, JSON output, tables."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from chainsight._errors import UserInputError

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
    str | None, typer.Option("--lang", help="Language of messages: zh or en (default from $LANG).")
]


def current_lang(explicit: str | None = None) -> str:
    """zh when asked or when the locale is Chinese, otherwise en."""
    if explicit:
        return "zh" if explicit.lower().startswith("zh") else "en"
    env = os.environ.get("CHAINSIGHT_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "zh" if env.lower().startswith("zh") else "en"


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def print_json(payload: Any) -> None:
    """Write JSON to stdout (UTF-8, Chinese unescaped, ISO dates)."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=_default, indent=2))
    sys.stdout.write("\n")
    sys.stdout.flush()


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
    headers: Sequence[str] | None = None,
) -> None:
    """Render records as a Rich table."""
    table = Table(title=title, show_lines=False, header_style="bold cyan")
    for i, col in enumerate(columns):
        numeric = False
        table.add_column(
            headers[i] if headers else col, justify="right" if numeric else "left", overflow="fold"
        )
    for row in rows:
        table.add_row(*[format_cell(row.get(c)) for c in columns])
    console.print(table)


def format_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        return f"{value:,.2f}" if abs(value) < 1e15 else f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@contextmanager
def user_errors(lang: str) -> Iterator[None]:
    """A user error prints one line in the user's language and exits with its status, never a traceback."""
    try:
        yield
    except UserInputError as exc:
        err_console.print(f"[red]✗ {exc.message(lang)}[/red]", highlight=False)
        raise typer.Exit(exc.exit_code) from None


def parse_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD option value, or None; anything else is a user error naming the value."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError(
            f"日期格式应为 YYYY-MM-DD:{text}", f"dates are written YYYY-MM-DD: {text}"
        ) from None


@contextmanager
def open_warehouse(warehouse: str | None, lang: str, *, read_only: bool = True) -> Iterator[Warehouse]:
    """Open the warehouse (read-only by default) for one command; user errors inside exit cleanly."""
    from chainsight.warehouse import Warehouse, resolve_warehouse_path

    with user_errors(lang):
        wh = Warehouse.open(resolve_warehouse_path(warehouse), read_only=read_only)
        try:
            yield wh
        finally:
            wh.close()


def fmt_pct(v: Any) -> str | None:
    return None if v is None else f"{v:.0%}"


def fmt_ratio(v: Any) -> str | None:
    return None if v is None else f"{v:,.1f}"


def fmt_num2(v: Any) -> str | None:
    return None if v is None else f"{v:,.2f}"


def fmt_money(v: Any) -> str | None:
    return None if v is None else f"{v:,.0f}"


def fmt_qty(v: Any) -> str | None:
    if v is None:
        return None
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 or abs(v) >= 100 else f"{v:,.2f}"


def show_frame(
    df: pl.DataFrame,
    columns: Sequence[str],
    lang: str,
    title: str,
    top: int | None = None,
    fmt: Mapping[str, Any] | None = None,
) -> None:
    """Print the first ``top`` rows of a Polars frame with localised column labels and per-column formats."""
    from chainsight.analysis import column_label

    fmt = fmt or {}
    rows = [
        {c: (fmt[c](rec.get(c)) if c in fmt else rec.get(c)) for c in columns}
        for rec in (df.head(top) if top else df).to_dicts()
    ]
    shown = f" ({min(top, df.height)}/{df.height})" if top and df.height > top else ""
    print_table(rows, list(columns), title=title + shown, headers=[column_label(c, lang) for c in columns])
