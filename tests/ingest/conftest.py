"""Ingestion fixtures: the committed fixture files, master data, and a warehouse fingerprint."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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


def fingerprint(wh: Warehouse) -> Fingerprint:
    """Every persistent table's row count and an order-independent hash of its contents."""
    con = wh.duckdb
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for t in tables:
        n, h = con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{t}" x').fetchone()  # type: ignore[misc]
        out[t] = (int(n), int(h))
    return out


@pytest.fixture
def ingest_dir() -> Path:
    """``tests/fixtures/ingest``: the committed files written by ``make_fixtures.py``."""
    return INGEST


@pytest.fixture(scope="session")
def _master_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("master") / "master.duckdb"
    with Warehouse.open(path) as wh:
        for entity in MASTER_ORDER:
            result = load_files(wh, entity, [INGEST / "master" / f"{entity}.csv"])
            assert result.rows_rejected == 0, entity
    return path


@pytest.fixture
def master_path(_master_template: Path, tmp_path: Path) -> Path:
    """A warehouse file of this test's own holding the master data in ``fixtures/ingest/master``."""
    path = tmp_path / "chainsight.duckdb"
    shutil.copyfile(_master_template, path)
    return path


@pytest.fixture
def master(master_path: Path) -> Iterator[Warehouse]:
    """The master-data warehouse, open."""
    wh = Warehouse.open(master_path)
    yield wh
    wh.close()


@pytest.fixture
def query() -> Callable[..., list[tuple[Any, ...]]]:
    """query(wh, sql, *params) → all rows."""

    def run(wh: Warehouse, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return wh.duckdb.execute(sql, list(params)).fetchall()

    return run


@pytest.fixture
def rejects() -> Callable[..., list[dict[str, Any]]]:
    """rejects(wh, entity=None, status=None) → reject records (one per problem), by file, row, column."""

    def run(wh: Warehouse, entity: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        clauses, params = [], []
        if entity:
            clauses.append("entity = ?")
            params.append(entity)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        cur = wh.duckdb.execute(
            f'SELECT * FROM _cs_rejects {where} ORDER BY entity, file, row_number, "column", reason_code',
            params,
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    return run


@pytest.fixture
def snapshot() -> Callable[[Warehouse], Fingerprint]:
    """snapshot(wh) → {table: (rows, content hash)} over every persistent table."""
    return fingerprint
