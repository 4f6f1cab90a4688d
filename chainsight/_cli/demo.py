"""``chainsight demo generate|run``: thin shells over :mod:`chainsight.demo`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

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

ScaleOption = Annotated[
    str,
    typer.Option(
        "--scale", "-s", help="tiny (CI, seconds) · small (~1M fact rows) · medium (~20M) · large (~200M)."
    ),
]
SeedOption = Annotated[
    int, typer.Option("--seed", help="Random seed; the same seed writes byte-identical files.")
]


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    bar = Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    task: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        kind = stage.split(":")[0] if stage.startswith("generate") else "load"
        if kind not in task:
            task[kind] = bar.add_task(stage, total=total)
        bar.update(task[kind], description=stage, completed=done, total=total)

    with bar:
        yield update


def _generate(out: Path, scale: str, seed: int, as_json: bool, lang: str | None) -> None:
    from chainsight.demo import generate

    started = time.perf_counter()
    with _progress() as progress:
        manifest = generate(out, scale=scale, seed=seed, progress=progress)
    seconds = round(time.perf_counter() - started, 2)
    data = manifest.to_dict()
    data["out_dir"] = str(out)
    data["seconds"] = seconds
    if as_json:
        print_json(data)
        return
    lg = current_lang(lang)
    print_table(
        [dict(entity=e.entity, file=e.file, mapping=e.mapping, rows=e.rows) for e in manifest.files],
        ["entity", "file", "mapping", "rows"],
        lg,
        title=t("演示公司 鲜源食品 — 导出文件", "Demo company 鲜源食品 (XianYuan Foods) — export files", lg),
    )
    facts = f"{manifest.fact_rows:,}"
    console.print(
        t(
            f"已写入 {out}：{len(manifest.files)} 个文件，事实行 {facts}，用时 {seconds} 秒。"
            f"预埋的业务问题和脏数据见 {out / 'truth.json'}",
            f"Wrote {len(manifest.files)} files to {out}: {facts} fact rows in {seconds}s. "
            f"Planted problems and dirty rows: {out / 'truth.json'}",
            lg,
        ),
        highlight=False,
    )


def _print_run(summary: dict[str, Any], lang: str | None) -> None:
    lg = current_lang(lang)
    cols = ["entity", "files", "rows_read", "rows_loaded", "rows_updated", "rows_duplicate", "rows_rejected"]
    rows = [*summary["entities"], dict(entity=t("合计", "total", lg), **summary["totals"])]
    print_table(
        rows,
        cols,
        lg,
        title=t(
            f"演示公司已加载到 {summary['warehouse']}", f"Demo company loaded into {summary['warehouse']}", lg
        ),
    )
    rj = summary["rejects"]
    if rj["match"]:
        msg = t(
            f"[green]✓[/green] 预埋的 {rj['expected']} 行脏数据全部被拒绝，原因正确；没有其他行被拒绝。",
            f"[green]✓[/green] exactly the {rj['expected']} planted bad rows were rejected, with the right reasons.",
            lg,
        )
    else:
        msg = t(
            f"[yellow]![/yellow] 拒绝行与预埋不一致：意外 {len(rj['unexpected'])} 行，遗漏 {len(rj['missing'])} 行",
            f"[yellow]![/yellow] rejects differ from the planted ones: {len(rj['unexpected'])} "
            f"unexpected, {len(rj['missing'])} missing",
            lg,
        )
    console.print(msg, highlight=False)
    gen = (
        t("沿用已有文件", "reused", lg)
        if not summary["generated"]
        else t(f"{summary['generate_seconds']} 秒", f"{summary['generate_seconds']}s", lg)
    )
    console.print(
        t(
            f"生成：{gen}；加载：{summary['load_seconds']} 秒。查看拒绝行：chainsight rejects；数据概况：chainsight status",
            f"Generate: {gen}; load: {summary['load_seconds']}s. Next: chainsight status · chainsight rejects",
            lg,
        ),
        highlight=False,
    )


def _run_pipeline(folder: Path, wh_path: str | Path, as_json: bool, lang: str) -> Any:
    """The daily pipeline's steps after loading, on the demo warehouse (its app DB beside it)."""
    from chainsight._cli.pipeline import PipelineDisplay, print_run_summary, stdout_to_stderr
    from chainsight.pipeline import PipelineConfig, run_pipeline

    config = PipelineConfig.from_dict(
        {
            "warehouse": str(Path(wh_path).resolve()),
            "inbox": "inbox",
            "output": "output",
            "steps": ["rollups", "forecast", "plan", "alerts", "report"],
            # the demo's history ends weeks before today: judge freshness on its own last day
            "alerts": {"freshness_on": "business_date"},
        },
        base=folder.resolve(),
        source="chainsight demo run --pipeline",
    )
    with stdout_to_stderr() if as_json else contextlib.nullcontext(), PipelineDisplay(lang) as display:
        record = run_pipeline(config, trigger="demo", progress=display)
    if not as_json:
        print_run_summary(record, lang)
    return record


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command group to ``app``."""
    demo = App(
        name="demo",
        help="A realistic demo company (鲜源食品, a Chinese food & beverage maker) as ERP exports, with planted "
        "problems described in truth.json.",
        no_args_is_help=True,
        rich_markup_mode="rich",
    )

    @demo.command("generate")
    def generate_cmd(
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the export files into.")],
        scale: ScaleOption = "tiny",
        seed: SeedOption = 0,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Write the demo company's export files, manifest.json and truth.json into --out."""
        _generate(out, scale, seed, as_json, lang)

    @demo.command("run")
    def run_cmd(
        scale: ScaleOption = "small",
        seed: SeedOption = 0,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Folder for the files (default ./chainsight-demo/SCALE)."),
        ] = None,
        warehouse: WarehouseOption = None,
        pipeline: Annotated[
            bool,
            typer.Option(
                "--pipeline",
                help="Then run the daily pipeline's steps on it: rollups, forecast, plan, alerts and the "
                "weekly report (written under --out/output).",
            ),
        ] = False,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Generate the demo company (if not already in --out) and load every file through the real loader."""
        from chainsight.demo import run
        from chainsight.warehouse import resolve_warehouse_path

        folder = out or Path("chainsight-demo") / scale
        wh_path = resolve_warehouse_path(warehouse)
        with _progress() as progress:
            summary = run(folder, wh_path, scale=scale, seed=seed, progress=progress)
        if as_json and not pipeline:
            print_json(summary)
        elif not as_json:
            _print_run(summary, lang)
        if pipeline:
            record = _run_pipeline(folder, wh_path, as_json, current_lang(lang))
            if as_json:
                print_json({"load": summary, "pipeline": record.to_dict()})

    app.add_typer(demo)
