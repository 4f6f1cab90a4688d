"""``chainsight rollups refresh|status``: pre-aggregated tables the metrics compiler reads when exact."""

from __future__ import annotations

from typing import Annotated

import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    print_json,
    print_table,
)


def register(app: typer.Typer) -> None:
    rollups_app = typer.Typer(
        help="Rollups: monthly pre-aggregates of sell-in, online orders and stock that make dashboards fast.",
        no_args_is_help=True,
    )
    app.add_typer(rollups_app, name="rollups")

    @rollups_app.command("refresh")
    def refresh(
        warehouse: WarehouseOption = None,
        force: Annotated[bool, typer.Option("--force", help="Rebuild even the fresh ones.")] = False,
        json_out: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Build every rollup whose table changed since it was built (idempotent; fresh ones are kept)."""
        from chainsight.metrics import refresh_rollups
        from chainsight.warehouse import Warehouse

        language = current_lang(lang)
        with Warehouse.open(warehouse) as wh:
            report = refresh_rollups(wh, force=force)
        if json_out:
            print_json(report.to_dict())
            return
        print_table(
            report.rollups,
            ["table", "entity", "level", "action", "rows", "source_rows", "ratio"],
            title="rollups" if language == "en" else "汇总表 (rollups)",
        )
        built = sum(r["action"] == "built" for r in report.rollups)
        msg = (
            f"{built} 张重建,{len(report.rollups) - built} 张已是最新,用时 {report.seconds:.1f} 秒"
            if language == "zh"
            else f"{built} built, {len(report.rollups) - built} already fresh, in {report.seconds:.1f}s"
        )
        console.print(msg)

    @rollups_app.command("status")
    def status(
        warehouse: WarehouseOption = None, json_out: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Which rollups exist and are fresh (the compiler reads only fresh ones)."""
        from chainsight.metrics import ROLLUPS
        from chainsight.metrics._rollup import fresh_rollups
        from chainsight.warehouse import Warehouse

        with Warehouse.open(warehouse, read_only=True) as wh:
            fresh = {r.spec.table: r.rows for r in fresh_rollups(wh)}
        rows = [
            {
                "table": s.table,
                "entity": s.entity,
                "level": s.level,
                "fresh": s.table in fresh,
                "rows": fresh.get(s.table),
            }
            for s in ROLLUPS
        ]
        if json_out:
            print_json(rows)
        else:
            print_table(rows, ["table", "entity", "level", "fresh", "rows"])
