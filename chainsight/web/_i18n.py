"""Words of the web app in zh-CN and en, as :class:`~chainsight.present.Text`.

Language negotiation and number, date and enum formatting live in :mod:`chainsight.present` (below the
web app, so reports and the CLI use them without importing it); the names here are thin re-exports
kept for the web app's modules while they move to importing ``chainsight.present`` directly.
"""

from __future__ import annotations

import datetime as dt

from chainsight.present import (
    LANGS,
    Text,
    Unit,
    accept_language,
    compact_number,
    format_change,
    format_date,
    format_month,
    format_pct_change,
    format_value,
    labels,
)

__all__ = [
    "DOMAIN_LABELS",
    "LANGS",
    "MESSAGES",
    "compact_number",
    "fmt_change",
    "fmt_date",
    "fmt_month",
    "fmt_pct_change",
    "fmt_value",
    "negotiate",
    "translate",
]

# One entry per phrase. Templates call t("key").
MESSAGES: dict[str, Text] = {
    "app": Text("Chainsight", "Chainsight"),
    "cockpit": Text("经营驾驶舱", "Executive cockpit"),
    "sales_page": Text("销售与渠道", "Sales & channels"),
    "inventory_page": Text("库存与保质期", "Inventory & shelf life"),
    "data_page": Text("数据", "Data"),
    "glossary": Text("指标词典", "Metric glossary"),
    "api_docs": Text("API 文档", "API docs"),
    "login": Text("登录", "Sign in"),
    "logout": Text("退出", "Sign out"),
    "username": Text("用户名", "Username"),
    "password": Text("密码", "Password"),
    "login_failed": Text("用户名或密码错误", "Wrong username or password"),
    "rate_limited": Text("登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later"),
    "csrf_failed": Text("表单已过期，请刷新页面后重试", "The form expired; reload the page and try again"),
    "as_of": Text("数据截至", "Data as of"),
    "period": Text("期间", "Period"),
    "scope": Text("可见范围", "Visible scope"),
    "scope_all": Text("全部", "Everything"),
    "scope_none": Text("无（请联系管理员）", "Nothing (ask an administrator)"),
    "mom": Text("环比", "MoM"),
    "yoy": Text("同比", "YoY"),
    "no_prior": Text("无对比数据", "no prior"),
    "sales_vs_target": Text("销售额与目标（近 13 个月）", "Sales vs target (last 13 months)"),
    "channel_mix": Text("渠道结构", "Channel mix"),
    "inventory_health": Text("库存健康（近 13 个月）", "Inventory health (last 13 months)"),
    "by_province": Text("各省销售额（点击下钻）", "Sales by province (click to drill down)"),
    "why_changed": Text("为什么变了？", "Why did it change?"),
    "why_hint": Text(
        "点击任一指标卡，查看变化的主要原因。",
        "Click any figure to see what drove its change.",
    ),
    "drivers": Text("主要驱动因素", "Top drivers"),
    "member": Text("成员", "Member"),
    "current": Text("本期", "Current"),
    "prior": Text("对比期", "Prior"),
    "contribution": Text("贡献", "Contribution"),
    "formula": Text("公式", "Formula"),
    "unit": Text("单位", "Unit"),
    "owner": Text("负责人", "Owner"),
    "dimensions": Text("维度", "Dimensions"),
    "not_available": Text("暂无数据", "Not available"),
    "service_missing": Text(
        "服务水平需要客户订单数据（customer_orders），当前仓库中还没有。",
        "Service level needs customer order data (customer_orders), which this warehouse does not have yet.",
    ),
    "language": Text("语言", "Language"),
    "switch_lang": Text("English", "中文"),
    "explain_link": Text("原因", "why"),
    "drill_up": Text("返回上一级", "Up one level"),
    "all_provinces": Text("全部省份", "All provinces"),
    "load_history": Text("加载记录", "Load history"),
    "rejects": Text("被拒绝的行", "Rejected rows"),
    "forbidden": Text("您的角色无权查看此页面", "Your role may not see this page"),
    "error": Text("出错了", "Something went wrong"),
    "nothing_visible": Text(
        "您的可见范围为空，看不到任何数据。请联系管理员设置。",
        "Your scope is empty, so you see no data. Ask an administrator to set it.",
    ),
    "metric": Text("指标", "Metric"),
    "value": Text("数值", "Value"),
    "near_expiry_by_category": Text(
        "各品类临期库存（点击下钻）",
        "Near-expiry stock by category (click to drill down)",
    ),
    "near_expiry_by_sku": Text("各 SKU 临期库存", "Near-expiry stock by SKU"),
    "all_categories": Text("全部品类", "All categories"),
    "inventory_by_site_type": Text("各类地点库存金额", "Inventory value by site type"),
    "online_vs_offline": Text("线上与线下（近 13 个月）", "Online vs offline (last 13 months)"),
    "by_channel": Text("各渠道", "By channel"),
    "domain": Text("领域", "Domain"),
    "entity": Text("数据表", "Entity"),
    "rows_loaded": Text("加载行数", "Rows loaded"),
    "rows_rejected": Text("拒绝行数", "Rows rejected"),
    "finished_at": Text("完成时间", "Finished"),
    "outcome": Text("结果", "Outcome"),
    "file": Text("文件", "File"),
    "row": Text("行", "Row"),
    "column": Text("列", "Column"),
    "raw_value": Text("原始值", "Raw value"),
    "reason": Text("原因", "Reason"),
    "analyses": Text("分析", "Analyses"),
    "procurement_page": Text("采购", "Procurement"),
    "production_page": Text("生产", "Production"),
    "planning_page": Text("计划", "Planning"),
    "showing": Text("显示", "Showing"),
    "loading": Text("正在计算", "Computing"),
    "restricted_analysis": Text(
        "此分析暂不能按您的可见范围（地区/渠道）过滤，因此只向可查看全部数据的角色（管理员、高管、计划员）显示。",
        "This analysis cannot be limited to your scope (regions/channels) yet, so it is shown only to roles "
        "that see everything (admin, executive, planner).",
    ),
    "analysis_unscoped": Text("全公司范围的分析", "Company-wide analysis"),
    "purchase_trend": Text("采购金额与准时足量率（近 13 个月）", "Purchases and OTIF (last 13 months)"),
    "otif_by_supplier": Text("各供应商准时足量率（本月承诺）", "OTIF by supplier (promised this month)"),
    "lead_time_by_supplier": Text("各供应商平均提前期", "Average lead time by supplier"),
    "supplier_scorecard": Text(
        "供应商评分卡、延迟供应商与在途采购",
        "Supplier scorecard, late suppliers and open POs",
    ),
    "late_suppliers": Text("延迟供应商", "Late suppliers"),
    "all_suppliers": Text("全部供应商（最差在前）", "All suppliers (worst first)"),
    "open_pos": Text("有在途采购的物料", "Materials with open purchase orders"),
    "lowest_coverage": Text("可用天数最少的物料", "Materials with the least coverage"),
    "production_trend": Text("产量与计划达成（近 13 个月）", "Output and plan attainment (last 13 months)"),
    "attainment_by_line": Text("各产线计划达成率", "Plan attainment by line"),
    "yield_by_line": Text("各产线良率", "Yield by line"),
    "utilization_by_line": Text("各产线产能利用率", "Utilization by line"),
    "oee_note": Text(
        "OEE 需要停机和速度损失数据，标准模型中尚无；这里用良率（质量）和产能利用率（时间）两个组成部分表示。",
        "OEE needs downtime and speed-loss data the standard model does not hold yet; its quality (yield) and "
        "time (utilization) parts are shown instead.",
    ),
    "line_performance": Text(
        "产线表现（近 12 个月，最差在前）", "Line performance (last 12 months, worst first)"
    ),
    "value_at_stake": Text("风险金额", "Value at stake"),
    "value_saved": Text("建议动作可挽回", "Saved by the actions"),
    "recommended_actions": Text(
        "临期批次建议动作（按可挽回金额排序）",
        "Recommended actions for at-risk lots (by value saved)",
    ),
    "no_forecasts": Text("尚未保存需求预测", "No demand forecast stored yet"),
    "no_forecasts_hint": Text(
        "计划表（forecasts、planned_orders）由计划模块生成。运行下面的命令后，这里会显示预测与实际、各层级准确率、计划订单和例外。",
        "The planning tables (forecasts, planned_orders) are written by the planning module. After running the "
        "commands below, this page shows forecast vs actual, accuracy per level, planned orders and exceptions.",
    ),
    "forecast_vs_actual": Text("预测与实际（按月）", "Forecast vs actual (monthly)"),
    "accuracy_by_channel": Text("各渠道预测准确率", "Forecast accuracy by channel"),
    "accuracy_by_category": Text("各品类预测准确率", "Forecast accuracy by category"),
    "accuracy_by_level": Text("各层级预测准确率（回测）", "Forecast accuracy per level (backtest)"),
    "version": Text("版本", "Version"),
    "level": Text("层级", "Level"),
    "naive": Text("季节性朴素", "Seasonal naive"),
    "bias": Text("偏差", "Bias"),
    "wape_help": Text(
        "加权平均绝对百分比误差：Σ|预测−实际| ÷ Σ实际，越低越好",
        "Weighted absolute percentage error: Σ|forecast − actual| ÷ Σ actual; lower is better",
    ),
    "fva_help": Text(
        "预测增值：季节性朴素的 WAPE 减去本预测的 WAPE（百分点），正数表示优于朴素方法",
        "Forecast value added: seasonal-naive WAPE minus this forecast's, in points; positive beats naive",
    ),
    "planned_orders": Text("计划订单", "Planned orders"),
    "late": Text("延迟", "late"),
    "plan_exceptions": Text("计划例外", "Plan exceptions"),
    "no_plan": Text("尚未保存供应计划", "No supply plan stored yet"),
    "no_plan_hint": Text(
        "运行 chainsight plan 生成计划订单与例外。",
        "Run chainsight plan to store planned orders and exceptions.",
    ),
    "upload_title": Text("上传文件", "Upload a file"),
    "mapping_optional": Text(
        "列映射（可选，YAML，与映射文件格式相同）",
        "Column mapping (optional; YAML, as in a mapping file)",
    ),
    "upload": Text("上传并加载", "Upload and load"),
    "rows_read": Text("读取", "Read"),
    "rows_updated": Text("更新", "Updated"),
    "rows_duplicate": Text("重复", "Duplicates"),
    "no_rejects": Text("没有被拒绝的行", "No rows were rejected"),
}

# Metric domains as section titles in the glossary (the vocabulary's ``metric_domain`` kind).
DOMAIN_LABELS = labels("metric_domain")


def translate(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang``; an unknown key reads as itself (a template's typo shows on the page)."""
    text = MESSAGES.get(key)
    return text.get(lang) if text is not None else key


def negotiate(accept_language_header: str | None) -> str:
    """zh when the browser prefers Chinese over English, else en.

    >>> negotiate("zh-CN,zh;q=0.9,en;q=0.8")
    'zh'
    >>> negotiate("en-US,en;q=0.9,zh;q=0.5")
    'en'
    >>> negotiate(None)
    'en'
    """
    return accept_language(accept_language_header) or "en"


def fmt_value(value: float | int | None, unit: Unit | str, lang: str, *, signed: bool = False) -> str:
    """A metric value for a page: money and quantities compact (¥1.23亿), percentages to 0.1.

    >>> fmt_value(123456789, Unit.CNY, "zh"), fmt_value(0.9731, Unit.PCT, "en"), fmt_value(None, Unit.CNY, "en")
    ('¥1.23亿', '97.3%', '—')
    >>> fmt_value(-52000, Unit.CNY, "zh", signed=True), fmt_value(12.25, Unit.DAYS, "zh")
    ('-¥5.20万', '12.2 天')
    """
    return format_value(value, unit, lang, signed=signed, compact=True)


def fmt_change(value: float | None, unit: Unit | str, lang: str) -> str:
    """A change for a page: percentages move in percentage points (个百分点 / pp), everything else signed."""
    return format_change(value, unit, lang, compact=True)


def fmt_pct_change(value: float | None) -> str:
    """A relative change, signed: +12.3%."""
    return format_pct_change(value)


def fmt_date(value: dt.date | None, lang: str) -> str:
    """A date for a page.

    >>> fmt_date(dt.date(2026, 10, 31), "zh"), fmt_date(dt.date(2026, 10, 31), "en")
    ('2026年10月31日', '31 Oct 2026')
    """
    return format_date(value, lang)


def fmt_month(value: dt.date, lang: str) -> str:
    """A month for a page.

    >>> fmt_month(dt.date(2026, 10, 1), "zh"), fmt_month(dt.date(2026, 10, 1), "en")
    ('2026年10月', 'Oct 2026')
    """
    return format_month(value, lang)
