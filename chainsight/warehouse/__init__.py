"""Warehouse connection (DuckDB by default, or Spark over Parquet, through Ibis) and load bookkeeping tables."""

from chainsight.warehouse._spark import (
    SparkConfig,
    SparkWarehouse,
    copy_warehouse,
    partition_column,
    spark_session,
    stop_spark,
)
from chainsight.warehouse._status import DOMAINS, warehouse_status
from chainsight.warehouse._warehouse import (
    DEFAULT_WAREHOUSE,
    ENV_WAREHOUSE,
    LOAD_HISTORY,
    REJECTS,
    Warehouse,
    history_table,
    resolve_warehouse_path,
)

__all__ = [
    "DEFAULT_WAREHOUSE",
    "DOMAINS",
    "ENV_WAREHOUSE",
    "LOAD_HISTORY",
    "REJECTS",
    "SparkConfig",
    "SparkWarehouse",
    "Warehouse",
    "copy_warehouse",
    "history_table",
    "partition_column",
    "resolve_warehouse_path",
    "spark_session",
    "stop_spark",
    "warehouse_status",
]
