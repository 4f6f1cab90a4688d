"""Shared CLI plumbing: options, language, JSON output, tables."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        help="Warehouse: a DuckDB file (default ./chainsight.duckdb or $CHAINSIGHT_WAREHOUSE).",
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
