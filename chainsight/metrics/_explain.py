"""Explain — "why did this number move?": exact decomposition, top drivers, a summary in zh and en."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from chainsight._errors import UserInputError
from chainsight.metrics import _decompose as dec
from chainsight.metrics._catalog import load_catalog
from chainsight.metrics._format import format_change, format_value
from chainsight.metrics._periods import add_years, parse_period, period_end, period_label, shift
from chainsight.metrics._query import _as_list, _internal_query, _norm_dim
from chainsight.metrics._reach import DIMENSIONS
from chainsight.metrics._scope import Scope
from chainsight.metrics._spec import Additivity, Catalog, Grain, Metric, MetricKind, Unit
from chainsight.model import Text
from chainsight.warehouse import Warehouse

DEFAULT_BY = ("province", "channel", "sku")
UNKNOWN = Text("(未知)", "(unknown)")
EFFECT_LABELS = {
    "price": Text("价格", "price"),
    "volume": Text("销量", "volume"),
    "mix": Text("结构", "mix"),
    "rate": Text("比率", "rate"),
    "residual": Text("重叠/非线性", "overlap / non-linear"),
}
METHOD_LABELS = {
    "additive": Text("可加分解", "additive decomposition"),
    "price_volume_mix": Text("价格-销量-结构分解", "price / volume / mix decomposition"),
    "rate_mix": Text("比率-结构分解", "rate / mix decomposition"),
    "non_additive": Text("成员变化(不可加)", "member changes (not additive)"),
}


@dataclass(frozen=True, slots=True)
class MemberChange:
    dimension: str
    member: str | None
    current: float | None
    prior: float | None
    contribution: float
    effects: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DimensionBreakdown:
    dimension: str
    change: float  # exactly the sum of the members' contributions (+ residual)
    effects: dict[str, float]
    residual: float
    members: list[MemberChange]


@dataclass(frozen=True, slots=True)
class Explanation:
    """The result of :func:`explain`; ``to_dict()`` gives the JSON shape the CLI prints."""

    metric: str
    label: Text
    unit: Unit
    method: str
    period: tuple[dt.date, dt.date]
    vs: tuple[dt.date, dt.date]
    value: float | None
    prior: float | None
    change: float | None
    change_pct: float | None
    prior_missing: bool
    dimensions: list[DimensionBreakdown]
    drivers: list[MemberChange]
    summary: Text

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "label": {"zh": self.label.zh, "en": self.label.en},
            "unit": self.unit.value,
            "method": self.method,
            "period": {"label": period_label(*self.period), "start": self.period[0], "end": self.period[1]},
            "vs": {"label": period_label(*self.vs), "start": self.vs[0], "end": self.vs[1]},
            "value": self.value,
            "prior": self.prior,
            "change": self.change,
            "change_pct": self.change_pct,
            "prior_missing": self.prior_missing,
            "dimensions": [asdict(d) for d in self.dimensions],
            "drivers": [asdict(d) for d in self.drivers],
            "summary": {"zh": self.summary.zh, "en": self.summary.en},
        }


def _method(catalog: Catalog, metric: Metric) -> str:
    if metric.volume_metric:
        return "price_volume_mix"
    if metric.kind is MetricKind.RATIO:
        assert metric.numerator and metric.denominator
        parts = (catalog.metrics[metric.numerator], catalog.metrics[metric.denominator])
        if all(p.additivity in (Additivity.ADDITIVE, Additivity.SEMI_ADDITIVE) for p in parts):
            return "rate_mix"
        return "non_additive"
    if metric.additivity in (Additivity.ADDITIVE, Additivity.SEMI_ADDITIVE):
        return "additive"
    return "non_additive"


def _comparison_window(start: dt.date, end: dt.date, grain: Grain, vs: str | None) -> tuple[dt.date, dt.date]:
    if vs is None or vs == "pop":
        s = shift(start, grain, -1)
        return s, period_end(s, grain)
    if vs == "yoy":
        if grain is Grain.WEEK:
            return start - dt.timedelta(weeks=52), end - dt.timedelta(weeks=52)
        s = add_years(start, -1)
        return s, period_end(s, grain)
    s, e, _ = parse_period(vs)
    return s, e


def explain(
    wh: Warehouse,
    metric: str,
    period: str,
    *,
    scope: Scope,
    vs: str | None = None,
    by: str | Iterable[str] | None = None,
    where: Mapping[str, str | Iterable[str]] | None = None,
    top: int = 5,
    catalog: Catalog | None = None,
) -> Explanation:
    """Why did ``metric`` move between ``period`` and ``vs`` (``pop`` by default, ``yoy`` or a period)?

    Decomposes the change exactly per member of each ``by`` dimension — additive
    metrics by contribution, revenue by price/volume/mix, ratios by rate/mix — ranks
    the top drivers and writes a summary in Chinese and English quoting the numbers.

    >>> from chainsight.warehouse import Warehouse
    >>> from chainsight.metrics import Scope, explain
    >>> e = explain(Warehouse.open(":memory:"), "net_sales", "2025-06", scope=Scope.all())
    >>> e.prior_missing, e.method
    (True, 'price_volume_mix')
    """
    cat = catalog or load_catalog()
    m = cat.get(metric)
    start, end, grain = parse_period(period)
    vs_start, vs_end = _comparison_window(start, end, grain, vs)
    dims = [_norm_dim(d) for d in _as_list(by)] or [d for d in DEFAULT_BY if d in m.dimensions]
    if not dims:
        dims = sorted(m.dimensions)[:3]
    for d in dims:
        if d not in m.dimensions:
            allowed = ", ".join(sorted(m.dimensions)) or "—"
            raise UserInputError(
                f"指标 {m.name} 不能按 “{d}” 分解;可用维度:{allowed}",
                f"metric {m.name} cannot be broken down by '{d}'; its dimensions: {allowed}",
                metric=m.name,
                dimension=d,
            )
    filters = {(_norm_dim(k)): frozenset(_as_list(v)) for k, v in (where or {}).items()}
    for d in filters:
        if d not in m.dimensions:
            raise UserInputError(
                f"指标 {m.name} 不能按 “{d}” 筛选", f"metric {m.name} cannot be filtered by '{d}'"
            )
    method = _method(cat, m)
    parts = _parts(m, method)

    def fetch(by_dims: list[str], s: dt.date, e: dt.date) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = _internal_query(
            wh, cat, parts, by_dims, s, e, filters, scope
        ).to_pylist()
        return rows

    cur_total = fetch([], start, end)
    pri_total = fetch([], vs_start, vs_end)
    value = cur_total[0][m.name] if cur_total else None
    prior = pri_total[0][m.name] if pri_total else None
    prior_missing = prior is None
    change = None if value is None or prior is None else value - prior
    change_pct = None if change is None or not prior else change / abs(prior)

    breakdowns: list[DimensionBreakdown] = []
    if not prior_missing and value is not None:
        for d in dims:
            breakdowns.append(
                _breakdown(m, method, parts, d, fetch([d], start, end), fetch([d], vs_start, vs_end), change)
            )
    drivers = sorted(
        (mc for b in breakdowns for mc in b.members),
        key=lambda mc: abs(mc.contribution),
        reverse=True,
    )[:top]
    drivers = [mc for mc in drivers if mc.contribution != 0]
    summary = _summary(
        m, method, (start, end), (vs_start, vs_end), value, prior, change, change_pct, breakdowns, drivers
    )
    return Explanation(
        m.name,
        m.label,
        m.unit,
        method,
        (start, end),
        (vs_start, vs_end),
        value,
        prior,
        change,
        change_pct,
        prior_missing,
        breakdowns,
        drivers,
        summary,
    )


def _parts(m: Metric, method: str) -> list[str]:
    if method == "price_volume_mix":
        assert m.volume_metric
        return [m.name, m.volume_metric]
    if method == "rate_mix":
        assert m.numerator and m.denominator
        return [m.name, m.numerator, m.denominator]
    return [m.name]


def _breakdown(
    m: Metric,
    method: str,
    parts: list[str],
    dim: str,
    cur_rows: list[dict[str, Any]],
    pri_rows: list[dict[str, Any]],
    change: float | None,
) -> DimensionBreakdown:
    cur = {r[dim]: r for r in cur_rows}
    pri = {r[dim]: r for r in pri_rows}
    members = sorted(set(cur) | set(pri), key=lambda k: (k is None, str(k)))

    def col(rows: dict[Any, dict[str, Any]], name: str) -> list[Any]:
        return [rows.get(k, {}).get(name) for k in members]

    if method == "price_volume_mix":
        effects = dec.price_volume_mix(
            col(cur, parts[0]), col(cur, parts[1]), col(pri, parts[0]), col(pri, parts[1])
        )
    elif method == "rate_mix":
        result = dec.rate_mix(col(cur, parts[1]), col(cur, parts[2]), col(pri, parts[1]), col(pri, parts[2]))
        effects = (
            result if result is not None else dec.non_additive(col(cur, m.name), col(pri, m.name), change)
        )
    elif method == "additive":
        effects = dec.additive(col(cur, m.name), col(pri, m.name))
    else:
        effects = dec.non_additive(col(cur, m.name), col(pri, m.name), change)
    per_member = {k: v for k, v in effects.effects.items() if k != "residual"}
    residual = effects.effects.get("residual", [Fraction(0)])[0]
    out = [
        MemberChange(
            dim,
            k,
            cur.get(k, {}).get(m.name),
            pri.get(k, {}).get(m.name),
            float(effects.contributions[i]),
            {name: float(vals[i]) for name, vals in per_member.items()},
        )
        for i, k in enumerate(members)
    ]
    out.sort(key=lambda mc: abs(mc.contribution), reverse=True)
    totals = {name: float(sum(vals, Fraction(0))) for name, vals in per_member.items()}
    return DimensionBreakdown(dim, float(effects.total), totals, float(residual), out)


def _member_label(mc: MemberChange, lang: str) -> str:
    dim = DIMENSIONS[mc.dimension].get(lang)
    member = mc.member if mc.member is not None else UNKNOWN.get(lang)
    return f"{dim} {member}"


def _summary(
    m: Metric,
    method: str,
    period: tuple[dt.date, dt.date],
    vs: tuple[dt.date, dt.date],
    value: float | None,
    prior: float | None,
    change: float | None,
    change_pct: float | None,
    breakdowns: list[DimensionBreakdown],
    drivers: list[MemberChange],
) -> Text:
    p, v = period_label(*period), period_label(*vs)
    texts = {}
    for lang in ("zh", "en"):
        label = m.label.get(lang)
        fmt = lambda x, lang=lang: format_value(x, m.unit, lang)  # noqa: E731
        chg = lambda x, lang=lang: format_change(x, m.unit, lang)  # noqa: E731
        if value is None:
            texts[lang] = (
                f"{p} 没有 {label} 的数据。" if lang == "zh" else f"There is no {label} data for {p}."
            )
            continue
        if prior is None or change is None:
            texts[lang] = (
                f"{p} {label}为 {fmt(value)};对比期 {v} 没有数据,无法解释变化。"
                if lang == "zh"
                else f"{label} for {p} is {fmt(value)}; the comparison period {v} has no data, so the change "
                f"cannot be explained."
            )
            continue
        pct = "" if change_pct is None else f"{change_pct * 100:+.1f}%"
        if lang == "zh":
            direction = "增加" if change > 0 else "减少" if change < 0 else "持平"
            amount = "" if change == 0 else f" {chg(abs(change)).lstrip('+')}" + (f"({pct})" if pct else "")
            head = f"{p} {label}为 {fmt(value)},较 {v} 的 {fmt(prior)} {direction}{amount}。"
        else:
            direction = "up" if change > 0 else "down" if change < 0 else "flat"
            amount = "" if change == 0 else f" {chg(abs(change)).lstrip('+')}" + (f" ({pct})" if pct else "")
            head = f"{label} for {p} was {fmt(value)}, {direction}{amount} from {fmt(prior)} in {v}."
        body = ""
        if drivers:
            items = [f"{_member_label(d, lang)} {chg(d.contribution)}" for d in drivers[:3]]
            body = (
                ("主要驱动:" + ";".join(items) + "。")
                if lang == "zh"
                else (" Top drivers: " + "; ".join(items) + ".")
            )
        effects = ""
        if breakdowns and method in ("price_volume_mix", "rate_mix"):
            b = (
                breakdowns[-1]
                if method == "price_volume_mix" and breakdowns[-1].dimension == "sku"
                else breakdowns[0]
            )
            names = ("volume", "price", "mix") if method == "price_volume_mix" else ("rate", "mix")
            items = [
                f"{EFFECT_LABELS[n].get(lang)}{'效应 ' if lang == 'zh' else ' effect '}{chg(b.effects[n])}"
                for n in names
                if n in b.effects
            ]
            dim_label = DIMENSIONS[b.dimension].get(lang)
            effects = (
                (f"按{dim_label}分解:" + ",".join(items) + "。")
                if lang == "zh"
                else (f" By {dim_label}: " + ", ".join(items) + ".")
            )
        if method == "non_additive" and breakdowns:
            b = breakdowns[0]
            effects += (
                f"该指标不可加,{DIMENSIONS[b.dimension].zh}之间的重叠为 {chg(b.residual)}。"
                if lang == "zh"
                else f" This metric does not add up; the overlap between {DIMENSIONS[b.dimension].en} "
                f"members is {chg(b.residual)}."
            )
        texts[lang] = head + body + effects
    return Text(texts["zh"], texts["en"])
