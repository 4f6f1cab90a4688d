"""How each entity is exported: format, encoding, headers, value formats, mapping and planted dirty rows."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from chainsight.demo._files import DirtyOp, FileSpec
from chainsight.demo._master import Company

MONEY_GBK = (
    "CASE WHEN {c} < 0 THEN '(' || format('{:,.2f}', -{c}) || ')' ELSE '￥' || format('{:,.2f}', {c}) END"
)
SLASH_DATE = "strftime({c}, '%Y/%-m/%-d')"
PERCENT = "CASE WHEN {c} IS NULL THEN NULL ELSE CAST(round({c} * 100, 1) AS VARCHAR) || '%' END"


def _timestamp_text(col: pa.Array) -> pa.Array:
    return pc.strftime(col, "%Y-%m-%d %H:%M:%S")


def _lookup(keys: list[str], values: list[str], column: str) -> Callable[[pa.Table], pa.Array]:
    key_arr, val_arr = pa.array(keys, pa.string()), pa.array(values, pa.string())

    def fn(table: pa.Table) -> pa.Array:
        return pc.take(val_arr, pc.index_in(table.column(column), key_arr))

    return fn


def file_specs(co: Company, dirty: bool) -> dict[tuple[str, str | None], FileSpec]:
    """Export specs keyed by (entity, key); key names one of several files of an entity (online platform)."""
    monthly = co.scale.monthly_files
    cust_ids = [c["customer_id"] for c in co.customers]
    cust_names = [c["name"] for c in co.customers]
    prod_names = [p["name"] for p in co.products]

    def d(*ops: DirtyOp) -> tuple[DirtyOp, ...]:
        return ops if dirty else ()

    specs = [
        FileSpec("regions", "regions.csv", "csv"),
        FileSpec("channels", "channels.csv", "csv"),
        FileSpec(
            "customers",
            "customers.csv",
            "csv",
            encoding="gbk",
            headers=dict(
                customer_id="客户编码",
                name="客户名称",
                channel_id="渠道编码",
                region_id="所属区域编码",
                type="客户类型",
                min_remaining_life_pct="最低剩余保质期要求",
            ),
            sql={"min_remaining_life_pct": PERCENT},
        ),
        FileSpec(
            "stores",
            "stores.csv",
            "csv",
            encoding="gbk",
            headers=dict(
                store_id="门店编码",
                customer_id="所属客户编码",
                region_id="区域编码",
                format="业态",
                name="门店名称",
            ),
        ),
        FileSpec("sites", "sites.csv", "csv"),
        FileSpec("lines", "lines.csv", "csv"),
        FileSpec(
            "products",
            "products.xlsx",
            "xlsx",
            sheet="产品主数据",
            title="鲜源食品有限公司 产品主数据",
            subtitle="导出自 ERP · 物料主数据 · 成品",
            headers=dict(
                sku="产品编码",
                name="产品名称",
                brand="品牌",
                category="品类",
                unit="销售单位",
                units_per_case="箱规",
                shelf_life_days="保质期(天)",
                list_price="出厂价(元)",
                barcode="条码",
                launch_date="上市日期",
                status="状态",
            ),
        ),
        FileSpec("materials", "materials.csv", "csv", encoding="utf-8-sig"),
        FileSpec("bom", "bom.csv", "csv"),
        FileSpec(
            "suppliers",
            "suppliers.xls",
            "xls",
            sheet="供应商",
            headers=dict(supplier_id="供应商编码", name="供应商名称", region_id="所在地区编码"),
        ),
        FileSpec("supplier_materials", "supplier_materials.csv", "csv"),
        FileSpec(
            "prices",
            "prices.csv",
            "csv",
            sql={"price": "'¥' || format('{:.2f}', {c})", "floor_price": "'¥' || format('{:.2f}', {c})"},
        ),
        FileSpec("promotions", "promotions.csv", "csv", sql={"discount_rate": PERCENT}),
        FileSpec(
            "targets",
            "targets.xlsx",
            "xlsx",
            sheet="月度目标",
            title="2024–2026 年度销售目标(单位:元,净额)",
            headers=dict(month="月份", region_id="区域编码", channel_id="渠道", target_amount="目标金额"),
        ),
        FileSpec(
            "customer_orders",
            "customer_orders_{month}.csv" if monthly else "customer_orders.csv",
            "csv",
            monthly=monthly,
            month_column="requested_date",
        ),
        FileSpec(
            "sell_in",
            "sell_in_{month}.csv" if monthly else "sell_in.csv",
            "csv",
            encoding="gbk",
            headers=dict(
                doc_id="单据编号",
                line_no="行号",
                date="业务日期",
                customer_id="客户编码",
                sku="商品编码",
                qty="数量",
                gross_amount="金额",
                discount_amount="折扣额",
                net_amount="净额",
                site_id="发货仓库",
            ),
            sql={
                "date": SLASH_DATE,
                "gross_amount": MONEY_GBK,
                "discount_amount": MONEY_GBK,
                "net_amount": MONEY_GBK,
            },
            mapping={"formats": {"date": "%Y/%m/%d"}},
            extra={
                "客户名称": _lookup(cust_ids, cust_names, "customer_id"),
                "商品名称": _lookup(co.sku_ids, prod_names, "sku"),
            },
            full_width=("qty",),
            dirty=d(
                DirtyOp("duplicate", 41, "qty", "99", "duplicate_key", source_row=20, report_column="doc_id"),
                DirtyOp("set", 5, "qty", "十", "bad_number"),
                DirtyOp("set", 9, "customer_id", None, "missing_required"),
                DirtyOp("set", 13, "customer_id", "C-UNKNOWN-01", "unknown_reference"),
            ),
            monthly=monthly,
            month_column="date",
        ),
        FileSpec(
            "sell_out",
            "sell_out_{month}.csv" if monthly else "sell_out.csv",
            "csv",
            dirty=d(
                DirtyOp("set", 3, "date", "2025-02-30", "bad_date"),
                DirtyOp("set", 7, "sku", "XX9999", "unknown_reference"),
            ),
            monthly=monthly,
            month_column="date",
        ),
        FileSpec(
            "purchase_orders",
            "purchase_orders.csv",
            "csv",
            sql={"order_date": "strftime({c}, '%Y%m%d')", "promised_date": "strftime({c}, '%Y%m%d')"},
            dirty=d(DirtyOp("set", 3, "line_no", "1.5", "bad_integer")),
        ),
        FileSpec(
            "receipts",
            "receipts.csv",
            "csv",
            sql={"received_date": "strftime({c}, '%Y年%-m月%-d日')"},
            dirty=d(
                DirtyOp(
                    "set",
                    5,
                    "expiry_date",
                    "2020-01-01",
                    "expiry_before_mfg",
                    require="mfg_date",
                    report_column="mfg_date",
                )
            ),
        ),
        FileSpec("production_orders", "production_orders.csv", "csv"),
        FileSpec("material_consumption", "material_consumption.csv", "csv"),
        FileSpec(
            "inventory", "inventory.csv", "csv", dirty=d(DirtyOp("set", 6, "qty", "-5", "out_of_range"))
        ),
        FileSpec(
            "write_offs", "write_offs.csv", "csv", dirty=d(DirtyOp("set", 2, "reason", "丢失", "not_allowed"))
        ),
    ]
    out: dict[tuple[str, str | None], FileSpec] = {(s.entity, None): s for s in specs}
    suffix = "_{month}" if monthly else ""
    out[("online_orders", "tmall")] = FileSpec(
        "online_orders",
        f"online_orders_tmall{suffix}.parquet",
        "parquet",
        monthly=monthly,
        month_column="order_time",
    )
    out[("online_orders", "jd")] = FileSpec(
        "online_orders",
        f"online_orders_jd{suffix}.csv",
        "csv",
        monthly=monthly,
        month_column="order_time",
        arrow={"order_time": _timestamp_text},
        dirty=d(
            DirtyOp("set", 4, "status", "已发货", "not_allowed"),
            DirtyOp("set", 8, "qty", "0", "out_of_range"),
            DirtyOp("set", 12, "order_time", "2025-06-31 10:00:00", "bad_timestamp"),
        ),
    )
    out[("online_orders", "douyin")] = FileSpec(
        "online_orders",
        f"online_orders_douyin{suffix}.jsonl",
        "jsonl",
        monthly=monthly,
        month_column="order_time",
    )
    out[("online_orders", "pinduoduo")] = FileSpec(
        "online_orders",
        f"online_orders_pinduoduo{suffix}.csv",
        "csv",
        encoding="gbk",
        monthly=monthly,
        month_column="order_time",
        headers=dict(
            order_id="订单号",
            line_no="子订单序号",
            order_time="下单时间",
            shop="店铺名称",
            sku="商家编码",
            qty="商品数量",
            paid_amount="实付金额",
            province="收货省份",
            city="收货城市",
            buyer_id="买家ID",
            status="订单状态",
        ),
        arrow={"order_time": _timestamp_text},
        drop=("channel_id",),
        mapping={"constants": {"channel_id": "pinduoduo"}},
    )
    return out
