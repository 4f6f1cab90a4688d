"""The pipeline's configuration: a YAML file validated into a frozen spec, with precise errors.

Every relative path in the file is relative to the file's own folder, so a config and its inbox
can move together. A mistake names the file, the field (``files[3].entity``) and what to do.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chainsight._errors import DefinitionError, UserInputError
from chainsight.ingest import Mapping
from chainsight.model import ENTITIES

STEPS: tuple[str, ...] = ("load", "rollups", "forecast", "plan", "alerts", "deliver", "report")
STEP_LABELS: dict[str, tuple[str, str]] = {
    "load": ("加载收件箱文件", "Load inbox files"),
    "rollups": ("刷新汇总表", "Refresh rollups"),
    "forecast": ("需求预测", "Forecast demand"),
    "plan": ("供应计划", "Plan supply"),
    "alerts": ("评估预警", "Evaluate alerts"),
    "deliver": ("推送预警", "Deliver alerts"),
    "report": ("生成经营周报", "Write reports"),
}
ENV_CONFIG = "CHAINSIGHT_CONFIG"
DEFAULT_CONFIG = "chainsight.yaml"

_TOP_KEYS = {
    "resume_within_hours",
    "warehouse",
    "appdb",
    "inbox",
    "done",
    "failed",
    "output",
    "schedule",
    "timezone",
    "steps",
    "files",
    "forecast",
    "plan",
    "alerts",
    "delivery",
    "report",
}
_FILE_KEYS = {"pattern", "entity", "mapping"}
_FORECAST_KEYS = {"level", "bucket", "horizon"}
_PLAN_KEYS = {"horizon", "service_level"}
_REPORT_KEYS = {"langs", "formats", "top"}


@dataclass(frozen=True, slots=True)
class FileRule:
    """Files whose name matches ``pattern`` (a glob, case-insensitive) are loaded as ``entity``."""

    pattern: str
    entity: str
    mapping: Mapping | None = None

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatch(name.lower(), self.pattern.lower())


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    level: str = "sku"
    bucket: str = "week"
    horizon: int = 13


@dataclass(frozen=True, slots=True)
class PlanSettings:
    horizon: int = 13
    service_level: float = 0.95


@dataclass(frozen=True, slots=True)
class ReportSettings:
    langs: tuple[str, ...] = ("zh", "en")
    formats: tuple[str, ...] = ("html", "pdf")
    top: int = 10


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """A validated pipeline configuration. Build it with :func:`load_config` or :meth:`from_dict`.

    >>> cfg = PipelineConfig.from_dict({"inbox": "in", "files": [{"pattern": "*.csv", "entity": "sell_in"}]},
    ...                                base="/data")
    >>> cfg.inbox, cfg.done, cfg.rule_for("sell_in_2025-06-01.csv").entity
    (PosixPath('/data/in'), PosixPath('/data/in/done'), 'sell_in')
    """

    inbox: Path
    done: Path
    failed: Path
    output: Path
    files: tuple[FileRule, ...]
    warehouse: str | None = None
    appdb: str | None = None
    schedule: str | None = None
    timezone: str | None = None
    steps: tuple[str, ...] = STEPS
    forecast: ForecastSettings = ForecastSettings()
    plan: PlanSettings = PlanSettings()
    report: ReportSettings = ReportSettings()
    alerts: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    delivery: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    resume_within_hours: float = 20.0
    source: str = ""
    digest: str = ""

    def rule_for(self, name: str) -> FileRule | None:
        """The first rule whose pattern matches the file name, or None."""
        return next((r for r in self.files if r.matches(name)), None)

    @classmethod
    def from_dict(cls, data: Any, *, base: str | Path = ".", source: str = "config") -> PipelineConfig:
        """Validate a parsed YAML document; ``base`` is the folder relative paths start from."""
        fail = _Fail(source)
        if not isinstance(data, dict):
            raise fail("(root)", "配置必须是键值对象", "the config must be a key: value object")
        _unknown(fail, "", data, _TOP_KEYS)
        base_dir = Path(base)

        def path(key: str, default: str | Path | None) -> Path:
            raw = data.get(key, default)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                raise fail(key, "必须是文件夹路径", "must be a folder path")
            if not isinstance(raw, str | Path):
                raise fail(key, "必须是文件夹路径", "must be a folder path")
            p = Path(os.path.expanduser(str(raw)))
            return p if p.is_absolute() else base_dir / p

        if "inbox" not in data:
            raise fail("inbox", "缺少收件箱文件夹(inbox)", "missing: the inbox folder to pick files up from")
        inbox = path("inbox", None)
        done = path("done", inbox / "done")
        failed = path("failed", inbox / "failed")
        output = path("output", "output")

        warehouse = data.get("warehouse")
        if warehouse is not None:
            if not isinstance(warehouse, str) or not warehouse.strip():
                raise fail("warehouse", "必须是仓库文件路径", "must be a warehouse file path")
            wp = Path(os.path.expanduser(warehouse))
            warehouse = str(wp if wp.is_absolute() or warehouse == ":memory:" else base_dir / wp)
        appdb = data.get("appdb")
        if appdb is not None and (not isinstance(appdb, str) or "://" not in appdb):
            raise fail(
                "appdb",
                "必须是 SQLAlchemy URL,如 sqlite:///app.sqlite",
                "must be a SQLAlchemy URL, e.g. sqlite:///app.sqlite",
            )

        schedule = data.get("schedule")
        if schedule is not None:
            schedule = _cron(fail, schedule)
        timezone = data.get("timezone")
        if timezone is not None:
            timezone = _timezone(fail, timezone)

        steps = _steps(fail, data.get("steps", list(STEPS)))
        # Without the load step (e.g. the demo, loaded by `chainsight demo run`) no file rules are needed.
        rules = _rules(fail, data.get("files"), base_dir) if "load" in steps or data.get("files") else ()
        forecast = _forecast(fail, data.get("forecast") or {})
        plan = _plan(fail, data.get("plan") or {})
        report = _report(fail, data.get("report") or {})
        alerts = data.get("alerts") or {}
        if not isinstance(alerts, dict):
            raise fail("alerts", "必须是键值对象", "must be a key: value object")
        _unknown(fail, "alerts.", alerts, {"rules", "freshness_on"})
        if alerts.get("freshness_on", "today") not in ("today", "business_date"):
            raise fail(
                "alerts.freshness_on",
                "必须是 today(按实际日期判断数据是否新鲜)或 business_date(按本次运行的业务日期)",
                "must be today (judge data freshness against the real date) or business_date "
                "(against the run's business date)",
            )
        if "rules" in alerts:
            alerts = {**alerts, "rules": str(base_dir / str(alerts["rules"]))}
        delivery = data.get("delivery")
        if delivery is not None:
            if not isinstance(delivery, dict):
                raise fail("delivery", "必须是键值对象", "must be a key: value object")
            _check_delivery(fail, delivery, source)
        resume = data.get("resume_within_hours", 20)
        if isinstance(resume, bool) or not isinstance(resume, int | float) or resume <= 0:
            raise fail(
                "resume_within_hours",
                "必须是正数(小时)",
                "must be a positive number of hours",
                value=resume,
            )
        digest = hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        return cls(
            inbox=inbox,
            done=done,
            failed=failed,
            output=output,
            files=rules,
            warehouse=warehouse,
            appdb=appdb,
            schedule=schedule,
            timezone=timezone,
            steps=steps,
            forecast=forecast,
            plan=plan,
            report=report,
            alerts=alerts,
            delivery=delivery,
            resume_within_hours=float(resume),
            source=source,
            digest=digest,
        )


def resolve_config_path(path: str | os.PathLike[str] | None) -> Path:
    """``path``, else $CHAINSIGHT_CONFIG, else ./chainsight.yaml."""
    return Path(path or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> PipelineConfig:
    """Read and validate a pipeline config (YAML). Raises DefinitionError naming file and field."""
    p = resolve_config_path(path)
    if not p.is_file():
        raise UserInputError(
            "找不到流水线配置文件;用 --config 指定,或参考 examples/chainsight.yaml",
            "pipeline config not found; pass --config, or start from examples/chainsight.yaml",
            file=str(p),
        )
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DefinitionError(
            f"不是有效的 YAML{where}:{getattr(exc, 'problem', exc)}",
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            file=str(p),
        ) from None
    except UnicodeDecodeError:
        raise DefinitionError(
            "配置文件必须是 UTF-8 编码", "the config file must be UTF-8", file=str(p)
        ) from None
    return PipelineConfig.from_dict(data, base=p.resolve().parent, source=str(p))


# --------------------------------------------------------------------------- validation helpers
class _Fail:
    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, fieldname: str, zh: str, en: str, **context: Any) -> DefinitionError:
        return DefinitionError(
            f"字段 {fieldname}: {zh}",
            f"field {fieldname}: {en}",
            file=self.source,
            field=fieldname,
            **context,
        )


def _unknown(fail: _Fail, prefix: str, data: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(str(k) for k in set(data) - known)
    if not unknown:
        return
    key = unknown[0]
    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint_zh = f";是否想写 {close[0]}" if close else ""
    hint_en = f"; did you mean {close[0]}" if close else ""
    raise fail(
        prefix + key,
        f"未知字段{hint_zh}(可用:{', '.join(sorted(known))})",
        f"unknown field{hint_en} (known: {', '.join(sorted(known))})",
    )


def _cron(fail: _Fail, raw: Any) -> str:
    from croniter import croniter

    if not isinstance(raw, str) or not croniter.is_valid(raw.strip()):
        raise fail(
            "schedule",
            f"“{raw}” 不是有效的 cron 表达式(分 时 日 月 周,如 “30 6 * * *” 表示每天 6:30)",
            f"'{raw}' is not a valid cron expression (minute hour day month weekday, e.g. '30 6 * * *' = daily 06:30)",
            value=raw,
        )
    return raw.strip()


def _timezone(fail: _Fail, raw: Any) -> str:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(raw))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail(
            "timezone",
            f"未知时区 “{raw}”(如 Asia/Shanghai)",
            f"unknown time zone '{raw}' (e.g. Asia/Shanghai)",
            value=raw,
        ) from None
    return str(raw)


def _steps(fail: _Fail, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail(
            "steps", f"必须是步骤列表,可用:{', '.join(STEPS)}", f"must be a list of steps: {', '.join(STEPS)}"
        )
    for i, s in enumerate(raw):
        if s not in STEPS:
            close = difflib.get_close_matches(str(s), STEPS, n=1)
            hint = f"; did you mean {close[0]}" if close else ""
            raise fail(
                f"steps[{i}]",
                f"未知步骤 “{s}”,可用:{', '.join(STEPS)}",
                f"unknown step '{s}'{hint}; steps: {', '.join(STEPS)}",
                value=s,
            )
    if len(set(raw)) != len(raw):
        raise fail("steps", "步骤重复", "a step is listed twice")
    # steps always run in the pipeline's order, whatever order the file lists them in
    return tuple(s for s in STEPS if s in raw)


def _rules(fail: _Fail, raw: Any, base: Path) -> tuple[FileRule, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail(
            "files",
            "需要至少一条 文件名模式 → 实体 的规则",
            "needs at least one rule: a file-name pattern and the entity it loads as",
        )
    rules = []
    for i, item in enumerate(raw):
        where = f"files[{i}]"
        if not isinstance(item, dict):
            raise fail(
                where, "必须是含 pattern 与 entity 的对象", "must be an object with pattern and entity"
            )
        _unknown(fail, where + ".", item, _FILE_KEYS)
        pattern = item.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip() or "/" in pattern:
            raise fail(
                where + ".pattern",
                "必须是文件名模式,如 sell_in_*.csv(不含路径)",
                "must be a file-name glob such as sell_in_*.csv (no folders)",
                value=pattern,
            )
        entity = item.get("entity")
        if entity not in ENTITIES:
            close = difflib.get_close_matches(str(entity), sorted(ENTITIES), n=1)
            hint_zh = f";是否想写 {close[0]}" if close else ""
            hint_en = f"; did you mean {close[0]}" if close else ""
            raise fail(
                where + ".entity",
                f"未知实体 “{entity}”{hint_zh}(见 chainsight entities)",
                f"unknown entity '{entity}'{hint_en} (see chainsight entities)",
                value=entity,
            )
        mapping = _mapping(fail, where + ".mapping", item.get("mapping"), base)
        if mapping is not None:
            try:
                mapping.validate_for(ENTITIES[entity])
            except UserInputError as exc:
                raise fail(where + ".mapping", exc.zh, exc.en) from None
        rules.append(FileRule(pattern.strip(), entity, mapping))
    return tuple(rules)


def _mapping(fail: _Fail, where: str, raw: Any, base: Path) -> Mapping | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        p = Path(os.path.expanduser(raw))
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise fail(where, f"找不到映射文件 {p}", f"mapping file {p} not found", value=raw)
        try:
            return Mapping.from_yaml(p)
        except UserInputError as exc:
            raise fail(where, exc.message("zh"), exc.message("en")) from None
    if isinstance(raw, dict):
        try:
            return Mapping.from_dict(raw, source=where)
        except UserInputError as exc:
            raise fail(where, exc.zh, exc.en) from None
    raise fail(
        where, "必须是映射文件路径或内联映射对象", "must be a mapping file path or an inline mapping object"
    )


def _int(fail: _Fail, where: str, raw: Any, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
        raise fail(where, f"必须是 {lo}–{hi} 的整数", f"must be a whole number from {lo} to {hi}", value=raw)
    return raw


def _forecast(fail: _Fail, raw: Any) -> ForecastSettings:
    if not isinstance(raw, dict):
        raise fail("forecast", "必须是键值对象", "must be a key: value object")
    _unknown(fail, "forecast.", raw, _FORECAST_KEYS)
    from chainsight.planning import parse_level

    level = raw.get("level", "sku")
    try:
        parse_level(level)
    except UserInputError as exc:
        raise fail("forecast.level", exc.zh, exc.en, value=level) from None
    bucket = raw.get("bucket", "week")
    if bucket not in ("week", "month"):
        raise fail("forecast.bucket", "必须是 week 或 month", "must be week or month", value=bucket)
    horizon = _int(fail, "forecast.horizon", raw.get("horizon", 13 if bucket == "week" else 6), 1, 104)
    return ForecastSettings(str(level), bucket, horizon)


def _plan(fail: _Fail, raw: Any) -> PlanSettings:
    if not isinstance(raw, dict):
        raise fail("plan", "必须是键值对象", "must be a key: value object")
    _unknown(fail, "plan.", raw, _PLAN_KEYS)
    horizon = _int(fail, "plan.horizon", raw.get("horizon", 13), 1, 104)
    level = raw.get("service_level", 0.95)
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.5 <= float(level) < 1:
        raise fail(
            "plan.service_level",
            "必须是 0.5 到 1 之间的小数,如 0.95",
            "must be a fraction from 0.5 to 1, e.g. 0.95",
        )
    return PlanSettings(horizon, float(level))


def _report(fail: _Fail, raw: Any) -> ReportSettings:
    if not isinstance(raw, dict):
        raise fail("report", "必须是键值对象", "must be a key: value object")
    _unknown(fail, "report.", raw, _REPORT_KEYS)
    langs = raw.get("langs", ["zh", "en"])
    if not isinstance(langs, list) or not langs or any(x not in ("zh", "en") for x in langs):
        raise fail("report.langs", "必须是 zh、en 的列表", "must be a list of zh and/or en", value=langs)
    formats = raw.get("formats", ["html", "pdf"])
    if not isinstance(formats, list) or not formats or any(x not in ("html", "pdf") for x in formats):
        raise fail(
            "report.formats", "必须是 html、pdf 的列表", "must be a list of html and/or pdf", value=formats
        )
    top = _int(fail, "report.top", raw.get("top", 10), 1, 100)
    return ReportSettings(tuple(dict.fromkeys(langs)), tuple(dict.fromkeys(formats)), top)


def _check_delivery(fail: _Fail, delivery: dict[str, Any], source: str) -> None:
    """Validate delivery settings with the alerts package's own spec when it is installed."""
    try:
        from chainsight.alerts import DeliveryConfig  # type: ignore[attr-defined]
    except ImportError:
        return
    DeliveryConfig.from_dict(delivery, file=source)  # its errors name the file and the field
