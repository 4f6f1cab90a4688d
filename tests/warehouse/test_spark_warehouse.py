"""The Spark warehouse: loads keep their validation, rejects, idempotence and atomicity; the
tables are Parquet partitioned by month and read the same on Spark as in DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from spark_fixture import INGEST, fingerprint, load_master, spark_url

from chainsight.ingest import list_rejects, load_files, retry_rejects
from chainsight.warehouse import SparkWarehouse, Warehouse

pytestmark = pytest.mark.spark

# Columns that differ between two loads of the same rows by design (ids and clocks).
VOLATILE = (
    "_batch_id",
    "batch_id",
    "resolved_batch_id",
    "_superseded_by",
    "_superseded_at",
    "created_at",
    "started_at",
    "finished_at",
    "checksum",  # a retry's is "retry:<old batch id>"; file checksums are compared below
)
PRODUCTS_HEADER = "sku,name,brand,category,unit,units_per_case,shelf_life_days,list_price\n"


def _load_story(wh: Warehouse) -> list[tuple[int, int, int, int, int]]:
    """Master data, a file with rejects, an update with history, a retry after late master data."""
    load_master(wh)
    results = [
        load_files(wh, "sell_in", [INGEST / "sell_in_gbk.csv"], mapping=INGEST / "sell_in_gbk.yaml"),
        load_files(wh, "products", [INGEST / "products_rejects.csv"]),
        load_files(wh, "sell_out", [INGEST / "sell_out.tsv"]),
        load_files(wh, "sell_in", [INGEST / "sell_in_unknown_customer.csv"]),
        load_files(wh, "customers", [INGEST / "customers_late.csv"]),
        *retry_rejects(wh, "sell_in"),
    ]
    return [(r.rows_read, r.rows_loaded, r.rows_updated, r.rows_duplicate, r.rows_rejected) for r in results]


def test_loads_on_spark_give_the_same_tables_rejects_and_counts_as_on_duckdb(tmp_path: Path) -> None:
    duck = Warehouse.open(tmp_path / "w.duckdb")
    spark = Warehouse.open(spark_url(tmp_path / "spark"))
    assert isinstance(spark, SparkWarehouse)

    assert _load_story(spark) == _load_story(duck)

    got, want = fingerprint(spark, ignore=VOLATILE), fingerprint(duck, ignore=VOLATILE)
    assert got == want
    assert got["sell_in"][0] > 0 and got["_cs_rejects"][0] > 0
    sums = "SELECT checksum FROM _cs_load_history WHERE outcome = 'loaded' ORDER BY started_at"
    assert spark.duckdb.execute(sums).fetchall() == duck.duckdb.execute(sums).fetchall()
    # What was rejected, where and why: the same records (the reasons are in both languages).
    cols = [
        "entity",
        "file",
        "row_number",
        "column",
        "raw_value",
        "reason_code",
        "reason_zh",
        "reason_en",
        "status",
    ]
    assert sorted(list_rejects(spark, status=None).select(cols).to_pylist(), key=str) == sorted(
        list_rejects(duck, status=None).select(cols).to_pylist(), key=str
    )
    duck.close()
    spark.close()


def test_fact_tables_are_parquet_partitioned_by_month_and_spark_reads_every_row(spark_wh: Warehouse) -> None:
    load_master(spark_wh)
    load_files(spark_wh, "sell_out", [INGEST / "sell_out.tsv"])
    manifest = json.loads((Path(spark_wh.store.root) / "_manifest.json").read_text(encoding="utf-8"))
    entry = manifest["tables"]["sell_out"]
    months = spark_wh.duckdb.execute(
        "SELECT DISTINCT strftime(date, '%Y-%m') FROM sell_out ORDER BY 1"
    ).fetchall()
    assert entry["partition"] == "_month"
    assert sorted({f.split("/")[0] for f in entry["files"]}) == [f"_month={m}" for (m,) in months]
    assert manifest["tables"]["products"]["partition"] is None
    # Spark (not the staging DuckDB) reads the same rows, without the partition column.
    on_spark = spark_wh.table("sell_out").drop("_batch_id").to_pyarrow().to_pylist()
    in_duck = (
        spark_wh.duckdb.execute("SELECT * EXCLUDE (_batch_id) FROM sell_out").to_arrow_table().to_pylist()
    )
    assert "_month" not in spark_wh.table("sell_out").columns
    assert sorted(on_spark, key=str) == sorted(in_duck, key=str)


def test_reloading_the_same_file_changes_nothing_but_the_load_history(spark_wh: Warehouse) -> None:
    load_master(spark_wh)
    args = (spark_wh, "sell_in", [INGEST / "sell_in_gbk.csv"])
    first = load_files(*args, mapping=INGEST / "sell_in_gbk.yaml")
    before = fingerprint(spark_wh)

    second = load_files(*args, mapping=INGEST / "sell_in_gbk.yaml")

    assert (first.rows_loaded, first.rows_rejected) == (3, 1)
    assert (second.rows_loaded, second.rows_updated, second.rows_duplicate, second.rows_rejected) == (
        0,
        0,
        3,
        1,
    )
    after = fingerprint(spark_wh)
    for table in ("sell_in", "_cs_history_sell_in", "_cs_rejects"):
        assert after[table] == before[table], table
    assert after["_cs_load_history"][0] == before["_cs_load_history"][0] + 1
    assert spark_wh.table("sell_in").count().to_pyarrow().as_py() == 3


def test_an_update_keeps_the_old_version_in_history_on_spark(spark_wh: Warehouse, tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text(PRODUCTS_HEADER + "A1,冰红茶,清泉,茶,瓶,24,270,3.50\n", encoding="utf-8")
    v2.write_text(PRODUCTS_HEADER + "A1,冰红茶,清泉,茶,瓶,24,270,3.80\n", encoding="utf-8")
    load_files(spark_wh, "products", [v1])
    assert spark_wh.table("products").list_price.sum().to_pyarrow().as_py() == 3.5  # view in use by Spark

    second = load_files(spark_wh, "products", [v2])

    assert (second.rows_loaded, second.rows_updated) == (0, 1)
    # The Spark view in use follows the new version; the old row is in history.
    assert spark_wh.table("products").list_price.sum().to_pyarrow().as_py() == 3.8
    hist = spark_wh.table("_cs_history_products").select("sku", "list_price").to_pyarrow().to_pylist()
    assert hist == [{"sku": "A1", "list_price": 3.5}]


def test_an_error_mid_load_publishes_nothing(spark_wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainsight.ingest import _load

    load_master(spark_wh)
    before = fingerprint(spark_wh)
    manifest = (Path(spark_wh.store.root) / "_manifest.json").read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_load, "_record_history", boom)
    with pytest.raises(RuntimeError):
        load_files(spark_wh, "sell_out", [INGEST / "sell_out.tsv"])

    assert (Path(spark_wh.store.root) / "_manifest.json").read_bytes() == manifest
    assert fingerprint(spark_wh) == before
    monkeypatch.undo()
    assert load_files(spark_wh, "sell_out", [INGEST / "sell_out.tsv"]).rows_loaded == 3


CRASH = textwrap.dedent(
    """
    import os, sys
    from chainsight.ingest import load_files
    from chainsight.warehouse import Warehouse, _spark

    written = []
    original = _spark.SparkStore._write_version

    def write_then_die(self, name, version):
        entry = original(self, name, version)
        written.append(name)
        if len(written) == 2:  # two new table versions are on disk, the manifest is not swapped
            os._exit(9)
        return entry

    _spark.SparkStore._write_version = write_then_die
    wh = Warehouse.open(sys.argv[1])
    load_files(wh, "sell_out", [sys.argv[2]])
    """
)


def test_a_crash_mid_publish_leaves_the_previous_version_readable(tmp_path: Path) -> None:
    url = spark_url(tmp_path / "spark")
    wh = Warehouse.open(url)
    load_master(wh)
    load_files(wh, "sell_out", [INGEST / "sell_out.tsv"])
    before = fingerprint(wh)
    root = Path(wh.store.root)
    versions = {p for p in root.glob("*/v*")}
    wh.close()
    dirty = tmp_path / "more.csv"
    dirty.write_text("date,store_id,sku,qty,amount\n2024-05-02,S001,SKU001,7,70\n", encoding="utf-8")

    proc = subprocess.run(
        [sys.executable, "-c", CRASH, url, str(dirty)], capture_output=True, text=True, check=False
    )

    assert proc.returncode == 9, proc.stderr
    assert len({p for p in root.glob("*/v*")} - versions) == 2  # orphaned, unreferenced versions
    again = Warehouse.open(url)
    assert fingerprint(again) == before
    assert again.table("sell_out").count().to_pyarrow().as_py() == before["sell_out"][0]
    # The next successful write removes the orphans.
    assert load_files(again, "sell_out", [dirty]).rows_loaded == 1
    live = {p.parent.name + "/" + p.name for p in root.glob("*/v*")}
    manifest = json.loads((root / "_manifest.json").read_text(encoding="utf-8"))["tables"]
    for name in ("sell_out", "_cs_load_history"):
        assert {v for v in live if v.startswith(name + "/")} <= {
            f"{name}/{manifest[name]['version']}",
            *(f"{name}/{p.name}" for p in versions if p.parent.name == name),
        }
    again.close()


def test_read_only_open_of_a_missing_spark_warehouse_is_a_user_error(tmp_path: Path) -> None:
    from chainsight._errors import UserInputError

    with pytest.raises(UserInputError):
        Warehouse.open(spark_url(tmp_path / "nothing"), read_only=True)
