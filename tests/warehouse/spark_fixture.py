"""Helpers for the Spark warehouse tests: master data, fingerprints, Spark URLs in a test's own folder."""

from __future__ import annotations

from pathlib import Path

from chainsight.ingest import load_files
from chainsight.warehouse import Warehouse

INGEST = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
MASTER_ORDER = (
    "regions",
    "channels",
    "customers",
    "stores",
    "sites",
    "lines",
    "products",
    "materials",
    "suppliers",
)

Fingerprint = dict[str, tuple[int, int]]


def spark_url(folder: Path) -> str:
    return f"spark://local[2]?warehouse={folder}"


def load_master(wh: Warehouse) -> None:
    for entity in MASTER_ORDER:
        result = load_files(wh, entity, [INGEST / "master" / f"{entity}.csv"])
        assert result.rows_rejected == 0, entity


def fingerprint(wh: Warehouse, *, ignore: tuple[str, ...] = ()) -> Fingerprint:
    """Every table's rows and an order-independent hash of their contents, read by DuckDB (on a
    Spark warehouse: from the Parquet files the manifest names). ``ignore`` drops columns that
    differ by design between two loads (batch ids, times)."""
    con = wh.duckdb
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for t in tables:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{t}"').fetchall() if r[0] not in ignore]
        row = ", ".join(f'"{c}"' for c in cols)
        n, h = con.execute(f'SELECT count(*), coalesce(sum(hash(({row}))), 0) FROM "{t}"').fetchone()  # type: ignore[misc]
        out[t] = (int(n), int(h))
    return out
