"""``forecast``: demand history → statistical forecasts per level, reconciled, stored with a version."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from chainsight._errors import UserInputError
from chainsight.model import DERIVED
from chainsight.planning._engine import ENGINES, FREQ, accuracy_table, run_engine
from chainsight.planning._history import demand_history, parse_level
from chainsight.planning._rows import to_rows
from chainsight.warehouse import Warehouse

__all__ = ["FORECASTS_TABLE", "FORECAST_RUNS_TABLE", "ForecastResult", "complete_panel", "forecast"]

FORECASTS = DERIVED["forecasts"]  # latest published forecast per period × keys (read by forecast metrics)
FORECAST_HISTORY = DERIVED["forecast_history"]  # every version, kept
FORECAST_RUNS = DERIVED["forecast_runs"]  # one row per version: as-of, level, bucket, accuracy
FORECASTS_TABLE = FORECASTS.name
FORECAST_HISTORY_TABLE = FORECAST_HISTORY.name
FORECAST_RUNS_TABLE = FORECAST_RUNS.name


@dataclass
class ForecastResult:
    """A forecast run: its version, as-of date, records at the requested level and the accuracy report."""

    version: str
    as_of: dt.date
    level: list[str]
    bucket: str
    horizon: int
    records: list[dict[str, Any]]
    accuracy: list[dict[str, Any]]
    history: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    levels: pd.DataFrame = field(
        repr=False, default_factory=pd.DataFrame
    )  # every level: unique_id, ds, forecast
    factors: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # learned calendar uplifts

    def to_polars(self) -> pl.DataFrame:
        """The forecast records as Polars (the product's frame type at public boundaries): the level's
        keys, ``period`` (a date), ``forecast`` and ``model``."""
        keys = {k: pl.String for k in self.level}
        schema = {**keys, "period": pl.String, "forecast": pl.Float64, "model": pl.String}
        return pl.DataFrame(self.records, schema=schema).with_columns(pl.col("period").str.to_date())

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "level": self.level,
            "bucket": self.bucket,
            "horizon": self.horizon,
            "accuracy": self.accuracy,
            "forecasts": self.records,
        }


def complete_panel(hist: pd.DataFrame, keys: list[str], bucket: str, end: pd.Timestamp) -> pd.DataFrame:
    """One row per series and bucket from the series' first sale to ``end``, zero where nothing sold."""
    freq = FREQ[bucket]
    hist = hist.groupby([*keys, "period"], as_index=False)["y"].sum()
    first = hist.groupby(keys)["period"].min().reset_index()
    grid = pd.date_range(hist["period"].min(), end, freq=freq)
    full = first.merge(pd.DataFrame({"period": grid}), how="cross", suffixes=("_first", ""))
    full = full[full["period"] >= full["period_first"]].drop(columns="period_first")
    out = full.merge(hist, on=[*keys, "period"], how="left")
    out["y"] = out["y"].fillna(0.0)
    return out


def _hierarchy(
    panel: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    from hierarchicalforecast.utils import aggregate

    df = panel.rename(columns={"period": "ds"}).assign(total="total")
    spec = [["total"], *[["total", *keys[: i + 1]] for i in range(len(keys))]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y_df, s_df, tags = aggregate(df[["total", *keys, "ds", "y"]], spec)
    return y_df, s_df, tags


def _level_name(tag: str, keys: list[str]) -> str:
    parts = tag.split("/")
    names = {"total": "total", "sku": "sku", "channel_id": "channel", "region_id": "region"}
    return "total" if len(parts) == 1 else "×".join(names[p] for p in parts[1:])


def forecast(
    wh: Warehouse,
    level: str | list[str] = "sku",
    bucket: str = "week",
    horizon: int | None = None,
    as_of: dt.date | None = None,
    *,
    reconcile: bool = True,
    store: bool = True,
    fast: bool = True,
    engine: str | None = None,
) -> ForecastResult:
    """Forecast demand per ``level`` (e.g. ``"sku,channel"``) for ``horizon`` buckets after ``as_of``.

    Uses only history up to ``as_of`` (default: the last complete bucket in the warehouse). Every
    level of the hierarchy (total → sku → sku×channel → …) is forecast and reconciled (MinTrace,
    structural weights) so the levels add up; the records returned are those of the requested
    level. With ``store``, the run is written to ``forecasts`` (latest per key), ``forecast_history``
    (all versions) and ``forecast_runs`` (as-of, accuracy). ``engine`` is ``local`` (statsforecast
    in this process) or ``spark`` (statsforecast's distributed mode on Spark); by default ``spark``
    when ``wh`` is a Spark warehouse.
    """
    engine = engine or ("spark" if wh.engine == "spark" else "local")
    if engine not in ENGINES:
        raise UserInputError(
            f"未知的计算引擎:{engine};可用:{', '.join(ENGINES)}",
            f"unknown engine: {engine}; use {' or '.join(ENGINES)}",
            value=engine,
        )
    keys = parse_level(level)
    if bucket not in FREQ:
        raise UserInputError(
            f"未知的时间粒度:{bucket};可用:week, month", f"unknown bucket: {bucket}; use week or month"
        )
    horizon = horizon or (13 if bucket == "week" else 6)
    if horizon < 1:
        raise UserInputError("预测期数必须 ≥ 1", "horizon must be at least 1")
    hist = demand_history(wh, keys, bucket, as_of)
    if hist.empty:
        raise UserInputError(
            "截至该日期没有需求历史(sell_in / online_orders)",
            "no demand history (sell_in / online_orders) up to that date",
        )
    last_period = hist["period"].max()
    as_of_date = (
        as_of or (last_period + (pd.Timedelta(days=6) if bucket == "week" else pd.offsets.MonthEnd(0))).date()
    )
    panel = complete_panel(hist, keys, bucket, last_period)
    y_df, s_df, tags = _hierarchy(panel, keys)
    result = run_engine(y_df[["unique_id", "ds", "y"]], horizon, bucket, fast=fast, engine=engine)
    fc = result.forecast
    if reconcile and len(keys) >= 1:
        fc = _reconcile(fc, s_df, tags, y_df)
    level_of = {uid: _level_name(tag, keys) for tag, uids in tags.items() for uid in uids}

    bt = result.backtest
    accuracy = accuracy_table(bt, bt["unique_id"].map(level_of)) if not bt.empty else accuracy_table(bt)
    bottom_tag = list(tags)[-1]
    bottom = fc[fc["unique_id"].isin(set(tags[bottom_tag]))].copy()
    split = bottom["unique_id"].str.split("/", expand=True)
    for i, k in enumerate(keys):
        bottom[k] = split[i + 1].to_numpy()
    bottom["period"] = pd.to_datetime(bottom["ds"]).dt.date
    bottom = bottom.sort_values([*keys, "period"])
    records = [
        {
            **{k: r[k] for k in keys},
            "period": r["period"].isoformat(),
            "forecast": round(float(r["forecast"]), 3),
            "model": r["model"],
        }
        for r in bottom.to_dict("records")
    ]
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    fc["level"] = fc["unique_id"].map(level_of)
    out = ForecastResult(
        version,
        as_of_date,
        keys,
        bucket,
        horizon,
        records,
        accuracy.to_dict("records"),
        hist,
        fc,
        result.factors,
    )
    if store:
        _store(wh, out, bottom, keys)
    return out


def _reconcile(
    fc: pd.DataFrame, s_df: pd.DataFrame, tags: dict[str, np.ndarray], y_df: pd.DataFrame
) -> pd.DataFrame:
    """Forecast-proportional weighted least squares (MinTrace family, W = diag(base forecast)).

    With structural weights (``MinTrace(wls_struct)`` of hierarchicalforecast) every bottom series
    takes the same *absolute* share of the incoherence, which drives small SKUs to zero when the
    total disagrees with the sum of the SKUs; weighting by each node's own forecast spreads the
    adjustment in proportion to size instead. Values below zero (rare) are cut at the bottom and the
    upper levels re-summed, so the hierarchy adds up exactly.
    """
    s = s_df.set_index("unique_id")
    bottom_ids = list(s.columns)
    smat = s.to_numpy(dtype=float)
    wide = fc.pivot(index="ds", columns="unique_id", values="forecast").reindex(columns=s.index).fillna(0.0)
    rec = np.zeros((len(wide), len(bottom_ids)))
    for k, yhat in enumerate(wide.to_numpy()):
        w = np.maximum(yhat, max(1e-6, 0.01 * float(np.abs(yhat).mean())))
        sw = smat / w[:, None]
        rec[k] = np.linalg.solve(smat.T @ sw + 1e-9 * np.eye(len(bottom_ids)), sw.T @ yhat)
    bottom = pd.DataFrame(np.clip(rec, 0, None), index=wide.index, columns=bottom_ids)
    full = bottom @ s.T.loc[bottom_ids]
    long = full.reset_index().melt(id_vars="ds", var_name="unique_id", value_name="forecast")
    return fc.drop(columns="forecast").merge(long, on=["unique_id", "ds"], how="left")


def _store(wh: Warehouse, res: ForecastResult, bottom: pd.DataFrame, keys: list[str]) -> None:
    level = ",".join(keys)
    rows = pd.DataFrame(
        {
            "period": pd.to_datetime(bottom["period"]),
            "sku": bottom["sku"],
            "channel_id": bottom["channel_id"] if "channel_id" in keys else None,
            "region_id": bottom["region_id"] if "region_id" in keys else None,
            "forecast_qty": bottom["forecast"].astype(float),
            "model": bottom["model"],
            "level": level,
            "bucket": res.bucket,
            "version": res.version,
            "as_of": pd.Timestamp(res.as_of),
        }
    )
    # Actuals already in the warehouse (as-of in the past): fill them, so accuracy metrics work at once.
    actual = demand_history(wh, keys, res.bucket, None)
    rows = rows.merge(actual.rename(columns={"y": "actual_qty"}), on=["period", *keys], how="left")
    # demand_history keeps complete buckets only: up to its last one, a series with no sales sold 0
    last_complete = actual["period"].max() if len(actual) else None
    if last_complete is not None:
        rows.loc[(rows["period"] <= last_complete) & rows["actual_qty"].isna(), "actual_qty"] = 0.0
    run = pd.DataFrame(
        {
            "version": [res.version],
            "as_of": [pd.Timestamp(res.as_of)],
            "created_at": [pd.Timestamp(dt.datetime.now())],
            "level": [level],
            "bucket": [res.bucket],
            "horizon": [res.horizon],
            "series": [bottom["sku"].size],
            "accuracy": [json.dumps(res.accuracy, ensure_ascii=False, default=float)],
        }
    )
    # One writer from reading the earlier forecasts to committing (a Spark warehouse stages the
    # tables written and publishes them at commit).
    with wh.write_lock():
        completed = (
            _completed_actuals(wh, actual, keys, level, res.bucket, last_complete, rows)
            if last_complete is not None
            else None
        )
        with wh.transaction((FORECASTS_TABLE, FORECAST_HISTORY_TABLE, FORECAST_RUNS_TABLE)):
            for spec in (FORECASTS, FORECAST_HISTORY, FORECAST_RUNS):
                wh.ensure_table(spec)
            wh.replace_rows(FORECASTS_TABLE, to_rows(rows, FORECASTS), key=FORECASTS.key)
            if completed is not None and len(completed):
                wh.replace_rows(FORECASTS_TABLE, to_rows(completed, FORECASTS), key=FORECASTS.key)
            wh.replace_rows(FORECAST_HISTORY_TABLE, to_rows(rows, FORECAST_HISTORY))
            wh.replace_rows(FORECAST_RUNS_TABLE, to_rows(run, FORECAST_RUNS))


def _completed_actuals(
    wh: Warehouse,
    actual: pd.DataFrame,
    keys: list[str],
    level: str,
    bucket: str,
    last_complete: pd.Timestamp,
    new: pd.DataFrame,
) -> pd.DataFrame:
    """Earlier forecasts at this level whose periods have completed since, with their actuals (0
    for a series that sold nothing), so accuracy metrics and the forecast-bias alert follow the
    data a daily pipeline loads. Only the rows whose actual changes; the new run's rows excluded."""
    if not wh.has_table(FORECASTS_TABLE):
        return pd.DataFrame(columns=list(FORECASTS.column_names))
    t = wh.table(FORECASTS_TABLE)
    old = (
        t.filter((t.level == level) & (t.bucket == bucket) & (t.period <= last_complete.date()))
        .select(*FORECASTS.column_names)
        .execute()
    )
    if old.empty:
        return old
    old["period"] = pd.to_datetime(old["period"])
    join = ["period", "sku", "channel_id", "region_id"]
    a = pd.DataFrame(
        {
            "period": pd.to_datetime(actual["period"]),
            "sku": actual["sku"],
            "channel_id": actual["channel_id"] if "channel_id" in keys else None,
            "region_id": actual["region_id"] if "region_id" in keys else None,
            "_y": actual["y"].astype(float),
        }
    )
    # NaN keys (no channel, no region at this level) match each other, as the table's empty keys do
    fresh = new[join].assign(_new=True)
    m = old.merge(a, on=join, how="left").merge(fresh, on=join, how="left")
    m = m[m["_new"].isna()]
    updated = m["_y"].fillna(m["actual_qty"]).fillna(0.0)
    changed = m[(updated != m["actual_qty"]) | m["actual_qty"].isna()]
    return changed.assign(actual_qty=updated[changed.index]).drop(columns=["_y", "_new"])
