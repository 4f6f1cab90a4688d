"""``chainsight channels mix | relation | cannibalization | price-conflicts | assortment | reach``: thin shells
over chainsight.analysis.channels. Each prints a readable table, or with ``--json`` what the function returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import polars as pl
import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    open_warehouse,
    print_json,
    print_table,
)
from chainsight.analysis.channels import (
    Finding,
    assortment_overlap,
    channel_mix,
    channel_relation,
    cross_channel_effects,
    geographic_reach,
    price_conflicts,
)

__all__ = ["register"]


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return df.to_dicts() if not df.is_empty() else []


def _fmt(df: pl.DataFrame, pct: Sequence[str] = (), money: Sequence[str] = ()) -> list[dict[str, Any]]:
    rows = _records(df)
    for r in rows:
        for c in pct:
            if r.get(c) is not None:
                r[c] = (
                    f"{r[c] * 100:+.1f}%"
                    if c not in ("share", "online_share", "offline_share")
                    else f"{r[c]:.1%}"
                )
        for c in money:
            if r.get(c) is not None:
                r[c] = f"{r[c]:,.0f}"
    return rows


def _findings(findings: list[Finding], lang: str) -> None:
    for f in findings:
        colour = {"high": "red", "medium": "yellow"}.get(f.severity, "green")
        console.print(f"[{colour}]•[/] {f.text(lang)}", highlight=False)


def _t(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def register(app: typer.Typer) -> None:
    """Add the ``channels`` command group to ``app``."""
    grp = typer.Typer(
        help="Online vs offline: mix, relation, cannibalisation, price conflicts, assortment, reach."
    )
    app.add_typer(grp, name="channels")

    @grp.command("price-conflicts")
    def price_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Online shops selling below the offline floor price: weeks, volume, margin leakage."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            pc = price_conflicts(wh)
        if json:
            print_json(
                {
                    "summary": _records(pc.summary),
                    "weeks": _records(pc.weeks),
                    "shops_checked": pc.shops_checked,
                    "tolerance": pc.tolerance,
                    "findings": [f.to_dict() for f in pc.findings],
                }
            )
            return
        cols = [
            "channel_id",
            "shop",
            "sku",
            "weeks",
            "qty",
            "effective_price",
            "floor_price",
            "below_floor_pct",
            "margin_leakage",
            "gap_to_distributor",
        ]
        heads_zh = [
            "平台",
            "店铺",
            "SKU",
            "周数",
            "数量",
            "实际均价",
            "限价",
            "低于限价",
            "少收(元)",
            "低于经销价(元)",
        ]
        print_table(
            _fmt(pc.summary, pct=["below_floor_pct"], money=["margin_leakage", "gap_to_distributor"]),
            cols,
            title=_t("线上低于线下限价", "Online prices below the offline floor", lg),
            headers=heads_zh if lg == "zh" else None,
        )
        _findings(pc.findings, lg)

    @grp.command("cannibalization")
    def cannibal_cmd(
        warehouse: WarehouseOption = None,
        json: JsonOption = False,
        lang: LangOption = None,
        treatment: Annotated[
            str,
            typer.Option(
                "--treatment",
                help="promotions (the promotions table) or price_cuts (online prices ≥ 8% below list, from orders).",
            ),
        ] = "promotions",
    ) -> None:
        """Does an online promotion cut (cannibalise) or lift offline sell-out, per province? Effect, 95% CI."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            e = cross_channel_effects(wh, treatment=treatment)
        if json:
            print_json(
                {
                    "provinces": _records(e.provinces),
                    "min_effect": e.min_effect,
                    "level": e.level,
                    "findings": [f.to_dict() for f in e.findings],
                }
            )
            return
        df = e.provinces
        if not df.is_empty():
            df = df.with_columns(verdict=pl.col("verdict_zh") if lg == "zh" else pl.col("verdict_en"))
        cols = ["province", "effect", "ci_low", "ci_high", "next_week_effect", "verdict", "skus", "weeks"]
        heads = ["省份", "效应", "95%下限", "95%上限", "次周效应", "结论", "SKU数", "周数"]
        print_table(
            _fmt(df, pct=["effect", "ci_low", "ci_high", "next_week_effect"]),
            cols,
            title=_t("线上促销对本省线下动销的影响", "Effect of online promotions on offline sell-out", lg),
            headers=heads if lg == "zh" else None,
        )
        _findings(e.findings, lg)

    @grp.command("relation")
    def relation_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Correlation of detrended, deseasonalised weekly online and offline sales, with CI and lead/lag."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            r = channel_relation(wh)
        if json:
            print_json(
                {
                    "groups": _records(r.groups),
                    "max_lag": r.max_lag,
                    "findings": [f.to_dict() for f in r.findings],
                }
            )
            return
        cols = [
            "dimension",
            "member",
            "weeks",
            "corr",
            "ci_low",
            "ci_high",
            "best_lag",
            "best_lag_corr",
            "reading",
        ]
        print_table(_records(r.groups), cols, title=_t("线上线下关系", "Online–offline relation", lg))
        _findings(r.findings, lg)

    @grp.command("mix")
    def mix_cmd(warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None) -> None:
        """Channel mix by month and growth (last 12 months vs a year earlier) by channel, province and SKU."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            m = channel_mix(wh)
        if json:
            print_json(
                {
                    "mix": _records(m.mix),
                    "growth": _records(m.growth),
                    "current": list(m.current),
                    "prior": list(m.prior),
                    "total_growth": m.total_growth,
                    "findings": [f.to_dict() for f in m.findings],
                }
            )
            return
        last = m.mix.filter(pl.col("period") == m.mix["period"].max()) if not m.mix.is_empty() else m.mix
        print_table(
            _fmt(last, pct=["share"], money=["net_sales"]),
            ["period", "channel_kind", "channel", "net_sales", "share"],
            title=_t("最近一期渠道结构", "Channel mix, latest period", lg),
        )
        g = (
            m.growth.filter(pl.col("dimension").is_in(["channel_kind", "channel"]))
            if not m.growth.is_empty()
            else m.growth
        )
        print_table(
            _fmt(g, pct=["contribution"], money=["current", "prior", "change"]),
            ["dimension", "member", "current", "prior", "change", "contribution"],
            title=_t("增长分解(近12个月同比)", "Growth decomposition (last 12 months, YoY)", lg),
        )
        _findings(m.findings, lg)

    @grp.command("assortment")
    def assortment_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """SKUs sold online only, offline only, or in both, and how each group performs."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            a = assortment_overlap(wh)
        if json:
            print_json(
                {
                    "groups": _records(a.groups),
                    "skus": _records(a.skus),
                    "findings": [f.to_dict() for f in a.findings],
                }
            )
            return
        df = (
            a.groups.with_columns(group=pl.col("group_zh") if lg == "zh" else pl.col("group_en"))
            if not a.groups.is_empty()
            else a.groups
        )
        print_table(
            _fmt(df, pct=["share"], money=["online_amount", "offline_amount", "per_sku"]),
            ["group", "skus", "online_amount", "offline_amount", "share", "per_sku"],
            title=_t("线上线下品项重合", "Assortment overlap", lg),
        )
        _findings(a.findings, lg)

    @grp.command("reach")
    def reach_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Provinces with online buyers but thin offline distribution (white space), and where both are strong."""
        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            r = geographic_reach(wh)
        if json:
            print_json(
                {
                    "provinces": _records(r.provinces),
                    "thin": r.thin,
                    "findings": [f.to_dict() for f in r.findings],
                }
            )
            return
        df = (
            r.provinces.with_columns(**{"class": pl.col("class_zh") if lg == "zh" else pl.col("class_en")})
            if not r.provinces.is_empty()
            else r.provinces
        )
        print_table(
            _fmt(df, pct=["online_share", "offline_share"], money=["online_amount", "offline_amount"]),
            [
                "province",
                "online_amount",
                "online_buyers",
                "offline_amount",
                "stores",
                "online_share",
                "offline_share",
                "class",
            ],
            title=_t("地域覆盖与空白市场", "Geographic reach and white space", lg),
        )
        _findings(r.findings, lg)
