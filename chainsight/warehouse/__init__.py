"""Warehouse connection (DuckDB by default, through Ibis) and load bookkeeping tables."""

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
    "ENV_WAREHOUSE",
    "LOAD_HISTORY",
    "REJECTS",
    "Warehouse",
    "history_table",
    "resolve_warehouse_path",
]

from chainsight.warehouse._status import DOMAINS, warehouse_status

__all__ += ["DOMAINS", "warehouse_status"]
