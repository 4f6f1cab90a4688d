"""The warehouse: canonical tables plus load bookkeeping, reached through Ibis.

Analytic code asks :meth:`Warehouse.table` for an Ibis table and never writes SQL
strings, so the same code runs on DuckDB (default) and later on Spark/Postgres.
Loading is engine-specific (transactions, merge) and lives behind this class.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import duckdb as _duckdb
import ibis

from chainsight._errors import UserInputError, WarehouseError
from chainsight.model import ENTITIES, Entity

DEFAULT_WAREHOUSE = "chainsight.duckdb"
ENV_WAREHOUSE = "CHAINSIGHT_WAREHOUSE"

# Bookkeeping tables live beside the canonical ones; the prefix keeps them apart.
LOAD_HISTORY = "_cs_load_history"
REJECTS = "_cs_rejects"


def history_table(entity: str) -> str:
    """Name of the table keeping superseded versions of ``entity`` rows."""
    return f"_cs_history_{entity}"


def resolve_warehouse_path(path: str | os.PathLike[str] | None) -> str:
    """``--warehouse`` wins, then ``$CHAINSIGHT_WAREHOUSE``, then ``./chainsight.duckdb``."""
    if path:
        return os.fspath(path)
    return os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE


def _entity_columns_sql(entity: Entity) -> str:
    return ", ".join(f'"{c.name}" {c.type.sql}' for c in entity.columns)


_META_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {LOAD_HISTORY} (
        batch_id VARCHAR PRIMARY KEY, entity VARCHAR, files VARCHAR, checksum VARCHAR,
        rows_read BIGINT, rows_loaded BIGINT, rows_updated BIGINT, rows_duplicate BIGINT,
        rows_rejected BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP, outcome VARCHAR,
        mapping VARCHAR, message VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {REJECTS} (
        batch_id VARCHAR, entity VARCHAR, file VARCHAR, row_number BIGINT, "column" VARCHAR,
        raw_value VARCHAR, reason_code VARCHAR, reason_zh VARCHAR, reason_en VARCHAR,
        raw_row VARCHAR, status VARCHAR, resolved_batch_id VARCHAR, created_at TIMESTAMP)""",
)


class Warehouse:
    """A connection to the warehouse holding the canonical tables: an embedded DuckDB file, or
    (``spark://...`` URL or a YAML config with ``engine: spark``) a Spark warehouse of Parquet
    tables, see :class:`~chainsight.warehouse.SparkWarehouse`.

    >>> wh = Warehouse.open(":memory:")
    >>> wh.table("products").count().execute()
    0
    """

    engine = "duckdb"

    def __init__(self, backend: Any, path: str) -> None:
        self.backend = backend
        self.path = path
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Warehouse:
        target = resolve_warehouse_path(path)
        from chainsight.warehouse._spark import SparkConfig, SparkWarehouse

        if SparkConfig.is_spark_target(target):
            return SparkWarehouse.open_spark(target, read_only=read_only)
        if target != ":memory:":
            parent = Path(target).expanduser().resolve().parent
            if not parent.exists():
                raise UserInputError(
                    f"仓库目录不存在:{parent}", f"warehouse folder does not exist: {parent}", file=target
                )
            if read_only and not Path(target).exists():
                raise UserInputError(
                    "仓库尚不存在,请先加载数据(chainsight load 或 chainsight demo run)",
                    "the warehouse does not exist yet; load data first (chainsight load or chainsight demo run)",
                    file=target,
                )
        try:
            backend = ibis.duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseError(f"cannot open warehouse {target}: {exc}") from exc
        # DuckDB's own progress bar would write into --json output; the CLI draws its own.
        backend.con.execute("SET enable_progress_bar = false")
        wh = cls(backend, target)
        if not read_only:
            wh.ensure_schema()
        else:
            wh._stand_in_for_missing_tables()
        return wh

    def _stand_in_for_missing_tables(self) -> None:
        """A warehouse made by an older version may lack a newer entity's table. Opened read-only
        it cannot gain one, so an empty temporary table of the same shape stands in for it."""
        con = self.duckdb
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for entity in ENTITIES.values():
            if entity.name not in present:
                cols = _entity_columns_sql(entity)
                con.execute(f'CREATE TEMP TABLE "{entity.name}" ({cols}, _batch_id VARCHAR)')

    def close(self) -> None:
        self.backend.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ schema
    @property
    def duckdb(self) -> _duckdb.DuckDBPyConnection:
        """The raw DuckDB connection; only the loader and bookkeeping use it."""
        return self.backend.con

    def ensure_schema(self) -> None:
        """Create every canonical, history and bookkeeping table that does not exist yet."""
        con = self.duckdb
        for ddl in _META_DDL:
            con.execute(ddl)
        for entity in ENTITIES.values():
            cols = _entity_columns_sql(entity)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{entity.name}" ({cols}, _batch_id VARCHAR)')
            con.execute(
                f'CREATE TABLE IF NOT EXISTS "{history_table(entity.name)}" '
                f"({cols}, _batch_id VARCHAR, _superseded_by VARCHAR, _superseded_at TIMESTAMP)"
            )

    def table(self, entity: str) -> ibis.Table:
        """The Ibis table of a canonical entity (or a bookkeeping table)."""
        return self.backend.table(entity)

    def list_tables(self) -> list[str]:
        """Names of the tables (canonical, bookkeeping and derived) in the warehouse."""
        return list(self.backend.list_tables())

    def has_table(self, name: str) -> bool:
        """Whether a table called ``name`` exists. Asked of the catalog, never by reading the table:
        a failed statement would abort a caller's open transaction."""
        row = self.duckdb.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def row_count(self, table: str) -> int:
        return int(self.backend.table(table).count().execute())

    def checkout(self, *names: str) -> None:
        """Declare tables about to be written (the Spark warehouse stages them; DuckDB needs nothing)."""

    @contextmanager
    def transaction(self, tables: Sequence[str] = ()) -> Iterator[_duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back on any exception. ``tables`` names the
        existing tables the transaction writes (needed by the Spark warehouse, ignored here).

        DuckDB writes the commit to its WAL atomically, so a process killed before
        COMMIT leaves the file exactly as it was.
        """
        with self._lock:
            con = self.duckdb
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
