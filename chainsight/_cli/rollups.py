"""``chainsight rollups refresh|status``: pre-aggregated tables the metrics compiler reads when exact."""

from __future__ import annotations

from typing import Annotated

import typer

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    print_json,
    print_table,
    t,
)


def register(app: typer.Typer) -> None:
    rollups_app = App(
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
            language,
            title=t("汇总表", "rollups", language),
            headers=_headers(
                ["table", "entity", "level", "action", "rows", "source_rows", "ratio"], language
            ),
            formats={"action": "kind:rollup_action", "ratio": "x", "level": lambda v: _level(v, language)},
        )
        built = sum(r["action"] == "built" for r in report.rollups)
        fresh = len(report.rollups) - built
        console.print(
            t(
                f"{built} 张重建，{fresh} 张已是最新，用时 {report.seconds:.1f} 秒",
                f"{built} built, {fresh} already fresh, in {report.seconds:.1f}s",
                language,
            )
        )

    @rollups_app.command("status")
    def status(
        warehouse: WarehouseOption = None, json_out: JsonOption = False, lang: LangOption = None
    ) -> None:
        language = current_lang(lang)
        """Which rollups exist and are fresh (the compiler reads only fresh ones)."""
        from chainsight.metrics import ROLLUPS, fresh_rollups
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
            cols = ["table", "entity", "level", "fresh", "rows"]
            print_table(
                rows,
                cols,
                language,
                headers=_headers(cols, language),
                formats={"level": lambda v: _level(v, language)},
            )


def _level(level: str, lang: str) -> str:
    """A rollup's grain by its parts' names: month_customer → 月×客户."""
    from chainsight.metrics import DIMENSIONS
    from chainsight.present import label, labels

    grains = labels("grain")
    parts = []
    for part in str(level).split("_"):
        if part in grains:
            parts.append(label("grain", part, lang))
        elif part == "region":
            parts.append(t("区域", "region", lang))
        elif part in DIMENSIONS:
            parts.append(DIMENSIONS[part].get(lang))
        else:
            parts.append(part)
    return "×".join(parts)


def _headers(columns: list[str], lang: str) -> list[str]:
    from chainsight._cli._common import header

    words = {
        "level": t("汇总粒度", "Level", lang),
        "fresh": t("是否最新", "Fresh", lang),
        "ratio": t("压缩比", "Ratio", lang),
        "action": t("操作", "Action", lang),
    }
    return [words.get(c) or header(c, lang) for c in columns]
