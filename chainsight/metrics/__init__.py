"""Metrics: one governed catalog of FMCG metrics, compiled to Ibis, explained in zh and en.

>>> from chainsight.metrics import load_catalog, compile_sql
>>> load_catalog().get("target_attainment").numerator
'net_sales'
"""

from chainsight.metrics._catalog import load_catalog
from chainsight.metrics._compile import PERIOD
from chainsight.metrics._explain import EFFECT_LABELS, DimensionBreakdown, Explanation, MemberChange, explain
from chainsight.metrics._format import format_change, format_value
from chainsight.metrics._periods import period_end
from chainsight.metrics._query import Compare, compile_sql, query
from chainsight.metrics._reach import DIMENSIONS, PENDING_ENTITIES
from chainsight.metrics._rollup import (
    ROLLUP_META,
    ROLLUPS,
    RollupReport,
    RollupSpec,
    forget_freshness,
    fresh_rollups,
    refresh_rollups,
    rollups_enabled,
)
from chainsight.metrics._scope import Scope
from chainsight.metrics._spec import (
    Additivity,
    Agg,
    Catalog,
    Direction,
    Grain,
    Metric,
    MetricKind,
    NearExpiryBand,
    Source,
    Unit,
)

__all__ = [
    "DIMENSIONS",
    "EFFECT_LABELS",
    "PENDING_ENTITIES",
    "PERIOD",
    "ROLLUPS",
    "ROLLUP_META",
    "Additivity",
    "Agg",
    "Catalog",
    "Compare",
    "DimensionBreakdown",
    "Direction",
    "Explanation",
    "Grain",
    "MemberChange",
    "Metric",
    "MetricKind",
    "NearExpiryBand",
    "RollupReport",
    "RollupSpec",
    "Scope",
    "Source",
    "Unit",
    "compile_sql",
    "explain",
    "forget_freshness",
    "format_change",
    "format_value",
    "fresh_rollups",
    "load_catalog",
    "period_end",
    "query",
    "refresh_rollups",
    "rollups_enabled",
]
