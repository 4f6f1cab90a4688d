"""The warehouse: canonical tables plus load bookkeeping, reached through Ibis.

Analytic code asks :meth:`Warehouse.table` for an Ibis table and never writes SQL
strings, so the same code runs on DuckDB (default) and later on Spark/Postgres.
Loading is engine-specific (transactions, merge) and lives behind this class.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import duckdb as _duckdb
import ibis
import pyarrow as pa

from chainsight._errors import UserInputError, WarehouseError
from chainsight.model import DERIVED, ENTITIES, DerivedTable, Entity, StoredColumn

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
            wh._widen_derived_tables()
        else:
            wh._stand_in_for_missing_tables()
            wh._stand_in_for_missing_derived_columns()
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
            if getattr(self, "_in_transaction", False):  # nested: join the outer one (it commits)
                yield con
                return
            con.execute("BEGIN TRANSACTION")
            self._in_transaction = True
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
            finally:
                self._in_transaction = False

    # ================================================================== derived tables
    # Added by the "plan" helper for issue 13 item 4, in the signatures the "core" helper publishes
    # (notes: warehouse API): core's implementation replaces this block, keeping the two hooks
    # at the end (``_widen_derived_tables`` on a writable open, the read-only stand-in).
    def write_lock(self) -> threading.RLock:
        """One writer at a time in this process."""
        return self._lock

    def ensure_table(self, spec: DerivedTable) -> None:
        """Create ``spec.name`` from its spec, or add the columns the spec gained since it was made."""
        cols = ", ".join(f"{_q(c.name)} {c.type.sql}" for c in spec.columns)
        with self.transaction((spec.name,)) as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS {_q(spec.name)} ({cols})")
            have = set(self._columns(con, spec.name))
            for c in spec.columns:
                if c.name not in have:
                    con.execute(f"ALTER TABLE {_q(spec.name)} ADD COLUMN {_q(c.name)} {c.type.sql}")

    @staticmethod
    def _columns(con: _duckdb.DuckDBPyConnection, name: str) -> list[str]:
        return [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
        ]

    def delete_rows(self, name: str, where: Mapping[str, Any]) -> int:
        """Delete the rows where each column of ``where`` equals its value (None matches empty)."""
        if not where:
            raise WarehouseError(f"delete from {name} needs a filter")
        cond = " AND ".join(f"{_q(c)} IS NOT DISTINCT FROM ?" for c in where)
        with self.transaction((name,)) as con:
            row = con.execute(f"DELETE FROM {_q(name)} WHERE {cond}", list(where.values())).fetchone()
        return int(row[0]) if row else 0

    def replace_rows(
        self,
        name: str,
        rows: pa.Table,
        *,
        where: Mapping[str, Any] | None = None,
        key: Sequence[str] = (),
    ) -> int:
        """In one transaction: delete the rows matching ``where`` and the rows whose ``key`` columns
        equal an incoming row's (both null-safe), then insert ``rows`` by column name (columns it
        lacks stay empty). Neither ``where`` nor ``key``: append. Returns the rows inserted."""
        if not isinstance(rows, pa.Table):
            rows = rows.to_arrow()
        with self.transaction((name,)) as con:
            if where:
                self.delete_rows(name, where)
            if rows.num_rows == 0:
                return 0
            con.register("_cs_replace_rows", rows)
            try:
                if key:
                    # a key column the rows lack is empty in each of them
                    on = " AND ".join(
                        f"t.{_q(k)} IS NOT DISTINCT FROM r.{_q(k)}"
                        if k in rows.column_names
                        else f"t.{_q(k)} IS NULL"
                        for k in key
                    )
                    con.execute(
                        f"DELETE FROM {_q(name)} t WHERE EXISTS (SELECT 1 FROM _cs_replace_rows r WHERE {on})"
                    )
                con.execute(f"INSERT INTO {_q(name)} BY NAME SELECT * FROM _cs_replace_rows")
            finally:
                con.unregister("_cs_replace_rows")
        return rows.num_rows

    def _missing_derived_columns(self) -> dict[str, list[StoredColumn]]:
        """Per derived table in the warehouse: the columns its spec has and the table lacks."""
        have: dict[str, set[str]] = defaultdict(set)
        for name, column in self.duckdb.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND list_contains(?, table_name)",
            [list(DERIVED)],
        ).fetchall():
            have[name].add(column)
        return {
            name: missing
            for name, cols in have.items()
            if (missing := [c for c in DERIVED[name].columns if c.name not in cols])
        }

    def _widen_derived_tables(self) -> None:
        """Add to each existing derived table the columns its spec gained: a warehouse made by an
        older version stays writable and readable by the newer code. Runs on a writable open."""
        missing = self._missing_derived_columns()
        if missing:
            with self.transaction(sorted(missing)):
                for name in missing:
                    self.ensure_table(DERIVED[name])

    def _stand_in_for_missing_derived_columns(self) -> None:
        """Read-only, a derived table cannot gain a column: a temporary view of the same name adds
        the missing ones, empty, so readers of the newer columns work on an older warehouse."""
        con = self.duckdb
        db = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        for name, cols in self._missing_derived_columns().items():
            extra = ", ".join(f"CAST(NULL AS {c.type.sql}) AS {_q(c.name)}" for c in cols)
            con.execute(f"CREATE TEMP VIEW {_q(name)} AS SELECT *, {extra} FROM {_q(db)}.main.{_q(name)}")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
