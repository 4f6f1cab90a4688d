"""Loading is idempotent: the same file twice loads nothing new; a changed row replaces the old one,
which is kept in the entity's history table; every load is recorded."""

from __future__ import annotations

import json

from chainsight.ingest import load_files

PRODUCTS_HEADER = "sku,name,brand,category,unit,units_per_case,shelf_life_days,list_price\n"


def test_reload_of_same_file_loads_nothing(master, ingest_dir, query, snapshot):
    args = (master, "sell_in", [ingest_dir / "sell_in_gbk.csv"])
    mapping = ingest_dir / "sell_in_gbk.yaml"
    first = load_files(*args, mapping=mapping)
    before = snapshot(master)

    second = load_files(*args, mapping=mapping)

    assert (first.rows_loaded, first.rows_rejected) == (3, 1)
    assert (second.rows_read, second.rows_loaded, second.rows_updated, second.rows_duplicate) == (4, 0, 0, 3)
    assert second.rows_rejected == 1
    after = snapshot(master)
    for table in ("sell_in", "_cs_history_sell_in", "_cs_rejects"):
        assert after[table] == before[table], table
    assert query(master, "SELECT count(*) FROM _cs_rejects WHERE status = 'open'") == [(1,)]


def test_reload_of_same_rows_in_a_new_file_counts_duplicates(master, ingest_dir):
    load_files(master, "sell_out", [ingest_dir / "sell_out.tsv"])

    again = load_files(master, "sell_out", [ingest_dir / "sell_out_semicolon.csv"])

    assert (again.rows_loaded, again.rows_updated, again.rows_duplicate) == (0, 0, 3)


def test_reload_does_not_duplicate_open_rejects(warehouse, ingest_dir, query):
    path = ingest_dir / "products_rejects.csv"
    load_files(warehouse, "products", [path])
    count = query(warehouse, "SELECT count(*) FROM _cs_rejects")

    again = load_files(warehouse, "products", [path])

    assert again.rows_rejected == 9
    assert query(warehouse, "SELECT count(*) FROM _cs_rejects") == count == [(13,)]


def test_changed_row_counts_as_updated_and_old_version_is_kept(warehouse, tmp_path, query):
    v1, v2 = tmp_path / "products_v1.csv", tmp_path / "products_v2.csv"
    v1.write_text(
        PRODUCTS_HEADER + "A1,冰红茶,清泉,茶,瓶,24,270,3.50\nA2,乌龙茶,清泉,茶,瓶,24,270,4.00\n",
        encoding="utf-8",
    )
    v2.write_text(
        PRODUCTS_HEADER
        + "A1,冰红茶,清泉,茶,瓶,24,270,3.80\nA2,乌龙茶,清泉,茶,瓶,24,270,4.00\nA3,绿茶,清泉,茶,瓶,24,360,4.50\n",
        encoding="utf-8",
    )
    first = load_files(warehouse, "products", [v1])

    second = load_files(warehouse, "products", [v2])

    assert (second.rows_loaded, second.rows_updated, second.rows_duplicate, second.rows_rejected) == (
        1,
        1,
        1,
        0,
    )
    assert query(warehouse, "SELECT sku, list_price, _batch_id FROM products ORDER BY sku") == [
        ("A1", 3.8, second.batch_id),
        ("A2", 4.0, first.batch_id),
        ("A3", 4.5, second.batch_id),
    ]
    assert query(
        warehouse,
        "SELECT sku, list_price, _batch_id, _superseded_by, _superseded_at IS NOT NULL FROM _cs_history_products",
    ) == [("A1", 3.5, first.batch_id, second.batch_id, True)]


def test_a_value_becoming_empty_is_an_update(warehouse, tmp_path, query):
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("channel_id,name,kind,platform\ntmall,天猫,online,tmall\n", encoding="utf-8")
    v2.write_text("channel_id,name,kind,platform\ntmall,天猫,online,\n", encoding="utf-8")
    load_files(warehouse, "channels", [v1])

    second = load_files(warehouse, "channels", [v2])

    assert (second.rows_updated, second.rows_duplicate) == (1, 0)
    assert query(warehouse, "SELECT platform FROM channels") == [(None,)]
    assert query(warehouse, "SELECT platform FROM _cs_history_channels") == [("tmall",)]


def test_updating_again_keeps_every_old_version(warehouse, tmp_path, query):
    for price in ("3.50", "3.80", "3.50"):
        path = tmp_path / f"p{price}.csv"
        path.write_text(PRODUCTS_HEADER + f"A1,冰红茶,清泉,茶,瓶,24,270,{price}\n", encoding="utf-8")
        load_files(warehouse, "products", [path])

    assert query(warehouse, "SELECT list_price FROM products") == [(3.5,)]
    assert query(warehouse, "SELECT list_price FROM _cs_history_products ORDER BY _superseded_at") == [
        (3.5,),
        (3.8,),
    ]


def test_each_load_is_recorded_in_load_history(master, ingest_dir, query):
    path = ingest_dir / "sell_in_gbk.csv"
    mapping = ingest_dir / "sell_in_gbk.yaml"
    before = query(master, "SELECT count(*) FROM _cs_load_history")[0][0]
    first = load_files(master, "sell_in", [path], mapping=mapping)
    second = load_files(master, "sell_in", [path], mapping=mapping)

    rows = query(
        master,
        "SELECT batch_id, entity, files, checksum, rows_read, rows_loaded, rows_updated, rows_duplicate, "
        "rows_rejected, outcome, started_at <= finished_at, mapping FROM _cs_load_history "
        "WHERE entity = 'sell_in' ORDER BY started_at",
    )
    assert query(master, "SELECT count(*) FROM _cs_load_history")[0][0] == before + 2
    assert [r[0] for r in rows] == [first.batch_id, second.batch_id]
    assert [r[4:10] for r in rows] == [(4, 3, 0, 0, 1, "loaded"), (4, 0, 0, 3, 1, "loaded")]
    assert all(json.loads(r[2]) == [str(path)] for r in rows)
    assert rows[0][3] == rows[1][3] and len(rows[0][3]) == 64  # same file, same sha256
    assert all(r[10] for r in rows)
    assert json.loads(rows[0][11])["columns"]["doc_id"] == "单据编号"
