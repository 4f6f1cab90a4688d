"""``chainsight channels mix | relation | cannibalization | price-conflicts | assortment | reach``: thin shells
over chainsight.analysis.channels. Each prints a readable table, or with ``--json`` what the function returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import polars as pl
import typer

from chainsight._cli._common import (
    App,
    Format,
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    open_warehouse,
    print_json,
    print_table,
    t,
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
from chainsight.metrics import DIMENSIONS
from chainsight.present import DIMENSION_KINDS, Unit, format_month, format_value, label

__all__ = ["register"]


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return df.to_dicts() if not df.is_empty() else []


def _channel_names(wh: Any) -> dict[str, str]:
    """Channel ids by their names (master data), so a table shows 天猫旗舰店 beside tmall."""
    rows = wh.table("channels").select("channel_id", "name").to_pyarrow().to_pylist()
    return {r["channel_id"]: r["name"] for r in rows if r.get("name")}


def _named(names: dict[str, str], lang: str) -> Callable[[Any], str]:
    def fmt(code: Any) -> str:
        if code is None:
            return "—"
        name = names.get(code)
        return f"{name}（{code}）" if name and lang == "zh" else f"{name} ({code})" if name else str(code)

    return fmt


def _signed_pct(lang: str) -> Format:
    return lambda v: format_value(v, Unit.PCT, lang, signed=True)


def _member_fmt(rows: list[dict[str, Any]], names: dict[str, str], lang: str) -> None:
    """Growth and relation tables: a member is named by its dimension (线上, 天猫旗舰店（tmall）)."""
    channel = _named(names, lang)
    for r in rows:
        dim, member = r.get("dimension"), r.get("member")
        if isinstance(dim, str) and dim in DIMENSION_KINDS:
            r["member"] = label(DIMENSION_KINDS[dim], member, lang)
        elif dim == "channel":
            r["member"] = channel(member)
        if dim in DIMENSIONS:
            r["dimension"] = DIMENSIONS[dim].get(lang)


def _findings(findings: list[Finding], lang: str) -> None:
    for f in findings:
        colour = {"high": "red", "medium": "yellow"}.get(f.severity, "green")
        console.print(f"[{colour}]•[/] {f.text(lang)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``channels`` command group to ``app``."""
    grp = App(help="Online vs offline: mix, relation, cannibalisation, price conflicts, assortment, reach.")
    app.add_typer(grp, name="channels")

    @grp.command("price-conflicts")
    def price_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Online shops selling below the offline floor price: weeks, volume, margin leakage."""
        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            pc = price_conflicts(wh)
            names = _channel_names(wh)
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
        print_table(
            _records(pc.summary),
            cols,
            lg,
            title=t("线上低于线下限价", "Online prices below the offline floor", lg),
            formats={
                "channel_id": _named(names, lg),
                "qty": "qty",
                "effective_price": "num2",
                "floor_price": "num2",
                "below_floor_pct": "pct",
                "margin_leakage": "cny",
                "gap_to_distributor": "cny",
            },
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
        with open_warehouse(warehouse) as wh:
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
        effect = _signed_pct(lg)
        print_table(
            _records(e.provinces),
            ["province", "effect", "ci_low", "ci_high", "next_week_effect", "verdict", "skus", "weeks"],
            lg,
            title=t("线上促销对本省线下动销的影响", "Effect of online promotions on offline sell-out", lg),
            formats={
                "effect": effect,
                "ci_low": effect,
                "ci_high": effect,
                "next_week_effect": effect,
                "verdict": "kind:effect_verdict",
            },
        )
        _findings(e.findings, lg)

    @grp.command("relation")
    def relation_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Correlation of detrended, deseasonalised weekly online and offline sales, with CI and lead/lag."""
        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            r = channel_relation(wh)
            names = _channel_names(wh)
        if json:
            print_json(
                {
                    "groups": _records(r.groups),
                    "max_lag": r.max_lag,
                    "findings": [f.to_dict() for f in r.findings],
                }
            )
            return
        rows = _records(r.groups)
        _member_fmt(rows, names, lg)
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
        print_table(
            rows,
            cols,
            lg,
            title=t("线上线下关系", "Online–offline relation", lg),
            formats={
                "corr": "num2",
                "ci_low": "num2",
                "ci_high": "num2",
                "best_lag_corr": "num2",
                "reading": "kind:relation_reading",
            },
        )
        _findings(r.findings, lg)

    @grp.command("mix")
    def mix_cmd(warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None) -> None:
        """Channel mix by month and growth (last 12 months vs a year earlier) by channel, province and SKU."""
        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            m = channel_mix(wh)
            names = _channel_names(wh)
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
            _records(last),
            ["period", "channel_kind", "channel", "net_sales", "share"],
            lg,
            title=t("最近一期渠道结构", "Channel mix, latest period", lg),
            formats={
                "period": lambda v: format_month(v, lg),
                "channel_kind": "kind:channel_kind",
                "channel": _named(names, lg),
                "net_sales": "cny",
                "share": "pct",
            },
        )
        g = (
            m.growth.filter(pl.col("dimension").is_in(["channel_kind", "channel"]))
            if not m.growth.is_empty()
            else m.growth
        )
        rows = _records(g)
        _member_fmt(rows, names, lg)
        print_table(
            rows,
            ["dimension", "member", "current", "prior", "change", "contribution"],
            lg,
            title=t("增长分解（近 12 个月同比）", "Growth decomposition (last 12 months, YoY)", lg),
            headers=[
                t("维度", "Dimension", lg),
                t("成员", "Member", lg),
                t("近 12 个月", "Last 12 months", lg),
                t("上年同期", "A year earlier", lg),
                t("变化", "Change", lg),
                t("对增长的贡献", "Contribution to growth", lg),
            ],
            formats={
                "current": "cny",
                "prior": "cny",
                "change": lambda v: format_value(v, Unit.CNY, lg, signed=True),
                "contribution": _signed_pct(lg),
            },
        )
        _findings(m.findings, lg)

    @grp.command("assortment")
    def assortment_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """SKUs sold online only, offline only, or in both, and how each group performs."""
        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
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
        print_table(
            _records(a.groups),
            ["group", "skus", "online_amount", "offline_amount", "share", "per_sku"],
            lg,
            title=t("线上线下品项重合", "Assortment overlap", lg),
            formats={
                "group": "kind:assortment_group",
                "online_amount": "cny",
                "offline_amount": "cny",
                "share": "pct",
                "per_sku": "cny",
            },
        )
        _findings(a.findings, lg)

    @grp.command("reach")
    def reach_cmd(
        warehouse: WarehouseOption = None, json: JsonOption = False, lang: LangOption = None
    ) -> None:
        """Provinces with online buyers but thin offline distribution (white space), and where both are strong."""
        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
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
        print_table(
            _records(r.provinces),
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
            lg,
            title=t("地域覆盖与空白市场", "Geographic reach and white space", lg),
            formats={
                "online_amount": "cny",
                "offline_amount": "cny",
                "online_share": "pct",
                "offline_share": "pct",
                "class": "kind:reach_class",
            },
        )
        _findings(r.findings, lg)
