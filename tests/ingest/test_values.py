"""Values as Chinese exports write them load as exactly these typed values (typed by hand)."""

from __future__ import annotations

import datetime as dt

from chainsight.ingest import Mapping, load_files

D = dt.date
TS = dt.datetime


def test_dates_numbers_and_missing_tokens_in_products(warehouse, ingest_dir, query):
    result = load_files(warehouse, "products", [ingest_dir / "products_dirty.csv"])

    assert (result.rows_loaded, result.rows_rejected) == (10, 0)
    rows = query(
        warehouse,
        "SELECT sku, units_per_case, shelf_life_days, list_price, barcode, launch_date FROM products ORDER BY sku",
    )
    march_1 = D(2024, 3, 1)
    assert rows == [
        ("D01", 24, 270, 1234.5, "6901234500011", march_1),  # 2024-03-01, 1,234.50
        ("D02", 1000, 180, 1234.5, None, march_1),  # 2024/3/1, ¥1,234.50, integer 1,000, empty
        ("D03", 12, 90, 1234.5, None, march_1),  # 2024年3月1日, ￥1,234.50, full-width １２, NULL
        ("D04", 6, 30, 1234.5, None, march_1),  # 20240301, full-width １，２３４．５０, -
        ("D05", 12, 45, 1234.5, None, march_1),  # Excel serial 45352, integer 12.0, /
        ("D06", 24, 365, 1234.5, None, march_1),  # a datetime, padded " ¥ 1,234.50 ", null
        ("D07", 24, 365, 1234.5, None, march_1),  # 2024/03/01, 1,234.50元, N/A
        ("D08", 24, 365, 0.0, None, march_1),  # 2024.3.1, a blank
        ("D09", 24, 365, 12.0, None, march_1),  # full-width ２０２４－０３－０１, RMB 12
        ("D10", 24, 365, 12.0, None, None),  # NULL date in an optional column
    ]
    assert all(isinstance(r[1], int) and isinstance(r[3], float) for r in rows)


def test_negative_amounts_as_returns(master, ingest_dir, query):
    result = load_files(master, "sell_in", [ingest_dir / "sell_in_dirty.csv"])

    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert query(
        master, "SELECT line_no, qty, gross_amount, discount_amount, net_amount FROM sell_in ORDER BY line_no"
    ) == [
        (1, -1234.5, -1234.5, None, -1234.5),  # -1,234.50 · (1,234.50) · - · -¥1,234.50
        (2, -12.0, -96.0, None, -96.0),  # full-width （12） · －96 · NULL · (￥96.00)
        (3, 1500.0, 5.0, 0.0, 5.0),  # 1.5e3 · +5
    ]


def test_percentages_become_fractions(master, ingest_dir, query):
    load_files(master, "promotions", [ingest_dir / "promotions_dirty.csv"])

    assert query(
        master,
        "SELECT promo_id, channel_id, start_date, end_date, discount_rate FROM promotions ORDER BY ALL",
    ) == [
        ("P1111", "tmall", D(2024, 11, 1), D(2024, 11, 11), 0.125),  # １２．５％
        ("P618", "jd", D(2024, 6, 1), D(2024, 6, 18), 0.15),  # 0.15, 2024年6月1日
        ("P618", "tmall", D(2024, 6, 1), D(2024, 6, 18), 0.12),  # 12%, 2024/6/1
    ]


def test_datetimes_in_export_formats(master, ingest_dir, query):
    result = load_files(master, "online_orders", [ingest_dir / "online_orders_dirty.csv"])

    assert (result.rows_loaded, result.rows_rejected) == (6, 0)
    assert query(master, "SELECT order_id, order_time, status FROM online_orders ORDER BY order_id") == [
        ("T1", TS(2024, 3, 1, 12, 30, 0), "paid"),  # 2024-03-01 12:30:00
        ("T2", TS(2024, 3, 1, 8, 5, 0), "paid"),  # 2024/3/1 8:05, status PAID
        ("T3", TS(2024, 3, 1, 23, 59, 59), "refunded"),  # 2024年3月1日 23:59:59
        ("T4", TS(2024, 3, 1, 12, 30, 0), "paid"),  # 20240301123000
        ("T5", TS(2024, 3, 1, 12, 0, 0), "paid"),  # Excel serial 45352.5
        ("T6", TS(2024, 3, 1, 7, 0, 0), "paid"),  # 2024-03-01T07:00:00
    ]


def test_months_in_export_formats(master, ingest_dir, query):
    result = load_files(master, "targets", [ingest_dir / "targets_dirty.csv"])

    assert result.rows_rejected == 0
    assert query(master, "SELECT month, target_amount FROM targets ORDER BY month") == [
        (D(2025, 3, 1), 1_000_000.0),  # 2025-03, 1,000,000
        (D(2025, 4, 1), 1_200_000.0),  # 2025年4月, ¥1,200,000.00
        (D(2025, 5, 1), 1_300_000.0),  # 202505, 1.3e6
        (D(2025, 6, 1), 1_400_000.0),  # 2025/6/15: a date in the month
    ]


def test_strptime_format_from_mapping(warehouse, tmp_path, query):
    # US-style month/day/year is ambiguous, so it loads only when the mapping says so.
    path = tmp_path / "products.csv"
    path.write_text(
        "sku,name,brand,category,unit,units_per_case,shelf_life_days,list_price,launch_date\n"
        "A1,甲,清泉,茶,瓶,24,270,3.5,03/01/2024\n",
        encoding="utf-8",
    )

    plain = load_files(warehouse, "products", [path])
    assert (plain.rows_loaded, plain.rows_rejected) == (0, 1)

    told = load_files(warehouse, "products", [path], mapping=Mapping(formats={"launch_date": "%m/%d/%Y"}))
    assert told.rows_loaded == 1
    assert query(warehouse, "SELECT launch_date FROM products") == [(D(2024, 3, 1),)]


def test_constants_fill_a_column_the_file_lacks(master, tmp_path, query):
    path = tmp_path / "天猫订单.csv"
    path.write_text(
        "订单编号,商品编码,数量,实付金额,下单时间,订单状态\nTM1,SKU001,1,3.50,2024-03-01 10:00:00,已付款\n",
        encoding="utf-8",
    )
    mapping = Mapping.from_dict(
        {
            "columns": {
                "order_id": "订单编号",
                "sku": "商品编码",
                "qty": "数量",
                "paid_amount": "实付金额",
                "order_time": "下单时间",
            },
            "constants": {"channel_id": "tmall", "shop": "清泉旗舰店", "line_no": "1", "status": "paid"},
        }
    )

    result = load_files(master, "online_orders", [path], mapping=mapping)

    assert result.rows_loaded == 1
    assert query(master, "SELECT order_id, line_no, channel_id, shop, status FROM online_orders") == [
        ("TM1", 1, "tmall", "清泉旗舰店", "paid")
    ]
