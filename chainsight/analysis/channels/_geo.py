"""Assortment overlap (online-only, offline-only, both) and geographic reach (white space)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from chainsight.analysis.channels._data import offline_lines, online_lines, run
from chainsight.analysis.channels._text import Finding
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

__all__ = ["Assortment", "Reach", "assortment_overlap", "geographic_reach"]

_GROUP = {
    "both": ("线上线下都卖", "sold online and offline"),
    "online_only": ("仅线上", "online only"),
    "offline_only": ("仅线下", "offline only"),
}


@dataclass(frozen=True, slots=True)
class Assortment:
    """``skus``: per SKU ``online_qty, online_amount, offline_qty, offline_amount, group``;
    ``groups``: per group the SKU count, amounts and share of total sales."""

    skus: pl.DataFrame
    groups: pl.DataFrame
    findings: list[Finding] = field(default_factory=list)


def _online_by(
    wh: Warehouse, keys: list[str], start: dt.date | None, end: dt.date | None, scope: Scope | None
) -> pl.DataFrame:
    o = online_lines(wh, scope)
    if start is not None:
        o = o.filter(o.day >= start)
    if end is not None:
        o = o.filter(o.day <= end)
    agg = o.group_by(keys).aggregate(
        online_qty=o.qty.sum(), online_amount=o.paid_amount.sum(), online_buyers=o.buyer_id.nunique()
    )
    return run(wh, agg)


def _offline_by(
    wh: Warehouse, keys: list[str], start: dt.date | None, end: dt.date | None, scope: Scope | None
) -> pl.DataFrame:
    so = offline_lines(wh, scope)
    if start is not None:
        so = so.filter(so.date >= start)
    if end is not None:
        so = so.filter(so.date <= end)
    agg = so.group_by(keys).aggregate(
        offline_qty=so.qty.sum(), offline_amount=so.amount.sum(), stores=so.store_id.nunique()
    )
    return run(wh, agg)


def assortment_overlap(
    wh: Warehouse, *, start: dt.date | None = None, end: dt.date | None = None, scope: Scope | None = None
) -> Assortment:
    """Which SKUs sell online only, offline only (sell-out) or in both, and how each group performs."""
    a = _online_by(wh, ["sku"], start, end, scope)
    b = _offline_by(wh, ["sku"], start, end, scope)
    skus = a.join(b, on="sku", how="full", coalesce=True).fill_null(0)
    skus = skus.with_columns(
        group=pl.when((pl.col("online_qty") > 0) & (pl.col("offline_qty") > 0))
        .then(pl.lit("both"))
        .when(pl.col("online_qty") > 0)
        .then(pl.lit("online_only"))
        .otherwise(pl.lit("offline_only"))
    ).sort("sku")
    groups = (
        skus.group_by("group")
        .agg(
            skus=pl.len(),
            online_amount=pl.col("online_amount").sum(),
            offline_amount=pl.col("offline_amount").sum(),
        )
        .with_columns(total=pl.col("online_amount") + pl.col("offline_amount"))
        .with_columns(
            share=pl.col("total") / pl.col("total").sum(),
            per_sku=pl.col("total") / pl.col("skus"),
            group_zh=pl.col("group").replace_strict({k: v[0] for k, v in _GROUP.items()}),
            group_en=pl.col("group").replace_strict({k: v[1] for k, v in _GROUP.items()}),
        )
        .sort("group")
    )
    findings = [
        Finding(
            kind="assortment",
            severity="info",
            zh=f"{r['group_zh']}:{r['skus']} 个 SKU,占销售额 {r['share'] * 100:.1f}%,单 SKU 平均 {r['per_sku']:,.0f} 元。",
            en=f"{r['group_en']}: {r['skus']} SKUs, {r['share'] * 100:.1f}% of sales, {r['per_sku']:,.0f} CNY per SKU.",
            numbers={"group": r["group"], "skus": r["skus"], "share": r["share"]},
        )
        for r in groups.iter_rows(named=True)
    ]
    return Assortment(skus, groups, findings)


@dataclass(frozen=True, slots=True)
class Reach:
    """``provinces``: per province online amount/buyers, offline sell-out amount/stores, each as a share of the
    national total, ``index`` (offline share ÷ online share) and ``class``: white_space (online demand, thin or no
    offline: index < ``thin``), both_strong, offline_led (index > 1 ÷ ``thin``) or balanced."""

    provinces: pl.DataFrame
    thin: float
    findings: list[Finding] = field(default_factory=list)


_CLASS = {
    "white_space": ("空白市场:有线上需求、线下薄弱", "white space: online demand, thin offline"),
    "both_strong": ("线上线下都强", "both strong"),
    "offline_led": ("线下为主", "offline-led"),
    "balanced": ("均衡", "balanced"),
}


def geographic_reach(
    wh: Warehouse,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    thin: float = 0.5,
    scope: Scope | None = None,
) -> Reach:
    """Provinces where online buyers are but offline distribution is thin (white space), and where both are
    strong. Shares are of the national online (ship-to province) and offline (store province) totals."""
    # shares are of the national totals: a province scope limits the rows returned, not the totals
    geo = ("province", "city")
    rest = None
    if scope is not None and not scope.unrestricted:
        kept = {k: v for k, v in scope.rules.items() if k not in geo}
        rest = Scope(kept) if kept or scope.sees_nothing else None
    a = _online_by(wh, ["province"], start, end, rest)
    b = _offline_by(wh, ["province"], start, end, rest)
    p = (
        a.join(b, on="province", how="full", coalesce=True)
        .fill_null(0)
        .filter(pl.col("province").is_not_null())
    )
    p = p.with_columns(
        online_share=(pl.col("online_amount") / pl.col("online_amount").sum()).fill_nan(None),
        offline_share=(pl.col("offline_amount") / pl.col("offline_amount").sum()).fill_nan(None),
    )
    fair = 1.0 / max(p.height, 1)
    p = p.with_columns(
        index=pl.when(pl.col("online_share") > 0).then(pl.col("offline_share") / pl.col("online_share")),
    ).with_columns(
        **{
            "class": pl.when((pl.col("online_share") >= fair * 0.5) & (pl.col("index") < thin))
            .then(pl.lit("white_space"))
            .when((pl.col("online_share") >= fair) & (pl.col("offline_share") >= fair))
            .then(pl.lit("both_strong"))
            .when(pl.col("index") > 1.0 / thin)
            .then(pl.lit("offline_led"))
            .otherwise(pl.lit("balanced"))
        }
    )
    p = p.with_columns(
        class_zh=pl.col("class").replace_strict({k: v[0] for k, v in _CLASS.items()}),
        class_en=pl.col("class").replace_strict({k: v[1] for k, v in _CLASS.items()}),
    ).sort("online_amount", descending=True)
    if scope is not None and not scope.unrestricted:
        if scope.sees_nothing or "city" in scope.rules:  # a city scope cannot see province totals
            p = p.clear()
        elif "province" in scope.rules:
            p = p.filter(pl.col("province").is_in(sorted(scope.rules["province"])))
    ws = p.filter(pl.col("class") == "white_space")
    findings = []
    if ws.height:
        names = "、".join(ws["province"].head(6).to_list())
        share = float(ws["online_share"].sum())
        findings.append(
            Finding(
                kind="reach",
                severity="medium",
                zh=f"空白市场:{names} 等 {ws.height} 个省份贡献了 {share * 100:.0f}% 的线上销售额,但线下动销很少或没有。",
                en=f"White space: {ws.height} provinces ({names}) bring {share * 100:.0f}% of online sales but "
                "have little or no offline sell-out.",
                numbers={"provinces": ws["province"].to_list(), "online_share": share},
            )
        )
    return Reach(p, thin, findings)
