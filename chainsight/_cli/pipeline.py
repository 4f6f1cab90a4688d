"""`chainsight run`, `runs`, `report` and `readiness`: the daily pipeline, the weekly report, the readiness check."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    command,
    console,
    current_lang,
    err_console,
    error_line,
    parse_date,
    print_json,
    print_table,
    t,
)
from chainsight._errors import UserInputError
from chainsight.present import format_date, format_datetime, label

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Pipeline config YAML (default ./chainsight.yaml or $CHAINSIGHT_CONFIG)."
    ),
]
AppDBOption = Annotated[
    str | None,
    typer.Option("--appdb", help="App database URL (default: a SQLite file beside the warehouse)."),
]
_MARK = {"done": "[green]✓[/green]", "skipped": "[yellow]↷[/yellow]", "failed": "[red]✗[/red]"}


class PipelineDisplay:
    """A Rich progress display of the steps and the files being loaded (plain lines when not a terminal)."""

    def __init__(self, lang: str) -> None:
        from chainsight.pipeline import step_label

        self.lang = lang
        self.label = step_label
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold blue]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.steps: Any = None
        self.files: Any = None

    def __enter__(self) -> PipelineDisplay:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, event: Any) -> None:
        p = self.progress
        if event.kind == "step":
            if self.steps is None:
                self.steps = p.add_task("", total=event.total)
            p.update(self.steps, description=self.label(event.step, self.lang), completed=event.index)
        elif event.kind == "step_end":
            # a reason has its Chinese beside it; other notes (an exception's text) are the code's own words
            text = (event.text_zh if self.lang == "zh" else "") or event.text
            note = f" [dim]{escape(text)}[/dim]" if text else ""
            err_console.print(f"{_MARK.get(event.state, '·')} {self.label(event.step, self.lang)}{note}")
            if self.steps is not None:
                p.update(self.steps, completed=event.index + 1)
            if self.files is not None and event.step == "load":
                p.remove_task(self.files)
                self.files = None
        elif event.kind == "file":
            if self.files is None:
                self.files = p.add_task("", total=max(event.total, 1))
            p.update(
                self.files, description=f"  {event.text}", completed=event.done, total=max(event.total, 1)
            )


def _step_what(step: str, d: dict[str, Any], lg: str) -> str:
    """What a finished step did, in the reader's language."""
    sep = "，" if lg == "zh" else ", "
    if step == "load":
        what = t(
            f"{d.get('files_loaded', 0)} 个文件，{d.get('rows_loaded', 0):,} 行，拒绝 {d.get('rows_rejected', 0):,} 行",
            f"{d.get('files_loaded', 0)} files, {d.get('rows_loaded', 0):,} rows, {d.get('rows_rejected', 0):,} rejected",
            lg,
        )
        if d.get("unmatched"):
            names = ("、" if lg == "zh" else ", ").join(d["unmatched"][:5])
            what += t(f"；未匹配：{names}", f"; unmatched: {names}", lg)
        return what
    if step == "forecast" and d:
        version = d.get("version")
        return t(
            f"{'已是最新，' if d.get('up_to_date') else ''}版本 {version}",
            f"{'up to date, ' if d.get('up_to_date') else ''}version {version}",
            lg,
        )
    if step == "plan" and d:
        return t(
            f"{d.get('orders')} 张计划订单，{d.get('exceptions')} 条例外 → {d.get('file')}",
            f"{d.get('orders')} orders, {d.get('exceptions')} exceptions → {d.get('file')}",
            lg,
        )
    if step == "rollups" and isinstance(d.get("result"), dict):
        actions: dict[str, int] = {}
        for r in d["result"].get("rollups", []):
            actions[str(r.get("action"))] = actions.get(str(r.get("action")), 0) + 1
        return sep.join(f"{label('rollup_action', k, lg)} {v}" for k, v in sorted(actions.items()))
    if step == "alerts" and isinstance(d.get("result"), dict):
        counts: dict[str, tuple[str, str]] = {
            "opened": ("新开", "opened"),
            "updated": ("更新", "updated"),
            "resolved": ("解决", "resolved"),
            "active": ("未关闭", "active"),
        }
        res = d["result"]
        return sep.join(
            f"{t(*counts[k], lg)} {len(v) if isinstance(v, list) else v}"
            for k, v in res.items()
            if k in counts
        )
    if step == "deliver" and isinstance(d.get("result"), dict):
        counts = {
            "queued": ("入队", "queued"),
            "sent": ("已发送", "sent"),
            "failed_attempts": ("失败尝试", "failed attempts"),
            "dead": ("死信", "dead"),
            "pending": ("待重试", "pending"),
        }
        return sep.join(
            f"{t(*counts[k], lg) if k in counts else k} {v}"
            for k, v in d["result"].items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        )
    if step == "report" and d:
        return t(
            f"{d.get('week')}：{len(d.get('files', []))} 个文件",
            f"{d.get('week')}: {len(d.get('files', []))} files",
            lg,
        )
    return ""


def _what(s: Any, d: dict[str, Any], lang: str) -> str:
    """A step's reason (bilingual) first; then what it did — the step's own message is English, so a Chinese
    reader gets our summary of its detail before it."""
    reason = (d.get("reason") or {}).get(lang)
    if reason:
        return str(reason)
    if lang == "zh":
        return _step_what(s.step, d, lang) or s.message or ""
    return s.message or _step_what(s.step, d, lang)


def print_run_summary(record: Any, lang: str) -> None:
    from chainsight.pipeline import step_label

    rows = []
    for s in record.steps:
        d = s.detail
        rows.append(
            {
                "step": step_label(s.step, lang),
                "state": label("step_state", s.state, lang),
                "seconds": s.to_dict()["seconds"],
                "what": _what(s, d, lang),
            }
        )
    status = label("run_status", record.status, lang)
    print_table(
        rows,
        ["step", "state", "seconds", "what"],
        lang,
        title=t(
            f"运行 {record.id} · {status} · 业务日期 {format_date(record.as_of, lang)} · 第 {record.attempts} 次尝试",
            f"run {record.id} · {status} · as of {record.as_of} · attempt {record.attempts}",
            lang,
        ),
        formats={"seconds": "num1"},
    )


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Keep stdout for the JSON answer: whatever a step's libraries print (solver banners written
    straight to file descriptor 1 included) goes to stderr while the pipeline runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_cmd(
    config: ConfigOption = None,
    schedule: Annotated[
        bool,
        typer.Option("--schedule", help="Keep running: wait for each time the config's cron schedule names."),
    ] = False,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Run the daily pipeline: load new inbox files, refresh rollups, forecast, plan, alerts, deliver, reports.

    Resumable: after a crash, run it again — finished steps and loaded files are not repeated."""
    from chainsight.pipeline import load_config, run_on_schedule, run_pipeline

    lg = current_lang(lang)
    cfg = load_config(config)

    def once() -> Any:
        with stdout_to_stderr() if as_json else contextlib.nullcontext(), PipelineDisplay(lg) as display:
            record = run_pipeline(cfg, trigger="schedule" if schedule else "manual", progress=display)
        if as_json:
            print_json(record.to_dict())
        else:
            print_run_summary(record, lg)
        return record

    if not schedule:
        record = once()
        failed_files = record.step("load").detail.get("failed") if record.step("load") else None
        if failed_files:
            raise typer.Exit(1)
        return

    def waiting(due: dt.datetime) -> None:
        when = format_datetime(due, lg)
        err_console.print(
            f"[dim]{t(f'下次运行：{when}（{cfg.schedule}）', f'next run at {when} ({cfg.schedule})', lg)}[/dim]",
            highlight=False,
        )

    def error(exc: BaseException) -> None:
        # the schedule keeps running after a failed run: the error is shown, not raised
        text = error_line(exc, lg) if isinstance(exc, UserInputError) else f"{type(exc).__name__}: {exc}"
        err_console.print(f"[bold red]✗[/bold red] {text}", highlight=False)

    run_on_schedule(cfg, once, on_wait=waiting, on_error=error)


def runs_cmd(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option("--limit", help="How many runs to show.")] = 20,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """The latest pipeline runs with each step's state (newest first)."""
    from chainsight.pipeline import list_runs, load_config

    lg = current_lang(lang)
    records = list_runs(load_config(config), limit)
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    from chainsight.pipeline import step_label

    print_table(
        [
            {
                "run": r.id,
                "status": label("run_status", r.status, lg),
                "started": format_datetime(r.started_at, lg, iso=True),
                "as_of": r.as_of,
                "attempts": r.attempts,
                "steps": " ".join(
                    f"{step_label(s.step, lg)}{t('：', ':', lg)}{label('step_state', s.state, lg)}"
                    for s in r.steps
                ),
            }
            for r in records
        ],
        ["run", "status", "started", "as_of", "attempts", "steps"],
        lg,
        title=t("流水线运行记录", "chainsight runs", lg),
        formats={"as_of": "date"},
    )


def report_cmd(
    week: Annotated[str, typer.Option("--week", help="ISO week, e.g. 2025-W23.")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the report as PDF here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the report as HTML here.")] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Only this part of the business, e.g. province=浙江省 (repeatable)."),
    ] = None,
    warehouse: WarehouseOption = None,
    appdb: AppDBOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """The weekly management report: cockpit figures, charts and top exceptions, as PDF and/or HTML."""
    from chainsight.appdb import AppDB, default_appdb_url, parse_scope
    from chainsight.reports import parse_week, render_weekly
    from chainsight.warehouse import Warehouse, resolve_warehouse_path

    lg = current_lang(lang)
    parse_week(week)
    if pdf is None and html is None:
        raise UserInputError("请用 --pdf 或 --html 指定输出文件", "give an output file: --pdf and/or --html")
    path = resolve_warehouse_path(warehouse)
    db = AppDB(appdb or default_appdb_url(path))
    try:
        with Warehouse.open(path, read_only=True) as wh:
            rep = render_weekly(wh, week, lang=lg, html=html, pdf=pdf, appdb=db, scope=parse_scope(scope))
    finally:
        db.close()
    if as_json:
        print_json(
            {"week": rep.week, "lang": rep.lang, "html": rep.html_path, "pdf": rep.pdf_path, "data": rep.data}
        )
        return
    for p in (rep.html_path, rep.pdf_path):
        if p:
            console.print(f"[green]✓[/green] {p}")


readiness_app = App(
    help="Is the company ready: data per domain (present, fresh, complete, clean) and the organisation.",
    no_args_is_help=False,
    invoke_without_command=True,
)


@readiness_app.callback(invoke_without_command=True)
def readiness_cmd(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Check freshness on this date (default today).")
    ] = None,
    warehouse: WarehouseOption = None,
    appdb: AppDBOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Per domain: data present, fresh, complete, clean; metrics and decisions supported; what to load next;
    and the organisational checklist (answer with `chainsight readiness answer KEY VALUE`)."""
    ctx.obj = {"warehouse": warehouse, "appdb": appdb}
    if ctx.invoked_subcommand is not None:
        return
    from chainsight.readiness import readiness
    from chainsight.warehouse import Warehouse

    lg = current_lang(lang)
    db = _appdb(warehouse, appdb)
    try:
        with Warehouse.open(warehouse, read_only=True) as wh:
            result = readiness(wh, db, parse_date(as_of))
    finally:
        db.close()
    if as_json:
        print_json(result)
        return
    _show_readiness(result, lg)


def _appdb(warehouse: str | None, url: str | None) -> Any:
    from chainsight.appdb import AppDB, default_appdb_url
    from chainsight.warehouse import resolve_warehouse_path

    return AppDB(url or default_appdb_url(resolve_warehouse_path(warehouse)))


def _entity(code: str, lang: str) -> str:
    """An entity by its name (销售出库), the code when the model does not know it."""
    from chainsight.model import ENTITIES

    entity = ENTITIES.get(code)
    return entity.label.get(lang) if entity is not None else code


def _show_readiness(result: dict[str, Any], lg: str) -> None:
    data, org = result["data"], result["organisation"]
    name = "label_zh" if lg == "zh" else "label_en"  # the wire format's two columns; shown as one
    yes = {True: "[green]✓[/green]", False: "[red]✗[/red]"}
    sep = "；" if lg == "zh" else "; "
    rows = []
    for d in data["domains"]:
        c = d["checks"]
        notes = []
        if d["missing"]:
            missing = [_entity(e, lg) if lg == "zh" else e for e in d["missing"]]
            notes.append(t("缺少", "missing ", lg) + ("、" if lg == "zh" else ", ").join(missing))
        for s in d["stale"]:
            notes.append(
                t(
                    f"{_entity(s['entity'], lg)}滞后 {s['lag_days']} 天",
                    f"{s['entity']} stale {s['lag_days']}d",
                    lg,
                )
            )
        for g in d["gaps"]:
            notes.append(
                t(
                    f"{_entity(g['entity'], lg)}缺 {g['months_missing']} 个月",
                    f"{g['entity']} missing {g['months_missing']} months",
                    lg,
                )
            )
        blocked = [x[name] for x in d["decisions"] if not x["supported"]]
        rows.append(
            {
                "domain": d[name],
                "present": yes[c["present"]],
                "fresh": yes[c["fresh"]],
                "complete": yes[c["complete"]],
                "clean": f"{yes[c['clean']]} {d['reject_rate'] * 100:.2f}%",
                "metrics": f"{len(d['metrics_supported'])}/{d['metrics_total']}",
                "decisions": f"{sum(x['supported'] for x in d['decisions'])}/{len(d['decisions'])}",
                "notes": escape(sep.join(notes + blocked)),
            }
        )
    as_of = format_date(data["as_of"], lg)
    print_table(
        rows,
        ["domain", "present", "fresh", "complete", "clean", "metrics", "decisions", "notes"],
        lg,
        title=t(
            f"数据就绪度 {data['score']}/100 · 截至 {as_of}",
            f"Data readiness {data['score']}/100 · as of {as_of}",
            lg,
        ),
        markup=True,
    )
    for n in data["next_data"][:5]:
        console.print(
            t(
                f"[cyan]下一步加载[/cyan] {n['entity']}（{n[name]}）：可解锁 {len(n['unlocks_decisions'])} 项决策、"
                f"{len(n['unlocks_metrics'])} 个指标",
                f"[cyan]Load next[/cyan] {n['entity']} ({n[name]}): unlocks {len(n['unlocks_decisions'])} "
                f"decisions, {len(n['unlocks_metrics'])} metrics",
                lg,
            )
            + f" [dim]({', '.join(n['unlocks_metrics'][:6])})[/dim]",
            highlight=False,
        )
    print_table(
        [
            {
                "key": i["key"],
                "item": i[name],
                "answer": i["answer"] if i["answer"] not in (None, "") else "—",
                "points": f"{i['points']:g}/{i['weight']:g}",
            }
            for i in org["items"]
        ],
        ["key", "item", "answer", "points"],
        lg,
        title=t(f"组织就绪度 {org['score']}/100", f"Organisational readiness {org['score']}/100", lg),
    )
    hint = t(
        "回答：chainsight readiness answer 项目代码 回答", "answer: chainsight readiness answer KEY VALUE", lg
    )
    overall = t("总体就绪度", "Overall readiness", lg)
    console.print(f"[bold]{overall} {result['score']}/100[/bold]  [dim]{hint}[/dim]", highlight=False)


@readiness_app.command("answer")
def answer_cmd(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            help="Checklist item, e.g. executive_sponsor, data_owner.sales, trained_users, budget."
        ),
    ],
    value: Annotated[str, typer.Argument(help="A name, yes/no, or a percentage (trained_users).")],
    warehouse: WarehouseOption = None,
    appdb: AppDBOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Store one answer of the organisational checklist."""
    from chainsight.readiness import Checklist

    obj = ctx.obj or {}
    db = _appdb(warehouse or obj.get("warehouse"), appdb or obj.get("appdb"))
    try:
        stored = Checklist(db).answer(key, value)
        score = Checklist(db).report()["score"]
    finally:
        db.close()
    if as_json:
        print_json({"key": key, "value": stored, "score": score})
        return
    lg = current_lang(lang)
    console.print(
        f"[green]✓[/green] {key} = {stored}  [dim]{t(f'（组织就绪度 {score}/100）', f'(organisational score {score}/100)', lg)}[/dim]",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``run``, ``runs``, ``report`` and ``readiness`` to the ``chainsight`` command."""
    command(app, "run")(run_cmd)
    command(app, "runs")(runs_cmd)
    command(app, "report")(report_cmd)
    app.add_typer(readiness_app, name="readiness")
