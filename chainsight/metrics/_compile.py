"""Compile metric definitions to one Ibis expression per query.

Shape of the expression:

1. each *leaf* metric (aggregate or semi-additive) reads its sources: the entity view
   with only the lookups it needs, filtered by the metric filter, the date window,
   ``where`` and the scope, projected to ``period``, the ``by`` dimensions and a
   value, unioned across sources and aggregated;
2. leaves are stacked (union, then group by the keys — null-safe, unlike a join);
   leaves of entities without dates (production lines) are joined on the dimensions;
3. ratio and derived metrics are computed on that table, dependencies first.

Values are Ibis literals, never text pasted into SQL, so the same expression runs on
DuckDB now and on other Ibis backends later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import ibis
import ibis.expr.types as ir

from chainsight._errors import UserInputError
from chainsight.metrics._catalog import PERIOD_DAYS
from chainsight.metrics._expr import compile_expr, names, parse
from chainsight.metrics._periods import IBIS_UNIT
from chainsight.metrics._reach import VIEWS, Tables
from chainsight.metrics._rollup import ROWS, Rollup, choose
from chainsight.metrics._scope import Scope
from chainsight.metrics._spec import Agg, Catalog, Grain, Metric, MetricKind, NearExpiryBand, Source, Unit

PERIOD = "period"
_GRAIN_INTERVAL: dict[Grain, dict[str, int]] = {
    Grain.DAY: {"days": 1},
    Grain.WEEK: {"days": 7},
    Grain.MONTH: {"months": 1},
    Grain.QUARTER: {"months": 3},
    Grain.YEAR: {"years": 1},
}


@dataclass(frozen=True, slots=True)
class Frame:
    """What one query asks: metrics, grouping, date window, filters and scope."""

    metrics: tuple[str, ...]
    by: tuple[str, ...] = ()
    grain: Grain | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    where: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)

    @property
    def keys(self) -> list[str]:
        return ([PERIOD] if self.grain else []) + list(self.by)


def near_expiry_expr(bands: tuple[NearExpiryBand, ...]) -> Callable[[ir.Value], ir.Value]:
    """shelf life days -> days before expiry, as a CASE over the band table; null stays null."""

    def expr(shelf_life: ir.Value) -> ir.Value:
        cases = [(shelf_life >= b.min_shelf_life_days, b.days_before_expiry) for b in bands]
        return ibis.cases(*cases, else_=ibis.null("int64"))

    return expr


@dataclass(frozen=True, slots=True)
class _Component:
    """One source of one leaf metric, computed as a column of its entity's single scan."""

    leaf: str
    source: Source
    column: str


def build(catalog: Catalog, tables: Tables, frame: Frame) -> ir.Table:
    """The Ibis table for ``frame``: columns ``period`` (if a grain), the ``by`` dimensions, the metrics.

    Leaves reading the same entity share one scan: each becomes a conditional aggregate
    (``sum(CASE WHEN filter THEN measure END)``), so ``refund_rate`` reads online orders
    once, as a hand-written query would.
    """
    keys = frame.keys
    leaves = catalog.leaves(list(frame.metrics))
    computed = catalog.computed_order(list(frame.metrics))
    needs_days = any(PERIOD_DAYS in names(parse(catalog.metrics[n].expression or "0")) for n in computed)
    bounds = needs_days and frame.grain is None and (frame.start is None or frame.end is None)
    near = near_expiry_expr(catalog.bands)

    scans: dict[tuple[str, str | None, bool], list[_Component]] = {}
    unfused: list[str] = []
    components: dict[str, list[str]] = {}
    for n in leaves:
        m = catalog.metrics[n]
        if len(m.sources) > 1 and m.sources[0].agg not in (Agg.SUM, Agg.COUNT):
            unfused.append(n)  # a distinct count over several entities needs their rows together
            continue
        for src in m.sources:
            column = f"_c{sum(len(v) for v in components.values())}"
            components.setdefault(n, []).append(column)
            date_text = src.date or VIEWS[src.entity].date
            key = (src.entity, date_text, m.kind is MetricKind.SEMI_ADDITIVE)
            scans.setdefault(key, []).append(_Component(n, src, column))

    parts: list[tuple[ir.Table, list[str], bool]] = []  # table, value columns, has dates
    rollups = getattr(tables, "rollups", ())
    for (entity, date_text, semi), comps in scans.items():
        table = _scan(entity, date_text, semi, comps, tables, frame, near, bounds, rollups)
        parts.append((table, [c.column for c in comps], date_text is not None))
    for n in unfused:
        parts.append(
            (_leaf(catalog.metrics[n], tables, frame, near, bounds), [n], not _dateless(catalog.metrics[n]))
        )

    if frame.grain is not None:
        dated = [t for t, _, has_dates in parts if has_dates]
        if not dated:
            raise UserInputError(
                f"{', '.join(leaves)} 不随时间变化,请不要指定粒度",
                f"{', '.join(leaves)} does not change over time; query it without a grain",
            )
        if len(dated) < len(parts):
            # a leaf without dates (line capacity) holds in every period the other leaves have
            periods = union_all([t.select(PERIOD) for t in dated]).distinct()
            parts = [(t if d else periods.cross_join(t), cols, True) for t, cols, d in parts]
    table = _stack([(t, cols) for t, cols, _ in parts], keys, bounds)
    leaf_values = {}
    for n, cols in components.items():
        if len(cols) == 1:
            leaf_values[n] = table[cols[0]]
        else:  # several entities: their sum; null only when none has rows
            total = reduce(lambda a, b: a + b, [table[c].fill_null(0) for c in cols])
            any_rows = reduce(lambda a, b: a | b, [table[c].notnull() for c in cols])
            leaf_values[n] = ibis.ifelse(any_rows, total, ibis.null("float64"))
    if leaf_values:
        table = table.mutate(**leaf_values)

    if needs_days:
        table = table.mutate(**{PERIOD_DAYS: _period_days(table, frame, bounds)})
    for n in computed:
        table = table.mutate(**{n: _computed(catalog.metrics[n], table, near)})
    out = [*keys, *frame.metrics]
    table = table.select(*[table[c] for c in out])
    casts = {
        n: table[n].cast("int64")
        for n in frame.metrics
        if catalog.metrics[n].unit is Unit.COUNT and catalog.metrics[n].is_leaf
    }
    if casts:
        table = table.mutate(**casts)
    return table


def _scan(
    entity: str,
    date_text: str | None,
    semi: bool,
    comps: list[_Component],
    tables: Tables,
    frame: Frame,
    near: Any,
    bounds: bool,
    rollups: tuple[Rollup, ...] = (),
) -> ir.Table:
    """One pass over an entity computing every component that reads it (from a rollup when exact)."""
    view = VIEWS[entity]
    date_node = parse(date_text) if date_text else None
    parsed = [
        (
            c,
            parse(c.source.measure) if c.source.measure else None,
            parse(c.source.filter) if c.source.filter else None,
        )
        for c in comps
    ]
    needed = set(frame.by) | set(frame.where) | (set(frame.scope.rules) & view.dimensions)
    rollup = None
    if rollups:
        rollup = choose(
            rollups,
            entity,
            date_node=date_node,
            stock=semi,
            grain=frame.grain,
            start=frame.start,
            end=frame.end,
            bounds=bounds,
            plain_refs=set(needed),
            components=[(c.source.agg, m, f) for c, m, f in parsed],
        )
        if rollup is not None:
            base_tables, rollup_table = tables, rollup.spec.table
            tables = lambda name: base_tables(rollup_table if name == entity else name)  # noqa: E731
    for node in [date_node, *(m for _, m, _ in parsed), *(f for _, _, f in parsed)]:
        if node is not None:
            needed.update(names(node))

    def window(date: Any) -> list[Any]:
        preds = []
        if frame.start is not None:
            preds.append(date >= ibis.literal(frame.start))
        if frame.end is not None:
            preds.append(date <= ibis.literal(frame.end))
        if semi or frame.grain is not None:
            preds.append(date.notnull())
        return preds

    def raw_date(raw: ir.Table) -> Any:
        assert date_node is not None
        return compile_expr(date_node, lambda n: raw[n], near).cast("date")

    # The date window filters the entity's own table before lookups are joined, when it can.
    early = date_node is not None and view.on_base_columns(date_node)
    windowed = frame.start is not None or frame.end is not None or semi or frame.grain is not None
    # A stock with no where/scope: keep only the latest snapshot of each period before any lookup.
    latest_first = semi and early and not frame.where and frame.scope.unrestricted

    def pre(raw: ir.Table) -> ir.Table:
        rows = raw.filter(window(raw_date(raw)))
        if latest_first:
            other = view.base(tables)
            dates = other.select(_d=raw_date(other))
            dates = dates.filter(window(dates["_d"]))  # a lean scan of the dates alone
            by = dates["_d"].truncate(IBIS_UNIT[frame.grain]).cast("date") if frame.grain else ibis.literal(0)
            last = dates.group_by(_p=by).aggregate(_ld=dates["_d"].max())
            rows = rows.filter(raw_date(rows).isin(last["_ld"]))
        return rows

    t, resolve = view.build(tables, needed, pre if early and windowed else None)

    def comp(node: Any) -> Any:
        return compile_expr(node, resolve, near)

    preds: list[Any] = []
    d = comp(date_node).cast("date") if date_node is not None else None
    if d is not None and not early:
        preds.extend(window(d))
    for dim, values in frame.where.items():
        preds.append(resolve(dim).isin(sorted(values)))
    scoped = _scope_predicates(frame.scope, view.dimensions, resolve)
    preds.extend(scoped)
    cols: dict[str, Any] = {}
    if frame.grain is not None and d is not None:
        cols[PERIOD] = d.truncate(IBIS_UNIT[frame.grain]).cast("date")
    for dim in frame.by:
        cols[dim] = resolve(dim).cast("string")
    if semi or bounds:
        cols["_d"] = d
    for c, measure, flt in parsed:
        agg = c.source.agg
        if agg is Agg.COUNT:
            # a rollup row stands for _rows base rows
            value: Any = resolve(ROWS).cast("int64") if rollup is not None else ibis.literal(1, type="int64")
        elif agg is Agg.COUNT_DISTINCT:
            value = comp(measure).cast("string")
        else:
            value = comp(measure).cast("float64")
        if flt is not None and len(parsed) > 1:
            value = ibis.ifelse(comp(flt), value, ibis.null(value.type()))
        cols[c.column] = value
    base = t.filter(preds) if preds else t
    filters = [comp(f) for _, _, f in parsed if f is not None]
    if len(filters) == len(parsed):
        # rows no component wants are dropped before grouping, as a WHERE clause would
        rows = base.filter(reduce(lambda a, b: a | b, filters)).select(**cols)
    else:
        rows = base.select(**cols)
    if semi and not latest_first:
        # the latest snapshot is found among all visible rows, before the components' filters
        dates = base.select(**{k: v for k, v in cols.items() if k in (PERIOD, "_d")})
        rows = _latest_only(rows, [dates], frame.grain is not None)
    keys = frame.keys if d is not None else list(frame.by)
    aggs: dict[str, Any] = {c.column: _aggregate(rows[c.column], c.source.agg).cast("float64") for c in comps}
    if bounds and d is not None:
        aggs["_first"] = rows["_d"].min()
        aggs["_last"] = rows["_d"].max()
    return rows.group_by(keys).aggregate(**aggs) if keys else rows.aggregate(**aggs)


def union_all(tables: list[ir.Table]) -> ir.Table:
    """UNION ALL as a balanced tree: a left-deep chain of a hundred parts overflows SQL generators."""
    if len(tables) == 1:
        return tables[0]
    mid = len(tables) // 2
    return union_all(tables[:mid]).union(union_all(tables[mid:]), distinct=False)


def _dateless(metric: Metric) -> bool:
    return all(VIEWS[s.entity].date is None and s.date is None for s in metric.sources)


def _leaf(metric: Metric, tables: Tables, frame: Frame, near: Any, bounds: bool) -> ir.Table:
    parts = []
    latest_bases = []
    semi = metric.kind is MetricKind.SEMI_ADDITIVE
    for src in metric.sources:
        view = VIEWS[src.entity]
        measure = parse(src.measure) if src.measure else None
        flt = parse(src.filter) if src.filter else None
        date_text = src.date or view.date
        date_node = parse(date_text) if date_text else None
        scope_dims = set(frame.scope.rules) & view.dimensions
        needed = set(frame.by) | set(frame.where) | scope_dims
        for node in (measure, flt, date_node):
            if node is not None:
                needed.update(names(node))
        t, resolve = view.build(tables, needed)

        def comp(node: Any, resolve: Any = resolve) -> Any:
            return compile_expr(node, resolve, near)

        base_preds: list[Any] = []
        d = comp(date_node).cast("date") if date_node is not None else None
        if d is not None:
            if frame.start is not None:
                base_preds.append(d >= ibis.literal(frame.start))
            if frame.end is not None:
                base_preds.append(d <= ibis.literal(frame.end))
            if semi or frame.grain is not None:
                base_preds.append(d.notnull())
        for dim, values in frame.where.items():
            base_preds.append(resolve(dim).isin(sorted(values)))
        base_preds.extend(_scope_predicates(frame.scope, view.dimensions, resolve))
        cols: dict[str, Any] = {}
        if frame.grain is not None and d is not None:
            cols[PERIOD] = d.truncate(IBIS_UNIT[frame.grain]).cast("date")
        for dim in frame.by:
            cols[dim] = resolve(dim).cast("string")
        if src.agg is Agg.COUNT:
            cols["_v"] = ibis.literal(1, type="int64")
        elif src.agg is Agg.COUNT_DISTINCT:
            cols["_v"] = comp(measure).cast("string")
        else:
            cols["_v"] = comp(measure).cast("float64")
        if semi or bounds:
            cols["_d"] = d
        based = t.filter(base_preds) if base_preds else t
        metric_rows = based.filter(comp(flt)) if flt is not None else based
        if semi:
            latest_bases.append(based.select(**{k: v for k, v in cols.items() if k in (PERIOD, "_d")}))
        parts.append(metric_rows.select(**cols))
    rows = union_all(parts)
    if semi:
        rows = _latest_only(rows, latest_bases, frame.grain is not None)
    keys = frame.keys if not _dateless(metric) else list(frame.by)
    value = _aggregate(rows["_v"], metric.sources[0].agg)
    aggs: dict[str, Any] = {metric.name: value.cast("float64")}
    if bounds:
        aggs["_first"] = rows["_d"].min()
        aggs["_last"] = rows["_d"].max()
    return rows.group_by(keys).aggregate(**aggs) if keys else rows.aggregate(**aggs)


def _aggregate(v: Any, agg: Agg) -> Any:
    if agg in (Agg.SUM, Agg.COUNT):
        return v.sum()
    if agg is Agg.COUNT_DISTINCT:
        return v.nunique()
    if agg is Agg.AVG:
        return v.mean()
    if agg is Agg.MIN:
        return v.min()
    return v.max()


def _latest_only(rows: ir.Table, bases: list[ir.Table], by_period: bool) -> ir.Table:
    """Keep the rows of the latest snapshot date in each period.

    The latest date is taken over every visible row of the entity (after the date
    window, ``where`` and the scope) before the metric's own filter, so a filtered
    stock (near-expiry) is read at the same snapshot as the whole stock.
    """
    base = union_all(bases)
    if not by_period:
        return rows.filter(rows["_d"] == base["_d"].max().as_scalar())
    latest = base.group_by(_lp=base[PERIOD]).aggregate(_ld=base["_d"].max()).view()
    left = rows.view()  # both sides may read the same stored table
    joined = left.join(latest, [left[PERIOD] == latest["_lp"], left["_d"] == latest["_ld"]])
    return joined.select(*rows.columns)


def _scope_predicates(scope: Scope, reach: frozenset[str], resolve: Callable[[str], Any]) -> list[Any]:
    """Deny by default: nothing unless unrestricted; a scoped dimension the entity cannot reach hides it."""
    if scope.unrestricted:
        return []
    if scope.sees_nothing:
        return [ibis.literal(False)]
    preds: list[Any] = []
    for dim, values in sorted(scope.rules.items()):
        if dim not in reach:
            return [ibis.literal(False)]
        preds.append(resolve(dim).isin(sorted(values)))
    return preds


def _stack(parts: list[tuple[ir.Table, list[str]]], keys: list[str], bounds: bool) -> ir.Table:
    """Combine per-entity tables on their keys without a join (null keys group together)."""
    if len(parts) == 1:
        return parts[0][0]
    extra = ["_first", "_last"] if bounds else []
    every = [c for _, cols in parts for c in cols]
    aligned = []
    for part, own in parts:
        cols: dict[str, Any] = {k: part[k] for k in keys}
        for c in every:
            cols[c] = part[c] if c in own else ibis.null("float64")
        for e in extra:
            cols[e] = part[e] if e in part.columns else ibis.null("date")
        aligned.append(part.select(**cols))
    stacked = union_all(aligned)
    aggs: dict[str, Any] = {c: stacked[c].max() for c in every}
    if bounds:
        aggs["_first"] = stacked["_first"].min()
        aggs["_last"] = stacked["_last"].max()
    return stacked.group_by(keys).aggregate(**aggs) if keys else stacked.aggregate(**aggs)


def _period_days(table: ir.Table, frame: Frame, bounds: bool) -> Any:
    """Days of the period each row covers, clipped to the query's date window."""
    if frame.grain is not None:
        start = table[PERIOD]
        nxt = (start + ibis.interval(**_GRAIN_INTERVAL[frame.grain])).cast("date")
        end = (nxt - ibis.interval(days=1)).cast("date")
        if frame.start is not None:
            start = ibis.greatest(start, ibis.literal(frame.start))
        if frame.end is not None:
            end = ibis.least(end, ibis.literal(frame.end))
        return (end.delta(start, unit="day") + 1).cast("float64")
    if not bounds:
        assert frame.start is not None and frame.end is not None
        return ibis.literal(float((frame.end - frame.start).days + 1))
    whole = ibis.window()
    first = ibis.literal(frame.start) if frame.start else table["_first"].min().over(whole)
    last = ibis.literal(frame.end) if frame.end else table["_last"].max().over(whole)
    return (last.delta(first, unit="day") + 1).cast("float64")


def _computed(metric: Metric, table: ir.Table, near: Any) -> Any:
    if metric.kind is MetricKind.RATIO:
        assert metric.numerator is not None and metric.denominator is not None
        den = table[metric.denominator]
        # No numerator rows where the denominator has data means zero (no refunds: 0%), not unknown.
        num = ibis.ifelse(den.notnull(), table[metric.numerator].fill_null(0), ibis.null("float64"))
        return (num / den.nullif(0)).cast("float64")
    assert metric.expression is not None
    return compile_expr(parse(metric.expression), lambda n: table[n], near).cast("float64")
