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
    console,
    current_lang,
    fmt_money,
    fmt_num2,
    fmt_pct,
    fmt_qty,
    fmt_ratio,
    open_warehouse,
    print_json,
    show_frame,
)
from chainsight.model import Text

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Date to look from (YYYY-MM-DD); default: the latest snapshot.")
]
SiteOption = Annotated[str | None, typer.Option("--site", help="Only this site.")]
TopOption = Annotated[int, typer.Option("--top", help="Rows to show per table.")]
MonthsOption = Annotated[
    int | None, typer.Option("--months", help="Months of history (default: all for suppliers, 12 for lines).")
]


def _t(zh: str, en: str, lang: str) -> str:
    return Text(zh, en).get(lang)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""

    @app.command("expiry")
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
        from chainsight.analysis import ACTION_NAMES, STATES, expiry_report, lot_customers, near_expiry_bands

        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
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
                    _t(f"批次 {lot} 的可接收客户", f"Who may receive lot {lot}", lg),
                    fmt={"min_remaining_life_pct": fmt_pct, "delivery_pct": fmt_pct},
                )
                return
            report = expiry_report(wh, as_of=as_of, site=site)
        if as_json:
            print_json(report.to_dict())
            return
        s = report.summary
        console.print(
            _t(
                f"[bold]{s['as_of']}[/bold]  批次 {s['lots']:,} · 库存 ¥{s['stock_value']:,.0f} · "
                f"临期 {s['near_expiry_lots']} 批 ¥{s['near_expiry_value']:,.0f} · "
                f"已过期 {s['expired_lots']} 批 ¥{s['expired_value']:,.0f} · "
                f"预计过期未售 ¥{s['projected_unsold_value']:,.0f} · 措施可挽回 ¥{s['value_saved']:,.0f}",
                f"[bold]{s['as_of']}[/bold]  lots {s['lots']:,} · stock ¥{s['stock_value']:,.0f} · "
                f"near expiry {s['near_expiry_lots']} lots ¥{s['near_expiry_value']:,.0f} · "
                f"expired {s['expired_lots']} lots ¥{s['expired_value']:,.0f} · "
                f"projected unsold ¥{s['projected_unsold_value']:,.0f} · actions save ¥{s['value_saved']:,.0f}",
                lg,
            ),
            highlight=False,
        )
        names = {k: v.get(lg) for k, v in ACTION_NAMES.items()}
        actions = report.actions.with_columns(
            pl.col("action").replace_strict(names, default=pl.col("action"))
        )
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
            _t("有风险批次的建议措施(按可挽回金额排序)", "Actions for lots at risk (by value saved)", lg),
            top,
            fmt={
                "projected_unsold_qty": fmt_qty,
                "action_qty": fmt_qty,
                "value_at_stake": fmt_money,
                "value_saved": fmt_money,
            },
        )
        bands = {b.code: (b.label_zh if lg == "zh" else b.label_en) for b in near_expiry_bands()}
        states = {k: v.get(lg) for k, v in STATES.items()}
        flagged = report.lots.filter(pl.col("state").is_in(["near_expiry", "expired"])).with_columns(
            pl.col("band").replace_strict(bands, default=pl.col("band")),
            pl.col("state").replace_strict(states, default=pl.col("state")),
            pl.col("eligible_channels").list.join(", "),
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
            _t("临期与过期批次", "Near-expiry and expired lots", lg),
            top,
            fmt={"remaining_pct": fmt_pct, "qty": fmt_qty, "value": fmt_money},
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
                _t(
                    "生产计划用不完的原料与包材批次",
                    "Material lots production will not use before expiry",
                    lg,
                ),
                top,
                fmt={"qty": fmt_qty, "projected_unsold_qty": fmt_qty, "projected_unsold_value": fmt_money},
            )

    @app.command("trace")
    def trace_cmd(
        lot: Annotated[str, typer.Argument(help="A finished-goods or material lot number.")],
        as_of: AsOfOption = None,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Trace a lot for a recall: backward to material lots and suppliers, forward to finished lots,
        the sites holding them and the customers who received them."""
        from chainsight.analysis import TRACE_BASIS, trace

        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            t = trace(wh, lot, as_of=as_of)
        if as_json:
            print_json(t.to_dict())
            return
        kinds = {
            "finished": Text("成品批次", "finished-goods lot"),
            "material": Text("物料批次", "material lot"),
            "both": Text("成品与物料批次", "finished-goods and material lot"),
            "stock": Text("库存批次", "lot in stock"),
        }
        console.print(f"[bold]{lot}[/bold] — {kinds[t.kind].get(lg)}", highlight=False)
        if t.produced_by.height:
            show_frame(
                t.produced_by,
                ["order_id", "site_id", "line_id", "sku", "status", "actual_end", "qty"],
                lg,
                _t("生产该批次的订单", "Made by", lg),
                fmt={"qty": fmt_qty},
            )
        if t.materials.height:
            show_frame(
                t.materials,
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
                _t(
                    "向后追溯:消耗的物料批次与供应商",
                    "Backward: material lots consumed and their suppliers",
                    lg,
                ),
                fmt={"qty": fmt_qty},
            )
        if t.finished_lots.height:
            show_frame(
                t.finished_lots,
                ["order_id", "site_id", "line_id", "sku", "lot_id", "material_qty", "qty", "actual_end"],
                lg,
                _t("向前追溯:用该批次生产的成品批次", "Forward: finished lots made with it", lg),
                fmt={"qty": fmt_qty, "material_qty": fmt_qty},
            )
        if t.holdings.height:
            show_frame(
                t.holdings,
                ["lot_id", "item_id", "site_id", "site_type", "first_seen", "last_seen", "qty_now"],
                lg,
                _t("所在地点", "Where it is (or was)", lg),
                fmt={"qty_now": fmt_qty},
            )
        if t.customers.height:
            basis = {k: v.get(lg) for k, v in TRACE_BASIS.items()}
            cust = t.customers.with_columns(pl.col("basis").replace_strict(basis, default=pl.col("basis")))
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
                _t("收货客户", "Customers who received it", lg),
                fmt={"qty": fmt_qty},
            )
        for note in t.notes:
            console.print(f"[yellow]{note.get(lg)}[/yellow]", highlight=False)

    @app.command("sell-through")
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
        with open_warehouse(warehouse, lg) as wh:
            st = sell_through(wh, as_of=as_of, months=months)
        if as_json:
            print_json(st.to_dict())
            return
        flagged = st.customers.filter(pl.col("stuffing"))
        console.print(
            _t(
                f"[bold]{st.start} – {st.as_of}[/bold]  压货客户 {flagged.height} 个,压货风险 "
                f"¥{flagged['stuffing_at_risk_value'].sum():,.0f};渠道库存超过目标周数的金额合计 "
                f"¥{st.customers['at_risk_value'].sum():,.0f}",
                f"[bold]{st.start} – {st.as_of}[/bold]  {flagged.height} customer(s) stuffed, "
                f"¥{flagged['stuffing_at_risk_value'].sum():,.0f} at risk; channel stock above target cover "
                f"¥{st.customers['at_risk_value'].sum():,.0f} in all",
                lg,
            ),
            highlight=False,
        )
        cust = st.customers.with_columns(pl.col("stuffed_skus").list.join(", "))
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
            _t("客户进销存", "Customers: sell-in, sell-out, channel stock", lg),
            top,
            fmt={
                "sell_in_qty": fmt_qty,
                "sell_out_qty": fmt_qty,
                "channel_stock": fmt_qty,
                "ratio": fmt_ratio,
                "weeks_of_cover": fmt_ratio,
                "stuffing_at_risk_value": fmt_money,
                "at_risk_value": fmt_money,
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
                _t("压货明细(客户 × SKU)", "Stuffing by customer × SKU", lg),
                top,
                fmt={
                    "run_ratio": fmt_ratio,
                    "run_excess_qty": fmt_qty,
                    "channel_stock": fmt_qty,
                    "weeks_of_cover": fmt_ratio,
                    "at_risk_qty": fmt_qty,
                    "at_risk_value": fmt_money,
                },
            )

    @app.command("suppliers")
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
        with open_warehouse(warehouse, lg) as wh:
            rep = supplier_performance(wh, as_of=as_of, months=months)
        if as_json:
            print_json(rep.to_dict())
            return
        late = rep.suppliers.filter(pl.col("flag_late"))
        names = ", ".join(f"{r['supplier_id']} {r['name']} ({r['late_share']:.0%})" for r in late.to_dicts())
        console.print(
            _t(
                f"[bold]截至 {rep.as_of}[/bold]  迟到预警供应商:{names or '无'}",
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
            _t("供应商表现(最差在前)", "Suppliers, worst first", lg),
            top,
            fmt={
                "otif": fmt_pct,
                "on_time_rate": fmt_pct,
                "in_full_rate": fmt_pct,
                "late_share": fmt_pct,
                "avg_delay_when_late": fmt_ratio,
                "lead_time_mean": fmt_ratio,
                "lead_time_std": fmt_ratio,
                "lead_time_p90": fmt_ratio,
                "ppv_pct": fmt_pct,
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
            _t("物料可用天数(最少在前)", "Material coverage, shortest first", lg),
            top,
            fmt={
                "stock_qty": fmt_qty,
                "daily_use": fmt_qty,
                "coverage_days": fmt_ratio,
                "open_po_qty": fmt_qty,
            },
        )

    @app.command("production")
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
        with open_warehouse(warehouse, lg) as wh:
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
            _t("产线表现(最差在前)", "Production lines, worst first", lg),
            fmt={
                "plan_attainment": fmt_pct,
                "schedule_adherence": fmt_pct,
                "yield": fmt_pct,
                "bom_yield": fmt_pct,
                "yield_gap": fmt_pct,
                "lost_units": fmt_qty,
                "lost_value": fmt_money,
                "utilization": fmt_pct,
            },
        )

    @app.command("bullwhip")
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
        from chainsight.analysis import STAGE_NAMES, bullwhip

        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            b = bullwhip(wh, as_of=as_of, weeks=weeks)
        if as_json:
            print_json(b.to_dict())
            return
        stages = {k: v.get(lg) for k, v in STAGE_NAMES.items()}
        skus = b.skus.with_columns(
            pl.col("worst_stage").replace_strict(stages, default=pl.col("worst_stage"))
        )
        f = {c: fmt_num2 for c in ("consumer_cv2", "sell_in_cv2", "production_cv2")}
        f |= {
            c: fmt_ratio for c in ("sell_in_amplification", "production_amplification", "total_amplification")
        }
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
            _t(f"牛鞭效应 {b.start} – {b.end}(按周)", f"Bullwhip, weekly, {b.start} – {b.end}", lg),
            top,
            fmt=f,
        )
        show_frame(
            b.materials,
            ["material_id", "consumption_cv2", "purchases_cv2", "purchase_amplification"],
            lg,
            _t("物料:采购相对消耗的放大", "Materials: purchases against consumption", lg),
            top,
            fmt={"consumption_cv2": fmt_num2, "purchases_cv2": fmt_num2, "purchase_amplification": fmt_ratio},
        )

    @app.command("flow")
    def flow_cmd(
        sku: Annotated[str, typer.Argument(help="The SKU to follow from materials to consumers.")],
        as_of: AsOfOption = None,
        warehouse: WarehouseOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """One SKU end to end: materials, plants, DCs, channel stock and consumer demand in days of cover."""
        from chainsight.analysis import STAGE_NAMES, flow

        lg = current_lang(lang)
        with open_warehouse(warehouse, lg) as wh:
            f = flow(wh, sku, as_of=as_of)
        if as_json:
            print_json(f.to_dict())
            return
        stages = {k: v.get(lg) for k, v in STAGE_NAMES.items()}
        show_frame(
            f.stages.with_columns(pl.col("stage").replace_strict(stages, default=pl.col("stage"))),
            ["stage", "stock_qty", "daily_flow", "days_of_cover"],
            lg,
            _t(f"{sku} 全链路({f.as_of})", f"{sku} end to end ({f.as_of})", lg),
            fmt={"stock_qty": fmt_qty, "daily_flow": fmt_qty, "days_of_cover": fmt_ratio},
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
            _t("物料", "Materials", lg),
            fmt={
                "qty_per_unit": fmt_qty,
                "stock_qty": fmt_qty,
                "daily_use": fmt_qty,
                "coverage_days": fmt_ratio,
                "open_po_qty": fmt_qty,
                "units_covered": fmt_qty,
            },
        )
