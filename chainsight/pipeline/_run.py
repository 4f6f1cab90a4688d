"""The daily pipeline: inbox → load → rollups → forecast → plan → alerts → deliver → reports.

Resumable and idempotent. Each step's state is committed to the app database before and after it
runs; a run that crashed is resumed by the next ``run_pipeline`` call, which skips the steps already
done. Inside the steps, nothing is done twice either:

* load — a file is loaded in one warehouse transaction that also records its SHA-256 in the load
  history; a file whose content is already there is not loaded again (only moved to ``done``);
* forecast — skipped when a forecast with the same settings was stored after the latest load;
* plan and reports — files written whole (temporary file, then rename), the same on a rerun;
* alerts and delivery — the alerts package deduplicates open alerts and keeps a delivery log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainsight._errors import ChainsightError, UserInputError
from chainsight.appdb import AppDB, default_appdb_url
from chainsight.ingest import file_checksum
from chainsight.model import ENTITIES, LOAD_ORDER
from chainsight.pipeline._config import STEP_LABELS, STEPS, FileRule, PipelineConfig
from chainsight.pipeline._state import RunRecord, RunStore
from chainsight.warehouse import Warehouse, resolve_warehouse_path

ENV_FAULT = "CHAINSIGHT_PIPELINE_FAULT"
"""Fault injection for crash tests: comma-separated points ``before:STEP``, ``after:STEP`` or
``load:N`` (inside the N-th file's load transaction, before it commits); the process kills itself
with SIGKILL there. Never set in production."""


@dataclass(frozen=True, slots=True)
class Event:
    """What the pipeline is doing, for a progress display.

    kind: ``step`` (a step starts), ``step_end`` (state in ``state``), ``file`` (load progress:
    ``done`` of ``total`` files, ``text`` names the file and stage).
    """

    kind: str
    step: str
    index: int = 0
    total: int = 0
    state: str = ""
    text: str = ""
    done: int = 0
    text_zh: str = ""  # the same in Chinese, when the text is a reason a person reads


Progress = Callable[[Event], None]


@dataclass
class Outcome:
    state: str  # done | skipped
    detail: dict[str, Any] = field(default_factory=dict)
    message: str = ""


class _Skip(ChainsightError):
    """A step has nothing to work on (no sales data yet, no delivery channels configured): recorded
    as ``skipped: <reason>`` in both languages, and the run goes on."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _fault(point: str) -> None:
    spec = os.environ.get(ENV_FAULT, "")
    if spec and point in {p.strip() for p in spec.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _move(src: Path, folder: Path, checksum: str) -> Path:
    """Move ``src`` into ``folder``; a different file already there under that name is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    if dest.exists() and file_checksum([dest]) != checksum:
        dest = folder / f"{src.stem}.{checksum[:8]}{src.suffix}"
    if dest.exists():  # the same content is already there
        src.unlink()
    else:
        os.replace(src, dest)
    return dest


def _jsonable(value: Any) -> Any:
    """Whatever a step's API returned, as JSON-ready data for the run record."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "to_dict"):
        return _jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def latest_sales_day(wh: Warehouse) -> dt.date | None:
    """The last day with sales (sell-in or online orders): the business date a run reports on."""
    days = []
    for entity in ("sell_in", "online_orders"):
        col = ENTITIES[entity].date_column
        assert col is not None
        v = wh.table(entity)[col].max().to_pyarrow().as_py()
        if v is not None:
            days.append(v.date() if isinstance(v, dt.datetime) else v)
    return max(days) if days else None


def report_week(as_of: dt.date) -> str:
    """The last complete ISO week on ``as_of`` (the week itself when ``as_of`` is its Sunday).

    >>> report_week(dt.date(2025, 6, 8)), report_week(dt.date(2025, 6, 7))
    ('2025-W23', '2025-W22')
    """
    end = as_of if as_of.isoweekday() == 7 else as_of - dt.timedelta(days=as_of.isoweekday())
    year, week, _ = end.isocalendar()
    return f"{year}-W{week:02d}"


class _Context:
    def __init__(
        self,
        config: PipelineConfig,
        wh: Warehouse,
        appdb: AppDB,
        store: RunStore,
        run_id: int,
        progress: Progress | None,
    ) -> None:
        self.config = config
        self.wh = wh
        self.appdb = appdb
        self.store = store
        self.run_id = run_id
        self.progress = progress
        self.as_of: dt.date | None = None

    def emit(self, event: Event) -> None:
        if self.progress:
            self.progress(event)

    def need_as_of(self) -> dt.date:
        if self.as_of is None:
            raise _Skip("仓库中没有销售数据", "no sales data in the warehouse")
        return self.as_of


# --------------------------------------------------------------------------- steps
def _step_load(ctx: _Context) -> Outcome:
    from chainsight.ingest import load_files

    cfg = ctx.config
    if not cfg.inbox.is_dir():
        raise UserInputError("收件箱文件夹不存在", "the inbox folder does not exist", file=str(cfg.inbox))
    # detail accumulates over attempts: a resumed load lists the files the crashed attempt loaded too
    detail = ctx.store.step_detail(ctx.run_id, "load")
    entries: list[dict[str, Any]] = detail.get("files", [])
    failed: list[dict[str, Any]] = detail.get("failed", [])
    inbox_files = sorted(p for p in cfg.inbox.iterdir() if p.is_file() and not p.name.startswith("."))
    matched: list[tuple[Path, FileRule]] = []
    unmatched: list[str] = []
    for p in inbox_files:
        rule = cfg.rule_for(p.name)
        (matched.append((p, rule)) if rule else unmatched.append(p.name))
    # master data before the facts that reference it; a day's files in name order
    matched.sort(key=lambda pr: (LOAD_ORDER.index(pr[1].entity), pr[0].name))
    total = len(matched)
    for i, (path, rule) in enumerate(matched, 1):
        ctx.emit(Event("file", "load", text=f"{rule.entity}: {path.name}", done=i - 1, total=total))
        checksum = file_checksum([path])
        prior = ctx.wh.latest_load(checksum, rule.entity)
        entry: dict[str, Any] = {"file": path.name, "entity": rule.entity, "sha256": checksum}
        if prior is not None:
            entry.update(batch_id=prior, already_loaded=True)
        else:

            def on_progress(
                stage: str, done: int, of: int, i: int = i, name: str = path.name, entity: str = rule.entity
            ) -> None:
                if stage == "merge":  # inside the load's transaction
                    _fault(f"load:{i}")
                ctx.emit(Event("file", "load", text=f"{entity}: {name} · {stage}", done=i - 1, total=total))

            try:
                result = load_files(ctx.wh, rule.entity, [path], mapping=rule.mapping, progress=on_progress)
            except UserInputError as exc:
                dest = _move(path, cfg.failed, checksum)
                note = dest.with_name(dest.name + ".error.txt")
                note.write_text(f"{exc.message('zh')}\n{exc.message('en')}\n", encoding="utf-8")
                failed.append({**entry, "error_zh": exc.message("zh"), "error_en": exc.message("en")})
                ctx.store.step_progress(ctx.run_id, "load", {"files": entries, "failed": failed})
                continue
            entry.update(
                {k: v for k, v in result.to_dict().items() if k not in ("entity", "files")},
                already_loaded=False,
            )
        _move(path, cfg.done, checksum)
        entries.append(entry)
        ctx.store.step_progress(ctx.run_id, "load", {"files": entries, "failed": failed})
    ctx.emit(Event("file", "load", text="", done=total, total=total))
    new = [e for e in entries if not e.get("already_loaded")]
    detail = {
        "files": entries,
        "failed": failed,
        "unmatched": unmatched,
        "files_loaded": len(new),
        "rows_loaded": sum(int(e.get("rows_loaded", 0)) for e in new),
        "rows_updated": sum(int(e.get("rows_updated", 0)) for e in new),
        "rows_rejected": sum(int(e.get("rows_rejected", 0)) for e in new),
    }
    message = ""
    if failed:
        failed_names = ", ".join(f["file"] for f in failed)
        message = f"{len(failed)} file(s) could not be read ({failed_names}); moved to {cfg.failed}"
    return Outcome("done", detail, message)


def _step_rollups(ctx: _Context) -> Outcome:
    from chainsight.metrics import refresh_rollups

    return Outcome("done", {"result": _jsonable(refresh_rollups(ctx.wh))})


def _step_forecast(ctx: _Context) -> Outcome:
    from chainsight.planning import FORECAST_RUNS_TABLE, forecast, parse_level

    ctx.need_as_of()
    s = ctx.config.forecast
    wh = ctx.wh
    if wh.has_table(FORECAST_RUNS_TABLE):
        # A forecast with these settings stored after the latest load is current: do not make another.
        runs = wh.table(FORECAST_RUNS_TABLE)
        same = (
            (runs.level == ",".join(parse_level(s.level)))
            & (runs.bucket == s.bucket)
            & (runs.horizon == s.horizon)
        )
        loaded = wh.last_load_at()
        if loaded is not None:
            same &= runs.created_at >= loaded
        latest = wh.to_pyarrow(
            runs.filter(same).order_by(runs.created_at.desc()).select("version", "as_of").limit(1)
        )
        if latest.num_rows:
            row = latest.to_pylist()[0]
            return Outcome(
                "done", {"version": row["version"], "as_of": _jsonable(row["as_of"]), "up_to_date": True}
            )
    res = forecast(ctx.wh, s.level, s.bucket, s.horizon)
    accuracy = {a["level"]: {k: a.get(k) for k in ("wape", "mase", "bias", "fva")} for a in res.accuracy}
    return Outcome(
        "done",
        {
            "version": res.version,
            "as_of": res.as_of.isoformat(),
            "series": len({tuple(r[k] for k in res.level) for r in res.records}),
            "records": len(res.records),
            "accuracy": _jsonable(accuracy),
            "up_to_date": False,
        },
    )


def _step_plan(ctx: _Context) -> Outcome:
    from chainsight.planning import plan

    as_of = ctx.need_as_of()
    s = ctx.config.plan
    res = plan(ctx.wh, as_of=as_of, horizon=s.horizon, service_level=s.service_level)
    orders = res.order_records()
    exceptions = json.loads(res.exceptions.to_json(orient="records", date_format="iso", force_ascii=False))
    payload = {"as_of": as_of.isoformat(), "orders": orders, "exceptions": exceptions}
    path = ctx.config.output / "plan" / f"plan-{as_of.isoformat()}.json"
    _write_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1, default=str).encode())
    kinds: dict[str, int] = {}
    for o in orders:
        kinds[o["order_type"]] = kinds.get(o["order_type"], 0) + 1
    return Outcome(
        "done",
        {"file": str(path), "orders": len(orders), "by_type": kinds, "exceptions": len(exceptions)},
    )


def _step_alerts(ctx: _Context) -> Outcome:
    from chainsight.alerts import evaluate

    as_of = ctx.need_as_of()
    kwargs: dict[str, Any] = {"as_of": as_of}
    if "rules" in ctx.config.alerts:
        kwargs["rules"] = ctx.config.alerts["rules"]
    if ctx.config.alerts.get("freshness_on") == "business_date":
        kwargs["today"] = as_of
    result = evaluate(ctx.wh, ctx.appdb, **kwargs)
    return Outcome("done", {"result": _jsonable(result)})


def _step_deliver(ctx: _Context) -> Outcome:
    from chainsight.alerts import DeliveryConfig, deliver

    if not ctx.config.delivery:
        raise _Skip("配置中没有 delivery(推送渠道)", "no delivery channels in the config (delivery:)")
    result = deliver(ctx.appdb, DeliveryConfig.from_dict(ctx.config.delivery, file=ctx.config.source))
    message = (
        f"{result.dead} dead-lettered, {result.pending} pending (see chainsight alerts deliveries)"
        if result.dead or result.pending
        else ""
    )
    return Outcome("done", {"result": _jsonable(result)}, message)


def _step_report(ctx: _Context) -> Outcome:
    from chainsight.reports import render_weekly

    as_of = ctx.need_as_of()
    week = report_week(as_of)
    s = ctx.config.report
    folder = ctx.config.output / "reports"
    written = []
    for lang in s.langs:
        stem = folder / f"chainsight-weekly-{week}-{lang}"
        html = stem.with_suffix(".html") if "html" in s.formats else None
        pdf = stem.with_suffix(".pdf") if "pdf" in s.formats else None
        render_weekly(ctx.wh, week, lang=lang, html=html, pdf=pdf, appdb=ctx.appdb, top=s.top)
        written += [str(p) for p in (html, pdf) if p is not None]
    return Outcome("done", {"week": week, "files": written})


STEP_FUNCS: dict[str, Callable[[_Context], Outcome]] = {
    "load": _step_load,
    "rollups": _step_rollups,
    "forecast": _step_forecast,
    "plan": _step_plan,
    "alerts": _step_alerts,
    "deliver": _step_deliver,
    "report": _step_report,
}


# --------------------------------------------------------------------------- the run
def open_appdb(config: PipelineConfig, warehouse_path: str) -> AppDB:
    return AppDB(config.appdb or default_appdb_url(warehouse_path))


def run_pipeline(
    config: PipelineConfig,
    *,
    trigger: str = "manual",
    progress: Progress | None = None,
    appdb: AppDB | None = None,
) -> RunRecord:
    """Run (or resume) the pipeline once; returns the run record.

    A previous run that did not finish is resumed: its finished steps are not run again. A step
    that has nothing to work on is recorded as ``skipped`` with the reason.
    A step that raises is recorded as ``failed``, the run as ``failed``, and the error re-raised;
    the next call resumes at that step.
    """
    wh_path = resolve_warehouse_path(config.warehouse)
    own_db = appdb is None
    db = appdb or open_appdb(config, wh_path)
    store = RunStore(db)
    try:
        # The warehouse first: it takes DuckDB's write lock, so a second `chainsight run` started while
        # one is running stops here, before touching the run records.
        with Warehouse.open(wh_path) as wh:
            run_id = store.unfinished(config.resume_within_hours)
            if run_id is None:
                run_id = store.start(
                    config.steps, trigger=trigger, config_path=config.source, config_hash=config.digest
                )
            else:
                store.resume(run_id, config.steps)
            ctx = _Context(config, wh, db, store, run_id, progress)
            record = store.get(run_id)
            if record.as_of:
                ctx.as_of = dt.date.fromisoformat(record.as_of)
            elif "load" not in config.steps:
                _fix_as_of(ctx)  # no load step to fix the business date after: fix it now
            steps = sorted(
                (s for s in record.steps if s.step in config.steps), key=lambda s: STEPS.index(s.step)
            )
            for index, step in enumerate(steps):
                ctx.emit(Event("step", step.step, index=index, total=len(steps)))
                if step.state in ("done", "skipped"):
                    ctx.emit(
                        Event("step_end", step.step, index, len(steps), state=step.state, text="resumed")
                    )
                    if step.step == "load" and ctx.as_of is None:
                        _fix_as_of(ctx)
                    continue
                _fault(f"before:{step.step}")
                store.step_started(run_id, step.step)
                t0 = time.perf_counter()
                try:
                    outcome = STEP_FUNCS[step.step](ctx)
                except _Skip as skip:
                    outcome = Outcome("skipped", {"reason": {"zh": skip.zh, "en": skip.en}}, skip.en)
                except BaseException as exc:
                    text = (
                        exc.message("en")
                        if isinstance(exc, UserInputError)
                        else f"{type(exc).__name__}: {exc}"
                    )
                    store.step_finished(run_id, step.step, "failed", None, text)
                    store.finish(run_id, "failed", f"{step.step}: {text}")
                    ctx.emit(Event("step_end", step.step, index, len(steps), state="failed", text=text))
                    raise
                outcome.detail.setdefault("seconds", round(time.perf_counter() - t0, 2))
                store.step_finished(run_id, step.step, outcome.state, outcome.detail, outcome.message)
                if step.step == "load":
                    _fix_as_of(ctx)
                reason = outcome.detail.get("reason") or {}
                ctx.emit(
                    Event(
                        "step_end",
                        step.step,
                        index,
                        len(steps),
                        state=outcome.state,
                        text=outcome.message,
                        text_zh=reason.get("zh", ""),
                    )
                )
                _fault(f"after:{step.step}")
            problems = [
                f"{s.step}: {s.message}" for s in store.get(run_id).steps if s.state == "done" and s.message
            ]
            store.finish(run_id, "finished", "; ".join(problems))
        return store.get(run_id)
    finally:
        if own_db:
            db.close()


def _fix_as_of(ctx: _Context) -> None:
    """The run's business date, fixed once after loading so a resumed run reports on the same day."""
    day = latest_sales_day(ctx.wh)
    ctx.as_of = day
    ctx.store.set_as_of(ctx.run_id, day.isoformat() if day else None)


def list_runs(config: PipelineConfig, limit: int = 20) -> list[RunRecord]:
    """The latest runs, newest first."""
    db = open_appdb(config, resolve_warehouse_path(config.warehouse))
    try:
        return RunStore(db).list(limit)
    finally:
        db.close()


def step_label(step: str, lang: str) -> str:
    zh, en = STEP_LABELS[step]
    return zh if lang == "zh" else en
