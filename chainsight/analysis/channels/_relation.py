"""Online–offline relation per province and per SKU category: correlation of weekly sales after removing the
national pattern (trend, seasonality, holidays and campaigns shared by all provinces) and each group's own
trend, with Fisher-z confidence intervals and lead/lag."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from chainsight.analysis.channels._data import offline_weekly, online_weekly, run
from chainsight.analysis.channels._scope import restrict_frame
from chainsight.analysis.channels._stats import corr_ci
from chainsight.analysis.channels._text import Finding
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

__all__ = ["Relation", "channel_relation"]


@dataclass(frozen=True, slots=True)
class Relation:
    """Result of :func:`channel_relation`.

    ``groups``: one row per ``dimension`` (province or category) × ``member`` with ``weeks`` (sample size),
    ``corr`` and ``ci_low``/``ci_high`` at lag 0, ``best_lag`` (weeks; > 0: online moves first, < 0: offline
    moves first), ``best_lag_corr`` and ``reading`` (move_together / move_apart / unrelated) and ``method``
    (yoy_difference or detrended).
    """

    groups: pl.DataFrame
    max_lag: int
    findings: list[Finding] = field(default_factory=list)


def _residual(series: np.ndarray, national: np.ndarray, seasonal: bool) -> np.ndarray:
    """log share of the national total; then, with two years or more, its change on the same week a year
    earlier (removing the group's own seasonality and trend), else the group's linear trend removed."""
    x = np.log1p(series) - np.log1p(national)
    if seasonal:
        return x[52:] - x[:-52]
    t = np.arange(len(x), dtype=float)
    a = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(a, x, rcond=None)
    return x - a @ coef


def _lag_corr(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[float, int]:
    """corr(a[t], b[t + lag]): positive lag = a (online) leads b (offline)."""
    if lag > 0:
        a, b = a[:-lag], b[lag:]
    elif lag < 0:
        a, b = a[-lag:], b[:lag]
    if len(a) < 4 or a.std() == 0 or b.std() == 0:
        return float("nan"), len(a)
    return float(np.corrcoef(a, b)[0, 1]), len(a)


def channel_relation(
    wh: Warehouse,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    max_lag: int = 4,
    min_weeks: int = 26,
    scope: Scope | None = None,
) -> Relation:
    """How online and offline weekly units move together per province and per SKU category.

    Each group's weekly units (online by ship-to province, offline by store province) are taken as a log share
    of the national total of the same channel — removing seasonality, holidays, campaigns and trend common to
    all groups — then differenced on the same week a year earlier (two years of history or more; removes the
    group's own seasonality) or else detrended. The correlation of the two residual series is reported with a 95% Fisher-z CI
    and the number of weeks; lags from −``max_lag`` to ``max_lag`` show whether one channel moves first.
    National totals use every row; ``scope`` limits the groups returned.
    """
    on = online_weekly(wh, start, end)
    off = offline_weekly(wh, start, end)
    if on.is_empty() or off.is_empty():
        return Relation(pl.DataFrame(), max_lag)
    w0 = max(on["week"].min(), off["week"].min())  # type: ignore[type-var]
    w1 = min(on["week"].max(), off["week"].max())  # type: ignore[type-var]
    # drop the first and last (partial) weeks
    on = on.filter(pl.col("week") > w0, pl.col("week") < w1)
    off = off.filter(pl.col("week") > w0, pl.col("week") < w1)
    prod = run(wh, wh.table("products").select("sku", "category"))
    weeks = pl.DataFrame({"week": on["week"].unique().sort()})
    rows = []
    for dim in ("province", "category"):
        a = on.join(prod, on="sku", how="left") if dim == "category" else on
        b = off.join(prod, on="sku", how="left") if dim == "category" else off
        ga = a.group_by(dim, "week").agg(on=pl.col("qty").sum())
        gb = b.group_by(dim, "week").agg(off=pl.col("qty").sum())
        nat_a = weeks.join(a.group_by("week").agg(n_on=pl.col("qty").sum()), on="week", how="left")
        nat_b = nat_a.join(
            b.group_by("week").agg(n_off=pl.col("qty").sum()), on="week", how="left"
        ).fill_null(0)
        members = sorted(set(gb[dim].drop_nulls().to_list()) & set(ga[dim].drop_nulls().to_list()))
        for m in members:
            s = (
                nat_b.join(ga.filter(pl.col(dim) == m).drop(dim), on="week", how="left")
                .join(gb.filter(pl.col(dim) == m).drop(dim), on="week", how="left")
                .fill_null(0)
                .sort("week")
            )
            if (s["off"] > 0).sum() < min_weeks or (s["on"] > 0).sum() < min_weeks:
                continue
            seasonal = s.height >= 52 + min_weeks
            ra = _residual(s["on"].to_numpy().astype(float), s["n_on"].to_numpy().astype(float), seasonal)
            rb = _residual(s["off"].to_numpy().astype(float), s["n_off"].to_numpy().astype(float), seasonal)
            r0, n0 = _lag_corr(ra, rb, 0)
            lo, hi = corr_ci(r0, n0)
            lags = {k: _lag_corr(ra, rb, k) for k in range(-max_lag, max_lag + 1)}
            best = max(lags, key=lambda k: abs(lags[k][0]) if np.isfinite(lags[k][0]) else -1)
            blo, bhi = corr_ci(lags[best][0], lags[best][1])
            reading = "move_together" if lo > 0 else "move_apart" if hi < 0 else "unrelated"
            rows.append(
                {
                    "dimension": dim,
                    "member": m,
                    "weeks": n0,
                    "corr": r0,
                    "ci_low": lo,
                    "ci_high": hi,
                    "best_lag": best,
                    "best_lag_corr": lags[best][0],
                    "best_lag_ci_low": blo,
                    "best_lag_ci_high": bhi,
                    "reading": reading,
                    "method": "yoy_difference" if seasonal else "detrended",
                }
            )
    groups = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
    if scope is not None and not groups.is_empty():
        parts = [
            restrict_frame(
                groups.filter(pl.col("dimension") == d).rename({"member": d}), scope, {d: d}
            ).rename({d: "member"})
            for d in ("province", "category")
        ]
        groups = pl.concat(parts)
    return Relation(groups, max_lag, _findings(groups))


_READ = {
    "move_together": ("线上线下同向变动", "online and offline move together"),
    "move_apart": ("线上线下此消彼长", "online and offline move in opposite directions"),
}


def _findings(g: pl.DataFrame) -> list[Finding]:
    if g.is_empty():
        return []
    out = []
    for r in g.filter(pl.col("reading") != "unrelated").iter_rows(named=True):
        zh, en = _READ[r["reading"]]
        out.append(
            Finding(
                kind="relation",
                severity="info" if r["reading"] == "move_together" else "medium",
                zh=f"{r['member']}:去除季节、节假日和趋势后,{zh}(相关系数 {r['corr']:.2f},"
                f"95% 置信区间 {r['ci_low']:.2f} 至 {r['ci_high']:.2f},{r['weeks']} 周)。",
                en=f"{r['member']}: after removing seasonality, holidays and trend, {en} (correlation "
                f"{r['corr']:.2f}, 95% CI {r['ci_low']:.2f} to {r['ci_high']:.2f}, {r['weeks']} weeks).",
                numbers={
                    "member": r["member"],
                    "corr": r["corr"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                },
            )
        )
    return out
