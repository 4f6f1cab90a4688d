"""Readiness check: is the data ready per domain (present, fresh, complete, clean), what it supports
today and what would unlock more, and the organisational checklist (sponsor, data owners, training, budget).

>>> from chainsight.readiness import data_readiness
>>> from chainsight.warehouse import Warehouse
>>> data_readiness(Warehouse.open(":memory:"))["domains"][0]["checks"]["present"]
False
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chainsight.appdb import AppDB
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
from chainsight.warehouse import Warehouse


def readiness(wh: Warehouse, appdb: AppDB, as_of: dt.date | None = None) -> dict[str, Any]:
    """Data readiness and the organisational checklist together, with an overall 0–100 score (their mean)."""
    data = data_readiness(wh, as_of)
    org = Checklist(appdb).report()
    return {"score": round((data["score"] + org["score"]) / 2), "data": data, "organisation": org}


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
