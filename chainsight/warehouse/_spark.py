"""The Spark warehouse: Parquet tables partitioned by month, queried through Ibis' PySpark backend.

Layout of a Spark warehouse directory (a path the driver and every executor can read, e.g. a
local disk for ``local[*]`` or a shared mount on a cluster)::

    <dir>/_manifest.json                       which version of each table is current
    <dir>/<table>/<version>/_month=2025-06/*.parquet   fact tables: one folder per month
    <dir>/<table>/<version>/data_0.parquet     master data and bookkeeping: unpartitioned

Readers (Spark, and the embedded DuckDB below) read exactly the files the manifest names, so a
load that writes new versions and then swaps the manifest (one ``os.replace``) is atomic: a
crash before the swap leaves only unreferenced folders, which the next write removes.

Writing reuses the DuckDB loader unchanged. The warehouse keeps an in-memory DuckDB *staging*
connection (:attr:`SparkWarehouse.duckdb`) where every table is a view over its current Parquet
files; a writer checks the tables it changes out (:meth:`SparkWarehouse.checkout` turns each view
into a real table), works in a DuckDB transaction as on the embedded warehouse, and the commit
publishes every checked-out or newly created table as a new version under one manifest swap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml
from duckdb import DuckDBPyConnection

from chainsight._errors import DefinitionError, UserInputError, WarehouseError
from chainsight.model import DERIVED, ENTITIES
from chainsight.warehouse._base import (
    META_DDL,
    REJECTS,
    Warehouse,
    entity_columns_sql,
    history_table,
    register_engine,
    rename_in_rejects,
    renamed_columns,
)

MANIFEST = "_manifest.json"
LOCK_FILE = "_lock"
PARTITION_COLUMN = "_month"
DEFAULT_SPARK_DIR = "chainsight-spark"
ENV_SPARK_DIR = "CHAINSIGHT_SPARK_DIR"

# A small local session: start-up time matters more than throughput on a laptop or in tests.
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
}
# Always set: the semantics the metric catalog is written for (same as DuckDB).
REQUIRED_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    # ANSI mode turns x / 0 into an error; DuckDB and the catalog expect NULL.
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.mergeSchema": "false",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}


@dataclass(frozen=True, slots=True)
class SparkConfig:
    """Where the Spark warehouse lives and which Spark runs it.

    >>> SparkConfig.parse("spark://local[2]?warehouse=/data/cs").master
    'local[2]'
    >>> SparkConfig.parse("spark://head:7077?warehouse=/mnt/cs").master
    'spark://head:7077'
    """

    master: str
    warehouse: str
    app_name: str = "chainsight"
    conf: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    @staticmethod
    def is_spark_target(target: str) -> bool:
        """A ``spark://`` URL, or a YAML file whose ``engine`` is ``spark``."""
        if target.startswith("spark://"):
            return True
        if target.endswith((".yaml", ".yml")) and Path(target).is_file():
            try:
                data = yaml.safe_load(Path(target).read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                return False
            return isinstance(data, dict) and data.get("engine") == "spark"
        return False

    @classmethod
    def parse(cls, target: str) -> SparkConfig:
        """``spark://local[*]``, ``spark://local[2]?warehouse=DIR``, ``spark://host:7077?warehouse=DIR``
        (a standalone master), or a YAML config file (``engine: spark``, ``master``, ``warehouse``,
        ``app_name``, ``conf``)."""
        if target.startswith("spark://"):
            return cls._from_url(target)
        return cls._from_yaml(Path(target))

    @classmethod
    def _from_url(cls, url: str) -> SparkConfig:
        rest = url.removeprefix("spark://")
        rest, _, query = rest.partition("?")
        params: dict[str, str] = {}
        for item in filter(None, query.split("&")):
            key, sep, value = item.partition("=")
            if not sep or key not in {"warehouse", "app_name"}:
                raise UserInputError(
                    f"Spark 地址参数无效:{item}(可用 warehouse=目录、app_name=名称)",
                    f"invalid Spark URL parameter: {item} (use warehouse=DIR, app_name=NAME)",
                    file=url,
                    value=item,
                )
            params[key] = value
        if not rest:
            raise UserInputError(
                "Spark 地址缺少 master,例如 spark://local[*]",
                "the Spark URL lacks a master, e.g. spark://local[*]",
                file=url,
            )
        master = rest if rest.startswith(("local", "yarn", "k8s")) else "spark://" + rest
        if not re.fullmatch(r"local(\[(\*|\d+)\])?|yarn|k8s://\S+|spark://[\w.\-]+(:\d+)?", master):
            raise UserInputError(
                f"无法识别的 Spark master:{master}",
                f"unrecognised Spark master: {master}",
                file=url,
                value=master,
            )
        warehouse = params.get("warehouse") or os.environ.get(ENV_SPARK_DIR) or DEFAULT_SPARK_DIR
        return cls(master, warehouse, params.get("app_name", "chainsight"), {}, url)

    @classmethod
    def _from_yaml(cls, path: Path) -> SparkConfig:
        def bad(fld: str, zh: str, en: str) -> DefinitionError:
            return DefinitionError(zh, en, file=str(path), field=fld)

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UserInputError(
                f"无法读取 Spark 配置:{exc}", f"cannot read the Spark config: {exc}", file=str(path)
            ) from None
        if not isinstance(data, dict):
            raise bad("", "Spark 配置应是键值映射", "the Spark config must be a mapping")
        unknown = set(data) - {"engine", "master", "warehouse", "app_name", "conf"}
        if unknown:
            raise bad(
                sorted(unknown)[0],
                f"未知字段:{', '.join(sorted(unknown))}",
                f"unknown field(s): {', '.join(sorted(unknown))} (allowed: engine, master, warehouse, app_name, conf)",
            )
        if data.get("engine") != "spark":
            raise bad("engine", "engine 必须是 spark", "engine must be spark")
        for key in ("master", "warehouse"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise bad(key, f"缺少字段 {key}(字符串)", f"missing field {key} (a string)")
        conf = data.get("conf") or {}
        if not isinstance(conf, dict) or not all(isinstance(k, str) for k in conf):
            raise bad("conf", "conf 应是 Spark 配置项到值的映射", "conf must map Spark settings to values")
        warehouse = data["warehouse"]
        if "://" not in warehouse and not Path(warehouse).is_absolute():
            warehouse = str((path.parent / warehouse).resolve())  # relative to the config file
        return cls(
            data["master"],
            warehouse,
            str(data.get("app_name") or "chainsight"),
            {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in conf.items()},
            str(path),
        )

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")


# ---------------------------------------------------------------------- the session
_SESSION_LOCK = threading.Lock()
_SESSION: Any = None


def spark_session(config: SparkConfig | str | None = None) -> Any:
    """The process's SparkSession (Spark allows one per process), started on first use.

    ``config`` (a :class:`SparkConfig`, URL or config path) applies only when the session starts;
    later calls return the running session. Local sessions are kept small (2 cores' worth of
    shuffle partitions, no UI, quiet logs).
    """
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is not None and not _SESSION._jsc.sc().isStopped():
            return _SESSION
        cfg = SparkConfig.parse(config) if isinstance(config, str) else config
        cfg = cfg or SparkConfig.parse("spark://local[2]")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(cfg.master).appName(cfg.app_name)
        local = dict(LOCAL_DEFAULTS)
        if cfg.is_local:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            log4j = Path(__file__).with_name("log4j2.properties")
            local["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={log4j.as_uri()}"
        settings = {**(local if cfg.is_local else {}), **cfg.conf, **REQUIRED_CONF}
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _SESSION = session
        return session


def stop_spark() -> None:
    """Stop the process's SparkSession (the next :func:`spark_session` starts a new one)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is not None:
            _SESSION.stop()
            _SESSION = None


# ---------------------------------------------------------------------- table layout
def partition_column(table: str) -> str | None:
    """The date column a table is partitioned by month on (None: unpartitioned).

    >>> partition_column("sell_in"), partition_column("products"), partition_column("_cs_history_sell_in")
    ('date', None, 'date')
    """
    name = table.removeprefix("_cs_history_")
    entity = ENTITIES.get(name)
    return entity.date_column if entity is not None else None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    """A string literal of a path we built ourselves (never user input)."""
    return "'" + text.replace("'", "''") + "'"


_TYPE_MAP = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "SMALLINT": "SMALLINT",
    "TINYINT": "TINYINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP_NTZ",  # DuckDB writes local (not UTC-adjusted) timestamps
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
}


def _spark_schema(columns: list[tuple[str, str]]) -> str | None:
    """The Spark DDL schema of DuckDB columns, so Spark need not open a footer to learn it
    (None when a type has no plain mapping: Spark then infers it)."""
    parts = []
    for name, typ in columns:
        spark = _TYPE_MAP.get(typ) or (typ if re.fullmatch(r"DECIMAL\(\d+,\d+\)", typ) else None)
        if spark is None:
            return None
        parts.append(f"`{name.replace('`', '``')}` {spark}")
    return ", ".join(parts)


@dataclass
class _Manifest:
    tables: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, root: Path) -> _Manifest:
        path = root / MANIFEST
        if not path.exists():
            return cls({})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise WarehouseError(f"cannot read the Spark warehouse manifest {path}: {exc}") from exc
        return cls(dict(data.get("tables", {})))

    def write(self, root: Path) -> None:
        """Atomic: write a temporary file beside the manifest, flush it to disk, rename over."""
        data = {"format": 1, "updated_at": dt.datetime.now().isoformat(), "tables": self.tables}
        tmp = root / f".{MANIFEST}.{uuid.uuid4().hex}"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / MANIFEST)
        with contextlib.suppress(OSError):  # make the rename itself durable
            fd = os.open(root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


# ---------------------------------------------------------------------- the store
class SparkStore:
    """The Parquet files and manifest of one Spark warehouse directory, and the staging DuckDB
    whose views mirror them. Engine-neutral: Spark registration lives in the warehouse class."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = _Manifest.read(root)
        self.staging = duckdb.connect(":memory:")
        self.staging.execute("SET enable_progress_bar = false")
        self.checked_out: set[str] = set()
        self._lock_fh: Any = None
        self.refresh_views()

    # ------------------------------------------------------------ reading
    def files(self, table: str) -> list[str]:
        entry = self.manifest.tables[table]
        return [str(self.root / table / entry["version"] / f) for f in entry["files"]]

    def refresh_views(self, names: set[str] | None = None) -> None:
        """(Re)point the staging views at the files the manifest names."""
        current = {
            r[0]: r[1]
            for r in self.staging.execute(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        for name in sorted(names if names is not None else self.manifest.tables):
            if current.get(name) == "BASE TABLE":
                self.staging.execute(f"DROP TABLE {_q(name)}")
            if name not in self.manifest.tables:
                self.staging.execute(f"DROP VIEW IF EXISTS {_q(name)}")
                continue
            files = ", ".join(_sql_str(f) for f in self.files(name))
            self.staging.execute(
                f"CREATE OR REPLACE VIEW {_q(name)} AS SELECT * FROM read_parquet([{files}], hive_partitioning = false)"
            )

    # ------------------------------------------------------------ writing
    def lock(self) -> None:
        """One writer at a time per warehouse directory (an advisory lock on ``_lock``)."""
        if self._lock_fh is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock_fh = (self.root / LOCK_FILE).open("a")
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX)
            # Build on what is current now, not on what was current when we opened.
            fresh = _Manifest.read(self.root)
            if fresh.tables != self.manifest.tables:
                changed = {
                    n
                    for n in set(fresh.tables) | set(self.manifest.tables)
                    if fresh.tables.get(n) != self.manifest.tables.get(n)
                }
                self.manifest = fresh
                self.refresh_views(changed - self.checked_out)

    def unlock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def checkout(self, names: list[str]) -> None:
        """Make tables writable in the staging DuckDB: each view becomes a table with its rows."""
        self.lock()
        for name in names:
            if name in self.checked_out or name not in self.manifest.tables:
                continue
            tmp = f"__cs_checkout_{uuid.uuid4().hex[:8]}"
            self.staging.execute(f"CREATE TABLE {_q(tmp)} AS SELECT * FROM {_q(name)}")
            self.staging.execute(f"DROP VIEW {_q(name)}")
            self.staging.execute(f"ALTER TABLE {_q(tmp)} RENAME TO {_q(name)}")
            self.checked_out.add(name)

    def staged_tables(self) -> list[str]:
        """Checked-out tables and tables created in staging since: what a commit publishes."""
        return sorted(
            r[0]
            for r in self.staging.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory' "
                "AND schema_name = 'main' AND NOT temporary"
            ).fetchall()
        )

    def publish(self) -> list[str]:
        """Write every staged table as a new version, then swap the manifest once. Returns the names."""
        names = self.staged_tables()
        if not names:
            self.discard()
            return []
        self.lock()
        try:
            version = dt.datetime.now().strftime("v%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
            tables = dict(self.manifest.tables)
            for name in names:
                tables[name] = self._write_version(name, version)
            new = _Manifest(tables)
            new.write(self.root)
            old = self.manifest
            self.manifest = new
            self.checked_out.clear()
            self.refresh_views(set(names))
            self._collect_garbage(old, names)
            return names
        except BaseException:
            self.discard()
            raise
        finally:
            self.unlock()

    def _write_version(self, name: str, version: str) -> dict[str, Any]:
        target = self.root / name / version
        target.mkdir(parents=True, exist_ok=False)
        rows = int(self.staging.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0])  # type: ignore[index]
        column = partition_column(name)
        names = {r[0] for r in self.staging.execute(f"DESCRIBE {_q(name)}").fetchall()}
        if rows and column and column in names:
            month = f"coalesce(strftime({_q(column)}, '%Y-%m'), 'none')"
            self.staging.execute(
                f"COPY (SELECT *, {month} AS {PARTITION_COLUMN} FROM {_q(name)}) TO {_sql_str(str(target))} "
                f"(FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN}), FILENAME_PATTERN 'data_{{i}}', "
                "COMPRESSION zstd)"
            )
            partitioned: str | None = PARTITION_COLUMN
        else:
            self.staging.execute(
                f"COPY {_q(name)} TO {_sql_str(str(target / 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)"
            )
            partitioned = None
        files = sorted(str(p.relative_to(target)) for p in target.rglob("*.parquet"))
        columns = self.staging.execute(f"DESCRIBE {_q(name)}").fetchall()
        return {
            "version": version,
            "files": files,
            "partition": partitioned,
            "rows": rows,
            "spark_schema": _spark_schema([(r[0], r[1]) for r in columns]),
        }

    def _collect_garbage(self, old: _Manifest, published: list[str]) -> None:
        """Keep the current and the previous version of each published table (a reader that opened
        before this write still finds its files); remove older and unreferenced (crashed) ones."""
        for name in published:
            keep = {self.manifest.tables[name]["version"]}
            if name in old.tables:
                keep.add(old.tables[name]["version"])
            folder = self.root / name
            for child in folder.iterdir() if folder.exists() else []:
                if child.is_dir() and child.name not in keep:
                    shutil.rmtree(child, ignore_errors=True)

    def discard(self) -> None:
        """Drop staged changes: every table is a view over the current files again."""
        for name in self.staged_tables():
            self.staging.execute(f"DROP TABLE {_q(name)}")
        self.checked_out.clear()
        self.refresh_views()
        self.unlock()

    def close(self) -> None:
        self.unlock()
        self.staging.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DuckDBPyConnection]:
        """A DuckDB transaction in staging; its commit publishes the staged tables."""
        self.lock()
        con = self.staging
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            self.discard()
            raise
        con.execute("COMMIT")
        self.publish()


# ---------------------------------------------------------------------- the Ibis backend
_BACKEND_CLASS: Any = None


def _pyspark_backend_class() -> Any:
    """Ibis' PySpark backend, taught two things the analyses need: in-memory tables (``ibis.memtable``
    of a Polars frame) with unsigned integer columns (Spark has none; they are widened to the next
    signed type before Spark sees them), and a sorted ``collect``."""
    global _BACKEND_CLASS
    if _BACKEND_CLASS is not None:
        return _BACKEND_CLASS
    import ibis.expr.datatypes as dt_
    import ibis.expr.schema as sch
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkSchema
    from ibis.backends.sql.compilers.base import NULL
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    Backend.register_options()  # what ibis does on first use of ``ibis.pyspark`` (ibis.options.pyspark)

    widen = {dt_.UInt8: dt_.Int16, dt_.UInt16: dt_.Int32, dt_.UInt32: dt_.Int64, dt_.UInt64: dt_.Int64}

    class ChainsightPySparkCompiler(PySparkCompiler):  # type: ignore[misc]
        def visit_ArrayCollect(
            self, op: Any, *, arg: Any, where: Any, order_by: Any, include_null: Any, distinct: Any
        ) -> Any:
            """``x.collect(order_by=x)`` (a sorted list of values) as Spark's ``array_sort(collect_list(x))``;
            Ibis' PySpark compiler refuses any ordered collect."""
            if (
                order_by
                and len(order_by) == 1
                and not order_by[0].args.get("desc")
                and order_by[0].this == arg
                and not include_null
                and not distinct
            ):
                if where is not None:
                    arg = self.if_(where, arg, NULL)
                return self.f.array_sort(self.f.collect_list(arg))
            return super().visit_ArrayCollect(
                op, arg=arg, where=where, order_by=order_by, include_null=include_null, distinct=distinct
            )

    class ChainsightPySpark(Backend):  # type: ignore[misc]
        compiler = ChainsightPySparkCompiler()

        def _register_in_memory_table(self, op: Any) -> None:
            schema = op.schema
            if not any(type(t) in widen for t in schema.types):
                super()._register_in_memory_table(op)
                return
            signed = sch.Schema(
                {n: widen[type(t)](nullable=t.nullable) if type(t) in widen else t for n, t in schema.items()}
            )
            table = op.data.to_pyarrow(schema).cast(signed.to_pyarrow())
            df = self._session.createDataFrame(
                table.to_pandas(types_mapper=None), schema=PySparkSchema.from_ibis(signed)
            )
            df.createOrReplaceTempView(op.name)

    _BACKEND_CLASS = ChainsightPySpark
    return _BACKEND_CLASS


# ---------------------------------------------------------------------- the warehouse
_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP_NTZ",
    "BOOLEAN": "BOOLEAN",
}


class SparkWarehouse(Warehouse):
    """A warehouse of Parquet tables (partitioned by month) queried on Spark through Ibis.

    :meth:`table` returns Ibis tables on Spark; :attr:`duckdb` is the staging DuckDB (views over
    the same files) the loader and bookkeeping use; :attr:`spark` is the SparkSession.
    """

    engine = "spark"

    def __init__(self, path: str, store: SparkStore, config: SparkConfig, *, read_only: bool = False) -> None:
        # No super().__init__: the Ibis backend is a lazy property (loading needs no Spark).
        self.path = path
        self._lock = threading.RLock()
        self.store = store
        self.config = config
        self._read_only = read_only
        self._tx_depth = 0
        self._registered: set[str] = set()
        self._stand_ins: dict[str, str] = {}
        self._session: Any = None
        self._backend: Any = None

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def spark(self) -> Any:
        """This warehouse's SparkSession (its own temp views over the process's SparkContext).
        Started on first use: loading and bookkeeping run in DuckDB and never start Spark."""
        with self._lock:
            if self._session is None:
                self._session = spark_session(self.config).newSession()
            return self._session

    @property
    def backend(self) -> Any:
        """The Ibis PySpark backend."""
        with self._lock:
            if self._backend is None:
                self._backend = _pyspark_backend_class()().connect(self.spark)
            return self._backend

    @classmethod
    def open_spark(cls, target: str, *, read_only: bool = False) -> SparkWarehouse:
        """Open the Spark warehouse ``target`` (a ``spark://`` URL or a YAML config file)."""
        config = SparkConfig.parse(target)
        root = Path(config.warehouse).expanduser()
        if read_only and not (root / MANIFEST).exists():
            raise UserInputError(
                "Spark 仓库尚不存在,请先加载数据(chainsight load 或 chainsight demo run)",
                "the Spark warehouse does not exist yet; load data first (chainsight load or chainsight demo run)",
                file=str(root),
            )
        if not read_only and not root.parent.exists():
            raise UserInputError(
                f"仓库目录不存在:{root.parent}",
                f"warehouse folder does not exist: {root.parent}",
                file=target,
            )
        wh = cls(target, SparkStore(root.resolve()), config, read_only=read_only)
        if read_only:
            wh._stand_in_for_missing_tables()
        else:
            wh.ensure_schema()
            wh._widen_derived_tables()
        return wh

    # ------------------------------------------------------------------ reading
    def _register(self, names: set[str]) -> None:
        """Point Spark temp views at the files the manifest names (for tables already in use;
        the others are registered when first asked for)."""
        for name in sorted(names & self._registered):
            self._registered.discard(name)
            self.spark.catalog.dropTempView(name)
            if name in self.store.manifest.tables:
                self._view(name)

    def _view(self, name: str) -> None:
        entry = self.store.manifest.tables[name]
        reader = self.spark.read
        if entry.get("spark_schema"):
            reader = reader.schema(entry["spark_schema"])
        df = reader.parquet(*self.store.files(name))
        if PARTITION_COLUMN in df.columns:
            df = df.drop(PARTITION_COLUMN)
        if name in DERIVED:  # read-only on an older warehouse: columns the spec gained, empty
            from pyspark.sql import functions as F

            for c in DERIVED[name].columns:
                if c.name not in df.columns and c.type.sql in _SPARK_TYPES:
                    df = df.withColumn(c.name, F.lit(None).cast(_SPARK_TYPES[c.type.sql]))
        # files written before a column was renamed (read-only: nothing was migrated)
        for old, new in _renames_of(name):
            if old in df.columns and new not in df.columns:
                df = df.withColumnRenamed(old, new)
        df.createOrReplaceTempView(name)
        self._registered.add(name)

    def table(self, name: str) -> Any:
        """The Ibis table (on Spark) of a canonical entity or bookkeeping table."""
        with self._lock:
            if name not in self._registered and name in self.store.manifest.tables:
                self._view(name)
            elif name not in self._registered and name in self._stand_ins:
                self.spark.createDataFrame([], schema=self._stand_ins[name]).createOrReplaceTempView(name)
                self._registered.add(name)
        return self.backend.table(name)

    def list_tables(self) -> list[str]:
        return sorted(set(self.store.manifest.tables) | set(self._stand_ins))

    def has_table(self, name: str) -> bool:
        if name in self.store.manifest.tables or name in self._stand_ins:
            return True
        # a table created by the open transaction is staged, not yet in the manifest
        return self._tx_depth > 0 and name in self.store.staged_tables()

    def has_rows(self, name: str) -> bool:
        """From the manifest (no Spark job): the published version's row count."""
        entry = self.store.manifest.tables.get(name)
        if self._tx_depth > 0 and name in self.store.staged_tables():
            return super().has_rows(name)
        return bool(entry and entry.get("rows"))

    def to_pyarrow(self, expr: Any) -> Any:
        return self.backend.to_pyarrow(expr)

    @contextmanager
    def _connection(self) -> Iterator[DuckDBPyConnection]:
        with self._lock:
            yield self.duckdb

    def _stand_in_for_missing_tables(self) -> None:
        for entity in ENTITIES.values():
            if entity.name not in self.store.manifest.tables:
                cols = [f"{_q(c.name)} {c.type.sql}" for c in entity.columns] + ['"_batch_id" VARCHAR']
                self.duckdb.execute(f"CREATE TEMP TABLE {_q(entity.name)} ({', '.join(cols)})")
                schema = (
                    ", ".join(f"`{c.name}` {_SPARK_TYPES[c.type.sql]}" for c in entity.columns)
                    + ", `_batch_id` STRING"
                )
                self._stand_ins[entity.name] = schema

    def refresh(self) -> None:
        """Re-read the manifest: see what other processes have loaded since this one opened."""
        with self._lock:
            fresh = _Manifest.read(self.store.root)
            changed = {
                n
                for n in set(fresh.tables) | set(self.store.manifest.tables)
                if fresh.tables.get(n) != self.store.manifest.tables.get(n)
            }
            self.store.manifest = fresh
            self.store.refresh_views(changed)
            self._register(changed)

    def close(self) -> None:
        # The SparkContext is shared by the process; only this warehouse's views go.
        if self._session is not None:
            with contextlib.suppress(Exception):
                for name in self._registered:
                    self._session.catalog.dropTempView(name)
        self.store.close()

    # ------------------------------------------------------------------ writing
    @property
    def duckdb(self) -> DuckDBPyConnection:
        """The staging DuckDB: every table a view over its current Parquet files."""
        return self.store.staging

    def ensure_schema(self) -> None:
        """Publish an empty version of every canonical, history and bookkeeping table not there yet,
        and a new version of a table whose columns were renamed since it was written."""
        with self._lock:
            self.store.lock()
            try:
                existing = set(self.store.manifest.tables)
                con = self.duckdb
                renames: dict[str, list[tuple[str, str]]] = {}
                for entity in ENTITIES.values():
                    for table in (entity.name, history_table(entity.name)):
                        if table in existing:
                            have = {r[0] for r in con.execute(f"DESCRIBE {_q(table)}").fetchall()}
                            old = [(a, b) for a, b in renamed_columns(entity) if a in have and b not in have]
                            if old:
                                renames[table] = old
                self.store.checkout(sorted(renames) + ([REJECTS] if renames and REJECTS in existing else []))
                for table, pairs in renames.items():
                    for before, after in pairs:
                        con.execute(f"ALTER TABLE {_q(table)} RENAME COLUMN {_q(before)} TO {_q(after)}")
                        if table in ENTITIES and REJECTS in existing:
                            rename_in_rejects(con, table, before, after)
                for ddl in META_DDL:
                    name = ddl.split("IF NOT EXISTS", 1)[1].split("(", 1)[0].strip()
                    if name not in existing:
                        con.execute(ddl)
                for entity in ENTITIES.values():
                    cols = entity_columns_sql(entity)
                    if entity.name not in existing:
                        con.execute(f"CREATE TABLE {_q(entity.name)} ({cols}, _batch_id VARCHAR)")
                    hist = history_table(entity.name)
                    if hist not in existing:
                        con.execute(
                            f"CREATE TABLE {_q(hist)} ({cols}, _batch_id VARCHAR, _superseded_by VARCHAR, "
                            "_superseded_at TIMESTAMP)"
                        )
                published = self.store.publish()
            finally:
                self.store.unlock()
            self._register(set(published))

    def checkout(self, *names: str) -> None:
        """Make ``names`` writable in :attr:`duckdb` until the next transaction ends."""
        self.store.checkout(list(names))

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with self._lock:
            yield

    def _in_transaction(self) -> bool:
        return self._tx_depth > 0

    def _prepare_replace(self, con: DuckDBPyConnection, name: str) -> None:
        """A table not checked out is a staging view over its files: the new version replaces it."""
        row = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT temporary AND NOT internal",
            [name],
        ).fetchone()
        if row and row[0]:
            con.execute(f"DROP VIEW {_q(name)}")

    @contextmanager
    def transaction(self, tables: Sequence[str] = ()) -> Iterator[DuckDBPyConnection]:
        """All-or-nothing on the Parquet files: ``tables`` (and tables created inside) are staged in
        DuckDB; the commit writes each as a new version and swaps the manifest once. A failure, or a
        crash at any point before the swap, leaves the warehouse as it was. Opened inside an open
        transaction it stages ``tables`` too and joins it."""
        if self.read_only:
            raise WarehouseError(f"the Spark warehouse {self.path} was opened read-only")
        with self._lock:
            if self._tx_depth:
                self.store.checkout(list(tables))
                self._tx_depth += 1
                try:
                    yield self.store.staging
                finally:
                    self._tx_depth -= 1
                return
            before = dict(self.store.manifest.tables)
            self._tx_depth = 1
            try:
                self.store.checkout(list(tables))
                with self.store.transaction() as con:
                    yield con
            finally:
                self._tx_depth = 0
                self.store.unlock()
            after = self.store.manifest.tables
            self._register({n for n in set(before) | set(after) if before.get(n) != after.get(n)})

    def publish_tables(self, tables: Mapping[str, Any]) -> None:
        """Replace (or create) whole tables from Arrow tables, atomically (e.g. copy a DuckDB warehouse)."""
        with self.transaction():
            for name, data in tables.items():
                self.replace_table(name, data)


def _renames_of(table: str) -> list[tuple[str, str]]:
    entity = ENTITIES.get(table.removeprefix("_cs_history_"))
    return renamed_columns(entity) if entity is not None else []


def _claims(target: str) -> bool:
    return SparkConfig.is_spark_target(target)


def _open(target: str, read_only: bool) -> Warehouse:
    return SparkWarehouse.open_spark(target, read_only=read_only)


register_engine("spark", _claims, _open)


def copy_warehouse(source: Warehouse, target: Warehouse, tables: Sequence[str] | None = None) -> list[str]:
    """Copy tables (default: every table of ``source``) into ``target`` in one atomic publish,
    e.g. to move an embedded DuckDB warehouse onto Spark. Returns the names copied.

    Reads through ``source.duckdb`` in Arrow batches; only a Spark warehouse can be the target.
    """
    if not isinstance(target, SparkWarehouse):
        raise WarehouseError("copy_warehouse writes to a Spark warehouse only")
    con = source.duckdb
    names = (
        list(tables)
        if tables is not None
        else sorted(
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        )
    )
    with target.transaction() as staging:
        for name in names:
            reader = con.execute(f"SELECT * FROM {_q(name)}").to_arrow_reader()
            staging.register("__cs_copy", reader)
            staging.execute(f"DROP VIEW IF EXISTS {_q(name)}")
            staging.execute(f"CREATE OR REPLACE TABLE {_q(name)} AS SELECT * FROM __cs_copy")
            staging.unregister("__cs_copy")
    return names
