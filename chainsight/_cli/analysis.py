"""``chainsight expiry | trace | sell-through | suppliers | production | bullwhip | flow``: thin shells over
chainsight.analysis. Each prints readable tables, or with ``--json`` exactly what the Python function returns."""

from __future__ import annotations

from typing import Annotated

import polars as pl
import typer

from chainsight._cli._common import (
    JsonOption,
    LangOption,
    WarehouseOption,
    command,
    console,
    current_lang,
    open_warehouse,
    print_json,
    show_frame,
    t,
)
from chainsight.present import Unit, format_value, label

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Date to look from (YYYY-MM-DD); default: the latest snapshot.")
]
SiteOption = Annotated[str | None, typer.Option("--site", help="Only this site.")]
TopOption = Annotated[int, typer.Option("--top", help="Rows to show per table.")]
MonthsOption = Annotated[
    int | None, typer.Option("--months", help="Months of history (default: all for suppliers, 12 for lines).")
]


def _money(value: float | None, lang: str) -> str:
    """Money in a sentence: ¥253.8万 / ¥2.54M."""
    return format_value(value, Unit.CNY, lang, compact=True)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""

    @command(app, "expiry")
    def expiry_cmd(
        as_of: AsOfOption = None,
        site: SiteOption = None,
        lot: Annotated[
            str | None, typer.Option("--lot", help="Show which customers may still receive this lot.")
        ] = None,
        top: TopOption = 20,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Lots by remaining shelf life, near-expiry flags, FEFO projection of unsold stock, and actions."""
        from chainsight.analysis import expiry_report, lot_customers, near_expiry_bands

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            if lot:
                df = lot_customers(wh, lot, as_of=as_of, site=site)
                if as_json:
                    print_json(df.to_dicts())
                    return
                show_frame(
                    df,
                    [
                        "site_id",
                        "lot_id",
                        "customer_id",
                        "name",
                        "channel_id",
                        "min_remaining_life_pct",
                        "source",
                        "delivery_pct",
                        "eligible",
                    ],
                    lg,
                    t(f"批次 {lot} 的可接收客户", f"Who may receive lot {lot}", lg),
                    fmt={
                        "min_remaining_life_pct": "pct",
                        "delivery_pct": "pct",
                        "source": "kind:life_rule_source",
                    },
                )
                return
            report = expiry_report(wh, as_of=as_of, site=site)
        if as_json:
            print_json(report.to_dict())
            return
        s = report.summary
        as_of = s["as_of"]
        console.print(
            t(
                f"[bold]{as_of}[/bold]  批次 {s['lots']:,} 个 · 库存 {_money(s['stock_value'], lg)} · "
                f"临期 {s['near_expiry_lots']} 批 {_money(s['near_expiry_value'], lg)} · "
                f"已过期 {s['expired_lots']} 批 {_money(s['expired_value'], lg)} · "
                f"预计过期未售 {_money(s['projected_unsold_value'], lg)} · "
                f"措施可挽回 {_money(s['value_saved'], lg)}",
                f"[bold]{as_of}[/bold]  lots {s['lots']:,} · stock {_money(s['stock_value'], lg)} · "
                f"near expiry {s['near_expiry_lots']} lots {_money(s['near_expiry_value'], lg)} · "
                f"expired {s['expired_lots']} lots {_money(s['expired_value'], lg)} · "
                f"projected unsold {_money(s['projected_unsold_value'], lg)} · "
                f"actions save {_money(s['value_saved'], lg)}",
                lg,
            ),
            highlight=False,
        )
        actions = report.actions
        show_frame(
            actions,
            [
                "rank",
                "site_id",
                "item_id",
                "item_name",
                "lot_id",
                "expiry_date",
                "remaining_days",
                "projected_unsold_qty",
                "value_at_stake",
                "action",
                "target",
                "action_qty",
                "value_saved",
            ],
            lg,
            t("有风险批次的建议措施（按可挽回金额排序）", "Actions for lots at risk (by value saved)", lg),
            top,
            fmt={
                "projected_unsold_qty": "qty",
                "action_qty": "qty",
                "value_at_stake": "cny",
                "value_saved": "cny",
                "action": "kind:expiry_action",
            },
        )
        bands = {b.code: b.label.get(lg) for b in near_expiry_bands()}
        flagged = report.lots.filter(pl.col("state").is_in(["near_expiry", "expired"])).with_columns(
            pl.col("band").replace_strict(bands, default=pl.col("band")),
        )
        show_frame(
            flagged,
            [
                "site_id",
                "item_id",
                "lot_id",
                "expiry_date",
                "remaining_days",
                "remaining_pct",
                "band",
                "state",
                "qty",
                "value",
                "eligible_channels",
            ],
            lg,
            t("临期与过期批次", "Near-expiry and expired lots", lg),
            top,
            fmt={"remaining_pct": "pct", "qty": "qty", "value": "cny", "state": "kind:expiry_state"},
        )
        mats = report.lots.filter(
            pl.col("item_kind") != "product", pl.col("projected_unsold_qty").fill_null(0) > 1e-6
        ).sort("projected_unsold_value", descending=True)
        if mats.height:
            show_frame(
                mats,
                [
                    "site_id",
                    "item_id",
                    "item_name",
                    "lot_id",
                    "expiry_date",
                    "remaining_days",
                    "qty",
                    "projected_unsold_qty",
                    "projected_unsold_value",
                ],
                lg,
                t(
                    "生产计划用不完的原料与包材批次",
                    "Material lots production will not use before expiry",
                    lg,
                ),
                top,
                fmt={"qty": "qty", "projected_unsold_qty": "qty", "projected_unsold_value": "cny"},
            )

    @command(app, "trace")
    def trace_cmd(
        lot: Annotated[str, typer.Argument(help="A finished-goods or material lot number.")],
        as_of: AsOfOption = None,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Trace a lot for a recall: backward to material lots and suppliers, forward to finished lots,
        the sites holding them and the customers who received them."""
        from chainsight.analysis import trace

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            tr = trace(wh, lot, as_of=as_of)
        if as_json:
            print_json(tr.to_dict())
            return
        console.print(f"[bold]{lot}[/bold] — {label('trace_kind', tr.kind, lg)}", highlight=False)
        if tr.produced_by.height:
            show_frame(
                tr.produced_by,
                ["order_id", "site_id", "line_id", "sku", "status", "actual_end", "qty"],
                lg,
                t("生产该批次的订单", "Made by", lg),
                fmt={"qty": "qty", "status": "kind:production_status"},
            )
        if tr.materials.height:
            show_frame(
                tr.materials,
                [
                    "material_id",
                    "material_name",
                    "lot_id",
                    "qty",
                    "supplier_id",
                    "supplier_name",
                    "po_id",
                    "received_date",
                    "qc_status",
                ],
                lg,
                t(
                    "向后追溯：消耗的物料批次与供应商",
                    "Backward: material lots consumed and their suppliers",
                    lg,
                ),
                fmt={"qty": "qty", "qc_status": "kind:qc_status"},
            )
        if tr.finished_lots.height:
            show_frame(
                tr.finished_lots,
                ["order_id", "site_id", "line_id", "sku", "lot_id", "material_qty", "qty", "actual_end"],
                lg,
                t("向前追溯：用该批次生产的成品批次", "Forward: finished lots made with it", lg),
                fmt={"qty": "qty", "material_qty": "qty"},
            )
        if tr.holdings.height:
            show_frame(
                tr.holdings,
                ["lot_id", "item_id", "site_id", "site_type", "first_seen", "last_seen", "qty_now"],
                lg,
                t("所在地点", "Where it is (or was)", lg),
                fmt={"qty_now": "qty", "site_type": "kind:site_type"},
            )
        if tr.customers.height:
            cust = tr.customers
            show_frame(
                cust,
                [
                    "lot_id",
                    "customer_id",
                    "customer_name",
                    "site_id",
                    "qty",
                    "first_date",
                    "last_date",
                    "basis",
                ],
                lg,
                t("收货客户", "Customers who received it", lg),
                fmt={"qty": "qty", "basis": "kind:trace_basis"},
            )
        for note in tr.notes:
            console.print(f"[yellow]{note.get(lg)}[/yellow]", highlight=False)

    @command(app, "sell-through")
    def sell_through_cmd(
        as_of: AsOfOption = None,
        months: Annotated[
            int | None, typer.Option("--months", help="Months of history (default 12).")
        ] = None,
        top: TopOption = 20,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Sell-in versus sell-out per customer: channel stock, weeks of cover, stuffing and money at risk."""
        from chainsight.analysis import sell_through

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            st = sell_through(wh, as_of=as_of, months=months)
        if as_json:
            print_json(st.to_dict())
            return
        flagged = st.customers.filter(pl.col("stuffing"))
        stuffed_risk = _money(float(flagged["stuffing_at_risk_value"].sum()), lg)
        above_cover = _money(float(st.customers["at_risk_value"].sum()), lg)
        console.print(
            t(
                f"[bold]{st.start} – {st.as_of}[/bold]  压货客户 {flagged.height} 个，压货风险 {stuffed_risk}；"
                f"渠道库存超过目标周数的金额合计 {above_cover}",
                f"[bold]{st.start} – {st.as_of}[/bold]  {flagged.height} customer(s) stuffed, {stuffed_risk} at "
                f"risk; channel stock above target cover {above_cover} in all",
                lg,
            ),
            highlight=False,
        )
        cust = st.customers
        show_frame(
            cust,
            [
                "customer_id",
                "name",
                "channel_id",
                "sell_in_qty",
                "sell_out_qty",
                "ratio",
                "channel_stock",
                "weeks_of_cover",
                "stuffed_skus",
                "stuffing_at_risk_value",
                "at_risk_value",
            ],
            lg,
            t("客户进销存", "Customers: sell-in, sell-out, channel stock", lg),
            top,
            fmt={
                "sell_in_qty": "qty",
                "sell_out_qty": "qty",
                "channel_stock": "qty",
                "ratio": "x",
                "weeks_of_cover": "num1",
                "stuffing_at_risk_value": "cny",
                "at_risk_value": "cny",
            },
        )
        stuffed = st.pairs.filter(pl.col("stuffing"))
        if stuffed.height:
            show_frame(
                stuffed,
                [
                    "customer_id",
                    "sku",
                    "run_start",
                    "run_end",
                    "run_months",
                    "run_ratio",
                    "run_excess_qty",
                    "channel_stock",
                    "weeks_of_cover",
                    "at_risk_qty",
                    "at_risk_value",
                ],
                lg,
                t("压货明细（客户 × SKU）", "Stuffing by customer × SKU", lg),
                top,
                fmt={
                    "run_ratio": "x",
                    "run_excess_qty": "qty",
                    "channel_stock": "qty",
                    "weeks_of_cover": "num1",
                    "at_risk_qty": "qty",
                    "at_risk_value": "cny",
                },
            )

    @command(app, "suppliers")
    def suppliers_cmd(
        as_of: AsOfOption = None,
        months: MonthsOption = None,
        top: TopOption = 20,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Supplier OTIF, lateness, lead times and price variance (worst first), and material coverage."""
        from chainsight.analysis import supplier_performance

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            rep = supplier_performance(wh, as_of=as_of, months=months)
        if as_json:
            print_json(rep.to_dict())
            return
        late = rep.suppliers.filter(pl.col("flag_late"))
        sep = "、" if lg == "zh" else ", "
        names = sep.join(
            f"{r['supplier_id']} {r['name']}{t('（', ' (', lg)}{format_value(r['late_share'], Unit.PCT, lg)}"
            f"{t('）', ')', lg)}"
            for r in late.to_dicts()
        )
        console.print(
            t(
                f"[bold]截至 {rep.as_of}[/bold]  迟到预警供应商：{names or '无'}",
                f"[bold]as of {rep.as_of}[/bold]  suppliers flagged late: {names or 'none'}",
                lg,
            ),
            highlight=False,
        )
        show_frame(
            rep.suppliers,
            [
                "supplier_id",
                "name",
                "po_lines",
                "otif",
                "on_time_rate",
                "in_full_rate",
                "late_share",
                "avg_delay_when_late",
                "lead_time_mean",
                "lead_time_std",
                "lead_time_p90",
                "ppv_pct",
                "flag_late",
            ],
            lg,
            t("供应商表现（最差在前）", "Suppliers, worst first", lg),
            top,
            fmt={
                "otif": "pct",
                "on_time_rate": "pct",
                "in_full_rate": "pct",
                "late_share": "pct",
                "avg_delay_when_late": "num1",
                "lead_time_mean": "num1",
                "lead_time_std": "num1",
                "lead_time_p90": "num1",
                "ppv_pct": "pct",
            },
        )
        show_frame(
            rep.materials,
            [
                "material_id",
                "name",
                "type",
                "unit",
                "stock_qty",
                "daily_use",
                "coverage_days",
                "open_po_qty",
                "next_promised",
            ],
            lg,
            t("物料可用天数（最少在前）", "Material coverage, shortest first", lg),
            top,
            fmt={
                "stock_qty": "qty",
                "daily_use": "qty",
                "coverage_days": "num1",
                "open_po_qty": "qty",
                "type": "kind:material_type",
            },
        )

    @command(app, "production")
    def production_cmd(
        as_of: AsOfOption = None,
        months: MonthsOption = None,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Production lines: plan attainment, schedule adherence, yield, utilization — worst first."""
        from chainsight.analysis import production_performance

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            rep = production_performance(wh, as_of=as_of, months=months or 12)
        if as_json:
            print_json(rep.to_dict())
            return
        console.print(f"[bold]{rep.start} – {rep.as_of}[/bold]", highlight=False)
        show_frame(
            rep.lines,
            [
                "line_id",
                "name",
                "site_id",
                "completed",
                "plan_attainment",
                "schedule_adherence",
                "yield",
                "bom_yield",
                "yield_gap",
                "lost_units",
                "lost_value",
                "utilization",
                "flag_yield",
                "flag_attainment",
            ],
            lg,
            t("产线表现（最差在前）", "Production lines, worst first", lg),
            fmt={
                "plan_attainment": "pct",
                "schedule_adherence": "pct",
                "yield": "pct",
                "bom_yield": "pct",
                "yield_gap": "pct",
                "lost_units": "qty",
                "lost_value": "cny",
                "utilization": "pct",
            },
        )

    @command(app, "bullwhip")
    def bullwhip_cmd(
        as_of: AsOfOption = None,
        weeks: Annotated[int, typer.Option("--weeks", help="Weeks of history.")] = 52,
        top: TopOption = 20,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Variance amplification per SKU from consumer demand to sell-in and production, and per material
        from consumption to purchases."""
        from chainsight.analysis import bullwhip

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            b = bullwhip(wh, as_of=as_of, weeks=weeks)
        if as_json:
            print_json(b.to_dict())
            return
        skus = b.skus
        f = {c: "num2" for c in ("consumer_cv2", "sell_in_cv2", "production_cv2")}
        f |= {c: "x" for c in ("sell_in_amplification", "production_amplification", "total_amplification")}
        f["worst_stage"] = "kind:flow_stage"
        show_frame(
            skus,
            [
                "sku",
                "consumer_cv2",
                "sell_in_cv2",
                "production_cv2",
                "sell_in_amplification",
                "production_amplification",
                "total_amplification",
                "worst_stage",
            ],
            lg,
            t(f"牛鞭效应 {b.start} 至 {b.end}（按周）", f"Bullwhip, weekly, {b.start} – {b.end}", lg),
            top,
            fmt=f,
        )
        show_frame(
            b.materials,
            ["material_id", "consumption_cv2", "purchases_cv2", "purchase_amplification"],
            lg,
            t("物料：采购相对消耗的放大", "Materials: purchases against consumption", lg),
            top,
            fmt={"consumption_cv2": "num2", "purchases_cv2": "num2", "purchase_amplification": "x"},
        )

    @command(app, "flow")
    def flow_cmd(
        sku: Annotated[str, typer.Argument(help="The SKU to follow from materials to consumers.")],
        as_of: AsOfOption = None,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """One SKU end to end: materials, plants, DCs, channel stock and consumer demand in days of cover."""
        from chainsight.analysis import flow

        lg = current_lang(lang)
        with open_warehouse(warehouse) as wh:
            f = flow(wh, sku, as_of=as_of)
        if as_json:
            print_json(f.to_dict())
            return
        show_frame(
            f.stages,
            ["stage", "stock_qty", "daily_flow", "days_of_cover"],
            lg,
            t(f"{sku} 全链路（{f.as_of}）", f"{sku} end to end ({f.as_of})", lg),
            fmt={
                "stock_qty": "qty",
                "daily_flow": "qty",
                "days_of_cover": "num1",
                "stage": "kind:flow_stage",
            },
        )
        show_frame(
            f.materials,
            [
                "material_id",
                "name",
                "qty_per_unit",
                "stock_qty",
                "daily_use",
                "coverage_days",
                "open_po_qty",
                "next_promised",
                "units_covered",
            ],
            lg,
            t("物料", "Materials", lg),
            fmt={
                "qty_per_unit": "qty",
                "stock_qty": "qty",
                "daily_use": "qty",
                "coverage_days": "num1",
                "open_po_qty": "qty",
                "units_covered": "qty",
            },
        )
