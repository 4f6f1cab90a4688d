"""A consensus demand plan file (S&OP): read and validated by the ingestion pipeline, like any load.

Columns ``sku, site_id (optional), period, qty`` — headers are matched the way ``chainsight load``
matches them (case, spaces, a mapping YAML for other names), CSV in any encoding or Excel; values are
parsed with the same rules (``2026/4/6``, ``2026年4月6日``, ``1,200``) and checked against master data
(unknown SKU or site). Unlike a load, a plan with any bad row is refused as a whole: a planner's
agreed numbers must not be half-applied. The error names file, row, column, value and reason, in
Chinese and English, for every problem (the first few in the message).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from chainsight._errors import UserInputError
from chainsight.ingest import Mapping
from chainsight.ingest._load import _Pipeline, new_batch_id, q
from chainsight.ingest._read import expected_headers, make_workdir, read_any
from chainsight.ingest._reasons import reason_texts
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
    path: str | Path, warehouse: Warehouse | None = None, mapping: Mapping | str | Path | None = None
) -> pd.DataFrame:
    """``sku, site_id, period (Monday), qty`` from a CSV/Excel demand plan; a :class:`DemandPlanError`
    naming file, row, column and value when any row is bad. With a ``warehouse``, SKUs and sites
    must exist in its master data. Rows for the same SKU, site and week are an error (duplicate key).
    """
    p = Path(path)
    if isinstance(mapping, str | Path):
        mapping = Mapping.from_yaml(mapping)
    mapping = mapping or Mapping()
    own = warehouse is None
    wh = Warehouse.open(":memory:") if warehouse is None else warehouse
    ent = DEMAND_PLAN
    if own:  # nothing to check references against
        ent = Entity(ent.name, ent.label, ent.description, ent.kind, ent.domain, ent.columns, ent.natural_key)
    pipe = _Pipeline(wh, ent, new_batch_id(), mapping.formats)
    workdir = make_workdir()
    con = wh.duckdb
    try:
        with wh._lock:
            raw = read_any(
                con, p, pipe.t("raw0"), mapping, expected_headers(list(ent.column_names), mapping), workdir
            )
            pipe.temp_tables.append(raw.table)
            pipe.add_part(str(p), raw, mapping.resolve(ent, raw.headers, str(p)), mapping.constants)
            pipe.validate(None)
            errors = pipe.collect_errors(pipe.typed)
            bad = con.execute(
                f'SELECT __idx, "column", code, detail, first_idx FROM {q(errors)} ORDER BY __idx, "column"'
            ).fetchall()
            if bad:
                part = pipe.parts[0]
                idx = sorted({int(b[0]) for b in bad})
                raw_rows = con.execute(
                    f"SELECT s.* FROM ({part.numbered_sql}) s SEMI JOIN (SELECT unnest($__want) AS i) w "
                    "ON s.__idx = w.i",
                    {**part.params, "__want": idx},
                ).df()
                raise _error(p, bad, raw_rows.set_index("__idx"), raw.row_offset)
            rows = con.execute(f"SELECT sku, site_id, period, qty FROM {q(pipe.typed)} ORDER BY __idx").df()
    finally:
        pipe.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        if own:
            wh.close()
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


def _error(path: Path, bad: list[tuple], raw: pd.DataFrame, offset: int) -> DemandPlanError:
    texts = reason_texts({})
    texts["unknown_reference"] = ("“{0}” 在主数据 {1} 中不存在", "'{0}' does not exist in master data {1}")
    problems = []
    for idx, col, code, detail, first_idx in bad:
        value = raw.at[idx, col] if idx in raw.index and col in raw.columns else None
        value = None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        extra = str(first_idx + offset) if first_idx is not None else (detail or "")
        zh, en = texts.get(code, (code, code))
        problems.append(
            {
                "row": int(idx + offset),
                "column": col,
                "value": value,
                "code": code,
                "zh": zh.format(value or "", extra),
                "en": en.format(value or "", extra),
            }
        )
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
