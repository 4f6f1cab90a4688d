"""Readiness check: is the data ready per domain (present, fresh, complete, clean), what it supports
today and what would unlock more, and the organisational checklist (sponsor, data owners, training, budget).

>>> from chainsight.readiness import data_readiness
>>> from chainsight.warehouse import Warehouse
>>> data_readiness(Warehouse.open(":memory:"))["domains"][0]["checks"]["present"]
False
"""

from chainsight.readiness._check import (
    DECISIONS,
    DOMAINS,
    FRESHNESS_DAYS,
    MAX_REJECT_RATE,
    Decision,
    Domain,
    data_readiness,
    metric_entities,
)
from chainsight.readiness._org import QUESTIONS, TRAINED_TARGET_PCT, Checklist, Question, normalise_answer
from chainsight.readiness._overall import readiness

__all__ = [
    "DECISIONS",
    "DOMAINS",
    "FRESHNESS_DAYS",
    "MAX_REJECT_RATE",
    "QUESTIONS",
    "TRAINED_TARGET_PCT",
    "Checklist",
    "Decision",
    "Domain",
    "Question",
    "data_readiness",
    "metric_entities",
    "normalise_answer",
    "readiness",
]
