"""Words of the web app in zh-CN and en, locale choice, and numbers as people read them (万/亿 in Chinese)."""

from __future__ import annotations

import datetime as dt
import math

from chainsight.metrics import Unit, format_value

LANGS = ("zh", "en")

# One entry per phrase: (zh, en). Templates call t("key").
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("Chainsight", "Chainsight"),
    "cockpit": ("经营驾驶舱", "Executive cockpit"),
    "sales_page": ("销售与渠道", "Sales & channels"),
    "inventory_page": ("库存与保质期", "Inventory & shelf life"),
    "data_page": ("数据", "Data"),
    "glossary": ("指标词典", "Metric glossary"),
    "api_docs": ("API 文档", "API docs"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    "rate_limited": ("登录失败次数过多,请稍后再试", "Too many failed sign-ins; try again later"),
    "csrf_failed": ("表单已过期,请刷新页面后重试", "The form expired; reload the page and try again"),
    "as_of": ("数据截至", "Data as of"),
    "period": ("期间", "Period"),
    "scope": ("可见范围", "Visible scope"),
    "scope_all": ("全部", "Everything"),
    "scope_none": ("无(请联系管理员)", "Nothing (ask an administrator)"),
    "mom": ("环比", "MoM"),
    "yoy": ("同比", "YoY"),
    "no_prior": ("无对比数据", "no prior"),
    "sales_vs_target": ("销售额与目标(近 13 个月)", "Sales vs target (last 13 months)"),
    "channel_mix": ("渠道结构", "Channel mix"),
    "inventory_health": ("库存健康(近 13 个月)", "Inventory health (last 13 months)"),
    "by_province": ("各省销售额(点击下钻)", "Sales by province (click to drill down)"),
    "why_changed": ("为什么变了?", "Why did it change?"),
    "why_hint": (
        "点击任一指标卡,查看变化的主要原因。",
        "Click any figure to see what drove its change.",
    ),
    "drivers": ("主要驱动因素", "Top drivers"),
    "member": ("成员", "Member"),
    "current": ("本期", "Current"),
    "prior": ("对比期", "Prior"),
    "contribution": ("贡献", "Contribution"),
    "formula": ("公式", "Formula"),
    "unit": ("单位", "Unit"),
    "owner": ("负责人", "Owner"),
    "dimensions": ("维度", "Dimensions"),
    "not_available": ("暂无数据", "Not available"),
    "service_missing": (
        "服务水平需要客户订单数据(customer_orders),当前仓库中还没有。",
        "Service level needs customer order data (customer_orders), which this warehouse does not have yet.",
    ),
    "language": ("语言", "Language"),
    "switch_lang": ("English", "中文"),
    "explain_link": ("原因", "why"),
    "drill_up": ("返回上一级", "Up one level"),
    "all_provinces": ("全部省份", "All provinces"),
    "load_history": ("加载记录", "Load history"),
    "rejects": ("被拒绝的行", "Rejected rows"),
    "forbidden": ("您的角色无权查看此页面", "Your role may not see this page"),
    "error": ("出错了", "Something went wrong"),
    "nothing_visible": (
        "您的可见范围为空,看不到任何数据。请联系管理员设置。",
        "Your scope is empty, so you see no data. Ask an administrator to set it.",
    ),
    "metric": ("指标", "Metric"),
    "value": ("数值", "Value"),
    "near_expiry_by_category": (
        "各品类临期库存(点击下钻)",
        "Near-expiry stock by category (click to drill down)",
    ),
    "near_expiry_by_sku": ("各 SKU 临期库存", "Near-expiry stock by SKU"),
    "all_categories": ("全部品类", "All categories"),
    "inventory_by_site_type": ("各类地点库存金额", "Inventory value by site type"),
    "online_vs_offline": ("线上与线下(近 13 个月)", "Online vs offline (last 13 months)"),
    "by_channel": ("各渠道", "By channel"),
    "domain": ("领域", "Domain"),
    "entity": ("数据表", "Entity"),
    "rows_loaded": ("加载行数", "Rows loaded"),
    "rows_rejected": ("拒绝行数", "Rows rejected"),
    "finished_at": ("完成时间", "Finished"),
    "outcome": ("结果", "Outcome"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "raw_value": ("原始值", "Raw value"),
    "reason": ("原因", "Reason"),
    "analyses": ("分析", "Analyses"),
    "procurement_page": ("采购", "Procurement"),
    "production_page": ("生产", "Production"),
    "planning_page": ("计划", "Planning"),
    "showing": ("显示", "Showing"),
    "loading": ("正在计算", "Computing"),
    "restricted_analysis": (
        "此分析暂不能按您的可见范围(地区/渠道)过滤,因此只向可查看全部数据的角色(管理员、高管、计划员)显示。",
        "This analysis cannot be limited to your scope (regions/channels) yet, so it is shown only to roles "
        "that see everything (admin, executive, planner).",
    ),
    "analysis_unscoped": ("全公司范围的分析", "Company-wide analysis"),
    "purchase_trend": ("采购金额与准时足量率(近 13 个月)", "Purchases and OTIF (last 13 months)"),
    "otif_by_supplier": ("各供应商准时足量率(本月承诺)", "OTIF by supplier (promised this month)"),
    "lead_time_by_supplier": ("各供应商平均提前期", "Average lead time by supplier"),
    "supplier_scorecard": (
        "供应商评分卡、延迟供应商与在途采购",
        "Supplier scorecard, late suppliers and open POs",
    ),
    "late_suppliers": ("延迟供应商", "Late suppliers"),
    "all_suppliers": ("全部供应商(最差在前)", "All suppliers (worst first)"),
    "open_pos": ("有在途采购的物料", "Materials with open purchase orders"),
    "lowest_coverage": ("可用天数最少的物料", "Materials with the least coverage"),
    "production_trend": ("产量与计划达成(近 13 个月)", "Output and plan attainment (last 13 months)"),
    "attainment_by_line": ("各产线计划达成率", "Plan attainment by line"),
    "yield_by_line": ("各产线良率", "Yield by line"),
    "utilization_by_line": ("各产线产能利用率", "Utilization by line"),
    "oee_note": (
        "OEE 需要停机和速度损失数据,标准模型中尚无;这里用良率(质量)和产能利用率(时间)两个组成部分表示。",
        "OEE needs downtime and speed-loss data the standard model does not hold yet; its quality (yield) and "
        "time (utilization) parts are shown instead.",
    ),
    "line_performance": ("产线表现(近 12 个月,最差在前)", "Line performance (last 12 months, worst first)"),
    "value_at_stake": ("风险金额", "Value at stake"),
    "value_saved": ("建议动作可挽回", "Saved by the actions"),
    "recommended_actions": (
        "临期批次建议动作(按可挽回金额排序)",
        "Recommended actions for at-risk lots (by value saved)",
    ),
    "no_forecasts": ("尚未保存需求预测", "No demand forecast stored yet"),
    "no_forecasts_hint": (
        "计划表(forecasts、planned_orders)由计划模块生成。运行下面的命令后,这里会显示预测与实际、各层级准确率、计划订单和例外。",
        "The planning tables (forecasts, planned_orders) are written by the planning module. After running the "
        "commands below, this page shows forecast vs actual, accuracy per level, planned orders and exceptions.",
    ),
    "forecast_vs_actual": ("预测与实际(按月)", "Forecast vs actual (monthly)"),
    "accuracy_by_channel": ("各渠道预测准确率", "Forecast accuracy by channel"),
    "accuracy_by_category": ("各品类预测准确率", "Forecast accuracy by category"),
    "accuracy_by_level": ("各层级预测准确率(回测)", "Forecast accuracy per level (backtest)"),
    "version": ("版本", "Version"),
    "level": ("层级", "Level"),
    "naive": ("季节性朴素", "Seasonal naive"),
    "bias": ("偏差", "Bias"),
    "wape_help": (
        "加权平均绝对百分比误差:Σ|预测−实际| ÷ Σ实际,越低越好",
        "Weighted absolute percentage error: Σ|forecast − actual| ÷ Σ actual; lower is better",
    ),
    "fva_help": (
        "预测增值:季节性朴素的 WAPE 减去本预测的 WAPE(百分点),正数表示优于朴素方法",
        "Forecast value added: seasonal-naive WAPE minus this forecast's, in points; positive beats naive",
    ),
    "planned_orders": ("计划订单", "Planned orders"),
    "late": ("延迟", "late"),
    "plan_exceptions": ("计划例外", "Plan exceptions"),
    "no_plan": ("尚未保存供应计划", "No supply plan stored yet"),
    "no_plan_hint": (
        "运行 chainsight plan 生成计划订单与例外。",
        "Run chainsight plan to store planned orders and exceptions.",
    ),
    "upload_title": ("上传文件", "Upload a file"),
    "mapping_optional": (
        "列映射(可选,YAML,与映射文件格式相同)",
        "Column mapping (optional; YAML, as in a mapping file)",
    ),
    "upload": ("上传并加载", "Upload and load"),
    "rows_read": ("读取", "Read"),
    "rows_updated": ("更新", "Updated"),
    "rows_duplicate": ("重复", "Duplicates"),
    "no_rejects": ("没有被拒绝的行", "No rows were rejected"),
}

# Metric domains as section titles in the glossary.
DOMAIN_LABELS: dict[str, tuple[str, str]] = {
    "sales": ("销售", "Sales"),
    "channels": ("渠道", "Channels"),
    "sell_through": ("终端动销", "Sell-through"),
    "inventory": ("库存", "Inventory"),
    "shelf_life": ("保质期", "Shelf life"),
    "procurement": ("采购", "Procurement"),
    "production": ("生产", "Production"),
    "service": ("服务水平", "Service"),
    "forecast": ("预测", "Forecast"),
}


def translate(key: str, lang: str) -> str:
    zh, en = MESSAGES.get(key, (key, key))
    return zh if lang == "zh" else en


def negotiate(accept_language: str | None) -> str:
    """zh when the browser prefers Chinese over English, else en.

    >>> negotiate("zh-CN,zh;q=0.9,en;q=0.8")
    'zh'
    >>> negotiate("en-US,en;q=0.9,zh;q=0.5")
    'en'
    >>> negotiate(None)
    'en'
    """
    best, best_q = "en", -1.0
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = "zh" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        # earlier tags win ties, as browsers list them by preference
        if lang and q - i * 1e-6 > best_q:
            best, best_q = lang, q - i * 1e-6
    return best


def _nan(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def compact_number(value: float, lang: str, digits: int = 2) -> str:
    """A large number the way a reader says it: 1.23亿 / 456.7万 in Chinese, 1.23B / 456.7K in English.

    >>> compact_number(123456789, "zh"), compact_number(4567000, "zh"), compact_number(9876, "zh")
    ('1.23亿', '456.7万', '9,876')
    >>> compact_number(123456789, "en"), compact_number(4567000, "en"), compact_number(98765, "en")
    ('123.5M', '4.57M', '98.8K')
    """
    a, sign = abs(value), "-" if value < 0 else ""
    steps = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    for size, suffix in steps:
        if a >= size:
            n = a / size
            places = digits if n < 10 else 1
            return f"{sign}{n:,.{places}f}{suffix}"
    return f"{sign}{a:,.0f}" if a >= 100 or float(a).is_integer() else f"{sign}{a:,.2f}"


def fmt_value(value: float | int | None, unit: Unit | str, lang: str, *, signed: bool = False) -> str:
    """A metric value for a page: money and quantities compact (¥1.23亿), percentages to 0.1.

    >>> fmt_value(123456789, Unit.CNY, "zh"), fmt_value(0.9731, Unit.PCT, "en"), fmt_value(None, Unit.CNY, "en")
    ('¥1.23亿', '97.3%', '—')
    >>> fmt_value(-52000, Unit.CNY, "zh", signed=True), fmt_value(12.25, Unit.DAYS, "zh")
    ('-¥5.20万', '12.2 天')
    """
    if _nan(value):
        return "—"
    assert value is not None
    unit = Unit(unit)
    if unit in (Unit.PCT, Unit.DAYS, Unit.RATIO):
        return format_value(value, unit, lang, signed=signed)
    sign = "+" if signed and value > 0 else ""
    body = compact_number(abs(value), lang)
    neg = "-" if value < 0 else ""
    if unit is Unit.CNY:
        return f"{sign}{neg}¥{body}"
    return f"{sign}{neg}{body}"


def fmt_change(value: float | None, unit: Unit | str, lang: str) -> str:
    """A change: percentages move in percentage points (个百分点 / pp), everything else signed."""
    unit = Unit(unit)
    if unit is Unit.PCT and not _nan(value):
        assert value is not None
        points = round(value * 100, 1) + 0.0
        return f"{'+' if points > 0 else ''}{points:.1f} {'个百分点' if lang == 'zh' else 'pp'}"
    return fmt_value(value, unit, lang, signed=True)


def fmt_pct_change(value: float | None) -> str:
    if _nan(value):
        return "—"
    assert value is not None
    return f"{'+' if value > 0 else ''}{value * 100:.1f}%"


def fmt_date(value: dt.date | None, lang: str) -> str:
    """A date for a page.

    >>> fmt_date(dt.date(2026, 10, 31), "zh"), fmt_date(dt.date(2026, 10, 31), "en")
    ('2026年10月31日', '31 Oct 2026')
    """
    if value is None:
        return "—"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.strftime("%-d %b %Y")


def fmt_month(value: dt.date, lang: str) -> str:
    """A month for a page.

    >>> fmt_month(dt.date(2026, 10, 1), "zh"), fmt_month(dt.date(2026, 10, 1), "en")
    ('2026年10月', 'Oct 2026')
    """
    return f"{value.year}年{value.month}月" if lang == "zh" else value.strftime("%b %Y")
