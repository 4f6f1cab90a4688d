"""Demand forecasting and supply planning: forecast → safety stock → MPS (HiGHS) → MRP, shelf-life aware.

>>> from chainsight.planning import forecast, run_mrp, safety_stock
"""

from chainsight.planning._calendar import EVENTS, Event, event_exposure
from chainsight.planning._demand_plan import DEMAND_PLAN, DemandPlanError, read_demand_plan
from chainsight.planning._engine import EngineResult, accuracy_table, run_engine
from chainsight.planning._forecast import (
    FORECAST_RUNS_TABLE,
    FORECASTS_TABLE,
    ForecastResult,
    complete_panel,
    forecast,
)
from chainsight.planning._history import LEVEL_KEYS, demand_history, parse_level
from chainsight.planning._mps import MpsCosts, net_stock, schedule_line
from chainsight.planning._mrp import MrpResult, lot_size, low_level_codes, run_mrp
from chainsight.planning._plan import (
    EXCEPTION_KINDS,
    PLAN_CAPACITY_TABLE,
    PLAN_EXCEPTIONS_TABLE,
    PLAN_RUNS_TABLE,
    PLANNED_ORDERS_TABLE,
    PlanResult,
    Scenario,
    plan,
    scenario,
)
from chainsight.planning._safety import SAFETY_COLUMNS, reorder_point, safety_stock

__all__ = [
    "DEMAND_PLAN",
    "EVENTS",
    "EXCEPTION_KINDS",
    "FORECASTS_TABLE",
    "FORECAST_RUNS_TABLE",
    "LEVEL_KEYS",
    "PLANNED_ORDERS_TABLE",
    "PLAN_CAPACITY_TABLE",
    "PLAN_EXCEPTIONS_TABLE",
    "PLAN_RUNS_TABLE",
    "SAFETY_COLUMNS",
    "DemandPlanError",
    "EngineResult",
    "Event",
    "ForecastResult",
    "MpsCosts",
    "MrpResult",
    "PlanResult",
    "Scenario",
    "accuracy_table",
    "complete_panel",
    "demand_history",
    "event_exposure",
    "forecast",
    "lot_size",
    "low_level_codes",
    "net_stock",
    "parse_level",
    "plan",
    "read_demand_plan",
    "reorder_point",
    "run_engine",
    "run_mrp",
    "safety_stock",
    "scenario",
    "schedule_line",
]
