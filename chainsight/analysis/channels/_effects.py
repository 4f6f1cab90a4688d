"""Cannibalisation or halo: the effect of online promotions on offline sell-out, per province.

Method (see docs/channels-methods.md): a difference-in-differences on weekly offline sell-out per
province × SKU. For province p, the outcome is log(1 + p's units) − log(1 + control provinces' units) of SKU s in
week w; the treatment is the share of days of week w on which SKU s was on an online promotion (national, or
limited to p). Week fixed effects absorb anything hitting all of p's SKUs in a week (holidays, weather, p's own
seasonality relative to the controls); SKU fixed effects and SKU trends absorb assortment and diverging growth;
offline promotions in p and in the controls enter as covariates. The same regression carries last week's
online-promotion share, the "following week" effect. Errors are clustered two-way, by SKU and by week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from chainsight._errors import UserInputError
from chainsight.analysis.channels._data import channel_kinds, offline_weekly, province_names, run
from chainsight.analysis.channels._price import online_discount_weeks
from chainsight.analysis.channels._scope import restrict_frame
from chainsight.analysis.channels._stats import ols_cluster
from chainsight.analysis.channels._text import Finding
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

__all__ = ["VERDICTS", "CrossChannelEffects", "cross_channel_effects", "promo_weeks"]

VERDICTS: dict[str, tuple[str, str]] = {
    "cannibalizing": ("蚕食线下", "cannibalising"),
    "lifting": ("带动线下", "lifting"),
    "neutral": ("无明显影响", "neutral"),
    "insufficient_data": ("数据不足", "insufficient data"),
}
"""Verdict code → (zh, en)."""


@dataclass(frozen=True, slots=True)
class CrossChannelEffects:
    """Result of :func:`cross_channel_effects`.

    ``provinces``: one row per province with ``effect`` (relative change of offline units of a SKU in a week
    fully on online promotion; −0.2 = 20% fewer), ``ci_low``/``ci_high`` (95%), ``p_value``, ``next_week_effect``
    with its CI, ``verdict`` (cannibalizing / lifting / neutral / insufficient_data), ``verdict_zh``/``_en``,
    ``skus``, ``weeks``, ``observations``, ``treated_obs`` and ``controls`` (the control provinces used).
    """

    provinces: pl.DataFrame
    min_effect: float
    level: float
    findings: list[Finding] = field(default_factory=list)


def _covers(promos: pl.DataFrame, weeks: pl.Series) -> pl.DataFrame:
    """Per promotion row × week: the number of days of the week inside the promotion (0–7)."""
    if promos.is_empty():
        return pl.DataFrame(
            schema={"sku": pl.String, "province": pl.String, "week": pl.Date, "days": pl.Int64}
        )
    w = pl.DataFrame({"week": weeks.unique().sort()})
    j = promos.join(w, how="cross")
    lo = pl.max_horizontal(pl.col("start_date"), pl.col("week"))
    hi = pl.min_horizontal(pl.col("end_date"), pl.col("week") + pl.duration(days=6))
    j = j.with_columns(days=((hi - lo).dt.total_days() + 1).clip(0, 7)).filter(pl.col("days") > 0)
    return j.select("sku", "province", "week", "days", "channel_id")


def promo_weeks(wh: Warehouse, weeks: pl.Series, kind: str) -> pl.DataFrame:
    """``sku, province (null = nationwide), week, share``: share of the week's days on a promotion of ``kind``
    (online or offline) channels; several channels on the same days count once (the maximum)."""
    kinds = channel_kinds(wh)
    pr = run(wh, wh.table("promotions").select("channel_id", "sku", "start_date", "end_date", "province"))
    pr = pr.join(kinds.select("channel_id", "kind"), on="channel_id").filter(pl.col("kind") == kind)
    cov = _covers(pr.drop("kind"), weeks)
    return cov.group_by("sku", "province", "week").agg(share=(pl.col("days").max() / 7.0))


def _treatment(promos: pl.DataFrame, provinces: list[str]) -> pl.DataFrame:
    """Promotion share per ``province × sku × week`` (national rows apply to every province)."""
    nat = promos.filter(pl.col("province").is_null()).drop("province")
    nat = nat.join(pl.DataFrame({"province": provinces}), how="cross")
    loc = promos.filter(pl.col("province").is_not_null())
    cols = ["province", "sku", "week", "share"]
    both = pl.concat([nat.select(cols), loc.select(cols)])
    return both.group_by("province", "sku", "week").agg(share=pl.col("share").max())


def _fit_province(
    panel: pl.DataFrame, p: str, controls: list[str], min_weeks: int, min_skus: int
) -> dict[str, float | int | None]:
    mine = panel.filter(pl.col("province") == p)
    rest = (
        panel.filter(pl.col("province").is_in(controls))
        .group_by("sku", "week")
        .agg(c_qty=pl.col("qty").sum(), c_off=pl.col("off").mean())
    )
    d = mine.join(rest, on=["sku", "week"], how="inner").filter(pl.col("c_qty") > 0)
    # SKUs p actually sells: enough weeks with sales to compare
    keep = d.group_by("sku").agg(n=(pl.col("qty") > 0).sum()).filter(pl.col("n") >= min_weeks)["sku"]
    d = d.filter(pl.col("sku").is_in(keep.implode())).sort("sku", "week")
    empty: dict[str, float | int | None] = {
        "effect_log": None,
        "se": None,
        "ci_low_log": None,
        "ci_high_log": None,
        "p_value": None,
        "next_log": None,
        "next_low_log": None,
        "next_high_log": None,
        "skus": keep.len(),
        "weeks": d["week"].n_unique(),
        "observations": d.height,
        "treated_obs": int((d["on"] > 0).sum()) if d.height else 0,
    }
    if d.height < 30 or keep.len() < min_skus or (d["on"] > 0).sum() < 5:
        return empty
    y = (np.log1p(d["qty"].to_numpy()) - np.log1p(d["c_qty"].to_numpy())).astype(float)
    sku_codes = d["sku"].cast(pl.Categorical).to_physical().to_numpy()
    week_codes = d["week"].rank("dense").cast(pl.Int64).to_numpy() - 1
    t = (d["week"] - d["week"].min()).dt.total_days().to_numpy() / 365.25
    n_s, n_w = int(sku_codes.max()) + 1, int(week_codes.max()) + 1
    cols = [
        d["on"].to_numpy(),
        d["on_prev"].to_numpy(),
        d["off"].to_numpy(),
        d["c_off"].to_numpy(),
    ]
    x_main = np.column_stack(cols).astype(float)
    sku_d = np.zeros((d.height, n_s))
    sku_d[np.arange(d.height), sku_codes] = 1.0
    week_d = np.zeros((d.height, n_w))
    week_d[np.arange(d.height), week_codes] = 1.0
    trend = sku_d * t[:, None]
    x = np.hstack([x_main, sku_d, week_d[:, 1:], trend])
    fit = ols_cluster(y, x, sku_codes, week_codes, first=x_main.shape[1])
    lo, hi = fit.ci(0)
    nlo, nhi = fit.ci(1)
    return {
        **empty,
        "effect_log": float(fit.coef[0]),
        "se": float(fit.se[0]),
        "ci_low_log": lo,
        "ci_high_log": hi,
        "p_value": fit.p_value(0),
        "next_log": float(fit.coef[1]),
        "next_low_log": nlo,
        "next_high_log": nhi,
    }


def _verdict(lo: float | None, hi: float | None, eff: float | None, min_effect: float) -> str:
    if eff is None or lo is None or hi is None:
        return "insufficient_data"
    if hi < 0 and np.expm1(eff) <= -min_effect:
        return "cannibalizing"
    if lo > 0 and np.expm1(eff) >= min_effect:
        return "lifting"
    return "neutral"


def cross_channel_effects(
    wh: Warehouse,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    min_effect: float = 0.05,
    min_weeks: int = 8,
    min_skus: int = 5,
    scope: Scope | None = None,
    treatment: str = "promotions",
    cut_depth: float = 0.08,
) -> CrossChannelEffects:
    """Per province: does an online promotion of a SKU cut (cannibalise) or lift its offline sell-out?

    Two passes: first each province against all other provinces with offline sell-out, then against only the
    provinces the first pass found neutral, so that one cannibalising province does not bias the others'
    baseline. A province is *cannibalising* (*lifting*) when the 95% CI lies below (above) zero and the effect
    is at least ``min_effect`` (5%) in size; otherwise *neutral*. A province needs ``min_skus`` SKUs sold offline
    in at least ``min_weeks`` weeks (the clusters of the standard errors) for a verdict. The estimation uses
    every province as a potential control; ``scope`` only limits the provinces returned.

    ``treatment="promotions"`` reads online promotions from the promotions table; ``"price_cuts"`` instead marks
    a SKU × week as treated when its online effective price is at least ``cut_depth`` (8%) below the channels'
    list prices (see :func:`online_discount_weeks`), for companies whose promotions table is incomplete.

    >>> eff = cross_channel_effects(wh)  # doctest: +SKIP
    >>> eff.provinces.select("province", "effect", "ci_low", "ci_high", "verdict")  # doctest: +SKIP
    """
    off = offline_weekly(wh, start, end)
    if off.is_empty():
        return CrossChannelEffects(pl.DataFrame(), min_effect, 0.95, [])
    # the last week may be incomplete (weekly reporters report on Sunday): drop it
    last = off["week"].max()
    off = off.filter(pl.col("week") < last)
    provinces = sorted(off["province"].unique().to_list())
    skus = off["sku"].unique()
    weeks = off["week"].unique().sort()
    grid = (
        pl.DataFrame({"province": provinces})
        .join(pl.DataFrame({"sku": skus}), how="cross")
        .join(pl.DataFrame({"week": weeks}), how="cross")
    )
    if treatment == "promotions":
        on = _treatment(promo_weeks(wh, weeks, "online"), provinces).rename({"share": "on"})
    elif treatment == "price_cuts":
        cuts = online_discount_weeks(wh, start=start, end=end).filter(pl.col("depth") >= cut_depth)
        cuts = cuts.select("sku", "week", province=pl.lit(None, pl.String), share=pl.lit(1.0))
        on = _treatment(cuts, provinces).rename({"share": "on"})
    else:
        raise UserInputError(
            f"未知的处理方式 “{treatment}”:可选 promotions 或 price_cuts",
            f"unknown treatment '{treatment}': choose promotions or price_cuts",
        )
    offp = _treatment(promo_weeks(wh, weeks, "offline"), provinces).rename({"share": "off"})
    panel = (
        grid.join(off.select("province", "sku", "week", "qty"), on=["province", "sku", "week"], how="left")
        .join(on, on=["province", "sku", "week"], how="left")
        .join(offp, on=["province", "sku", "week"], how="left")
        .with_columns(pl.col("qty", "on", "off").fill_null(0.0))
        .sort("province", "sku", "week")
        .with_columns(on_prev=pl.col("on").shift(1).over("province", "sku").fill_null(0.0))
    )
    first = {
        p: _fit_province(panel, p, [q for q in provinces if q != p], min_weeks, min_skus) for p in provinces
    }
    v1 = {
        p: _verdict(r["ci_low_log"], r["ci_high_log"], r["effect_log"], min_effect)  # type: ignore[arg-type]
        for p, r in first.items()
    }
    clean = [p for p in provinces if v1[p] == "neutral"]
    rows = []
    for p in provinces:
        controls = [q for q in clean if q != p]
        if len(controls) < 2:
            controls = [q for q in provinces if q != p]
        r = _fit_province(panel, p, controls, min_weeks, min_skus)
        v = _verdict(r["ci_low_log"], r["ci_high_log"], r["effect_log"], min_effect)  # type: ignore[arg-type]

        def pct(x: float | int | None) -> float | None:
            return None if x is None else float(np.expm1(x))

        rows.append(
            {
                "province": p,
                "effect": pct(r["effect_log"]),
                "ci_low": pct(r["ci_low_log"]),
                "ci_high": pct(r["ci_high_log"]),
                "p_value": r["p_value"],
                "next_week_effect": pct(r["next_log"]),
                "next_week_ci_low": pct(r["next_low_log"]),
                "next_week_ci_high": pct(r["next_high_log"]),
                "verdict": v,
                "verdict_zh": VERDICTS[v][0],
                "verdict_en": VERDICTS[v][1],
                "skus": r["skus"],
                "weeks": r["weeks"],
                "observations": r["observations"],
                "treated_obs": r["treated_obs"],
                "controls": controls,
            }
        )
    names = province_names(wh).rename({"province": "name"})
    out = pl.DataFrame(rows, infer_schema_length=None).join(
        names, left_on="province", right_on="name", how="left"
    )
    out = out.select(
        "province",
        "province_en",
        "region_id",
        *[c for c in out.columns if c not in ("province", "province_en", "region_id")],
    )
    out = restrict_frame(out.sort("effect", nulls_last=True), scope, {"province": "province"})
    return CrossChannelEffects(out, min_effect, 0.95, _findings(out))


def _findings(df: pl.DataFrame) -> list[Finding]:
    out: list[Finding] = []
    for r in df.filter(pl.col("verdict").is_in(["cannibalizing", "lifting"])).iter_rows(named=True):
        e, lo, hi = r["effect"] * 100, r["ci_low"] * 100, r["ci_high"] * 100
        en_name = r["province_en"] or r["province"]
        if r["verdict"] == "cannibalizing":
            zh = (
                f"{r['province']}:线上促销的 SKU 在促销周的线下动销减少约 {-e:.0f}%"
                f"(95% 置信区间 {lo:.0f}% 至 {hi:.0f}%),线上在蚕食本省线下。"
            )
            en = (
                f"{en_name}: offline sell-out of a SKU drops about {-e:.0f}% in weeks it is on an online promotion "
                f"(95% CI {lo:.0f}% to {hi:.0f}%): online is cannibalising offline in this province."
            )
        else:
            zh = (
                f"{r['province']}:线上促销的 SKU 在促销周的线下动销增加约 {e:.0f}%"
                f"(95% 置信区间 {lo:.0f}% 至 {hi:.0f}%),线上带动了本省线下。"
            )
            en = (
                f"{en_name}: offline sell-out of a SKU rises about {e:.0f}% in weeks it is on an online promotion "
                f"(95% CI {lo:.0f}% to {hi:.0f}%): online lifts offline in this province."
            )
        out.append(
            Finding(
                kind="cannibalization" if r["verdict"] == "cannibalizing" else "halo",
                severity="high" if r["verdict"] == "cannibalizing" else "info",
                zh=zh,
                en=en,
                numbers={
                    "province": r["province"],
                    "effect": r["effect"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                },
            )
        )
    return out
