"""The overall readiness score: data and organisation together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chainsight.appdb import AppDB
from chainsight.readiness._check import data_readiness
from chainsight.readiness._org import Checklist
from chainsight.warehouse import Warehouse


def readiness(wh: Warehouse, appdb: AppDB, as_of: dt.date | None = None) -> dict[str, Any]:
    """Data readiness and the organisational checklist together, with an overall 0–100 score (their mean)."""
    data = data_readiness(wh, as_of)
    org = Checklist(appdb).report()
    return {"score": round((data["score"] + org["score"]) / 2), "data": data, "organisation": org}
