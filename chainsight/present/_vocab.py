"""Every enum value a person reads, named in Chinese and English: one declarative table, validated at import.

A value that reaches a page, a table, a report or an alert goes through :func:`label`; a value the
table does not know is named as unknown ("未知渠道类型“xyz”"), never shown bare as if it were a word.
Machine output (``--json``, the API) keeps the codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from chainsight._errors import DefinitionError
from chainsight.present._text import Text, zh_punctuation

T = Text

# kind → (what the kind is called, {value: its name}). Values are the codes stored in the warehouse
# or returned by the Python API.
_TABLE: dict[str, tuple[Text, dict[str, Text]]] = {
    # ---------------------------------------------------------------- canonical model columns
    "region_level": (
        T("区域层级", "region level"),
        {"country": T("国家", "country"), "province": T("省份", "province"), "city": T("城市", "city")},
    ),
    "channel_kind": (
        T("渠道类型", "channel kind"),
        {"online": T("线上", "online"), "offline": T("线下", "offline")},
    ),
    "customer_type": (
        T("客户类型", "customer type"),
        {
            "distributor": T("经销商", "distributor"),
            "ka_retailer": T("重点零售商", "key-account retailer"),
            "platform_self_operated": T("平台自营", "platform (self-operated)"),
            "wholesaler": T("批发商", "wholesaler"),
            "discount_outlet": T("折扣渠道", "discount outlet"),
            "other": T("其他", "other"),
        },
    ),
    "site_type": (
        T("地点类型", "site type"),
        {
            "plant": T("工厂", "plant"),
            "dc": T("配送中心", "distribution centre"),
            "distributor_wh": T("经销商仓库", "distributor warehouse"),
        },
    ),
    "product_status": (
        T("产品状态", "product status"),
        {"active": T("在售", "active"), "discontinued": T("已停产", "discontinued")},
    ),
    "material_type": (
        T("物料类型", "material type"),
        {
            "raw": T("原料", "raw material"),
            "packaging": T("包材", "packaging"),
            "intermediate": T("半成品", "intermediate"),
        },
    ),
    "order_status": (
        T("订单状态", "order status"),
        {"paid": T("已支付", "paid"), "refunded": T("已退款", "refunded")},
    ),
    "qc_status": (
        T("质检状态", "QC status"),
        {"passed": T("合格", "passed"), "failed": T("不合格", "failed"), "pending": T("待检", "pending")},
    ),
    "production_status": (
        T("生产订单状态", "production order status"),
        {
            "planned": T("已计划", "planned"),
            "released": T("已下达", "released"),
            "in_progress": T("生产中", "in progress"),
            "completed": T("已完工", "completed"),
            "cancelled": T("已取消", "cancelled"),
        },
    ),
    "stock_status": (
        T("库存状态", "stock status"),
        {
            "available": T("可用", "available"),
            "quarantine": T("隔离待检", "quarantine"),
            "blocked": T("冻结", "blocked"),
            "in_transit": T("在途", "in transit"),
        },
    ),
    "write_off_reason": (
        T("报废原因", "write-off reason"),
        {
            "expired": T("过期", "expired"),
            "near_expiry": T("临期", "near expiry"),
            "damaged": T("破损", "damaged"),
            "quality": T("质量问题", "quality"),
            "other": T("其他", "other"),
        },
    ),
    # ---------------------------------------------------------------- loading
    "load_outcome": (
        T("加载结果", "load outcome"),
        {"loaded": T("已加载", "loaded"), "retried": T("重试后加载", "loaded on retry")},
    ),
    "reject_status": (
        T("拒绝行状态", "reject status"),
        {"open": T("待处理", "open"), "retried": T("已重试", "retried"), "resolved": T("已解决", "resolved")},
    ),
    "reject_reason": (
        T("拒绝原因", "reject reason"),
        {
            "missing_required": T("必填值为空", "required value missing"),
            "bad_number": T("不是数字", "not a number"),
            "bad_integer": T("不是整数", "not a whole number"),
            "bad_date": T("日期无效", "invalid date"),
            "bad_month": T("月份无效", "invalid month"),
            "bad_timestamp": T("时间无效", "invalid date-time"),
            "not_allowed": T("不是允许的值", "value not allowed"),
            "out_of_range": T("超出允许范围", "out of range"),
            "duplicate_key": T("业务主键重复", "duplicate key"),
            "unknown_reference": T("主数据中不存在", "unknown in master data"),
            # the canonical model's row checks (chainsight.model, RowCheck.code)
            "valid_to_before_from": T("失效日期早于生效日期", "valid-to before valid-from"),
            "end_before_start": T("结束日期早于开始日期", "end before start"),
            "requested_before_order": T("要求到货日期早于下单日期", "requested before ordered"),
            "promised_before_order": T("承诺日期早于下单日期", "promised before ordered"),
            "expiry_before_mfg": T("到期日早于生产日期", "expiry before manufacture"),
            "planned_end_before_start": T("计划完成早于计划开始", "planned end before start"),
            "actual_end_before_start": T("实际完成早于实际开始", "actual end before start"),
        },
    ),
    "domain_state": (
        T("数据状态", "data state"),
        {"ready": T("就绪", "ready"), "partial": T("部分就绪", "partial"), "empty": T("无数据", "empty")},
    ),
    # ---------------------------------------------------------------- shelf life, stock, flow
    "item_kind": (
        T("物品类别", "item kind"),
        {"product": T("成品", "product"), "material": T("物料", "material")},
    ),
    "expiry_state": (
        T("保质期状态", "shelf-life state"),
        {
            "ok": T("正常", "ok"),
            "near_expiry": T("临期", "near expiry"),
            "expired": T("已过期", "expired"),
            "no_expiry": T("无保质期", "no expiry"),
        },
    ),
    "expiry_action": (
        T("临期措施", "expiry action"),
        {
            "transfer": T("调拨", "transfer"),
            "channel": T("转渠道销售", "route to channel"),
            "promote": T("促销清货", "promote"),
            "write_off": T("报废", "write off"),
        },
    ),
    "life_rule_source": (
        T("最低剩余保质期依据", "minimum-life rule source"),
        {
            "customer": T("客户主数据", "the customer's own rule"),
            "channel": T("渠道主数据", "the channel's rule"),
            "customer_type": T("客户类型默认值", "the customer type's default"),
            "channel_default": T("渠道默认值", "the channel default"),
        },
    ),
    "flow_stage": (
        T("供应链环节", "supply-chain stage"),
        {
            "consumer": T("终端消费者", "consumers"),
            "sell_in": T("进货（销售出库）", "sell-in"),
            "production": T("生产", "production"),
            "plant": T("工厂成品库", "plant stock"),
            "dc": T("配送中心", "distribution centres"),
            "channel": T("渠道库存（经销商）", "channel stock"),
        },
    ),
    "trace_basis": (
        T("追溯依据", "trace basis"),
        {
            "lot": T("发货单批次号", "lot on the shipment"),
            "distributor_stock": T("经销商仓库存", "in the distributor's stock"),
            "fefo_window": T("先到期先出推断（上限）", "FEFO bound (upper bound)"),
        },
    ),
    "trace_kind": (
        T("批次类别", "lot kind"),
        {
            "finished": T("成品批次", "finished-goods lot"),
            "material": T("物料批次", "material lot"),
            "both": T("成品与物料批次", "finished-goods and material lot"),
            "stock": T("库存批次", "lot in stock"),
        },
    ),
    # ---------------------------------------------------------------- planning
    "order_type": (
        T("订单类型", "order type"),
        {"purchase": T("采购", "purchase"), "production": T("生产", "production")},
    ),
    "plan_exception": (
        T("计划例外", "plan exception"),
        {
            "shortage": T("缺货：需求无法按时满足", "shortage: demand cannot be met in time"),
            "late_order": T("延迟：下达日已过，需加急", "late order: release date already passed, expedite"),
            "capacity_overload": T("产能超载", "capacity overload"),
            "expiring_before_use": T("使用前过期", "expiring before use"),
            "excess": T("计划期末库存过量", "excess stock at the end of the horizon"),
            "expedite": T("在途订单需提前", "open order to expedite"),
            "defer": T("在途订单可推迟", "open order to defer"),
            "cancel": T("在途订单可取消", "open order to cancel"),
        },
    ),
    "demand_source": (
        T("需求来源", "demand source"),
        {"forecast": T("需求预测", "forecast"), "consensus": T("共识需求计划", "consensus demand plan")},
    ),
    "plan_kpi": (
        T("计划指标", "plan KPI"),
        {
            "service_level_pct": T("服务水平", "Service level"),
            "shortage_qty": T("缺货数量", "Shortage qty"),
            "demand_at_risk_qty": T("受延迟影响的需求", "Demand at risk (late supply)"),
            "inventory_value": T("平均库存金额", "Average inventory value"),
            "expiry_waste_qty": T("过期损耗数量", "Expiry waste qty"),
            "expiry_waste_value": T("过期损耗金额", "Expiry waste value"),
            "unsellable_stock_qty": T("已不可售库存数量", "Unsellable stock qty"),
            "unsellable_stock_value": T("已不可售库存金额", "Unsellable stock value"),
            "capacity_use_pct": T("产能利用率", "Capacity use"),
            "max_line_use_pct": T("最高产线负荷", "Busiest line's load"),
            "planned_production_qty": T("计划生产数量", "Planned production qty"),
            "purchase_value": T("计划采购金额", "Planned purchase value"),
            "late_orders": T("延迟订单数", "Late orders"),
            "expedite_orders": T("需提前的在途订单", "Open orders to expedite"),
        },
    ),
    "forecast_level": (
        T("预测层级", "forecast level"),
        {
            "total": T("合计", "total"),
            "sku": T("单品", "SKU"),
            "channel": T("渠道", "channel"),
            "region": T("区域", "region"),
        },
    ),
    "forecast_model": (
        T("预测模型", "forecast model"),
        {
            "Combo": T("组合预测", "Combination"),
            "AutoETS": T("指数平滑", "Exponential smoothing (ETS)"),
            "CES": T("复指数平滑", "Complex exponential smoothing"),
            "DynamicOptimizedTheta": T("动态优化西塔法", "Dynamic optimised Theta"),
            "AutoTheta": T("西塔法", "Theta"),
            "AutoARIMA": T("自回归积分滑动平均", "ARIMA"),
            "MSTL": T("多季节分解", "Multi-seasonal decomposition (MSTL)"),
            "SeasonalLevel": T("季节水平", "Seasonal level"),
            "CrostonOptimized": T("克罗斯顿间歇需求法", "Croston (optimised)"),
            "ADIDA": T("聚合分解间歇需求法", "ADIDA"),
            "IMAPA": T("多重聚合间歇需求法", "IMAPA"),
            "TSB": T("需求概率间歇需求法", "TSB"),
            "SeasonalNaive": T("季节性朴素法", "Seasonal naive"),
            "Naive": T("朴素法", "Naive"),
        },
    ),
    # ---------------------------------------------------------------- channels analyses
    "effect_verdict": (
        T("影响结论", "verdict"),
        {
            "cannibalizing": T("蚕食线下", "cannibalising"),
            "lifting": T("带动线下", "lifting"),
            "neutral": T("无明显影响", "neutral"),
            "insufficient_data": T("数据不足", "insufficient data"),
        },
    ),
    "relation_reading": (
        T("线上线下关系", "online–offline relation"),
        {
            "move_together": T("同向变动", "move together"),
            "move_apart": T("此消彼长", "move apart"),
            "unrelated": T("无明显关系", "unrelated"),
        },
    ),
    "assortment_group": (
        T("品项分组", "assortment group"),
        {
            "both": T("线上线下都卖", "sold online and offline"),
            "online_only": T("仅线上", "online only"),
            "offline_only": T("仅线下", "offline only"),
        },
    ),
    "reach_class": (
        T("地域类型", "reach class"),
        {
            "white_space": T("空白市场：有线上需求、线下薄弱", "white space: online demand, thin offline"),
            "both_strong": T("线上线下都强", "both strong"),
            "offline_led": T("线下为主", "offline-led"),
            "balanced": T("均衡", "balanced"),
        },
    ),
    "finding_severity": (
        T("发现级别", "finding severity"),
        {
            "high": T("高", "high"),
            "medium": T("中", "medium"),
            "low": T("低", "low"),
            "info": T("提示", "info"),
        },
    ),
    # ---------------------------------------------------------------- alerts and delivery
    "alert_severity": (
        T("告警级别", "alert severity"),
        {"info": T("提示", "info"), "warning": T("警告", "warning"), "critical": T("严重", "critical")},
    ),
    "alert_state": (
        T("告警状态", "alert state"),
        {
            "open": T("未处理", "open"),
            "acknowledged": T("已确认", "acknowledged"),
            "resolved": T("已解决", "resolved"),
        },
    ),
    "alert_event": (
        T("告警事件", "alert event"),
        {
            "opened": T("新告警", "opened"),
            "escalated": T("告警升级", "escalated"),
            "deescalated": T("告警降级", "de-escalated"),
            "acknowledged": T("已确认", "acknowledged"),
            "resolved": T("已解决", "resolved"),
        },
    ),
    "rule_outcome": (
        T("规则评估结果", "rule outcome"),
        {
            "ok": T("已评估", "evaluated"),
            "not_evaluable": T("无法评估", "not evaluable"),
            "disabled": T("已停用", "disabled"),
            "error": T("出错", "error"),
        },
    ),
    "delivery_status": (
        T("投递状态", "delivery status"),
        {
            "pending": T("待发送", "pending"),
            "sending": T("发送中", "sending"),
            "sent": T("已发送", "sent"),
            "dead": T("发送失败（死信）", "dead letter"),
        },
    ),
    # ---------------------------------------------------------------- pipeline, rollups, users
    "step_state": (
        T("步骤状态", "step state"),
        {
            "pending": T("待运行", "pending"),
            "running": T("运行中", "running"),
            "done": T("完成", "done"),
            "skipped": T("跳过", "skipped"),
            "failed": T("失败", "failed"),
        },
    ),
    "run_status": (
        T("运行状态", "run status"),
        {
            "running": T("运行中", "running"),
            "finished": T("已完成", "finished"),
            "failed": T("失败", "failed"),
            "abandoned": T("已放弃", "abandoned"),
        },
    ),
    "rollup_action": (
        T("汇总表操作", "rollup action"),
        {"built": T("已重建", "built"), "fresh": T("已是最新", "fresh")},
    ),
    "user_state": (
        T("用户状态", "user state"),
        {"active": T("启用", "active"), "disabled": T("已停用", "disabled")},
    ),
    "audit_action": (
        T("审计操作", "audit action"),
        {
            "login": T("登录", "signed in"),
            "logout": T("退出", "signed out"),
            "login_failure": T("登录失败", "sign-in failed"),
            "login_rate_limited": T("登录过于频繁被拒", "sign-in rate-limited"),
            "user_add": T("新增用户", "user added"),
            "user_disable": T("停用用户", "user disabled"),
            "user_enable": T("启用用户", "user enabled"),
            "scope_change": T("修改可见范围", "scope changed"),
            "password_change": T("修改密码", "password changed"),
            "token_create": T("创建接口令牌", "API token created"),
            "token_revoke": T("撤销接口令牌", "API token revoked"),
            "readiness_answer": T("回答就绪度清单", "readiness answered"),
            "alert_ack": T("确认告警", "alert acknowledged"),
            "alert_resolve": T("解决告警", "alert resolved"),
            "alert_requeue": T("重新投递告警", "alert deliveries re-queued"),
            "upload": T("上传文件", "file uploaded"),
            "upload_failed": T("上传失败", "upload failed"),
        },
    ),
    "yes_no": (T("是否", "yes or no"), {"yes": T("是", "yes"), "no": T("否", "no")}),
    # ---------------------------------------------------------------- the catalogs' own words
    "unit": (
        T("单位", "unit"),
        {
            "cny": T("元", "CNY"),
            "pct": T("百分比", "percent"),
            "days": T("天", "days"),
            "units": T("件", "units"),
            "count": T("个数", "count"),
            "ratio": T("倍数", "ratio"),
        },
    ),
    "metric_kind": (
        T("指标类型", "metric kind"),
        {
            "aggregate": T("汇总", "aggregate"),
            "semi_additive": T("期末快照", "semi-additive (snapshot)"),
            "ratio": T("比率", "ratio"),
            "derived": T("派生", "derived"),
        },
    ),
    "additivity": (
        T("可加性", "additivity"),
        {
            "additive": T("可加", "additive"),
            "semi_additive": T("跨维度可加、跨时间不可加", "semi-additive"),
            "ratio": T("比率（不可相加）", "ratio"),
            "non_additive": T("不可加", "non-additive"),
        },
    ),
    "direction": (
        T("好的方向", "good direction"),
        {
            "up": T("越高越好", "higher is better"),
            "down": T("越低越好", "lower is better"),
            "neutral": T("适中为好", "neither"),
        },
    ),
    "grain": (
        T("期间粒度", "grain"),
        {
            "day": T("日", "day"),
            "week": T("周", "week"),
            "month": T("月", "month"),
            "quarter": T("季度", "quarter"),
            "year": T("年", "year"),
        },
    ),
    "metric_domain": (
        T("指标领域", "metric domain"),
        {
            "sales": T("销售", "Sales"),
            "channels": T("渠道", "Channels"),
            "sell_through": T("终端动销", "Sell-through"),
            "inventory": T("库存", "Inventory"),
            "shelf_life": T("保质期", "Shelf life"),
            "procurement": T("采购", "Procurement"),
            "production": T("生产", "Production"),
            "service": T("服务水平", "Service"),
            "forecast": T("预测", "Forecast"),
        },
    ),
    "entity_domain": (
        T("数据领域", "data domain"),
        {
            "master": T("主数据", "master data"),
            "sales": T("销售", "sales"),
            "channels": T("渠道", "channels"),
            "inventory": T("库存", "inventory"),
            "procurement": T("采购", "procurement"),
            "production": T("生产", "production"),
        },
    ),
    "entity_kind": (
        T("数据表类型", "entity kind"),
        {
            "master": T("主数据", "master"),
            "transaction": T("交易", "transaction"),
            "snapshot": T("快照", "snapshot"),
        },
    ),
    "column_type": (
        T("列类型", "column type"),
        {
            "string": T("文本", "text"),
            "integer": T("整数", "integer"),
            "number": T("数值", "number"),
            "date": T("日期", "date"),
            "month": T("月份", "month"),
            "timestamp": T("时间", "date-time"),
        },
    ),
}

# Which stored columns hold which kind, as ``table.column``: the warehouse's canonical columns with
# allowed values, the loader's bookkeeping and the plan's tables. Tests check the model's allowed values
# and the demo data's values against these.
COLUMN_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "regions.level": "region_level",
        "channels.kind": "channel_kind",
        "customers.type": "customer_type",
        "sites.type": "site_type",
        "products.status": "product_status",
        "materials.type": "material_type",
        "online_orders.status": "order_status",
        "receipts.qc_status": "qc_status",
        "production_orders.status": "production_status",
        "inventory.status": "stock_status",
        "write_offs.reason": "write_off_reason",
        "_cs_load_history.outcome": "load_outcome",
        "_cs_rejects.status": "reject_status",
        "_cs_rejects.reason_code": "reject_reason",
        "planned_orders.order_type": "order_type",
        "plan_exceptions.kind": "plan_exception",
    }
)

# The metric dimensions whose members are codes of a kind (the others hold names or master-data ids).
DIMENSION_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "channel_kind": "channel_kind",
        "customer_type": "customer_type",
        "site_type": "site_type",
        "material_type": "material_type",
    }
)

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # codes are snake_case; model names keep their own case


def _validate(table: Mapping[str, tuple[Text, Mapping[str, Text]]]) -> None:
    """Every kind is named, holds values, and every value is a code with a Text (Text checks zh and en)."""
    for kind, (name, values) in table.items():
        where = f"present vocabulary, kind {kind}"
        if not _CODE.match(kind) or not isinstance(name, Text):
            raise DefinitionError(f"{where}: 类型名无效", f"{where}: bad kind name")
        if not values:
            raise DefinitionError(f"{where}: 没有值", f"{where}: no values")
        for value, text in values.items():
            if not _VALUE.match(value) or not isinstance(text, Text):
                raise DefinitionError(f"{where}: 值 {value!r} 无效", f"{where}: bad value {value!r}")
            if zh_punctuation(text.zh) != text.zh:
                raise DefinitionError(
                    f"{where}: 值 {value} 的中文应使用中文标点",
                    f"{where}: {value}'s zh needs Chinese punctuation",
                )
    for column, kind in (*COLUMN_KINDS.items(), *DIMENSION_KINDS.items()):
        if kind not in table:
            raise DefinitionError(f"列 {column}: 未知类型 {kind}", f"column {column}: unknown kind {kind}")


_validate(_TABLE)
KINDS: Mapping[str, Text] = MappingProxyType({k: name for k, (name, _) in _TABLE.items()})
_VALUES: dict[str, Mapping[str, Text]] = {k: MappingProxyType(v) for k, (_, v) in _TABLE.items()}


def labels(kind: str) -> Mapping[str, Text]:
    """Every value of ``kind`` with its name (read-only).

    >>> labels("channel_kind")["online"]
    Text(zh='线上', en='online')
    """
    try:
        return _VALUES[kind]
    except KeyError:
        # a kind nobody declared is a bug in the caller, not something to show a person
        raise KeyError(f"no label kind {kind!r}; known: {', '.join(sorted(_VALUES))}") from None


def label_text(kind: str, value: object) -> Text:
    """The name of ``value`` in both languages; an unknown value is named as unknown, with its code.

    Booleans read as yes/no under any kind (a ``late`` flag, an ``eligible`` column).

    >>> label_text("site_type", "dc")
    Text(zh='配送中心', en='distribution centre')
    >>> label_text("site_type", "depot")
    Text(zh='未知地点类型“depot”', en="unknown site type 'depot'")
    """
    values = labels(kind)
    if isinstance(value, bool):
        return _VALUES["yes_no"]["yes" if value else "no"]
    text = values.get(str(value)) if value is not None else None
    if text is not None:
        return text
    name = KINDS[kind]
    return Text(f"未知{name.zh}“{value}”", f"unknown {name.en} '{value}'")


def label(kind: str, value: object, lang: str) -> str:
    """The name of ``value`` (a code of ``kind``) in ``lang``; None reads as an em dash.

    >>> label("order_type", "purchase", "zh"), label("order_type", "purchase", "en")
    ('采购', 'purchase')
    >>> label("channel_kind", "wholesale", "zh"), label("qc_status", None, "zh")
    ('未知渠道类型“wholesale”', '—')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return label_text(kind, value).get(lang)


def yes_no(value: object, lang: str) -> str:
    """是/否, yes/no; None reads as an em dash.

    >>> yes_no(True, "zh"), yes_no(False, "en"), yes_no(None, "zh")
    ('是', 'no', '—')
    """
    if value is None:
        return "—"
    return _VALUES["yes_no"]["yes" if value else "no"].get(lang)
