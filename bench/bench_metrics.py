"""Benchmark: 10 dashboard metric queries through chainsight.metrics vs hand-written DuckDB SQL.

Both run in the same process on the same warehouse, alternating, and each pair is
checked to return the same numbers before it is timed. Reports the first run (which
compiles the definitions; the SQL is then cached per query shape, as a dashboard
re-asks the same questions), absolute medians of the timed runs and the overhead
ratio (chainsight ÷ SQL); the target is at most 1.2× at 20M+ rows.

    python bench/bench_metrics.py path/to/warehouse.duckdb [--repeat 5] [--json out.json]

The window is the last 365 days of sell-in in the warehouse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from chainsight.metrics import Scope, query, rollups_enabled
from chainsight.warehouse import Warehouse

REGION_FLAT = """
  rf AS (SELECT r.region_id,
                CASE r.level WHEN 'province' THEN r.name WHEN 'city' THEN p.name END AS province
         FROM regions r LEFT JOIN regions p ON r.parent_id = p.region_id)"""
PROVINCES = "(SELECT DISTINCT name FROM regions WHERE level = 'province')"


@dataclass(frozen=True)
class Case:
    name: str
    metrics: str
    kwargs: dict[str, Any]
    sql: str  # {start} and {end} are DATE literals


def cases(start: dt.date, end: dt.date) -> list[Case]:
    last_month = end.replace(day=1)
    win: dict[str, Any] = {"start": start, "end": end}
    return [
        Case(
            "net_sales by month",
            "net_sales",
            {"grain": "month", **win},
            """
            SELECT m AS period, sum(v) AS net_sales FROM (
              SELECT date_trunc('month', date) AS m, net_amount AS v FROM sell_in WHERE date BETWEEN {start} AND {end}
              UNION ALL
              SELECT date_trunc('month', CAST(order_time AS DATE)), paid_amount FROM online_orders
              WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN {start} AND {end}) GROUP BY 1""",
        ),
        Case(
            "net_sales, sales_qty by province × month",
            "net_sales,sales_qty",
            {"by": "province", "grain": "month", **win},
            f"""
            WITH {REGION_FLAT}
            SELECT m AS period, province, sum(v) AS net_sales, sum(q) AS sales_qty FROM (
              SELECT date_trunc('month', s.date) AS m, rf.province, s.net_amount AS v, s.qty AS q
              FROM sell_in s LEFT JOIN customers c ON c.customer_id = s.customer_id
              LEFT JOIN rf ON rf.region_id = c.region_id WHERE s.date BETWEEN {{start}} AND {{end}}
              UNION ALL
              SELECT date_trunc('month', CAST(o.order_time AS DATE)), pn.name, o.paid_amount, o.qty
              FROM online_orders o LEFT JOIN {PROVINCES} pn ON pn.name = o.province
              WHERE o.status = 'paid' AND CAST(o.order_time AS DATE) BETWEEN {{start}} AND {{end}}) GROUP BY 1, 2""",
        ),
        Case(
            "target_attainment by channel × month",
            "target_attainment",
            {"by": "channel", "grain": "month", **win},
            """
            WITH s AS (
              SELECT m, ch, sum(v) AS v FROM (
                SELECT date_trunc('month', s.date) AS m, c.channel_id AS ch, s.net_amount AS v
                FROM sell_in s LEFT JOIN customers c ON c.customer_id = s.customer_id
                WHERE s.date BETWEEN {start} AND {end}
                UNION ALL
                SELECT date_trunc('month', CAST(order_time AS DATE)), channel_id, paid_amount FROM online_orders
                WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN {start} AND {end}) GROUP BY 1, 2),
            t AS (SELECT month AS m, channel_id AS ch, sum(target_amount) AS tv FROM targets
                  WHERE month BETWEEN {start} AND {end} GROUP BY 1, 2)
            SELECT coalesce(s.m, t.m) AS period, coalesce(s.ch, t.ch) AS channel,
                   CASE WHEN t.tv IS NULL THEN NULL ELSE coalesce(s.v, 0) / nullif(t.tv, 0) END AS target_attainment
            FROM s FULL JOIN t ON s.m = t.m AND s.ch = t.ch""",
        ),
        Case(
            "online_share by month",
            "online_share",
            {"grain": "month", **win},
            """
            WITH x AS (
              SELECT date_trunc('month', s.date) AS m, ch.kind, s.net_amount AS v
              FROM sell_in s LEFT JOIN customers c ON c.customer_id = s.customer_id
              LEFT JOIN channels ch ON ch.channel_id = c.channel_id WHERE s.date BETWEEN {start} AND {end}
              UNION ALL
              SELECT date_trunc('month', CAST(o.order_time AS DATE)), ch.kind, o.paid_amount
              FROM online_orders o LEFT JOIN channels ch ON ch.channel_id = o.channel_id
              WHERE o.status = 'paid' AND CAST(o.order_time AS DATE) BETWEEN {start} AND {end})
            SELECT m AS period, coalesce(sum(v) FILTER (WHERE kind = 'online'), 0) / nullif(sum(v), 0) AS online_share
            FROM x GROUP BY 1""",
        ),
        Case(
            "sell_in_sell_out_ratio by customer",
            "sell_in_sell_out_ratio",
            {"by": "customer", **win},
            """
            WITH i AS (SELECT customer_id AS customer, sum(qty) AS q FROM sell_in
                       WHERE date BETWEEN {start} AND {end} GROUP BY 1),
                 o AS (SELECT st.customer_id AS customer, sum(so.qty) AS q FROM sell_out so
                       LEFT JOIN stores st ON st.store_id = so.store_id
                       WHERE so.date BETWEEN {start} AND {end} GROUP BY 1)
            SELECT coalesce(i.customer, o.customer) AS customer,
                   CASE WHEN o.q IS NULL THEN NULL ELSE coalesce(i.q, 0) / nullif(o.q, 0) END AS sell_in_sell_out_ratio
            FROM i FULL JOIN o ON i.customer = o.customer""",
        ),
        Case(
            "inventory_value by site × month (latest snapshot)",
            "inventory_value",
            {"by": "site", "grain": "month", **win},
            """
            WITH inv AS (SELECT * FROM inventory WHERE snapshot_date BETWEEN {start} AND {end}),
                 last AS (SELECT date_trunc('month', snapshot_date) AS m, max(snapshot_date) AS d FROM inv GROUP BY 1)
            SELECT last.m AS period, i.site_id AS site,
                   sum(i.qty * coalesce(p.list_price, mt.standard_cost)) AS inventory_value
            FROM inv i JOIN last ON i.snapshot_date = last.d
            LEFT JOIN products p ON p.sku = i.item_id LEFT JOIN materials mt ON mt.material_id = i.item_id
            GROUP BY 1, 2""",
        ),
        Case(
            "near_expiry_value by sku, last month",
            "near_expiry_value",
            {"by": "sku", "start": last_month, "end": end},
            """
            WITH inv AS (SELECT * FROM inventory WHERE snapshot_date BETWEEN {month} AND {end}),
                 x AS (SELECT i.*, p.sku AS psku, coalesce(p.list_price, mt.standard_cost) AS uv,
                              coalesce(p.shelf_life_days, mt.shelf_life_days) AS sl,
                              date_diff('day', i.snapshot_date, i.expiry_date) AS left_days
                       FROM inv i LEFT JOIN products p ON p.sku = i.item_id
                       LEFT JOIN materials mt ON mt.material_id = i.item_id
                       WHERE i.snapshot_date = (SELECT max(snapshot_date) FROM inv))
            SELECT CASE WHEN psku IS NOT NULL THEN item_id END AS sku, sum(qty * uv) AS near_expiry_value FROM x
            WHERE left_days >= 0 AND left_days <= CASE WHEN sl >= 365 THEN 45 WHEN sl >= 180 THEN 20
                  WHEN sl >= 90 THEN 15 WHEN sl >= 30 THEN 10 WHEN sl >= 16 THEN 5 WHEN sl >= 0 THEN 2 END
            GROUP BY 1""",
        ),
        Case(
            "days_of_supply by sku, last month",
            "days_of_supply",
            {"by": "sku", "start": last_month, "end": end},
            """
            WITH inv AS (SELECT * FROM inventory WHERE snapshot_date BETWEEN {month} AND {end}),
                 st AS (SELECT i.item_id AS sku, sum(i.qty) AS q FROM inv i JOIN products p ON p.sku = i.item_id
                        WHERE i.snapshot_date = (SELECT max(snapshot_date) FROM inv) GROUP BY 1),
                 sa AS (SELECT sku, sum(q) AS q FROM (
                          SELECT sku, qty AS q FROM sell_in WHERE date BETWEEN {month} AND {end}
                          UNION ALL
                          SELECT sku, qty FROM online_orders WHERE status = 'paid'
                            AND CAST(order_time AS DATE) BETWEEN {month} AND {end}) GROUP BY 1)
            SELECT coalesce(st.sku, sa.sku) AS sku, st.q / nullif(sa.q / {days}, 0) AS days_of_supply
            FROM st FULL JOIN sa ON st.sku = sa.sku""",
        ),
        Case(
            "net_sales by channel × month, year on year",
            "net_sales",
            {"by": "channel", "grain": "month", "compare": "yoy", **win},
            """
            WITH x AS (
              SELECT s.date AS d, c.channel_id AS ch, s.net_amount AS v FROM sell_in s
              LEFT JOIN customers c ON c.customer_id = s.customer_id
              WHERE s.date BETWEEN {start} - INTERVAL 1 YEAR AND {end}
              UNION ALL
              SELECT CAST(order_time AS DATE), channel_id, paid_amount FROM online_orders
              WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN {start} - INTERVAL 1 YEAR AND {end}),
            cur AS (SELECT date_trunc('month', d) AS m, ch, sum(v) AS v FROM x WHERE d >= {start} GROUP BY 1, 2),
            pri AS (SELECT CAST(date_trunc('month', d) + INTERVAL 1 YEAR AS DATE) AS m, ch, sum(v) AS v FROM x
                    WHERE d <= {prior_end} GROUP BY 1, 2)
            SELECT coalesce(cur.m, pri.m) AS period, coalesce(cur.ch, pri.ch) AS channel, cur.v AS net_sales,
                   pri.v AS net_sales_prior
            FROM cur FULL JOIN pri ON cur.m = pri.m AND cur.ch = pri.ch
            WHERE coalesce(cur.m, pri.m) IN (SELECT m FROM cur)""",
        ),
        Case(
            "refund_rate by platform × month",
            "refund_rate",
            {"by": "platform", "grain": "month", **win},
            """
            SELECT date_trunc('month', CAST(o.order_time AS DATE)) AS period, ch.platform,
                   coalesce(sum(o.paid_amount) FILTER (WHERE o.status = 'refunded'), 0)
                     / nullif(sum(o.paid_amount), 0) AS refund_rate
            FROM online_orders o LEFT JOIN channels ch ON ch.channel_id = o.channel_id
            WHERE CAST(o.order_time AS DATE) BETWEEN {start} AND {end} GROUP BY 1, 2""",
        ),
    ]


def _lit(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


def _timed(fn: Callable[[], pa.Table]) -> tuple[float, pa.Table]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _canon(table: pa.Table, columns: list[str]) -> list[tuple[Any, ...]]:
    def norm(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, float) and math.isnan(v):
            return None
        return v

    rows = [tuple(norm(r.get(c)) for c in columns) for r in table.to_pylist()]
    # Sort on the non-float cells (the group keys): parallel float sums differ in the last bits.
    return sorted(rows, key=lambda r: tuple((x is None, str(x)) for x in r if not isinstance(x, float)))


def _same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Equal rows, floats within 1e-9 relative (sums over 10^8 rows in parallel differ in the last bits)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6):
                    return False
            elif x != y:
                return False
    return True


def run(path: str, repeat: int) -> list[dict[str, Any]]:
    # The compiler against the hand-written SQL over the same fact tables: no rollups (a warehouse
    # `make demo` or `chainsight run` prepared has them; bench/bench_web.py measures what they give).
    rollups_enabled(False)
    wh = Warehouse.open(path, read_only=True)
    con = wh.duckdb
    row = con.execute("SELECT max(date) FROM sell_in").fetchone()
    if row is None or row[0] is None:
        raise SystemExit(f"{path}: sell_in is empty; load a demo warehouse first (chainsight demo run)")
    end: dt.date = row[0]
    start = end - dt.timedelta(days=364)
    last_month = end.replace(day=1)
    sizes = {
        t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
        for t in ("sell_in", "online_orders", "sell_out", "inventory")
    }
    print(f"warehouse {path}: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()), file=sys.stderr)
    print(f"window {start} .. {end}", file=sys.stderr)
    results = []
    fmt = {
        "start": _lit(start),
        "end": _lit(end),
        "month": _lit(last_month),
        "days": str((end - last_month).days + 1),
        "prior_end": _lit(end.replace(year=end.year - 1)),
    }
    for case in cases(start, end):
        sql = case.sql.format(**fmt)

        def ours(case: Case = case) -> pa.Table:
            return query(wh, case.metrics, scope=Scope.all(), **case.kwargs)

        def theirs(sql: str = sql) -> pa.Table:
            return con.execute(sql).to_arrow_table()

        first, a = _timed(ours)  # the first run compiles the query; also the equivalence check
        _, b = _timed(theirs)
        cols = [c for c in b.column_names]
        if not _same(_canon(a, cols), _canon(b, cols)):
            raise SystemExit(f"{case.name}: chainsight and the hand-written SQL disagree")
        t_ours, t_sql = [], []
        for _ in range(repeat):
            t_ours.append(_timed(ours)[0])
            t_sql.append(_timed(theirs)[0])
        mo, ms = statistics.median(t_ours), statistics.median(t_sql)
        results.append(
            {
                "query": case.name,
                "rows": a.num_rows,
                "first_run_ms": round(first * 1000, 1),
                "chainsight_ms": round(mo * 1000, 1),
                "sql_ms": round(ms * 1000, 1),
                "ratio": round(mo / ms, 2),
            }
        )
    wh.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", help="DuckDB warehouse file (e.g. a medium or large demo)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    parser.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = run(args.warehouse, args.repeat)
    width = max(len(r["query"]) for r in results)
    print(
        f"{'query':<{width}}  {'rows':>6}  {'first run ms':>12}  {'chainsight ms':>13}  {'sql ms':>8}  {'ratio':>5}"
    )
    for r in results:
        print(
            f"{r['query']:<{width}}  {r['rows']:>6}  {r['first_run_ms']:>12.1f}  {r['chainsight_ms']:>13.1f}  "
            f"{r['sql_ms']:>8.1f}  {r['ratio']:>5.2f}"
        )
    total_first = sum(r["first_run_ms"] for r in results)
    total_ours = sum(r["chainsight_ms"] for r in results)
    total_sql = sum(r["sql_ms"] for r in results)
    print(
        f"{'total':<{width}}  {'':>6}  {total_first:>12.1f}  {total_ours:>13.1f}  {total_sql:>8.1f}  "
        f"{total_ours / total_sql:>5.2f}"
    )
    print(
        "first run: includes compiling the metric definitions to SQL (cached per query shape afterwards); "
        "chainsight / sql: medians of the timed runs",
        file=sys.stderr,
    )
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"warehouse": args.warehouse, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
