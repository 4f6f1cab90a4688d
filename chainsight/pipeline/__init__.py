"""The daily pipeline: pick up inbox files, load, refresh rollups, forecast, plan, alerts, deliver, report.

>>> from chainsight.pipeline import load_config, run_pipeline  # doctest: +SKIP
>>> record = run_pipeline(load_config("chainsight.yaml"))      # doctest: +SKIP
>>> [s.state for s in record.steps]                            # doctest: +SKIP
['done', 'done', 'done', 'done', 'skipped', 'skipped', 'done']
"""

from chainsight.pipeline._config import (
    DEFAULT_CONFIG,
    ENV_CONFIG,
    STEP_LABELS,
    STEPS,
    FileRule,
    ForecastSettings,
    PipelineConfig,
    PlanSettings,
    ReportSettings,
    load_config,
    resolve_config_path,
)
from chainsight.pipeline._run import (
    ENV_FAULT,
    Event,
    latest_sales_day,
    list_runs,
    report_week,
    run_pipeline,
    step_label,
)
from chainsight.pipeline._schedule import next_fire, run_on_schedule
from chainsight.pipeline._state import RunRecord, StepRecord

__all__ = [
    "DEFAULT_CONFIG",
    "ENV_CONFIG",
    "ENV_FAULT",
    "STEPS",
    "STEP_LABELS",
    "Event",
    "FileRule",
    "ForecastSettings",
    "PipelineConfig",
    "PlanSettings",
    "ReportSettings",
    "RunRecord",
    "StepRecord",
    "latest_sales_day",
    "list_runs",
    "load_config",
    "next_fire",
    "report_week",
    "resolve_config_path",
    "run_on_schedule",
    "run_pipeline",
    "step_label",
]
