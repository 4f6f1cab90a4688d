"""Benchmark: FEFO expiry projection for 100,000 lots against 365 days of demand.

A synthetic warehouse (40 DCs × 500 SKUs = 20,000 site × SKU, five lots each, eight weeks of
daily sell-in as the run-rate history) is projected three ways in the same process:

* chainsight ``fefo_projection`` (the product path: lots, run-rate by weekday, 365-day demand
  grid, FEFO per lot and stock-out date per site × SKU — window functions, no loop per lot);
* the same algorithm as hand-written DuckDB SQL, twice: over a 365-day daily demand grid (the obvious
  way to write it), and with the closed-form weekly demand chainsight uses (per lot only; what the
  engine work costs without Ibis);
* a naive baseline: a Python loop per site × SKU, day by day over the horizon, serving demand from
  the earliest-expiring lot — timed on a random sample of site × SKU and scaled to all of them.

Results are checked to agree (projected unsold per lot) before the times are reported.

    .venv/bin/python -m bench.bench_expiry [--lots 100000] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from chainsight.analysis import fefo_projection, load_policy
from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 10, 31)
SITES = 40
LOTS_PER_GROUP = 5
HORIZON = 365
WEEKS = 8


def build(wh: Warehouse, lots: int) -> int:
    """Fill ``wh`` with the synthetic company; returns the number of site × SKU."""
    skus = max(1, lots // (SITES * LOTS_PER_GROUP))
    con = wh.duckdb
    con.execute("INSERT INTO regions (region_id, name, level) VALUES ('CN', '中国', 'country')")
    con.execute("INSERT INTO channels (channel_id, name, kind) VALUES ('dist', '经销', 'offline')")
    con.execute(
        "INSERT INTO customers (customer_id, name, channel_id, region_id, type) "
        "VALUES ('C1', '经销商', 'dist', 'CN', 'distributor')"
    )
    con.execute(
        f"INSERT INTO sites (site_id, name, type, region_id) SELECT 'DC' || lpad(i::VARCHAR, 2, '0'), 'DC', 'dc', 'CN' "
        f"FROM range({SITES}) t(i)"
    )
    con.execute(
        "INSERT INTO products (sku, name, brand, category, unit, units_per_case, shelf_life_days, list_price) "
        "SELECT 'SKU' || lpad(i::VARCHAR, 5, '0'), 'p', 'b', 'c', 'u', 12, "
        "[30, 90, 180, 365, 540][1 + i % 5], 2 + (i % 17) "
        f"FROM range({skus}) t(i)"
    )
    # eight weeks of daily shipments per site × SKU: a base rate with a weekday pattern
    con.execute(
        f"""INSERT INTO sell_in (doc_id, line_no, date, customer_id, sku, qty, gross_amount, net_amount, site_id)
        SELECT s.site_id || p.sku || d.i, 1, DATE '{AS_OF}' - d.i::INTEGER, 'C1', p.sku,
               greatest(1, round((5 + hash(s.site_id || p.sku) % 20) * (1 + 0.5 * ((d.i % 7) = 5)::INT))),
               0, 0, s.site_id
        FROM sites s, products p, range({7 * WEEKS}) d(i)"""
    )
    con.execute(
        f"""INSERT INTO inventory (snapshot_date, site_id, item_id, lot_id, mfg_date, expiry_date, qty, status)
        SELECT DATE '{AS_OF}', s.site_id, p.sku, 'L' || l.i,
               DATE '{AS_OF}' - (hash(s.site_id || p.sku || l.i) % p.shelf_life_days)::INTEGER,
               DATE '{AS_OF}' - (hash(s.site_id || p.sku || l.i) % p.shelf_life_days)::INTEGER + p.shelf_life_days::INTEGER,
               1 + hash(p.sku || s.site_id || l.i) % 400, 'available'
        FROM sites s, products p, range({LOTS_PER_GROUP}) l(i)"""
    )
    return SITES * skus


HAND_SQL = f"""
WITH lots AS (
  SELECT site_id, item_id, lot_id, status, mfg_date, expiry_date, qty, expiry_date - DATE '{AS_OF}' AS e
  FROM inventory WHERE snapshot_date = DATE '{AS_OF}' AND qty > 0 AND status IN ('available', 'in_transit')),
hist AS (
  SELECT site_id, sku AS item_id, date, qty FROM sell_in
  WHERE qty > 0 AND site_id IS NOT NULL AND date > DATE '{AS_OF}' - {7 * WEEKS} AND date <= DATE '{AS_OF}'),
profile AS (
  SELECT site_id, item_id, isodow(date) AS wd, sum(qty) / {WEEKS} AS rate FROM hist GROUP BY ALL),
days AS (SELECT d AS day, isodow(DATE '{AS_OF}' + d::INTEGER) AS wd FROM range(1, {HORIZON + 1}) t(d)),
grid AS (
  SELECT g.site_id, g.item_id, days.day, coalesce(p.rate, 0) AS qty
  FROM (SELECT DISTINCT site_id, item_id FROM profile) g CROSS JOIN days
  LEFT JOIN profile p ON p.site_id = g.site_id AND p.item_id = g.item_id AND p.wd = days.wd),
cum AS (SELECT *, sum(qty) OVER (PARTITION BY site_id, item_id ORDER BY day) AS cum FROM grid),
ends AS (
  SELECT site_id, item_id, sum(qty) AS total, sum(qty) FILTER (WHERE day > {HORIZON - 28}) / 28 AS tail
  FROM grid GROUP BY ALL),
d AS (
  SELECT l.*, CASE WHEN e <= 0 THEN 0 WHEN e <= {HORIZON} THEN coalesce(c.cum, 0)
                   ELSE coalesce(n.total, 0) + (e - {HORIZON}) * coalesce(n.tail, 0) END AS de
  FROM lots l LEFT JOIN cum c ON c.site_id = l.site_id AND c.item_id = l.item_id AND c.day = least(l.e, {HORIZON})
  LEFT JOIN ends n ON n.site_id = l.site_id AND n.item_id = l.item_id),
q AS (
  SELECT *, sum(qty) OVER o - de AS x FROM d
  WINDOW o AS (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
w AS (
  SELECT *, greatest(0, max(x) OVER o) AS wt FROM q
  WINDOW o AS (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
SELECT site_id, item_id, lot_id,
       least(qty, wt - coalesce(lag(wt) OVER (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status), 0))
         AS projected_unsold_qty
FROM w
"""


CLOSED_SQL = f"""
WITH lots AS (
  SELECT site_id, item_id, lot_id, status, mfg_date, expiry_date, qty, expiry_date - DATE '{AS_OF}' AS e
  FROM inventory WHERE snapshot_date = DATE '{AS_OF}' AND qty > 0 AND status IN ('available', 'in_transit')),
profile AS (
  SELECT site_id, sku AS item_id, (isodow(date) - isodow(DATE '{AS_OF}' + 1) + 7) % 7 AS pos, sum(qty) / {WEEKS} AS rate
  FROM sell_in WHERE qty > 0 AND site_id IS NOT NULL AND date > DATE '{AS_OF}' - {7 * WEEKS} AND date <= DATE '{AS_OF}'
  GROUP BY ALL),
s AS (
  SELECT l.site_id, l.item_id, l.lot_id, l.status, coalesce(sum(p.rate * ((l.e + 6 - p.pos) // 7)), 0) AS raw
  FROM lots l LEFT JOIN profile p ON p.site_id = l.site_id AND p.item_id = l.item_id GROUP BY ALL),
d AS (
  SELECT l.*, CASE WHEN l.e <= 0 THEN 0 ELSE s.raw END AS de
  FROM lots l JOIN s USING (site_id, item_id, lot_id, status)),
q AS (
  SELECT *, sum(qty) OVER o - de AS x FROM d
  WINDOW o AS (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
w AS (
  SELECT *, greatest(0, max(x) OVER o) AS wt FROM q
  WINDOW o AS (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
SELECT site_id, item_id, lot_id,
       least(qty, wt - coalesce(lag(wt) OVER (PARTITION BY site_id, item_id ORDER BY e, mfg_date, lot_id, status), 0))
         AS projected_unsold_qty
FROM w
"""


def _naive(
    lots: list[tuple[Any, ...]], demand: dict[tuple[str, str], list[float]]
) -> dict[tuple[str, str, str], float]:
    """Day by day per site × SKU: serve demand from the earliest-expiring unexpired lot."""
    by_group: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in lots:
        by_group.setdefault((row[0], row[1]), []).append(row)
    out = {}
    for key, rows in by_group.items():
        rows.sort(key=lambda r: (r[4], r[3], r[2]))
        left = [r[5] for r in rows]
        days = demand.get(key, [0.0] * HORIZON)
        tail = sum(days[-28:]) / 28
        last = max([HORIZON] + [r[4] for r in rows])
        for k in range(1, last + 1):
            need = days[k - 1] if k <= HORIZON else tail
            for i, r in enumerate(rows):
                if need <= 0:
                    break
                if r[4] < k or left[i] <= 0:
                    continue
                take = min(need, left[i])
                left[i] -= take
                need -= take
        for i, r in enumerate(rows):
            out[(r[0], r[1], r[2])] = left[i]
    return out


def run(lots: int, repeat: int, sample: float, write: bool) -> dict[str, Any]:
    policy = load_policy().with_shelf_life(horizon_days=HORIZON, history_weeks=WEEKS)
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse.open(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        groups = build(wh, lots)
        n_lots = wh.row_count("inventory")
        build_s = time.perf_counter() - t0

        ours, proj = [], None
        for _ in range(repeat):
            t = time.perf_counter()
            proj = fefo_projection(wh, as_of=AS_OF, policy=policy)
            ours.append(time.perf_counter() - t)
        assert proj is not None
        sql_t = []
        hand = None
        for _ in range(repeat):
            t = time.perf_counter()
            hand = wh.duckdb.execute(HAND_SQL).pl()
            sql_t.append(time.perf_counter() - t)
        assert hand is not None
        closed_t = []
        closed = None
        for _ in range(repeat):
            t = time.perf_counter()
            closed = wh.duckdb.execute(CLOSED_SQL).pl()
            closed_t.append(time.perf_counter() - t)
        assert closed is not None
        got = proj.lots.select("site_id", "item_id", "lot_id", "projected_unsold_qty")
        cmp = got.join(hand, on=["site_id", "item_id", "lot_id"], suffix="_sql")
        assert cmp.height == n_lots
        diff = (cmp["projected_unsold_qty"] - cmp["projected_unsold_qty_sql"]).abs().max()
        assert diff is not None and diff < 1e-6, diff
        cmp2 = got.join(closed, on=["site_id", "item_id", "lot_id"], suffix="_sql")
        diff2 = (cmp2["projected_unsold_qty"] - cmp2["projected_unsold_qty_sql"]).abs().max()
        assert cmp2.height == n_lots and diff2 is not None and diff2 < 1e-6, diff2

        # naive baseline on a sample of site × SKU (inputs prepared outside the timing)
        rng = random.Random(0)
        keys = proj.groups.select("site_id", "item_id").rows()
        chosen = set(rng.sample(keys, max(1, int(len(keys) * sample))))
        rows = [
            (
                r["site_id"],
                r["item_id"],
                r["lot_id"],
                r["mfg_date"],
                (r["expiry_date"] - AS_OF).days,
                r["qty"],
            )
            for r in proj.lots.select(
                "site_id", "item_id", "lot_id", "mfg_date", "expiry_date", "qty"
            ).to_dicts()
            if (r["site_id"], r["item_id"]) in chosen
        ]
        grid = wh.duckdb.execute(
            HAND_SQL.split("cum AS")[0].rstrip().rstrip(",")
            + " SELECT site_id, item_id, day, qty FROM grid ORDER BY 1, 2, 3"
        ).fetchall()
        demand: dict[tuple[str, str], list[float]] = {}
        for s, i, _, q in grid:
            if (s, i) in chosen:
                demand.setdefault((s, i), []).append(q)
        t = time.perf_counter()
        naive = _naive(rows, demand)
        naive_s = (time.perf_counter() - t) * len(keys) / len(chosen)
        check = got.filter([(s, i) in chosen for s, i in zip(got["site_id"], got["item_id"], strict=True)])
        for r in check.to_dicts():
            assert abs(naive[(r["site_id"], r["item_id"], r["lot_id"])] - r["projected_unsold_qty"]) < 1e-6
        wh.close()

    med, med_sql, med_closed = statistics.median(ours), statistics.median(sql_t), statistics.median(closed_t)
    res = dict(
        lots=n_lots,
        site_skus=groups,
        horizon_days=HORIZON,
        build_seconds=round(build_s, 2),
        chainsight_seconds=round(med, 3),
        chainsight_runs=[round(x, 3) for x in ours],
        hand_sql_grid_seconds=round(med_sql, 3),
        hand_sql_closed_form_seconds=round(med_closed, 3),
        naive_python_seconds_scaled=round(naive_s, 2),
        naive_sample_share=sample,
        ratio_chainsight_vs_grid_sql=round(med / med_sql, 2),
        ratio_chainsight_vs_closed_form_sql=round(med / med_closed, 2),
        speedup_vs_naive=round(naive_s / med, 1),
        projected_unsold_qty=round(float(got["projected_unsold_qty"].sum()), 1),
    )
    print(json.dumps(res))
    print(f"{n_lots:,} lots, {groups:,} site × SKU, {HORIZON}-day demand grid ({groups * HORIZON:,} rows)")
    print(f"chainsight fefo_projection:  {med:.2f} s (median of {repeat})")
    print(f"hand SQL, daily grid:        {med_sql:.2f} s   ratio chainsight/SQL {med / med_sql:.2f}×")
    print(f"hand SQL, closed form:       {med_closed:.2f} s   ratio chainsight/SQL {med / med_closed:.2f}×")
    print(
        f"naive Python loop per SKU:   {naive_s:.1f} s (scaled from {sample:.0%})   chainsight is {naive_s / med:.0f}× faster"
    )
    if write:
        from bench._report import machine, update_section

        update_section(
            "expiry",
            f"### Expiry: FEFO projection, {n_lots:,} lots × {HORIZON} days of demand\n\n"
            f"`.venv/bin/python -m bench.bench_expiry` — {machine()}\n\n"
            f"{groups:,} site × SKU, five lots each; run-rate from 8 weeks of daily sell-in; results checked equal.\n\n"
            "| | seconds | ratio |\n|---|---:|---:|\n"
            f"| chainsight `fefo_projection` (Ibis on DuckDB, lots + site × SKU) | {med:.2f} | 1.00× |\n"
            f"| hand-written DuckDB SQL over a 365-day demand grid (per lot only) | {med_sql:.2f} | {med_sql / med:.2f}× |\n"
            f"| hand-written DuckDB SQL, closed-form weekly demand (per lot only) | {med_closed:.2f} | "
            f"{med_closed / med:.2f}× |\n"
            f"| naive Python loop per site × SKU, day by day (scaled from a {sample:.0%} sample) | {naive_s:.1f} | "
            f"{naive_s / med:.0f}× |\n",
        )
    return res


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sample", type=float, default=0.05, help="share of site × SKU the naive loop runs on"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update bench/README.md")
    args = parser.parse_args()
    run(args.lots, args.repeat, args.sample, write=not args.no_write)


if __name__ == "__main__":
    main()
