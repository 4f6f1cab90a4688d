"""The warehouse port: DuckDB by default, or Spark over Parquet, both through Ibis, with the load
bookkeeping. Open one with :func:`connect` (or ``Warehouse.open``); code above asks the
:class:`Warehouse` methods and never writes SQL.
"""

# The engines register themselves with ``connect`` on import (DuckDB first: the fallback).
from chainsight.warehouse._base import (
    DEFAULT_WAREHOUSE,
    ENV_WAREHOUSE,
    LOAD_HISTORY,
    LOAD_HISTORY_COLUMNS,
    REJECT_COLUMNS,
    REJECTS,
    LoadSummary,
    Rows,
    TableShape,
    Warehouse,
    connect,
    engines,
    history_table,
    register_engine,
    resolve_warehouse_path,
)
from chainsight.warehouse._duckdb import DuckDBWarehouse
from chainsight.warehouse._spark import (
    SparkConfig,
    SparkWarehouse,
    copy_warehouse,
    partition_column,
    spark_session,
    stop_spark,
)
from chainsight.warehouse._status import DOMAINS, warehouse_status

__all__ = [
    "DEFAULT_WAREHOUSE",
    "DOMAINS",
    "ENV_WAREHOUSE",
    "LOAD_HISTORY",
    "LOAD_HISTORY_COLUMNS",
    "REJECTS",
    "REJECT_COLUMNS",
    "DuckDBWarehouse",
    "LoadSummary",
    "Rows",
    "SparkConfig",
    "SparkWarehouse",
    "TableShape",
    "Warehouse",
    "connect",
    "copy_warehouse",
    "engines",
    "history_table",
    "partition_column",
    "register_engine",
    "resolve_warehouse_path",
    "spark_session",
    "stop_spark",
    "warehouse_status",
]
