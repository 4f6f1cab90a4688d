"""Rollups: pre-aggregated copies of the big fact tables that the compiler reads instead, when exact.

A rollup has the same column names as its entity's table, minus the columns it drops
(document numbers, lots, buyers), with rows collapsed: the additive measures summed
(``qty``, ``net_amount`` ...) and ``_rows`` counting the rows each one stands for.

- ``day`` and ``month`` rollups of flows (sell-in, online orders) group by every kept column with
  the date truncated to the day or the first of the month;
- the ``month`` rollup of stock (inventory) keeps, per month and kept columns, only the rows of the
  latest snapshot date — the only rows a month-or-coarser stock figure can read.

The compiler (:func:`chainsight.metrics._compile.build`) uses a rollup for one scan of an entity
only when the answer is provably the same as from the base table:

- every column the scan reads (dimensions, ``where``, scope, lookups, filters, the date) is kept;
- summed columns appear only in measures, and linearly: ``qty``, ``qty * unit_value``, ``-x``,
  ``net_amount / 1.13`` (a sum of products equals the product of the sum when the factor is
  constant within a group); ``count`` becomes the sum of ``_rows``; distinct counts, minimum and
  maximum read kept columns only;
- the date window and grain fit the rollup: a month rollup needs whole months and a month,
  quarter or year grain (or none); a truncated timestamp is read only as the view's date;
- the rollup is fresh: the entity has the same row count and load history as when it was built.

Otherwise the base table is read, so rollups change speed, never answers (floating-point sums
may differ in the last bits, as a parallel scan's do). :func:`refresh_rollups` rebuilds them
(idempotent); ``chainsight rollups refresh`` is its command.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from chainsight.metrics._expr import names
from chainsight.metrics._reach import VIEWS, Tables, View
from chainsight.metrics._spec import Agg, Grain
from chainsight.model import DERIVED, StoredType
from chainsight.warehouse import Warehouse

ROLLUP_META = "_cs_rollups"
ROWS = "_rows"


# One row per built rollup: what it was built from, so a query can tell whether it is still exact
# (declared with the other derived tables in chainsight.model).
ROLLUP_META_SPEC = DERIVED[ROLLUP_META]
_ARROW = {
    StoredType.STRING: pa.string(),
    StoredType.INTEGER: pa.int64(),
    StoredType.TIMESTAMP: pa.timestamp("us"),
}
_META_SCHEMA = pa.schema([(c.name, _ARROW[c.type]) for c in ROLLUP_META_SPEC.columns])


@dataclass(frozen=True, slots=True)
class RollupSpec:
    """One rollup: which entity, at which date grain, which columns kept and which summed."""

    entity: str
    level: str  # name of the rollup among the entity's: "month", "month_customer" ...
    date_column: str  # the base column placing a row in time
    keys: tuple[str, ...]  # kept as they are (grouped by)
    sums: tuple[str, ...]  # summed
    stock: bool = False  # a snapshot: keep the latest snapshot per month instead of summing dates
    grain: Grain = Grain.MONTH  # of the date column (flows are truncated to it)

    @property
    def table(self) -> str:
        return f"_cs_rollup_{self.entity}_{self.level}"

    @property
    def signature(self) -> str:
        text = json.dumps([self.entity, self.grain.value, self.date_column, self.keys, self.sums, self.stock])
        return hashlib.sha1(text.encode()).hexdigest()[:12]


ROLLUPS: tuple[RollupSpec, ...] = (
    # by customer (which gives region, channel, customer type) and month: the cockpit's sales figures
    RollupSpec(
        "sell_in",
        "month_customer",
        "date",
        ("customer_id", "site_id"),
        ("qty", "gross_amount", "discount_amount", "net_amount"),
    ),
    # ... and by SKU too: category, brand and SKU breakdowns
    RollupSpec(
        "sell_in",
        "month",
        "date",
        ("customer_id", "sku", "site_id"),
        ("qty", "gross_amount", "discount_amount", "net_amount"),
    ),
    RollupSpec(
        "online_orders",
        "month_region",
        "order_time",
        ("channel_id", "province", "city", "status"),
        ("qty", "paid_amount"),
    ),
    RollupSpec(
        "online_orders",
        "month",
        "order_time",
        ("channel_id", "shop", "sku", "province", "city", "status"),
        ("qty", "paid_amount"),
    ),
    # the latest snapshot of each month, lots with the same expiry date together
    RollupSpec(
        "inventory",
        "month",
        "snapshot_date",
        ("site_id", "item_id", "expiry_date", "status"),
        ("qty",),
        stock=True,
    ),
)


@dataclass(frozen=True, slots=True)
class Rollup:
    """A built, fresh rollup the compiler may read."""

    spec: RollupSpec
    rows: int


class RollupTables:
    """The warehouse's tables plus the fresh rollups; the compiler checks ``rollups`` to pick one."""

    def __init__(self, tables: Tables, rollups: tuple[Rollup, ...]) -> None:
        self._tables = tables
        self.rollups = rollups

    def __call__(self, name: str) -> ir.Table:
        return self._tables(name)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(sorted(r.spec.table for r in self.rollups))


# ---------------------------------------------------------------- choosing a rollup for a scan
def _base_refs(view: View, refs: Iterable[str]) -> set[str]:
    """The entity's own columns a set of names reads, through fields and lookup keys."""
    lookups = {lk.name: lk for lk in view.lookups}
    out: set[str] = set()
    seen: set[str] = set()

    def visit(ref: str) -> None:
        if ref in seen:
            return
        seen.add(ref)
        if ref in view.fields and view.fields[ref] != ref:
            for r in names(view._parsed[ref]):
                visit(r)
        elif "__" in ref:
            for left, _ in lookups[ref.split("__", 1)[0]].on:
                visit(left)
        else:
            out.add(ref)

    for r in refs:
        visit(r)
    return out


def _linear(node: ast.expr, view: View, sums: frozenset[str]) -> bool:
    """True when ``node`` is one summed column times factors that read no summed column."""

    def free(n: ast.expr) -> bool:
        return not (_base_refs(view, names(n)) & sums)

    def lin(n: ast.expr) -> bool:
        if isinstance(n, ast.Name):
            return n.id in sums and (n.id not in view.fields or view.fields[n.id] == n.id)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return lin(n.operand)
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            return (lin(n.left) and free(n.right)) or (free(n.left) and lin(n.right))
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
            return lin(n.left) and free(n.right)
        return False

    return lin(node)


def _month_aligned(start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start.day == 1) and (end is None or (end + dt.timedelta(days=1)).day == 1)


def choose(
    rollups: tuple[Rollup, ...],
    entity: str,
    *,
    date_node: ast.expr | None,
    stock: bool,
    grain: Grain | None,
    start: dt.date | None,
    end: dt.date | None,
    bounds: bool,
    plain_refs: Iterable[str],
    components: list[tuple[Agg, ast.expr | None, ast.expr | None]],
) -> Rollup | None:
    """The smallest rollup of ``entity`` giving exactly the base table's answer for this scan, or None.

    ``plain_refs``: names read as they are (dimensions, ``where``, scope). ``components``: each
    component's aggregate, measure and filter.
    """
    view = VIEWS[entity]
    best: Rollup | None = None
    for r in rollups:
        s = r.spec
        if s.entity != entity or s.stock != stock or date_node is None:
            continue
        if best is not None and best.rows <= r.rows:
            continue
        keys, sums = frozenset(s.keys), frozenset(s.sums)
        truncated = (s.grain is Grain.MONTH and not s.stock) or s.date_column in _TIMESTAMPS.get(entity, ())
        if s.grain is Grain.MONTH:
            if grain not in (None, Grain.MONTH, Grain.QUARTER, Grain.YEAR) or bounds:
                continue
            if not _month_aligned(start, end):
                continue
        # the date: read only through the view's date expression when truncated
        date_refs = _base_refs(view, names(date_node))
        if date_refs != {s.date_column}:
            continue
        readable = keys if truncated else keys | {s.date_column}
        if not _base_refs(view, plain_refs) <= readable:
            continue
        ok = True
        for agg, measure, flt in components:
            if flt is not None and not _base_refs(view, names(flt)) <= readable:
                ok = False
                break
            if agg is Agg.COUNT:
                continue
            if measure is None:
                ok = False
                break
            if agg is Agg.SUM:
                refs = _base_refs(view, names(measure))
                if not (_linear(measure, view, sums) and refs <= readable | sums):
                    ok = False
                    break
            elif agg in (Agg.COUNT_DISTINCT, Agg.MIN, Agg.MAX):
                if not _base_refs(view, names(measure)) <= readable:
                    ok = False
                    break
            else:  # an average of averages is not the average
                ok = False
                break
        if ok:
            best = r
    return best


_TIMESTAMPS: dict[str, tuple[str, ...]] = {"online_orders": ("order_time",)}


# ---------------------------------------------------------------- building and finding rollups
def _rollup_expr(spec: RollupSpec, base: ir.Table) -> ir.Table:
    d = base[spec.date_column]
    schema = base.schema()
    sums = {c: base[c].sum().cast(schema[c]) for c in spec.sums}
    if spec.stock:
        month = d.truncate("M")
        w = ibis.window(group_by=[month, *[base[k] for k in spec.keys]])
        t = base.mutate(_latest=d.max().over(w))
        t = t.filter((t[spec.date_column] == t["_latest"]) | t[spec.date_column].isnull())
        groups = [spec.date_column, *spec.keys]
        sums = {c: t[c].sum().cast(schema[c]) for c in spec.sums}
        return t.group_by(groups).aggregate(**sums, **{ROWS: t.count()})
    unit = "D" if spec.grain is Grain.DAY else "M"
    date = d.truncate(unit).cast(schema[spec.date_column])
    t = base.mutate(**{spec.date_column: date})
    sums = {c: t[c].sum().cast(schema[c]) for c in spec.sums}
    return t.group_by([spec.date_column, *spec.keys]).aggregate(**sums, **{ROWS: t.count()})


def _sorted(expr: ir.Table, spec: RollupSpec) -> ir.Table:
    # stored in date order, so a date window skips whole row groups as on the base tables
    return expr.order_by([expr[spec.date_column], *[expr[k] for k in spec.keys]])


def _fingerprints(wh: Warehouse, entities: Iterable[str]) -> dict[str, str]:
    """Per entity: row count and its loads so far. A rollup is fresh while its entity's is unchanged."""
    loads = wh.load_summary()
    out = {}
    for e in sorted(set(entities)):
        hist = f"{loads[e].loads}|{loads[e].last_finished_at}" if e in loads else "0|"
        out[e] = f"{wh.row_count(e)}|{hist}"
    return out


@dataclass(frozen=True, slots=True)
class RollupReport:
    """What :func:`refresh_rollups` did, per rollup."""

    rollups: tuple[dict[str, Any], ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"rollups": list(self.rollups), "seconds": round(self.seconds, 3)}


def refresh_rollups(wh: Warehouse, *, force: bool = False) -> RollupReport:
    """Build or rebuild every stale rollup in ``wh`` (a writable warehouse); idempotent.

    A rollup whose entity has not changed since it was built (same rows and loads) and whose
    definition is the same is left alone unless ``force``. Returns one record per rollup:
    ``table``, ``entity``, ``grain``, ``action`` (built / fresh), ``rows``, ``source_rows``.

    >>> from chainsight.warehouse import Warehouse
    >>> from chainsight.metrics import refresh_rollups
    >>> r = refresh_rollups(Warehouse.open(":memory:"))
    >>> sorted({x["action"] for x in r.rollups})
    ['built']
    """
    t0 = time.perf_counter()
    with wh.write_lock():
        wh.ensure_table(ROLLUP_META_SPEC)
        meta = {r["tbl"]: r for r in wh.to_pyarrow(wh.table(ROLLUP_META)).to_pylist()}
        prints = _fingerprints(wh, [s.entity for s in ROLLUPS])
        out = []
        for spec in ROLLUPS:
            fp = prints[spec.entity]
            old = meta.get(spec.table)
            fresh = old is not None and old["signature"] == spec.signature and old["fingerprint"] == fp
            if not force and fresh and wh.has_table(spec.table):
                assert old is not None
                out.append(_record(spec, "fresh", old["rows"], old["source_rows"]))
                continue
            source = int(fp.split("|", 1)[0])
            with wh.transaction((ROLLUP_META,)):
                rows = wh.replace_table(spec.table, _sorted(_rollup_expr(spec, wh.table(spec.entity)), spec))
                record = {
                    "tbl": spec.table,
                    "entity": spec.entity,
                    "grain": spec.grain.value,
                    "signature": spec.signature,
                    "fingerprint": fp,
                    "rows": rows,
                    "source_rows": source,
                    "refreshed_at": dt.datetime.now(),
                }
                wh.replace_rows(
                    ROLLUP_META, pa.Table.from_pylist([record], schema=_META_SCHEMA), key=("tbl",)
                )
            out.append(_record(spec, "built", rows, source))
    _FRESH.clear()
    return RollupReport(tuple(out), time.perf_counter() - t0)


def _record(spec: RollupSpec, action: str, rows: int, source: int) -> dict[str, Any]:
    return {
        "table": spec.table,
        "entity": spec.entity,
        "level": spec.level,
        "action": action,
        "rows": int(rows),
        "source_rows": int(source),
        "ratio": round(source / rows, 1) if rows else None,
    }


# Freshness is checked on every query of a writable warehouse and once for a read-only one.
_FRESH: dict[int, tuple[float, tuple[Rollup, ...], Any, bool]] = {}
_FRESH_LOCK = threading.Lock()


def fresh_rollups(wh: Warehouse) -> tuple[Rollup, ...]:
    """The rollups of ``wh`` that are built, current in definition and fresh; () when none."""
    if wh.engine != "duckdb" or not ENABLED[0]:
        return ()
    now = time.monotonic()
    with _FRESH_LOCK:
        hit = _FRESH.get(id(wh))
        # read-only: nobody can write while this process holds the file, so the answer stands
        if hit is not None and hit[2] is wh and hit[3]:
            return hit[1]
    read_only = wh.read_only
    meta = []
    if wh.has_table(ROLLUP_META):
        t = wh.table(ROLLUP_META)
        meta = wh.to_pyarrow(t.select("tbl", "signature", "fingerprint", "rows")).to_pylist()
    found: tuple[Rollup, ...] = ()
    if meta:
        by_table = {m["tbl"]: m for m in meta}
        specs = [s for s in ROLLUPS if s.table in by_table and by_table[s.table]["signature"] == s.signature]
        prints = _fingerprints(wh, [s.entity for s in specs]) if specs else {}
        found = tuple(
            Rollup(s, int(by_table[s.table]["rows"]))
            for s in specs
            if by_table[s.table]["fingerprint"] == prints[s.entity]
        )
    with _FRESH_LOCK:
        _FRESH[id(wh)] = (now, found, wh, read_only)
    return found


ENABLED = [True]


def forget_freshness() -> None:
    """Check freshness again on the next query (after a connection was reopened)."""
    with _FRESH_LOCK:
        _FRESH.clear()


def rollups_enabled(on: bool) -> None:
    """Turn the use of rollups on or off for this process (benchmarks and equality tests)."""
    ENABLED[0] = on
    _FRESH.clear()
