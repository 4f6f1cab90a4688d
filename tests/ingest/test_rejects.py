"""Nothing is lost: every rejected row is kept with file, row, column, raw value, code and zh/en reason."""

from __future__ import annotations

import json

import duckdb
import pytest

from chainsight.ingest import list_rejects, load_files
from chainsight.ingest._reasons import REASONS
from chainsight.model import ENTITIES

CHECK_CODES = {c.code for e in ENTITIES.values() for c in e.checks}


def problems(records):
    return [(r["row_number"], r["column"], r["raw_value"], r["reason_code"]) for r in records]


def test_each_problem_in_products_is_kept_with_row_column_and_raw_value(
    warehouse, ingest_dir, rejects, query
):
    result = load_files(warehouse, "products", [ingest_dir / "products_rejects.csv"])

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (11, 2, 9)
    assert query(warehouse, "SELECT sku, status FROM products ORDER BY sku") == [
        ("X01", "active"),
        ("X10", "active"),  # "Active": allowed values ignore case
    ]
    assert sorted(problems(rejects(warehouse, "products"))) == sorted(
        [
            (3, "name", None, "missing_required"),
            (4, "units_per_case", "24.5", "bad_integer"),
            (5, "list_price", "三块五", "bad_number"),
            (6, "launch_date", "2024-02-30", "bad_date"),
            (7, "status", "停产", "not_allowed"),
            (8, "shelf_life_days", "0", "out_of_range"),
            (9, "list_price", "-1", "out_of_range"),
            (10, "sku", "X01", "duplicate_key"),
            # One row, five problems: each is listed.
            (11, "name", None, "missing_required"),
            (11, "units_per_case", "0", "out_of_range"),
            (11, "shelf_life_days", "abc", "bad_integer"),
            (11, "list_price", "NULL", "missing_required"),
            (11, "launch_date", "3/1/2024", "bad_date"),
        ]
    )


def test_reject_records_carry_batch_file_raw_row_and_both_languages(warehouse, ingest_dir, rejects):
    path = ingest_dir / "products_rejects.csv"
    result = load_files(warehouse, "products", [path])

    records = rejects(warehouse, "products")
    assert {r["batch_id"] for r in records} == {result.batch_id}
    assert {r["file"] for r in records} == {str(path)}
    assert {r["status"] for r in records} == {"open"}
    by_code = {r["reason_code"]: r for r in records if r["row_number"] != 11}
    assert by_code["bad_number"]["reason_zh"].startswith("“三块五” 不是数字")
    assert by_code["bad_number"]["reason_en"].startswith("'三块五' is not a number")
    assert by_code["bad_integer"]["reason_en"] == "'24.5' is not a whole number"
    assert (
        by_code["not_allowed"]["reason_en"] == "'停产' is not an allowed value; allowed: active, discontinued"
    )
    assert by_code["not_allowed"]["reason_zh"] == "“停产” 不是允许的值;允许:active, discontinued"
    out_of_range = {r["row_number"]: r["reason_en"] for r in records if r["reason_code"] == "out_of_range"}
    assert out_of_range[8] == "0 is out of range (expected > 0)"
    assert out_of_range[9] == "-1 is out of range (expected >= 0)"
    assert out_of_range[11] == "0 is out of range (expected >= 1)"
    assert by_code["missing_required"]["reason_zh"] == "必填值为空"
    assert by_code["duplicate_key"]["reason_en"].startswith("duplicate key: row 2 of the same load")
    # The whole raw row is kept, so the row can be fixed and retried without the file.
    raw = json.loads(by_code["bad_number"]["raw_row"])
    assert raw["sku"] == "X04" and raw["list_price"] == "三块五" and raw["units_per_case"] == "24"


def test_duplicate_key_in_a_file_rejects_only_the_later_row(warehouse, tmp_path, rejects, query):
    path = tmp_path / "channels.csv"
    path.write_text(
        "channel_id,name,kind\ntmall,天猫,online\njd,京东,online\ntmall,天猫(重复),online\ntmall,天猫,online\n",
        encoding="utf-8",
    )

    result = load_files(warehouse, "channels", [path])

    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    assert query(warehouse, "SELECT channel_id, name FROM channels ORDER BY 1") == [
        ("jd", "京东"),
        ("tmall", "天猫"),
    ]
    assert problems(rejects(warehouse)) == [
        (4, "channel_id", "tmall", "duplicate_key"),
        (5, "channel_id", "tmall", "duplicate_key"),
    ]
    assert all("row 2" in r["reason_en"] and "第 2 行" in r["reason_zh"] for r in rejects(warehouse))


def test_duplicate_key_across_files_of_one_load_rejects_the_later_file(warehouse, tmp_path, rejects):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("channel_id,name,kind\ntmall,天猫,online\n", encoding="utf-8")
    b.write_text("channel_id,name,kind\ntmall,天猫,online\nka,KA,offline\n", encoding="utf-8")

    result = load_files(warehouse, "channels", [a, b])

    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    [dup] = rejects(warehouse)
    assert (dup["file"], dup["row_number"], dup["reason_code"]) == (str(b), 2, "duplicate_key")


def test_bad_month(master, ingest_dir, rejects):
    load_files(master, "targets", [ingest_dir / "targets_bad_month.csv"])

    [bad] = rejects(master, "targets")
    assert problems([bad]) == [(3, "month", "2025-13", "bad_month")]
    assert bad["reason_en"].startswith("'2025-13' is not a valid month")


def test_bad_timestamp(master, ingest_dir, rejects):
    load_files(master, "online_orders", [ingest_dir / "online_orders_bad_time.csv"])

    [bad] = rejects(master, "online_orders")
    assert problems([bad]) == [(3, "order_time", "昨天下午", "bad_timestamp")]
    assert bad["reason_zh"].startswith("“昨天下午” 不是有效时间")


def test_unknown_references_are_each_named(master, ingest_dir, rejects):
    result = load_files(master, "sell_in", [ingest_dir / "sell_in_unknown_customer.csv"])

    assert (result.rows_loaded, result.rows_rejected) == (1, 3)
    records = rejects(master, "sell_in")
    assert sorted(problems(records)) == [
        (3, "customer_id", "C009", "unknown_reference"),
        (4, "customer_id", "C404", "unknown_reference"),
        (5, "customer_id", "C009", "unknown_reference"),
        (5, "site_id", "DC99", "unknown_reference"),
        (5, "sku", "SKU999", "unknown_reference"),
    ]
    sku = next(r for r in records if r["column"] == "sku")
    assert sku["reason_en"] == (
        "'SKU999' does not exist in master data products.sku (load it first, then run chainsight rejects retry)"
    )
    assert "products.sku" in sku["reason_zh"] and "chainsight rejects retry" in sku["reason_zh"]


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("prices", [(3, "valid_from", "valid_to_before_from")]),
        ("promotions", [(3, "start_date", "end_before_start")]),
        ("purchase_orders", [(3, "order_date", "promised_before_order")]),
        ("receipts", [(3, "mfg_date", "expiry_before_mfg")]),
        (
            "production_orders",
            [
                (3, "planned_start", "planned_end_before_start"),
                (4, "actual_start", "actual_end_before_start"),
                (5, "actual_start", "actual_end_before_start"),
                (5, "planned_start", "planned_end_before_start"),
            ],
        ),
        ("inventory", [(3, "mfg_date", "expiry_before_mfg"), (4, "item_id", "unknown_reference")]),
    ],
)
def test_row_checks_between_columns(master, ingest_dir, rejects, entity, expected):
    result = load_files(master, entity, [ingest_dir / "checks" / f"{entity}.csv"])

    assert result.rows_loaded == 1
    records = rejects(master, entity)
    assert sorted((r["row_number"], r["column"], r["reason_code"]) for r in records) == expected
    for r in records:
        if r["reason_code"] in CHECK_CODES:
            # The reason quotes both values, e.g. "(mfg_date=2024-03-01, expiry_date=2023-03-01)".
            check = next(c for c in ENTITIES[entity].checks if c.code == r["reason_code"])
            assert r["reason_en"].startswith(check.reason.en) and r["reason_zh"].startswith(check.reason.zh)
            assert f"{check.left}=" in r["reason_en"] and f"{check.right}=" in r["reason_en"]


def test_every_reason_code_is_produced_by_the_fixtures(master, ingest_dir, query):
    loads = [
        ("products", "products_rejects.csv"),
        ("targets", "targets_bad_month.csv"),
        ("online_orders", "online_orders_bad_time.csv"),
        ("sell_in", "sell_in_unknown_customer.csv"),
        *((e, f"checks/{e}.csv") for e in ("prices", "promotions", "purchase_orders", "production_orders")),
        *((e, f"checks/{e}.csv") for e in ("receipts", "inventory", "customer_orders")),
    ]
    for entity, name in loads:
        load_files(master, entity, [ingest_dir / name])

    seen = {r[0] for r in query(master, "SELECT DISTINCT reason_code FROM _cs_rejects")}
    assert seen == set(REASONS) | CHECK_CODES
    assert query(master, "SELECT count(*) FROM _cs_rejects WHERE reason_zh = '' OR reason_en = ''") == [(0,)]


def test_list_rejects_filters_by_entity_and_status(master, ingest_dir):
    load_files(master, "sell_in", [ingest_dir / "sell_in_unknown_customer.csv"])
    load_files(master, "targets", [ingest_dir / "targets_bad_month.csv"])

    assert list_rejects(master).num_rows == 6
    table = list_rejects(master, "targets")
    assert table.column("entity").to_pylist() == ["targets"]
    assert {"file", "row_number", "column", "raw_value", "reason_code", "reason_zh", "reason_en"} <= set(
        table.column_names
    )
    assert list_rejects(master, "sell_in", status="resolved").num_rows == 0


def test_row_numbers_are_exact_in_a_large_file(master, tmp_path, rejects):
    # Large enough for DuckDB to read the file in parallel chunks; rows stay numbered as in the file.
    path = tmp_path / "sell_out_large.csv"
    n, bad = 300_000, (0, 123_457, 299_999)
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT DATE '2024-01-01' + CAST(i // 9 AS INTEGER) AS date, "
        "'S00' || CAST(1 + i % 3 AS VARCHAR) AS store_id, 'SKU00' || CAST(1 + (i // 3) % 3 AS VARCHAR) AS sku, "
        f"CASE WHEN i IN {bad} THEN 'x' || CAST(i AS VARCHAR) ELSE CAST(i % 5 AS VARCHAR) END AS qty, "
        f"1.5 AS amount FROM range({n}) t(i)) TO '{path}' (HEADER)"
    )
    con.close()

    result = load_files(master, "sell_out", [path])

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n - 3, 3)
    assert problems(rejects(master, "sell_out")) == [(i + 2, "qty", f"x{i}", "bad_number") for i in bad]
