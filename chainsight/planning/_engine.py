"""Statistical forecasting engine: calendar adjustment, per-series model choice by rolling-origin backtest.

Works on a long frame ``unique_id, ds, y`` (one row per series and bucket, zeros filled) and knows
nothing of the warehouse, so the demo, the M3 benchmark and tests share one code path.

Honesty of the accuracy figures: the backtest has ``n_windows`` rolling origins. The model used for
each series' *reported* accuracy is chosen on the earlier windows only and scored on the last one,
which it never saw; the model used for the *future* forecast is chosen on all windows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chainsight.planning._calendar import EVENTS, event_exposure

__all__ = ["ENGINES", "FREQ", "SEASON", "EngineResult", "SeasonalLevel", "accuracy_table", "run_engine"]

ENGINES = ("local", "spark")

FREQ: dict[str, str] = {"week": "W-MON", "month": "MS"}
SEASON: dict[str, int] = {"week": 52, "month": 12}
SMOOTH_MODELS = (
    "Combo",
    "AutoETS",
    "CES",
    "DynamicOptimizedTheta",
    "AutoTheta",
    "AutoARIMA",
    "MSTL",
    "SeasonalLevel",
)
# Members of the default combination: the median of the first group (monthly and longer buckets),
# the mean of the second (weekly).
COMBO_MEDIAN = ("AutoETS", "CES", "DynamicOptimizedTheta", "AutoARIMA")
COMBO_MEAN = ("AutoETS", "MSTL", "SeasonalLevel", "AutoARIMA")
INTERMITTENT_MODELS = ("CrostonOptimized", "ADIDA", "IMAPA", "TSB")
BASELINE = "SeasonalNaive"


@dataclass
class EngineResult:
    """Forecasts (``unique_id, ds, forecast, model``) and backtest rows of the honest last window
    (``unique_id, ds, y, forecast, baseline, model, scale``)."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    factors: pd.DataFrame = field(default_factory=pd.DataFrame)  # unique_id × event uplift


class SeasonalLevel:
    """Last season's values carried forward, rescaled to the current level (a statsforecast model).

    ŷ(T+j) = y(T+j−m) · r, r = mean(y[T−k+1..T]) / mean(y[T−m−k+1..T−m]) over the last ``k`` buckets
    (a quarter of the season), clipped to [0.5, 2]. With two full seasons of history the pattern is
    the mean of the last two seasons, each rescaled to the current level, which halves the noise of
    a single year. Weekly demand has a 52-week season that ETS cannot fit and that two years of
    history leave too short for decomposition models to learn; last year's same week carries the
    yearly shape (summer peak, holidays after the calendar adjustment) and ``r`` the growth.
    """

    uses_exog = False

    def __init__(self, season_length: int, alias: str = "SeasonalLevel") -> None:
        self.season_length = season_length
        self.alias = alias

    def __repr__(self) -> str:
        return self.alias

    def new(self) -> SeasonalLevel:
        return SeasonalLevel(self.season_length, self.alias)

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        y = np.asarray(y, dtype=np.float64)
        m = self.season_length
        k = max(1, m // 4)
        n = y.size
        if n < m + k:
            raise ValueError("SeasonalLevel needs a season plus a quarter of history")
        recent = y[n - k :].mean()

        def cycle(lag: int) -> np.ndarray:
            # y(T+j−lag) for j = 1..h, repeating the cycle when h > m, rescaled to the current level
            idx = n - lag + (np.arange(h) % m)
            past = y[n - lag - k : n - lag].mean()
            r = 1.0 if past <= 0 else float(np.clip(recent / past, 0.5, 2.0))
            return y[idx] * r

        mean = cycle(m)
        if n >= 2 * m + k:
            mean = 0.5 * (mean + cycle(2 * m))
        out = {"mean": mean}
        if fitted:
            out["fitted"] = np.full(n, np.nan)
        return out

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> SeasonalLevel:
        self._y = np.asarray(y, dtype=np.float64)
        return self

    def predict(self, h: int, X: np.ndarray | None = None) -> dict[str, np.ndarray]:
        return self.forecast(self._y, h)


def _models(kind: str, season: int, fast: bool) -> list:
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        MSTL,
        TSB,
        AutoARIMA,
        AutoCES,
        AutoETS,
        AutoTheta,
        CrostonOptimized,
        DynamicOptimizedTheta,
        Naive,
        SeasonalNaive,
    )

    base = [SeasonalNaive(season_length=season), Naive()]
    if kind == "intermittent":
        return [CrostonOptimized(), ADIDA(), IMAPA(), TSB(alpha_d=0.2, alpha_p=0.2), *base]
    if season <= 24:
        # Monthly / quarterly / yearly: the ETS, complex exponential smoothing and dynamic
        # optimised Theta trio (and ARIMA), whose median is the default forecast.
        models: list[Any] = [
            AutoETS(season_length=season),
            AutoCES(season_length=season),
            DynamicOptimizedTheta(season_length=season),
        ]
        if not fast:
            models.append(AutoARIMA(season_length=season))
        return [*models, *base]
    # Weekly (52-week season): ETS cannot fit the season; the yearly shape comes from Theta's
    # decomposition, STL + ETS on the trend (two full years), last year rescaled to the current
    # level (SeasonalLevel), and the calendar factors.
    models = [
        AutoETS(season_length=1),
        AutoTheta(season_length=season),
        MSTL(season_length=[season], trend_forecaster=AutoETS(model="ZZN")),
        SeasonalLevel(season_length=season),
    ]
    if not fast:
        models.append(AutoARIMA(season_length=1))
    return [*models, *base]


def _calendar_factors(panel: pd.DataFrame, bucket: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Learn a multiplicative uplift per series and event from history.

    Baseline = centred rolling median of the series over neighbouring buckets outside any event;
    uplift = Σ actual / Σ baseline over buckets mostly inside the event, shrunk towards the
    pooled uplift of all series (few events per series → noisy). Returns the adjustment per
    (unique_id, ds) and the factor table.
    """
    if bucket is None:
        return pd.DataFrame(columns=["unique_id", "ds", "adj"]), pd.DataFrame()
    exp = event_exposure(panel["ds"], bucket).rename(columns={"period": "ds"})
    df = panel.merge(exp, on="ds", how="left").fillna(dict.fromkeys(EVENTS, 0.0))
    keys = list(EVENTS)
    in_event = df[keys].max(axis=1) > 0
    window = 9 if bucket == "week" else 5
    base = df["y"].where(~in_event)
    df["base"] = base.groupby(df["unique_id"]).transform(
        lambda s: s.rolling(window, center=True, min_periods=2).median()
    )
    df["base"] = df.groupby("unique_id")["base"].transform(lambda s: s.interpolate(limit_direction="both"))
    rows = []
    for key in keys:
        hit = df[df[key] >= 0.5]
        if hit.empty:
            continue
        sums = hit.groupby("unique_id")[["y", "base"]].sum()
        counts = hit.groupby("unique_id").size()
        pooled = sums["y"].sum() / sums["base"].sum() if sums["base"].sum() > 0 else 1.0
        raw = (sums["y"] / sums["base"].where(sums["base"] > 0)).fillna(pooled)
        w = counts / (counts + 4.0)
        factor = (w * raw + (1 - w) * pooled).clip(0.3, 5.0)
        rows.append(pd.DataFrame({"unique_id": factor.index, "event": key, "factor": factor.to_numpy()}))
    factors = (
        pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["unique_id", "event", "factor"])
    )
    return factors, exp


def _adjustment(frame: pd.DataFrame, factors: pd.DataFrame, exp: pd.DataFrame) -> np.ndarray:
    """F(t) = Π_events (1 + (factor − 1) · exposure(t)) for each row of ``frame`` (unique_id, ds)."""
    if factors.empty or exp.empty:
        return np.ones(len(frame))
    wide = factors.pivot(index="unique_id", columns="event", values="factor")
    f = (
        frame[["unique_id", "ds"]]
        .merge(exp, on="ds", how="left")
        .merge(wide, left_on="unique_id", right_index=True, how="left", suffixes=("", "_f"))
    )
    adj = np.ones(len(frame))
    for key in EVENTS:
        if key not in wide.columns:
            continue
        e = f[key].fillna(0.0).to_numpy()
        k = f[key + "_f"].fillna(1.0).to_numpy()
        adj *= 1.0 + (k - 1.0) * e
    return np.clip(adj, 0.05, None)


def _classify(panel: pd.DataFrame) -> pd.Series:
    """intermittent when more than 30 % of buckets have no demand (ADI above ~1.4)."""
    zero_share = (panel["y"] <= 0).groupby(panel["unique_id"]).mean()
    return pd.Series(np.where(zero_share > 0.3, "intermittent", "smooth"), index=zero_share.index)


# A few backtest windows are a noisy judge: a series keeps the default model (the combination,
# which is robust) unless another model's backtest MAE is at least 30 % lower, over at least
# MIN_SWITCH_POINTS backtest points. On M3 (every 3rd series), switching at a 10 % margin with
# 3 × 4 points on yearly series made pooled sMAPE worse than the plain combination (13.08 vs 12.87).
SWITCH_MARGIN = 0.7
MIN_SWITCH_POINTS = 24


def _pick(cv: pd.DataFrame, candidates: list[str]) -> pd.Series:
    err = cv[candidates].sub(cv["y"], axis=0).abs()
    err["unique_id"] = cv["unique_id"].to_numpy()
    grouped = err.groupby("unique_id")[candidates]
    mae = grouped.mean()
    best = mae.idxmin(axis=1)
    default = candidates[0] if "Combo" not in candidates else "Combo"
    keep = (mae[default] <= mae.min(axis=1) / SWITCH_MARGIN) | (grouped.size() < MIN_SWITCH_POINTS)
    return best.where(~keep, default)


def _select(frame: pd.DataFrame, choice: pd.Series) -> np.ndarray:
    col = frame["unique_id"].map(choice)
    out = np.full(len(frame), np.nan)
    for model in col.dropna().unique():
        m = (col == model).to_numpy()
        out[m] = frame.loc[m, model].to_numpy()
    return out


def _candidates(kind: str, columns: list[str]) -> list[str]:
    wanted = INTERMITTENT_MODELS if kind == "intermittent" else SMOOTH_MODELS
    return [c for c in wanted if c in columns] + [BASELINE]


def _add_combo(frame: pd.DataFrame) -> None:
    """The default forecast ``Combo``: median of ETS, CES, dynamic optimised Theta (and ARIMA) on
    monthly and longer buckets; on weekly buckets the mean of ETS (level and trend), MSTL and
    SeasonalLevel (and ARIMA). Models that failed on a series (NaN) drop out of its combination."""
    if BASELINE in frame and "Naive" in frame:
        frame[BASELINE] = frame[BASELINE].fillna(frame["Naive"])
    median = [c for c in COMBO_MEDIAN if c in frame]
    mean = [c for c in COMBO_MEAN if c in frame]
    if "CES" in frame and len(median) >= 2:
        frame["Combo"] = frame[median].median(axis=1)
    elif len(mean) >= 2:
        frame["Combo"] = frame[mean].mean(axis=1)


def _to_spark(frame: pd.DataFrame):
    from chainsight.warehouse import spark_session

    session = spark_session()
    # one Spark partition per few hundred series: statsforecast's Fugue backend groups by series
    parts = max(2, min(200, frame["unique_id"].nunique() // 250))
    return session.createDataFrame(frame).repartition(parts, "unique_id")


def _from_spark(out, like: pd.DataFrame) -> pd.DataFrame:
    """Back to pandas in the local engine's shape: float64 forecasts, ``ds`` of the input's dtype, sorted."""
    frame = out.toPandas()
    for col in frame.columns:
        if col == "ds" or col == "cutoff":
            frame[col] = frame[col].astype(like["ds"].dtype)
        elif col != "unique_id":
            frame[col] = frame[col].astype(np.float64)
    keys = ["unique_id", "cutoff", "ds"] if "cutoff" in frame else ["unique_id", "ds"]
    return frame.sort_values(keys).reset_index(drop=True)


def _fit(sf, df: pd.DataFrame, engine: str, *, h: int, **cv: int) -> pd.DataFrame:
    """``forecast`` (or ``cross_validation`` when ``cv`` is given) locally or through Fugue on Spark."""
    if engine == "spark":
        sdf = _to_spark(df)
        out = sf.cross_validation(df=sdf, h=h, **cv) if cv else sf.forecast(df=sdf, h=h)
        out = _from_spark(out, df)
        if cv:  # the distributed backend returns float32 actuals: take them from the input
            out = out.drop(columns="y").merge(df, on=["unique_id", "ds"], how="left")
        return out
    return sf.cross_validation(df=df, h=h, **cv) if cv else sf.forecast(df=df, h=h)


def run_engine(
    panel: pd.DataFrame,
    h: int,
    bucket: str | None,
    *,
    freq: str | int | None = None,
    season: int | None = None,
    n_windows: int = 3,
    fast: bool = True,
    calendar: bool = True,
    n_jobs: int = 1,
    engine: str = "local",
) -> EngineResult:
    """Forecast every series of ``panel`` (``unique_id, ds, y``) ``h`` buckets ahead.

    ``bucket`` (week|month) sets frequency, season and the Chinese calendar; pass ``bucket=None``
    with ``freq`` and ``season`` for other data (e.g. M3). ``fast`` leaves AutoARIMA out.
    ``engine="spark"`` fits the statsforecast models through statsforecast's distributed mode
    (Fugue on the process's SparkSession); model choice, combinations and calendar stay the same.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    freq = freq if freq is not None else FREQ[str(bucket)]
    season = season if season is not None else SEASON[str(bucket)]
    panel = panel[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"]).reset_index(drop=True)
    lengths = panel.groupby("unique_id").size()
    h_cv = max(1, min(h, int(lengths.median()) // (n_windows + 2)))
    long_ids = lengths.index[lengths >= h_cv * n_windows + max(8, h_cv)]
    # Two sets of calendar factors: from all history for the future, and from history before the
    # first backtest origin for the backtest, so reported accuracy never uses what it scores.
    first_cut = (
        panel["ds"].max() - pd.tseries.frequencies.to_offset(freq) * (h_cv * n_windows) if bucket else None
    )
    factors, exp = _calendar_factors(panel, bucket if calendar else None)
    bt_factors, _ = (
        _calendar_factors(panel[panel["ds"] <= first_cut], bucket if calendar else None)
        if (bucket and calendar)
        else (factors, exp)
    )
    work = panel.assign(y=panel["y"] / _adjustment(panel, factors, exp))[["unique_id", "ds", "y"]]
    bt_adj = _adjustment(panel, bt_factors, exp)
    work_bt = panel.assign(y=panel["y"] / bt_adj)[["unique_id", "ds", "y"]]
    kinds = _classify(work)

    forecasts, backtests = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in ("smooth", "intermittent"):
            ids = kinds.index[kinds == kind]
            if len(ids) == 0:
                continue
            sub = work[work["unique_id"].isin(ids)]
            sf = StatsForecast(
                models=_models(kind, season, fast), freq=freq, n_jobs=n_jobs, fallback_model=Naive()
            )
            fc = _fit(sf, sub, engine, h=h)
            _add_combo(fc)
            cands = _candidates(kind, list(fc.columns))
            # series too short to backtest keep the default: the combination, or Croston when intermittent
            default = "Combo" if "Combo" in cands else cands[0]
            choice = pd.Series(default, index=ids)
            long_sub = work_bt[work_bt["unique_id"].isin(ids) & work_bt["unique_id"].isin(long_ids)]
            if not long_sub.empty:
                cv = _fit(sf, long_sub, engine, h=h_cv, n_windows=n_windows, step_size=h_cv)
                _add_combo(cv)
                cutoffs = np.sort(cv["cutoff"].unique())
                last = cv[cv["cutoff"] == cutoffs[-1]]
                earlier = cv[cv["cutoff"] < cutoffs[-1]]
                choice.update(_pick(cv, cands))
                honest = _pick(earlier, cands) if not earlier.empty else choice
                bt = last[["unique_id", "ds", "cutoff", "y"]].copy()
                bt["model"] = bt["unique_id"].map(honest).fillna(BASELINE).to_numpy()
                bt["forecast"] = _select(last.assign(**{"_": 0}), honest.reindex(last["unique_id"].unique()))
                bt["baseline"] = last[BASELINE].to_numpy()
                backtests.append(bt)
            fc["model"] = fc["unique_id"].map(choice).to_numpy()
            fc["forecast"] = _select(fc, choice)
            forecasts.append(fc[["unique_id", "ds", "forecast", "model"]])

    fc = pd.concat(forecasts, ignore_index=True)
    fc["forecast"] = (fc["forecast"].fillna(0.0) * _adjustment(fc, factors, exp_for(fc, bucket, exp))).clip(
        lower=0
    )
    bt = (
        pd.concat(backtests, ignore_index=True)
        if backtests
        else pd.DataFrame(columns=["unique_id", "ds", "cutoff", "y", "model", "forecast", "baseline"])
    )
    if not bt.empty:
        adj = _adjustment(bt, bt_factors, exp)
        bt["y"] = bt["y"] * adj
        bt["forecast"] = (bt["forecast"].fillna(0.0) * adj).clip(lower=0)
        bt["baseline"] = bt["baseline"].fillna(0.0) * adj
        bt["scale"] = bt["unique_id"].map(_mase_scale(panel, bt, season))
    return EngineResult(fc.sort_values(["unique_id", "ds"]).reset_index(drop=True), bt, factors)


def exp_for(fc: pd.DataFrame, bucket: str | None, exp: pd.DataFrame) -> pd.DataFrame:
    """Event exposure for the future buckets too (the calendar is known ahead)."""
    if bucket is None or exp.empty:
        return exp
    return event_exposure(pd.concat([exp["ds"], fc["ds"]]), bucket).rename(columns={"period": "ds"})


def _mase_scale(panel: pd.DataFrame, bt: pd.DataFrame, season: int) -> pd.Series:
    """In-sample mean absolute seasonal difference (lag ``season``, or 1 if too short), before the cutoff."""
    cut = bt.groupby("unique_id")["cutoff"].min()
    p = panel[panel["ds"] <= panel["unique_id"].map(cut)]
    out = {}
    for uid, g in p.groupby("unique_id", sort=False):
        y = g["y"].to_numpy()
        m = season if len(y) > season + 1 else 1
        d = np.abs(y[m:] - y[:-m]) if len(y) > m else np.array([])
        out[uid] = float(d.mean()) if d.size else np.nan
    return pd.Series(out)


def accuracy_table(bt: pd.DataFrame, group: pd.Series | None = None) -> pd.DataFrame:
    """WAPE, MASE, bias of the chosen models and of seasonal naive, and FVA, per group.

    FVA (forecast value added) = WAPE of seasonal naive − WAPE of the forecast, in percentage
    points: positive means the statistical forecast beats the naive one.
    """
    if bt.empty:
        return pd.DataFrame(columns=["level", "series", "wape", "mase", "bias", "wape_naive", "fva"])
    g = group if group is not None else pd.Series("all", index=bt.index)
    rows = []
    for name, part in bt.groupby(g.to_numpy(), sort=False):
        actual = part["y"].sum()
        err = (part["forecast"] - part["y"]).abs()
        nerr = (part["baseline"] - part["y"]).abs()
        per = part.assign(err=err).groupby("unique_id").agg(mae=("err", "mean"), scale=("scale", "first"))
        per = per[per["scale"] > 0]
        wape = float(err.sum() / actual * 100) if actual > 0 else float("nan")
        wape_n = float(nerr.sum() / actual * 100) if actual > 0 else float("nan")
        rows.append(
            {
                "level": name,
                "series": int(part["unique_id"].nunique()),
                "wape": round(wape, 2),
                "mase": round(float((per["mae"] / per["scale"]).mean()), 3) if len(per) else None,
                "bias": round(float((part["forecast"] - part["y"]).sum() / actual * 100), 2)
                if actual > 0
                else None,
                "wape_naive": round(wape_n, 2),
                "fva": round(wape_n - wape, 2),
            }
        )
    return pd.DataFrame(rows)
