"""The canonical FMCG data model: master data, transactions and snapshots.

Column descriptions are written for the data engineer who maps an ERP export onto
these entities: what the column means and what values it takes.
"""

from __future__ import annotations

from chainsight._errors import DefinitionError
from chainsight.model._spec import (
    Column,
    ColumnType,
    Entity,
    EntityKind,
    ForeignKey,
    RowCheck,
    Text,
    validate_catalog,
)

S, INT, N, D, M, T = (
    ColumnType.STRING,
    ColumnType.INTEGER,
    ColumnType.NUMBER,
    ColumnType.DATE,
    ColumnType.MONTH,
    ColumnType.TIMESTAMP,
)


def col(
    name: str,
    type_: ColumnType,
    zh: str,
    en: str,
    *,
    required: bool = False,
    allowed: tuple[str, ...] | None = None,
    min: float | None = None,
    min_exclusive: bool = False,
    max: float | None = None,
    fraction: bool = False,
    aliases: tuple[str, ...] = (),
) -> Column:
    return Column(name, type_, Text(zh, en), required, allowed, min, min_exclusive, max, fraction, aliases)


def fk(column: str, *targets: tuple[str, str]) -> ForeignKey:
    return ForeignKey(column, tuple(targets))


def le(left: str, right: str, code: str, zh: str, en: str) -> RowCheck:
    return RowCheck(left, "<=", right, code, Text(zh, en))


# Shared columns: one concept, one name, one description.
def sku(required: bool = True) -> Column:
    return col("sku", S, "产品编码(SKU)", "Product code (SKU)", required=required)


def site_id(required: bool = True) -> Column:
    return col(
        "site_id",
        S,
        "地点编码:工厂、仓库或经销商仓",
        "Site code: plant, DC or distributor warehouse",
        required=required,
    )


def region_id(required: bool = True) -> Column:
    return col("region_id", S, "区域编码(省或市)", "Region code (province or city)", required=required)


def channel_id(required: bool = True) -> Column:
    return col("channel_id", S, "渠道编码", "Channel code", required=required)


def material_id(required: bool = True) -> Column:
    return col("material_id", S, "物料编码", "Material code", required=required)


def lot_id(required: bool = True) -> Column:
    return col("lot_id", S, "批次号", "Lot (batch) number", required=required)


def item_id() -> Column:
    return col(
        "item_id",
        S,
        "物品编码:成品 SKU 或物料编码",
        "Item code: a finished-goods SKU or a material code",
        required=True,
    )


def mfg_date(required: bool = False) -> Column:
    return col("mfg_date", D, "生产日期", "Manufacture date", required=required)


def expiry_date(required: bool = False) -> Column:
    return col("expiry_date", D, "到期日(保质期截止日)", "Expiry date (best before)", required=required)


ITEM = (("products", "sku"), ("materials", "material_id"))
EXPIRY_CHECK = le(
    "mfg_date",
    "expiry_date",
    "expiry_before_mfg",
    "到期日早于生产日期",
    "expiry date is before manufacture date",
)

_ENTITIES: tuple[Entity, ...] = (
    # ---------------------------------------------------------------- master data
    Entity(
        "regions",
        Text("区域", "Regions"),
        Text("国家、省、市三级区域层级", "Country / province / city hierarchy"),
        EntityKind.MASTER,
        "master",
        (
            region_id(),
            col("name", S, "区域名称,如 浙江省、杭州市", "Region name, e.g. 浙江省, 杭州市", required=True),
            col("parent_id", S, "上级区域编码(国家为空)", "Parent region code (empty for the country)"),
            col(
                "level",
                S,
                "层级:country、province 或 city",
                "Level: country, province or city",
                required=True,
                allowed=("country", "province", "city"),
            ),
            col("name_en", S, "英文名称", "English name"),
        ),
        ("region_id",),
        (fk("parent_id", ("regions", "region_id")),),
    ),
    Entity(
        "channels",
        Text("渠道", "Channels"),
        Text("线上平台与线下渠道", "Online platforms and offline channels"),
        EntityKind.MASTER,
        "master",
        (
            channel_id(),
            col("name", S, "渠道名称", "Channel name", required=True),
            col(
                "kind",
                S,
                "类型:online 线上 或 offline 线下",
                "Kind: online or offline",
                required=True,
                allowed=("online", "offline"),
            ),
            col(
                "platform",
                S,
                "电商平台,如 tmall、jd、douyin、pinduoduo(线下为空)",
                "E-commerce platform, e.g. tmall, jd, douyin, pinduoduo (empty offline)",
            ),
            col(
                "min_remaining_life_pct",
                N,
                "该渠道要求的最低剩余保质期比例(0–1)",
                "Minimum remaining shelf life this channel accepts at delivery (0–1)",
                min=0,
                max=1,
                fraction=True,
            ),
        ),
        ("channel_id",),
    ),
    Entity(
        "customers",
        Text("客户", "Customers"),
        Text(
            "经销商、KA 零售商和电商平台自营",
            "Distributors, key-account retailers and platform self-operated stores",
        ),
        EntityKind.MASTER,
        "master",
        (
            col("customer_id", S, "客户编码", "Customer code", required=True),
            col("name", S, "客户名称", "Customer name", required=True),
            channel_id(),
            region_id(),
            col(
                "type",
                S,
                "客户类型:distributor 经销商、ka_retailer KA 零售商、platform_self_operated 平台自营等",
                "Customer type: distributor, ka_retailer, platform_self_operated, wholesaler, discount_outlet, other",
                required=True,
                allowed=(
                    "distributor",
                    "ka_retailer",
                    "platform_self_operated",
                    "wholesaler",
                    "discount_outlet",
                    "other",
                ),
            ),
            col(
                "min_remaining_life_pct",
                N,
                "该客户要求的最低剩余保质期比例(0–1),为空时沿用渠道设置",
                "Minimum remaining shelf life this customer accepts at delivery (0–1); empty: the channel's",
                min=0,
                max=1,
                fraction=True,
            ),
        ),
        ("customer_id",),
        (fk("channel_id", ("channels", "channel_id")), fk("region_id", ("regions", "region_id"))),
    ),
    Entity(
        "stores",
        Text("门店", "Stores"),
        Text("零售网点(上报动销的门店)", "Retail outlets (where sell-out is reported)"),
        EntityKind.MASTER,
        "master",
        (
            col("store_id", S, "门店编码", "Store code", required=True),
            col("customer_id", S, "所属客户编码", "Owning customer code", required=True),
            region_id(),
            col(
                "format",
                S,
                "业态,如 hypermarket、supermarket、convenience、traditional",
                "Store format, e.g. hypermarket, supermarket, convenience, traditional",
            ),
            col("name", S, "门店名称", "Store name"),
        ),
        ("store_id",),
        (fk("customer_id", ("customers", "customer_id")), fk("region_id", ("regions", "region_id"))),
    ),
    Entity(
        "sites",
        Text("地点", "Sites"),
        Text("工厂、配送中心和经销商仓库", "Plants, distribution centres and distributor warehouses"),
        EntityKind.MASTER,
        "master",
        (
            site_id(),
            col("name", S, "地点名称", "Site name", required=True),
            col(
                "type",
                S,
                "类型:plant 工厂、dc 配送中心、distributor_wh 经销商仓",
                "Type: plant, dc or distributor_wh",
                required=True,
                allowed=("plant", "dc", "distributor_wh"),
            ),
            region_id(),
            col("customer_id", S, "经销商仓所属客户编码", "Customer owning a distributor warehouse"),
        ),
        ("site_id",),
        (fk("region_id", ("regions", "region_id")), fk("customer_id", ("customers", "customer_id"))),
    ),
    Entity(
        "lines",
        Text("产线", "Production lines"),
        Text("工厂的生产线及其日产能", "Plant production lines and their daily capacity"),
        EntityKind.MASTER,
        "master",
        (
            col("line_id", S, "产线编码", "Line code", required=True),
            site_id(),
            col("name", S, "产线名称", "Line name", required=True),
            col(
                "capacity_per_day",
                N,
                "日产能(件/天)",
                "Capacity (units per day)",
                required=True,
                min=0,
                min_exclusive=True,
            ),
        ),
        ("line_id",),
        (fk("site_id", ("sites", "site_id")),),
    ),
    Entity(
        "products",
        Text("产品", "Products"),
        Text("成品 SKU 主数据", "Finished-goods SKU master data"),
        EntityKind.MASTER,
        "master",
        (
            sku(),
            col("name", S, "产品名称", "Product name", required=True),
            col("brand", S, "品牌", "Brand", required=True),
            col("category", S, "品类", "Category", required=True),
            col("unit", S, "销售单位,如 瓶、袋、箱", "Sales unit, e.g. bottle, bag, case", required=True),
            col("units_per_case", INT, "每箱数量", "Units per case", required=True, min=1),
            col(
                "shelf_life_days",
                INT,
                "保质期(天)",
                "Shelf life (days)",
                required=True,
                min=0,
                min_exclusive=True,
            ),
            col("list_price", N, "标准出厂价(元/单位)", "List price (CNY per unit)", required=True, min=0),
            col("barcode", S, "条码", "Barcode (EAN)"),
            col("launch_date", D, "上市日期", "Launch date"),
            col(
                "status",
                S,
                "状态:active 在售、discontinued 停产",
                "Status: active or discontinued",
                allowed=("active", "discontinued"),
            ),
        ),
        ("sku",),
    ),
    Entity(
        "materials",
        Text("物料", "Materials"),
        Text("原料、包材和半成品", "Raw materials, packaging and intermediates"),
        EntityKind.MASTER,
        "master",
        (
            material_id(),
            col("name", S, "物料名称", "Material name", required=True),
            col(
                "type",
                S,
                "类型:raw 原料、packaging 包材、intermediate 半成品",
                "Type: raw, packaging or intermediate",
                required=True,
                allowed=("raw", "packaging", "intermediate"),
            ),
            col("unit", S, "计量单位,如 kg、个", "Unit of measure, e.g. kg, pcs", required=True),
            col(
                "shelf_life_days",
                INT,
                "保质期(天),无保质期为空",
                "Shelf life (days); empty if none",
                min=0,
                min_exclusive=True,
            ),
            col(
                "standard_cost", N, "标准成本(元/单位)", "Standard cost (CNY per unit)", required=True, min=0
            ),
        ),
        ("material_id",),
    ),
    Entity(
        "bom",
        Text("物料清单", "Bill of materials"),
        Text(
            "多级 BOM:父项为成品 SKU 或半成品",
            "Multi-level BOM: a parent is a SKU or an intermediate material",
        ),
        EntityKind.MASTER,
        "master",
        (
            col("parent_id", S, "父项编码(SKU 或半成品)", "Parent code (SKU or intermediate)", required=True),
            col("component_id", S, "子项物料编码", "Component material code", required=True),
            col(
                "qty_per",
                N,
                "每单位父项的用量",
                "Quantity per unit of parent",
                required=True,
                min=0,
                min_exclusive=True,
            ),
            col("scrap_rate", N, "损耗率(0–1)", "Scrap rate (0–1)", min=0, max=0.99, fraction=True),
        ),
        ("parent_id", "component_id"),
        (fk("parent_id", *ITEM), fk("component_id", ("materials", "material_id"))),
    ),
    Entity(
        "suppliers",
        Text("供应商", "Suppliers"),
        Text("原料和包材供应商", "Suppliers of raw materials and packaging"),
        EntityKind.MASTER,
        "master",
        (
            col("supplier_id", S, "供应商编码", "Supplier code", required=True),
            col("name", S, "供应商名称", "Supplier name", required=True),
            region_id(required=False),
        ),
        ("supplier_id",),
        (fk("region_id", ("regions", "region_id")),),
    ),
    Entity(
        "supplier_materials",
        Text("供应商物料条款", "Supplier-material terms"),
        Text(
            "供应商对每种物料的提前期、最小起订量和价格", "Lead time, MOQ and price per supplier and material"
        ),
        EntityKind.MASTER,
        "master",
        (
            col("supplier_id", S, "供应商编码", "Supplier code", required=True),
            material_id(),
            col("lead_time_days", INT, "采购提前期(天)", "Lead time (days)", required=True, min=0),
            col("moq", N, "最小起订量", "Minimum order quantity", min=0),
            col("unit_price", N, "合同单价(元)", "Contract unit price (CNY)", required=True, min=0),
            col("order_multiple", N, "订货倍数", "Order multiple", min=0),
        ),
        ("supplier_id", "material_id"),
        (fk("supplier_id", ("suppliers", "supplier_id")), fk("material_id", ("materials", "material_id"))),
    ),
    Entity(
        "prices",
        Text("价格表", "Price lists"),
        Text("分渠道的价格和最低限价", "Price and floor price per channel and SKU"),
        EntityKind.MASTER,
        "master",
        (
            channel_id(),
            sku(),
            col("valid_from", D, "生效日期", "Valid from", required=True),
            col("valid_to", D, "失效日期(为空表示长期有效)", "Valid to (empty: open-ended)"),
            col("price", N, "价格(元/单位)", "Price (CNY per unit)", required=True, min=0),
            col(
                "floor_price",
                N,
                "最低限价(元/单位),线上不得低于此价",
                "Floor price (CNY per unit) sellers may not undercut",
                min=0,
            ),
        ),
        ("channel_id", "sku", "valid_from"),
        (fk("channel_id", ("channels", "channel_id")), fk("sku", ("products", "sku"))),
        (
            le(
                "valid_from",
                "valid_to",
                "valid_to_before_from",
                "失效日期早于生效日期",
                "valid_to is before valid_from",
            ),
        ),
        date_column="valid_from",
    ),
    Entity(
        "promotions",
        Text("促销", "Promotions"),
        Text("分渠道、分 SKU 的促销活动", "Promotions per channel and SKU"),
        EntityKind.MASTER,
        "master",
        (
            col("promo_id", S, "促销编码", "Promotion code", required=True),
            channel_id(),
            sku(),
            col("start_date", D, "开始日期", "Start date", required=True),
            col("end_date", D, "结束日期", "End date", required=True),
            col(
                "discount_rate",
                N,
                "折扣率(0–1,如 0.3 表示七折)",
                "Discount rate (0–1, e.g. 0.3 for 30% off)",
                required=True,
                min=0,
                max=1,
                fraction=True,
                aliases=("discount_pct",),  # its name until it was made to say it holds a fraction
            ),
            col("province", S, "仅限省份(为空表示全国)", "Province it is limited to (empty: nationwide)"),
            col(
                "mechanic",
                S,
                "促销方式,如 直降、满减、买赠",
                "Mechanic, e.g. price cut, threshold discount, gift",
            ),
        ),
        ("promo_id", "channel_id", "sku"),
        (fk("channel_id", ("channels", "channel_id")), fk("sku", ("products", "sku"))),
        (
            le(
                "start_date",
                "end_date",
                "end_before_start",
                "结束日期早于开始日期",
                "end date is before start date",
            ),
        ),
        date_column="start_date",
    ),
    Entity(
        "targets",
        Text("销售目标", "Sales targets"),
        Text("按月、区域、渠道的销售目标金额", "Monthly sales target per region and channel"),
        EntityKind.MASTER,
        "sales",
        (
            col("month", M, "目标月份(如 2025-03)", "Target month (e.g. 2025-03)", required=True),
            region_id(),
            channel_id(),
            col("target_amount", N, "目标金额(元,净额)", "Target amount (CNY, net)", required=True, min=0),
        ),
        ("month", "region_id", "channel_id"),
        (fk("region_id", ("regions", "region_id")), fk("channel_id", ("channels", "channel_id"))),
        date_column="month",
    ),
    # ---------------------------------------------------------------- transactions
    Entity(
        "customer_orders",
        Text("客户订单", "Customer orders"),
        Text(
            "客户订货行:订货数量、要求到货日期与实际发货(计算订单满足率和准时足量率)",
            "Customer order lines: ordered quantity, requested date and what was shipped (for fill rate and OTIF)",
        ),
        EntityKind.TRANSACTION,
        "sales",
        (
            col("order_id", S, "订单号", "Order number", required=True),
            col("line_no", INT, "行号", "Line number", required=True, min=0),
            col("order_date", D, "下单日期", "Order date", required=True),
            col("requested_date", D, "要求到货日期", "Requested delivery date", required=True),
            col("customer_id", S, "客户编码", "Customer code", required=True),
            sku(),
            col("ordered_qty", N, "订货数量", "Ordered quantity", required=True, min=0),
            col("shipped_qty", N, "已发货数量", "Shipped quantity", min=0),
            col("last_shipped_date", D, "最后发货日期", "Last shipment date"),
            site_id(required=False),
        ),
        ("order_id", "line_no"),
        (
            fk("customer_id", ("customers", "customer_id")),
            fk("sku", ("products", "sku")),
            fk("site_id", ("sites", "site_id")),
        ),
        (
            le(
                "order_date",
                "requested_date",
                "requested_before_order",
                "要求到货日期早于下单日期",
                "requested date is before order date",
            ),
        ),
        date_column="requested_date",
    ),
    Entity(
        "sell_in",
        Text("销售出库(进货)", "Sell-in"),
        Text(
            "发给客户的出库单和发票行;数量和金额为负表示退货",
            "Shipments and invoices to customers; negative quantity and amounts are returns",
        ),
        EntityKind.TRANSACTION,
        "sales",
        (
            col("doc_id", S, "单据号", "Document number", required=True),
            col("line_no", INT, "行号", "Line number", required=True, min=0),
            col("date", D, "业务日期", "Document date", required=True),
            col("customer_id", S, "客户编码", "Customer code", required=True),
            sku(),
            col("qty", N, "数量(负数为退货)", "Quantity (negative: return)", required=True),
            col("gross_amount", N, "含折扣前金额(元)", "Gross amount before discount (CNY)", required=True),
            col("discount_amount", N, "折扣金额(元)", "Discount amount (CNY)"),
            col("net_amount", N, "净额(元)", "Net amount (CNY)", required=True),
            site_id(required=False),
            lot_id(required=False),
        ),
        ("doc_id", "line_no"),
        (
            fk("customer_id", ("customers", "customer_id")),
            fk("sku", ("products", "sku")),
            fk("site_id", ("sites", "site_id")),
        ),
        date_column="date",
    ),
    Entity(
        "sell_out",
        Text("终端动销", "Sell-out"),
        Text(
            "零售商或经销商上报的门店消费者销售",
            "Consumer sales reported by retailers and distributors, per store",
        ),
        EntityKind.TRANSACTION,
        "sales",
        (
            col("date", D, "销售日期", "Sales date", required=True),
            col("store_id", S, "门店编码", "Store code", required=True),
            sku(),
            col("qty", N, "数量(负数为退货)", "Quantity (negative: return)", required=True),
            col("amount", N, "销售额(元)", "Sales amount (CNY)", required=True),
        ),
        ("date", "store_id", "sku"),
        (fk("store_id", ("stores", "store_id")), fk("sku", ("products", "sku"))),
        date_column="date",
    ),
    Entity(
        "online_orders",
        Text("线上订单", "Online orders"),
        Text("电商平台订单行,含收货省市", "E-commerce platform order lines with ship-to province and city"),
        EntityKind.TRANSACTION,
        "channels",
        (
            col("order_id", S, "订单号", "Order number", required=True),
            col("line_no", INT, "行号", "Line number", required=True, min=0),
            col("order_time", T, "下单时间", "Order time", required=True),
            channel_id(),
            col("shop", S, "店铺名称", "Shop name", required=True),
            sku(),
            col("qty", N, "数量", "Quantity", required=True, min=0, min_exclusive=True),
            col("paid_amount", N, "实付金额(元)", "Amount paid (CNY)", required=True, min=0),
            col("province", S, "收货省份", "Ship-to province"),
            col("city", S, "收货城市", "Ship-to city"),
            col("buyer_id", S, "买家编号(脱敏)", "Buyer id (pseudonymised)"),
            col(
                "status",
                S,
                "状态:paid 已付款、refunded 已退款",
                "Status: paid or refunded",
                required=True,
                allowed=("paid", "refunded"),
            ),
        ),
        ("order_id", "line_no"),
        (fk("channel_id", ("channels", "channel_id")), fk("sku", ("products", "sku"))),
        date_column="order_time",
    ),
    Entity(
        "purchase_orders",
        Text("采购订单", "Purchase orders"),
        Text("向供应商下达的采购订单行", "Purchase order lines placed with suppliers"),
        EntityKind.TRANSACTION,
        "procurement",
        (
            col("po_id", S, "采购单号", "PO number", required=True),
            col("line_no", INT, "行号", "Line number", required=True, min=0),
            col("supplier_id", S, "供应商编码", "Supplier code", required=True),
            material_id(),
            col("qty", N, "订购数量", "Ordered quantity", required=True, min=0, min_exclusive=True),
            col("unit_price", N, "采购单价(元)", "Unit price (CNY)", required=True, min=0),
            col("order_date", D, "下单日期", "Order date", required=True),
            col("promised_date", D, "承诺到货日期", "Promised delivery date", required=True),
            site_id(required=False),
        ),
        ("po_id", "line_no"),
        (
            fk("supplier_id", ("suppliers", "supplier_id")),
            fk("material_id", ("materials", "material_id")),
            fk("site_id", ("sites", "site_id")),
        ),
        (
            le(
                "order_date",
                "promised_date",
                "promised_before_order",
                "承诺日期早于下单日期",
                "promised date is before order date",
            ),
        ),
        date_column="order_date",
    ),
    Entity(
        "receipts",
        Text("采购收货", "Goods receipts"),
        Text(
            "按采购订单行收货,含物料批次、生产和到期日期、质检状态",
            "Receipts against PO lines, with material lot, manufacture and expiry dates and QC status",
        ),
        EntityKind.TRANSACTION,
        "procurement",
        (
            col("receipt_id", S, "收货单号", "Receipt number", required=True),
            col("po_id", S, "采购单号", "PO number", required=True),
            col("line_no", INT, "采购单行号", "PO line number", required=True, min=0),
            material_id(),
            lot_id(),
            col("qty", N, "收货数量", "Received quantity", required=True, min=0),
            col("received_date", D, "收货日期", "Received date", required=True),
            mfg_date(),
            expiry_date(),
            col(
                "qc_status",
                S,
                "质检状态:passed 合格、failed 不合格、pending 待检",
                "QC status: passed, failed or pending",
                required=True,
                allowed=("passed", "failed", "pending"),
            ),
            site_id(required=False),
        ),
        ("receipt_id", "po_id", "line_no", "lot_id"),
        (fk("material_id", ("materials", "material_id")), fk("site_id", ("sites", "site_id"))),
        (EXPIRY_CHECK,),
        date_column="received_date",
    ),
    Entity(
        "production_orders",
        Text("生产订单", "Production orders"),
        Text(
            "计划与实际产量、时间和产出批次", "Planned versus actual quantity and dates, with the output lot"
        ),
        EntityKind.TRANSACTION,
        "production",
        (
            col("order_id", S, "生产订单号", "Production order number", required=True),
            site_id(),
            col("line_id", S, "产线编码", "Line code", required=True),
            sku(),
            col("planned_qty", N, "计划数量", "Planned quantity", required=True, min=0),
            col("planned_start", D, "计划开始日期", "Planned start", required=True),
            col("planned_end", D, "计划完成日期", "Planned end", required=True),
            col("actual_qty", N, "实际合格产量", "Actual good quantity", min=0),
            col("actual_start", D, "实际开始日期", "Actual start"),
            col("actual_end", D, "实际完成日期", "Actual end"),
            lot_id(required=False),
            col(
                "status",
                S,
                "状态:planned、released、in_progress、completed、cancelled",
                "Status: planned, released, in_progress, completed or cancelled",
                required=True,
                allowed=("planned", "released", "in_progress", "completed", "cancelled"),
            ),
            col(
                "input_qty",
                N,
                "投入数量(按成品当量,用于计算良率)",
                "Input quantity in finished-goods equivalents (for yield)",
                min=0,
            ),
        ),
        ("order_id",),
        (
            fk("site_id", ("sites", "site_id")),
            fk("line_id", ("lines", "line_id")),
            fk("sku", ("products", "sku")),
        ),
        (
            le(
                "planned_start",
                "planned_end",
                "planned_end_before_start",
                "计划完成早于计划开始",
                "planned end is before planned start",
            ),
            le(
                "actual_start",
                "actual_end",
                "actual_end_before_start",
                "实际完成早于实际开始",
                "actual end is before actual start",
            ),
        ),
        date_column="planned_start",
    ),
    Entity(
        "material_consumption",
        Text("物料消耗", "Material consumption"),
        Text(
            "生产订单消耗的物料批次(批次追溯)", "Material lots consumed by production orders (lot genealogy)"
        ),
        EntityKind.TRANSACTION,
        "production",
        (
            col("order_id", S, "生产订单号", "Production order number", required=True),
            material_id(),
            lot_id(),
            col("qty", N, "消耗数量", "Quantity consumed", required=True, min=0),
        ),
        ("order_id", "material_id", "lot_id"),
        (fk("order_id", ("production_orders", "order_id")), fk("material_id", ("materials", "material_id"))),
    ),
    # ---------------------------------------------------------------- snapshots
    Entity(
        "inventory",
        Text("库存快照", "Inventory snapshots"),
        Text("某日各地点、物品、批次的库存", "Stock on a date per site, item and lot"),
        EntityKind.SNAPSHOT,
        "inventory",
        (
            col("snapshot_date", D, "快照日期", "Snapshot date", required=True),
            site_id(),
            item_id(),
            lot_id(),
            mfg_date(),
            expiry_date(),
            col("qty", N, "数量", "Quantity", required=True, min=0),
            col(
                "status",
                S,
                "状态:available 可用、quarantine 待检、blocked 冻结、in_transit 在途",
                "Status: available, quarantine, blocked or in_transit",
                required=True,
                allowed=("available", "quarantine", "blocked", "in_transit"),
            ),
        ),
        ("snapshot_date", "site_id", "item_id", "lot_id", "status"),
        (fk("site_id", ("sites", "site_id")), fk("item_id", *ITEM)),
        (EXPIRY_CHECK,),
        date_column="snapshot_date",
    ),
    Entity(
        "write_offs",
        Text("报损", "Write-offs"),
        Text("过期、损坏、质量问题等报废", "Stock written off: expired, damaged, quality and so on"),
        EntityKind.TRANSACTION,
        "inventory",
        (
            col("date", D, "报损日期", "Write-off date", required=True),
            site_id(),
            item_id(),
            lot_id(),
            col("qty", N, "数量", "Quantity", required=True, min=0, min_exclusive=True),
            col(
                "reason",
                S,
                "原因:expired 过期、near_expiry 临期处理、damaged 破损、quality 质量、other 其他",
                "Reason: expired, near_expiry, damaged, quality or other",
                required=True,
                allowed=("expired", "near_expiry", "damaged", "quality", "other"),
            ),
        ),
        ("date", "site_id", "item_id", "lot_id", "reason"),
        (fk("site_id", ("sites", "site_id")), fk("item_id", *ITEM)),
        date_column="date",
    ),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in _ENTITIES}
validate_catalog(ENTITIES)


def load_order(entities: dict[str, Entity]) -> tuple[str, ...]:
    """Entities in an order that loads every foreign key's target before the entity referring to it.

    A topological sort of the foreign keys (a self-reference, ``regions.parent_id``, is satisfied
    within one load and ignored); among entities free to go next, the one declared first goes,
    so the order is deterministic and follows the catalog where the keys allow. A circle of keys
    is a definition error naming the entities in it.

    >>> load_order(ENTITIES)[:3]
    ('regions', 'channels', 'customers')
    """
    needs = {
        name: {t for fk in e.foreign_keys for t, _ in fk.targets if t != name and t in entities}
        for name, e in entities.items()
    }
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(entities):
        ready = next((n for n in entities if n not in placed and needs[n] <= placed), None)
        if ready is None:
            # every unplaced entity waits for another unplaced one: walk the waits to the circle
            path = [next(n for n in entities if n not in placed)]
            while path[-1] not in path[:-1]:
                path.append(min(needs[path[-1]] - placed))
            circle = " → ".join(path[path.index(path[-1]) :])
            raise DefinitionError(
                f"外键形成循环,无法确定加载顺序:{circle}",
                f"foreign keys form a circle, no load order exists: {circle}",
                entity=path[-1],
            )
        order.append(ready)
        placed.add(ready)
    return tuple(order)


# Load order that satisfies foreign keys (master data first), from the keys themselves.
LOAD_ORDER: tuple[str, ...] = load_order(ENTITIES)
