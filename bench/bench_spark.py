"""Benchmark: the 10 dashboard metric queries of bench_metrics on local Spark vs embedded DuckDB.

Copies a DuckDB warehouse into a Spark warehouse (Parquet partitioned by month; the copy is
timed), then runs each query through ``chainsight.metrics.query`` on both engines, alternating.
Each pair is first checked to return the same numbers. Reports the first run, medians of the
timed runs and the ratio Spark ÷ DuckDB, and writes the ``spark`` section of bench/README.md.

    python -m bench.bench_spark demo-data/chainsight-small.duckdb [--master local[2]] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench._report import machine, update_section
from bench.bench_metrics import _canon, _same, _timed, cases
from chainsight.metrics import Scope, query
from chainsight.warehouse import Warehouse, copy_warehouse


def run(path: str, master: str, repeat: int, folder: str) -> dict[str, Any]:
    duck = Warehouse.open(path, read_only=True)
    end: dt.date = duck.duckdb.execute("SELECT max(date) FROM sell_in").fetchone()[0]  # type: ignore[index]
    start = end - dt.timedelta(days=364)
    sizes = {
        t: duck.duckdb.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
        for t in ("sell_out", "online_orders", "sell_in", "inventory")
    }
    t0 = time.perf_counter()
    spark = Warehouse.open(f"spark://{master}?warehouse={folder}")
    copy_warehouse(duck, spark)
    copy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    spark.table("products").count().execute()  # starts the JVM and the SparkContext
    start_s = time.perf_counter() - t0
    rows = []
    for case in cases(start, end):

        def on(wh: Warehouse, case: Any = case) -> pa.Table:
            return query(wh, case.metrics, scope=Scope.all(), **case.kwargs)

        first_spark, a = _timed(lambda: on(spark))
        _, b = _timed(lambda: on(duck))
        cols = list(b.column_names)
        if not _same(_canon(a, cols), _canon(b, cols)):
            raise SystemExit(f"{case.name}: Spark and DuckDB disagree")
        ts, td = [], []
        for _ in range(repeat):
            ts.append(_timed(lambda: on(spark))[0])
            td.append(_timed(lambda: on(duck))[0])
        ms, md = statistics.median(ts), statistics.median(td)
        rows.append(
            {
                "query": case.name,
                "rows": a.num_rows,
                "first_spark_ms": round(first_spark * 1000),
                "spark_ms": round(ms * 1000),
                "duckdb_ms": round(md * 1000),
                "ratio": round(ms / md, 1),
            }
        )
        print(rows[-1], file=sys.stderr)
    spark.close()
    duck.close()
    return {"sizes": sizes, "copy_s": copy_s, "start_s": start_s, "rows": rows, "start": start, "end": end}


def report(path: str, master: str, repeat: int, res: dict[str, Any]) -> str:
    sizes = ", ".join(f"{t} {n / 1e6:.2f}M" for t, n in res["sizes"].items())
    lines = [
        "### Spark: the 10 dashboard metric queries on local Spark vs embedded DuckDB",
        "",
        f"`.venv/bin/python -m bench.bench_spark {path} --master {master} --repeat {repeat}` — {machine()}, "
        f"Spark (pyspark) local[{master.split('[')[-1].rstrip(']')}] with 4 shuffle partitions. Same process, "
        "same rows (the DuckDB warehouse copied into a Spark warehouse of Parquet partitioned by month); "
        "every pair is checked to return the same numbers.",
        "",
        f"Warehouse: {sizes}; window {res['start']}..{res['end']}. Copy into Parquet "
        f"{res['copy_s']:.1f} s; Spark start-up {res['start_s']:.1f} s.",
        "",
        "| query | rows | first Spark run ms | Spark ms | DuckDB ms | Spark ÷ DuckDB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| {r['query']} | {r['rows']} | {r['first_spark_ms']} | {r['spark_ms']} | {r['duckdb_ms']} | {r['ratio']} |"
        )
    ts = sum(r["spark_ms"] for r in res["rows"])
    td = sum(r["duckdb_ms"] for r in res["rows"])
    lines.append(
        f"| **total** | | {sum(r['first_spark_ms'] for r in res['rows'])} | **{ts}** | **{td}** | **{ts / td:.1f}×** |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", help="DuckDB warehouse file (e.g. demo-data/chainsight-small.duckdb)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per query (median reported)")
    parser.add_argument(
        "--no-readme", action="store_true", help="print the table; do not write bench/README.md"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        res = run(args.warehouse, args.master, args.repeat, str(Path(tmp) / "spark"))
    text = report(args.warehouse, args.master, args.repeat, res)
    print(text)
    if not args.no_readme:
        update_section("spark", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
