"""Analyses over the warehouse: shelf life and FEFO, traceability, sell-through, suppliers, production.

Each analysis is a Python function returning Polars tables; the CLI and the web app only render them.

>>> from chainsight.analysis import expiry_report
>>> report = expiry_report(wh, as_of="2026-10-31")  # doctest: +SKIP
>>> report.actions.select("rank", "lot_id", "action", "value_saved").head(3)  # doctest: +SKIP
"""

from chainsight.analysis._common import to_date
from chainsight.analysis._demand import finished_goods_demand
from chainsight.analysis._expiry import (
    ExpiryReport,
    Projection,
    channel_rules,
    customer_rules,
    expiry_actions,
    expiry_report,
    fefo_projection,
    lot_customers,
    lot_shelf_life,
    material_expiry,
    near_expiry_bands,
)
from chainsight.analysis._fefo import DailyDemand, WeeklyDemand, project_groups, project_lots
from chainsight.analysis._flow import Bullwhip, Flow, bullwhip, flow
from chainsight.analysis._labels import ACTION_NAMES, COLUMNS, STAGE_NAMES, STATES, TRACE_BASIS, column_label
from chainsight.analysis._policy import (
    AnalysisPolicy,
    ProductionPolicy,
    SellThroughPolicy,
    ShelfLifePolicy,
    SupplierPolicy,
    load_policy,
)
from chainsight.analysis._production import ProductionReport, production_performance
from chainsight.analysis._sell_through import SellThrough, sell_through
from chainsight.analysis._suppliers import SupplierReport, material_coverage, supplier_performance
from chainsight.analysis._trace import Trace, trace

__all__ = [
    "ACTION_NAMES",
    "COLUMNS",
    "STAGE_NAMES",
    "STATES",
    "TRACE_BASIS",
    "AnalysisPolicy",
    "Bullwhip",
    "DailyDemand",
    "ExpiryReport",
    "Flow",
    "ProductionPolicy",
    "ProductionReport",
    "Projection",
    "SellThrough",
    "SellThroughPolicy",
    "ShelfLifePolicy",
    "SupplierPolicy",
    "SupplierReport",
    "Trace",
    "WeeklyDemand",
    "bullwhip",
    "channel_rules",
    "column_label",
    "customer_rules",
    "expiry_actions",
    "expiry_report",
    "fefo_projection",
    "finished_goods_demand",
    "flow",
    "load_policy",
    "lot_customers",
    "lot_shelf_life",
    "material_coverage",
    "material_expiry",
    "near_expiry_bands",
    "production_performance",
    "project_groups",
    "project_lots",
    "sell_through",
    "supplier_performance",
    "to_date",
    "trace",
]
