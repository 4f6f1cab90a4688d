"""Foreign keys to master data: unknown references are rejected, and retried once the master data arrives."""

from __future__ import annotations

from chainsight.ingest import load_files, retry_rejects


def open_problems(rejects, wh, entity):
    return sorted(
        (r["row_number"], r["column"], r["raw_value"], r["reason_code"]) for r in rejects(wh, entity, "open")
    )


def test_retry_loads_rows_whose_master_data_arrived(master, ingest_dir, query, rejects):
    path = ingest_dir / "sell_in_unknown_customer.csv"
    first = load_files(master, "sell_in", [path])
    load_files(master, "customers", [ingest_dir / "customers_late.csv"])

    [result] = retry_rejects(master, "sell_in")

    assert result.entity == "sell_in"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    assert query(master, "SELECT line_no, customer_id, _batch_id FROM sell_in ORDER BY line_no") == [
        (1, "C001", first.batch_id),
        (2, "C009", result.batch_id),
    ]
    # The row that loaded: its old reject is resolved by the retry batch.
    [resolved] = rejects(master, "sell_in", "resolved")
    assert (resolved["row_number"], resolved["raw_value"], resolved["resolved_batch_id"]) == (
        3,
        "C009",
        result.batch_id,
    )
    assert query(
        master,
        "SELECT rows_read, rows_loaded, rows_rejected, outcome FROM _cs_load_history WHERE batch_id = ?",
        result.batch_id,
    ) == [(3, 1, 2, "retried")]


def test_rows_still_failing_after_retry_stay_open_with_current_reasons(master, ingest_dir, rejects):
    path = ingest_dir / "sell_in_unknown_customer.csv"
    first = load_files(master, "sell_in", [path])
    load_files(master, "customers", [ingest_dir / "customers_late.csv"])

    retry_rejects(master, "sell_in")

    # Row 5 no longer has its customer problem (C009 arrived), only the other two.
    assert open_problems(rejects, master, "sell_in") == [
        (4, "customer_id", "C404", "unknown_reference"),
        (5, "site_id", "DC99", "unknown_reference"),
        (5, "sku", "SKU999", "unknown_reference"),
    ]
    assert {r["file"] for r in rejects(master, "sell_in", "open")} == {str(path)}
    assert {r["status"] for r in rejects(master, "sell_in") if r["batch_id"] == first.batch_id} == {
        "resolved",
        "retried",
    }


def test_retry_with_nothing_new_loads_nothing_and_keeps_one_open_reject_per_problem(
    master, ingest_dir, rejects
):
    load_files(master, "sell_in", [ingest_dir / "sell_in_unknown_customer.csv"])
    before = open_problems(rejects, master, "sell_in")

    [first] = retry_rejects(master)
    [second] = retry_rejects(master, "sell_in")

    assert (first.rows_loaded, first.rows_rejected) == (0, 3)
    assert (second.rows_loaded, second.rows_rejected) == (0, 3)
    assert open_problems(rejects, master, "sell_in") == before


def test_retry_without_open_rejects_does_nothing(master, snapshot):
    before = snapshot(master)

    assert retry_rejects(master) == []
    assert snapshot(master) == before


def test_retry_after_fixing_master_data_in_the_same_entity_order(
    master, tmp_path, ingest_dir, rejects, query
):
    # Stores reference a customer that is also missing: retry runs customers-dependent entities in load order.
    stores = tmp_path / "stores.csv"
    stores.write_text("store_id,customer_id,region_id\nS100,C009,HZ\n", encoding="utf-8")
    sell_out = tmp_path / "sell_out.csv"
    sell_out.write_text("date,store_id,sku,qty,amount\n2024-03-01,S100,SKU001,1,3.5\n", encoding="utf-8")
    load_files(master, "sell_out", [sell_out])
    load_files(master, "stores", [stores])
    load_files(master, "customers", [ingest_dir / "customers_late.csv"])

    results = retry_rejects(master)

    assert [r.entity for r in results] == ["stores", "sell_out"]
    assert [r.rows_loaded for r in results] == [1, 1]
    assert rejects(master, status="open") == []
    assert query(master, "SELECT store_id FROM sell_out") == [("S100",)]


def test_self_reference_may_be_satisfied_by_the_same_file(warehouse, tmp_path, rejects, query):
    path = tmp_path / "regions.csv"
    path.write_text(
        "region_id,name,parent_id,level\nHZ,杭州市,ZJ,city\nZJ,浙江省,CN,province\nCN,中国,,country\n"
        "XX,某市,YY,city\n",
        encoding="utf-8",
    )

    result = load_files(warehouse, "regions", [path])

    assert (result.rows_loaded, result.rows_rejected) == (3, 1)
    assert [(r["row_number"], r["column"], r["raw_value"]) for r in rejects(warehouse)] == [
        (5, "parent_id", "YY")
    ]


def test_polymorphic_reference_accepts_either_target(master, tmp_path, query):
    path = tmp_path / "write_offs.csv"
    path.write_text(
        "date,site_id,item_id,lot_id,qty,reason\n"
        "2024-03-31,DC01,SKU003,B1,10,expired\n"
        "2024-03-31,P01,M001,LOT1,5,quality\n",
        encoding="utf-8",
    )

    result = load_files(master, "write_offs", [path])

    assert (result.rows_loaded, result.rows_rejected) == (2, 0)


def test_optional_reference_left_empty_is_not_checked(master, tmp_path):
    path = tmp_path / "sell_in.csv"
    path.write_text(
        "doc_id,line_no,date,customer_id,sku,qty,gross_amount,net_amount,site_id\n"
        "D1,1,2024-03-01,C001,SKU001,1,3.5,3.5,\n",
        encoding="utf-8",
    )

    assert load_files(master, "sell_in", [path]).rows_rejected == 0
