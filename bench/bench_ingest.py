"""Ingestion throughput and memory: `chainsight load` against DuckDB's own read_csv of the same file.

    .venv/bin/python -m bench.bench_ingest --rows 10000000

Each measurement runs in its own process so peak memory (max RSS) is its own.
The baseline is DuckDB reading the CSV into a table with type detection and no
validation at all; Chainsight additionally parses Chinese formats, checks types,
ranges, keys and foreign keys, keeps rejects and merges atomically.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def make_data(workdir: Path, rows: int) -> tuple[Path, Path, Path, Path]:
    """A clean sell_out CSV (rows lines) plus the master data it references."""
    con = duckdb.connect()
    stores, products = workdir / "stores.csv", workdir / "products.csv"
    customers, facts = workdir / "customers.csv", workdir / "sell_out.csv"
    con.execute(
        "COPY (SELECT 'CN' AS region_id, '中国' AS name, NULL AS parent_id, 'country' AS level) TO ? (HEADER)",
        [str(workdir / "regions.csv")],
    )
    con.execute(
        "COPY (SELECT 'offline' AS channel_id, '线下' AS name, 'offline' AS kind) TO ? (HEADER)",
        [str(workdir / "channels.csv")],
    )
    con.execute(
        "COPY (SELECT 'C' || i AS customer_id, '客户' || i AS name, 'offline' AS channel_id, 'CN' AS region_id, "
        "'distributor' AS type FROM range(50) t(i)) TO ? (HEADER)",
        [str(customers)],
    )
    con.execute(
        "COPY (SELECT 'S' || i AS store_id, 'C' || (i % 50) AS customer_id, 'CN' AS region_id FROM range(2000) t(i)) "
        "TO ? (HEADER)",
        [str(stores)],
    )
    con.execute(
        "COPY (SELECT 'P' || i AS sku, '产品' || i AS name, 'B' AS brand, '饮料' AS category, '瓶' AS unit, "
        "12 AS units_per_case, 365 AS shelf_life_days, 5.5 AS list_price FROM range(200) t(i)) TO ? (HEADER)",
        [str(products)],
    )
    # Unique (date, store, sku): i enumerates store × sku × day without repeats.
    con.execute(
        f"COPY (SELECT DATE '2024-01-01' + CAST(i // 400000 AS INTEGER) AS date, 'S' || (i % 2000) AS store_id, "
        f"'P' || ((i // 2000) % 200) AS sku, 1 + (i % 7) AS qty, round((1 + (i % 7)) * 5.5, 2) AS amount "
        f"FROM range({rows}) t(i)) TO ? (HEADER)",
        [str(facts)],
    )
    return customers, stores, products, facts


def child(kind: str, workdir: Path, rows: int) -> dict[str, float]:
    facts = workdir / "sell_out.csv"
    db = workdir / f"{kind}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    if kind == "baseline":
        con = duckdb.connect(str(db))
        t0 = time.perf_counter()
        con.execute("CREATE TABLE sell_out AS SELECT * FROM read_csv(?)", [str(facts)])
        elapsed = time.perf_counter() - t0
        n = con.execute("SELECT count(*) FROM sell_out").fetchone()[0]  # type: ignore[index]
    else:
        from chainsight.ingest import load_files
        from chainsight.warehouse import Warehouse

        wh = Warehouse.open(db)
        for entity in ("regions", "channels", "customers", "stores", "products"):
            load_files(wh, entity, [workdir / f"{entity}.csv"])
        t0 = time.perf_counter()
        result = load_files(wh, "sell_out", [facts])
        elapsed = time.perf_counter() - t0
        n = result.rows_loaded
        assert result.rows_rejected == 0, result
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB
    return {"seconds": elapsed, "rows": n, "peak_mib": peak}


def run(rows: int, write: bool) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="cs-bench-ingest-") as tmp:
        workdir = Path(tmp)
        make_data(workdir, rows)
        size_mb = (workdir / "sell_out.csv").stat().st_size / 2**20
        results = {}
        for kind in ("baseline", "chainsight"):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_ingest",
                    "--child",
                    kind,
                    "--dir",
                    tmp,
                    "--rows",
                    str(rows),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    base, ours = results["baseline"], results["chainsight"]
    rate = ours["rows"] / ours["seconds"]
    ratio = ours["seconds"] / base["seconds"]
    print(json.dumps(results))
    print(f"file {size_mb:.0f} MiB, {rows:,} rows")
    print(
        f"baseline DuckDB read_csv: {base['seconds']:.2f} s, {rows / base['seconds']:,.0f} rows/s, {base['peak_mib']:.0f} MiB"
    )
    print(
        f"chainsight load:          {ours['seconds']:.2f} s, {rate:,.0f} rows/s, {ours['peak_mib']:.0f} MiB"
    )
    print(f"time ratio chainsight/baseline: {ratio:.2f}×")
    if write:
        from bench._report import machine, update_section

        update_section(
            f"ingest-{rows}",
            f"### Ingest: clean sell_out CSV, {rows:,} rows ({size_mb:.0f} MiB)\n\n"
            f"`.venv/bin/python -m bench.bench_ingest --rows {rows}` — {machine()}\n\n"
            "| | seconds | rows/s | peak RSS MiB |\n|---|---:|---:|---:|\n"
            f"| baseline: DuckDB `read_csv` into a table (no validation) | {base['seconds']:.2f} | "
            f"{rows / base['seconds']:,.0f} | {base['peak_mib']:.0f} |\n"
            f"| chainsight load (parse, validate, FK, merge, history) | {ours['seconds']:.2f} | {rate:,.0f} | "
            f"{ours['peak_mib']:.0f} |\n| **ratio** chainsight / baseline | **{ratio:.2f}×** | | |\n",
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--child")
    parser.add_argument("--dir")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.dir), args.rows)))
    else:
        run(args.rows, write=not args.no_write)


if __name__ == "__main__":
    main()
