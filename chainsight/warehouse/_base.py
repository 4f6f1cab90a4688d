"""The warehouse port: the contract every engine implements, and :func:`connect`, which picks one.

Code above the warehouse asks these methods (or builds Ibis expressions on :meth:`Warehouse.table`)
and never writes SQL, so the same code runs on the embedded DuckDB warehouse and on Spark:

* reading: :meth:`~Warehouse.table`, :meth:`~Warehouse.to_pyarrow`, :meth:`~Warehouse.has_table`,
  :meth:`~Warehouse.has_rows`, :meth:`~Warehouse.row_count`, :attr:`~Warehouse.read_only`;
* the load bookkeeping: :meth:`~Warehouse.load_history`, :meth:`~Warehouse.latest_load`,
  :meth:`~Warehouse.load_summary`, :meth:`~Warehouse.rejects`, :meth:`~Warehouse.reject_counts`;
* writing tables the product derives (rollups, forecasts, plans): :meth:`~Warehouse.ensure_table`,
  :meth:`~Warehouse.replace_table`, :meth:`~Warehouse.replace_rows`, :meth:`~Warehouse.delete_rows`,
  all inside :meth:`~Warehouse.transaction` (they join an open one) and under
  :meth:`~Warehouse.write_lock`.

Engines register themselves (:func:`register_engine`), the way ``ibis.connect`` finds a backend by
the target's scheme, so this module imports neither engine and neither engine imports the other.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeAlias

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa
from duckdb import DuckDBPyConnection

from chainsight._errors import WarehouseError
from chainsight.model import DERIVED, Entity, StoredColumn

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


# ---------------------------------------------------------------------- DDL shared by the engines
def q(name: str) -> str:
    """A quoted identifier (names are ours or validated snake_case, quoted all the same)."""
    return '"' + name.replace('"', '""') + '"'


def entity_columns_sql(entity: Entity) -> str:
    return ", ".join(f"{q(c.name)} {c.type.sql}" for c in entity.columns)


META_DDL = (
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


def renamed_columns(entity: Entity) -> list[tuple[str, str]]:
    """``(old, new)`` for each column of ``entity`` that had another name before (``Column.aliases``):
    a warehouse made by an older version is migrated on open."""
    return [(old, c.name) for c in entity.columns for old in c.aliases]


def rename_in_rejects(con: DuckDBPyConnection, entity: str, old: str, new: str) -> None:
    """Rejected rows keep their values by column name (``raw_row``, ``column``): a renamed column is
    renamed there too, so retrying an old reject finds its value."""
    con.execute(
        f"""UPDATE {REJECTS} SET raw_row = replace(raw_row, ?, ?),
            "column" = CASE WHEN "column" = ? THEN ? ELSE "column" END
            WHERE entity = ? AND (contains(raw_row, ?) OR "column" = ?)""",
        [f'"{old}":', f'"{new}":', old, new, entity, f'"{old}":', old],
    )


# ---------------------------------------------------------------------- shapes
class ColumnShape(Protocol):
    """What :meth:`Warehouse.ensure_table` reads of a column: its name and ``type.sql`` (a DuckDB
    type: ``VARCHAR``, ``DOUBLE``, ``DATE``, ``JSON``, ``VARCHAR[]`` ...)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> Any: ...


class TableShape(Protocol):
    """What :meth:`Warehouse.ensure_table` reads of a table spec: its name and columns (an
    :class:`~chainsight.model.Entity` is one; so are the derived-table specs)."""

    @property
    def name(self) -> str: ...

    @property
    def columns(self) -> Sequence[ColumnShape]: ...


Rows: TypeAlias = pa.Table | pl.DataFrame
"""Rows handed to the warehouse: an Arrow table or a Polars frame (column names as in the table)."""


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """One entity's loads so far: how many, rows read and rejected, when the last one finished."""

    loads: int
    rows_read: int
    rows_rejected: int
    last_finished_at: dt.datetime | None


LOAD_HISTORY_COLUMNS = (
    "batch_id",
    "entity",
    "files",
    "checksum",
    "rows_read",
    "rows_loaded",
    "rows_updated",
    "rows_duplicate",
    "rows_rejected",
    "started_at",
    "finished_at",
    "outcome",
    "mapping",
    "message",
)
REJECT_COLUMNS = (
    "batch_id",
    "entity",
    "file",
    "row_number",
    "column",
    "raw_value",
    "reason_code",
    "reason_zh",
    "reason_en",
    "status",
    "created_at",
)


def _sql_type(column: Any) -> str:
    kind = column.type
    return str(getattr(kind, "sql", kind))


def _polars(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _arrow(rows: Rows) -> pa.Table:
    return rows.to_arrow() if isinstance(rows, pl.DataFrame) else rows


# ---------------------------------------------------------------------- the contract
class Warehouse:
    """A connection to the warehouse holding the canonical tables: an embedded DuckDB file, or
    (``spark://...`` URL or a YAML config with ``engine: spark``) a Spark warehouse of Parquet
    tables. Open one with :func:`connect` or :meth:`Warehouse.open`.

    >>> wh = Warehouse.open(":memory:")
    >>> wh.table("products").count().execute()
    0
    >>> wh.engine, wh.read_only, wh.has_rows("products")
    ('duckdb', False, False)
    """

    engine: ClassVar[str] = ""
    path: str
    # Deprecated: the lock :meth:`write_lock` holds, for code not yet moved to it.
    _lock: threading.RLock

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Warehouse:
        """The same as :func:`connect` (kept: callers and tests say ``Warehouse.open``)."""
        return connect(path, read_only=read_only)

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ engine seams
    @property
    def backend(self) -> Any:
        """The Ibis backend the tables of :meth:`table` are bound to."""
        raise NotImplementedError

    @property
    def duckdb(self) -> DuckDBPyConnection:
        """The DuckDB connection holding the bookkeeping tables (on Spark: the staging DuckDB whose
        views mirror the Parquet files). For ``warehouse/`` and ``ingest/`` only: everything else
        uses the methods of this class."""
        raise NotImplementedError

    @property
    def read_only(self) -> bool:
        """Whether this connection may write (``chainsight serve`` and read commands open read-only)."""
        raise NotImplementedError

    @contextmanager
    def _connection(self) -> Iterator[DuckDBPyConnection]:
        """:attr:`duckdb`, held for one statement or a few. The one place that guards the shared
        connection: per-thread cursors (parallel reads) replace it here, not in any caller."""
        raise NotImplementedError
        yield  # pragma: no cover

    def ensure_schema(self) -> None:
        """Create every canonical, history and bookkeeping table that does not exist yet."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reading
    def table(self, name: str) -> ir.Table:
        """The Ibis table of a canonical entity, a bookkeeping or a derived table."""
        raise NotImplementedError

    def list_tables(self) -> list[str]:
        """Names of the tables (canonical, bookkeeping and derived) in the warehouse."""
        raise NotImplementedError

    def has_table(self, name: str) -> bool:
        """Whether a table called ``name`` exists (asked of the catalog, never by reading it)."""
        raise NotImplementedError

    def has_rows(self, name: str) -> bool:
        """Whether ``name`` exists and holds at least one row."""
        if not self.has_table(name):
            return False
        with self._connection() as con:
            row = con.execute(f"SELECT EXISTS (SELECT 1 FROM {q(name)})").fetchone()
        return bool(row and row[0])

    def row_count(self, name: str) -> int:
        """Rows in table ``name``."""
        return int(self.to_pyarrow(self.table(name).count()).as_py())

    def columns(self, name: str) -> dict[str, str]:
        """Column name → DuckDB type of table ``name`` ({} when it does not exist)."""
        if not self.has_table(name):
            return {}
        with self._connection() as con:
            return {r[0]: r[1] for r in con.execute(f"DESCRIBE {q(name)}").fetchall()}

    def to_pyarrow(self, expr: ir.Expr) -> Any:
        """Execute an Ibis expression built on :meth:`table`: a table gives a ``pyarrow.Table``,
        a column a ``pyarrow`` array, a scalar a ``pyarrow`` scalar (``.as_py()`` for the value)."""
        raise NotImplementedError

    def to_polars(self, expr: ir.Table) -> pl.DataFrame:
        """Execute an Ibis table expression into a Polars frame."""
        return self.backend.to_polars(expr)  # type: ignore[no-any-return]

    def scalar(self, expr: ir.Scalar) -> Any:
        """The Python value of a scalar expression (``wh.scalar(t.date.max())``)."""
        return self.to_pyarrow(expr).as_py()

    def to_pyarrow_cached(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """Execute the table expression ``build()`` returns, compiling it once per ``key`` where the
        engine allows (the metrics compiler asks the same shapes of question again and again).
        ``key`` must determine the expression fully; the result has the expression's schema."""
        expr = build()
        result = self.to_pyarrow(expr)
        assert isinstance(result, pa.Table)
        return result

    # ------------------------------------------------------------------ bookkeeping readers
    def _bookkeeping(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        with self._connection() as con:
            return con.execute(sql, list(params)).to_arrow_table()

    def load_history(
        self,
        *,
        entity: str | None = None,
        checksum: str | None = None,
        outcome: str | None = None,
        limit: int | None = None,
    ) -> pl.DataFrame:
        """The load history, newest first, with :data:`LOAD_HISTORY_COLUMNS` (``files`` and ``mapping``
        are JSON text); ``outcome`` is ``loaded`` or ``retried``."""
        clauses, params = _where({"entity": entity, "checksum": checksum, "outcome": outcome})
        cols = ", ".join(LOAD_HISTORY_COLUMNS)
        sql = f"SELECT {cols} FROM {LOAD_HISTORY} {clauses} ORDER BY finished_at DESC, batch_id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return _polars(self._bookkeeping(sql, params))

    def latest_load(self, checksum: str, entity: str) -> str | None:
        """The batch id of the latest load of content ``checksum`` as ``entity`` (None: never loaded)."""
        rows = self.load_history(entity=entity, checksum=checksum, outcome="loaded", limit=1)
        return str(rows["batch_id"][0]) if rows.height else None

    def last_load_at(self) -> dt.datetime | None:
        """When the latest load or retry of any entity finished (None: nothing loaded yet)."""
        row = self._bookkeeping(f"SELECT max(finished_at) AS t FROM {LOAD_HISTORY}")
        value = row["t"][0].as_py()
        return value if isinstance(value, dt.datetime) else None

    def load_summary(self, *, outcome: str | None = None) -> dict[str, LoadSummary]:
        """Per entity with loads: count, rows read and rejected, last finish (``outcome`` filters)."""
        clauses, params = _where({"outcome": outcome})
        rows = self._bookkeeping(
            f"SELECT entity, count(*) AS n, sum(rows_read) AS r, sum(rows_rejected) AS j, "
            f"max(finished_at) AS t FROM {LOAD_HISTORY} {clauses} GROUP BY entity",
            params,
        ).to_pylist()
        return {
            r["entity"]: LoadSummary(int(r["n"]), int(r["r"] or 0), int(r["j"] or 0), r["t"]) for r in rows
        }

    def rejects(
        self,
        *,
        entity: str | None = None,
        status: str | None = "open",
        batch_id: str | None = None,
        limit: int | None = None,
    ) -> pl.DataFrame:
        """Rejected rows (one record per problem) with :data:`REJECT_COLUMNS`, newest first;
        ``status`` is ``open`` (default), ``retried``, ``resolved`` or None for all."""
        clauses, params = _where({"entity": entity, "status": status, "batch_id": batch_id})
        cols = ", ".join(q(c) for c in REJECT_COLUMNS)
        sql = f"SELECT {cols} FROM {REJECTS} {clauses} ORDER BY created_at DESC, entity, file, row_number"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return _polars(self._bookkeeping(sql, params))

    def reject_counts(self, *, status: str | None = "open") -> dict[str, int]:
        """Per entity: rejected rows (a row with several problems counts once)."""
        clauses, params = _where({"status": status})
        rows = self._bookkeeping(
            f"SELECT entity, count(DISTINCT (batch_id, file, row_number)) AS n FROM {REJECTS} {clauses} "
            "GROUP BY entity",
            params,
        ).to_pylist()
        return {r["entity"]: int(r["n"]) for r in rows}

    # ------------------------------------------------------------------ writing
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the warehouse for writing in this process: one writer at a time. Everything a writer
        does between taking and releasing it (temporary tables, a transaction) is on one connection.
        :meth:`transaction` takes it; take it yourself around work that must not interleave with
        another writer (reading, validating, then one transaction)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def checkout(self, *names: str) -> None:
        """Declare tables about to be written (the Spark warehouse stages them; DuckDB needs nothing)."""

    @contextmanager
    def transaction(self, tables: Sequence[str] = ()) -> Iterator[DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back on any exception. ``tables`` names the
        existing tables written (the Spark warehouse stages them). Opened inside an open transaction
        it joins it: the outer one commits. The connection yielded is for ``warehouse/`` and
        ``ingest/``; code above writes through the methods below."""
        raise NotImplementedError
        yield  # pragma: no cover

    def _in_transaction(self) -> bool:
        raise NotImplementedError

    def _prepare_replace(self, con: DuckDBPyConnection, name: str) -> None:
        """Make room for ``CREATE OR REPLACE TABLE name`` (Spark: drop the staging view)."""

    def ensure_table(self, spec: TableShape) -> None:
        """Create table ``spec.name`` with ``spec.columns`` when it does not exist, and add the
        columns it lacks when it does (a table made by an older version). Keys are not constraints:
        :meth:`replace_rows` keeps them."""
        wanted = [(c.name, _sql_type(c)) for c in spec.columns]
        have = self.columns(spec.name)
        if not have:
            with self.transaction() as con:
                con.execute(f"CREATE TABLE {q(spec.name)} ({', '.join(f'{q(n)} {t}' for n, t in wanted)})")
            return
        missing = [(n, t) for n, t in wanted if n not in have]
        if missing:
            with self.transaction((spec.name,)) as con:
                for n, t in missing:
                    con.execute(f"ALTER TABLE {q(spec.name)} ADD COLUMN {q(n)} {t}")

    def replace_table(self, name: str, data: ir.Table | Rows) -> int:
        """Replace (or create) table ``name`` with the rows of an Ibis expression on this warehouse's
        tables, or of Arrow/Polars rows; returns its row count. Column types are the expression's
        (DuckDB's date truncation yields a timestamp; a column the expression declares a date is
        stored as a date)."""
        token = f"__cs_replace_{uuid.uuid4().hex[:8]}"
        with self.transaction() as con:
            self._prepare_replace(con, name)
            if isinstance(data, ir.Table):
                # the compiled query itself, not wrapped: its ORDER BY is the stored order
                con.execute(f"CREATE OR REPLACE TABLE {q(name)} AS {ibis.to_sql(data, dialect='duckdb')}")
                dates = [c for c, t in data.schema().items() if t.is_date()]
            else:
                con.register(token, _arrow(data))
                try:
                    con.execute(f"CREATE OR REPLACE TABLE {q(name)} AS SELECT * FROM {token}")
                finally:
                    con.unregister(token)
                dates = []
            types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {q(name)}").fetchall()}
            for c in dates:
                if types.get(c, "").startswith("TIMESTAMP"):
                    con.execute(f"ALTER TABLE {q(name)} ALTER {q(c)} SET DATA TYPE DATE")
            row = con.execute(f"SELECT count(*) FROM {q(name)}").fetchone()
        return int(row[0]) if row else 0

    def delete_rows(self, name: str, where: Mapping[str, Any]) -> int:
        """Delete the rows of ``name`` whose columns equal ``where``'s values (None matches null);
        returns how many. An empty ``where`` is an error (to empty a table, :meth:`replace_table`)."""
        if not where:
            raise WarehouseError(f"delete from {name} needs a filter")
        clauses, params = _where(where, nulls=True)
        with self.transaction((name,)) as con:
            row = con.execute(f"SELECT count(*) FROM {q(name)} {clauses}", params).fetchone()
            con.execute(f"DELETE FROM {q(name)} {clauses}", params)
        return int(row[0]) if row else 0

    def replace_rows(
        self,
        name: str,
        rows: Rows,
        *,
        where: Mapping[str, Any] | None = None,
        key: Sequence[str] = (),
    ) -> int:
        """In one transaction: delete the rows of ``name`` that ``rows`` replace, insert ``rows``;
        returns the rows inserted. Which rows are replaced: those matching ``where`` (e.g.
        ``{"as_of": day}``: a rerun for that day replaces its rows), and those whose ``key`` columns
        equal an incoming row's (null equals null). Neither: a plain append. Columns are matched by
        name; a table column the rows lack is null."""
        data = _arrow(rows)
        token = f"__cs_rows_{uuid.uuid4().hex[:8]}"
        with self.transaction((name,)) as con:
            if where:
                clauses, params = _where(where, nulls=True)
                con.execute(f"DELETE FROM {q(name)} {clauses}", params)
            con.register(token, data)
            try:
                if key and data.num_rows:
                    # a key column the rows lack is null in each of them
                    same = " AND ".join(
                        f"t.{q(k)} IS NOT DISTINCT FROM r.{q(k)}"
                        if k in data.column_names
                        else f"t.{q(k)} IS NULL"
                        for k in key
                    )
                    con.execute(
                        f"DELETE FROM {q(name)} t WHERE EXISTS (SELECT 1 FROM {token} r WHERE {same})"
                    )
                if data.num_rows:
                    con.execute(f"INSERT INTO {q(name)} BY NAME SELECT * FROM {token}")
            finally:
                con.unregister(token)
        return int(data.num_rows)

    # ------------------------------------------------------------------ derived tables
    def _missing_derived_columns(self) -> dict[str, list[StoredColumn]]:
        """Per derived table in the warehouse: the columns its spec has and the table lacks."""
        out = {}
        for name, spec in DERIVED.items():
            have = self.columns(name)
            missing = [c for c in spec.columns if have and c.name not in have]
            if missing:
                out[name] = missing
        return out

    def _widen_derived_tables(self) -> None:
        """Add to each existing derived table the columns its spec gained, so a warehouse made by an
        older version stays writable and readable by the newer code. Runs on a writable open."""
        missing = self._missing_derived_columns()
        if missing:
            with self.transaction(sorted(missing)):
                for name in missing:
                    self.ensure_table(DERIVED[name])


def _where(values: Mapping[str, Any], *, nulls: bool = False) -> tuple[str, list[Any]]:
    """``WHERE a = ? AND b = ?`` of the given values; None skips the column, or with ``nulls``
    matches null."""
    clauses, params = [], []
    for col, value in values.items():
        if value is None:
            if nulls:
                clauses.append(f"{q(col)} IS NULL")
            continue
        clauses.append(f"{q(col)} = ?")
        params.append(value)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


# ---------------------------------------------------------------------- choosing an engine
@dataclass(frozen=True, slots=True)
class _Engine:
    name: str
    claims: Callable[[str], bool]
    open: Callable[[str, bool], Warehouse]


_ENGINES: list[_Engine] = []
_ENGINES_LOCK = threading.Lock()


def register_engine(
    name: str, claims: Callable[[str], bool], open_: Callable[[str, bool], Warehouse]
) -> None:
    """Teach :func:`connect` an engine: ``claims(target)`` says whether a target is its own,
    ``open_(target, read_only)`` opens it. The first engine claiming a target wins; the embedded
    DuckDB engine claims every target no other engine does."""
    with _ENGINES_LOCK:
        _ENGINES[:] = [e for e in _ENGINES if e.name != name]
        _ENGINES.append(_Engine(name, claims, open_))
        _ENGINES.sort(key=lambda e: e.name == "duckdb")  # the fallback last


def engines() -> tuple[str, ...]:
    """Names of the registered engines, in the order :func:`connect` asks them."""
    return tuple(e.name for e in _ENGINES)


def connect(target: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse ``target``: ``:memory:`` or a file path (or ``duckdb://path``) is the
    embedded DuckDB warehouse; a ``spark://`` URL or a YAML file with ``engine: spark`` is a Spark
    warehouse. None: ``$CHAINSIGHT_WAREHOUSE``, else ``./chainsight.duckdb``.

    >>> connect(":memory:").engine
    'duckdb'
    """
    resolved = resolve_warehouse_path(target)
    for engine in list(_ENGINES):
        if engine.claims(resolved):
            return engine.open(resolved, read_only)
    raise LookupError(f"no warehouse engine is registered for {resolved!r}")  # a packaging bug
