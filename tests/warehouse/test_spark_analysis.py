"""The analyses give the same answers on Spark as on DuckDB, over the tiny demo company (with
its planted signals): the demo is generated, loaded through the real loader into DuckDB, and
copied into a Spark warehouse."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import spark_url
from polars.testing import assert_frame_equal

from chainsight.analysis import (
    expiry_report,
    production_performance,
    sell_through,
    supplier_performance,
)
from chainsight.demo import generate
from chainsight.ingest import load_files
from chainsight.warehouse import Warehouse, copy_warehouse

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Warehouse, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("demo")
    manifest = generate(out / "files", scale="tiny", seed=0, signals=True)
    duck = Warehouse.open(out / "w.duckdb")
    for e in manifest.files:
        mapping = (out / "files" / e.mapping) if e.mapping else None
        load_files(duck, e.entity, [out / "files" / e.file], mapping=mapping)
    spark = Warehouse.open(spark_url(out / "spark"))
    copy_warehouse(duck, spark)
    truth = json.loads((out / "files" / "truth.json").read_text(encoding="utf-8"))["signals"]
    yield duck, spark, truth
    spark.close()
    duck.close()


def _same_frames(a: Any, b: Any) -> None:
    """Every DataFrame field of two analysis results is equal (rows in a canonical order)."""
    compared = 0
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pl.DataFrame):
            assert x.columns == y.columns, f.name
            key = [c for c, t in x.schema.items() if not t.is_float()] or x.columns
            assert_frame_equal(
                x.sort(key, nulls_last=True),
                y.sort(key, nulls_last=True),
                check_dtypes=False,
                rel_tol=1e-9,
                abs_tol=1e-6,
            )
            compared += x.height
        else:
            assert x == y, f.name
    assert compared > 0


def test_sell_through_on_spark_equals_duckdb_and_finds_the_stuffed_distributor(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    duck, spark, truth = engines
    on_spark = sell_through(spark)
    _same_frames(on_spark, sell_through(duck))
    stuffed = set(on_spark.customers.filter(pl.col("stuffing"))["customer_id"].to_list())
    assert truth["stuffed_distributor"]["customer_id"] in stuffed


def test_expiry_report_on_spark_equals_duckdb(engines: tuple[Warehouse, Warehouse, dict[str, Any]]) -> None:
    duck, spark, _ = engines
    _same_frames(expiry_report(spark), expiry_report(duck))


def test_supplier_and_production_reports_on_spark_equal_duckdb(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    duck, spark, _ = engines
    _same_frames(supplier_performance(spark), supplier_performance(duck))
    _same_frames(production_performance(spark), production_performance(duck))
