"""Load and validate the metric catalog (YAML, one file per domain).

Every problem is reported as a :class:`DefinitionError` naming the file, the metric
and the field, e.g. ``sales.yaml: metric net_sales, field sources[1].filter: unknown
name 'stauts'``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chainsight._errors import DefinitionError
from chainsight.metrics._expr import ExprError, names, parse
from chainsight.metrics._reach import DIMENSIONS, VIEWS
from chainsight.metrics._spec import (
    Additivity,
    Agg,
    Catalog,
    Direction,
    Metric,
    MetricKind,
    NearExpiryBand,
    Source,
    Unit,
)
from chainsight.model import OWNER_ROLE_NAMES, Text, get_role

CATALOG_DIR = Path(__file__).parent / "catalog"
BANDS_FILE = "near_expiry_bands.yaml"
PERIOD_DAYS = "period_days"
# Files are read (and metrics listed) in the order a reader follows the business.
DOMAIN_ORDER = (
    "sales",
    "channels",
    "sell_through",
    "inventory",
    "shelf_life",
    "procurement",
    "production",
    "service",
    "forecast",
)  # name usable in derived expressions: days in the period queried

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_METRIC_KEYS = {
    "name",
    "label",
    "description",
    "unit",
    "good_direction",
    "owner",
    "kind",
    "sources",
    "base",
    "filter",
    "numerator",
    "denominator",
    "expression",
    "dimensions",
    "volume_metric",
}
_SOURCE_KEYS = {"entity", "measure", "agg", "filter", "date"}
_INLINE_KEYS = {"kind", "sources"}
_SENTENCE_EN = re.compile(r"[.!?](?=\s+[A-Z]|\s*$)")
_SENTENCE_ZH = re.compile(r"[。!?]")


class _Fail:
    """Raises DefinitionError with file, metric and field named, in both languages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def __call__(self, metric: str | None, fieldname: str, zh: str, en: str) -> DefinitionError:
        where_zh = f"指标 {metric},字段 {fieldname}" if metric else f"字段 {fieldname}"
        where_en = f"metric {metric}, field {fieldname}" if metric else f"field {fieldname}"
        return DefinitionError(
            f"{where_zh}:{zh}", f"{where_en}: {en}", file=self.file, metric=metric, field=fieldname
        )


def _text(fail: _Fail, metric: str, fieldname: str, raw: Any) -> Text:
    if not isinstance(raw, Mapping) or set(raw) != {"zh", "en"}:
        raise fail(metric, fieldname, "需要 zh 和 en 两种语言", "needs exactly zh and en")
    for lang in ("zh", "en"):
        if not isinstance(raw[lang], str) or not raw[lang].strip():
            raise fail(metric, f"{fieldname}.{lang}", "不能为空", "must be a non-empty text")
    return Text(raw["zh"].strip(), raw["en"].strip())


def _enum(fail: _Fail, metric: str, fieldname: str, raw: Any, enum: Any) -> Any:
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise fail(
            metric, fieldname, f"“{raw}” 不是允许值({allowed})", f"'{raw}' is not one of: {allowed}"
        ) from None


def _expr(fail: _Fail, metric: str, fieldname: str, raw: Any, allowed: frozenset[str], what: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise fail(metric, fieldname, "需要一个表达式", "needs an expression")
    try:
        node = parse(raw)
    except ExprError as exc:
        raise fail(metric, fieldname, f"表达式无效:{exc}", f"invalid expression: {exc}") from None
    for name in names(node):
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise fail(
                metric,
                fieldname,
                f"未知名称 “{name}”;{what} 可用:{known}",
                f"unknown name '{name}'; {what} has: {known}",
            )
    return raw.strip()


def _sources(fail: _Fail, metric: str, prefix: str, raw: Any, kind: MetricKind) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail(metric, prefix, "需要至少一个数据来源", "needs a list of at least one source")
    out = []
    for i, src in enumerate(raw):
        f = f"{prefix}[{i}]"
        if not isinstance(src, Mapping):
            raise fail(metric, f, "必须是映射", "must be a mapping")
        for key in src:
            if key not in _SOURCE_KEYS:
                raise fail(
                    metric,
                    f"{f}.{key}",
                    "未知字段",
                    f"unknown field; allowed: {', '.join(sorted(_SOURCE_KEYS))}",
                )
        entity = src.get("entity")
        if entity not in VIEWS:
            known = ", ".join(sorted(VIEWS))
            raise fail(
                metric,
                f"{f}.entity",
                f"未知实体 “{entity}”;可用:{known}",
                f"unknown entity '{entity}'; known: {known}",
            )
        view = VIEWS[entity]
        agg = _enum(fail, metric, f"{f}.agg", src.get("agg", "sum"), Agg)
        measure = src.get("measure")
        if measure is None and agg is not Agg.COUNT:
            raise fail(
                metric, f"{f}.measure", f"聚合 {agg.value} 需要 measure", f"agg {agg.value} needs a measure"
            )
        if measure is not None:
            measure = _expr(fail, metric, f"{f}.measure", str(measure), view.names, entity)
        flt = src.get("filter")
        if flt is not None:
            flt = _expr(fail, metric, f"{f}.filter", flt, view.names, entity)
        date = src.get("date")
        if date is not None:
            date = _expr(fail, metric, f"{f}.date", date, view.names, entity)
        if kind is MetricKind.SEMI_ADDITIVE and view.date is None and date is None:
            raise fail(
                metric,
                f"{f}.entity",
                f"{entity} 没有日期,不能做半可加",
                f"{entity} has no dates; cannot be semi-additive",
            )
        out.append(Source(entity, agg, measure, flt, date))
    if len(out) > 1 and any(s.agg in (Agg.AVG, Agg.MIN, Agg.MAX) for s in out):
        raise fail(
            metric,
            prefix,
            "多个来源只能用 sum、count 或 count_distinct",
            "several sources need sum, count or count_distinct",
        )
    if len(out) > 1 and len({s.agg for s in out}) > 1:
        raise fail(metric, prefix, "多个来源必须用同一种聚合", "several sources must use the same agg")
    if any(VIEWS[s.entity].date is None and s.date is None for s in out) and len(out) > 1:
        raise fail(
            metric,
            prefix,
            "没有日期的实体不能与其他来源合并",
            "an entity without dates cannot be combined with others",
        )
    return tuple(out)


def _sentences(text: str, pattern: re.Pattern[str]) -> int:
    return max(1, len(pattern.findall(text)))


def _formula(m: dict[str, Any]) -> Text:
    """The formula in words, generated from the definition (so it can never disagree with it)."""
    kind = m["kind"]
    if kind in (MetricKind.AGGREGATE, MetricKind.SEMI_ADDITIVE):
        zh_parts, en_parts = [], []
        for s in m["sources"]:
            what = f"{s.entity}.{s.measure}" if s.measure else f"{s.entity} rows"
            what_zh = f"{s.entity}.{s.measure}" if s.measure else f"{s.entity} 行数"
            agg_en = {
                "sum": "Σ",
                "count": "count of",
                "count_distinct": "distinct count of",
                "avg": "average of",
                "min": "min of",
                "max": "max of",
            }[s.agg.value]
            agg_zh = {
                "sum": "Σ",
                "count": "计数",
                "count_distinct": "去重计数",
                "avg": "平均",
                "min": "最小",
                "max": "最大",
            }[s.agg.value]
            en = f"{agg_en} {what}" if s.agg is not Agg.COUNT else f"count of {s.entity} rows"
            zh = f"{agg_zh} {what_zh}" if s.agg is not Agg.COUNT else f"{s.entity} 行数"
            if s.filter:
                en += f" where {s.filter}"
                zh += f"(条件:{s.filter})"
            en_parts.append(en)
            zh_parts.append(zh)
        en, zh = " + ".join(en_parts), " + ".join(zh_parts)
        if kind is MetricKind.SEMI_ADDITIVE:
            en = f"at the latest snapshot date in each period: {en}"
            zh = f"每个期间取最新快照日:{zh}"
        return Text(zh, en)
    if kind is MetricKind.RATIO:
        num, den = m["numerator_text"], m["denominator_text"]
        return Text(f"{num.zh} ÷ {den.zh}", f"{num.en} ÷ {den.en}")
    text = m["expression"].replace("/", "÷").replace("*", "×")
    return Text(text, text)


def _load_bands(path: Path) -> tuple[NearExpiryBand, ...]:
    fail = _Fail(path.name)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = raw.get("bands") if isinstance(raw, Mapping) else None
    if not isinstance(rows, list) or not rows:
        raise fail(None, "bands", "需要临期阈值列表", "needs a list of near-expiry bands")
    bands = []
    for i, row in enumerate(rows):
        f = f"bands[{i}]"
        if not isinstance(row, Mapping) or set(row) != {"min_shelf_life_days", "days_before_expiry", "label"}:
            raise fail(
                None,
                f,
                "需要 min_shelf_life_days、days_before_expiry、label",
                "needs min_shelf_life_days, days_before_expiry and label",
            )
        lo, days = row["min_shelf_life_days"], row["days_before_expiry"]
        if not isinstance(lo, int) or not isinstance(days, int) or lo < 0 or days <= 0:
            raise fail(None, f, "天数必须是非负整数", "days must be non-negative integers")
        bands.append(NearExpiryBand(lo, days, _text(fail, "", f"{f}.label", row["label"])))
    if [b.min_shelf_life_days for b in bands] != sorted({b.min_shelf_life_days for b in bands}, reverse=True):
        raise fail(
            None,
            "bands",
            "必须按保质期从长到短排列且不重复",
            "must be ordered from longest shelf life down, no repeats",
        )
    if bands[-1].min_shelf_life_days != 0:
        raise fail(None, "bands", "最后一档必须从 0 天开始", "the last band must start at 0 days")
    # each band ends where the next longer one starts
    uppers = [None, *(b.min_shelf_life_days for b in bands[:-1])]
    return tuple(dataclasses.replace(b, max_shelf_life_days=up) for b, up in zip(bands, uppers, strict=True))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate every ``*.yaml`` metric file in ``path`` (default: the built-in catalog).

    >>> cat = load_catalog()
    >>> cat.get("net_sales").label.en
    'Net sales'
    >>> len(cat) >= 60
    True
    """
    folder = Path(path) if path is not None else CATALOG_DIR
    if path is None:
        return _builtin()
    return _load(folder)


@cache
def _builtin() -> Catalog:
    return _load(CATALOG_DIR)


def _load(folder: Path) -> Catalog:
    bands_path = folder / BANDS_FILE
    bands = _load_bands(bands_path if bands_path.exists() else CATALOG_DIR / BANDS_FILE)
    raw_metrics: list[tuple[_Fail, str, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    files = sorted(
        (p for p in folder.glob("*.yaml") if p.name != BANDS_FILE),
        key=lambda p: (DOMAIN_ORDER.index(p.stem) if p.stem in DOMAIN_ORDER else len(DOMAIN_ORDER), p.name),
    )
    if not files:
        raise DefinitionError(
            f"目录中没有指标文件:{folder}", f"no metric files in {folder}", file=str(folder)
        )
    for file in files:
        fail = _Fail(file.name)
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark is not None else ""
            raise fail(None, f"yaml{line}", f"YAML 语法错误:{exc}", f"YAML syntax error: {exc}") from None
        if not isinstance(doc, Mapping) or set(doc) != {"domain", "metrics"}:
            raise fail(
                None,
                "(top)",
                "文件需要 domain 和 metrics 两项",
                "a metric file needs exactly: domain, metrics",
            )
        domain = doc["domain"]
        if not isinstance(domain, str) or not _SNAKE.match(domain):
            raise fail(None, "domain", "domain 必须是 snake_case", "domain must be snake_case")
        if not isinstance(doc["metrics"], list):
            raise fail(None, "metrics", "必须是列表", "must be a list")
        for i, m in enumerate(doc["metrics"]):
            if not isinstance(m, Mapping):
                raise fail(None, f"metrics[{i}]", "必须是映射", "must be a mapping")
            name = m.get("name")
            if not isinstance(name, str) or not _SNAKE.match(name) or "__" in name:
                raise fail(str(name), "name", "名称必须是 snake_case", "name must be snake_case")
            if name in seen:
                raise fail(
                    name, "name", f"与 {seen[name]} 中的指标重名", f"defined twice (also in {seen[name]})"
                )
            seen[name] = file.name
            for key in m:
                if key not in _METRIC_KEYS:
                    raise fail(
                        name,
                        str(key),
                        "未知字段",
                        f"unknown field; allowed: {', '.join(sorted(_METRIC_KEYS))}",
                    )
            raw_metrics.append((fail, domain, {**m, "_file": file.name}))
    return _resolve(raw_metrics, bands)


def _resolve(
    raw_metrics: list[tuple[_Fail, str, dict[str, Any]]], bands: tuple[NearExpiryBand, ...]
) -> Catalog:
    by_name = {m["name"]: (fail, domain, m) for fail, domain, m in raw_metrics}
    built: dict[str, Metric] = {}
    deps: dict[str, tuple[str, ...]] = {}
    visiting: list[str] = []

    def build(name: str) -> Metric:
        if name in built:
            return built[name]
        fail, domain, m = by_name[name]
        if name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(name) :], name])
            raise fail(name, "expression", f"循环引用:{cycle}", f"circular definition: {cycle}")
        visiting.append(name)
        try:
            metric = _build_one(fail, domain, m, build, built, deps, frozenset(by_name))
        finally:
            visiting.pop()
        built[name] = metric
        return metric

    for name in by_name:
        build(name)
    ordered = {m["name"]: built[m["name"]] for _, _, m in raw_metrics}
    ordered.update({k: v for k, v in built.items() if k not in ordered})
    return Catalog(ordered, bands, deps)


def _build_one(
    fail: _Fail,
    domain: str,
    m: dict[str, Any],
    build: Any,
    built: dict[str, Metric],
    deps: dict[str, tuple[str, ...]],
    all_names: frozenset[str],
) -> Metric:
    name: str = m["name"]
    file: str = m["_file"]
    for key in ("label", "description", "unit", "good_direction", "owner"):
        if key not in m:
            raise fail(name, key, "缺少必填字段", "required field is missing")
    label = _text(fail, name, "label", m["label"])
    description = _text(fail, name, "description", m["description"])
    if _sentences(description.en, _SENTENCE_EN) > 3 or _sentences(description.zh, _SENTENCE_ZH) > 3:
        raise fail(name, "description", "说明最多三句话", "at most three sentences")
    unit = _enum(fail, name, "unit", m["unit"], Unit)
    direction = _enum(fail, name, "good_direction", m["good_direction"], Direction)
    try:  # a former name (supply_planner ...) loads as the current one
        owner = get_role(str(m["owner"]), kind="owner").name
    except DefinitionError:
        raise fail(
            name,
            "owner",
            f"未知角色 “{m['owner']}”",
            f"unknown owner role '{m['owner']}'; known: {', '.join(OWNER_ROLE_NAMES)}",
        ) from None

    def lookup(ref: Any, fieldname: str) -> Metric:
        if not isinstance(ref, str) or ref not in all_names:
            raise fail(name, fieldname, f"未知指标 “{ref}”", f"unknown metric '{ref}'")
        return build(ref)

    base = None
    if "base" in m:
        base = lookup(m["base"], "base")
        if not base.is_leaf:
            raise fail(
                name,
                "base",
                "base 必须是汇总或半可加指标",
                "base must be an aggregate or semi_additive metric",
            )
    kind = _enum(fail, name, "kind", m.get("kind", base.kind.value if base else None), MetricKind)
    sources: tuple[Source, ...] = ()
    numerator = denominator = expression = None
    reach: frozenset[str]
    fields: dict[str, Any] = {"kind": kind}
    if kind in (MetricKind.AGGREGATE, MetricKind.SEMI_ADDITIVE):
        for key in ("numerator", "denominator", "expression"):
            if key in m:
                raise fail(
                    name, key, f"{kind.value} 指标不能有此字段", f"not allowed for a {kind.value} metric"
                )
        if base is not None:
            if "sources" in m:
                raise fail(
                    name, "sources", "有 base 时不能再写 sources", "give either base or sources, not both"
                )
            if base.kind is not kind:
                raise fail(name, "kind", "必须与 base 的类型一致", "must match the kind of base")
            extra = m.get("filter")
            sources = tuple(_restrict(fail, name, s, extra) for s in base.sources)
        else:
            if "filter" in m:
                raise fail(name, "filter", "filter 只能与 base 一起使用", "filter is only used with base")
            sources = _sources(fail, name, "sources", m.get("sources"), kind)
        reach = frozenset.intersection(*(VIEWS[s.entity].dimensions for s in sources))
        deps[name] = ()
        fields["sources"] = sources
    elif kind is MetricKind.RATIO:
        for key in ("sources", "expression", "base", "filter"):
            if key in m:
                raise fail(name, key, "比率指标不能有此字段", "not allowed for a ratio metric")
        parts = []
        for key in ("numerator", "denominator"):
            if key not in m:
                raise fail(name, key, "比率指标需要此字段", "a ratio metric needs this field")
            ref = m[key]
            if isinstance(ref, Mapping):
                part = _inline(fail, domain, file, name, key, ref, label, unit, direction, owner)
                built[part.name] = part
                deps[part.name] = ()
            else:
                part = lookup(ref, key)
            parts.append(part)
        numerator, denominator = parts[0].name, parts[1].name
        reach = parts[0].dimensions & parts[1].dimensions
        deps[name] = (numerator, denominator)
        fields["numerator_text"] = _part_text(parts[0])
        fields["denominator_text"] = _part_text(parts[1])
    else:
        for key in ("sources", "numerator", "denominator", "base", "filter"):
            if key in m:
                raise fail(name, key, "派生指标不能有此字段", "not allowed for a derived metric")
        expression = _expr(
            fail, name, "expression", m.get("expression"), all_names | {PERIOD_DAYS}, "the catalog"
        )
        refs = [n for n in names(parse(expression)) if n != PERIOD_DAYS]
        if not refs:
            raise fail(name, "expression", "至少引用一个指标", "must refer to at least one metric")
        parts = [build(r) for r in refs]
        reach = frozenset.intersection(*(p.dimensions for p in parts))
        deps[name] = tuple(refs)
        fields["expression"] = expression
    dims = m.get("dimensions")
    if dims is None:
        dimensions = reach
    else:
        if not isinstance(dims, list) or not all(isinstance(d, str) for d in dims):
            raise fail(name, "dimensions", "必须是维度名称列表", "must be a list of dimension names")
        for d in dims:
            if d not in DIMENSIONS:
                raise fail(
                    name,
                    "dimensions",
                    f"未知维度 “{d}”",
                    f"unknown dimension '{d}'; known: {', '.join(DIMENSIONS)}",
                )
            if d not in reach:
                raise fail(
                    name,
                    "dimensions",
                    f"数据来源无法关联到维度 “{d}”",
                    f"its sources cannot reach dimension '{d}'",
                )
        dimensions = frozenset(dims)
    volume = m.get("volume_metric")
    if volume is not None:
        vm = lookup(volume, "volume_metric")
        if vm.additivity is not Additivity.ADDITIVE or kind is not MetricKind.AGGREGATE:
            raise fail(
                name,
                "volume_metric",
                "销量指标和本指标都必须是可加汇总",
                "both this metric and its volume metric must be additive aggregates",
            )
        if not dimensions <= vm.dimensions:
            raise fail(
                name,
                "volume_metric",
                "销量指标必须支持本指标的全部维度",
                "the volume metric must allow every dimension of this metric",
            )
    return Metric(
        name=name,
        domain=domain,
        file=file,
        label=label,
        description=description,
        kind=kind,
        unit=unit,
        good_direction=direction,
        owner=owner,
        dimensions=dimensions,
        additivity=_additivity(kind, sources),
        formula=_formula({**fields, "expression": expression or ""}),
        sources=sources,
        numerator=numerator,
        denominator=denominator,
        expression=expression,
        volume_metric=volume,
    )


def _part_text(metric: Metric) -> Text:
    """A named part reads as its name; an inline part as its own formula, in brackets when compound."""
    if not metric.hidden:
        return Text(metric.name, metric.name)
    zh, en = metric.formula.zh, metric.formula.en
    return Text(f"({zh})" if " " in zh else zh, f"({en})" if " " in en else en)


def _inline(
    fail: _Fail,
    domain: str,
    file: str,
    parent: str,
    key: str,
    raw: Mapping[str, Any],
    label: Text,
    unit: Unit,
    direction: Direction,
    owner: str,
) -> Metric:
    for k in raw:
        if k not in _INLINE_KEYS:
            raise fail(
                parent, f"{key}.{k}", "未知字段", f"unknown field; allowed: {', '.join(sorted(_INLINE_KEYS))}"
            )
    kind = _enum(fail, parent, f"{key}.kind", raw.get("kind", "aggregate"), MetricKind)
    if kind not in (MetricKind.AGGREGATE, MetricKind.SEMI_ADDITIVE):
        raise fail(
            parent,
            f"{key}.kind",
            "内联部分必须是汇总或半可加",
            "an inline part must be aggregate or semi_additive",
        )
    sources = _sources(fail, parent, f"{key}.sources", raw.get("sources"), kind)
    part = {"kind": kind, "sources": sources}
    return Metric(
        name=f"{parent}__{key}",
        domain=domain,
        file=file,
        label=Text(f"{label.zh}({'分子' if key == 'numerator' else '分母'})", f"{label.en} ({key})"),
        description=Text("比率的组成部分", f"The {key} of {parent}"),
        kind=kind,
        unit=unit,
        good_direction=direction,
        owner=owner,
        dimensions=frozenset.intersection(*(VIEWS[s.entity].dimensions for s in sources)),
        additivity=_additivity(kind, sources),
        formula=_formula(part),
        sources=sources,
        hidden=True,
    )


def _restrict(fail: _Fail, name: str, source: Source, extra: Any) -> Source:
    if extra is None:
        raise fail(name, "filter", "有 base 时需要 filter", "a metric with base needs a filter")
    flt = _expr(fail, name, "filter", extra, VIEWS[source.entity].names, source.entity)
    combined = f"({source.filter}) and ({flt})" if source.filter else flt
    return Source(source.entity, source.agg, source.measure, combined, source.date)


def _additivity(kind: MetricKind, sources: tuple[Source, ...]) -> Additivity:
    if kind is MetricKind.RATIO:
        return Additivity.RATIO
    if kind is MetricKind.DERIVED:
        return Additivity.NON_ADDITIVE
    if any(s.agg not in (Agg.SUM, Agg.COUNT) for s in sources):
        return Additivity.NON_ADDITIVE
    return Additivity.SEMI_ADDITIVE if kind is MetricKind.SEMI_ADDITIVE else Additivity.ADDITIVE
