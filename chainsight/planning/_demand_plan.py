"""A consensus demand plan file (S&OP): read and validated by the ingestion pipeline, like any load.

Columns ``sku, site_id (optional), period, qty`` — headers are matched the way ``chainsight load``
matches them (case, spaces, a mapping YAML for other names), CSV in any encoding or Excel; values are
parsed with the same rules (``2026/4/6``, ``2026年4月6日``, ``1,200``) and checked against master data
(unknown SKU or site). Unlike a load, a plan with any bad row is refused as a whole: a planner's
agreed numbers must not be half-applied. The error names file, row, column, value and reason, in
Chinese and English, for every problem (the first few in the message).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chainsight._errors import UserInputError
from chainsight.ingest import FileProblem, Mapping, check_file
from chainsight.model import Column, ColumnType, Entity, EntityKind, ForeignKey, Text
from chainsight.warehouse import Warehouse

__all__ = ["DEMAND_PLAN", "DemandPlanError", "read_demand_plan"]

DEMAND_PLAN = Entity(
    "demand_plan",
    Text("共识需求计划", "Consensus demand plan"),
    Text(
        "计划员确认的需求(SKU × 地点 × 周),替代统计预测",
        "Demand agreed by planners (SKU × site × week), replacing the statistical forecast",
    ),
    EntityKind.TRANSACTION,
    "planning",
    (
        Column("sku", ColumnType.STRING, Text("产品编码(SKU)", "Product code (SKU)"), required=True),
        Column("site_id", ColumnType.STRING, Text("生产工厂(为空则按历史)", "Plant (empty: the usual one)")),
        Column(
            "period",
            ColumnType.DATE,
            Text("周的任一日期(按周一归档)", "Any day of the week (filed under its Monday)"),
            required=True,
        ),
        Column("qty", ColumnType.NUMBER, Text("需求数量", "Demand quantity"), required=True, min=0),
    ),
    ("sku", "site_id", "period"),
    (ForeignKey("sku", (("products", "sku"),)), ForeignKey("site_id", (("sites", "site_id"),))),
    date_column="period",
)
SHOWN = 5


class DemandPlanError(UserInputError):
    """The demand plan has bad rows: ``problems`` lists each (row, column, value, code, zh, en)."""


def read_demand_plan(
    path: str | Path, wh: Warehouse | None = None, mapping: Mapping | str | Path | None = None
) -> pd.DataFrame:
    """``sku, site_id, period (Monday), qty`` from a CSV/Excel demand plan; a :class:`DemandPlanError`
    naming file, row, column and value when any row is bad. With a warehouse ``wh``, SKUs and sites
    must exist in its master data. Rows for the same SKU, site and week are an error (duplicate key).
    """
    p = Path(path)
    if isinstance(mapping, str | Path):
        mapping = Mapping.from_yaml(mapping)
    checked = check_file(p, DEMAND_PLAN, wh=wh, mapping=mapping)
    if checked.problems:
        raise _error(p, checked.problems)
    rows = checked.rows.to_pandas()
    period = pd.to_datetime(rows["period"])
    out = pd.DataFrame(
        {
            "sku": rows["sku"],
            "site_id": rows["site_id"].where(rows["site_id"].notna(), None),
            "qty": rows["qty"],
        }
    )
    out["period"] = (period - pd.to_timedelta(period.dt.dayofweek, unit="D")).dt.date
    return out.groupby(["sku", "period"], as_index=False, dropna=False).agg(
        site_id=("site_id", "first"), qty=("qty", "sum")
    )[["sku", "site_id", "period", "qty"]]


def _error(path: Path, found: tuple[FileProblem, ...]) -> DemandPlanError:
    problems = [
        {"row": x.row, "column": x.column, "value": x.value, "code": x.code, "zh": x.zh, "en": x.en}
        for x in found
    ]
    first = problems[0]
    hidden = len(problems) - SHOWN
    more_zh = f"(另有 {hidden} 处问题)" if hidden > 0 else ""
    more_en = f" (and {hidden} more)" if hidden > 0 else ""
    listed_zh = ";".join(f'第 {x["row"]} 行,列 "{x["column"]}":{x["zh"]}' for x in problems[:SHOWN])
    listed_en = "; ".join(f'row {x["row"]}, column "{x["column"]}": {x["en"]}' for x in problems[:SHOWN])
    return DemandPlanError(
        f"需求计划未采用:{listed_zh}{more_zh}",
        f"demand plan not used: {listed_en}{more_en}",
        file=str(path),
        row=first["row"],
        column=first["column"],
        value=first["value"],
        problems=problems,
    )
