"""The Parquet side of a Spark warehouse, which needs no JVM: loading validates in DuckDB and
publishes month-partitioned Parquet under a manifest, so it runs in the default suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spark_fixture import INGEST, fingerprint, load_master, spark_url

from chainsight.ingest import load_files
from chainsight.warehouse import SparkWarehouse, Warehouse, _spark


def test_loading_into_a_spark_warehouse_writes_partitioned_parquet_without_starting_spark(
    tmp_path: Path,
) -> None:
    wh = Warehouse.open(spark_url(tmp_path / "cs"))
    assert isinstance(wh, SparkWarehouse)
    load_master(wh)
    first = load_files(wh, "sell_in", [INGEST / "sell_in_gbk.csv"], mapping=INGEST / "sell_in_gbk.yaml")
    before = fingerprint(wh)
    again = load_files(wh, "sell_in", [INGEST / "sell_in_gbk.csv"], mapping=INGEST / "sell_in_gbk.yaml")

    assert (first.rows_loaded, first.rows_rejected) == (3, 1)
    assert (again.rows_loaded, again.rows_duplicate, again.rows_rejected) == (0, 3, 1)
    after = fingerprint(wh)
    assert {t: after[t] for t in ("sell_in", "_cs_rejects")} == {
        t: before[t] for t in ("sell_in", "_cs_rejects")
    }
    manifest = json.loads((tmp_path / "cs" / "_manifest.json").read_text(encoding="utf-8"))["tables"]
    months = wh.duckdb.execute("SELECT DISTINCT strftime(date, '%Y-%m') FROM sell_in ORDER BY 1").fetchall()
    assert [f.split("/")[0] for f in manifest["sell_in"]["files"]] == [f"_month={m}" for (m,) in months]
    assert manifest["sell_in"]["rows"] == 3
    assert wh._session is None and wh._backend is None  # nothing above needed Spark
    wh.close()


def test_a_reader_keeps_its_version_while_a_writer_publishes(tmp_path: Path) -> None:
    url = spark_url(tmp_path / "cs")
    writer = Warehouse.open(url)
    load_master(writer)
    reader = Warehouse.open(url, read_only=True)
    load_files(writer, "sell_out", [INGEST / "sell_out.tsv"])

    assert reader.duckdb.execute("SELECT count(*) FROM sell_out").fetchone() == (0,)
    assert isinstance(reader, SparkWarehouse)
    reader.refresh()
    assert reader.duckdb.execute("SELECT count(*) FROM sell_out").fetchone() == (3,)
    with pytest.raises(_spark.WarehouseError), reader.transaction():
        pass
    reader.close()
    writer.close()
