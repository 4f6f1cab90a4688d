"""The `chainsight` command: a thin shell over the package's Python functions.

Every command that shows data has ``--json``, printing exactly what the Python API
returns. User errors print one line in the user's language and exit with 2; bugs
print a traceback and a request to report them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from chainsight import __version__
from chainsight._cli import alerts as alerts_cli
from chainsight._cli import analysis as analysis_cli
from chainsight._cli import channels as channels_cli
from chainsight._cli import demo as demo_cli
from chainsight._cli import metrics as metrics_cli
from chainsight._cli import pipeline as pipeline_cli
from chainsight._cli import planning as planning_cli
from chainsight._cli import rollups as rollups_cli
from chainsight._cli import web as web_cli
from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    err_console,
    print_json,
    print_table,
    t,
)
from chainsight.present import COLUMN_KINDS, label

app = App(
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
                "type": label("column_type", c.type.value, lg),
                "rule": _rule(c, fks.get(c.name), COLUMN_KINDS.get(f"{e.name}.{c.name}"), lg),
                "description": c.description.get(lg),
            }
            for c in e.columns
        ]
        key = ", ".join(e.natural_key)
        title = f"{e.name} — {e.label.get(lg)} · " + t(f"主键（{key}）", f"key ({key})", lg)
        print_table(rows, ["column", "type", "rule", "description"], lg, title=title)


def _rule(c: object, fk: str | None, kind: str | None, lang: str) -> str:
    """A column's rule: its allowed codes (with their names in Chinese), its range, what it references."""
    from chainsight.model import Column

    assert isinstance(c, Column)
    parts = []
    if c.allowed:
        named = [f"{v}（{label(kind, v, lang)}）" if kind and lang == "zh" else v for v in c.allowed]
        parts.append("∈ " + "|".join(named))
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
    words = (
        ("读取", "read"),
        ("新增", "loaded"),
        ("更新", "updated"),
        ("重复", "duplicate"),
        ("拒绝", "rejected"),
    )
    values = (
        result.rows_read,
        result.rows_loaded,
        result.rows_updated,
        result.rows_duplicate,
        result.rows_rejected,
    )
    summary = "  ".join(f"{t(zh, en, lg)} {v:,}" for (zh, en), v in zip(words, values, strict=True))
    batch = t("批次", "batch", lg)
    console.print(f"[bold]{entity}[/bold]  {summary}  [dim]{batch} {result.batch_id}[/dim]", highlight=False)
    if result.rows_rejected:
        hint = t("查看原因：chainsight rejects ", "see why: chainsight rejects ", lg)
        console.print(f"[yellow]{hint}{entity}[/yellow]", highlight=False)


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
                lg,
                title=t("重试被拒绝的行", "rejects retry", lg),
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
    for r in records:
        r["reason"] = r["reason_zh"] if lg == "zh" else r["reason_en"]
    print_table(
        records[:500],
        ["entity", "file", "row_number", "column", "raw_value", "reason"],
        lg,
        title=t(f"被拒绝的行（共 {len(records):,} 行）", f"rejects ({len(records):,})", lg),
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
    name = "label_zh" if lg == "zh" else "label_en"  # the wire format's two columns; shown as one
    print_table(
        [{**e, "label": e[name]} for e in info["entities"]],
        ["entity", "label", "rows", "date_from", "date_to", "last_load", "open_rejects"],
        lg,
        title=info["warehouse"],
        formats={"date_from": "date", "date_to": "date", "last_load": "datetime"},
    )
    colour = {"ready": "green", "partial": "yellow", "empty": "red"}
    for key, d in info["domains"].items():
        missing = (
            t(f"（缺少：{'、'.join(d['missing'])}）", f"  (missing: {', '.join(d['missing'])})", lg)
            if d["missing"]
            else ""
        )
        state = label("domain_state", d["state"], lg)
        console.print(
            f"[{colour.get(d['state'], 'white')}]{state:{4 if lg == 'zh' else 8}}[/] {d[name]} [dim]{key}{missing}[/dim]",
            highlight=False,
        )


# --------------------------------------------------------------------------- command groups
for _group in (
    demo_cli,
    metrics_cli,
    analysis_cli,
    channels_cli,
    planning_cli,
    web_cli,
    rollups_cli,
    pipeline_cli,
    alerts_cli,
):
    _group.register(app)


def main() -> None:
    """Entry point. Errors take the one path of every command (``chainsight._cli._common.run_guarded``):
    a user error is one line in the reader's language and exit 2, a bug a traceback and exit 70."""
    app(prog_name="chainsight")


if __name__ == "__main__":
    main()
