"""The `chainsight` command: a thin shell over the package's Python functions.

Every command that shows data has ``--json``, printing exactly what the Python API
returns. User errors print one line in the user's language and exit with 2; bugs
print a traceback and a request to report them.
"""

from __future__ import annotations

import csv
import importlib
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from chainsight import __version__
from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    err_console,
    print_json,
    print_table,
)
from chainsight._errors import ChainsightError, UserInputError

app = typer.Typer(
    name="chainsight",
    help=(
        "Chainsight — see an FMCG business end to end: channels, sell-through, inventory and shelf life, "
        "procurement, production, forecasting and planning.\n\n"
        "Start here:  chainsight demo run   (a demo company, end to end)\n\n"
        "Then:  chainsight status · chainsight entities · chainsight load ENTITY FILE · chainsight rejects"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"chainsight {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Chainsight command line."""


# --------------------------------------------------------------------------- model
@app.command()
def entities(as_json: JsonOption = False, lang: LangOption = None) -> None:
    """List the canonical entities, their columns and what each means."""
    from chainsight.model import ENTITIES, LOAD_ORDER

    lg = current_lang(lang)
    if as_json:
        print_json(
            [
                {
                    "entity": e.name,
                    "label": {"zh": e.label.zh, "en": e.label.en},
                    "description": {"zh": e.description.zh, "en": e.description.en},
                    "kind": e.kind.value,
                    "domain": e.domain,
                    "natural_key": list(e.natural_key),
                    "foreign_keys": [
                        {"column": fk.column, "references": [f"{t}.{c}" for t, c in fk.targets]}
                        for fk in e.foreign_keys
                    ],
                    "columns": [
                        {
                            "name": c.name,
                            "type": c.type.value,
                            "required": c.required,
                            "allowed": list(c.allowed) if c.allowed else None,
                            "min": c.min,
                            "min_exclusive": c.min_exclusive,
                            "max": c.max,
                            "description": {"zh": c.description.zh, "en": c.description.en},
                        }
                        for c in e.columns
                    ],
                }
                for e in (ENTITIES[n] for n in LOAD_ORDER)
            ]
        )
        return
    for name in LOAD_ORDER:
        e = ENTITIES[name]
        fks = {fk.column: " / ".join(f"{t}.{c}" for t, c in fk.targets) for fk in e.foreign_keys}
        rows = [
            {
                "column": c.name + (" *" if c.required else ""),
                "type": c.type.value,
                "rule": _rule(c, fks.get(c.name)),
                "description": c.description.get(lg),
            }
            for c in e.columns
        ]
        title = f"{e.name} — {e.label.get(lg)} · key ({', '.join(e.natural_key)})"
        print_table(rows, ["column", "type", "rule", "description"], title=title)


def _rule(c: object, fk: str | None) -> str:
    from chainsight.model import Column

    assert isinstance(c, Column)
    parts = []
    if c.allowed:
        parts.append("∈ " + "|".join(c.allowed))
    if c.min is not None:
        parts.append(("> " if c.min_exclusive else "≥ ") + f"{c.min:g}")
    if c.max is not None:
        parts.append(f"≤ {c.max:g}")
    if fk:
        parts.append("→ " + fk)
    return ", ".join(parts)


# --------------------------------------------------------------------------- load
def _progress() -> Progress:
    return Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


@app.command()
def load(
    entity: Annotated[
        str, typer.Argument(help="Canonical entity, e.g. sell_in (see `chainsight entities`).")
    ],
    files: Annotated[
        list[Path], typer.Argument(help="CSV/TSV, Excel (.xlsx/.xls), Parquet or JSON-lines files.")
    ],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="Mapping YAML (columns, formats, sheet, ...).")
    ] = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Validate files and load them into the warehouse (atomic, idempotent; rejected rows are kept)."""
    from chainsight.ingest import load_files
    from chainsight.warehouse import Warehouse

    lg = current_lang(lang)
    with Warehouse.open(warehouse) as wh, _progress() as bar:
        task = bar.add_task("load", total=1)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"{entity}: {stage}", completed=done, total=max(total, 1))

        result = load_files(wh, entity, files, mapping=mapping, progress=report)
    if as_json:
        print_json(result.to_dict())
        return
    labels = {
        "zh": ("读取", "新增", "更新", "重复", "拒绝"),
        "en": ("read", "loaded", "updated", "duplicate", "rejected"),
    }[lg]
    values = (
        result.rows_read,
        result.rows_loaded,
        result.rows_updated,
        result.rows_duplicate,
        result.rows_rejected,
    )
    summary = "  ".join(f"{k} {v:,}" for k, v in zip(labels, values, strict=True))
    console.print(f"[bold]{entity}[/bold]  {summary}  [dim]batch {result.batch_id}[/dim]")
    if result.rows_rejected:
        hint = "查看原因:chainsight rejects " if lg == "zh" else "see why: chainsight rejects "
        console.print(f"[yellow]{hint}{entity}[/yellow]")


@app.command()
def rejects(
    action_or_entity: Annotated[
        str | None, typer.Argument(help="An entity to filter by, or `retry`.")
    ] = None,
    entity: Annotated[str | None, typer.Argument(help="With `retry`: only this entity.")] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Also write the rejects to this CSV file.")
    ] = None,
    all_states: Annotated[bool, typer.Option("--all", help="Include retried and resolved rejects.")] = False,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Show rejected rows with their reasons, or `rejects retry [ENTITY]` to re-validate and load them."""
    from chainsight.ingest import list_rejects, retry_rejects
    from chainsight.warehouse import Warehouse

    lg = current_lang(lang)
    if action_or_entity == "retry":
        with Warehouse.open(warehouse) as wh:
            results = retry_rejects(wh, entity)
        if as_json:
            print_json([r.to_dict() for r in results])
        else:
            print_table(
                [r.to_dict() for r in results],
                ["entity", "rows_read", "rows_loaded", "rows_updated", "rows_rejected", "batch_id"],
                title="rejects retry",
            )
        return
    with Warehouse.open(warehouse) as wh:
        table = list_rejects(wh, action_or_entity, None if all_states else "open")
    records = table.to_pylist()
    if csv_path:
        with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=table.column_names)
            writer.writeheader()
            writer.writerows(records)
    if as_json:
        print_json(records)
        return
    reason = "reason_zh" if lg == "zh" else "reason_en"
    print_table(
        records[:500],
        ["entity", "file", "row_number", "column", "raw_value", reason],
        title=f"rejects ({len(records):,})",
    )


@app.command()
def status(warehouse: WarehouseOption = None, as_json: JsonOption = False, lang: LangOption = None) -> None:
    """What the warehouse holds: rows, date ranges, last loads, rejects, and which domains are ready."""
    from chainsight.warehouse import Warehouse, warehouse_status

    lg = current_lang(lang)
    with Warehouse.open(warehouse) as wh:
        info = warehouse_status(wh)
    if as_json:
        print_json(info)
        return
    label = "label_zh" if lg == "zh" else "label_en"
    print_table(
        info["entities"],
        ["entity", label, "rows", "date_from", "date_to", "last_load", "open_rejects"],
        title=info["warehouse"],
    )
    colour = {"ready": "green", "partial": "yellow", "empty": "red"}
    for key, d in info["domains"].items():
        missing = f"  (missing: {', '.join(d['missing'])})" if d["missing"] else ""
        console.print(f"[{colour[d['state']]}]{d['state']:8}[/] {d[label]} [dim]{key}{missing}[/dim]")


# --------------------------------------------------------------------------- plug-in groups
for _module in ("demo", "metrics", "analysis", "channels", "planning", "web", "rollups", "pipeline"):
    try:
        _mod = importlib.import_module(f"chainsight._cli.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"chainsight._cli.{_module}":
            raise
    else:
        _mod.register(app)
importlib.import_module("chainsight._cli.alerts").register(app)  # chainsight alerts ...


def _lang_from_argv(argv: list[str]) -> str:
    """Errors speak the language asked for with --lang, before Typer has parsed anything."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return current_lang(argv[i + 1])
        if arg.startswith("--lang="):
            return current_lang(arg.split("=", 1)[1])
    return current_lang()


def main() -> None:
    """Entry point: run the app, turning user errors into one clear line and exit status 2."""
    lang = _lang_from_argv(sys.argv[1:])
    try:
        rc = app(standalone_mode=False)
    except UserInputError as exc:
        # escape: a value in the message (e.g. spark://local[*]) must not be read as Rich markup
        err_console.print(
            f"[bold red]✗[/bold red] {escape(exc.message(lang))}", highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except ChainsightError as exc:
        err_console.print(f"[bold red]✗[/bold red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        # Usage errors (Typer's bundled click): show the usage message, exit 2.
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            sys.exit(exit_code)
        traceback.print_exc()
        err_console.print(
            "[bold red]This is a bug in Chainsight. Please report it with the traceback above. "
            "这是 Chainsight 的缺陷,请连同上面的信息一起报告。[/bold red]",
            soft_wrap=True,
        )
        sys.exit(70)
    # In non-standalone mode Typer returns a command's typer.Exit code instead of exiting.
    if isinstance(rc, int) and rc:
        sys.exit(rc)


if __name__ == "__main__":
    main()
