"""The embedded warehouse: one DuckDB file (or ``:memory:``) reached through Ibis.

Analytic code asks :meth:`DuckDBWarehouse.table` for an Ibis table and never writes SQL strings,
so the same code runs on DuckDB (default) and on Spark. Loading is engine-specific (transactions,
merge) and lives behind the :class:`~chainsight.warehouse.Warehouse` contract.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa
from duckdb import DuckDBPyConnection

from chainsight._cache import LRUCache
from chainsight._errors import UserInputError, WarehouseBusy, WarehouseError
from chainsight.model import ENTITIES
from chainsight.warehouse._base import (
    META_DDL,
    Warehouse,
    entity_columns_sql,
    history_table,
    q,
    register_engine,
    rename_in_rejects,
    renamed_columns,
)

# Compiled SQL of the metrics' query shapes, shared by every DuckDB warehouse of the process: the
# text names tables only, so it holds for any warehouse (the caller's key says which tables).
_COMPILED: LRUCache[tuple[str, pa.Schema]] = LRUCache(512)


def busy(target: str) -> WarehouseBusy:
    """The one line a person reads when another process holds the warehouse file."""
    return WarehouseBusy(
        "另一个 Chainsight 进程(serve、load 或 run)正在使用这个仓库;请等它结束,或先停止它,再重试",
        "another Chainsight process (serve, load or run) holds this warehouse; wait for it to finish "
        "or stop it, then try again",
        file=target,
    )


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


class DuckDBWarehouse(Warehouse):
    """The embedded DuckDB warehouse (a file, or ``:memory:``).

    >>> wh = DuckDBWarehouse.open(":memory:")
    >>> type(wh).__name__, wh.row_count("sell_in")
    ('DuckDBWarehouse', 0)
    """

    engine = "duckdb"

    def __init__(self, backend: Any, path: str) -> None:
        self._backend = backend
        self.path = path
        # DuckDB's Python connection is not safe across threads: this guards the one connection
        # (reads through the methods, writes for their whole transaction). Re-entrant, so a writer
        # may read inside its own transaction.
        self._con_lock = threading.RLock()
        self._lock = self._con_lock
        self._tx_depth = 0

    # ------------------------------------------------------------------ opening
    @classmethod
    def open_duckdb(cls, target: str, *, read_only: bool = False) -> DuckDBWarehouse:
        """Open the DuckDB warehouse ``target`` (a path, ``duckdb://path`` or ``:memory:``)."""
        target = target.removeprefix("duckdb://") or ":memory:"
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
            if _is_lock_conflict(exc):
                # never the engine's text: it names the holder's process id and executable
                raise busy(target) from None
            raise WarehouseError(f"cannot open warehouse {target}: {exc}") from exc
        # DuckDB's own progress bar would write into --json output; the CLI draws its own.
        backend.con.execute("SET enable_progress_bar = false")
        wh = cls(backend, target)
        if not read_only:
            wh.ensure_schema()
            wh._widen_derived_tables()
        else:
            wh._stand_in_for_old_tables()
            wh._stand_in_for_missing_derived_columns()
        return wh

    def _stand_in_for_old_tables(self) -> None:
        """A warehouse made by an older version may lack a newer entity's table or name a column
        the old way. Opened read-only it cannot be migrated, so temporary stand-ins (which DuckDB
        finds before the stored tables) give it the current shape: an empty table of the same
        columns, or a view renaming the old columns."""
        con = self.duckdb
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        database = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        for entity in ENTITIES.values():
            if entity.name not in present:
                con.execute(
                    f"CREATE TEMP TABLE {q(entity.name)} ({entity_columns_sql(entity)}, _batch_id VARCHAR)"
                )
                continue
            for table in (entity.name, history_table(entity.name)):
                old = self._old_names(table, renamed_columns(entity))
                if old:
                    renames = ", ".join(f"{q(a)} AS {q(b)}" for a, b in old)
                    con.execute(
                        f"CREATE TEMP VIEW {q(table)} AS SELECT * RENAME ({renames}) "
                        f"FROM {q(database)}.main.{q(table)}"
                    )

    def _stand_in_for_missing_derived_columns(self) -> None:
        """Read-only, a derived table cannot gain a column: a temporary view of the same name adds
        the missing ones, empty, so readers of the newer columns work on an older warehouse."""
        con = self.duckdb
        db = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        for name, cols in self._missing_derived_columns().items():
            extra = ", ".join(f"CAST(NULL AS {c.type.sql}) AS {q(c.name)}" for c in cols)
            con.execute(f"CREATE TEMP VIEW {q(name)} AS SELECT *, {extra} FROM {q(db)}.main.{q(name)}")

    def _old_names(self, table: str, renames: list[tuple[str, str]]) -> list[tuple[str, str]]:
        if not renames:
            return []
        cols = {
            r[0]
            for r in self.duckdb.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name <> 'temp'",
                [table],
            ).fetchall()
        }
        return [(a, b) for a, b in renames if a in cols and b not in cols]

    def close(self) -> None:
        self._backend.disconnect()

    # ------------------------------------------------------------------ engine seams
    @property
    def backend(self) -> Any:
        return self._backend

    @backend.setter
    def backend(self, value: Any) -> None:
        self._backend = value

    @property
    def duckdb(self) -> DuckDBPyConnection:
        return self._backend.con  # type: ignore[no-any-return]

    @property
    def read_only(self) -> bool:
        with self._connection() as con:
            row = con.execute("SELECT current_setting('access_mode')").fetchone()
        return bool(row and row[0] == "read_only")

    @contextmanager
    def _connection(self) -> Iterator[DuckDBPyConnection]:
        with self._con_lock:
            yield self.duckdb

    def ensure_schema(self) -> None:
        con = self.duckdb
        with self.transaction():
            for ddl in META_DDL:
                con.execute(ddl)
            for entity in ENTITIES.values():
                cols = entity_columns_sql(entity)
                # a column renamed since this warehouse was made: the table and its history together
                for table in (entity.name, history_table(entity.name)):
                    for old, new in self._old_names(table, renamed_columns(entity)):
                        con.execute(f"ALTER TABLE {q(table)} RENAME COLUMN {q(old)} TO {q(new)}")
                        if table == entity.name:
                            rename_in_rejects(con, entity.name, old, new)
                con.execute(f"CREATE TABLE IF NOT EXISTS {q(entity.name)} ({cols}, _batch_id VARCHAR)")
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS {q(history_table(entity.name))} "
                    f"({cols}, _batch_id VARCHAR, _superseded_by VARCHAR, _superseded_at TIMESTAMP)"
                )

    # ------------------------------------------------------------------ reading
    def table(self, name: str) -> ir.Table:
        return self._backend.table(name)  # type: ignore[no-any-return]

    def list_tables(self) -> list[str]:
        return list(self._backend.list_tables())

    def has_table(self, name: str) -> bool:
        # asked of the catalog, never by reading the table: a failed statement would abort a
        # caller's open transaction
        with self._connection() as con:
            row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
            if not (row and row[0]):
                row = con.execute(
                    "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary", [name]
                ).fetchone()
        return bool(row and row[0])

    def to_pyarrow(self, expr: ir.Expr) -> Any:
        with self._connection():
            return self._backend.to_pyarrow(expr)

    def to_polars(self, expr: ir.Table) -> pl.DataFrame:
        with self._connection():
            return self._backend.to_polars(expr)  # type: ignore[no-any-return]

    def to_pyarrow_cached(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        cached = _COMPILED.get(key)
        if cached is None:
            expr = build()
            cached = (str(ibis.to_sql(expr, dialect="duckdb")), expr.schema().to_pyarrow())
            _COMPILED.put(key, cached)
        sql, schema = cached
        with self._connection() as con:
            result = con.execute(sql).to_arrow_table()
        # the engine's types (a truncated date is a timestamp) to the declared ones
        return result.cast(schema)

    @staticmethod
    def compiled_queries() -> list[str]:
        """The SQL of the query shapes compiled so far in this process (to see which tables they read)."""
        return [sql for sql, _ in _COMPILED.values()]

    # ------------------------------------------------------------------ writing
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with self._con_lock:
            yield

    def _in_transaction(self) -> bool:
        return self._tx_depth > 0

    @contextmanager
    def transaction(self, tables: Sequence[str] = ()) -> Iterator[DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back on any exception (``tables`` is for Spark).

        DuckDB writes the commit to its WAL atomically, so a process killed before COMMIT leaves
        the file exactly as it was.
        """
        with self._con_lock:
            con = self.duckdb
            if self._tx_depth:  # joins the open transaction; the outer one commits
                self._tx_depth += 1
                try:
                    yield con
                finally:
                    self._tx_depth -= 1
                return
            con.execute("BEGIN TRANSACTION")
            self._tx_depth = 1
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
            finally:
                self._tx_depth = 0


def _claims(target: str) -> bool:
    return True  # the fallback: a path, ``duckdb://path`` or ``:memory:``


def _open(target: str, read_only: bool) -> Warehouse:
    return DuckDBWarehouse.open_duckdb(os.fspath(target), read_only=read_only)


register_engine("duckdb", _claims, _open)
