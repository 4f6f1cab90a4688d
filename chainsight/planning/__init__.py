"""Demand forecasting and supply planning: forecast → safety stock → MRP, shelf-life aware.

>>> from chainsight.planning import forecast, run_mrp, safety_stock
"""

from chainsight.planning._calendar import EVENTS, Event, event_exposure
from chainsight.planning._engine import EngineResult, accuracy_table, run_engine
from chainsight.planning._forecast import (
    FORECAST_RUNS_TABLE,
    FORECASTS_TABLE,
    ForecastResult,
    complete_panel,
    forecast,
)
from chainsight.planning._history import LEVEL_KEYS, demand_history, parse_level
from chainsight.planning._mrp import MrpResult, lot_size, low_level_codes, run_mrp
from chainsight.planning._plan import PlanResult, plan, read_demand_plan, scenario
from chainsight.planning._safety import SAFETY_COLUMNS, reorder_point, safety_stock

__all__ = [
    "EVENTS",
    "FORECASTS_TABLE",
    "FORECAST_RUNS_TABLE",
    "LEVEL_KEYS",
    "SAFETY_COLUMNS",
    "EngineResult",
    "Event",
    "ForecastResult",
    "MrpResult",
    "PlanResult",
    "accuracy_table",
    "complete_panel",
    "demand_history",
    "event_exposure",
    "forecast",
    "lot_size",
    "low_level_codes",
    "parse_level",
    "plan",
    "read_demand_plan",
    "reorder_point",
    "run_engine",
    "run_mrp",
    "safety_stock",
    "scenario",
]
