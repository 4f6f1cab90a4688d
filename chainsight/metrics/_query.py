"""Public query functions: metrics by dimensions and period, with period comparisons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa

from chainsight._errors import UserInputError
from chainsight.metrics._catalog import load_catalog
from chainsight.metrics._compile import PERIOD, Frame, build
from chainsight.metrics._periods import add_years, period_end, shift, to_date, truncate
from chainsight.metrics._reach import DIMENSION_ALIASES, DIMENSIONS, PENDING_ENTITIES, Tables, unbound_tables
from chainsight.metrics._rollup import RollupTables, fresh_rollups
from chainsight.metrics._scope import Scope
from chainsight.metrics._spec import Catalog, Grain
from chainsight.warehouse import Warehouse


class Compare(StrEnum):
    POP = "pop"  # previous period
    YOY = "yoy"  # same period last year
    YTD = "ytd"  # this year to date vs the same days last year
    LFL = "lfl"  # like-for-like to date: this month (or grain) so far vs the same days last year


PRIOR_SUFFIXES = ("prior", "change", "change_pct", "prior_missing")


def _tables_for(wh: Warehouse, catalog: Catalog, metric_names: Sequence[str]) -> Tables:
    existing: set[str] | None = None
    needed = {s.entity for n in catalog.leaves(list(metric_names)) for s in catalog.metrics[n].sources}
    for entity in sorted(needed & set(PENDING_ENTITIES)):
        if existing is None:
            existing = set(wh.list_tables())
        if entity not in existing:
            users = sorted(
                n for n in metric_names if any(s.entity == entity for s in _sources_of(catalog, n))
            )
            raise UserInputError(
                f"指标 {', '.join(users)} 需要 {entity} 表,当前仓库中还没有(由计划模块生成或导入)",
                f"metric {', '.join(users)} needs the {entity} table, which this warehouse does not have yet "
                f"(planning writes it, or load it)",
                entity=entity,
            )
    rollups = fresh_rollups(wh)
    if rollups:
        return RollupTables(wh.table, rollups)
    return wh.table


def _sources_of(catalog: Catalog, name: str) -> list[Any]:
    return [s for leaf in catalog.leaves([name]) for s in catalog.metrics[leaf].sources]


def _norm_dim(dim: str) -> str:
    dim = dim.strip()
    return DIMENSION_ALIASES.get(dim, dim)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [v.strip() for v in value]


def _frame(
    catalog: Catalog,
    metrics: str | Iterable[str],
    by: str | Iterable[str] | None,
    grain: str | Grain | None,
    start: str | dt.date | None,
    end: str | dt.date | None,
    where: Mapping[str, str | Iterable[str]] | None,
    scope: Scope,
    *,
    internal: bool = False,
) -> Frame:
    names = _as_list(metrics)
    if not names:
        raise UserInputError("请至少指定一个指标", "name at least one metric")
    for n in names:
        if not internal or n not in catalog.metrics:
            catalog.get(n)
    dims = [_norm_dim(d) for d in _as_list(by)]
    if len(set(dims)) != len(dims):
        raise UserInputError("分组维度重复", "a dimension is repeated in by", by=dims)
    filters: dict[str, frozenset[str]] = {}
    for dim, values in (where or {}).items():
        d = _norm_dim(dim)
        vals = frozenset(_as_list(values))
        filters[d] = filters[d] & vals if d in filters else vals
    for d in [*dims, *filters]:
        if d not in DIMENSIONS:
            raise UserInputError(
                f"未知维度 “{d}”;可用:{', '.join(DIMENSIONS)}",
                f"unknown dimension '{d}'; known: {', '.join(DIMENSIONS)}",
                dimension=d,
            )
        for n in names:
            m = catalog.metrics[n]
            if d not in m.dimensions:
                allowed = ", ".join(sorted(m.dimensions)) or "—"
                raise UserInputError(
                    f"指标 {n} 不能按 “{d}” 分组或筛选;可用维度:{allowed}",
                    f"metric {n} cannot be broken down or filtered by '{d}'; its dimensions: {allowed}",
                    metric=n,
                    dimension=d,
                )
    g = _grain(grain)
    s, e = to_date(start, "--from"), to_date(end, "--to")
    if s is not None and e is not None and s > e:
        raise UserInputError(f"开始日期 {s} 晚于结束日期 {e}", f"start {s} is after end {e}")
    if not isinstance(scope, Scope):
        raise TypeError("scope must be a chainsight.metrics.Scope (use Scope.all() to see everything)")
    return Frame(tuple(names), tuple(dims), g, s, e, filters, scope)


def _grain(grain: str | Grain | None) -> Grain | None:
    if grain is None or isinstance(grain, Grain):
        return grain
    try:
        return Grain(grain)
    except ValueError:
        allowed = "|".join(g.value for g in Grain)
        raise UserInputError(
            f"未知粒度 “{grain}”,可用 {allowed}", f"unknown grain '{grain}'; use {allowed}"
        ) from None


def _compare(compare: str | Compare | None) -> Compare | None:
    if compare is None or isinstance(compare, Compare):
        return compare
    try:
        return Compare(compare)
    except ValueError:
        allowed = "|".join(c.value for c in Compare)
        raise UserInputError(
            f"未知比较方式 “{compare}”,可用 {allowed}", f"unknown comparison '{compare}'; use {allowed}"
        ) from None


def _prior_window(frame: Frame, compare: Compare) -> tuple[dt.date | None, dt.date | None]:
    """The date window of the comparison period."""
    s, e, g = frame.start, frame.end, frame.grain
    if compare is Compare.POP and g is None:
        if s is None or e is None:
            raise UserInputError(
                "不分期间的环比需要 --from 和 --to",
                "a previous-period comparison without a grain needs --from and --to",
            )
        days = (e - s).days + 1
        return s - dt.timedelta(days=days), s - dt.timedelta(days=1)
    step = (lambda d: shift(d, g, -1)) if compare is Compare.POP and g else (lambda d: _year_back(d, g))

    def back_end(d: dt.date) -> dt.date:
        unit = g or Grain.DAY
        first = truncate(d, unit)
        if g is not None and period_end(first, unit) == d:
            return period_end(step(first), unit)  # a whole last period maps to the whole prior one
        return step(d)

    return (step(s) if s else None), (back_end(e) if e else None)


def _year_back(d: dt.date, grain: Grain | None) -> dt.date:
    # Weeks compare with the same ISO week last year (52 weeks back) so Mondays stay Mondays.
    return d - dt.timedelta(weeks=52) if grain is Grain.WEEK else add_years(d, -1)


def _shift_forward(table: ir.Table, grain: Grain, compare: Compare) -> ir.Table:
    p = table[PERIOD]
    if compare is Compare.POP:
        interval = {
            Grain.DAY: {"days": 1},
            Grain.WEEK: {"days": 7},
            Grain.MONTH: {"months": 1},
            Grain.QUARTER: {"months": 3},
            Grain.YEAR: {"years": 1},
        }[grain]
    else:
        interval = {"days": 364} if grain is Grain.WEEK else {"years": 1}
    return table.mutate(**{PERIOD: (p + ibis.interval(**interval)).cast("date")})


def compile_query(catalog: Catalog, tables: Tables, frame: Frame, compare: Compare | None) -> ir.Table:
    """The whole query as one Ibis expression, comparisons included, sorted by its keys."""
    if compare in (Compare.YTD, Compare.LFL):
        return _to_date(catalog, tables, frame, compare)
    current = build(catalog, tables, frame)
    if compare is not None:
        ps, pe = _prior_window(frame, compare)
        prior = build(
            catalog, tables, Frame(frame.metrics, frame.by, frame.grain, ps, pe, frame.where, frame.scope)
        )
        if frame.grain is not None:
            prior = _shift_forward(prior, frame.grain, compare)
        current = _with_prior(current, prior, frame, restrict_periods=frame.grain is not None)
    keys = frame.keys
    return current.order_by([current[k].asc(nulls_first=False) for k in keys]) if keys else current


def _to_date(catalog: Catalog, tables: Tables, frame: Frame, compare: Compare) -> ir.Table:
    if frame.end is None:
        raise UserInputError(
            "年初至今/同期可比需要 --to(截至日期)", "ytd and lfl comparisons need --to (the as-of date)"
        )
    grain = Grain.YEAR if compare is Compare.YTD else (frame.grain or Grain.MONTH)
    first = truncate(frame.end, grain)
    cur_frame = Frame(frame.metrics, frame.by, None, first, frame.end, frame.where, frame.scope)
    prior_frame = Frame(
        frame.metrics,
        frame.by,
        None,
        add_years(first, -1),
        add_years(frame.end, -1),
        frame.where,
        frame.scope,
    )
    current = build(catalog, tables, cur_frame)
    prior = build(catalog, tables, prior_frame)
    current = current.mutate(**{PERIOD: ibis.literal(first)})
    prior = prior.mutate(**{PERIOD: ibis.literal(first)})
    frame_with_period = Frame(frame.metrics, frame.by, grain, first, frame.end, frame.where, frame.scope)
    out = _with_prior(current, prior, frame_with_period, restrict_periods=False)
    keys = frame_with_period.keys
    return out.order_by([out[k].asc(nulls_first=False) for k in keys])


def _with_prior(current: ir.Table, prior: ir.Table, frame: Frame, *, restrict_periods: bool) -> ir.Table:
    """Full outer combination of current and prior values: a missing prior is null plus a flag."""
    keys = frame.keys
    metrics = list(frame.metrics)

    def aligned(t: ir.Table, is_prior: bool) -> ir.Table:
        cols: dict[str, Any] = {k: t[k] for k in keys}
        for m in metrics:
            own, other = (t[m].cast("float64"), ibis.null("float64"))
            cols[m] = other if is_prior else own
            cols[f"{m}_prior"] = own if is_prior else other
        return t.select(**cols)

    stacked = aligned(current, False).union(aligned(prior, True), distinct=False)
    aggs: dict[str, Any] = {}
    for m in metrics:
        aggs[m] = stacked[m].max()
        aggs[f"{m}_prior"] = stacked[f"{m}_prior"].max()
    out = stacked.group_by(keys).aggregate(**aggs) if keys else stacked.aggregate(**aggs)
    if restrict_periods:
        # prior data shifted past the last current period is not a row of this query
        out = out.filter(out[PERIOD].isin(current[PERIOD]))
    cols: list[Any] = [out[k] for k in keys]
    for m in metrics:
        cur, pri = out[m], out[f"{m}_prior"]
        change = cur - pri
        cols += [
            cur.name(m),
            pri.name(f"{m}_prior"),
            change.name(f"{m}_change"),
            (change / pri.abs().nullif(0)).name(f"{m}_change_pct"),
            pri.isnull().name(f"{m}_prior_missing"),
        ]
    return out.select(*cols)


def query(
    wh: Warehouse,
    metrics: str | Iterable[str],
    *,
    scope: Scope,
    by: str | Iterable[str] | None = None,
    grain: str | Grain | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    where: Mapping[str, str | Iterable[str]] | None = None,
    compare: str | Compare | None = None,
    catalog: Catalog | None = None,
) -> pl.DataFrame:
    """Compute metrics by dimensions and period; one row per group, as a Polars frame (the one frame
    type of Chainsight's public functions; ``.to_arrow()`` gives Arrow without a copy).

    ``scope`` is required (deny by default): ``Scope.all()`` sees everything. ``where``
    maps a dimension to a value or values. ``compare`` adds ``<metric>_prior``,
    ``_change``, ``_change_pct`` and ``_prior_missing`` columns: ``pop`` the previous
    period, ``yoy`` the same period last year, ``ytd`` this year to ``end`` vs the same
    days last year, ``lfl`` this month (or ``grain``) to ``end`` vs the same days last year.

    >>> from chainsight.warehouse import Warehouse
    >>> from chainsight.metrics import Scope, query
    >>> wh = Warehouse.open(":memory:")
    >>> t = query(wh, "net_sales,sales_qty", by="channel_kind", grain="month", scope=Scope.all())
    >>> t.columns
    ['period', 'channel_kind', 'net_sales', 'sales_qty']
    """
    builtin = catalog is None or catalog is load_catalog()
    cat = catalog or load_catalog()
    frame = _frame(cat, metrics, by, grain, start, end, where, scope)
    out = pl.from_arrow(_run(wh, cat, frame, _compare(compare), cacheable=builtin))
    assert isinstance(out, pl.DataFrame)
    return out


def _run(wh: Warehouse, cat: Catalog, frame: Frame, cmp: Compare | None, *, cacheable: bool) -> pa.Table:
    tables = _tables_for(wh, cat, frame.metrics)
    if cacheable:
        # Dashboards ask the same questions again and again: compile each shape of query once.
        key = ("metrics.query", _frame_key(frame), cmp, getattr(tables, "key", ()))
        return wh.to_pyarrow_cached(key, lambda: compile_query(cat, tables, frame, cmp))
    result = wh.to_pyarrow(compile_query(cat, tables, frame, cmp))
    assert isinstance(result, pa.Table)
    return result


def _frame_key(frame: Frame) -> tuple[Any, ...]:
    where = tuple(sorted((k, tuple(sorted(v))) for k, v in frame.where.items()))
    return (frame.metrics, frame.by, frame.grain, frame.start, frame.end, where, frame.scope.key)


def compile_sql(
    metrics: str | Iterable[str],
    *,
    scope: Scope | None = None,
    by: str | Iterable[str] | None = None,
    grain: str | Grain | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    where: Mapping[str, str | Iterable[str]] | None = None,
    compare: str | Compare | None = None,
    catalog: Catalog | None = None,
    dialect: str = "duckdb",
) -> str:
    """The SQL a query compiles to (no warehouse needed); ``scope`` defaults to ``Scope.all()`` here
    because nothing is read.

    >>> from chainsight.metrics import compile_sql
    >>> "online_orders" in compile_sql("net_sales", grain="month")
    True
    """
    cat = catalog or load_catalog()
    frame = _frame(cat, metrics, by, grain, start, end, where, scope if scope is not None else Scope.all())
    expr = compile_query(cat, unbound_tables, frame, _compare(compare))
    # a backend's compiler reads that backend's options, which ibis registers when it first loads it
    getattr(ibis, dialect, None)
    return str(ibis.to_sql(expr, dialect=dialect))


def _internal_query(
    wh: Warehouse,
    catalog: Catalog,
    metric_names: list[str],
    by: list[str],
    start: dt.date,
    end: dt.date,
    where: Mapping[str, frozenset[str]],
    scope: Scope,
) -> pa.Table:
    """A query that may name hidden helper metrics (ratio parts); used by explain."""
    frame = Frame(tuple(metric_names), tuple(by), None, start, end, dict(where), scope)
    return _run(wh, catalog, frame, None, cacheable=catalog is load_catalog())
